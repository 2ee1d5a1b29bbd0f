//! `modelgate config show`: the resolved configuration, secrets redacted.

use std::process::ExitCode;

use crate::config::Settings;

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Print the resolved configuration as TOML, with each key's environment variable.
    Show,
}

pub fn run(settings: Settings, command: ConfigCommand) -> anyhow::Result<ExitCode> {
    let ConfigCommand::Show = command;
    print!("{}", settings.redacted_toml()?);
    Ok(ExitCode::SUCCESS)
}
