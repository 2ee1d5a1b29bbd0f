//! SQL for the compliance review queue: at most one open case per user and model (each
//! case records the declaration it was opened on); staff decide it, and may decide it
//! again (nothing is rejected irreversibly).

use sqlx::{AnyConnection, FromRow};

use super::{now_ms, Db};

#[derive(Debug, Clone, FromRow)]
pub struct ReviewRow {
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub attestation_id: String,
    pub model_id: String,
    /// `open`, `approved` or `denied`.
    pub state: String,
    /// The decision inputs that opened the case (JSON).
    pub inputs: String,
    /// The reasons the policy gave for a review (JSON).
    pub reasons: String,
    pub opened_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub note: Option<String>,
}

const COLUMNS: &str = "r.id, r.user_id, u.email, r.attestation_id, r.model_id, r.state, r.inputs, \
     r.reasons, r.opened_at, r.decided_at, r.decided_by, r.note";

/// Every case of this user (all models), newest first, superseded ones left out: a verdict
/// binds to the licensee and model, whatever declaration row it was made on, and a deny on
/// one model is a signal for the others.
pub async fn cases_of_user(db: &Db, user_id: &str) -> Result<Vec<ReviewRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM review_cases r JOIN users u ON u.id = r.user_id
         WHERE r.user_id = $1 AND r.state <> 'superseded'
         ORDER BY r.opened_at DESC, r.id DESC"
    ))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// Opens a case in state `open`; `Ok(false)` when this user and model already have an open
/// case (the partial unique index `review_cases_one_open_per_model`).
pub async fn open(
    conn: &mut AnyConnection,
    id: &str,
    user_id: &str,
    attestation_id: &str,
    model_id: &str,
    inputs: &str,
    reasons: &str,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO review_cases (id, user_id, attestation_id, model_id, state, inputs, reasons, opened_at)
         VALUES ($1, $2, $3, $4, 'open', $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(user_id)
    .bind(attestation_id)
    .bind(model_id)
    .bind(inputs)
    .bind(reasons)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The id of the open case for this user and model, if there is one.
pub async fn open_case_id(
    conn: &mut AnyConnection,
    user_id: &str,
    model_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM review_cases WHERE user_id = $1 AND model_id = $2 AND state = 'open'",
    )
    .bind(user_id)
    .bind(model_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id,)| id))
}

pub async fn find(db: &Db, id: &str) -> Result<Option<ReviewRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM review_cases r JOIN users u ON u.id = r.user_id WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Cases, oldest first, filtered by state and/or user when given.
pub async fn list(
    db: &Db,
    state: Option<&str>,
    user_id: Option<&str>,
) -> Result<Vec<ReviewRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM review_cases r JOIN users u ON u.id = r.user_id
         WHERE ($1 = '' OR r.state = $1) AND ($2 = '' OR r.user_id = $2)
         ORDER BY r.opened_at, r.id"
    ))
    .bind(state.unwrap_or_default())
    .bind(user_id.unwrap_or_default())
    .fetch_all(&db.pool)
    .await
}

/// Records a staff decision (`approved` or `denied`) on case `id`; returns the state it
/// had before, or `None` when there is no such case.
pub async fn decide(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    by: &str,
    note: &str,
) -> Result<Option<String>, sqlx::Error> {
    let before: Option<(String,)> = sqlx::query_as("SELECT state FROM review_cases WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((before,)) = before else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE review_cases SET state = $1, decided_at = $2, decided_by = $3, note = $4 WHERE id = $5",
    )
    .bind(state)
    .bind(now_ms())
    .bind(by)
    .bind(note)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(Some(before))
}
