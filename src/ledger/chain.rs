//! The hash chain of the audit log before the Merkle tree (releases up to 0006), kept so
//! their exports and checkpoints still verify; as pure functions an offline verifier can use: the
//! canonical bytes of an event, its chained hash, and a walk over events (and signed
//! checkpoints) that names the first altered, missing, inserted or reordered event.
//!
//! Canonical bytes: `modelgate.audit/v1` and a NUL byte, then for each field in the order
//! `seq, id, occurred_at, kind, actor, subject, outcome, request_id, client_ip_hash, data`:
//! the field name,
//! NUL, the byte length in decimal (`-` for an absent value, then no bytes), NUL, the
//! bytes. Numbers are decimal, `data` is canonical JSON (compact, keys sorted).
//! `hash = SHA-256(canonical bytes || previous hash as 32 raw bytes)`; the first event's
//! previous hash is 32 zero bytes. Hashes are written as lowercase hex.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::entry::field;

/// The previous hash of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event as stored and exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChainedEvent {
    /// The position in the chain, from 1.
    pub seq: i64,
    pub id: String,
    /// Unix milliseconds.
    pub occurred_at: i64,
    /// The event type, e.g. `policy.decision`.
    #[schema(example = "policy.decision")]
    pub kind: String,
    /// The acting user id (or staff email).
    #[schema(required = true)]
    pub actor: Option<String>,
    /// What the event is about, e.g. a model id.
    #[schema(required = true)]
    pub subject: Option<String>,
    /// `allow`, `deny`, `review`, `served`, an error code…
    #[schema(required = true)]
    pub outcome: Option<String>,
    #[schema(required = true)]
    pub request_id: Option<String>,
    /// The keyed hash of the client IP: in the chain.
    #[serde(default)]
    #[schema(required = true)]
    pub client_ip_hash: Option<String>,
    /// The client IP in plaintext: beside the chain, erased after the retention period.
    #[serde(default)]
    #[schema(required = true)]
    pub client_ip: Option<String>,
    /// What the event records, by kind.
    #[schema(value_type = Object)]
    pub data: Value,
    /// The previous event's hash (hex; zeros for the first event).
    pub prev_hash: String,
    /// This event's chained hash (hex).
    pub hash: String,
}

/// The canonical bytes of an event (everything but its hashes).
#[allow(clippy::too_many_arguments)]
pub fn canonical_bytes(
    seq: i64,
    id: &str,
    occurred_at: i64,
    kind: &str,
    actor: Option<&str>,
    subject: Option<&str>,
    outcome: Option<&str>,
    request_id: Option<&str>,
    client_ip_hash: Option<&str>,
    data: &Value,
) -> Vec<u8> {
    let mut out = b"modelgate.audit/v1\0".to_vec();
    field(&mut out, "seq", Some(seq.to_string().as_bytes()));
    field(&mut out, "id", Some(id.as_bytes()));
    field(
        &mut out,
        "occurred_at",
        Some(occurred_at.to_string().as_bytes()),
    );
    field(&mut out, "kind", Some(kind.as_bytes()));
    field(&mut out, "actor", actor.map(str::as_bytes));
    field(&mut out, "subject", subject.map(str::as_bytes));
    field(&mut out, "outcome", outcome.map(str::as_bytes));
    field(&mut out, "request_id", request_id.map(str::as_bytes));
    field(
        &mut out,
        "client_ip_hash",
        client_ip_hash.map(str::as_bytes),
    );
    field(
        &mut out,
        "data",
        Some(&crate::canonical_json::to_bytes(data)),
    );
    out
}

/// `SHA-256(canonical || previous hash)`, hex; `None` when `prev_hash` is not 64 hex digits.
pub fn chain_hash(canonical: &[u8], prev_hash: &str) -> Option<String> {
    let mut prev = [0u8; 32];
    hex::decode_to_slice(prev_hash, &mut prev).ok()?;
    let mut hasher = Sha256::new();
    hasher.update(canonical);
    hasher.update(prev);
    Some(hex::encode(hasher.finalize()))
}

impl ChainedEvent {
    /// The hash this event should carry, recomputed from its fields.
    pub fn recompute_hash(&self) -> Option<String> {
        let canonical = canonical_bytes(
            self.seq,
            &self.id,
            self.occurred_at,
            &self.kind,
            self.actor.as_deref(),
            self.subject.as_deref(),
            self.outcome.as_deref(),
            self.request_id.as_deref(),
            self.client_ip_hash.as_deref(),
            &self.data,
        );
        chain_hash(&canonical, &self.prev_hash)
    }
}

