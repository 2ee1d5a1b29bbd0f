//! Checkpointing the stored chain: a signed checkpoint when the log grew enough, and the
//! retention of client IPs beside it (the background task of every gateway).

use crate::config::AuditSettings;
use crate::db::{audit, now_ms, Db};
use crate::ledger::Checkpoint;
use crate::store::signing::PublisherKey;

/// Signs a checkpoint of the current head when the log grew by
/// `audit.checkpoint_every_events` since the last one, or grew at all and
/// `audit.checkpoint_every_secs` passed. Returns the new checkpoint, if one was made.
pub async fn checkpoint_if_due(
    db: &Db,
    key: &PublisherKey,
    settings: &AuditSettings,
) -> Result<Option<Checkpoint>, sqlx::Error> {
    let (size, head_hash) = audit::head(db).await?;
    let last = audit::latest_checkpoint(db).await?;
    let (last_size, last_at) = last.map_or((0, 0), |c| (c.size, c.created_at));
    let now = now_ms();
    let grew = size - last_size;
    let age_ms = now - last_at;
    let due = grew > 0
        && (u64::try_from(grew).unwrap_or_default() >= settings.checkpoint_every_events
            || u64::try_from(age_ms).unwrap_or_default()
                >= settings.checkpoint_every_secs.saturating_mul(1000));
    if !due {
        return Ok(None);
    }
    store_checkpoint(db, key, size, &head_hash, now)
        .await
        .map(Some)
}

/// Signs (with `key`) and stores a checkpoint of the current head, due or not.
pub async fn sign_checkpoint(db: &Db, key: &PublisherKey) -> Result<Checkpoint, sqlx::Error> {
    let (size, head_hash) = audit::head(db).await?;
    store_checkpoint(db, key, size, &head_hash, now_ms()).await
}

async fn store_checkpoint(
    db: &Db,
    key: &PublisherKey,
    size: i64,
    head_hash: &str,
    created_at: i64,
) -> Result<Checkpoint, sqlx::Error> {
    let checkpoint = Checkpoint::sign(key, size, head_hash, created_at);
    audit::insert_checkpoint(db, &checkpoint).await?;
    Ok(checkpoint)
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

/// The audit housekeeping of a running server: `checkpoint_if_due` every second,
/// `apply_ip_retention` every minute.
pub async fn run_checkpointer(db: Db, key: PublisherKey, settings: AuditSettings) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut tick: u64 = 0;
    loop {
        ticks.tick().await;
        if let Err(e) = checkpoint_if_due(&db, &key, &settings).await {
            tracing::warn!(error = %e, "signing an audit checkpoint failed; retrying");
        }
        if tick % 60 == 0 {
            if let Err(e) = apply_ip_retention(&db, &settings).await {
                tracing::warn!(error = %e, "erasing expired client IPs failed; retrying");
            }
        }
        tick += 1;
    }
}
