//! `modelgate audit …`: offline checks of the audit log for compliance staff and licensees.
//! - `verify --log URL|DIR --vkey K` re-derives the tree from the tiles and checks the
//!   checkpoint (and witnesses' cosignatures, and an earlier checkpoint with `--previous`);
//! - `verify EXPORT --checkpoint FILE --vkey K` checks a JSON Lines export against a signed
//!   checkpoint; `verify EXPORT --checkpoints FILE --public-key KEY` checks an export of the
//!   hash chain of earlier releases;
//! - `prove INDEX --log URL|DIR --vkey K` builds a receipt from the tiles;
//! - `verify-proof FILE --vkey K` checks a receipt;
//! - `erase --user ID --by EMAIL` destroys a data subject's key (on the gateway's database).
//!
//! Exit 0 when intact, 1 when not, 2 on unreadable input.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde::Deserialize;

use crate::audit::remote::{self, LogSource};
use crate::audit::{verify_chain, verify_export, VerifyReport};
use crate::ledger::note::open_checkpoint;
use crate::ledger::proof::EntryProof;
use crate::ledger::{ChainedEvent, Checkpoint, LogEntry};
use crate::store::signing::PublicKey;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Verify the log (`--log`) or an export of it (`EXPORT`) offline.
    Verify(VerifyArgs),
    /// Write the receipt (a C2SP tlog-proof) of one entry, built from the log's tiles.
    Prove {
        /// The entry's leaf index.
        index: u64,
        /// The log: its URL (`https://gateway/v1/audit/log`) or a directory of its tiles.
        #[arg(long, value_name = "URL|DIR")]
        log: String,
        /// The log's verifier key (`GET /v1/keys/audit.vkey`): the string or a file.
        #[arg(long, value_name = "KEY")]
        vkey: String,
        /// A compliance account's API token (entry bundles are not public).
        #[arg(long, env = "MODELGATE_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Where to write the proof (default: standard output).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Destroy a data subject's personal data beside the log (crypto-shredding): the
    /// entries stay and still verify; searches and exports show `erased` in place of the
    /// email, legal name and organisation name.
    Erase {
        /// The user id the entries are about.
        #[arg(long)]
        user: String,
        /// The staff member who decided the erasure (kept in the log).
        #[arg(long)]
        by: crate::domain::Email,
    },
    /// Verify a receipt (`GET /v1/audit/proof/{entry}` or `audit prove`) offline.
    VerifyProof {
        /// The `.tlog-proof` file.
        proof: PathBuf,
        /// The log's verifier key: the string or a file.
        #[arg(long, value_name = "KEY")]
        vkey: String,
        /// A witness whose cosignature the proof's checkpoint must carry (repeatable).
        #[arg(long = "witness", value_name = "KEY")]
        witnesses: Vec<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A JSON Lines export (`GET /v1/audit/export?format=jsonl`), unfiltered.
    export: Option<PathBuf>,
    /// The log to re-derive: its URL (`https://gateway/v1/audit/log`) or a directory of tiles.
    #[arg(long, value_name = "URL|DIR", conflicts_with = "export")]
    log: Option<String>,
    /// The log's verifier key (`GET /v1/keys/audit.vkey`): the string or a file.
    #[arg(long, value_name = "KEY")]
    vkey: Option<String>,
    /// A witness whose cosignature the checkpoint must carry (repeatable).
    #[arg(long = "witness", value_name = "KEY", conflicts_with = "checkpoints")]
    witnesses: Vec<String>,
    /// An earlier checkpoint of the log you kept: the log must still contain it.
    #[arg(long, value_name = "FILE", requires = "log")]
    previous: Option<PathBuf>,
    /// With an export: the signed checkpoint to check it against (`GET /v1/audit/log/checkpoint`).
    #[arg(long, value_name = "FILE", requires = "export")]
    checkpoint: Option<PathBuf>,
    /// With an export of the hash chain of earlier releases: its checkpoints
    /// (`GET /v1/audit/checkpoints`).
    #[arg(
        long,
        value_name = "FILE",
        requires = "export",
        conflicts_with = "checkpoint"
    )]
    checkpoints: Option<PathBuf>,
    /// With `--checkpoints`: the key that signed them (`GET /v1/keys/audit`), PEM.
    #[arg(long, value_name = "FILE", requires = "checkpoints")]
    public_key: Option<PathBuf>,
    /// A compliance account's API token, to read the entry bundles of a URL.
    #[arg(long, env = "MODELGATE_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

/// A key given as the string itself or as a file holding it.
fn key_text(key: &str) -> anyhow::Result<String> {
    let path = Path::new(key);
    if path.is_file() {
        return Ok(read(path)?.trim().to_owned());
    }
    Ok(key.trim().to_owned())
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading `{}`", path.display()))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CheckpointFile {
    Listing { checkpoints: Vec<Checkpoint> },
    Bare(Vec<Checkpoint>),
}

/// Reads the JSON Lines file at `path` as values of `T`, line by line, as the caller walks.
fn lines_of<'a, T: serde::de::DeserializeOwned>(
    path: &'a Path,
    unreadable: &'a mut Option<anyhow::Error>,
) -> anyhow::Result<impl Iterator<Item = T> + 'a> {
    let file =
        std::fs::File::open(path).with_context(|| format!("opening `{}`", path.display()))?;
    Ok(std::io::BufReader::new(file)
        .lines()
        .enumerate()
        .filter(|(_, line)| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
        .map_while(move |(index, line)| {
            let parsed = line
                .map_err(anyhow::Error::from)
                .and_then(|l| serde_json::from_str::<T>(&l).map_err(anyhow::Error::from));
            match parsed {
                Ok(value) => Some(value),
                Err(e) => {
                    *unreadable = Some(anyhow::anyhow!(
                        "{}:{}: not an audit event: {e}",
                        path.display(),
                        index + 1
                    ));
                    None
                }
            }
        }))
}

