//! `modelgate keys show`: the publisher public key and its fingerprint.

use std::process::ExitCode;

use crate::config::Settings;
use crate::store::signing::PublisherKey;

#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Print the publisher public key (PEM) and its fingerprint, generating the key if needed.
    Show,
}

pub fn run(settings: Settings, command: KeysCommand) -> anyhow::Result<ExitCode> {
    let KeysCommand::Show = command;
    let key = PublisherKey::load_or_generate(&settings.storage.key_dir())?.public();
    eprintln!("fingerprint: {}", key.fingerprint());
    print!("{}", key.pem());
    Ok(ExitCode::SUCCESS)
}
