//! The audit trail as a service: sequencing the log into its Merkle tree (`sequencer`),
//! checkpoints, tiles, receipts and witnesses (`log`), search and export (`export`),
//! summary reports (`report`), the tally of refused anonymous requests (`refusals`) and
//! verification of what is stored. The log's format is `ledger`; its storage `db::audit`.

pub mod blob_ledger;
pub mod export;
pub mod log;
pub mod personal;
pub mod refusals;
pub mod remote;
pub mod report;
pub mod sequencer;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{audit as store, Db};
use crate::ledger::context::PseudonymKey;
use crate::ledger::note::{open_checkpoint, OpenedCheckpoint};
use crate::ledger::verify::{LogProblem, TreeWalker};
use crate::ledger::{ChainProblem, ChainedEvent, Checkpoint, LogEntry, Verifier};
use crate::store::signing::PublicKey;

/// Why a search or export of the audit trail was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Denied(#[from] crate::auth::Denied),
    /// A filter or format the trail cannot be read by, with what is wrong with it.
    #[error("{0}")]
    InvalidQuery(String),
    #[error(transparent)]
    Domain(#[from] crate::domain::DomainError),
}

impl From<AuditError> for crate::error::ApiError {
    fn from(err: AuditError) -> Self {
        match err {
            AuditError::Denied(denied) => denied.into(),
            AuditError::InvalidQuery(message) => crate::error::ApiError::BadRequest(message),
            AuditError::Domain(e) => e.into(),
        }
    }
}

/// What verifying the log found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerifyReport {
    /// No problem found.
    pub ok: bool,
    /// Entries checked (up to the first problem).
    pub entries: u64,
    /// The size of the signed checkpoint the log was checked against.
    #[schema(required = true)]
    pub checkpoint_size: Option<u64>,
    /// Witnesses whose cosignatures on that checkpoint held.
    pub cosigned_by: Vec<String>,
    /// Events carried over from the hash chain of earlier releases, checked against that
    /// chain's own signed checkpoints too.
    pub legacy_events: u64,
    /// The first problem, null when none.
    #[schema(required = true)]
    pub problem: Option<LogProblem>,
    /// The result in words.
    pub message: String,
}

impl VerifyReport {
    /// The report of a walk that ended with `outcome` (entries checked, or the problem).
    pub fn new(
        outcome: Result<u64, (u64, LogProblem)>,
        checkpoint: Option<&OpenedCheckpoint>,
        legacy_events: u64,
    ) -> Self {
        let (entries, problem) = match outcome {
            Ok(entries) => (entries, None),
            Err((entries, problem)) => (entries, Some(problem)),
        };
        let cosigned_by = checkpoint
            .map(|c| c.cosigned_by.clone())
            .unwrap_or_default();
        let message = match &problem {
            Some(p) => p.to_string(),
            None => {
                let witnesses = if cosigned_by.is_empty() {
                    String::new()
                } else {
                    format!(", cosigned by {}", cosigned_by.join(", "))
                };
                format!(
                    "{entries} entries verified against the signed checkpoint of size {}{witnesses}",
                    checkpoint.map_or(0, |c| c.size)
                )
            }
        };
        VerifyReport {
            ok: problem.is_none(),
            entries,
            checkpoint_size: checkpoint.map(|c| c.size),
            cosigned_by,
            legacy_events,
            problem,
            message,
        }
    }
}

/// The checkpoints whose signatures hold under `key`, as `(size, head)` sorted by size;
/// the first bad signature is a problem.
pub fn trusted_checkpoints(
    checkpoints: &[Checkpoint],
    key: &PublicKey,
) -> Result<Vec<(i64, String)>, ChainProblem> {
    let mut trusted = Vec::with_capacity(checkpoints.len());
    for checkpoint in checkpoints {
        if !checkpoint.verify(key) {
            return Err(ChainProblem::BadCheckpointSignature {
                size: checkpoint.size,
            });
        }
        trusted.push((checkpoint.size, checkpoint.head_hash.clone()));
    }
    trusted.sort();
    Ok(trusted)
}

