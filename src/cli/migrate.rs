//! `modelgate migrate`: apply pending database migrations.

use std::process::ExitCode;

use crate::config::Settings;
use crate::db::Db;

pub async fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let db = Db::connect(&settings.database_url(), 1).await?;
    println!("database is up to date ({:?})", db.backend);
    Ok(ExitCode::SUCCESS)
}
