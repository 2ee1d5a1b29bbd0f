//! The audit trail as a service: checkpointing the stored chain (`checkpoint`), search and
//! export (`export`), summary reports (`report`), the tally of refused anonymous requests
//! (`refusals`) and verification of what is stored. The
//! chain's format is `ledger`; its storage is `db::audit`.

pub mod checkpoint;
pub mod export;
pub mod refusals;
pub mod report;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{audit as store, Db};
use crate::ledger::context::PseudonymKey;
use crate::ledger::{ChainProblem, ChainedEvent, Checkpoint, Verifier};
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

/// What verifying a log found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerifyReport {
    /// No problem found.
    pub ok: bool,
    /// Events checked (up to the first problem).
    pub events: i64,
    /// Signed checkpoints checked against.
    pub checkpoints: usize,
    /// The largest signed checkpoint the log was checked against.
    #[schema(required = true)]
    pub latest_checkpoint: Option<i64>,
    /// Events after the latest checkpoint: linked by the chain but not yet signed, so a
    /// rewrite of them alone would not be caught until the next checkpoint.
    pub unsealed_events: i64,
    /// The first problem, null when none.
    #[schema(required = true)]
    pub problem: Option<ChainProblem>,
    /// The result in words.
    pub message: String,
}

impl VerifyReport {
    fn new(events: i64, checkpoints: &[(i64, String)], problem: Option<ChainProblem>) -> Self {
        let latest_checkpoint = checkpoints.last().map(|(size, _)| *size);
        let unsealed_events = (events - latest_checkpoint.unwrap_or(0)).max(0);
        let message = match &problem {
            Some(p) => p.to_string(),
            None => format!(
                "{events} events verified against {} signed checkpoints ({unsealed_events} after the latest)",
                checkpoints.len()
            ),
        };
        VerifyReport {
            ok: problem.is_none(),
            events,
            checkpoints: checkpoints.len(),
            latest_checkpoint,
            unsealed_events,
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

/// Verifies `events` (in the order given) against `checkpoints` under `key`.
pub fn verify_events(
    events: impl IntoIterator<Item = ChainedEvent>,
    checkpoints: &[Checkpoint],
    key: &PublicKey,
) -> VerifyReport {
    let trusted = match trusted_checkpoints(checkpoints, key) {
        Ok(trusted) => trusted,
        Err(problem) => return VerifyReport::new(0, &[], Some(problem)),
    };
    let mut verifier = Verifier::new(&trusted);
    let mut checked = 0;
    for event in events {
        if let Err(problem) = verifier.next(&event) {
            return VerifyReport::new(checked, &trusted, Some(problem));
        }
        checked += 1;
    }
    match verifier.finish() {
        Ok(events) => VerifyReport::new(events, &trusted, None),
        Err(problem) => VerifyReport::new(checked, &trusted, Some(problem)),
    }
}

/// Verifies the stored log, page by page, against its stored checkpoints, up to the chain
/// head recorded when the walk began; also that each stored plaintext client IP is the one
/// its keyed hash in the chain names.
pub async fn verify_stored(
    db: &Db,
    key: &PublicKey,
    pseudonym: &PseudonymKey,
) -> Result<VerifyReport, sqlx::Error> {
    const PAGE: i64 = 1000;
    let (head, _) = store::head(db).await?;
    let checkpoints = store::checkpoints(db).await?;
    let trusted = match trusted_checkpoints(&checkpoints, key) {
        Ok(trusted) => trusted,
        Err(problem) => return Ok(VerifyReport::new(0, &[], Some(problem))),
    };
    let mut verifier = Verifier::new(&trusted);
    let mut filter = store::EventFilter::default();
    let mut checked = 0;
    'pages: loop {
        let page = store::find(db, &filter, PAGE).await?;
        for event in &page {
            if event.seq > head {
                break 'pages;
            }
            let problem = verifier.next(event).err().or_else(|| {
                let ip_matches = match (&event.client_ip, &event.client_ip_hash) {
                    (Some(ip), Some(hash)) => pseudonym.hash(ip) == *hash,
                    (Some(_), None) => false,
                    (None, _) => true,
                };
                (!ip_matches).then_some(ChainProblem::ClientIpMismatch { seq: event.seq })
            });
            if let Some(problem) = problem {
                return Ok(VerifyReport::new(checked, &trusted, Some(problem)));
            }
            checked += 1;
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => filter.after = last.seq,
            _ => break,
        }
    }
    Ok(match verifier.finish() {
        Ok(last) if last < head => VerifyReport::new(
            checked,
            &trusted,
            Some(ChainProblem::BehindHead { last, head }),
        ),
        Ok(events) => VerifyReport::new(events, &trusted, None),
        Err(problem) => VerifyReport::new(checked, &trusted, Some(problem)),
    })
}
