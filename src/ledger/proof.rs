//! Receipts: a C2SP `tlog-proof` for one entry (its index, the Merkle inclusion proof and the
//! signed checkpoint it is proved against), with the entry's canonical bytes as the
//! proof's `extra` data, so the file alone proves what was logged. Verified offline with
//! the log's verifier key (and witnesses' keys, when a policy asks for cosignatures).
//! The Merkle checks are the `tlog_tiles` crate's.

use base64::prelude::{Engine, BASE64_STANDARD};
use tlog_tiles::Hash;

use super::note::{open_checkpoint, CheckpointProblem};

const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// An inclusion proof of one entry, as the file a licensee keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryProof {
    /// The entry's canonical bytes (`ledger::entry`).
    pub entry: Vec<u8>,
    pub index: u64,
    pub hashes: Vec<Hash>,
    /// The signed checkpoint (with any cosignatures) the proof is against.
    pub checkpoint: String,
}

/// Why a proof does not hold.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofProblem {
    #[error("not a tlog-proof: {0}")]
    Malformed(String),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointProblem),
    #[error("entry {index} is not in the log at size {size} (the inclusion proof fails)")]
    NotIncluded { index: u64, size: u64 },
    #[error("the proof carries no entry of this log's format")]
    NoEntry,
}

/// What a verified proof established.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvedEntry {
    pub index: u64,
    /// The size of the checkpoint it was proved against.
    pub size: u64,
    pub origin: String,
    pub cosigned_by: Vec<String>,
    /// The entry's fields, decoded from its canonical bytes.
    pub fields: Vec<(String, Option<String>)>,
}

impl EntryProof {
    /// The proof as its text format.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{HEADER}\nextra {}\nindex {}\n",
            BASE64_STANDARD.encode(&self.entry),
            self.index
        );
        for hash in &self.hashes {
            out.push_str(&hash.to_string());
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Parses the text format.
    pub fn parse(text: &str) -> Result<EntryProof, ProofProblem> {
        let malformed = |what: &str| ProofProblem::Malformed(what.to_owned());
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| malformed("no blank line before the checkpoint"))?;
        let mut lines = head.lines();
        if lines.next() != Some(HEADER) {
            return Err(malformed("the first line is not `c2sp.org/tlog-proof@v1`"));
        }
        let mut line = lines.next();
        let mut entry = None;
        if let Some(extra) = line.and_then(|l| l.strip_prefix("extra ")) {
            entry = Some(
                BASE64_STANDARD
                    .decode(extra)
                    .map_err(|_| malformed("the extra data is not base64"))?,
            );
            line = lines.next();
        }
        let index = line
            .and_then(|l| l.strip_prefix("index "))
            .and_then(|n| n.parse::<u64>().ok().filter(|i| i.to_string() == n))
            .ok_or_else(|| malformed("no `index N` line"))?;
        let hashes = lines
            .map(|l| Hash::parse_hash(l).map_err(|_| malformed("a proof line is not a hash")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EntryProof {
            entry: entry.ok_or(ProofProblem::NoEntry)?,
            index,
            hashes,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// Checks the checkpoint's signature (and the cosignatures of `witness_vkeys`) and the
    /// inclusion of the entry at its index.
    pub fn verify(
        &self,
        log_vkey: &str,
        witness_vkeys: &[String],
    ) -> Result<ProvedEntry, ProofProblem> {
        let checkpoint = open_checkpoint(self.checkpoint.as_bytes(), log_vkey, witness_vkeys)?;
        let leaf = tlog_tiles::record_hash(&self.entry);
        tlog_tiles::check_record(
            &self.hashes,
            checkpoint.size,
            checkpoint.root,
            self.index,
            leaf,
        )
        .map_err(|_| ProofProblem::NotIncluded {
            index: self.index,
            size: checkpoint.size,
        })?;
        let fields = super::entry::decode_fields(&self.entry).ok_or(ProofProblem::NoEntry)?;
        Ok(ProvedEntry {
            index: self.index,
            size: checkpoint.size,
            origin: checkpoint.origin,
            cosigned_by: checkpoint.cosigned_by,
            fields,
        })
    }
}

/// Whether `proof` shows the tree of `new_size` leaves (root `new_root`) extends the tree
/// of `old_size` leaves (root `old_root`): the log was only appended to.
pub fn is_consistent(
    proof: &[Hash],
    old_size: u64,
    old_root: Hash,
    new_size: u64,
    new_root: Hash,
) -> bool {
    if old_size == 0 {
        // Every tree extends the empty one.
        return old_root == tlog_tiles::EMPTY_HASH && proof.is_empty();
    }
    if old_size == new_size {
        return old_root == new_root && proof.is_empty();
    }
    old_size < new_size
        && tlog_tiles::check_tree(&proof.to_vec(), new_size, new_root, old_size, old_root).is_ok()
}

/// Hashes as the text lines a consistency proof is served in (one base64 hash per line).
pub fn hashes_to_text(hashes: &[Hash]) -> String {
    hashes.iter().map(|h| format!("{h}\n")).collect()
}

/// The hashes of a text served by `hashes_to_text`.
pub fn hashes_from_text(text: &str) -> Option<Vec<Hash>> {
    text.lines().map(|l| Hash::parse_hash(l).ok()).collect()
}
