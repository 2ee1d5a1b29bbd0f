//! Extractors: what handlers take from a request instead of reading it themselves. Who is
//! asking (`Principal`), from where (`ClientInfo`: the client address behind trusted
//! proxies, the user agent), which model (`ModelInPath`) and with which download grant
//! (`GrantToken`).

use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};

use crate::access::grant::GRANT_HEADER;
use crate::auth::jwt::TokenError;
use crate::auth::principal::{authenticate, Principal};
use crate::domain::{ClientInfo, ModelId};
use crate::error::ApiError;
use crate::state::AppState;

/// The client address of `req`: the socket peer, or what trusted proxies forwarded.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let state = req.app_data::<Data<AppState>>()?;
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    state
        .proxies
        .client_ip(req.peer_addr().map(|a| a.ip()), &forwarded)
}

/// The client of `req`: its address and `User-Agent`.
pub fn client_info(req: &HttpRequest) -> ClientInfo {
    ClientInfo {
        ip: client_ip(req),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

impl FromRequest for ClientInfo {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(client_info(req)))
    }
}

/// The model a `/{org}/{name}/…` route names; `400 invalid-model-id` when it is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInPath(pub ModelId);

impl FromRequest for ModelInPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let info = req.match_info();
        ready(match (info.get("org"), info.get("name")) {
            (Some(org), Some(name)) => ModelId::new(org, name).map(ModelInPath).map_err(Into::into),
            _ => Err(ApiError::internal(anyhow::anyhow!(
                "ModelInPath on a route without {{org}}/{{name}}"
            ))),
        })
    }
}

/// The `key=value` pairs of a URL-encoded query string or form body, in order, repeated
/// keys kept (`scope=…&scope=…`, `paths=…`); `None` when the text is not one.
pub fn form_pairs(text: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(text).ok()?;
    actix_web::web::Query::<Vec<(String, String)>>::from_query(text)
        .ok()
        .map(|q| q.into_inner())
}

/// The download grant a blob request carries: the `Modelgate-Grant` header, else the
/// `grant` query parameter (for curl and wget).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrantToken(pub Option<String>);

impl FromRequest for GrantToken {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(GrantToken(grant_token_of(req))))
    }
}

fn grant_token_of(req: &HttpRequest) -> Option<String> {
    if let Some(value) = req.headers().get(GRANT_HEADER) {
        return value.to_str().ok().map(|v| v.trim().to_owned());
    }
    actix_web::web::Query::<std::collections::HashMap<String, String>>::from_query(
        req.query_string(),
    )
    .ok()
    .and_then(|q| q.get("grant").cloned())
}

/// The bearer token of `Authorization`.
fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthenticated)?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::InvalidToken(TokenError::Malformed.to_string()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(ApiError::InvalidToken(
            "expected `Authorization: Bearer <token>`".into(),
        )),
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState missing")))?;
            authenticate(&state.db, &state.session_keys, &token?).await
        })
    }
}