/// What checking an export of the hash chain of earlier releases found.
#[derive(Debug, Clone)]
pub struct ChainReport {
    pub ok: bool,
    pub events: i64,
    pub message: String,
}

/// Verifies the events of a hash-chain export (releases up to 0006; in the order given)
/// against that chain's `checkpoints` under `key`.
pub fn verify_chain(
    events: impl IntoIterator<Item = ChainedEvent>,
    checkpoints: &[Checkpoint],
    key: &PublicKey,
) -> ChainReport {
    let report = |events: i64, problem: Option<ChainProblem>, trusted: usize| ChainReport {
        ok: problem.is_none(),
        events,
        message: match problem {
            Some(p) => p.to_string(),
            None => format!("{events} events verified against {trusted} signed checkpoints"),
        },
    };
    let trusted = match trusted_checkpoints(checkpoints, key) {
        Ok(trusted) => trusted,
        Err(problem) => return report(0, Some(problem), 0),
    };
    let mut verifier = Verifier::new(&trusted);
    let mut checked = 0;
    for event in events {
        if let Err(problem) = verifier.next(&event) {
            return report(checked, Some(problem), trusted.len());
        }
        checked += 1;
    }
    match verifier.finish() {
        Ok(events) => report(events, None, trusted.len()),
        Err(problem) => report(checked, Some(problem), trusted.len()),
    }
}

/// Verifies an export of the log against a signed checkpoint: the entries, re-hashed and
/// put at their leaf indexes, must give its root. The order of the lines does not matter
/// (an export follows arrival, which on PostgreSQL can differ from the leaf order); only
/// 40 bytes per entry are held.
pub fn verify_export(
    entries: impl IntoIterator<Item = LogEntry>,
    checkpoint: &OpenedCheckpoint,
) -> VerifyReport {
    let mut leaves: Vec<(u64, tlog_tiles::Hash)> = entries
        .into_iter()
        // Entries still pending when exported have no place in the tree yet.
        .filter_map(|entry| Some((u64::try_from(entry.index?).ok()?, entry.leaf_hash())))
        .collect();
    leaves.sort_by_key(|(index, _)| *index);
    let mut walker = TreeWalker::new(checkpoint.size, checkpoint.root);
    for (index, leaf) in leaves {
        if let Err(problem) = walker.next(index, leaf, None) {
            return VerifyReport::new(Err((walker.checked(), problem)), Some(checkpoint), 0);
        }
    }
    let checked = walker.checked();
    VerifyReport::new(
        walker.finish().map_err(|p| (checked, p)),
        Some(checkpoint),
        0,
    )
}

/// The chain link of an event carried over from the hash chain of earlier releases.
fn legacy_event(entry: &LogEntry) -> Option<ChainedEvent> {
    let legacy = entry.legacy.as_ref()?;
    Some(ChainedEvent {
        seq: legacy.seq,
        id: entry.id.clone(),
        occurred_at: entry.occurred_at,
        kind: entry.kind.clone(),
        actor: entry.actor.clone(),
        subject: entry.subject.clone(),
        outcome: entry.outcome.clone(),
        request_id: entry.request_id.clone(),
        client_ip_hash: entry.client_ip_hash.clone(),
        client_ip: entry.client_ip.clone(),
        data: entry.data.clone(),
        prev_hash: legacy.prev_hash.clone(),
        hash: legacy.hash.clone(),
    })
}

