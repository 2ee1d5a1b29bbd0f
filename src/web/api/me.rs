//! The signed-in account: profile, attestation (with history), API tokens and the status of
//! each license for this account.

use actix_web::web::{Data, Json, Path};
use actix_web::HttpResponse;
use serde_json::{json, Value};

use crate::accounts::attestations::{attestation_json, record_attestation, AttestationBody};
use crate::accounts::tokens::{mint_token, revoke_api_token, MintedToken, NewTokenBody};
use crate::auth::api_tokens::Scope;
use crate::auth::{Principal, ANY_ROLE};
use crate::db::{accounts, licensing};
use crate::domain::rfc3339;
use crate::error::ApiError;
use crate::state::AppState;

/// `GET /v1/me`.
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn get_me(state: Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    who.authorize(ANY_ROLE, Scope::Read)?;
    let current = licensing::attestations_of(&state.db, &who.user_id)
        .await?
        .into_iter()
        .next();
    Ok(HttpResponse::Ok().json(json!({
        "id": who.user_id,
        "email": who.email,
        "role": who.role,
        "attestation": current.as_ref().map(attestation_json),
    })))
}

/// `PUT /v1/me/attestation`: a new attestation; earlier ones stay as history.
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn put_attestation(
    state: Data<AppState>,
    who: Principal,
    body: Json<AttestationBody>,
) -> Result<HttpResponse, ApiError> {
    let row = record_attestation(&state, &who, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(attestation_json(&row)))
}

/// `GET /v1/me/attestation`: the current attestation and every earlier one.
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn get_attestation(
    state: Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    who.authorize(ANY_ROLE, Scope::Read)?;
    let history = licensing::attestations_of(&state.db, &who.user_id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "current": history.first().map(attestation_json),
        "history": history.iter().map(attestation_json).collect::<Vec<_>>(),
    })))
}

/// `POST /v1/me/tokens`: a new API token, shown once. Only a signed-in session may mint one.
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn create_token(
    state: Data<AppState>,
    who: Principal,
    body: Json<NewTokenBody>,
) -> Result<HttpResponse, ApiError> {
    let MintedToken {
        id,
        name,
        secret,
        scopes,
        expires_at,
    } = mint_token(&state, &who, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(json!({
        "id": id, "name": name, "token": secret, "scopes": scopes,
        "expires_at": expires_at.map(rfc3339),
        "note": "store this token now; it is not shown again",
    })))
}

/// `GET /v1/me/tokens`: the account's tokens, without secrets.
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn list_tokens(state: Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    who.authorize(ANY_ROLE, Scope::Read)?;
    let rows = accounts::api_tokens_of(&state.db, &who.user_id).await?;
    let tokens: Vec<Value> = rows
        .iter()
        .map(|t| {
            json!({ "id": t.id, "name": t.name,
                    "scopes": serde_json::from_str::<Value>(&t.scopes).unwrap_or(Value::Null),
                    "created_at": rfc3339(t.created_at), "expires_at": t.expires_at.map(rfc3339),
                    "last_used_at": t.last_used_at.map(rfc3339), "revoked_at": t.revoked_at.map(rfc3339) })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "tokens": tokens })))
}

/// `DELETE /v1/me/tokens/{id}`; like creating one, only from a signed-in session.
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn revoke_token(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    revoke_api_token(&state, &who, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v1/me/licenses`: per license, the current version and whether this account's
/// acceptance covers it for the licensee the current declaration names (`accepted`), covers
/// it for another licensee only (`accepted-for-another-licensee`: acting for a company the
/// individual's acceptance does not count, nor the other way round), covers an older
/// version (`needs-reacceptance`), was revoked, or is missing (`not-accepted`).
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn my_licenses(state: Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    who.authorize(ANY_ROLE, Scope::Read)?;
    let current = licensing::current_versions(&state.db).await?;
    let accepted = licensing::latest_acceptances_of(&state.db, &who.user_id).await?;
    let attestations = licensing::attestations_of(&state.db, &who.user_id).await?;
    let mut licenses = Vec::with_capacity(current.len());
    for license in &current {
        let mine = accepted.iter().find(|a| a.license_id == license.license_id);
        let for_licensee =
            crate::policy::facts::acceptance_for_licensee(&state.db, &attestations, license)
                .await?;
        let status = match (mine, &for_licensee) {
            (None, _) => "not-accepted",
            (Some(a), _) if a.revoked_at.is_some() => "revoked",
            (Some(_), Some(_)) => "accepted",
            (Some(a), None) if a.digest == license.digest => "accepted-for-another-licensee",
            (Some(_), None) => "needs-reacceptance",
        };
        licenses.push(json!({
            "license": license.license_id,
            "current_version": license.version,
            "current_digest": license.digest,
            "status": status,
            "accepted_version": mine.map(|a| a.version.clone()),
            "accepted_digest": mine.map(|a| a.digest.clone()),
            "accepted_at": mine.map(|a| rfc3339(a.accepted_at)),
            "revoke_reason": mine.and_then(|a| a.revoke_reason.clone()),
        }));
    }
    Ok(HttpResponse::Ok().json(json!({ "licenses": licenses })))
}
