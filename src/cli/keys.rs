//! `modelgate keys show` and `modelgate keys rotate-session`.

use std::process::ExitCode;

use crate::auth::jwt::generate_key;
use crate::config::Settings;
use crate::store::signing::PublisherKey;

#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Print the publisher public key (PEM) and its fingerprint, generating the key if needed.
    Show,
    /// Add a new session signing key. It signs new sessions after the next restart; tokens
    /// signed with older keys stay valid until they expire or their key file is removed.
    RotateSession,
}

pub fn run(settings: Settings, command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::Show => {
            let key = PublisherKey::load_or_generate(&settings.storage.key_dir())?.public();
            eprintln!("fingerprint: {}", key.fingerprint());
            print!("{}", key.pem());
        }
        KeysCommand::RotateSession => {
            let kid = generate_key(&settings.storage.key_dir().join("session"))?;
            println!("new session key {kid}; restart the gateway (all replicas) to sign with it");
        }
    }
    Ok(ExitCode::SUCCESS)
}
