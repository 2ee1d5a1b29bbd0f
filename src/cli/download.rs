//! `modelgate download ORG/NAME --endpoint URL`: a model revision into a directory, with
//! the signature checked first and every file's SHA-256 at the end. Exit codes: 0 done,
//! 1 failed (network, integrity, refusal other than the policy), 2 usage, 3 denied by the
//! policy, 4 waiting for a compliance review.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::Value;

use crate::domain::{ModelId, Sha256Digest};
use crate::download::trust::{default_dir, TrustStore};
use crate::download::{download, DownloadOptions, Outcome};
use crate::store::signing::PublicKey;

pub const EXIT_DENIED: u8 = 3;
pub const EXIT_REVIEW: u8 = 4;

#[derive(Debug, clap::Args)]
pub struct DownloadArgs {
    /// The model, `org/name`.
    model: ModelId,
    /// The gateway or mirror, e.g. `https://models.example.com`.
    #[arg(long, env = "MODELGATE_ENDPOINT")]
    endpoint: String,
    /// A session or API token of your account.
    #[arg(long, env = "MODELGATE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Where the files go (default: ./NAME).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// A revision digest, `sha256:…` (default: the latest).
    #[arg(long)]
    revision: Option<Sha256Digest>,
    #[command(flatten)]
    transfer: TransferArgs,
}

/// How files are fetched and checked; `download` and `mirror sync` share these.
#[derive(Debug, Clone, clap::Args)]
pub struct TransferArgs {
    /// The publisher's public key (PEM), instead of the key pinned on first use.
    #[arg(long, value_name = "FILE")]
    pub publisher_key: Option<PathBuf>,
    /// Parts downloaded at once, across all files.
    #[arg(long, default_value_t = 4)]
    pub parallel: usize,
    /// Size of the ranged parts large files are split into, e.g. `64MiB`.
    #[arg(long, default_value = "64MiB", value_parser = parse_size)]
    pub part_size: u64,
    /// Further attempts per part after a transient failure.
    #[arg(long, default_value_t = 5)]
    pub retries: u32,
}

impl TransferArgs {
    /// The key given with `--publisher-key`, read and parsed.
    pub fn publisher_key(&self) -> anyhow::Result<Option<PublicKey>> {
        let Some(path) = &self.publisher_key else {
            return Ok(None);
        };
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("reading `{}`", path.display()))?;
        Ok(Some(PublicKey::from_pem(&pem)?))
    }
}

/// `123`, `64KiB`, `64MiB`, `1GiB` (also `K`, `M`, `G`, binary).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size like 64MiB"))?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "K" | "KiB" => 1 << 10,
        "M" | "MiB" => 1 << 20,
        "G" | "GiB" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}` (use KiB, MiB or GiB)")),
    };
    match number.checked_mul(factor) {
        Some(0) | None => Err(format!("`{text}` is not a usable part size")),
        Some(bytes) => Ok(bytes),
    }
}

pub async fn run(args: DownloadArgs) -> anyhow::Result<ExitCode> {
    let publisher_key = args.transfer.publisher_key()?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(args.model.name()));
    let options = DownloadOptions {
        endpoint: args.endpoint,
        model: args.model,
        token: args.token,
        dir: dir.clone(),
        revision: args.revision,
        publisher_key,
        trust: TrustStore::new(default_dir()),
        parallel: args.transfer.parallel,
        part_size: args.transfer.part_size,
        retries: args.transfer.retries,
    };
    let outcome = match download(&options).await {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("FAILED: {e:#}");
            return Ok(ExitCode::FAILURE);
        }
    };
    match outcome {
        Outcome::Done(summary) => {
            let seconds = summary.elapsed.as_secs_f64().max(1e-9);
            println!(
                "OK: {} revision sha256:{} in `{}`: {} files ({} already present), {} bytes \
                 fetched in {seconds:.2}s ({:.1} MB/s), every SHA-256 verified",
                options.model,
                summary.revision,
                dir.display(),
                summary.files,
                summary.already_present,
                summary.bytes_fetched,
                summary.bytes_fetched as f64 / 1e6 / seconds
            );
            if let Some(key) = summary.publisher_key_file {
                println!(
                    "check again any time: modelgate verify {} --public-key {}",
                    dir.display(),
                    key.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Denied(answer) => {
            eprintln!("DENIED: {} may not be downloaded by you:", options.model);
            print_reasons(&answer);
            Ok(ExitCode::from(EXIT_DENIED))
        }
        Outcome::Review(answer) => {
            eprintln!(
                "REVIEW: a compliance review decides on {} (case {}, {}); you will be able to \
                 download once it is approved:",
                options.model,
                answer["review"]["id"].as_str().unwrap_or("?"),
                answer["review"]["state"].as_str().unwrap_or("open")
            );
            print_reasons(&answer);
            Ok(ExitCode::from(EXIT_REVIEW))
        }
    }
}

/// The decision's reasons, one per line with the rule id.
fn print_reasons(answer: &Value) {
    for reason in answer["decision"]["reasons"]
        .as_array()
        .into_iter()
        .flatten()
    {
        eprintln!(
            "  - {} [{}]",
            reason["message"].as_str().unwrap_or_default(),
            reason["policy"].as_str().unwrap_or_default()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("64KiB"), Ok(64 << 10));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12XB").is_err());
        assert!(parse_size("MiB").is_err());
    }
}
