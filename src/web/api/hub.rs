//! The subset of the Hugging Face Hub HTTP API that `huggingface_hub` (`snapshot_download`,
//! `hf_hub_download`, `hf download`) uses to resolve and fetch a model repository, so that
//! setting `HF_ENDPOINT` to a gateway or mirror is all a client changes. Revisions map to
//! model revisions: `main` is the latest, a commit is the first 40 hex digits of the
//! revision digest (the full 64 work too). The Hub token is a modelgate API token; every
//! file request is decided by the policy and served as a grant-checked, audited blob.
//! Refusals carry `X-Error-Code` / `X-Error-Message`, which the client turns into its
//! gated-repository and not-found errors with our reason.

use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::request_access;
use crate::auth::{Principal, Scope, ANY_ROLE};
use crate::db::catalog::{self, RevisionRow};
use crate::domain::{ModelId, Sha256Digest};
use crate::error::ApiError;
use crate::policy::{Action, Outcome};
use crate::state::AppState;
use crate::store::manifest::{Manifest, ManifestFile};
use crate::web::api::blobs::serve_blob;

/// Hex digits of a revision digest that make its Hub commit id.
pub(super) const COMMIT_HEX: usize = 40;
/// The size the Hub reports for a Git LFS pointer file.
const LFS_POINTER_SIZE: u64 = 134;

/// The body of a refusal on the Hub routes: `{"error": "…"}`, the shape `huggingface_hub`
/// reads (with the `X-Error-Code` and `X-Error-Message` headers), not the gateway's envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubErrorBody {
    /// What went wrong, for people; `X-Error-Code` says what kind of refusal it is.
    #[schema(example = "model `demo/unknown` not found")]
    pub error: String,
}

/// A refusal in the Hub's terms: status, `X-Error-Code` and a message the client shows.
pub(super) struct HubError {
    status: StatusCode,
    code: Option<&'static str>,
    message: String,
    /// Headers the gateway's own error answer carries (`WWW-Authenticate`,
    /// `Content-Range` of a 416, `Retry-After`).
    headers: Vec<(header::HeaderName, header::HeaderValue)>,
}

impl HubError {
    pub(super) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        HubError {
            status,
            code: Some(code),
            message: message.into(),
            headers: Vec::new(),
        }
    }

    fn response(&self) -> HttpResponse {
        // Header values must be visible ASCII; the body keeps the full text.
        let header_text: String = self
            .message
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    ' '
                }
            })
            .take(1000)
            .collect();
        let mut response = HttpResponse::build(self.status);
        for (name, value) in &self.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        if let Some(code) = self.code {
            response.insert_header(("X-Error-Code", code));
        }
        response
            .insert_header(("X-Error-Message", header_text))
            .json(HubErrorBody {
                error: self.message.clone(),
            })
    }
}

impl From<crate::access::AccessError> for HubError {
    fn from(err: crate::access::AccessError) -> Self {
        ApiError::from(err).into()
    }
}

impl From<crate::auth::Denied> for HubError {
    fn from(err: crate::auth::Denied) -> Self {
        ApiError::from(err).into()
    }
}

impl From<ApiError> for HubError {
    fn from(err: ApiError) -> Self {
        // The gateway's own answer logs an internal error's cause and carries its headers.
        let own = err.error_response();
        let headers = own
            .headers()
            .iter()
            .filter(|(name, _)| **name != header::CONTENT_TYPE && **name != header::CONTENT_LENGTH)
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        let mut message = err.to_string();
        let code = match &err {
            ApiError::Unauthenticated | ApiError::InvalidToken(_) => {
                message = format!(
                    "{message}. This model is gated: pass a modelgate API token as the Hub \
                     token (HF_TOKEN or --token)"
                );
                Some("GatedRepo")
            }
            ApiError::ModelNotFound(_) | ApiError::InvalidModelId(_) => Some("RepoNotFound"),
            ApiError::RevisionNotFound(_) => Some("RevisionNotFound"),
            // Every other refusal of a signed-in user (policy, grant, cap, review) is the
            // Hub's gated-repository error, which the client shows instead of a connection
            // failure.
            _ if err.status_code() == StatusCode::FORBIDDEN => Some("GatedRepo"),
            _ => None,
        };
        let status = match &err {
            ApiError::InvalidModelId(_) => StatusCode::NOT_FOUND,
            _ => err.status_code(),
        };
        HubError {
            status,
            code,
            message,
            headers,
        }
    }
}

pub(super) type HubResult = Result<HttpResponse, HubError>;

/// How the Hub routes name a revision.
pub(super) const HUB_REVISION: &str =
    "`main` (the latest), a commit (the first 40 hex digits of the \
    revision digest), the 64-hex digest or `sha256:` and the digest";

