//! `modelgate mirror sync`: fetch the partner's signed snapshot from upstream, refuse an
//! older or expired one, fetch the blobs this mirror lacks (parallel, resumable, every
//! SHA-256 verified, through `mirror` grants), then publish the snapshot in one database
//! transaction. Until that commit the mirror keeps serving its previous snapshot; a sync
//! killed mid-way resumes its parts on the next run. Every sync also witnesses upstream's
//! audit log (`witness`) and refuses to go on when it rolled back or forked.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use tokio::sync::Semaphore;

use super::snapshot::{self, Snapshot};
use super::{pinned_upstream_key, upstream_key_path};
use crate::catalog::oci_views;
use crate::db::{audit, catalog, licensing, mirror as store, now_ms, oci, Db};
use crate::download::answers::error_message;
use crate::download::parts::{Fetcher, FileJob, STATE_DIR};
use crate::download::progress::Progress;
use crate::download::redirects::Redirects;
use crate::download::trust::write_atomically;
use crate::download::{
    check_signed_revision, failures_of, fetch_publisher_key, grant_token, Access, AccessRequest,
};
use crate::ledger::event::{EventKind, Outcome};
use crate::policy::PolicyBundle;
use crate::store::blobs::BlobStore;
use crate::store::manifest::Manifest;
use crate::store::signing::PublicKey;

/// Where to sync from, with what, and how.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub upstream: String,
    pub partner_token: String,
    /// The upstream publisher key, instead of the one pinned by the first sync.
    pub publisher_key: Option<PublicKey>,
    pub parallel: usize,
    pub part_size: u64,
    pub retries: u32,
    /// Follow blob redirects to store origins on internal addresses
    /// (`mirror.allow_private_redirects`).
    pub allow_private_redirects: bool,
}

/// What a sync did.
#[derive(Debug, Clone)]
pub struct SyncReport {
    pub version: i64,
    /// False when the mirror already had this version.
    pub published: bool,
    pub models: Vec<String>,
    pub withheld: Vec<String>,
    pub blobs_fetched: usize,
    pub bytes_fetched: u64,
    pub elapsed: Duration,
}

/// A mirror's own database, blob store and key directory.
pub struct MirrorStore<'a> {
    pub db: &'a Db,
    pub blobs: &'a BlobStore,
    pub key_dir: &'a std::path::Path,
    /// The layer its modelcar images start with (`catalog.modelcar_base_layer`).
    pub modelcar_base: Option<oci_views::BaseLayer>,
}

/// Accepted snapshots kept in the database (the newest is served).
const KEPT_SNAPSHOTS: i64 = 10;

/// Name of the sync's local staging directory (`BlobStore::staging_dir`).
const STAGING: &str = "mirror-sync";
/// Where fetched, verified blobs wait to be taken into the store.
const BLOBS_DIR: &str = "blobs";

