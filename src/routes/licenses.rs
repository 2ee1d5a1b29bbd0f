//! License documents and acceptance: read the current version, accept it by digest.

use actix_web::http::header;
use actix_web::web::{Data, Json, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{Principal, Scope, ANY_ROLE};
use crate::db::licensing::{self, LicenseVersionRow, NewAcceptance};
use crate::domain::Sha256Digest;
use crate::error::ApiError;
use crate::random::new_id;
use crate::routes::me::attestation_json;
use crate::routes::rfc3339;
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

async fn current(state: &AppState, id: &str) -> Result<LicenseVersionRow, ApiError> {
    licensing::current_version(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::LicenseNotFound(id.chars().take(64).collect()))
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
    let v = current(&state, &id).await?;
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
    req: HttpRequest,
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<AcceptBody>,
) -> Result<HttpResponse, ApiError> {
    let seen: Sha256Digest = body.digest.parse()?;
    let accepted = record_acceptance(&state, &req, &who, &id, &seen).await?;
    Ok(HttpResponse::Created().json(accepted))
}

/// Records `who`'s acceptance of the current version of license `id`, which must be the
/// version with digest `seen` (what the person read), with a snapshot of their current
/// attestation and its audit event. The API and the portal both accept through here.
pub async fn record_acceptance(
    state: &AppState,
    req: &HttpRequest,
    who: &Principal,
    id: &str,
    seen: &Sha256Digest,
) -> Result<Value, ApiError> {
    who.authorize(ANY_ROLE, Scope::Accept)?;
    crate::accounts::require_verified_email(state, who.email_verified_at)?;
    let license = current(state, id).await?;
    if seen.hex() != license.digest {
        return Err(ApiError::StaleLicenseVersion {
            current_version: license.version,
            current_digest: license.digest,
        });
    }
    if let Some(reason) =
        licensing::termination_of(&state.db, &who.user_id, &license.license_id).await?
    {
        return Err(ApiError::LicenseTerminated(reason));
    }
    let attestation = licensing::attestations_of(&state.db, &who.user_id)
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::AttestationRequired)?;
    let snapshot = attestation_json(&attestation);
    let acceptance_id = new_id();
    let client_ip = state.proxies.client_ip_of(req);
    let geo_country = client_ip.and_then(|ip| state.geoip.lookup(ip).country);
    let client_ip = client_ip.map(|ip| ip.to_string());
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(512).collect::<String>());
    let mut tx = state.db.begin_write().await?;
    let accepted_at = licensing::insert_acceptance(
        &mut tx,
        &NewAcceptance {
            id: &acceptance_id,
            user_id: &who.user_id,
            license_id: &license.license_id,
            version: &license.version,
            digest: &license.digest,
            attestation_id: &attestation.id,
            attestation_json: &snapshot.to_string(),
            client_ip: client_ip.as_deref(),
            geo_country: geo_country.as_deref(),
            user_agent: user_agent.as_deref(),
        },
    )
    .await?;
    crate::db::audit::append(
        &mut tx,
        &crate::db::audit::NewEvent {
            kind: "license.accepted",
            actor: Some(who.user_id.clone()),
            subject: Some(acceptance_id.clone()),
            outcome: Some("accepted".into()),
            data: json!({
                "acceptance": acceptance_id, "license": license.license_id, "version": license.version,
                "digest": license.digest, "attestation": snapshot, "geo_country": geo_country,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(json!({
        "id": acceptance_id,
        "license": license.license_id,
        "version": license.version,
        "digest": license.digest,
        "accepted_at": rfc3339(accepted_at),
        "attestation": snapshot,
    }))
}
