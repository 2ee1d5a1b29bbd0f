//! The subset of the Hugging Face Hub HTTP API that `huggingface_hub` (`snapshot_download`,
//! `hf_hub_download`, `hf download`) uses to resolve and fetch a model repository, so that
//! setting `HF_ENDPOINT` to a gateway or mirror is all a client changes. Revisions map to
//! model revisions: `main` is the latest, a commit is the first 40 hex digits of the
//! revision digest (the full 64 work too). The Hub token is a modelgate API token; every
//! file request is decided by the policy and served as a grant-checked, audited blob.
//! Refusals carry `X-Error-Code` / `X-Error-Message`, which the client turns into its
//! gated-repository and not-found errors with our reason.

use std::collections::BTreeSet;
use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::access::request_access;
use crate::auth::{Principal, Scope, ANY_ROLE};
use crate::db::catalog::{self, RevisionRow};
use crate::domain::rfc3339;
use crate::domain::{ModelId, Sha256Digest};
use crate::error::ApiError;
use crate::policy::{Action, Outcome};
use crate::web::api::blobs::serve_blob;
use crate::state::AppState;
use crate::store::manifest::{Manifest, ManifestFile};

/// Hex digits of a revision digest that make its Hub commit id.
const COMMIT_HEX: usize = 40;
/// The size the Hub reports for a Git LFS pointer file.
const LFS_POINTER_SIZE: u64 = 134;

/// A refusal in the Hub's terms: status, `X-Error-Code` and a message the client shows.
struct HubError {
    status: StatusCode,
    code: Option<&'static str>,
    message: String,
    /// Headers the gateway's own error answer carries (`WWW-Authenticate`,
    /// `Content-Range` of a 416, `Retry-After`).
    headers: Vec<(header::HeaderName, header::HeaderValue)>,
}

impl HubError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
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
            .json(json!({ "error": self.message }))
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

type HubResult = Result<HttpResponse, HubError>;

