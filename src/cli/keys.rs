//! `modelgate keys init`, `modelgate keys show` and `modelgate keys rotate-session`.

use std::process::ExitCode;

use crate::auth::jwt::{generate_key, SessionKeys};
use crate::config::Settings;
use crate::ledger::checkpoint::AUDIT_KEY_FILE;
use crate::ledger::context::PseudonymKey;
use crate::store::signing::PublisherKey;

#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Generate every key the gateway signs with (publisher, session, audit checkpoint,
    /// audit pseudonyms) that is missing, before the first start: replicas share one set,
    /// made once (a release job) and mounted into each.
    Init,
    /// Print the publisher public key (PEM) and its fingerprint, generating the key if needed.
    Show,
    /// Add a new session signing key. It signs new sessions after the next restart; tokens
    /// signed with older keys stay valid until they expire or their key file is removed.
    RotateSession,
}

pub fn run(settings: Settings, command: KeysCommand) -> anyhow::Result<ExitCode> {
    let key_dir = settings.storage.key_dir();
    match command {
        KeysCommand::Init => {
            let publisher = PublisherKey::load_or_generate(&key_dir)?.public();
            let auth = &settings.auth;
            SessionKeys::load_or_generate(
                &key_dir.join("session"),
                auth.issuer(),
                &auth.audience,
                auth.session_ttl_secs,
                auth.leeway_secs,
            )?;
            PublisherKey::load_or_generate_file(&key_dir, AUDIT_KEY_FILE)?;
            PseudonymKey::load_or_generate(&key_dir)?;
            println!(
                "keys ready in {} (publisher key {})",
                key_dir.display(),
                publisher.fingerprint()
            );
        }
        KeysCommand::Show => {
            let key = PublisherKey::load_or_generate(&key_dir)?.public();
            eprintln!("fingerprint: {}", key.fingerprint());
            print!("{}", key.pem());
        }
        KeysCommand::RotateSession => {
            let kid = generate_key(&key_dir.join("session"))?;
            println!("new session key {kid}; restart the gateway (all replicas) to sign with it");
        }
    }
    Ok(ExitCode::SUCCESS)
}