pub(super) fn answer(result: HubResult) -> HttpResponse {
    result.unwrap_or_else(|e| e.response())
}

/// Whether `rev` names one revision for good (a commit or digest), not a moving name.
fn names_a_commit(rev: &str) -> bool {
    let hex = rev.strip_prefix("sha256:").unwrap_or(rev);
    is_lower_hex(hex, COMMIT_HEX) || is_lower_hex(hex, 64)
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Percent-encodes a file path for a URL, keeping `/` between its parts.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub(super) fn commit_of(revision: &RevisionRow) -> &str {
    &revision.digest[..COMMIT_HEX.min(revision.digest.len())]
}

/// A revision as the Hub names it, with its manifest.
pub(super) struct Named {
    pub(super) model: ModelId,
    pub(super) revision: Arc<RevisionRow>,
    pub(super) manifest: Manifest,
}

/// The revision `rev` of `org/name`: `main`, a 40-hex commit, a 64-hex digest or
/// `sha256:…`.
pub(super) async fn find_revision(
    state: &AppState,
    org: &str,
    name: &str,
    rev: &str,
) -> Result<Named, HubError> {
    let model = ModelId::new(org, name).map_err(ApiError::from)?;
    let found = if rev == "main" {
        state
            .catalog
            .revision(&model, None)
            .await
            .map_err(ApiError::from)?
    } else if let Ok(digest) = rev.parse::<Sha256Digest>() {
        state
            .catalog
            .revision(&model, Some(&digest))
            .await
            .map_err(ApiError::from)?
    } else if is_lower_hex(rev, COMMIT_HEX) {
        catalog::revisions_of(&state.db, &model)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .find(|r| r.digest.starts_with(rev))
            .map(Arc::new)
    } else {
        None
    };
    let Some(revision) = found else {
        let exists = state
            .catalog
            .revision(&model, None)
            .await
            .map_err(ApiError::from)?
            .is_some();
        return Err(if exists {
            ApiError::RevisionNotFound(format!(
                "{model}@{}",
                rev.chars().take(80).collect::<String>()
            ))
        } else {
            ApiError::ModelNotFound(model.to_string())
        }
        .into());
    };
    let manifest = serde_json::from_str(&revision.manifest)
        .map_err(|e| HubError::from(ApiError::internal(e)))?;
    Ok(Named {
        model,
        revision,
        manifest,
    })
}

/// The Git LFS details of a file, as the Hub reports them.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubLfs {
    /// The file's SHA-256, lowercase hex.
    pub sha256: String,
    /// The LFS object id: the same SHA-256.
    pub oid: String,
    /// The file's size in bytes.
    pub size: u64,
    /// The size of the Git LFS pointer file (always 134).
    #[serde(rename = "pointerSize")]
    #[schema(example = 134)]
    pub pointer_size: u64,
}

impl HubLfs {
    pub(super) fn of(file: &ManifestFile) -> Self {
        HubLfs {
            sha256: file.sha256.hex(),
            oid: file.sha256.hex(),
            size: file.size,
            pointer_size: LFS_POINTER_SIZE,
        }
    }
}

/// A boolean query parameter as Hub clients send it: `true`/`false` from most, `True`/`False`
/// from Python clients that format the bool themselves, or `1`/`0`.
pub(super) fn hub_flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let text = String::deserialize(d)?;
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" | "" => Ok(false),
        _ => Err(serde::de::Error::custom(format!(
            "`{text}` is not a boolean (true or false)"
        ))),
    }
}

/// What a gated error adds for people: the license version still to accept (a new version
/// since theirs, or none accepted) when the policy asked for an acceptance, and the model
/// page where licenses are read and accepted.
pub(super) async fn acceptance_hint(
    state: &AppState,
    req: &HttpRequest,
    user_id: &str,
    (model, license): (&str, &str),
    decision: &crate::policy::Decision,
) -> String {
    let mut hint = String::new();
    if decision
        .reasons
        .iter()
        .any(|r| r.policy == crate::policy::ACCEPTANCE_RULE)
    {
        if let Ok(Some(due)) =
            crate::licensing::acceptance::acceptance_due(state, user_id, license).await
        {
            hint.push_str(&format!("; {due}"));
        }
    }
    let page = crate::web::urls::model_page(state, req, &model);
    hint.push_str(&format!("; the license is read and accepted at {page}"));
    hint
}

