//! Accounts: registration, sign-in (session token), sign-out, and the session JWKS.

use actix_web::http::header;
use actix_web::web::{Data, Json};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::password;
use crate::auth::principal::Credential;
use crate::auth::Principal;
use crate::db::accounts;
use crate::domain::{Email, Role};
use crate::error::ApiError;
use crate::random::new_id;
use crate::routes::rfc3339;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    email: String,
    password: String,
}

/// Creates an account with `role` and a verified address; used by `admin create` and the
/// demo (sign-ups go through `accounts::sign_up`).
pub async fn create_account(
    state: &AppState,
    email: &Email,
    password: String,
    role: Role,
) -> Result<String, ApiError> {
    let hash = password::hash_password(password).await?;
    let id = new_id();
    let mut tx = state.db.begin_write().await?;
    // Created by an operator (or the demo), who vouches for the address.
    let verified_at = Some(crate::db::now_ms());
    if !accounts::insert_user(
        &mut tx,
        &id,
        email.as_str(),
        &hash,
        role.as_str(),
        verified_at,
    )
    .await?
    {
        return Err(ApiError::EmailTaken);
    }
    crate::db::audit::append(
        &mut tx,
        &crate::db::audit::NewEvent {
            kind: "account.created",
            actor: Some(id.clone()),
            subject: Some(id.clone()),
            outcome: Some("created".into()),
            data: json!({ "user_id": id, "email": email.as_str(), "role": role.as_str() }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user.id = %id, user.role = %role, "account created");
    Ok(id)
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
    let client_ip = state.proxies.client_ip_of(&req);
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
    let client_ip = state.proxies.client_ip_of(&req);
    let base = crate::accounts::signup::link_base(&state, req.app_config().local_addr());
    crate::accounts::resend_verification(&state, &body.email, client_ip, &base).await?;
    Ok(HttpResponse::Accepted().json(json!({
        "message": "if the address has an account whose address is not yet confirmed, a new link was mailed to it",
    })))
}

/// A new session: the signed token and the account it is for.
pub struct SignedIn {
    pub token: String,
    pub expires_ms: i64,
    pub user: accounts::UserRow,
}

/// Checks `email` and `password` and opens a session. Throttled per account and per IP;
/// the answer takes as long whether or not the account exists. The API and the portal
/// both sign in through here.
pub async fn sign_in(
    state: &AppState,
    req: &HttpRequest,
    email: &str,
    password: String,
) -> Result<SignedIn, ApiError> {
    let email = email.trim().to_lowercase();
    if email.len() > 254 {
        // No such account can exist; and a throttle key stays small.
        return Err(ApiError::InvalidCredentials);
    }
    let ip = state.proxies.client_ip_of(req);
    if let Err(wait) = state.throttle.begin_attempt(&email, ip) {
        return Err(ApiError::TooManyAttempts {
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let user = accounts::user_by_email(&state.db, &email).await?;
    let matches =
        password::verify_password(password, user.as_ref().map(|u| u.password_hash.clone())).await;
    let user = match user {
        Some(user) if matches && user.disabled_at.is_none() => user,
        _ => return Err(ApiError::InvalidCredentials),
    };
    state.throttle.succeeded(&email, ip);
    open_session(state, req, user).await
}

/// Opens a session for `user`, whose credentials were just checked (or who was just
/// created with them): the signed token and its record.
pub async fn open_session(
    state: &AppState,
    req: &HttpRequest,
    user: accounts::UserRow,
) -> Result<SignedIn, ApiError> {
    let ip = state.proxies.client_ip_of(req);
    let session_id = new_id();
    let (token, expires) = state
        .session_keys
        .issue(&user.id, &session_id)
        .map_err(ApiError::internal)?;
    let expires_ms = i64::try_from(expires).unwrap_or(i64::MAX / 1000) * 1000;
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    accounts::insert_session(
        &state.db,
        &session_id,
        &user.id,
        expires_ms,
        ip.map(|i| i.to_string()).as_deref(),
        user_agent,
    )
    .await?;
    Ok(SignedIn {
        token,
        expires_ms,
        user,
    })
}

/// `POST /v1/auth/login`: a session token (see `sign_in`).
#[tracing::instrument(skip_all)]
pub async fn login(
    req: HttpRequest,
    state: Data<AppState>,
    body: Json<Credentials>,
) -> Result<HttpResponse, ApiError> {
    let Credentials { email, password } = body.into_inner();
    let SignedIn {
        token,
        expires_ms,
        user,
    } = sign_in(&state, &req, &email, password).await?;
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
