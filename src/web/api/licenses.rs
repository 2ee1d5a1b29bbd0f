//! License documents and acceptance: read the current version, accept it by digest.

use actix_web::web::{Data, Json, Path};
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Principal;
use crate::db::licensing::{self, LicenseVersionRow};
use crate::domain::{rfc3339, ClientInfo, Sha256Digest};
use crate::error::ApiError;
use crate::licensing::acceptance::{current_version, record_acceptance};
use crate::state::AppState;

fn summary(v: &LicenseVersionRow) -> Value {
    json!({
        "id": v.license_id,
        "version": v.version,
        "title": v.title,
        "digest": v.digest,
        "modalities": serde_json::from_str::<Value>(&v.modalities).unwrap_or(Value::Null),
        "published_at": rfc3339(v.published_at),
    })
}

/// `GET /v1/licenses`: the current version of every license.
#[tracing::instrument(skip_all)]
pub async fn list_licenses(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let versions = licensing::current_versions(&state.db).await?;
    Ok(HttpResponse::Ok()
        .json(json!({ "licenses": versions.iter().map(summary).collect::<Vec<_>>() })))
}

/// `GET /v1/licenses/{id}`: the current version with its license, AUP and NOTICE texts.
#[tracing::instrument(skip_all)]
pub async fn get_license(
    state: Data<AppState>,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let v = current_version(&state, &id).await?;
    let mut body = summary(&v);
    body["license_text"] = json!(v.license_text);
    body["aup_text"] = json!(v.aup_text);
    body["notice"] = json!(v.notice);
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// The digest of the documents the person read.
    digest: String,
}

/// `POST /v1/licenses/{id}/accept`: accepts the current version, named by its digest, with
/// a snapshot of the caller's current attestation.
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
