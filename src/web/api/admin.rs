//! Admin and compliance routes: publish license versions, the acceptance report (JSON, CSV,
//! JSON Lines) and revocation of an acceptance (license termination).

use actix_web::http::header;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

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

/// A license version just published.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedLicenseVersion {
    /// The license id.
    pub id: String,
    pub version: String,
    /// The hex SHA-256 of the version's documents.
    pub digest: String,
    /// When it was published (RFC 3339).
    pub published_at: String,
    /// Who published it.
    #[schema(required = true)]
    pub published_by: Option<String>,
}

/// `POST /v1/admin/licenses/{id}/versions`: publishes a new current version.
#[utoipa::path(
    post,
    path = "/v1/admin/licenses/{id}/versions",
    tag = "admin",
    params(("id" = String, Path, description = "The license id")),
    request_body = NewVersionBody,
    responses((status = 201, description = "The new current version", body = PublishedLicenseVersion)),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn publish_license_version(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<NewVersionBody>,
) -> Result<HttpResponse, ApiError> {
    let row = publish_license(&state, &who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(PublishedLicenseVersion {
        id: row.license_id,
        version: row.version,
        digest: row.digest,
        published_at: rfc3339(row.published_at),
        published_by: row.published_by,
    }))
}

/// The filters and format of the acceptance report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Only acceptances of this version.
    version: Option<String>,
    /// Only declarations domiciled, or organisations based, in this country (ISO 3166-1
    /// alpha-2).
    country: Option<String>,
    /// Only acceptances for this organisation name.
    organisation: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339, inclusive.
    since: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339, exclusive.
    until: Option<String>,
    /// Include revoked acceptances.
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

/// The declaration kept with an acceptance, as far as the report reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AcceptedAttestation {
    legal_name: Option<String>,
    domicile_country: Option<String>,
    on_behalf_of_organisation: Option<bool>,
    organisation_name: Option<String>,
    organisation_country: Option<String>,
}

/// One acceptance in the report, with the declaration it was made under.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptanceRecord {
    pub id: String,
    /// The license id.
    pub license: String,
    pub version: String,
    /// The hex SHA-256 of the documents accepted.
    pub digest: String,
    /// When it was accepted (RFC 3339).
    pub accepted_at: String,
    pub user_id: String,
    pub email: String,
    #[schema(required = true)]
    pub legal_name: Option<String>,
    #[schema(required = true)]
    pub domicile_country: Option<String>,
    #[schema(required = true)]
    pub on_behalf_of_organisation: Option<bool>,
    #[schema(required = true)]
    pub organisation_name: Option<String>,
    #[schema(required = true)]
    pub organisation_country: Option<String>,
    /// The address it was accepted from.
    #[schema(required = true)]
    pub client_ip: Option<String>,
    /// The country that address was located in.
    #[schema(required = true)]
    pub geo_country: Option<String>,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    /// When it was revoked (RFC 3339; `null`: in force).
    #[schema(required = true)]
    pub revoked_at: Option<String>,
    #[schema(required = true)]
    pub revoked_by: Option<String>,
    #[schema(required = true)]
    pub revoke_reason: Option<String>,
}

impl From<&AcceptanceRow> for AcceptanceRecord {
    fn from(a: &AcceptanceRow) -> Self {
        let attestation: AcceptedAttestation =
            serde_json::from_str(&a.attestation).unwrap_or_default();
        AcceptanceRecord {
            id: a.id.clone(),
            license: a.license_id.clone(),
            version: a.version.clone(),
            digest: a.digest.clone(),
            accepted_at: rfc3339(a.accepted_at),
            user_id: a.user_id.clone(),
            email: a.email.clone(),
            legal_name: attestation.legal_name,
            domicile_country: attestation.domicile_country,
            on_behalf_of_organisation: attestation.on_behalf_of_organisation,
            organisation_name: attestation.organisation_name,
            organisation_country: attestation.organisation_country,
            client_ip: a.client_ip.clone(),
            geo_country: a.geo_country.clone(),
            user_agent: a.user_agent.clone(),
            revoked_at: a.revoked_at.map(rfc3339),
            revoked_by: a.revoked_by.clone(),
            revoke_reason: a.revoke_reason.clone(),
        }
    }
}

/// The acceptance report of one license (`format=json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptanceReport {
    /// The license id.
    pub license: String,
    /// How many acceptances matched.
    pub count: usize,
    pub acceptances: Vec<AcceptanceRecord>,
}

/// `GET /v1/admin/licenses/{id}/acceptances`: who accepted which version, filtered by
/// version, country (domicile or organisation), organisation name and time.
#[utoipa::path(
    get,
    path = "/v1/admin/licenses/{id}/acceptances",
    tag = "admin",
    params(("id" = String, Path, description = "The license id"), ReportQuery),
    responses((
        status = 200,
        description = "The report, as JSON, CSV (`format=csv`) or JSON Lines (`format=jsonl`, one `AcceptanceRecord` a line)",
        content(
            (AcceptanceReport = "application/json"),
            (String = "text/csv"),
            (String = "application/jsonl"),
        ),
    )),
)]
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
    let acceptances: Vec<AcceptanceRecord> =
        licensing::acceptances_of_license(&state.db, &id, &filter)
            .await?
            .iter()
            .map(AcceptanceRecord::from)
            .collect();
    let file = format!(
        "acceptances-{}",
        id.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
            .collect::<String>()
    );
    let format = q.format.as_deref().unwrap_or("json");
    if format == "json" {
        return Ok(HttpResponse::Ok().json(AcceptanceReport {
            license: id.into_inner(),
            count: acceptances.len(),
            acceptances,
        }));
    }
    // The exports take rows as JSON values, keyed by `REPORT_COLUMNS`.
    let rows = acceptances
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<Value>, _>>()
        .map_err(ApiError::internal)?;
    match format {
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

/// Why an acceptance is revoked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    /// 1-1000 characters; the user sees it.
    reason: String,
}

/// An acceptance just revoked.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedAcceptance {
    /// The acceptance's id.
    pub id: String,
    /// Always `true`.
    pub revoked: bool,
    /// The reason, trimmed.
    pub reason: String,
    /// The admin who revoked it.
    pub revoked_by: String,
}

/// `POST /v1/admin/acceptances/{id}/revoke`: terminates a user's license; the acceptance no
/// longer counts and the user sees the reason.
#[utoipa::path(
    post,
    path = "/v1/admin/acceptances/{id}/revoke",
    tag = "admin",
    params(("id" = String, Path, description = "The acceptance's id")),
    request_body = RevokeBody,
    responses((status = 200, description = "The acceptance is revoked", body = RevokedAcceptance)),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn revoke_acceptance(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<RevokeBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = terminate_acceptance(&state, &who, &id, &body.reason).await?;
    Ok(HttpResponse::Ok().json(RevokedAcceptance {
        id: id.into_inner(),
        revoked: true,
        reason,
        revoked_by: who.email,
    }))
}
