//! Admin and compliance routes: publish license versions, the acceptance report (JSON, CSV,
//! JSON Lines) and revocation of an acceptance (license termination).

use actix_web::http::header;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{Principal, Scope};
use crate::db::licensing::{self, AcceptanceFilter, AcceptanceRow};
use crate::domain::{parse_time, rfc3339};
use crate::domain::{CountryCode, Role};
use crate::error::ApiError;
use crate::export::{to_csv, to_json_lines};
use crate::licensing::acceptance::terminate_acceptance;
use crate::licensing::service::{publish_license, NewVersionBody};
use crate::state::AppState;

/// Who may read acceptance reports.
const REPORT_READERS: &[Role] = &[Role::Admin, Role::Compliance];

/// `POST /v1/admin/licenses/{id}/versions`: publishes a new current version.
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn publish_license_version(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<NewVersionBody>,
) -> Result<HttpResponse, ApiError> {
    let row = publish_license(&state, &who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(json!({
        "id": row.license_id, "version": row.version, "digest": row.digest,
        "published_at": rfc3339(row.published_at), "published_by": row.published_by,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    version: Option<String>,
    country: Option<String>,
    organisation: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339, inclusive.
    since: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339, exclusive.
    until: Option<String>,
    #[serde(default)]
    include_revoked: bool,
    /// `json` (default), `csv` or `jsonl`.
    format: Option<String>,
}

const REPORT_COLUMNS: &[&str] = &[
    "id",
    "license",
    "version",
    "digest",
    "accepted_at",
    "user_id",
    "email",
    "legal_name",
    "domicile_country",
    "on_behalf_of_organisation",
    "organisation_name",
    "organisation_country",
    "client_ip",
    "geo_country",
    "user_agent",
    "revoked_at",
    "revoked_by",
    "revoke_reason",
];

fn report_row(a: &AcceptanceRow) -> Value {
    let attestation: Value = serde_json::from_str(&a.attestation).unwrap_or(Value::Null);
    json!({
        "id": a.id, "license": a.license_id, "version": a.version, "digest": a.digest,
        "accepted_at": rfc3339(a.accepted_at), "user_id": a.user_id, "email": a.email,
        "legal_name": attestation["legal_name"], "domicile_country": attestation["domicile_country"],
        "on_behalf_of_organisation": attestation["on_behalf_of_organisation"],
        "organisation_name": attestation["organisation_name"], "organisation_country": attestation["organisation_country"],
        "client_ip": a.client_ip, "geo_country": a.geo_country, "user_agent": a.user_agent,
        "revoked_at": a.revoked_at.map(rfc3339), "revoked_by": a.revoked_by, "revoke_reason": a.revoke_reason,
    })
}

/// `GET /v1/admin/licenses/{id}/acceptances`: who accepted which version, filtered by
/// version, country (domicile or organisation), organisation name and time.
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn list_acceptances(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    who.authorize(REPORT_READERS, Scope::Admin)?;
    let q = query.into_inner();
    let filter = AcceptanceFilter {
        version: q.version,
        country: q
            .country
            .as_deref()
            .map(str::parse::<CountryCode>)
            .transpose()?
            .map(|c| c.to_string()),
        organisation: q.organisation,
        since_ms: q
            .since
            .as_deref()
            .map(|s| parse_time("since", s))
            .transpose()?,
        until_ms: q
            .until
            .as_deref()
            .map(|s| parse_time("until", s))
            .transpose()?,
        include_revoked: q.include_revoked,
    };
    let rows: Vec<Value> = licensing::acceptances_of_license(&state.db, &id, &filter)
        .await?
        .iter()
        .map(report_row)
        .collect();
    let file = format!(
        "acceptances-{}",
        id.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
            .collect::<String>()
    );
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(HttpResponse::Ok()
            .json(json!({ "license": id.as_str(), "count": rows.len(), "acceptances": rows }))),
        "csv" => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.csv\""),
            ))
            .body(to_csv(REPORT_COLUMNS, &rows))),
        "jsonl" => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "application/jsonl"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.jsonl\""),
            ))
            .body(to_json_lines(&rows))),
        other => Err(ApiError::BadRequest(format!(
            "`format` must be json, csv or jsonl, not `{}`",
            other.chars().take(20).collect::<String>()
        ))),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    reason: String,
}

/// `POST /v1/admin/acceptances/{id}/revoke`: terminates a user's license; the acceptance no
/// longer counts and the user sees the reason.
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn revoke_acceptance(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<RevokeBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = terminate_acceptance(&state, &who, &id, &body.reason).await?;
    Ok(HttpResponse::Ok().json(
        json!({ "id": id.as_str(), "revoked": true, "reason": reason, "revoked_by": who.email }),
    ))
}
