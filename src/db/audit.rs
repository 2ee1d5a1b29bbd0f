//! SQL for audit events: appended in the same transaction as the change they record, read
//! back newest first.

use serde_json::Value;
use sqlx::{AnyConnection, FromRow};

use super::{now_ms, Db};
use crate::random::new_id;

/// One security-relevant event, ready to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// `policy.decision`, `grant.issued`, `blob.request`, `review.opened`, `review.decided`.
    pub kind: &'static str,
    /// The user id (or staff email) who caused it.
    pub actor: Option<String>,
    /// What it is about: a model id, a grant id, a case id.
    pub subject: Option<String>,
    /// `allow`, `deny`, `review`, `served`, the error code of a refusal…
    pub outcome: Option<String>,
    /// Every input, as a JSON object.
    pub data: Value,
}

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: String,
    pub occurred_at: i64,
    pub kind: String,
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub outcome: Option<String>,
    pub data: String,
}

/// Appends `event` on `conn` (normally inside the transaction of the change); returns its id.
pub async fn append(conn: &mut AnyConnection, event: &NewEvent) -> Result<String, sqlx::Error> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, kind, actor, subject, outcome, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(now_ms())
    .bind(event.kind)
    .bind(&event.actor)
    .bind(&event.subject)
    .bind(&event.outcome)
    .bind(event.data.to_string())
    .execute(conn)
    .await?;
    Ok(id)
}

/// The newest events, optionally only of one kind, at most `limit`.
pub async fn recent(db: &Db, kind: Option<&str>, limit: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, occurred_at, kind, actor, subject, outcome, data FROM audit_events
         WHERE ($1 = '' OR kind = $1) ORDER BY occurred_at DESC, id DESC LIMIT $2",
    )
    .bind(kind.unwrap_or_default())
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}
