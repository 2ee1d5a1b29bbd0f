//! `modelgate license publish DIR`: publish a new license version from a directory holding
//! `license.toml`, `LICENSE.md`, `USE_POLICY.md` and `NOTICE`.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Settings;
use crate::licensing::documents::LicenseDocuments;
use crate::licensing::service::publish_version;
use crate::startup::open_state;

#[derive(Debug, clap::Subcommand)]
pub enum LicenseCommand {
    /// Publish DIR as the new current version of its license.
    Publish { dir: PathBuf },
}

pub async fn run(settings: Settings, command: LicenseCommand) -> anyhow::Result<ExitCode> {
    let LicenseCommand::Publish { dir } = command;
    let docs = LicenseDocuments::load_dir(&dir)?;
    let (state, _) = open_state(&settings).await?;
    let row = publish_version(&state.db, &docs, Some("cli".into())).await?;
    println!(
        "published license {} version {} (digest {})",
        row.license_id, row.version, row.digest
    );
    println!(
        "accounts that accepted an earlier version must accept this one before their next download"
    );
    Ok(ExitCode::SUCCESS)
}
