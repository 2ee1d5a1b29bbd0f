//! Signed checkpoints: `{size, head_hash, created_at}` signed with the audit key
//! (`keys/audit.key.pem`, separate from the publisher key). The signed message is
//! `modelgate.audit.checkpoint/v1\n<size>\n<head hash>\n<created_at>\n`.

use serde::{Deserialize, Serialize};

use crate::db::{audit, now_ms};
use crate::state::AppState;
use crate::store::signing::{PublicKey, PublisherKey};

/// The audit key's file in the key directory.
pub const AUDIT_KEY_FILE: &str = "audit.key.pem";

/// A signed statement of the log's size and head hash at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Checkpoint {
    pub size: i64,
    pub head_hash: String,
    pub created_at: i64,
    pub key_fingerprint: String,
    pub signature: String,
}

fn message(size: i64, head_hash: &str, created_at: i64) -> Vec<u8> {
    format!("modelgate.audit.checkpoint/v1\n{size}\n{head_hash}\n{created_at}\n").into_bytes()
}

impl Checkpoint {
    /// Signs `(size, head_hash, created_at)` with `key`.
    pub fn sign(key: &PublisherKey, size: i64, head_hash: &str, created_at: i64) -> Self {
        Checkpoint {
            size,
            head_hash: head_hash.to_owned(),
            created_at,
            key_fingerprint: key.public().fingerprint(),
            signature: key.sign_bytes(&message(size, head_hash, created_at)),
        }
    }

    /// Whether the signature holds under `key`.
    pub fn verify(&self, key: &PublicKey) -> bool {
        key.verify_bytes(
            &message(self.size, &self.head_hash, self.created_at),
            &self.signature,
        )
    }
}

/// Signs a checkpoint of the current head when the log grew by
/// `audit.checkpoint_every_events` since the last one, or grew at all and
/// `audit.checkpoint_every_secs` passed. Returns the new checkpoint, if one was made.
pub async fn checkpoint_if_due(state: &AppState) -> Result<Option<Checkpoint>, sqlx::Error> {
    let settings = &state.settings.audit;
    let (size, head_hash) = audit::head(&state.db).await?;
    let last = audit::latest_checkpoint(&state.db).await?;
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
    store_checkpoint(state, size, &head_hash, now)
        .await
        .map(Some)
}

/// Signs and stores a checkpoint of the current head, due or not.
pub async fn sign_checkpoint(state: &AppState) -> Result<Checkpoint, sqlx::Error> {
    let (size, head_hash) = audit::head(&state.db).await?;
    store_checkpoint(state, size, &head_hash, now_ms()).await
}

async fn store_checkpoint(
    state: &AppState,
    size: i64,
    head_hash: &str,
    created_at: i64,
) -> Result<Checkpoint, sqlx::Error> {
    let checkpoint = Checkpoint::sign(&state.audit_key, size, head_hash, created_at);
    audit::insert_checkpoint(&state.db, &checkpoint).await?;
    Ok(checkpoint)
}

/// Erases plaintext client IPs older than `audit.ip_retention_days` (0: never).
pub async fn apply_ip_retention(state: &AppState) -> Result<u64, sqlx::Error> {
    let days = state.settings.audit.ip_retention_days;
    if days == 0 {
        return Ok(0);
    }
    let retention_ms = i64::try_from(days.saturating_mul(86_400_000)).unwrap_or(i64::MAX);
    audit::erase_client_ips(&state.db, now_ms().saturating_sub(retention_ms)).await
}

/// The audit housekeeping of a running server: `checkpoint_if_due` every second,
/// `apply_ip_retention` every minute.
pub async fn run_checkpointer(state: AppState) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut tick: u64 = 0;
    loop {
        ticks.tick().await;
        if let Err(e) = checkpoint_if_due(&state).await {
            tracing::warn!(error = %e, "signing an audit checkpoint failed; retrying");
        }
        if tick % 60 == 0 {
            if let Err(e) = apply_ip_retention(&state).await {
                tracing::warn!(error = %e, "erasing expired client IPs failed; retrying");
            }
        }
        tick += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_verifies_only_unchanged_and_under_its_key() {
        let dir = tempfile::tempdir().expect("dir");
        let key = PublisherKey::load_or_generate_file(dir.path(), AUDIT_KEY_FILE).expect("key");
        let checkpoint = Checkpoint::sign(&key, 7, &"ab".repeat(32), 1_700_000_000_000);
        assert!(checkpoint.verify(&key.public()));
        let mut moved = checkpoint.clone();
        moved.size = 6;
        assert!(!moved.verify(&key.public()));
        let other = PublisherKey::load_or_generate_file(dir.path(), "other.pem").expect("key");
        assert!(!checkpoint.verify(&other.public()));
    }
}
