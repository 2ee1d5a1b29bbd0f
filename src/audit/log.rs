//! The audit log as a service: the newest signed checkpoint with the cosignatures witnesses
//! sent for it, the C2SP tiles (hash tiles for anyone, entry bundles for compliance staff),
//! receipts (an inclusion proof of one entry, for its actor or compliance staff),
//! consistency proofs between two sizes, and witnesses' cosignatures.

use tlog_tiles::Hash;

use crate::audit::export::AUDITORS;
use crate::auth::{Principal, Scope};
use crate::db::audit::log::{self as tree, TreeHead};
use crate::db::Db;
use crate::domain::Role;
use crate::ledger::note::{open_checkpoint, with_signatures};
use crate::ledger::proof::EntryProof;
use crate::ledger::tiles::{encode_bundle, encode_hash_tile, TilePath};
use crate::ledger::LogEntry;

/// Why a read of the log was refused.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Denied(#[from] crate::auth::Denied),
    /// What needs an account was asked for without one.
    #[error("authentication required")]
    Unauthenticated,
    #[error("{0}")]
    NotFound(String),
    /// The entry waits for the sequencer or for a checkpoint covering it.
    #[error("audit entry `{0}` is not in a signed checkpoint yet")]
    Pending(String),
    #[error("{0}")]
    InvalidQuery(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<LogError> for crate::error::ApiError {
    fn from(err: LogError) -> Self {
        use crate::error::ApiError;
        match err {
            LogError::Denied(denied) => denied.into(),
            LogError::Unauthenticated => ApiError::Unauthenticated,
            LogError::NotFound(message) => ApiError::NotFound(message),
            LogError::Pending(entry) => ApiError::AuditEntryPending(entry),
            LogError::InvalidQuery(message) => ApiError::BadRequest(message),
            LogError::Database(e) => e.into(),
        }
    }
}

/// The newest signed checkpoint, with the cosignatures collected for it.
pub async fn checkpoint(db: &Db) -> Result<String, LogError> {
    let (size, note) = tree::latest_checkpoint(db)
        .await?
        .ok_or_else(|| LogError::NotFound("the log has no checkpoint yet".into()))?;
    Ok(with_signatures(&note, &tree::cosignatures(db, size).await?))
}

/// A tile's bytes, and whether it is full (immutable, cacheable for ever).
pub struct TileBody {
    pub bytes: Vec<u8>,
    pub full: bool,
}

/// The tile at `path` (relative to the log's root). Entry bundles hold pseudonymous events
/// and are for compliance staff (`who`); hash tiles are public.
pub async fn tile(db: &Db, who: Option<&Principal>, path: &str) -> Result<TileBody, LogError> {
    let shown: String = path.chars().take(80).collect();
    let not_found = || LogError::NotFound(format!("no tile `{shown}` in this log"));
    let tile = TilePath::parse(path).ok_or_else(not_found)?;
    let (from, count) = tile.span();
    let head = tree::head(db).await?;
    let available = head
        .size
        .checked_shr(u32::from(tile.tree_level()))
        .unwrap_or(0);
    if from.saturating_add(count) > available {
        return Err(not_found());
    }
    let bytes = match tile {
        TilePath::Hashes { .. } => {
            let hashes = tree::hash_range(db, tile.tree_level(), from, count).await?;
            if hashes.len() as u64 != count {
                return Err(not_found());
            }
            encode_hash_tile(&hashes)
        }
        TilePath::Entries { .. } => {
            let who = who.ok_or(LogError::Unauthenticated)?;
            who.authorize(AUDITORS, Scope::Read)?;
            let entries = tree::entry_range(db, from, count).await?;
            if entries.len() as u64 != count {
                return Err(not_found());
            }
            let bytes: Vec<Vec<u8>> = entries.iter().map(LogEntry::leaf_bytes).collect();
            encode_bundle(bytes.iter().map(Vec::as_slice))
        }
    };
    Ok(TileBody {
        bytes,
        full: tile.is_full(),
    })
}

/// The entry `reference` names: a leaf index (digits) or an event id.
async fn find_entry(db: &Db, reference: &str) -> Result<Option<LogEntry>, sqlx::Error> {
    match reference.parse::<u64>() {
        Ok(index) if !reference.starts_with('+') => tree::entry_at(db, index).await,
        _ => tree::entry(db, reference).await,
    }
}

/// The receipt of one entry: its inclusion proof against the newest signed checkpoint
/// (with its cosignatures). For the entry's actor and for compliance staff; anyone else is
/// told it does not exist.
pub async fn receipt(db: &Db, who: &Principal, reference: &str) -> Result<EntryProof, LogError> {
    who.authorize(crate::auth::principal::ANY_ROLE, Scope::Read)?;
    let entry = find_entry(db, reference)
        .await?
        .filter(|entry| {
            who.authorize(AUDITORS, Scope::Read).is_ok()
                || entry.actor.as_deref() == Some(who.user_id.as_str())
        })
        .ok_or_else(|| {
            let shown: String = reference.chars().take(64).collect();
            LogError::NotFound(format!("no audit entry `{shown}` of yours"))
        })?;
    let index = entry
        .index
        .and_then(|i| u64::try_from(i).ok())
        .ok_or_else(|| LogError::Pending(entry.id.clone()))?;
    let (size, note) = tree::latest_checkpoint(db)
        .await?
        .filter(|(size, _)| *size > index)
        .ok_or_else(|| LogError::Pending(entry.id.clone()))?;
    let hashes = tree::with_tree(db, |h| h.inclusion_proof(index, size)).await?;
    Ok(EntryProof {
        entry: entry.leaf_bytes(),
        index,
        hashes,
        checkpoint: with_signatures(&note, &tree::cosignatures(db, size).await?),
    })
}

/// The newest entry of `kind` that `actor` caused (their latest acceptance, say).
pub async fn latest_entry_of(
    db: &Db,
    actor: &str,
    kind: crate::ledger::event::EventKind,
) -> Result<Option<LogEntry>, LogError> {
    Ok(tree::latest_of(db, actor, kind.as_str()).await?)
}

/// The consistency proof from the tree of `old` leaves to the tree of `new` leaves.
pub async fn consistency(db: &Db, old: u64, new: u64) -> Result<Vec<Hash>, LogError> {
    let head: TreeHead = tree::head(db).await?;
    if old > new || new > head.size {
        return Err(LogError::InvalidQuery(format!(
            "a consistency proof needs 0 <= from <= to <= {} (the tree's size)",
            head.size
        )));
    }
    Ok(tree::with_tree(db, |h| h.consistency_proof(old, new)).await?)
}

/// The witness name of a partner's mirror: its cosignatures are stored under it, so one
/// partner can never replace or forge another's.
pub fn witness_name(partner_id: &str) -> String {
    format!("mirror-{partner_id}")
}

/// Records a witness's cosignature: `cosigned` is one of this log's checkpoints with the
/// cosignature line of the calling partner's witness (named `mirror-<partner id>`), which
/// must hold under `witness_vkey`; no other line may be added. Partners only: their mirrors
/// witness the log as they sync.
pub async fn add_cosignature(
    db: &Db,
    who: &Principal,
    log_vkey: &str,
    witness_vkey: &str,
    cosigned: &str,
) -> Result<u64, LogError> {
    who.authorize(&[Role::Partner], Scope::Read)?;
    let invalid = |why: String| LogError::InvalidQuery(why);
    let witness = witness_name(&who.user_id);
    if witness_vkey.split('+').next() != Some(witness.as_str()) {
        return Err(invalid(format!(
            "this partner's witness key must be named `{witness}`"
        )));
    }
    let opened = open_checkpoint(cosigned.as_bytes(), log_vkey, &[witness_vkey.to_owned()])
        .map_err(|e| invalid(e.to_string()))?;
    let stored = tree::checkpoint_at(db, opened.size).await?.ok_or_else(|| {
        LogError::NotFound(format!(
            "this log signed no checkpoint of size {}",
            opened.size
        ))
    })?;
    let (Some(stored_text), Some(signatures)) = (
        crate::ledger::note::note_text(&stored),
        cosigned.split_once("\n\n").map(|(_, lines)| lines),
    ) else {
        return Err(invalid(
            "the cosigned checkpoint is not a signed note".into(),
        ));
    };
    if stored_text.as_bytes() != opened.text.as_slice() {
        return Err(invalid(
            "the cosigned checkpoint is not the one this log signed".into(),
        ));
    }
    // Exactly the log's own signature lines and one line of this witness, the one that held.
    let own: Vec<&str> = stored
        .split_once("\n\n")
        .map_or(Vec::new(), |(_, l)| l.lines().collect());
    let added: Vec<&str> = signatures.lines().filter(|l| !own.contains(l)).collect();
    let [line] = added.as_slice() else {
        return Err(invalid(format!(
            "send the checkpoint with exactly one added line, `{witness}`'s cosignature"
        )));
    };
    if !line.starts_with(&format!("— {witness} ")) {
        return Err(invalid(format!("the added line is not `{witness}`'s")));
    }
    tree::add_cosignature(db, opened.size, &witness, &format!("{line}\n")).await?;
    Ok(opened.size)
}