/// The first thing wrong with a sequence of events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum ChainProblem {
    /// The event's fields no longer give its hash.
    Altered { seq: i64 },
    /// Events `from..=to` are absent.
    Missing { from: i64, to: i64 },
    /// An event appears out of order or twice (`seq` after `after`).
    Reordered { seq: i64, after: i64 },
    /// The event does not link to the one before it (inserted, or its neighbour replaced).
    BrokenLink { seq: i64 },
    /// A signed checkpoint names a head hash the log does not have at that size.
    CheckpointMismatch { size: i64 },
    /// The log ends before a signed checkpoint's size (events deleted from the end).
    Truncated { size: i64, last: i64 },
    /// A checkpoint's signature does not hold under the audit key.
    BadCheckpointSignature { size: i64 },
    /// The stored plaintext client IP is not the one the chain's keyed hash names.
    ClientIpMismatch { seq: i64 },
    /// The log ends before the chain head the database records (newest events deleted).
    BehindHead { last: i64, head: i64 },
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainProblem::Altered { seq } => write!(f, "event {seq} was altered"),
            ChainProblem::Missing { from, to } => write!(f, "events {from}..{to} are missing"),
            ChainProblem::Reordered { seq, after } => {
                write!(
                    f,
                    "event {seq} appears after event {after} (reordered or duplicated)"
                )
            }
            ChainProblem::BrokenLink { seq } => {
                write!(
                    f,
                    "event {seq} does not link to the event before it (inserted or replaced)"
                )
            }
            ChainProblem::CheckpointMismatch { size } => {
                write!(
                    f,
                    "the log at size {size} differs from its signed checkpoint"
                )
            }
            ChainProblem::ClientIpMismatch { seq } => {
                write!(f, "the client IP stored beside event {seq} was changed")
            }
            ChainProblem::BehindHead { last, head } => {
                write!(
                    f,
                    "the log ends at event {last} but its head records event {head}"
                )
            }
            ChainProblem::BadCheckpointSignature { size } => {
                write!(
                    f,
                    "the checkpoint at size {size} is not signed by the audit key"
                )
            }
            ChainProblem::Truncated { size, last } => write!(
                f,
                "the log ends at event {last} but a signed checkpoint covers {size} events"
            ),
        }
    }
}

/// Walks events in the order given, from seq 1, checking each hash and link and each
/// `(size, head_hash)` checkpoint (already signature-checked by the caller). Returns the
/// number of events checked, or the first problem.
pub struct Verifier<'a> {
    expected_seq: i64,
    prev_hash: String,
    checkpoints: &'a [(i64, String)],
    /// The first checkpoint not reached yet.
    next_checkpoint: usize,
}

impl<'a> Verifier<'a> {
    /// `checkpoints` sorted by size.
    pub fn new(checkpoints: &'a [(i64, String)]) -> Self {
        Verifier {
            expected_seq: 1,
            prev_hash: GENESIS.to_owned(),
            checkpoints,
            next_checkpoint: 0,
        }
    }

    /// Checks the next event.
    pub fn next(&mut self, event: &ChainedEvent) -> Result<(), ChainProblem> {
        if event.seq < self.expected_seq {
            return Err(ChainProblem::Reordered {
                seq: event.seq,
                after: self.expected_seq - 1,
            });
        }
        if event.seq > self.expected_seq {
            return Err(ChainProblem::Missing {
                from: self.expected_seq,
                to: event.seq - 1,
            });
        }
        if event.recompute_hash().as_deref() != Some(event.hash.as_str()) {
            return Err(ChainProblem::Altered { seq: event.seq });
        }
        if event.prev_hash != self.prev_hash {
            return Err(ChainProblem::BrokenLink { seq: event.seq });
        }
        while let Some((size, head)) = self.checkpoints.get(self.next_checkpoint) {
            if *size != event.seq {
                break;
            }
            if *head != event.hash {
                return Err(ChainProblem::CheckpointMismatch { size: *size });
            }
            self.next_checkpoint += 1;
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&event.hash);
        Ok(())
    }

