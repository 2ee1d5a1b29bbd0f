//! The registry's token endpoint, `GET /v2/token` (Docker token auth: `service`, `scope`,
//! HTTP Basic credentials) and `POST /v2/token` (its OAuth2 form, `grant_type=password`).
//! The password is a modelgate API token (`mg_…`, with the `download` scope) or a session
//! token; any username works, so `docker login`, `skopeo login` and `oras login` credentials
//! do. A `Bearer` API token works too.

use actix_web::http::{header, StatusCode};
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use serde::Serialize;

use super::OciError;
use crate::auth::principal::authenticate;
use crate::auth::{Scope, ANY_ROLE};
use crate::domain::rfc3339;
use crate::oci::tokens::{self, pull_scope, IssuedToken, Refusal};
use crate::state::AppState;
use crate::web::extract::{client_ip, form_pairs};

/// The token answer: `token` and its alias `access_token`, as clients read either.
#[derive(Debug, Serialize)]
struct TokenAnswer {
    token: String,
    access_token: String,
    expires_in: u64,
    issued_at: String,
    /// The access the token carries (`repository:<name>:pull`, or empty).
    scope: String,
    /// What the policy decided, for people reading the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    modelgate: Option<TokenDecision>,
}

#[derive(Debug, Serialize)]
struct TokenDecision {
    repository: String,
    /// `allow`, `deny`, `review` or `refused`.
    outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    decision_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refusal: Option<Refusal>,
}

/// `GET /v2/token?service=…&scope=…`.
pub async fn issue_token(req: HttpRequest, state: Data<AppState>) -> HttpResponse {
    let scopes: Vec<String> = form_pairs(req.query_string().as_bytes())
        .unwrap_or_default()
        .into_iter()
        .filter(|(key, _)| key == "scope")
        .map(|(_, value)| value)
        .collect();
    let Some(secret) = credentials(&req) else {
        return unauthenticated(NO_CREDENTIALS);
    };
    answer(&req, &state, secret, &scopes).await
}

/// `POST /v2/token` with `grant_type=password&username=…&password=…&scope=…`.
pub async fn issue_token_form(
    req: HttpRequest,
    state: Data<AppState>,
    body: Bytes,
) -> HttpResponse {
    let form = form_pairs(&body).unwrap_or_default();
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    if field("grant_type").as_deref() != Some("password") {
        return HttpResponse::BadRequest().json(serde_json::json!({
            "error": "unsupported_grant_type",
            "error_description": "only `grant_type=password` with a modelgate API token as the password",
        }));
    }
    let Some(secret) = field("password").filter(|p| !p.is_empty()) else {
        return unauthenticated(NO_CREDENTIALS);
    };
    let scopes: Vec<String> = field("scope").into_iter().collect();
    answer(&req, &state, secret, &scopes).await
}

async fn answer(
    req: &HttpRequest,
    state: &AppState,
    secret: String,
    scopes: &[String],
) -> HttpResponse {
    let who = match authenticate(&state.db, &state.session_keys, &secret).await {
        Ok(who) => who,
        Err(err) => return unauthenticated(&err.to_string()),
    };
    if let Err(denied) = who.authorize(ANY_ROLE, Scope::Download) {
        return OciError::new(StatusCode::FORBIDDEN, "DENIED", denied.to_string()).response();
    }
    let repository = pull_scope(scopes);
    let issued =
        match tokens::issue_token(state, &who.user_id, repository.as_deref(), client_ip(req)).await
        {
            Ok(issued) => issued,
            Err(err) => {
                let challenge = super::Challenge::of(state, req, None);
                return super::registry_error(err, &challenge, false);
            }
        };
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(token_answer(issued))
}

fn token_answer(issued: IssuedToken) -> TokenAnswer {
    let scope = match (&issued.repository, &issued.refusal) {
        (Some(name), None) => format!("repository:{name}:pull"),
        _ => String::new(),
    };
    let modelgate = issued.repository.clone().map(|repository| TokenDecision {
        repository,
        outcome: issued
            .refusal
            .as_ref()
            .map_or_else(|| "allow".to_owned(), |r| r.outcome.clone()),
        decision_id: issued.decision_id.clone(),
        refusal: issued.refusal.clone(),
    });
    TokenAnswer {
        access_token: issued.token.clone(),
        token: issued.token,
        expires_in: issued.expires_in,
        issued_at: rfc3339(
            i64::try_from(issued.issued_at)
                .unwrap_or(0)
                .saturating_mul(1000),
        ),
        scope,
        modelgate,
    }
}

const NO_CREDENTIALS: &str = "a modelgate API token is required: log in with any username and \
    the token as the password";

/// The secret of `Authorization: Basic` (its password) or `Authorization: Bearer`.
fn credentials(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    let secret = if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        decoded.split_once(':')?.1.to_owned()
    } else if scheme.eq_ignore_ascii_case("bearer") {
        rest.trim().to_owned()
    } else {
        return None;
    };
    (!secret.is_empty()).then_some(secret)
}

fn unauthenticated(message: &str) -> HttpResponse {
    let mut refusal = OciError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message);
    refusal.challenge = Some("Basic realm=\"modelgate\"".into());
    refusal.response()
}