/// Runs one sync, telling the operator on stderr what it checked and did.
pub async fn sync(mirror: &MirrorStore<'_>, options: &SyncOptions) -> anyhow::Result<SyncReport> {
    let started = Instant::now();
    let upstream = options.upstream.trim_end_matches('/').to_owned();
    let client = crate::download::client::builder(crate::download::client::MIRROR_AGENT).build()?;
    let (key, pinned) = upstream_key(&client, &upstream, mirror, options).await?;

    let response = client
        .get(format!("{upstream}/v1/mirror/snapshot"))
        .bearer_auth(&options.partner_token)
        .send()
        .await
        .with_context(|| format!("fetching the snapshot from {upstream}"))?;
    if !response.status().is_success() {
        anyhow::bail!(
            "fetching the snapshot: {}: {}",
            response.status(),
            error_message(response).await
        );
    }
    let envelope = response.bytes().await.context("fetching the snapshot")?;
    let snapshot = snapshot::open(&envelope, &key)?;
    if !pinned {
        // Pinned only once a snapshot verified with it.
        std::fs::create_dir_all(mirror.key_dir)?;
        write_atomically(&upstream_key_path(mirror.key_dir), key.pem().as_bytes())?;
    }
    let latest = store::latest_snapshot(mirror.db).await?;
    check_fresh(&snapshot, latest.as_ref().map(|s| s.version), now_ms())?;
    snapshot::check_entitled(&snapshot)?;
    if let Some(row) = &latest {
        let accepted = snapshot::open(row.envelope.as_bytes(), &key)
            .context("the snapshot this mirror accepted last no longer verifies")?;
        anyhow::ensure!(
            accepted.partner.id == snapshot.partner.id,
            "this mirror syncs for partner {} ({}), but the token is partner {}'s ({}): \
             refusing to mix them",
            accepted.partner.name,
            accepted.partner.id,
            snapshot.partner.name,
            snapshot.partner.id
        );
    }
    // Witness upstream's audit log before taking anything more from it.
    let witnessed = super::witness::witness(
        &client,
        &upstream,
        &options.partner_token,
        mirror.db,
        mirror.key_dir,
        &crate::audit::log::witness_name(&snapshot.partner.id),
    )
    .await?;
    eprintln!(
        "upstream's audit log: checkpoint of {} entries verified{} and cosigned",
        witnessed.size,
        witnessed.previous.map_or_else(String::new, |p| format!(
            ", consistent with the {p} this mirror saw"
        ))
    );
    let models: Vec<String> = snapshot.models.iter().map(|m| m.id.to_string()).collect();
    let withheld: Vec<String> = snapshot
        .withheld
        .iter()
        .map(|w| {
            format!(
                "{} ({}: {})",
                w.id,
                w.outcome.as_str(),
                w.reasons.join("; ")
            )
        })
        .collect();
    if latest
        .as_ref()
        .is_some_and(|l| l.version == snapshot.version)
    {
        eprintln!(
            "snapshot version {} is already published here",
            snapshot.version
        );
        return Ok(SyncReport {
            version: snapshot.version,
            published: false,
            models,
            withheld,
            blobs_fetched: 0,
            bytes_fetched: 0,
            elapsed: started.elapsed(),
        });
    }
    let bundle = PolicyBundle::from_sources(&snapshot.policy)
        .map_err(|e| anyhow::anyhow!("the snapshot's policy bundle is invalid: {e}"))?;
    anyhow::ensure!(
        bundle.digest() == snapshot.policy_digest,
        "the snapshot's policy files do not match its signed digest"
    );
    let manifests = snapshot
        .models
        .iter()
        .map(|m| {
            let manifest =
                check_signed_revision(&m.id, m.manifest.as_bytes(), m.signature.as_bytes(), &key)?;
            anyhow::ensure!(
                manifest.digest() == m.revision,
                "{}: the snapshot names revision {}, its manifest hashes to {}",
                m.id,
                m.revision.reference(),
                manifest.digest().reference()
            );
            Ok(manifest)
        })
        .collect::<anyhow::Result<Vec<Manifest>>>()?;
    eprintln!(
        "snapshot version {} for partner {} ({}): signature by {} verified; {} models to \
         mirror, {} withheld",
        snapshot.version,
        snapshot.partner.name,
        snapshot.partner.country,
        key.fingerprint(),
        models.len(),
        withheld.len()
    );
    for line in &withheld {
        eprintln!("  withheld: {line}");
    }

    let (blobs_fetched, bytes_fetched) =
        fetch_missing(&client, &upstream, mirror, options, &snapshot, &manifests).await?;
    publish(
        mirror,
        &upstream,
        &snapshot,
        &manifests,
        &envelope,
        bytes_fetched,
    )
    .await?;
    Ok(SyncReport {
        version: snapshot.version,
        published: true,
        models,
        withheld,
        blobs_fetched,
        bytes_fetched,
        elapsed: started.elapsed(),
    })
}

/// Refuses an expired snapshot (a frozen or replayed upstream) and one older than the
/// last accepted (a rollback).
pub fn check_fresh(snapshot: &Snapshot, accepted: Option<i64>, now: i64) -> anyhow::Result<()> {
    anyhow::ensure!(
        snapshot.expires_at > now,
        "the snapshot (version {}) expired at {}: refusing it (a frozen or replayed upstream \
         answer); the mirror keeps serving its current snapshot",
        snapshot.version,
        crate::domain::rfc3339(snapshot.expires_at)
    );
    if let Some(accepted) = accepted {
        anyhow::ensure!(
            snapshot.version >= accepted,
            "the snapshot's version {} is older than the version {accepted} this mirror \
             already accepted: refusing it (a rollback)",
            snapshot.version
        );
    }
    Ok(())
}

