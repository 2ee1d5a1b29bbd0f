//! `modelgate demo generate DIR`: write the demo models.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::demo;

#[derive(Debug, clap::Subcommand)]
pub enum DemoCommand {
    /// Generate the seeded Llama 3.2 text and Vision demo models under DIR.
    Generate { dir: PathBuf },
}

pub fn run(command: DemoCommand) -> anyhow::Result<ExitCode> {
    let DemoCommand::Generate { dir } = command;
    for model in demo::generate(&dir)? {
        println!(
            "{} ({}) -> {}",
            model.id,
            model.modality,
            model.dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
