//! Accounts: registration, sign-in (session token), sign-out, and the session JWKS.

use actix_web::http::header;
use actix_web::web::{Data, Json};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::{sign_in, SignedIn};
use crate::auth::principal::Credential;
use crate::auth::Principal;
use crate::db::accounts;
use crate::domain::rfc3339;
use crate::domain::{ClientInfo, Email};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    email: String,
    password: String,
}

/// `POST /v1/auth/register`: a new `user` account. 202 whether or not the address already
/// had one (see `accounts::sign_up`); `next` says what the person does now.
#[tracing::instrument(skip_all)]
pub async fn register(
    req: HttpRequest,
    state: Data<AppState>,
    body: Json<Credentials>,
) -> Result<HttpResponse, ApiError> {
    let Credentials { email, password } = body.into_inner();
    let email: Email = email.parse()?;
    let client_ip = crate::web::extract::client_ip(&req);
    let base = crate::accounts::signup::link_base(&state, req.app_config().local_addr());
    crate::accounts::sign_up(&state, &email, password, client_ip, &base).await?;
    let (next, message) = crate::accounts::signup::next_step(&state);
    Ok(HttpResponse::Accepted().json(json!({ "email": email, "next": next, "message": message })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    token: String,
}

/// `POST /v1/auth/verify-email` with `{"token": "…"}` from the mailed link.
#[tracing::instrument(skip_all)]
pub async fn verify_email(
    state: Data<AppState>,
    body: Json<VerifyBody>,
) -> Result<HttpResponse, ApiError> {
    crate::accounts::verify_email(&state, &body.token).await?;
    Ok(HttpResponse::Ok().json(json!({ "verified": true })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResendBody {
    email: String,
}

/// `POST /v1/auth/resend-verification` with `{"email": "…"}`: 202 in every case.
#[tracing::instrument(skip_all)]
pub async fn resend_verification(
    req: HttpRequest,
    state: Data<AppState>,
    body: Json<ResendBody>,
) -> Result<HttpResponse, ApiError> {
    let client_ip = crate::web::extract::client_ip(&req);
    let base = crate::accounts::signup::link_base(&state, req.app_config().local_addr());
    crate::accounts::resend_verification(&state, &body.email, client_ip, &base).await?;
    Ok(HttpResponse::Accepted().json(json!({
        "message": "if the address has an account whose address is not yet confirmed, a new link was mailed to it",
    })))
}

/// `POST /v1/auth/login`: a session token (see `sign_in`).
#[tracing::instrument(skip_all)]
pub async fn login(
    client: ClientInfo,
    state: Data<AppState>,
    body: Json<Credentials>,
) -> Result<HttpResponse, ApiError> {
    let Credentials { email, password } = body.into_inner();
    let SignedIn {
        token,
        expires_ms,
        user,
    } = sign_in(&state, &client, &email, password).await?;
    Ok(HttpResponse::Ok().json(json!({
        "token": token,
        "token_type": "Bearer",
        "expires_in": state.session_keys.ttl_secs(),
        "expires_at": rfc3339(expires_ms),
        "user": { "id": user.id, "email": user.email, "role": user.role },
    })))
}

/// `POST /v1/auth/logout`: revokes the session the token belongs to.
#[tracing::instrument(skip_all)]
pub async fn logout(state: Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    match &who.credential {
        Credential::Session { session_id } => {
            accounts::revoke_session(&state.db, session_id).await?;
            Ok(HttpResponse::NoContent().finish())
        }
        Credential::ApiToken { .. } => Err(ApiError::BadRequest(
            "API tokens are not sessions; revoke one with DELETE /v1/me/tokens/{id}".into(),
        )),
    }
}

/// `GET /v1/auth/jwks`: the public keys session tokens are signed with.
pub async fn jwks(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.session_keys.jwks())
}
