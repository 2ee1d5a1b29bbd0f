//! The OCI registry front end (distribution-spec v1.1, read side) under `/v2/`: the base
//! check, the token endpoint (`token`), manifests and blobs (`content`), tag lists,
//! referrers and the catalog (`listing`). Every answer carries
//! `Docker-Distribution-API-Version: registry/2.0`; every refusal uses the spec's
//! `{"errors":[{"code","message","detail"}]}` envelope with our reason and rule ids in the
//! message, and a 401 carries the Bearer challenge that sends clients to the token
//! endpoint. Uploads and deletes are refused: the registry is read-only.

mod content;
mod listing;
mod token;

use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::ApiError;
use crate::oci::RegistryError;
use crate::state::AppState;
use crate::web::urls::base_url;

/// Registers the `/v2/` routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v2")
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add(("Docker-Distribution-API-Version", "registry/2.0")),
            )
            .route("/", web::get().to(listing::check_base))
            .route("/", web::head().to(listing::check_base))
            .route("/token", web::get().to(token::issue_token))
            .route("/token", web::post().to(token::issue_token_form))
            .route("/_catalog", web::get().to(listing::list_repositories))
            .route(
                "/{org}/{name}/manifests/{reference}",
                web::get().to(content::get_manifest),
            )
            .route(
                "/{org}/{name}/manifests/{reference}",
                web::head().to(content::get_manifest),
            )
            .route(
                "/{org}/{name}/blobs/{digest}",
                web::get().to(content::get_blob),
            )
            .route(
                "/{org}/{name}/blobs/{digest}",
                web::head().to(content::get_blob),
            )
            .route("/{org}/{name}/tags/list", web::get().to(listing::list_tags))
            .route(
                "/{org}/{name}/referrers/{digest}",
                web::get().to(listing::list_referrers),
            )
            .default_service(web::to(unsupported)),
    );
}

/// Anything else under `/v2/`: a push, a delete, or a path the spec does not have.
async fn unsupported(req: HttpRequest) -> HttpResponse {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return OciError::new(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            "no such repository or route",
        )
        .response();
    }
    OciError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "UNSUPPORTED",
        "this registry is read-only: models are published with `modelgate publish`",
    )
    .response()
}

/// The spec's error envelope.
#[derive(Debug, Serialize)]
struct ErrorsBody {
    errors: Vec<ErrorItem>,
}

#[derive(Debug, Serialize)]
struct ErrorItem {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<serde_json::Value>,
}

/// A refusal in the registry's terms, with the challenge of a 401.
struct OciError {
    status: StatusCode,
    code: &'static str,
    message: String,
    detail: Option<serde_json::Value>,
    challenge: Option<String>,
    headers: Vec<(header::HeaderName, header::HeaderValue)>,
}

impl OciError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        OciError {
            status,
            code,
            message: message.into(),
            detail: None,
            challenge: None,
            headers: Vec::new(),
        }
    }

    fn response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(challenge) = self.challenge {
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        for (name, value) in self.headers {
            response.insert_header((name, value));
        }
        response.json(ErrorsBody {
            errors: vec![ErrorItem {
                code: self.code,
                message: self.message,
                detail: self.detail,
            }],
        })
    }
}

/// What a 401 challenge names: the token endpoint, this registry, and the scope to ask for.
struct Challenge {
    realm: String,
    service: String,
    scope: Option<String>,
}

impl Challenge {
    fn of(state: &AppState, req: &HttpRequest, repository: Option<&str>) -> Self {
        let base = base_url(state, req);
        let service = base
            .split_once("://")
            .map_or(base.as_str(), |(_, host)| host)
            .to_owned();
        Challenge {
            realm: format!("{base}/v2/token"),
            service,
            scope: repository.map(|name| format!("repository:{name}:pull")),
        }
    }

    /// `Bearer realm="…",service="…"[,scope="…"][,error="…"]`.
    fn header(&self, error: Option<&str>) -> String {
        let mut value = format!(
            "Bearer realm=\"{}\",service=\"{}\"",
            self.realm, self.service
        );
        if let Some(scope) = &self.scope {
            value.push_str(&format!(",scope=\"{scope}\""));
        }
        if let Some(error) = error {
            value.push_str(&format!(",error=\"{error}\""));
        }
        value
    }
}