/// The upstream publisher key and whether it is pinned already: given, pinned by an earlier
/// sync, or fetched now (trust on first use, fingerprint printed; pinned by the caller once
/// a snapshot verified with it).
async fn upstream_key(
    client: &reqwest::Client,
    upstream: &str,
    mirror: &MirrorStore<'_>,
    options: &SyncOptions,
) -> anyhow::Result<(PublicKey, bool)> {
    let pinned = pinned_upstream_key(mirror.key_dir)?;
    match (options.publisher_key, pinned) {
        (Some(given), Some(pinned)) if given != pinned => anyhow::bail!(
            "--publisher-key {} differs from the key pinned in `{}` ({}); remove the pin to \
             change upstream keys",
            given.fingerprint(),
            upstream_key_path(mirror.key_dir).display(),
            pinned.fingerprint()
        ),
        (_, Some(pinned)) => Ok((pinned, true)),
        (Some(given), None) => Ok((given, false)),
        (None, None) => {
            let key = fetch_publisher_key(client, upstream).await?;
            eprintln!(
                "trusting the upstream publisher key {} on first sync (pinned); check this \
                 fingerprint with the upstream publisher",
                key.fingerprint()
            );
            Ok((key, false))
        }
    }
}

/// Fetches every blob of the snapshot the store lacks, straight into the store, one
/// `mirror` grant per model. Returns the blobs and bytes fetched.
async fn fetch_missing(
    client: &reqwest::Client,
    upstream: &str,
    mirror: &MirrorStore<'_>,
    options: &SyncOptions,
    snapshot: &Snapshot,
    manifests: &[Manifest],
) -> anyhow::Result<(usize, u64)> {
    let mut seen = BTreeSet::new();
    let mut per_model = Vec::new();
    let staging = mirror.blobs.staging_dir(STAGING);
    for (model, manifest) in snapshot.models.iter().zip(manifests) {
        let mut jobs = Vec::new();
        for file in &manifest.files {
            if !seen.insert(file.sha256) || mirror.blobs.contains(&file.sha256).await? {
                continue;
            }
            jobs.push(FileJob {
                path: file.path.clone(),
                url: format!("{upstream}/v1/blobs/{}", file.sha256.reference()),
                sha256: file.sha256,
                size: file.size,
                target: staging.join(BLOBS_DIR).join(file.sha256.hex()),
            });
        }
        if !jobs.is_empty() {
            per_model.push((model, jobs));
        }
    }
    let total: u64 = per_model
        .iter()
        .flat_map(|(_, jobs)| jobs.iter().map(|j| j.size))
        .sum();
    let count: usize = per_model.iter().map(|(_, jobs)| jobs.len()).sum();
    if count == 0 {
        eprintln!("every blob is already here");
        return Ok((0, 0));
    }
    eprintln!("fetching {count} blobs ({total} bytes)");
    let redirects =
        Redirects::only_to(&snapshot.blob_origins, options.allow_private_redirects).await?;
    let progress = Progress::new(total);
    let slots = Arc::new(Semaphore::new(options.parallel.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut fetchers = Vec::new();
    for (model, jobs) in per_model {
        let access = AccessRequest {
            model: model.id.clone(),
            revision: model.revision,
            action: "mirror",
            token: Some(options.partner_token.clone()),
        };
        let grant = match access.send(client, upstream).await? {
            Access::Granted(answer) => grant_token(&answer)?,
            Access::Denied(answer) | Access::Review(answer) => anyhow::bail!(
                "upstream refused a mirror grant for {}: {}",
                model.id,
                answer["decision"]["reasons"][0]["message"]
                    .as_str()
                    .unwrap_or("refused")
            ),
        };
        let fetcher = Arc::new(Fetcher {
            renew: access.renewal(client, upstream),
            client: client.clone(),
            grant: tokio::sync::Mutex::new(grant),
            slots: Arc::clone(&slots),
            part_size: options.part_size.max(1),
            retries: options.retries,
            progress: progress.clone(),
            state_dir: staging.join(STATE_DIR),
            received: AtomicU64::new(0),
            redirects: redirects.clone(),
        });
        fetchers.push(Arc::clone(&fetcher));
        for job in jobs {
            let (fetcher, blobs) = (Arc::clone(&fetcher), mirror.blobs.clone());
            let (target, digest) = (job.target.clone(), job.sha256);
            tasks.spawn(async move {
                fetcher.fetch_file(job).await?;
                blobs.adopt(&target, &digest).await?;
                anyhow::Ok(())
            });
        }
    }
    let failures = failures_of(tasks).await;
    progress.finish();
    anyhow::ensure!(
        failures.is_empty(),
        "{} of {count} blobs failed; the mirror keeps serving its previous snapshot and the \
         next sync resumes:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    let bytes = fetchers
        .iter()
        .map(|f| f.received.load(Ordering::Relaxed))
        .sum();
    Ok((count, bytes))
}

/// Publishes the snapshot in one transaction: licenses, revisions, the snapshot itself
/// and the `mirror.synced` audit event.
async fn publish(
    mirror: &MirrorStore<'_>,
    upstream: &str,
    snapshot: &Snapshot,
    manifests: &[Manifest],
    envelope: &[u8],
    bytes_fetched: u64,
) -> anyhow::Result<()> {
    for manifest in manifests {
        for file in &manifest.files {
            anyhow::ensure!(
                mirror.blobs.contains(&file.sha256).await?,
                "{}: blob {} is missing after the fetch",
                manifest.model,
                file.sha256.reference()
            );
        }
    }
    // The OCI views of revisions new to this mirror. One that cannot be computed is left to
    // the backfill at the next start: it must never hold up the snapshot (its withdrawals).
    let mut views = Vec::with_capacity(manifests.len());
    for (model, manifest) in snapshot.models.iter().zip(manifests) {
        let revision = manifest.digest().hex();
        let recorded = oci::has_views(mirror.db, &revision).await?;
        let computed = match recorded {
            true => None,
            false => match oci_views::compute(
                mirror.blobs,
                manifest,
                &model.signature,
                mirror.modelcar_base,
            )
            .await
            {
                Ok(computed) => Some(computed),
                Err(err) => {
                    tracing::warn!(revision, error = %err, "OCI views not recorded; retried at the next start");
                    None
                }
            },
        };
        views.push(computed);
    }
    let mut tx = mirror.db.begin_write().await?;
    // Another sync may have published meanwhile: the newer one stays.
    if let Some(newest) = store::newest_version(&mut tx).await? {
        anyhow::ensure!(
            newest < snapshot.version,
            "a sync running beside this one published version {newest} meanwhile; version {} \
             is not newer, so nothing was changed",
            snapshot.version
        );
    }
    for license in &snapshot.licenses {
        let row = license
            .documents
            .to_row(license.published_at, Some(format!("upstream {upstream}")));
        licensing::insert_license_version(&mut tx, &row).await?;
    }
    for ((model, manifest), views) in snapshot.models.iter().zip(manifests).zip(&views) {
        catalog::record_revision(&mut tx, manifest, &model.signature).await?;
        if let Some(views) = views {
            oci::record_views(&mut tx, &manifest.digest().hex(), views).await?;
        }
    }
    let kept: Vec<String> = snapshot.models.iter().map(|m| m.id.to_string()).collect();
    catalog::withdraw_all_but(&mut tx, &kept).await?;
    store::insert_snapshot(
        &mut tx,
        snapshot.version,
        upstream,
        &String::from_utf8_lossy(envelope),
    )
    .await?;
    store::prune_snapshots(&mut tx, KEPT_SNAPSHOTS).await?;
    audit::append(
        &mut tx,
        &audit::NewEvent {
            kind: EventKind::MirrorSynced,
            actor: Some(snapshot.partner.id.clone()),
            subject: Some(upstream.to_owned()),
            outcome: Some(Outcome::Published),
            data: json!({
                "upstream": upstream, "version": snapshot.version,
                "partner": snapshot.partner.name, "policy_digest": snapshot.policy_digest,
                "models": snapshot.models.iter().map(|m| json!({ "model": m.id, "revision": m.revision.reference() })).collect::<Vec<_>>(),
                "withheld": snapshot.withheld.iter().map(|w| w.id.clone()).collect::<Vec<_>>(),
                "bytes_fetched": bytes_fetched,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
