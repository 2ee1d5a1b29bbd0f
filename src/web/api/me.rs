//! The signed-in account: profile, attestation (with history), API tokens and the status of
//! each license for this account.

use actix_web::web::{Data, Json, Path};
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::attestations::{record_attestation, Attestation, AttestationBody};
use crate::accounts::tokens::{mint_token, revoke_api_token, MintedToken, NewTokenBody};
use crate::auth::api_tokens::Scope;
use crate::auth::{Principal, ANY_ROLE};
use crate::db::{accounts, licensing};
use crate::domain::{rfc3339, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// The signed-in account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub role: Role,
    /// The current declaration (`null` before the first).
    #[schema(required = true)]
    pub attestation: Option<Attestation>,
}

/// `GET /v1/me`.
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "accounts",
    responses((status = 200, description = "The signed-in account", body = Account)),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn get_me(state: Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    who.authorize(ANY_ROLE, Scope::Read)?;
    let current = licensing::attestations_of(&state.db, &who.user_id)
        .await?
        .into_iter()
        .next();
    Ok(HttpResponse::Ok().json(Account {
        id: who.user_id,
        email: who.email,
        role: who.role,
        attestation: current.as_ref().map(Attestation::from),
    }))
}

/// `PUT /v1/me/attestation`: a new attestation; earlier ones stay as history.
#[utoipa::path(
    put,
    path = "/v1/me/attestation",
    tag = "accounts",
    request_body = AttestationBody,
    responses((status = 200, description = "The current declaration (unchanged when it says the same)", body = Attestation)),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn put_attestation(
    state: Data<AppState>,
    who: Principal,
    body: Json<AttestationBody>,
) -> Result<HttpResponse, ApiError> {
    let row = record_attestation(&state, &who, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Attestation::from(&row)))
}

/// The account's current declaration and every earlier one.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttestationHistory {
    /// The declaration in force (`null` before the first).
    #[schema(required = true)]
    pub current: Option<Attestation>,
    /// Every declaration, newest first.
    pub history: Vec<Attestation>,
}

/// `GET /v1/me/attestation`: the current attestation and every earlier one.
#[utoipa::path(
    get,
    path = "/v1/me/attestation",
    tag = "accounts",
    responses((status = 200, description = "The current declaration and its history", body = AttestationHistory)),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn get_attestation(
    state: Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    who.authorize(ANY_ROLE, Scope::Read)?;
    let history = licensing::attestations_of(&state.db, &who.user_id).await?;
    Ok(HttpResponse::Ok().json(AttestationHistory {
        current: history.first().map(Attestation::from),
        history: history.iter().map(Attestation::from).collect(),
    }))
}

/// A new API token, with its secret (shown this once).
#[derive(Debug, Serialize, ToSchema)]
pub struct NewApiToken {
    pub id: String,
    pub name: String,
    /// The secret (`mg_…`), for `Authorization: Bearer …`.
    pub token: String,
    pub scopes: Vec<Scope>,
    /// When it expires (RFC 3339; `null`: never).
    #[schema(required = true)]
    pub expires_at: Option<String>,
    /// A reminder that the secret is not shown again.
    pub note: &'static str,
}

/// `POST /v1/me/tokens`: a new API token, shown once. Only a signed-in session may mint one.
#[utoipa::path(
    post,
    path = "/v1/me/tokens",
    tag = "accounts",
    request_body = NewTokenBody,
    responses((status = 201, description = "The new token, shown once", body = NewApiToken)),
)]
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
    Ok(HttpResponse::Created().json(NewApiToken {
        id,
        name,
        token: secret,
        scopes,
        expires_at: expires_at.map(rfc3339),
        note: "store this token now; it is not shown again",
    }))
}

/// An API token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    /// What the token may be used for (`null` if unreadable).
    #[schema(value_type = Option<Vec<Scope>>, required = true)]
    pub scopes: Option<Vec<String>>,
    /// When it was minted (RFC 3339).
    pub created_at: String,
    /// When it expires (`null`: never).
    #[schema(required = true)]
    pub expires_at: Option<String>,
    /// When it was last used (`null`: never).
    #[schema(required = true)]
    pub last_used_at: Option<String>,
    /// When it was revoked (`null`: live).
    #[schema(required = true)]
    pub revoked_at: Option<String>,
}

