//! SQL for download grants, the download allowance of each account per blob (across
//! grants, actions and revisions), and the standing of a grant's holder (read on every blob
//! request, so a revocation or a new license version takes effect at once).

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
    /// The acceptance the allow was decided on.
    pub acceptance_id: Option<String>,
    /// 1 when the decision saw no review signal and no approval: blob requests from a
    /// location that would send the licensee to review are refused.
    pub location_bound: i64,
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
    /// The newest review case state for the grant's user and model.
    pub review_state: Option<String>,
    /// Whether compliance staff denied the grant's user any model since the grant was issued.
    pub denied_since: i64,
    /// Whether the grant's acceptance is live and of the license's current version.
    pub acceptance_current: i64,
}

const GRANT_COLUMNS: &str =
    "g.id, g.user_id, g.licensee_kind, g.licensee_country, g.attestation_id, \
     g.model_id, g.revision_digest, g.license_id, g.action, g.downloads_per_blob, \
     g.decision_event_id, g.created_at, g.expires_at, g.acceptance_id, g.location_bound";

pub async fn insert(conn: &mut AnyConnection, row: &GrantRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO grants (id, user_id, licensee_kind, licensee_country, attestation_id, model_id,
             revision_digest, license_id, action, downloads_per_blob, decision_event_id, created_at, expires_at,
             acceptance_id, location_bound)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
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
    .bind(&row.acceptance_id)
    .bind(row.location_bound)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the account's row lock until `tx` ends (PostgreSQL; SQLite's writer is one at a
/// time already), so concurrent requests of one account see each other's grant and reuse
/// it rather than each issuing one. Other accounts are not held up.
pub async fn lock_account(tx: &mut super::WriteTx, user_id: &str) -> Result<(), sqlx::Error> {
    if tx.backend() == super::Backend::Postgres {
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The newest grant still valid at `now` for this user, declaration, licensee, acceptance,
/// location binding, revision and action: asking again within a grant's lifetime gets the
/// same grant.
pub async fn reusable(
    conn: &mut AnyConnection,
    template: &GrantRow,
    now: i64,
) -> Result<Option<GrantRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS} FROM grants g
         WHERE g.user_id = $1 AND g.revision_digest = $2 AND g.action = $3 AND g.attestation_id = $4
           AND g.licensee_kind = $5 AND g.licensee_country = $6 AND g.expires_at > $7
           AND g.acceptance_id = $8 AND g.location_bound = $9
         ORDER BY g.created_at DESC, g.id DESC LIMIT 1"
    ))
    .bind(&template.user_id)
    .bind(&template.revision_digest)
    .bind(&template.action)
    .bind(&template.attestation_id)
    .bind(&template.licensee_kind)
    .bind(&template.licensee_country)
    .bind(now)
    .bind(&template.acceptance_id)
    .bind(template.location_bound)
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
               WHERE r.user_id = g.user_id AND r.model_id = g.model_id AND r.state <> 'superseded'
               ORDER BY r.opened_at DESC, r.id DESC LIMIT 1) AS review_state,
             (SELECT COUNT(*) FROM review_cases r
               WHERE r.user_id = g.user_id AND r.state = 'denied' AND r.decided_at >= g.created_at) AS denied_since,
             (SELECT COUNT(*) FROM acceptances a
               WHERE a.id = g.acceptance_id AND a.revoked_at IS NULL
                 AND a.digest = (SELECT v.digest FROM license_versions v WHERE v.license_id = g.license_id
                                 ORDER BY v.published_at DESC, v.version DESC LIMIT 1)) AS acceptance_current
         FROM grants g JOIN users u ON u.id = g.user_id WHERE g.id = $1",
        termination = super::licensing::termination_reason_sql("g.user_id", "g.license_id"),
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Whose allowance for which blob (whichever revisions hold it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowanceKey<'a> {
    pub user_id: &'a str,
    pub sha256: &'a str,
}

/// Reserves `bytes` of the allowance at `key` (`fresh`: a download from byte 0): fresh and
/// resumed bytes share one budget of `budget` bytes per window of `window_ms`, which starts
/// with the first counted byte. Returns the window's start, or `None`, with nothing
/// counted, when the bytes do not fit.
#[allow(clippy::too_many_arguments)]
pub async fn reserve_download(
    conn: &mut AnyConnection,
    key: AllowanceKey<'_>,
    fresh: bool,
    bytes: u64,
    budget: i64,
    window_ms: i64,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    if bytes > budget {
        return Ok(None);
    }
    let started: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO download_allowances
             (user_id, sha256, window_started_at, fresh_count, served_bytes)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, sha256) DO UPDATE SET
           window_started_at = CASE WHEN download_allowances.window_started_at <= $6
                               THEN excluded.window_started_at ELSE download_allowances.window_started_at END,
           fresh_count = CASE WHEN download_allowances.window_started_at <= $6
                         THEN excluded.fresh_count ELSE download_allowances.fresh_count + excluded.fresh_count END,
           served_bytes = CASE WHEN download_allowances.window_started_at <= $6
                          THEN excluded.served_bytes ELSE download_allowances.served_bytes + excluded.served_bytes END
         WHERE download_allowances.window_started_at <= $6
            OR download_allowances.served_bytes + excluded.served_bytes <= $7
         RETURNING window_started_at",
    )
    .bind(key.user_id)
    .bind(key.sha256)
    .bind(now)
    .bind(i64::from(fresh))
    .bind(bytes)
    .bind(now.saturating_sub(window_ms))
    .bind(budget)
    .fetch_optional(conn)
    .await?;
    Ok(started.map(|(at,)| at))
}

/// Gives back `bytes` reserved in the window that started at `window_started_at` (a
/// response the client did not take whole); nothing when that window is over.
pub async fn release_download(
    db: &Db,
    key: AllowanceKey<'_>,
    window_started_at: i64,
    bytes: u64,
) -> Result<(), sqlx::Error> {
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    sqlx::query(
        "UPDATE download_allowances
         SET served_bytes = CASE WHEN served_bytes > $4 THEN served_bytes - $4 ELSE 0 END
         WHERE user_id = $1 AND sha256 = $2 AND window_started_at = $3",
    )
    .bind(key.user_id)
    .bind(key.sha256)
    .bind(window_started_at)
    .bind(bytes)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The bytes the account has been served of each blob in the current window (SHA-256 hex
/// → bytes); windows that started before `window_floor` are over.
pub async fn served_bytes(
    db: &Db,
    user_id: &str,
    window_floor: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT sha256, served_bytes FROM download_allowances
         WHERE user_id = $1 AND window_started_at > $2",
    )
    .bind(user_id)
    .bind(window_floor)
    .fetch_all(&db.pool)
    .await
}
