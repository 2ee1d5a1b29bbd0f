//! Accounts: registration, sign-in (session token), sign-out, and the session JWKS.

use actix_web::http::header;
use actix_web::web::{Data, Json};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::{sign_in, SignedIn};
use crate::auth::jwt::Jwks;
use crate::auth::principal::Credential;
use crate::auth::Principal;
use crate::db::accounts;
use crate::domain::rfc3339;
use crate::domain::{ClientInfo, Email, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// An email address and a password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    email: String,
    password: String,
}

/// The answer to a sign-up, the same whether or not the address already had an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registration {
    /// The address, normalised.
    pub email: String,
    /// What the person does now: `confirm-email` or `sign-in`.
    #[schema(example = "confirm-email")]
    pub next: &'static str,
    /// The same, as a sentence in the asker's language.
    pub message: String,
}

/// `POST /v1/auth/register`: a new `user` account. 202 whether or not the address already
/// had one (see `accounts::sign_up`); `next` says what the person does now.
#[utoipa::path(
    post,
    path = "/v1/auth/register",
    tag = "accounts",
    security(()),
    request_body = Credentials,
    responses((status = 202, description = "Signed up, or told the owner by mail", body = Registration)),
)]
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
    let lang = crate::web::language::current();
    crate::accounts::sign_up(&state, &email, password, client_ip, &base, lang).await?;
    let next = crate::accounts::signup::next_step(&state);
    Ok(HttpResponse::Accepted().json(Registration {
        email: email.as_str().to_owned(),
        next,
        message: lang.text(&format!("signup-next-{next}")),
    }))
}

/// The token from a mailed verification link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    token: String,
}

/// The answer to a followed verification link.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailVerified {
    /// Always `true`.
    pub verified: bool,
}

/// `POST /v1/auth/verify-email` with `{"token": "…"}` from the mailed link.
#[utoipa::path(
    post,
    path = "/v1/auth/verify-email",
    tag = "accounts",
    security(()),
    request_body = VerifyBody,
    responses((status = 200, description = "The address is verified", body = EmailVerified)),
)]
#[tracing::instrument(skip_all)]
pub async fn verify_email(
    state: Data<AppState>,
    body: Json<VerifyBody>,
) -> Result<HttpResponse, ApiError> {
    crate::accounts::verify_email(&state, &body.token).await?;
    Ok(HttpResponse::Ok().json(EmailVerified { verified: true }))
}

/// The address to mail a new verification link to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResendBody {
    email: String,
}

/// The answer to a request for a new verification link, the same in every case.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationResent {
    /// In the asker's language.
    pub message: String,
}

/// `POST /v1/auth/resend-verification` with `{"email": "…"}`: 202 in every case.
#[utoipa::path(
    post,
    path = "/v1/auth/resend-verification",
    tag = "accounts",
    security(()),
    request_body = ResendBody,
    responses((status = 202, description = "A new link was mailed if the address needs one", body = VerificationResent)),
)]
#[tracing::instrument(skip_all)]
pub async fn resend_verification(
    req: HttpRequest,
    state: Data<AppState>,
    body: Json<ResendBody>,
) -> Result<HttpResponse, ApiError> {
    let client_ip = crate::web::extract::client_ip(&req);
    let base = crate::accounts::signup::link_base(&state, req.app_config().local_addr());
    let lang = crate::web::language::current();
    crate::accounts::resend_verification(&state, &body.email, client_ip, &base, lang).await?;
    Ok(HttpResponse::Accepted().json(VerificationResent {
        message: lang.text("signup-verification-resent"),
    }))
}

/// A new session: its token and the account it is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionToken {
    /// The session JWT, for `Authorization: Bearer …`.
    pub token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
    /// When the token expires (RFC 3339).
    pub expires_at: String,
    pub user: SessionUser,
}

/// The account a session is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUser {
    pub id: String,
    pub email: String,
    #[schema(value_type = Role)]
    pub role: String,
}

/// `POST /v1/auth/login`: a session token (see `sign_in`).
#[utoipa::path(
    post,
    path = "/v1/auth/login",
    tag = "accounts",
    security(()),
    request_body = Credentials,
    responses((status = 200, description = "Signed in", body = SessionToken)),
)]
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
    Ok(HttpResponse::Ok().json(SessionToken {
        token,
        token_type: "Bearer",
        expires_in: state.session_keys.ttl_secs(),
        expires_at: rfc3339(expires_ms),
        user: SessionUser {
            id: user.id,
            email: user.email,
            role: user.role,
        },
    }))
}

/// `POST /v1/auth/logout`: revokes the session the token belongs to.
#[utoipa::path(
    post,
    path = "/v1/auth/logout",
    tag = "accounts",
    responses((status = 204, description = "The session is revoked")),
)]
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

/// `GET /v1/auth/jwks` (also `GET /.well-known/jwks.json`): the public keys session tokens
/// are signed with.
#[utoipa::path(
    get,
    path = "/v1/auth/jwks",
    tag = "accounts",
    security(()),
    responses((status = 200, description = "The session keys (JWK Set); also at `/.well-known/jwks.json`", body = Jwks)),
)]
pub async fn jwks(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.session_keys.jwks())
}
