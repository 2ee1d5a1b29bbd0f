//! `modelgate verify DIR [--public-key K]`: check `model.sig` and every file's SHA-256.
//! Exit code 0 when everything matches, 1 when anything does not, 2 on usage errors.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use crate::config::Settings;
use crate::store::signing::{PublicKey, PublisherKey};
use crate::store::verify::{verify_dir, VerifyError};

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The downloaded model directory, with model.sig inside.
    dir: PathBuf,
    /// The publisher's public key (PEM); default: this gateway's own publisher key.
    #[arg(long, value_name = "FILE")]
    public_key: Option<PathBuf>,
    /// Files hashed at once (default: one per CPU core).
    #[arg(long)]
    threads: Option<usize>,
}

pub(super) fn load_key(settings: &Settings, path: Option<&PathBuf>) -> anyhow::Result<PublicKey> {
    match path {
        Some(path) => {
            let pem = std::fs::read_to_string(path)
                .with_context(|| format!("reading `{}`", path.display()))?;
            Ok(PublicKey::from_pem(&pem)?)
        }
        None => {
            let key_dir = settings.storage.key_dir();
            anyhow::ensure!(
                key_dir.join("publisher.key.pem").exists(),
                "no --public-key given and no local publisher key in `{}`",
                key_dir.display()
            );
            Ok(PublisherKey::load_or_generate(&key_dir)?.public())
        }
    }
}

pub fn run(settings: Settings, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let key = load_key(&settings, args.public_key.as_ref())?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let started = Instant::now();
    let report = match verify_dir(&args.dir, &key, threads, &super::progress_bar("verifying")) {
        Ok(report) => report,
        Err(err @ (VerifyError::Signature(_) | VerifyError::MissingSignature(..))) => {
            eprintln!(
                "FAILED: {}",
                anyhow::Error::from(err)
                    .chain()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(": ")
            );
            return Ok(ExitCode::from(1));
        }
        Err(err) => return Err(err.into()),
    };
    let elapsed = started.elapsed().as_secs_f64();
    if report.passed() {
        let model = report
            .facts
            .as_ref()
            .map(|f| format!("{} ({}) ", f.model, f.modality))
            .unwrap_or_default();
        println!("OK: {model}signature by {} verified; {} files, {} bytes hashed in {elapsed:.2}s ({:.0} MB/s)",
            key.fingerprint(), report.files.len(), report.bytes_hashed, report.bytes_hashed as f64 / 1e6 / elapsed.max(1e-9));
        Ok(ExitCode::SUCCESS)
    } else {
        for problem in report.problems() {
            eprintln!("FAILED: {problem}");
        }
        Ok(ExitCode::from(1))
    }
}