fn print_outcome(ok: bool, message: &str) -> ExitCode {
    if ok {
        println!("OK: {message}");
        ExitCode::SUCCESS
    } else {
        println!("FAILED: {message}");
        ExitCode::from(1)
    }
}

async fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    if let (Some(export), Some(checkpoints)) = (&args.export, &args.checkpoints) {
        let key_path = args
            .public_key
            .as_ref()
            .context("--checkpoints needs --public-key")?;
        let key = PublicKey::from_pem(&read(key_path)?)?;
        let checkpoints = match serde_json::from_str(&read(checkpoints)?)
            .with_context(|| format!("`{}` holds no checkpoints", checkpoints.display()))?
        {
            CheckpointFile::Listing { checkpoints } | CheckpointFile::Bare(checkpoints) => {
                checkpoints
            }
        };
        let mut unreadable = None;
        let report = verify_chain(
            lines_of::<ChainedEvent>(export, &mut unreadable)?,
            &checkpoints,
            &key,
        );
        if let Some(e) = unreadable {
            return Err(e);
        }
        return Ok(print_outcome(report.ok, &report.message));
    }
    let vkey = key_text(args.vkey.as_deref().context("--vkey is required")?)?;
    let report: VerifyReport = if let Some(export) = &args.export {
        let checkpoint = args
            .checkpoint
            .as_ref()
            .context("an export is verified against --checkpoint FILE (or --checkpoints for an export of earlier releases)")?;
        let checkpoint = match open_checkpoint(read(checkpoint)?.as_bytes(), &vkey, &args.witnesses)
        {
            Ok(checkpoint) => checkpoint,
            Err(e) => {
                return Ok(print_outcome(
                    false,
                    &format!("the checkpoint is not valid: {e}"),
                ))
            }
        };
        let mut unreadable = None;
        let report = verify_export(lines_of::<LogEntry>(export, &mut unreadable)?, &checkpoint);
        if let Some(e) = unreadable {
            return Err(e);
        }
        report
    } else {
        let log = args
            .log
            .as_deref()
            .context("say what to verify: --log URL|DIR, or an export file")?;
        let source = LogSource::new(log, args.token.clone())?;
        let previous = match &args.previous {
            Some(path) => match open_checkpoint(read(path)?.as_bytes(), &vkey, &[]) {
                Ok(previous) => Some(previous),
                Err(e) => {
                    return Ok(print_outcome(
                        false,
                        &format!("the earlier checkpoint is not valid: {e}"),
                    ))
                }
            },
            None => None,
        };
        remote::verify(&source, &vkey, &args.witnesses, previous.as_ref()).await?
    };
    Ok(print_outcome(report.ok, &report.message))
}

fn verify_proof(path: &Path, vkey: &str, witnesses: &[String]) -> anyhow::Result<ExitCode> {
    let vkey = key_text(vkey)?;
    let witnesses = witnesses
        .iter()
        .map(|w| key_text(w))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let proof = match EntryProof::parse(&read(path)?) {
        Ok(proof) => proof,
        Err(e) => anyhow::bail!("`{}`: {e}", path.display()),
    };
    match proof.verify(&vkey, &witnesses) {
        Ok(proved) => {
            let field = |name: &str| {
                proved
                    .fields
                    .iter()
                    .find(|(n, _)| n == name)
                    .and_then(|(_, v)| v.clone())
                    .unwrap_or_else(|| "-".into())
            };
            let time = field("occurred_at")
                .parse::<i64>()
                .map(crate::domain::rfc3339)
                .unwrap_or_default();
            let witnesses = if proved.cosigned_by.is_empty() {
                String::new()
            } else {
                format!(", cosigned by {}", proved.cosigned_by.join(", "))
            };
            println!(
                "OK: entry {} is in log `{}` (checkpoint of size {}{witnesses})",
                proved.index, proved.origin, proved.size
            );
            for name in ["id", "kind", "actor", "subject", "outcome"] {
                println!("  {name}: {}", field(name));
            }
            println!("  time: {time}");
            println!("  data: {}", field("data"));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(print_outcome(false, &e.to_string())),
    }
}

pub async fn run(
    settings: crate::config::Settings,
    command: AuditCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Erase { user, by } => {
            let (state, _) = crate::startup::open_state(&settings).await?;
            match crate::audit::personal::erase(&state.db, &user, by.as_str()).await? {
                Some(erasure) => {
                    println!(
                        "erased the personal data of `{user}` beside the audit log: {} entries \
                         now show `erased`; the erasure is entry {}",
                        erasure.entries, erasure.entry_id
                    );
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!("no personal data of `{user}` is kept (unknown, or erased before)");
                    Ok(ExitCode::from(1))
                }
            }
        }
        AuditCommand::Verify(args) => verify(args).await,
        AuditCommand::Prove {
            index,
            log,
            vkey,
            token,
            output,
        } => {
            let source = LogSource::new(&log, token)?;
            let proof = remote::prove(&source, &key_text(&vkey)?, index).await?;
            match output {
                Some(path) => {
                    std::fs::write(&path, proof.to_text())
                        .with_context(|| format!("writing `{}`", path.display()))?;
                    eprintln!("wrote the receipt of entry {index} to `{}`", path.display());
                }
                None => print!("{}", proof.to_text()),
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::VerifyProof {
            proof,
            vkey,
            witnesses,
        } => verify_proof(&proof, &vkey, &witnesses),
    }
}