/// Verifies the stored log against its newest signed checkpoint (opened under
/// `log_vkey`): every entry up to the checkpoint's size, in leaf order, against the leaf
/// hash the tree stores for it and the checkpoint's root; each stored plaintext client IP
/// against its keyed hash; and the events carried over from the hash chain of earlier
/// releases against that chain and its checkpoints (under `chain_key`).
pub async fn verify_stored(
    db: &Db,
    log_vkey: &str,
    chain_key: &PublicKey,
    pseudonym: &PseudonymKey,
) -> Result<VerifyReport, sqlx::Error> {
    const PAGE: u64 = 1000;
    // Every checkpoint the log signed, each checked on the way (not only the newest).
    let mut signed = Vec::new();
    for (size, note) in store::log::all_checkpoints(db).await? {
        match open_checkpoint(note.as_bytes(), log_vkey, &[]) {
            Ok(checkpoint) if checkpoint.size == size => signed.push(checkpoint),
            Ok(_) | Err(_) => {
                let problem = LogProblem::BadCheckpoint {
                    reason: format!(
                        "the stored checkpoint of size {size} is not signed by the log key"
                    ),
                };
                return Ok(VerifyReport::new(Err((0, problem)), None, 0));
            }
        }
    }
    let Some(checkpoint) = signed.last().cloned() else {
        if store::log::head(db).await?.size > 0 {
            let problem = LogProblem::BadCheckpoint {
                reason: "the tree has entries but no signed checkpoint".into(),
            };
            return Ok(VerifyReport::new(Err((0, problem)), None, 0));
        }
        return Ok(VerifyReport::new(Ok(0), None, 0));
    };
    let mut earlier = signed.iter().filter(|c| c.size > 0).peekable();
    let chain_checkpoints = store::checkpoints(db).await?;
    let trusted = match trusted_checkpoints(&chain_checkpoints, chain_key) {
        Ok(trusted) => trusted,
        Err(problem) => {
            let problem = LogProblem::LegacyChain {
                reason: problem.to_string(),
            };
            return Ok(VerifyReport::new(Err((0, problem)), Some(&checkpoint), 0));
        }
    };
    let mut chain = Verifier::new(&trusted);
    let mut legacy_events = 0;
    let mut walker = TreeWalker::new(checkpoint.size, checkpoint.root);
    let fail = |walker: &TreeWalker, problem, legacy| {
        Ok(VerifyReport::new(
            Err((walker.checked(), problem)),
            Some(&checkpoint),
            legacy,
        ))
    };
    let mut from = 0;
    while from < checkpoint.size {
        let count = PAGE.min(checkpoint.size - from);
        let entries = store::log::entry_range(db, from, count).await?;
        let stored = store::log::hash_range(db, 0, from, count).await?;
        for entry in &entries {
            let index = entry.index.and_then(|i| u64::try_from(i).ok()).unwrap_or(0);
            let expected = index
                .checked_sub(from)
                .and_then(|i| stored.get(usize::try_from(i).ok()?))
                .copied();
            if let Err(problem) = walker.next(index, entry.leaf_hash(), expected) {
                return fail(&walker, problem, legacy_events);
            }
            while let Some(signed) = earlier.next_if(|c| c.size <= walker.checked()) {
                if signed.size == walker.checked() && walker.root_so_far() != Some(signed.root) {
                    let problem = LogProblem::RootMismatch { size: signed.size };
                    return fail(&walker, problem, legacy_events);
                }
            }
            let ip_matches = match (&entry.client_ip, &entry.client_ip_hash) {
                (Some(ip), Some(hash)) => pseudonym.hash(ip) == *hash,
                (Some(_), None) => false,
                (None, _) => true,
            };
            if !ip_matches {
                return fail(
                    &walker,
                    LogProblem::ClientIpMismatch { index },
                    legacy_events,
                );
            }
            if let Some(event) = legacy_event(entry) {
                if let Err(problem) = chain.next(&event) {
                    let problem = LogProblem::LegacyChain {
                        reason: problem.to_string(),
                    };
                    return fail(&walker, problem, legacy_events);
                }
                legacy_events += 1;
            }
        }
        if entries.len() as u64 != count {
            break;
        }
        from += count;
    }
    let checked = walker.checked();
    let outcome = walker.finish().map_err(|p| (checked, p));
    if let (Ok(_), Err(problem)) = (&outcome, chain.finish()) {
        let problem = LogProblem::LegacyChain {
            reason: problem.to_string(),
        };
        return Ok(VerifyReport::new(
            Err((checked, problem)),
            Some(&checkpoint),
            legacy_events,
        ));
    }
    Ok(VerifyReport::new(outcome, Some(&checkpoint), legacy_events))
}