    /// Ends the walk: every checkpoint must be covered. Returns the events checked.
    pub fn finish(self) -> Result<i64, ChainProblem> {
        let last = self.expected_seq - 1;
        if let Some((size, _)) = self.checkpoints.get(self.next_checkpoint) {
            return Err(ChainProblem::Truncated { size: *size, last });
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain(n: i64) -> Vec<ChainedEvent> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let mut event = ChainedEvent {
                    seq,
                    id: format!("e{seq}"),
                    occurred_at: 1_700_000_000_000 + seq,
                    kind: "policy.decision".into(),
                    actor: Some("u1".into()),
                    subject: None,
                    outcome: Some("allow".into()),
                    request_id: None,
                    client_ip_hash: None,
                    client_ip: None,
                    data: json!({ "b": seq, "a": "x" }),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                event.hash = event.recompute_hash().expect("hash");
                prev.clone_from(&event.hash);
                event
            })
            .collect()
    }

    fn verify(events: &[ChainedEvent], checkpoints: &[(i64, String)]) -> Result<i64, ChainProblem> {
        let mut verifier = Verifier::new(checkpoints);
        for event in events {
            verifier.next(event)?;
        }
        verifier.finish()
    }

    #[test]
    fn an_intact_chain_verifies_and_each_kind_of_tampering_is_named() {
        let events = chain(5);
        let checkpoints = vec![(4, events[3].hash.clone())];
        assert_eq!(verify(&events, &checkpoints), Ok(5));

        let mut altered = events.clone();
        altered[2].data = json!({ "b": 99, "a": "x" });
        assert_eq!(
            verify(&altered, &checkpoints),
            Err(ChainProblem::Altered { seq: 3 })
        );

        let mut deleted = events.clone();
        deleted.remove(1);
        assert_eq!(
            verify(&deleted, &checkpoints),
            Err(ChainProblem::Missing { from: 2, to: 2 })
        );

        let mut swapped = events.clone();
        swapped.swap(1, 2);
        assert_eq!(
            verify(&swapped, &checkpoints),
            Err(ChainProblem::Missing { from: 2, to: 2 })
        );

        let truncated = &events[..3];
        assert_eq!(
            verify(truncated, &checkpoints),
            Err(ChainProblem::Truncated { size: 4, last: 3 })
        );

        // Rewriting the whole chain after an edit keeps every link, but not the checkpoint.
        let mut rewritten = events.clone();
        rewritten[1].data = json!({ "forged": true });
        let mut prev = rewritten[0].hash.clone();
        for event in rewritten.iter_mut().skip(1) {
            event.prev_hash = prev.clone();
            event.hash = event.recompute_hash().expect("hash");
            prev.clone_from(&event.hash);
        }
        assert_eq!(
            verify(&rewritten, &checkpoints),
            Err(ChainProblem::CheckpointMismatch { size: 4 })
        );
    }

    #[test]
    fn canonical_bytes_are_what_the_readme_specifies() {
        let data = json!({ "b": 1, "a": "é" });
        let bytes = canonical_bytes(
            7,
            "e7",
            1700,
            "blob.request",
            Some("u1"),
            None,
            None,
            Some("r9"),
            None,
            &data,
        );
        let data_bytes = "{\"a\":\"é\",\"b\":1}";
        let expected = format!(
            "modelgate.audit/v1\0seq\01\07\0id\02\0e7\0occurred_at\04\01700\0kind\012\0blob.request\0\
             actor\02\0u1\0subject\0-\0\0outcome\0-\0\0request_id\02\0r9\0client_ip_hash\0-\0\0\
             data\0{}\0{data_bytes}\0",
            data_bytes.len()
        );
        assert_eq!(bytes, expected.as_bytes());
        let hash = chain_hash(&bytes, GENESIS).expect("hash");
        let mut hasher = Sha256::new();
        hasher.update(expected.as_bytes());
        hasher.update([0u8; 32]);
        assert_eq!(hash, hex::encode(hasher.finalize()));
    }

    #[test]
    fn absent_and_empty_fields_hash_differently() {
        let data = json!({});
        let absent = canonical_bytes(1, "e", 0, "k", None, None, None, None, None, &data);
        let empty = canonical_bytes(1, "e", 0, "k", Some(""), None, None, None, None, &data);
        assert_ne!(absent, empty);
    }
}