fn answer(result: HubResult) -> HttpResponse {
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

fn commit_of(revision: &RevisionRow) -> &str {
    &revision.digest[..COMMIT_HEX.min(revision.digest.len())]
}

/// A revision as the Hub names it, with its manifest.
struct Named {
    model: ModelId,
    revision: Arc<RevisionRow>,
    manifest: Manifest,
}

/// The revision `rev` of `org/name`: `main`, a 40-hex commit, a 64-hex digest or
/// `sha256:…`.
async fn find_revision(
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

fn lfs_json(file: &ManifestFile) -> Value {
    json!({ "sha256": file.sha256.hex(), "oid": file.sha256.hex(), "size": file.size,
            "pointerSize": LFS_POINTER_SIZE })
}

#[derive(Debug, Deserialize)]
pub struct InfoQuery {
    /// `?blobs=true`: file sizes and LFS digests in `siblings`.
    #[serde(default)]
    blobs: bool,
}

/// `GET /api/models/{org}/{name}` and `…/revision/{rev}`: the model info the client reads
/// (`id`, `sha`, `siblings`).
pub async fn model_info(
    state: Data<AppState>,
    path: Path<(String, String)>,
    query: Query<InfoQuery>,
) -> HttpResponse {
    answer(model_info_at(&state, &path.0, &path.1, "main", query.blobs).await)
}

pub async fn model_info_revision(
    state: Data<AppState>,
    path: Path<(String, String, String)>,
    query: Query<InfoQuery>,
) -> HttpResponse {
    answer(model_info_at(&state, &path.0, &path.1, &path.2, query.blobs).await)
}

async fn model_info_at(
    state: &AppState,
    org: &str,
    name: &str,
    rev: &str,
    blobs: bool,
) -> HubResult {
    let Named {
        model,
        revision,
        manifest,
    } = find_revision(state, org, name, rev).await?;
    let siblings: Vec<Value> = manifest
        .files
        .iter()
        .map(|f| {
            if blobs {
                json!({ "rfilename": f.path.as_str(), "size": f.size, "lfs": lfs_json(f) })
            } else {
                json!({ "rfilename": f.path.as_str() })
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "_id": revision.digest,
        "id": model.to_string(),
        "modelId": model.to_string(),
        "author": model.org(),
        "sha": commit_of(&revision),
        "lastModified": rfc3339(revision.published_at),
        "createdAt": rfc3339(revision.created_at),
        "private": false,
        "disabled": false,
        "gated": "manual",
        "downloads": 0,
        "likes": 0,
        "library_name": "transformers",
        "tags": [manifest.modality.as_str(), format!("license:{}", manifest.license)],
        "siblings": siblings,
        "usedStorage": manifest.total_size(),
        "modelgate": { "revision": format!("sha256:{}", revision.digest), "license": manifest.license, "modality": manifest.modality },
    })))
}

#[derive(Debug, Deserialize)]
pub struct TreeQuery {
    /// Everything below (`true`) or only the direct children (default).
    #[serde(default)]
    recursive: bool,
}

/// `GET /api/models/{org}/{name}/tree/{rev}[/{path}]`: files (with LFS digests) and
/// directories, in one page.
pub async fn tree(
    state: Data<AppState>,
    path: Path<(String, String, String)>,
    query: Query<TreeQuery>,
) -> HttpResponse {
    answer(tree_at(&state, &path.0, &path.1, &path.2, "", query.recursive).await)
}

pub async fn tree_under(
    state: Data<AppState>,
    path: Path<(String, String, String, String)>,
    query: Query<TreeQuery>,
) -> HttpResponse {
    answer(tree_at(&state, &path.0, &path.1, &path.2, &path.3, query.recursive).await)
}

async fn tree_at(
    state: &AppState,
    org: &str,
    name: &str,
    rev: &str,
    under: &str,
    recursive: bool,
) -> HubResult {
    let Named {
        model,
        revision,
        manifest,
    } = find_revision(state, org, name, rev).await?;
    let prefix = if under.is_empty() {
        String::new()
    } else {
        format!("{}/", under.trim_end_matches('/'))
    };
    let mut directories = BTreeSet::new();
    let mut entries = Vec::new();
    for file in manifest
        .files
        .iter()
        .filter(|f| f.path.as_str().starts_with(&prefix))
    {
        let path = file.path.as_str();
        let mut parent = path;
        while let Some((dir, _)) = parent.rsplit_once('/') {
            let direct = !dir[prefix.len().min(dir.len())..].contains('/');
            if dir.len() + 1 > prefix.len() && (recursive || direct) {
                directories.insert(dir.to_owned());
            }
            parent = dir;
        }
        if !recursive && path[prefix.len()..].contains('/') {
            continue;
        }
        entries.push(json!({
            "type": "file", "path": path, "size": file.size,
            "oid": &file.sha256.hex()[..COMMIT_HEX], "lfs": lfs_json(file),
        }));
    }
    if !prefix.is_empty() && entries.is_empty() {
        return Err(HubError::new(
            StatusCode::NOT_FOUND,
            "EntryNotFound",
            format!(
                "{model}: no path `{under}` in revision {}",
                commit_of(&revision)
            ),
        ));
    }
    let mut listing: Vec<Value> = directories
        .into_iter()
        .map(|dir| json!({ "type": "directory", "path": dir, "oid": "", "size": 0 }))
        .collect();
    listing.extend(entries);
    Ok(HttpResponse::Ok().json(listing))
}

/// `HEAD`/`GET /{org}/{name}/resolve/{rev}/{path}`: the file, after the policy decided
/// on the signed-in user (audited), served with the commit and SHA-256 the client files it
/// under; ranges resume.
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
            let reasons: Vec<String> = access
                .decision
                .reasons
                .iter()
                .map(|r| format!("{} [{}]", r.message, r.policy))
                .collect();
            return Err(HubError::new(
                StatusCode::FORBIDDEN,
                "GatedRepo",
                format!("modelgate denied access to {model}: {}", reasons.join("; ")),
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
