//! `modelgate mirror sync --upstream URL --partner-token T [--watch SECS]`: bring this
//! mirror's data directory (or database) up to the partner's newest upstream snapshot.
//! Exit codes: 0 synced (or already current), 1 refused or failed (the mirror keeps
//! serving its previous snapshot).

use std::process::ExitCode;
use std::time::Duration;

use super::download::TransferArgs;
use crate::config::Settings;
use crate::mirror::sync::{sync, MirrorStore, SyncOptions};
use crate::store::blobs::BlobStore;

#[derive(Debug, clap::Subcommand)]
pub enum MirrorCommand {
    /// Fetch the newest signed snapshot and the blobs it needs; publish it atomically.
    Sync(SyncArgs),
}

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// The upstream gateway (default: `mirror.upstream` from the configuration).
    #[arg(long, env = "MODELGATE_UPSTREAM")]
    upstream: Option<String>,
    /// The partner token upstream issued (default: `mirror.partner_token`).
    #[arg(long, env = "MODELGATE_PARTNER_TOKEN", hide_env_values = true)]
    partner_token: Option<String>,
    /// Sync again every SECS seconds until stopped; a failed round is reported and retried.
    #[arg(long, value_name = "SECS")]
    watch: Option<u64>,
    #[command(flatten)]
    transfer: TransferArgs,
}

pub async fn run(settings: Settings, command: MirrorCommand) -> anyhow::Result<ExitCode> {
    let MirrorCommand::Sync(args) = command;
    let upstream = args
        .upstream
        .clone()
        .unwrap_or_else(|| settings.mirror.upstream.clone());
    let partner_token = args
        .partner_token
        .clone()
        .unwrap_or_else(|| settings.mirror.partner_token.expose().to_owned());
    anyhow::ensure!(
        !upstream.is_empty(),
        "no upstream: pass --upstream URL (or set mirror.upstream)"
    );
    anyhow::ensure!(
        !partner_token.is_empty(),
        "no partner token: pass --partner-token T (or MODELGATE_PARTNER_TOKEN)"
    );
    std::fs::create_dir_all(&settings.storage.data_dir)?;
    let db = crate::startup::open_database(&settings).await?;
    let blobs = BlobStore::open(&settings.storage)?;
    let key_dir = settings.storage.key_dir();
    let modelcar_base =
        crate::catalog::oci_views::store_base_layer(&blobs, &settings.catalog.modelcar_base_layer)
            .await?;
    let mirror = MirrorStore {
        db: &db,
        blobs: &blobs,
        key_dir: &key_dir,
        modelcar_base,
    };
    let options = SyncOptions {
        upstream,
        partner_token,
        publisher_key: args.transfer.publisher_key()?,
        parallel: args.transfer.parallel,
        part_size: args.transfer.part_size,
        retries: args.transfer.retries,
        allow_private_redirects: settings.mirror.allow_private_redirects,
    };
    loop {
        let succeeded = match sync(&mirror, &options).await {
            Ok(report) => {
                let seconds = report.elapsed.as_secs_f64().max(1e-9);
                println!(
                    "OK: snapshot version {} {}: {} models ({}), {} withheld, {} blobs / {} \
                     bytes fetched in {seconds:.2}s ({:.1} MB/s)",
                    report.version,
                    if report.published {
                        "published"
                    } else {
                        "already current"
                    },
                    report.models.len(),
                    report.models.join(", "),
                    report.withheld.len(),
                    report.blobs_fetched,
                    report.bytes_fetched,
                    report.bytes_fetched as f64 / 1e6 / seconds
                );
                true
            }
            Err(e) => {
                eprintln!("FAILED: {e:#}");
                false
            }
        };
        match args.watch {
            Some(secs) => tokio::time::sleep(Duration::from_secs(secs.max(1))).await,
            None if succeeded => return Ok(ExitCode::SUCCESS),
            None => return Ok(ExitCode::FAILURE),
        }
    }
}
