//! SQL for download grants, their per-blob download accounting, and the standing of a
//! grant's holder (read on every blob request, so a revocation takes effect at once).

use sqlx::{AnyConnection, FromRow};

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct GrantRow {
    pub id: String,
    pub user_id: String,
    pub licensee_kind: String,
    pub licensee_country: String,
    /// The declaration the decision was made on.
    pub attestation_id: String,
    pub model_id: String,
    pub revision_digest: String,
    pub license_id: String,
    pub action: String,
    pub downloads_per_blob: i64,
    pub decision_event_id: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A grant with what its holder's entitlement looks like right now.
#[derive(Debug, Clone, FromRow)]
pub struct GrantStanding {
    #[sqlx(flatten)]
    pub grant: GrantRow,
    /// When the user's account was disabled, if it was.
    pub user_disabled_at: Option<i64>,
    /// Why the user's license was terminated, if it was (`""` when no reason was given).
    pub termination: Option<String>,
    /// The user's current declaration; another one than the grant's means a new decision.
    pub current_attestation_id: Option<String>,
    /// The newest review case state for the grant's user, declaration and model.
    pub review_state: Option<String>,
}

const GRANT_COLUMNS: &str =
    "g.id, g.user_id, g.licensee_kind, g.licensee_country, g.attestation_id, \
     g.model_id, g.revision_digest, g.license_id, g.action, g.downloads_per_blob, \
     g.decision_event_id, g.created_at, g.expires_at";

pub async fn insert(conn: &mut AnyConnection, row: &GrantRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO grants (id, user_id, licensee_kind, licensee_country, attestation_id, model_id,
             revision_digest, license_id, action, downloads_per_blob, decision_event_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&row.id)
    .bind(&row.user_id)
    .bind(&row.licensee_kind)
    .bind(&row.licensee_country)
    .bind(&row.attestation_id)
    .bind(&row.model_id)
    .bind(&row.revision_digest)
    .bind(&row.license_id)
    .bind(&row.action)
    .bind(row.downloads_per_blob)
    .bind(&row.decision_event_id)
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The newest grant still valid at `now` for this user, declaration, licensee, revision
/// and action: asking again within a grant's lifetime gets the same grant (and its counts).
pub async fn reusable(
    conn: &mut AnyConnection,
    template: &GrantRow,
    now: i64,
) -> Result<Option<GrantRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS} FROM grants g
         WHERE g.user_id = $1 AND g.revision_digest = $2 AND g.action = $3 AND g.attestation_id = $4
           AND g.licensee_kind = $5 AND g.licensee_country = $6 AND g.expires_at > $7
         ORDER BY g.created_at DESC, g.id DESC LIMIT 1"
    ))
    .bind(&template.user_id)
    .bind(&template.revision_digest)
    .bind(&template.action)
    .bind(&template.attestation_id)
    .bind(&template.licensee_kind)
    .bind(&template.licensee_country)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// The grant `id` with its holder's current standing, in one query.
pub async fn standing(db: &Db, id: &str) -> Result<Option<GrantStanding>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS}, u.disabled_at AS user_disabled_at,
             ({termination}) AS termination,
             (SELECT a.id FROM attestations a WHERE a.user_id = g.user_id
               ORDER BY a.created_at DESC, a.id DESC LIMIT 1) AS current_attestation_id,
             (SELECT r.state FROM review_cases r
               WHERE r.user_id = g.user_id AND r.attestation_id = g.attestation_id AND r.model_id = g.model_id
               ORDER BY r.opened_at DESC, r.id DESC LIMIT 1) AS review_state
         FROM grants g JOIN users u ON u.id = g.user_id WHERE g.id = $1",
        termination = super::licensing::termination_reason_sql("g.user_id", "g.license_id"),
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Accounts one GET of blob `sha256` (of `size` bytes) under a grant: a `fresh` download
/// (or the first request of any kind) counts against `limit`; a resumed range is no
/// download, but the resumed bytes in all never exceed `limit × size`, so ranges cannot
/// stand in for downloads. `Ok(false)`, with nothing counted, past either bound.
pub async fn account_download(
    conn: &mut AnyConnection,
    grant_id: &str,
    sha256: &str,
    fresh: bool,
    bytes: u64,
    size: u64,
    limit: i64,
) -> Result<bool, sqlx::Error> {
    let resumed = if fresh {
        0
    } else {
        i64::try_from(bytes).unwrap_or(i64::MAX)
    };
    let budget = i64::try_from(size)
        .unwrap_or(i64::MAX)
        .saturating_mul(limit);
    let counted = sqlx::query(
        "INSERT INTO grant_downloads (grant_id, sha256, fresh_count, resumed_bytes) VALUES ($1, $2, 1, 0)
         ON CONFLICT (grant_id, sha256) DO UPDATE
           SET fresh_count = grant_downloads.fresh_count + $3,
               resumed_bytes = grant_downloads.resumed_bytes + $4
         WHERE grant_downloads.fresh_count + $3 <= $5 AND grant_downloads.resumed_bytes + $4 <= $6",
    )
    .bind(grant_id)
    .bind(sha256)
    .bind(i64::from(fresh))
    .bind(resumed)
    .bind(limit)
    .bind(budget)
    .execute(conn)
    .await?;
    Ok(counted.rows_affected() == 1)
}

/// The fresh downloads grant `grant_id` has served, per blob (SHA-256 hex → count).
pub async fn fresh_downloads(db: &Db, grant_id: &str) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT sha256, fresh_count FROM grant_downloads WHERE grant_id = $1")
        .bind(grant_id)
        .fetch_all(&db.pool)
        .await
}
