//! `modelgate validate DIR [--public-key K] [--json]`: run the validation vectors signed in
//! `DIR/model.sig` on the weights in DIR and report every check. Exit code 0 when all pass,
//! 1 when any fails (or the signature does not verify), 2 on usage errors.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::config::Settings;
use crate::inference::checkpoint::CheckpointFiles;
use crate::inference::vectors::validate_files;
use crate::store::signing::{verify_bundle, SIGNATURE_FILE};
use crate::store::validation::ValidationRecord;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The downloaded model directory, with model.sig inside.
    dir: PathBuf,
    /// The publisher's public key (PEM); default: this gateway's own publisher key.
    #[arg(long, value_name = "FILE")]
    public_key: Option<PathBuf>,
    /// Print the whole report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(settings: Settings, args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let key = super::verify::load_key(&settings, args.public_key.as_ref())?;
    let sig_path = args.dir.join(SIGNATURE_FILE);
    let bundle =
        std::fs::read(&sig_path).with_context(|| format!("reading `{}`", sig_path.display()))?;
    let statement = match verify_bundle(&bundle, &key) {
        Ok(statement) => statement,
        Err(err) => {
            eprintln!("FAILED: `{}` does not verify: {err}", sig_path.display());
            return Ok(ExitCode::from(1));
        }
    };
    let Some(record) = statement.modelgate.and_then(|facts| facts.validation) else {
        eprintln!(
            "FAILED: `{}` carries no validation vectors (the model was published without them)",
            sig_path.display()
        );
        return Ok(ExitCode::from(1));
    };
    let record: ValidationRecord = serde_json::from_value(record)
        .context("the signed validation vectors are in a format this version does not know")?;
    let files = CheckpointFiles::from_dir(&args.dir)?;
    let device = crate::inference::default_device();
    let report = validate_files(files, &record, &device)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for check in &report.checks {
            let verdict = if check.passed { "PASS" } else { "FAIL" };
            println!(
                "{verdict} {}: {} ({:.0} ms)",
                check.name, check.message, check.elapsed_ms
            );
        }
    }
    let failed = report.checks.iter().filter(|c| !c.passed).count();
    if report.passed {
        println!(
            "OK: {} checks passed in {:.2}s on {device:?}",
            report.checks.len(),
            report.elapsed_ms / 1e3
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("FAILED: {failed} of {} checks failed", report.checks.len());
        Ok(ExitCode::from(1))
    }
}
