//! SQL for licensing: license versions, attestations (append-only history) and acceptances.

use sqlx::{AnyConnection, FromRow};

use super::{now_ms, Db};

#[derive(Debug, Clone, FromRow)]
pub struct LicenseVersionRow {
    pub license_id: String,
    pub version: String,
    pub digest: String,
    pub title: String,
    pub modalities: String,
    pub license_text: String,
    pub aup_text: String,
    pub notice: String,
    pub published_at: i64,
    pub published_by: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct AttestationRow {
    pub id: String,
    pub user_id: String,
    pub legal_name: String,
    pub domicile_country: String,
    pub on_behalf_of_organisation: i64,
    pub organisation_name: Option<String>,
    pub organisation_country: Option<String>,
    pub created_at: i64,
    /// The declared territories of use or deployment, comma-separated ISO codes (`None`:
    /// not declared).
    pub deployment_territories: Option<String>,
    /// The declared monthly-active-users band (`None`: not declared).
    pub monthly_active_users: Option<String>,
}

impl AttestationRow {
    /// The declared territories (empty: not declared).
    pub fn territories(&self) -> Vec<String> {
        self.deployment_territories
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|code| !code.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The declared monthly-active-users band (`None`: not declared).
    pub fn user_band(&self) -> Option<crate::domain::UserBand> {
        self.monthly_active_users.as_deref()?.parse().ok()
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct AcceptanceRow {
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub license_id: String,
    pub version: String,
    pub digest: String,
    pub attestation_id: String,
    pub attestation: String,
    pub accepted_at: i64,
    pub client_ip: Option<String>,
    pub geo_country: Option<String>,
    pub user_agent: Option<String>,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
}

const VERSION_COLUMNS: &str =
    "license_id, version, digest, title, modalities, license_text, aup_text, notice, published_at, published_by";
const ATTESTATION_COLUMNS: &str =
    "id, user_id, legal_name, domicile_country, on_behalf_of_organisation, \
     organisation_name, organisation_country, created_at, deployment_territories, monthly_active_users";
const ACCEPTANCE_COLUMNS: &str = "a.id, a.user_id, u.email, a.license_id, a.version, a.digest, a.attestation_id, \
     a.attestation, a.accepted_at, a.client_ip, a.geo_country, a.user_agent, a.revoked_at, a.revoked_by, a.revoke_reason";

/// Inserts a license version; `Ok(false)` when that id and version (or digest) already exist.
#[tracing::instrument(skip_all, fields(license.id = %row.license_id, license.version = %row.version))]
pub async fn insert_license_version(
    conn: &mut AnyConnection,
    row: &LicenseVersionRow,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(&format!(
        "INSERT INTO license_versions ({VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT DO NOTHING"
    ))
    .bind(&row.license_id)
    .bind(&row.version)
    .bind(&row.digest)
    .bind(&row.title)
    .bind(&row.modalities)
    .bind(&row.license_text)
    .bind(&row.aup_text)
    .bind(&row.notice)
    .bind(row.published_at)
    .bind(&row.published_by)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// The current (most recently published) version of each license, by id.
pub async fn current_versions(db: &Db) -> Result<Vec<LicenseVersionRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM license_versions v
         WHERE v.version = (SELECT v2.version FROM license_versions v2 WHERE v2.license_id = v.license_id
                            ORDER BY v2.published_at DESC, v2.version DESC LIMIT 1)
         ORDER BY license_id"
    ))
    .fetch_all(&db.pool)
    .await
}

/// The current version of one license.
pub async fn current_version(
    db: &Db,
    license_id: &str,
) -> Result<Option<LicenseVersionRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM license_versions WHERE license_id = $1
         ORDER BY published_at DESC, version DESC LIMIT 1"
    ))
    .bind(license_id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn insert_attestation(
    conn: &mut AnyConnection,
    row: &AttestationRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO attestations ({ATTESTATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(&row.id)
    .bind(&row.user_id)
    .bind(&row.legal_name)
    .bind(&row.domicile_country)
    .bind(row.on_behalf_of_organisation)
    .bind(&row.organisation_name)
    .bind(&row.organisation_country)
    .bind(row.created_at)
    .bind(&row.deployment_territories)
    .bind(&row.monthly_active_users)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every attestation of a user, newest first; the first is the current one.
pub async fn attestations_of(db: &Db, user_id: &str) -> Result<Vec<AttestationRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {ATTESTATION_COLUMNS} FROM attestations WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// The user's live (not revoked) acceptances of the license version with `digest`, newest
/// first: one per licensee the user accepted for.
pub async fn live_acceptances_of_version(
    db: &Db,
    user_id: &str,
    license_id: &str,
    digest: &str,
) -> Result<Vec<AcceptanceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {ACCEPTANCE_COLUMNS} FROM acceptances a JOIN users u ON u.id = a.user_id
         WHERE a.user_id = $1 AND a.license_id = $2 AND a.digest = $3 AND a.revoked_at IS NULL
         ORDER BY a.accepted_at DESC, a.id DESC"
    ))
    .bind(user_id)
    .bind(license_id)
    .bind(digest)
    .fetch_all(&db.pool)
    .await
}

/// What an acceptance records besides the user and the license version.
#[derive(Debug, Clone)]
pub struct NewAcceptance<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub license_id: &'a str,
    pub version: &'a str,
    pub digest: &'a str,
    pub attestation_id: &'a str,
    pub attestation_json: &'a str,
    pub client_ip: Option<&'a str>,
    pub geo_country: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert_acceptance(
    conn: &mut AnyConnection,
    a: &NewAcceptance<'_>,
) -> Result<i64, sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO acceptances (id, user_id, license_id, version, digest, attestation_id, attestation, accepted_at,
                                  client_ip, geo_country, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(a.id)
    .bind(a.user_id)
    .bind(a.license_id)
    .bind(a.version)
    .bind(a.digest)
    .bind(a.attestation_id)
    .bind(a.attestation_json)
    .bind(now)
    .bind(a.client_ip)
    .bind(a.geo_country)
    .bind(a.user_agent)
    .execute(&mut *conn)
    .await?;
    Ok(now)
}

/// The user's latest acceptance of each license (revoked ones included), by license id.
pub async fn latest_acceptances_of(
    db: &Db,
    user_id: &str,
) -> Result<Vec<AcceptanceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {ACCEPTANCE_COLUMNS} FROM acceptances a JOIN users u ON u.id = a.user_id
         WHERE a.user_id = $1 AND a.id = (SELECT a2.id FROM acceptances a2
                                          WHERE a2.user_id = a.user_id AND a2.license_id = a.license_id
                                          ORDER BY a2.accepted_at DESC, a2.id DESC LIMIT 1)
         ORDER BY a.license_id"
    ))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// Filters of the acceptance report; `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct AcceptanceFilter {
    pub version: Option<String>,
    /// Matches the declared domicile or the organisation's country.
    pub country: Option<String>,
    /// Case-insensitive substring of the organisation name.
    pub organisation: Option<String>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub include_revoked: bool,
}

