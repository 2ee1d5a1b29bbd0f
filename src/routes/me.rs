//! The signed-in account: profile, attestation (with history), API tokens and the status of
//! each license for this account.

use actix_web::web::{Data, Json, Path};
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::api_tokens::{self, Scope};
use crate::auth::{Principal, ANY_ROLE};
use crate::db::licensing::{self, AttestationRow};
use crate::db::{accounts, now_ms};
use crate::domain::{CountryCode, Role};
use crate::error::ApiError;
use crate::random::new_id;
use crate::routes::rfc3339;
use crate::state::AppState;

const MAX_TEXT_CHARS: usize = 200;

/// The JSON form of an attestation.
pub fn attestation_json(a: &AttestationRow) -> Value {
    json!({
        "id": a.id,
        "legal_name": a.legal_name,
        "domicile_country": a.domicile_country,
        "on_behalf_of_organisation": a.on_behalf_of_organisation != 0,
        "organisation_name": a.organisation_name,
        "organisation_country": a.organisation_country,
        "created_at": rfc3339(a.created_at),
    })
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestationBody {
    pub legal_name: String,
    pub domicile_country: String,
    pub on_behalf_of_organisation: bool,
    pub organisation_name: Option<String>,
    pub organisation_country: Option<String>,
}

fn bounded_text(field: &str, value: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty()
        || value.chars().count() > MAX_TEXT_CHARS
        || value.chars().any(char::is_control)
    {
        return Err(ApiError::BadRequest(format!(
            "`{field}` must be 1-{MAX_TEXT_CHARS} characters without control characters"
        )));
    }
    Ok(value.to_owned())
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

/// Checks and records `body` as the account's current attestation, with its audit event.
pub async fn record_attestation(
    state: &AppState,
    who: &Principal,
    body: AttestationBody,
) -> Result<AttestationRow, ApiError> {
    who.authorize(ANY_ROLE, Scope::Accept)?;
    crate::accounts::require_verified_email(state, who.email_verified_at)?;
    if who.role == Role::Partner {
        return Err(ApiError::Forbidden(
            "a partner's principal place of business is recorded by the gateway's admins \
             (PUT /v1/admin/partners/{id}); partners cannot declare it themselves"
                .into(),
        ));
    }
    let legal_name = bounded_text("legal_name", &body.legal_name)?;
    let domicile: CountryCode = body.domicile_country.parse()?;
    let (organisation_name, organisation_country) = if body.on_behalf_of_organisation {
        let name = body.organisation_name.as_deref().ok_or_else(|| {
            ApiError::BadRequest(
                "`organisation_name` is required when accepting on behalf of an organisation"
                    .into(),
            )
        })?;
        let country = body.organisation_country.as_deref().ok_or_else(|| {
            ApiError::BadRequest("`organisation_country` (principal place of business) is required when accepting on behalf of an organisation".into())
        })?;
        (
            Some(bounded_text("organisation_name", name)?),
            Some(country.parse::<CountryCode>()?.to_string()),
        )
    } else if body.organisation_name.is_some() || body.organisation_country.is_some() {
        return Err(ApiError::BadRequest(
            "organisation fields are only allowed with `on_behalf_of_organisation: true`".into(),
        ));
    } else {
        (None, None)
    };
    let row = AttestationRow {
        id: new_id(),
        user_id: who.user_id.clone(),
        legal_name,
        domicile_country: domicile.to_string(),
        on_behalf_of_organisation: i64::from(body.on_behalf_of_organisation),
        organisation_name,
        organisation_country,
        created_at: now_ms(),
    };
    let current = licensing::attestations_of(&state.db, &who.user_id)
        .await?
        .into_iter()
        .next();
    if let Some(current) = current.filter(|current| says_the_same(current, &row)) {
        // The same declaration again is not a new declaration: nothing is recorded, so
        // nothing decided on the current one (grants, reviews) starts over.
        return Ok(current);
    }
    let mut tx = state.db.begin_write().await?;
    licensing::insert_attestation(&mut tx, &row).await?;
    crate::db::audit::append(
        &mut tx,
        &crate::db::audit::NewEvent {
            kind: "attestation.changed",
            actor: Some(who.user_id.clone()),
            subject: Some(row.id.clone()),
            outcome: Some("recorded".into()),
            data: attestation_json(&row),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Whether two declarations state the same facts, word for word.
fn says_the_same(a: &AttestationRow, b: &AttestationRow) -> bool {
    a.legal_name == b.legal_name
        && a.domicile_country == b.domicile_country
        && a.on_behalf_of_organisation == b.on_behalf_of_organisation
        && a.organisation_name == b.organisation_name
        && a.organisation_country == b.organisation_country
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    pub name: String,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    pub expires_in_days: Option<u32>,
}

fn default_scopes() -> Vec<String> {
    vec!["read".into(), "download".into()]
}

/// A freshly minted API token; `secret` is shown once and stored only as a hash.
pub struct MintedToken {
    pub id: String,
    pub name: String,
    pub secret: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<i64>,
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

/// Checks `body` and records a new API token for the signed-in session's account.
pub async fn mint_token(
    state: &AppState,
    who: &Principal,
    body: NewTokenBody,
) -> Result<MintedToken, ApiError> {
    who.require_session()?;
    crate::accounts::require_verified_email(state, who.email_verified_at)?;
    let name = bounded_text("name", &body.name)?;
    let mut scopes = body
        .scopes
        .iter()
        .map(|s| s.parse::<Scope>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::BadRequest)?;
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ApiError::BadRequest(
            "a token needs at least one scope".into(),
        ));
    }
    if scopes.contains(&Scope::Admin) && !matches!(who.role, Role::Admin | Role::Compliance) {
        return Err(ApiError::Forbidden(
            "only admin and compliance accounts may hold the `admin` scope".into(),
        ));
    }
    let expires_at = body
        .expires_in_days
        .map(|days| now_ms() + i64::from(days.clamp(1, 3650)) * 86_400_000);
    let (secret, hash) = api_tokens::generate();
    let id = new_id();
    let scopes_json = serde_json::to_string(&scopes).map_err(ApiError::internal)?;
    let mut tx = state.db.begin_write().await?;
    accounts::insert_api_token(
        &mut tx,
        &id,
        &who.user_id,
        &name,
        &hash,
        &scopes_json,
        expires_at,
    )
    .await?;
    crate::db::audit::append(
        &mut tx,
        &crate::db::audit::NewEvent {
            kind: "token.created",
            actor: Some(who.user_id.clone()),
            subject: Some(id.clone()),
            outcome: Some("created".into()),
            data: json!({ "token": id, "name": name, "scopes": scopes, "expires_at": expires_at }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(MintedToken {
        id,
        name,
        secret,
        scopes,
        expires_at,
    })
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

/// Revokes the account's live token `id`, with its audit event.
pub async fn revoke_api_token(state: &AppState, who: &Principal, id: &str) -> Result<(), ApiError> {
    who.require_session()?;
    let mut tx = state.db.begin_write().await?;
    if accounts::revoke_api_token(&mut tx, &who.user_id, id).await? {
        crate::db::audit::append(
            &mut tx,
            &crate::db::audit::NewEvent {
                kind: "token.revoked",
                actor: Some(who.user_id.clone()),
                subject: Some(id.to_string()),
                outcome: Some("revoked".into()),
                data: json!({ "token": id }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "no live token `{}` on this account",
            id.chars().take(64).collect::<String>()
        )))
    }
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
