//! The sequencer: the background task of every replica that integrates pending audit
//! entries into the Merkle tree in batches (`audit.batch_entries`, every
//! `audit.batch_interval_ms` when fewer wait), under a lease so one replica sequences at a
//! time and another takes over when it dies; and the retention of client IPs beside the log.

use std::time::{Duration, Instant};

use crate::config::AuditSettings;
use crate::db::audit::log::{self as tree, Integrated};
use crate::db::{audit, now_ms, Db};
use crate::ledger::note::LogSigner;

/// One sequencing round for `holder`: integrates a batch if it holds (or can take) the lease.
pub async fn round(
    db: &Db,
    holder: &str,
    signer: &LogSigner,
    settings: &AuditSettings,
) -> Result<Integrated, sqlx::Error> {
    let lease_ms = i64::try_from(settings.sequencer_lease_ms).unwrap_or(i64::MAX);
    let batch = settings.batch_entries.max(1);
    match tree::integrate(db, holder, signer, batch, lease_ms).await? {
        Integrated::NotLeader => {
            if tree::take_lease(db, holder, lease_ms).await? {
                tree::integrate(db, holder, signer, batch, lease_ms).await
            } else {
                Ok(Integrated::NotLeader)
            }
        }
        done => Ok(done),
    }
}

/// Integrates everything pending now (taking the lease as `holder` for the duration):
/// what the audit benchmark uses to measure the sequencer alone.
pub async fn integrate_all(
    db: &Db,
    holder: &str,
    signer: &LogSigner,
    settings: &AuditSettings,
) -> Result<u64, sqlx::Error> {
    loop {
        match round(db, holder, signer, settings).await? {
            Integrated::Batch { .. } => continue,
            Integrated::Nothing => return Ok(tree::head(db).await?.size),
            Integrated::NotLeader => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Erases plaintext client IPs older than `audit.ip_retention_days` (0: never).
pub async fn apply_ip_retention(db: &Db, settings: &AuditSettings) -> Result<u64, sqlx::Error> {
    let days = settings.ip_retention_days;
    if days == 0 {
        return Ok(0);
    }
    let retention_ms = i64::try_from(days.saturating_mul(86_400_000)).unwrap_or(i64::MAX);
    audit::erase_client_ips(db, now_ms().saturating_sub(retention_ms)).await
}

/// The sequencer of a running server: a round every batch interval (at once again after a
/// full batch), the IP retention every minute, and the lease given up when the task ends.
pub async fn run(db: Db, signer: LogSigner, settings: AuditSettings) {
    let holder = format!("sequencer-{}", crate::random::new_id());
    let interval = Duration::from_millis(settings.batch_interval_ms.max(1));
    let mut retention_due = Instant::now();
    // An idle leader only reads, and renews its lease a few times per term; a replica that
    // does not lead tries to take over as often. So no write lock is taken every interval
    // for nothing (another process on the same SQLite file would starve).
    let renew_every = Duration::from_millis(settings.sequencer_lease_ms / 3);
    let mut last_round: Option<Instant> = None;
    let mut leader = false;
    let _release = ReleaseOnDrop {
        db: db.clone(),
        holder: holder.clone(),
    };
    loop {
        let due = last_round.is_none_or(|at| at.elapsed() >= renew_every);
        let work = leader && tree::has_work(&db).await.unwrap_or(true);
        if !work && !due {
            tokio::time::sleep(interval).await;
            continue;
        }
        let outcome = round(&db, &holder, &signer, &settings).await;
        last_round = Some(Instant::now());
        leader = matches!(outcome, Ok(Integrated::Batch { .. } | Integrated::Nothing));
        let full = match outcome {
            Ok(Integrated::Batch {
                entries, oldest_at, ..
            }) => {
                crate::metrics::global().record_audit_sequenced(
                    entries,
                    Duration::from_millis(u64::try_from(now_ms() - oldest_at).unwrap_or(0)),
                );
                entries >= settings.batch_entries
            }
            Ok(_) => false,
            Err(e) => {
                tracing::warn!(error = %e, "sequencing the audit log failed; retrying");
                false
            }
        };
        if retention_due <= Instant::now() {
            retention_due = Instant::now() + Duration::from_secs(60);
            if let Err(e) = apply_ip_retention(&db, &settings).await {
                tracing::warn!(error = %e, "erasing expired client IPs failed; retrying");
            }
        }
        if !full {
            tokio::time::sleep(interval).await;
        }
    }
}

/// Gives the lease up when the sequencer stops (the server shuts down), so another replica
/// need not wait for it to expire.
struct ReleaseOnDrop {
    db: Db,
    holder: String,
}

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        let (db, holder) = (self.db.clone(), std::mem::take(&mut self.holder));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = tree::release_lease(&db, &holder).await;
            });
        }
    }
}