/// Acceptances of a license, oldest first, filtered. The organisation filter is applied
/// here rather than in SQL so it folds case the same way (Unicode) on both backends.
pub async fn acceptances_of_license(
    db: &Db,
    license_id: &str,
    f: &AcceptanceFilter,
) -> Result<Vec<AcceptanceRow>, sqlx::Error> {
    let mut rows: Vec<AcceptanceRow> = sqlx::query_as(&format!(
        "SELECT {ACCEPTANCE_COLUMNS} FROM acceptances a
         JOIN users u ON u.id = a.user_id JOIN attestations t ON t.id = a.attestation_id
         WHERE a.license_id = $1
           AND ($2 = '' OR a.version = $2)
           AND ($3 = '' OR t.domicile_country = $3 OR t.organisation_country = $3)
           AND a.accepted_at >= $4 AND a.accepted_at < $5
           AND ($6 = 1 OR a.revoked_at IS NULL)
         ORDER BY a.accepted_at, a.id"
    ))
    .bind(license_id)
    .bind(f.version.clone().unwrap_or_default())
    .bind(f.country.clone().unwrap_or_default())
    .bind(f.since_ms.unwrap_or(i64::MIN))
    .bind(f.until_ms.unwrap_or(i64::MAX))
    .bind(i64::from(f.include_revoked))
    .fetch_all(&db.pool)
    .await?;
    if let Some(needle) = f
        .organisation
        .as_deref()
        .map(str::to_lowercase)
        .filter(|n| !n.is_empty())
    {
        rows.retain(|row| {
            serde_json::from_str::<serde_json::Value>(&row.attestation)
                .ok()
                .and_then(|a| a["organisation_name"].as_str().map(str::to_lowercase))
                .is_some_and(|name| name.contains(&needle))
        });
    }
    Ok(rows)
}

/// Terminates a user's license: revokes the acceptance `id` and every other live
/// acceptance of the same user for the same license. `Ok(false)` when `id` is unknown or
/// already revoked.
pub async fn revoke_acceptance(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let target: Option<(String, String)> = sqlx::query_as(
        "SELECT user_id, license_id FROM acceptances WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((user_id, license_id)) = target else {
        return Ok(false);
    };
    sqlx::query(
        "UPDATE acceptances SET revoked_at = $1, revoked_by = $2, revoke_reason = $3
         WHERE user_id = $4 AND license_id = $5 AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(by)
    .bind(reason)
    .bind(&user_id)
    .bind(&license_id)
    .execute(conn)
    .await?;
    Ok(true)
}

/// SQL selecting why the license `license` (a column or placeholder) of user `user` was
/// terminated (`''` when no reason was given); no row when it was not. Shared by
/// `termination_of` and the grant check, so the two cannot drift apart.
pub(crate) fn termination_reason_sql(user: &str, license: &str) -> String {
    format!(
        "SELECT COALESCE(revoke_reason, '') FROM acceptances
         WHERE user_id = {user} AND license_id = {license} AND revoked_at IS NOT NULL
         ORDER BY revoked_at DESC LIMIT 1"
    )
}

/// The reason the user's license was terminated, if it was.
pub async fn termination_of(
    db: &Db,
    user_id: &str,
    license_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(&termination_reason_sql("$1", "$2"))
        .bind(user_id)
        .bind(license_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|(reason,)| reason))
}