/// `HEAD`/`GET /{org}/{name}/resolve/{rev}/{path}`: the file, after the policy decided
/// on the signed-in user (audited), served with the commit and SHA-256 the client files it
/// under; ranges resume.
#[utoipa::path(
    method(get, head),
    path = "/{org}/{name}/resolve/{rev}/{path}",
    tag = "hub",
    security((), ("bearer" = [])),
    params(
        super::openapi::ModelPathParams,
        ("rev" = String, Path, description = HUB_REVISION),
        ("path" = String, Path, description = "A file of the repository (may contain `/`)"),
    ),
    responses(
        (status = 200, description = "The file (no body for `HEAD`)", body = super::openapi::RawBytes,
            content_type = "application/octet-stream", headers(
            ("X-Repo-Commit" = String, description = "The revision's commit (40 hex digits)"),
            ("X-Linked-Etag" = String, description = "The file's SHA-256 in quotes"),
            ("X-Linked-Size" = u64, description = "The file's size in bytes"),
            ("ETag" = String, description = "The file's SHA-256 in quotes"),
        )),
        (status = 206, description = "The requested byte range of the file", body = super::openapi::RawBytes,
            content_type = "application/octet-stream"),
        (status = 304, description = "The file is unchanged (`If-None-Match`)"),
        (status = 307, description = "A moving name (`main`) resolved to its commit, without a \
            token; or, for a commit, the file at the blob store", headers(
            ("Location" = String, description = "Where the file is"),
            ("X-Repo-Commit" = String, description = "The revision's commit (40 hex digits)"),
        )),
    ),
)]
pub async fn resolve(
    req: HttpRequest,
    state: Data<AppState>,
    who: Result<Principal, ApiError>,
    path: Path<(String, String, String, String)>,
) -> HttpResponse {
    let (org, name, rev, file) = path.into_inner();
    answer(resolve_file(&req, &state, who, &org, &name, &rev, &file).await)
}

async fn resolve_file(
    req: &HttpRequest,
    state: &AppState,
    who: Result<Principal, ApiError>,
    org: &str,
    name: &str,
    rev: &str,
    file_path: &str,
) -> HubResult {
    let Named {
        model,
        revision,
        manifest,
    } = find_revision(state, org, name, rev).await?;
    let file = manifest
        .files
        .iter()
        .find(|f| f.path.as_str() == file_path)
        .ok_or_else(|| {
            HubError::new(
                StatusCode::NOT_FOUND,
                "EntryNotFound",
                format!(
                    "{model}: no file `{}` in revision {}",
                    file_path.chars().take(200).collect::<String>(),
                    commit_of(&revision)
                ),
            )
        })?;
    if !names_a_commit(rev) {
        // A moving name (`main`) resolves to its commit first, so the HEAD and the GET
        // that follow it fetch the same revision and the file is cacheable for good.
        let location = format!(
            "/{model}/resolve/{}/{}",
            commit_of(&revision),
            encode_path(file.path.as_str())
        );
        return Ok(HttpResponse::TemporaryRedirect()
            .insert_header((header::LOCATION, location))
            .insert_header(("X-Repo-Commit", commit_of(&revision).to_owned()))
            .finish());
    }
    let who = who?;
    who.authorize(ANY_ROLE, Scope::Download)?;
    let digest: Sha256Digest = revision
        .digest
        .parse()
        .map_err(|e| HubError::from(ApiError::internal(e)))?;
    let access = request_access(
        state,
        &who.user_id,
        &model,
        Some(&digest),
        Action::Download,
        crate::web::extract::client_ip(req),
    )
    .await?;
    let grant = match access.decision.outcome {
        Outcome::Allow => access.grant.ok_or_else(|| {
            HubError::from(ApiError::internal(anyhow::anyhow!("allow without a grant")))
        })?,
        Outcome::Deny => {
            let hint = acceptance_hint(
                state,
                req,
                &who.user_id,
                (&access.inputs.model.id, &access.inputs.model.license),
                &access.decision,
            )
            .await;
            return Err(HubError::new(
                StatusCode::FORBIDDEN,
                "GatedRepo",
                format!(
                    "modelgate denied access to {model}: {}{hint}",
                    access.decision.reasons_text()
                ),
            ));
        }
        Outcome::Review => {
            let case = access.case.as_ref().map_or("?", |c| c.id.as_str());
            return Err(HubError::new(
                StatusCode::FORBIDDEN,
                "GatedRepo",
                format!(
                    "access to {model} waits for a compliance review (case {case}); download \
                     once it is approved"
                ),
            ));
        }
    };
    let mut response = serve_blob(req, state, &file.sha256, Some(&grant.token)).await?;
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-repo-commit", commit_of(&revision).to_owned()),
        ("x-linked-etag", format!("\"{}\"", file.sha256.hex())),
        ("x-linked-size", file.size.to_string()),
    ] {
        if let Ok(value) = header::HeaderValue::from_str(&value) {
            headers.insert(header::HeaderName::from_static(name), value);
        }
    }
    Ok(response)
}
