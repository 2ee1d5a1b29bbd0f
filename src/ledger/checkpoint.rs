//! Signed checkpoints: `{size, head_hash, created_at}` signed with the audit key
//! (`keys/audit.key.pem`, separate from the publisher key). The signed message is
//! `modelgate.audit.checkpoint/v1\n<size>\n<head hash>\n<created_at>\n`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::store::signing::{PublicKey, PublisherKey};

/// The audit key's file in the key directory.
pub const AUDIT_KEY_FILE: &str = "audit.key.pem";

/// A signed statement of the log's size and head hash at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct Checkpoint {
    /// Events in the log.
    pub size: i64,
    /// The hash of event `size` (hex).
    pub head_hash: String,
    /// Unix milliseconds.
    pub created_at: i64,
    /// The fingerprint of the audit key that signed it.
    pub key_fingerprint: String,
    /// The signature of the checkpoint's message.
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
