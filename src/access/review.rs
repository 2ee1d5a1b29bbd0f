//! The compliance side of the review queue: staff approve or deny a case with a note; the
//! outcome is an input to that user's later decisions for that model (under the same
//! declaration). A case may be decided again: nothing is rejected irreversibly.

use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::access::AccessError;
use crate::db::reviews::{self, ReviewRow};
use crate::db::{audit, Db};
use crate::domain::{rfc3339, Role};
use crate::ledger::event::{EventKind, Outcome};

/// A staff verdict on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Deny,
}

impl Verdict {
    /// The case state it leads to.
    pub fn state(self) -> &'static str {
        match self {
            Verdict::Approve => "approved",
            Verdict::Deny => "denied",
        }
    }

    /// The outcome its audit event records.
    pub fn outcome(self) -> Outcome {
        match self {
            Verdict::Approve => Outcome::Approved,
            Verdict::Deny => Outcome::Denied,
        }
    }
}

/// Records `verdict` on case `id` by the staff account `by_user_id` (email `by`) with
/// `note`, and its audit event, in one transaction; returns the updated case and the id
/// of the verdict's audit entry (its receipt). Nobody decides their own case.
pub async fn decide_case(
    db: &Db,
    id: &str,
    verdict: Verdict,
    (by_user_id, by): (&str, &str),
    note: &str,
) -> Result<(ReviewRow, String), AccessError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(AccessError::Invalid(
            "a review decision needs a note saying why".into(),
        ));
    }
    let case = reviews::find(db, id)
        .await?
        .ok_or_else(|| AccessError::CaseNotFound(id.to_owned()))?;
    if case.user_id == by_user_id {
        return Err(AccessError::NotAllowed(
            "staff may not decide their own review case".into(),
        ));
    }
    if case.state == "superseded" {
        return Err(AccessError::NotAllowed(
            "this case was superseded by a newer one for the same licensee and model; decide that one".into(),
        ));
    }
    let mut tx = db.begin_write().await?;
    let previous = reviews::decide(&mut tx, id, verdict.state(), by, note)
        .await?
        .ok_or_else(|| AccessError::CaseNotFound(id.to_owned()))?;
    let entry = audit::append(
        &mut tx,
        &audit::NewEvent {
            kind: EventKind::ReviewDecided,
            actor: Some(by.to_owned()),
            subject: Some(id.to_owned()),
            outcome: Some(verdict.outcome()),
            data: json!({
                "case": id, "previous_state": previous, "state": verdict.state(), "note": note,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    let case = reviews::find(db, id)
        .await?
        .ok_or_else(|| AccessError::CaseNotFound(id.to_owned()))?;
    Ok((case, entry))
}

/// Who works the review queue.
pub const REVIEWERS: &[Role] = &[Role::Compliance, Role::Admin];

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// A review case as compliance staff see it: the case as its user sees it, and who decided
/// it last.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewCase {
    #[serde(flatten)]
    pub case: OwnReviewCase,
    /// The email of the staff member who decided it last.
    #[schema(required = true)]
    pub decided_by: Option<String>,
}

/// A review case as its user sees it: who decided it is for the compliance team only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnReviewCase {
    pub id: String,
    /// `open`, `approved` or `denied`.
    pub state: String,
    /// The model, `org/name`.
    pub model: String,
    pub user: ReviewUser,
    /// The declaration the case was opened on.
    pub attestation_id: String,
    /// RFC 3339.
    pub opened_at: String,
    /// RFC 3339; null while open.
    #[schema(required = true)]
    pub decided_at: Option<String>,
    /// The note of the last decision.
    #[schema(required = true)]
    pub note: Option<String>,
    /// The policies that sent the request to review (null if unreadable).
    #[schema(value_type = Vec<crate::policy::Reason>)]
    pub reasons: Value,
    /// The decision inputs that opened the case, as the audit log records them.
    #[schema(value_type = Object)]
    pub inputs: Value,
}

/// Whose case it is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewUser {
    pub id: String,
    pub email: String,
}

impl ReviewCase {
    /// The case of `row`, for staff.
    pub fn of(row: &ReviewRow) -> Self {
        ReviewCase {
            case: OwnReviewCase::of(row),
            decided_by: row.decided_by.clone(),
        }
    }
}

impl OwnReviewCase {
    /// The case of `row`, for its user.
    pub fn of(row: &ReviewRow) -> Self {
        OwnReviewCase {
            id: row.id.clone(),
            state: row.state.clone(),
            model: row.model_id.clone(),
            user: ReviewUser {
                id: row.user_id.clone(),
                email: row.email.clone(),
            },
            attestation_id: row.attestation_id.clone(),
            opened_at: rfc3339(row.opened_at),
            decided_at: row.decided_at.map(rfc3339),
            note: row.note.clone(),
            reasons: parsed(&row.reasons),
            inputs: parsed(&row.inputs),
        }
    }
}
