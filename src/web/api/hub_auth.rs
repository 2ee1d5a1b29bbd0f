//! Who the Hub token is and what it may do, the Hub's way: `GET /api/whoami-v2` (the
//! account behind a modelgate API token) and `GET /api/models/{id}/auth-check`, the
//! preflight `huggingface_hub` uses to tell a gated repository it cannot open from one that
//! does not exist. The check asks the policy in force without recording a decision (as the
//! portal's model page does); downloading still decides, records and grants per file.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::hub::{answer, find_revision, HubError, HubResult};
use crate::access::{decide, gather, AccessError};
use crate::auth::principal::Credential;
use crate::auth::{Principal, Scope, ANY_ROLE};
use crate::error::ApiError;
use crate::policy::{Action, Outcome};
use crate::state::AppState;
use crate::web::extract::client_ip;
use crate::web::urls::model_page;

/// The answer of `whoami-v2`: the fields `huggingface_hub` reads.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubWhoami {
    /// Always `user`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The account id.
    pub id: String,
    /// The account's address (the gateway has no user names).
    pub name: String,
    pub email: String,
    #[serde(rename = "emailVerified")]
    pub email_verified: bool,
    /// Always empty: the gateway has no Hub organisations.
    pub orgs: Vec<String>,
    pub auth: HubWhoamiAuth,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HubWhoamiAuth {
    /// `access_token` for an API token, `session` for a signed-in session.
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "accessToken", skip_serializing_if = "Option::is_none")]
    pub access_token: Option<HubAccessToken>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HubAccessToken {
    /// `read`: a Hub token here reads and downloads; it never writes.
    pub role: &'static str,
}

/// `GET /api/whoami-v2`: the account the token belongs to.
#[utoipa::path(
    get,
    path = "/api/whoami-v2",
    tag = "hub",
    responses((status = 200, description = "The token's account", body = HubWhoami)),
)]
pub async fn whoami(who: Result<Principal, ApiError>) -> HttpResponse {
    answer(whoami_of(who))
}

fn whoami_of(who: Result<Principal, ApiError>) -> HubResult {
    let who = who?;
    let (kind, access_token) = match who.credential {
        Credential::ApiToken { .. } => ("access_token", Some(HubAccessToken { role: "read" })),
        Credential::Session { .. } => ("session", None),
    };
    Ok(HttpResponse::Ok().json(HubWhoami {
        kind: "user",
        id: who.user_id,
        name: who.email.clone(),
        email: who.email,
        email_verified: who.email_verified_at.is_some(),
        orgs: Vec::new(),
        auth: HubWhoamiAuth { kind, access_token },
    }))
}

/// The answer of an `auth-check` that passed.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubAuthCheck {
    /// The model, `org/name`.
    pub model: String,
    /// Always `allow`: anything else is the Hub's gated-repository error.
    pub outcome: &'static str,
}

/// `GET /api/models/{org}/{name}/auth-check`: 200 when the token's account may download the
/// latest revision now; otherwise the Hub's gated-repository error (403 `GatedRepo`, 401
/// without a token) with the reason, the rule ids and the model page where the license is
/// read and accepted, or `RepoNotFound`.
#[utoipa::path(
    get,
    path = "/api/models/{org}/{name}/auth-check",
    tag = "hub",
    params(super::openapi::ModelPathParams),
    responses(
        (status = 200, description = "The account may download the model", body = HubAuthCheck),
        (status = 403, description = "Gated: not decided in the account's favour (`X-Error-Code: GatedRepo`)", body = super::hub::HubErrorBody),
    ),
)]
pub async fn auth_check(
    req: HttpRequest,
    state: Data<AppState>,
    who: Result<Principal, ApiError>,
    path: Path<(String, String)>,
) -> HttpResponse {
    let (org, name) = path.into_inner();
    answer(auth_check_of(&req, &state, who, &org, &name).await)
}

async fn auth_check_of(
    req: &HttpRequest,
    state: &AppState,
    who: Result<Principal, ApiError>,
    org: &str,
    name: &str,
) -> HubResult {
    let named = find_revision(state, org, name, "main").await?;
    let page = model_page(state, req, &named.model);
    let gated = |why: String| {
        HubError::new(
            StatusCode::FORBIDDEN,
            "GatedRepo",
            format!("{why}; read and accept the license at {page}"),
        )
    };
    let who = who?;
    who.authorize(ANY_ROLE, Scope::Download)?;
    // What a download checks before it decides, in the same order.
    if let Err(err) = crate::accounts::require_verified_email(state, who.email_verified_at) {
        return Err(gated(ApiError::from(err).to_string()));
    }
    let inputs = match gather(
        state,
        &who.user_id,
        &named.model,
        None,
        client_ip(req),
        None,
    )
    .await
    {
        Ok(inputs) => inputs,
        Err(err @ (AccessError::Database(_) | AccessError::Internal(_))) => {
            return Err(ApiError::from(err).into())
        }
        Err(err) => return Err(gated(ApiError::from(err).to_string())),
    };
    let decision = decide(state, &inputs, Action::Download)?;
    if decision.outcome == Outcome::Allow {
        return Ok(HttpResponse::Ok().json(HubAuthCheck {
            model: named.model.to_string(),
            outcome: "allow",
        }));
    }
    let verdict = match decision.outcome {
        Outcome::Review => "access would go to a compliance review",
        _ => "modelgate would deny access",
    };
    let hint = super::hub::acceptance_hint(
        state,
        req,
        &who.user_id,
        (&inputs.model.id, &inputs.model.license),
        &decision,
    )
    .await;
    Err(HubError::new(
        StatusCode::FORBIDDEN,
        "GatedRepo",
        format!(
            "{verdict} to {}: {}{hint}",
            named.model,
            decision.reasons_text()
        ),
    ))
}