/// The account's API tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<ApiToken>,
}

/// `GET /v1/me/tokens`: the account's tokens, without secrets.
#[utoipa::path(
    get,
    path = "/v1/me/tokens",
    tag = "accounts",
    responses((status = 200, description = "The account's tokens, without secrets", body = TokenList)),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn list_tokens(state: Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    who.authorize(ANY_ROLE, Scope::Read)?;
    let rows = accounts::api_tokens_of(&state.db, &who.user_id).await?;
    let tokens = rows
        .iter()
        .map(|t| ApiToken {
            id: t.id.clone(),
            name: t.name.clone(),
            scopes: serde_json::from_str(&t.scopes).ok(),
            created_at: rfc3339(t.created_at),
            expires_at: t.expires_at.map(rfc3339),
            last_used_at: t.last_used_at.map(rfc3339),
            revoked_at: t.revoked_at.map(rfc3339),
        })
        .collect();
    Ok(HttpResponse::Ok().json(TokenList { tokens }))
}

/// `DELETE /v1/me/tokens/{id}`; like creating one, only from a signed-in session.
#[utoipa::path(
    delete,
    path = "/v1/me/tokens/{id}",
    tag = "accounts",
    params(("id" = String, Path, description = "The token's id")),
    responses((status = 204, description = "The token is revoked")),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn revoke_token(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    revoke_api_token(&state, &who, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Where this account stands with one license.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LicenseAcceptanceStatus {
    /// No acceptance.
    NotAccepted,
    /// The acceptance was revoked (the license terminated).
    Revoked,
    /// The acceptance covers the current version for the licensee now declared.
    Accepted,
    /// It covers the current version for another licensee only.
    AcceptedForAnotherLicensee,
    /// It covers an older version.
    NeedsReacceptance,
}

/// One license and this account's acceptance of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountLicense {
    /// The license id.
    pub license: String,
    pub current_version: String,
    /// The hex SHA-256 of the current version's documents.
    pub current_digest: String,
    pub status: LicenseAcceptanceStatus,
    /// The version last accepted (`null`: none).
    #[schema(required = true)]
    pub accepted_version: Option<String>,
    #[schema(required = true)]
    pub accepted_digest: Option<String>,
    /// When it was accepted (RFC 3339).
    #[schema(required = true)]
    pub accepted_at: Option<String>,
    /// Why the acceptance was revoked, if it was.
    #[schema(required = true)]
    pub revoke_reason: Option<String>,
}

/// Every license and this account's acceptance of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountLicenses {
    pub licenses: Vec<AccountLicense>,
}

/// `GET /v1/me/licenses`: per license, the current version and whether this account's
/// acceptance covers it for the licensee the current declaration names (`accepted`), covers
/// it for another licensee only (`accepted-for-another-licensee`: acting for a company the
/// individual's acceptance does not count, nor the other way round), covers an older
/// version (`needs-reacceptance`), was revoked, or is missing (`not-accepted`).
#[utoipa::path(
    get,
    path = "/v1/me/licenses",
    tag = "licenses",
    responses((status = 200, description = "Every license and this account's acceptance of it", body = AccountLicenses)),
)]
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
            (None, _) => LicenseAcceptanceStatus::NotAccepted,
            (Some(a), _) if a.revoked_at.is_some() => LicenseAcceptanceStatus::Revoked,
            (Some(_), Some(_)) => LicenseAcceptanceStatus::Accepted,
            (Some(a), None) if a.digest == license.digest => {
                LicenseAcceptanceStatus::AcceptedForAnotherLicensee
            }
            (Some(_), None) => LicenseAcceptanceStatus::NeedsReacceptance,
        };
        licenses.push(AccountLicense {
            license: license.license_id.clone(),
            current_version: license.version.clone(),
            current_digest: license.digest.clone(),
            status,
            accepted_version: mine.map(|a| a.version.clone()),
            accepted_digest: mine.map(|a| a.digest.clone()),
            accepted_at: mine.map(|a| rfc3339(a.accepted_at)),
            revoke_reason: mine.and_then(|a| a.revoke_reason.clone()),
        });
    }
    Ok(HttpResponse::Ok().json(AccountLicenses { licenses }))
}
