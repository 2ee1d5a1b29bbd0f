//! `modelgate audit verify EXPORT --checkpoints FILE --public-key KEY`: checks an unfiltered
//! JSON Lines export of the audit log offline (no database) against signed checkpoints,
//! naming the first altered, missing, inserted or reordered event. Exit 0 when intact,
//! 1 when not, 2 on unreadable input.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde::Deserialize;

use crate::audit::verify_events;
use crate::ledger::{ChainedEvent, Checkpoint};
use crate::store::signing::PublicKey;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Verify an export (`GET /v1/audit/export?format=jsonl`) offline.
    Verify {
        /// The JSON Lines export, unfiltered.
        export: PathBuf,
        /// The checkpoints (`GET /v1/audit/checkpoints`, or a JSON array of them).
        #[arg(long, value_name = "FILE")]
        checkpoints: PathBuf,
        /// The audit public key (`GET /v1/keys/audit`), PEM.
        #[arg(long, value_name = "FILE")]
        public_key: PathBuf,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CheckpointFile {
    Listing { checkpoints: Vec<Checkpoint> },
    Bare(Vec<Checkpoint>),
}

fn verify(export: &PathBuf, checkpoints: &PathBuf, key: &PathBuf) -> anyhow::Result<bool> {
    let key = PublicKey::from_pem(
        &std::fs::read_to_string(key).with_context(|| format!("reading `{}`", key.display()))?,
    )?;
    let text = std::fs::read_to_string(checkpoints)
        .with_context(|| format!("reading `{}`", checkpoints.display()))?;
    let checkpoints = match serde_json::from_str(&text)
        .with_context(|| format!("`{}` holds no checkpoints", checkpoints.display()))?
    {
        CheckpointFile::Listing { checkpoints } | CheckpointFile::Bare(checkpoints) => checkpoints,
    };
    // The export is read line by line as the walk goes: any size verifies in little memory.
    let file =
        std::fs::File::open(export).with_context(|| format!("opening `{}`", export.display()))?;
    let mut unreadable = None;
    let events = std::io::BufReader::new(file)
        .lines()
        .enumerate()
        .filter(|(_, line)| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
        .map_while(|(index, line)| {
            let parsed = line.map_err(anyhow::Error::from).and_then(|l| {
                serde_json::from_str::<ChainedEvent>(&l).map_err(anyhow::Error::from)
            });
            match parsed {
                Ok(event) => Some(event),
                Err(e) => {
                    unreadable = Some(anyhow::anyhow!(
                        "{}:{}: not an audit event: {e}",
                        export.display(),
                        index + 1
                    ));
                    None
                }
            }
        });
    let report = verify_events(events, &checkpoints, &key);
    if let Some(e) = unreadable {
        return Err(e);
    }
    if report.ok {
        println!("OK: {}", report.message);
    } else {
        println!("FAILED: {}", report.message);
    }
    Ok(report.ok)
}

pub fn run(command: AuditCommand) -> ExitCode {
    let AuditCommand::Verify {
        export,
        checkpoints,
        public_key,
    } = command;
    match verify(&export, &checkpoints, &public_key) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
