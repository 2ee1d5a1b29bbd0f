//! One entry of the audit log as the Merkle tree commits to it: the event's fields in a
//! canonical byte encoding (the leaf's data, RFC 6962 `SHA-256(0x00 || bytes)`), and the
//! entry as stored and exported beside it.
//!
//! Canonical bytes: `modelgate.audit/v2` and a NUL byte, then for each field in the order
//! `id, occurred_at, kind, actor, subject, outcome, request_id, client_ip_hash, data,
//! legacy_hash`: the field name, NUL, the byte length in decimal (`-` for an absent value,
//! then no bytes), NUL, the bytes, NUL. Numbers are decimal, `data` is canonical JSON
//! (compact, keys sorted). `legacy_hash` is present only on events carried over from the
//! hash chain of earlier releases (their chain hash, hex). The position is not part of the
//! entry: it is the leaf's index in the tree.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

const PREFIX: &[u8] = b"modelgate.audit/v2\0";

/// The most bytes one entry may take (an entry bundle prefixes each with a 16-bit length).
pub const MAX_ENTRY_BYTES: usize = u16::MAX as usize;

/// Appends one `name NUL length NUL bytes NUL` field (`-` as the length of an absent one).
pub(crate) fn field(out: &mut Vec<u8>, name: &str, value: Option<&[u8]>) {
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    match value {
        Some(bytes) => {
            out.extend_from_slice(bytes.len().to_string().as_bytes());
            out.push(0);
            out.extend_from_slice(bytes);
        }
        None => {
            out.push(b'-');
            out.push(0);
        }
    }
    out.push(0);
}

/// One event of the log, as stored, searched and exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LogEntry {
    /// The order of arrival, from 1: the cursor of searches and exports.
    pub seq: i64,
    /// The leaf's index in the Merkle tree, from 0; null while the entry waits for the
    /// sequencer (at most a batch interval).
    #[schema(required = true)]
    pub index: Option<i64>,
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
    /// The keyed hash of the client IP: in the log.
    #[serde(default)]
    #[schema(required = true)]
    pub client_ip_hash: Option<String>,
    /// The client IP in plaintext: beside the log, erased after the retention period.
    #[serde(default)]
    #[schema(required = true)]
    pub client_ip: Option<String>,
    /// What the event records, by kind.
    #[schema(value_type = Object)]
    pub data: Value,
    /// For an event carried over from the hash chain of earlier releases: its position,
    /// previous hash and hash in that chain (so an old export still verifies); null
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy: Option<LegacyLink>,
    /// Shown to compliance staff, not in the log: the plaintext personal fields whose
    /// pseudonyms `data` holds, or `"erased"` (`ledger::personal`). Absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub personal: Option<Value>,
}

/// Where a carried-over event stood in the hash chain it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LegacyLink {
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
}

impl LogEntry {
    /// The canonical bytes the tree commits to (the leaf data).
    pub fn leaf_bytes(&self) -> Vec<u8> {
        let mut out = PREFIX.to_vec();
        field(&mut out, "id", Some(self.id.as_bytes()));
        field(
            &mut out,
            "occurred_at",
            Some(self.occurred_at.to_string().as_bytes()),
        );
        field(&mut out, "kind", Some(self.kind.as_bytes()));
        field(&mut out, "actor", self.actor.as_deref().map(str::as_bytes));
        field(
            &mut out,
            "subject",
            self.subject.as_deref().map(str::as_bytes),
        );
        field(
            &mut out,
            "outcome",
            self.outcome.as_deref().map(str::as_bytes),
        );
        field(
            &mut out,
            "request_id",
            self.request_id.as_deref().map(str::as_bytes),
        );
        field(
            &mut out,
            "client_ip_hash",
            self.client_ip_hash.as_deref().map(str::as_bytes),
        );
        field(
            &mut out,
            "data",
            Some(&crate::canonical_json::to_bytes(&self.data)),
        );
        field(
            &mut out,
            "legacy_hash",
            self.legacy.as_ref().map(|l| l.hash.as_bytes()),
        );
        out
    }

    /// The leaf hash of this entry (RFC 6962).
    pub fn leaf_hash(&self) -> tlog_tiles::Hash {
        tlog_tiles::record_hash(&self.leaf_bytes())
    }
}

/// The fields of canonical entry bytes, in order, as `(name, value)`; `None` when the
/// bytes are not an entry of this format.
pub fn decode_fields(bytes: &[u8]) -> Option<Vec<(String, Option<String>)>> {
    let mut rest = bytes.strip_prefix(PREFIX)?;
    let mut fields = Vec::new();
    while !rest.is_empty() {
        let name_end = rest.iter().position(|b| *b == 0)?;
        let name = std::str::from_utf8(&rest[..name_end]).ok()?.to_owned();
        rest = &rest[name_end + 1..];
        let len_end = rest.iter().position(|b| *b == 0)?;
        let len = &rest[..len_end];
        rest = &rest[len_end + 1..];
        let value = if len == b"-" {
            None
        } else {
            let len: usize = std::str::from_utf8(len).ok()?.parse().ok()?;
            let value = rest.get(..len)?;
            rest = &rest[len..];
            Some(String::from_utf8(value.to_vec()).ok()?)
        };
        rest = rest.strip_prefix(b"\0")?;
        fields.push((name, value));
    }
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry() -> LogEntry {
        LogEntry {
            seq: 3,
            index: Some(2),
            id: "e7".into(),
            occurred_at: 1700,
            kind: "blob.request".into(),
            actor: Some("u1".into()),
            subject: None,
            outcome: None,
            request_id: Some("r9".into()),
            client_ip_hash: None,
            client_ip: Some("192.0.2.1".into()),
            data: json!({ "b": 1, "a": "é" }),
            legacy: None,
            personal: None,
        }
    }

    #[test]
    fn canonical_bytes_are_what_the_module_documents() {
        let data_bytes = "{\"a\":\"é\",\"b\":1}";
        let expected = format!(
            "modelgate.audit/v2\0id\02\0e7\0occurred_at\04\01700\0kind\012\0blob.request\0\
             actor\02\0u1\0subject\0-\0\0outcome\0-\0\0request_id\02\0r9\0client_ip_hash\0-\0\0\
             data\0{}\0{data_bytes}\0legacy_hash\0-\0\0",
            data_bytes.len()
        );
        assert_eq!(entry().leaf_bytes(), expected.as_bytes());
    }

    #[test]
    fn position_and_what_lives_beside_the_log_are_not_committed() {
        let mut other = entry();
        other.seq = 99;
        other.index = None;
        other.client_ip = None;
        assert_eq!(other.leaf_bytes(), entry().leaf_bytes());
        other.actor = Some(String::new());
        assert_ne!(
            other.leaf_bytes(),
            entry().leaf_bytes(),
            "empty is not absent"
        );
    }

    #[test]
    fn bytes_decode_back_into_their_fields() {
        let fields = decode_fields(&entry().leaf_bytes()).expect("decodes");
        assert_eq!(fields[0], ("id".to_owned(), Some("e7".to_owned())));
        assert_eq!(fields[3], ("actor".to_owned(), Some("u1".to_owned())));
        assert_eq!(fields[4], ("subject".to_owned(), None));
        assert_eq!(fields.len(), 10);
        assert!(decode_fields(b"modelgate.audit/v1\0").is_none());
        let mut cut = entry().leaf_bytes();
        cut.truncate(cut.len() - 3);
        assert!(decode_fields(&cut).is_none());
    }
}