/// The registry's answer to `err`.
fn registry_error(err: RegistryError, challenge: &Challenge, had_token: bool) -> HttpResponse {
    registry_error_for(err, challenge, had_token).0
}

/// The registry's answer to `err`, and the gateway error it is (for the audit log).
fn registry_error_for(
    err: RegistryError,
    challenge: &Challenge,
    had_token: bool,
) -> (HttpResponse, ApiError) {
    let plain = |status, code, err: &RegistryError, cause: ApiError| {
        (
            OciError::new(status, code, err.to_string()).response(),
            cause,
        )
    };
    let invalid = had_token.then_some("invalid_token");
    match err {
        RegistryError::NameInvalid(_) => plain(
            StatusCode::BAD_REQUEST,
            "NAME_INVALID",
            &err,
            ApiError::BadRequest(err.to_string()),
        ),
        RegistryError::NameUnknown(_) => plain(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            &err,
            ApiError::NotFound(err.to_string()),
        ),
        RegistryError::ManifestUnknown(_) => plain(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            &err,
            ApiError::NotFound(err.to_string()),
        ),
        RegistryError::BlobUnknown(_) => plain(
            StatusCode::NOT_FOUND,
            "BLOB_UNKNOWN",
            &err,
            ApiError::NotFound(err.to_string()),
        ),
        RegistryError::DigestInvalid(_) => plain(
            StatusCode::BAD_REQUEST,
            "DIGEST_INVALID",
            &err,
            ApiError::InvalidDigest(err.to_string()),
        ),
        RegistryError::Unauthorized(message) => (
            unauthorized(challenge, message.clone(), invalid),
            ApiError::InvalidGrant(message),
        ),
        RegistryError::InsufficientScope(_) => (
            unauthorized(challenge, err.to_string(), Some("insufficient_scope")),
            ApiError::GrantNotForBlob,
        ),
        RegistryError::Denied(refusal) => {
            let mut oci = OciError::new(StatusCode::FORBIDDEN, "DENIED", refusal.message.clone());
            oci.detail = serde_json::to_value(&refusal).ok();
            let cause = ApiError::AccessDenied {
                rule: None,
                message: refusal.message.clone(),
                answer: oci.detail.clone().unwrap_or_default(),
            };
            (oci.response(), cause)
        }
        RegistryError::Access(err) => {
            let err = ApiError::from(err);
            (api_error(&err, challenge, had_token), err)
        }
        RegistryError::Database(err) => {
            let err = ApiError::from(err);
            (api_error(&err, challenge, had_token), err)
        }
    }
}

fn unauthorized(challenge: &Challenge, message: String, error: Option<&str>) -> HttpResponse {
    let mut oci = OciError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message);
    oci.challenge = Some(challenge.header(error));
    oci.response()
}

/// The registry's answer to a gateway error (from the grant check or the blob answer).
fn api_error(err: &ApiError, challenge: &Challenge, had_token: bool) -> HttpResponse {
    // The gateway's own answer logs an internal error's cause and carries its headers
    // (`Content-Range` of a 416, `Retry-After`).
    let own = actix_web::ResponseError::error_response(err);
    let headers = own
        .headers()
        .iter()
        .filter(|(name, _)| {
            **name != header::CONTENT_TYPE
                && **name != header::CONTENT_LENGTH
                && **name != header::WWW_AUTHENTICATE
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let status = own.status();
    let message = format!("{err} ({})", err.code());
    let code = match status {
        StatusCode::UNAUTHORIZED => {
            return unauthorized(challenge, message, had_token.then_some("invalid_token"))
        }
        StatusCode::FORBIDDEN => "DENIED",
        StatusCode::NOT_FOUND => "BLOB_UNKNOWN",
        StatusCode::TOO_MANY_REQUESTS => "TOOMANYREQUESTS",
        StatusCode::RANGE_NOT_SATISFIABLE => "BLOB_UNKNOWN",
        s if s.is_server_error() => "UNAVAILABLE",
        _ => "UNSUPPORTED",
    };
    let mut oci = OciError::new(status, code, message);
    oci.detail = Some(serde_json::json!({ "code": err.code() }));
    oci.headers = headers;
    oci.response()
}

/// The bearer token of a registry request, if any.
fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_owned())
}
