//! SQL for download grants and their per-blob count of fresh downloads.

use sqlx::{AnyConnection, FromRow};

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct GrantRow {
    pub id: String,
    pub user_id: String,
    pub licensee_kind: String,
    pub licensee_country: String,
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
}

const GRANT_COLUMNS: &str = "g.id, g.user_id, g.licensee_kind, g.licensee_country, g.model_id, \
     g.revision_digest, g.license_id, g.action, g.downloads_per_blob, g.decision_event_id, \
     g.created_at, g.expires_at";

pub async fn insert(conn: &mut AnyConnection, row: &GrantRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO grants (id, user_id, licensee_kind, licensee_country, model_id, revision_digest,
             license_id, action, downloads_per_blob, decision_event_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&row.id)
    .bind(&row.user_id)
    .bind(&row.licensee_kind)
    .bind(&row.licensee_country)
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

/// The grant `id` with its holder's current standing, in one query (every blob request
/// asks, so that a revocation takes effect on the next request).
pub async fn standing(db: &Db, id: &str) -> Result<Option<GrantStanding>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS}, u.disabled_at AS user_disabled_at,
             (SELECT COALESCE(a.revoke_reason, '') FROM acceptances a
               WHERE a.user_id = g.user_id AND a.license_id = g.license_id AND a.revoked_at IS NOT NULL
               ORDER BY a.revoked_at DESC LIMIT 1) AS termination
         FROM grants g JOIN users u ON u.id = g.user_id WHERE g.id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Counts one fresh download of `sha256` under `grant_id`; `Ok(false)` (and nothing
/// counted) when the grant already reached `limit` for that blob.
pub async fn count_fresh_download(
    conn: &mut AnyConnection,
    grant_id: &str,
    sha256: &str,
    limit: i64,
) -> Result<bool, sqlx::Error> {
    let counted = sqlx::query(
        "INSERT INTO grant_downloads (grant_id, sha256, fresh_count) VALUES ($1, $2, 1)
         ON CONFLICT (grant_id, sha256) DO UPDATE SET fresh_count = grant_downloads.fresh_count + 1
         WHERE grant_downloads.fresh_count < $3",
    )
    .bind(grant_id)
    .bind(sha256)
    .bind(limit)
    .execute(conn)
    .await?;
    Ok(counted.rows_affected() == 1)
}
