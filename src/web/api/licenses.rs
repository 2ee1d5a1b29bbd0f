//! License documents and acceptance: read the current version, accept it by digest.

use actix_web::web::{Data, Json, Path};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::db::licensing::{self, LicenseVersionRow};
use crate::domain::{rfc3339, ClientInfo, Modality, Sha256Digest};
use crate::error::ApiError;
use crate::licensing::acceptance::{current_version, record_acceptance, Acceptance};
use crate::state::AppState;

/// A license version, without its documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct LicenseSummary {
    /// The license id.
    #[schema(example = "llama-3.2")]
    pub id: String,
    pub version: String,
    pub title: String,
    /// The hex SHA-256 of the version's documents; accepting names it.
    pub digest: String,
    /// The modalities of the models it covers (`null` if unreadable).
    #[schema(value_type = Option<Vec<Modality>>, required = true)]
    pub modalities: Option<Vec<String>>,
    /// When the version was published (RFC 3339).
    pub published_at: String,
}

impl From<&LicenseVersionRow> for LicenseSummary {
    fn from(v: &LicenseVersionRow) -> Self {
        LicenseSummary {
            id: v.license_id.clone(),
            version: v.version.clone(),
            title: v.title.clone(),
            digest: v.digest.clone(),
            modalities: serde_json::from_str(&v.modalities).ok(),
            published_at: rfc3339(v.published_at),
        }
    }
}

/// The current version of every license.
#[derive(Debug, Serialize, ToSchema)]
pub struct LicenseList {
    pub licenses: Vec<LicenseSummary>,
}

/// `GET /v1/licenses`: the current version of every license.
#[utoipa::path(
    get,
    path = "/v1/licenses",
    tag = "licenses",
    security(()),
    responses((status = 200, description = "The current version of every license", body = LicenseList)),
)]
#[tracing::instrument(skip_all)]
pub async fn list_licenses(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let versions = licensing::current_versions(&state.db).await?;
    Ok(HttpResponse::Ok().json(LicenseList {
        licenses: versions.iter().map(LicenseSummary::from).collect(),
    }))
}

/// A license version with its documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct LicenseVersion {
    #[serde(flatten)]
    pub summary: LicenseSummary,
    /// The license text (Markdown).
    pub license_text: String,
    /// The Acceptable Use Policy (Markdown).
    pub aup_text: String,
    /// The NOTICE file.
    pub notice: String,
}

/// `GET /v1/licenses/{id}`: the current version with its license, AUP and NOTICE texts.
#[utoipa::path(
    get,
    path = "/v1/licenses/{id}",
    tag = "licenses",
    security(()),
    params(("id" = String, Path, description = "The license id")),
    responses((status = 200, description = "The current version with its documents", body = LicenseVersion)),
)]
#[tracing::instrument(skip_all)]
pub async fn get_license(
    state: Data<AppState>,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let v = current_version(&state, &id).await?;
    Ok(HttpResponse::Ok().json(LicenseVersion {
        summary: LicenseSummary::from(&v),
        license_text: v.license_text,
        aup_text: v.aup_text,
        notice: v.notice,
    }))
}

/// The version being accepted, named by its digest.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// The digest of the documents the person read.
    digest: String,
}

/// `POST /v1/licenses/{id}/accept`: accepts the current version, named by its digest, with
/// a snapshot of the caller's current attestation.
#[utoipa::path(
    post,
    path = "/v1/licenses/{id}/accept",
    tag = "licenses",
    params(("id" = String, Path, description = "The license id")),
    request_body = AcceptBody,
    responses((status = 201, description = "The acceptance is recorded", body = Acceptance)),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn accept_license(
    client: ClientInfo,
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<AcceptBody>,
) -> Result<HttpResponse, ApiError> {
    let seen: Sha256Digest = body.digest.parse()?;
    let accepted = record_acceptance(&state, &client, &who, &id, &seen).await?;
    Ok(HttpResponse::Created().json(accepted))
}
