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
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::request_access;
use crate::auth::{Principal, Scope, ANY_ROLE};
use crate::db::catalog::{self, RevisionRow};
use crate::domain::rfc3339;
use crate::domain::{Modality, ModelId, Sha256Digest};
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

/// The answer of `GET /api/models/{org}/{name}[/revision/{rev}]`: the model info
/// `huggingface_hub` reads (`id`, `sha`, `siblings`), with fixed values for what the
/// gateway does not track.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubModelInfo {
    /// The revision's digest (64 hex digits).
    #[serde(rename = "_id")]
    pub internal_id: String,
    /// The model id, `org/name`.
    #[schema(example = "demo/Llama-3.2-Tiny")]
    pub id: String,
    /// The model id again.
    #[serde(rename = "modelId")]
    pub model_id: String,
    /// The organisation.
    pub author: String,
    /// The revision's commit: the first 40 hex digits of its digest.
    pub sha: String,
    /// When the revision was published (RFC 3339).
    #[serde(rename = "lastModified")]
    pub last_modified: String,
    /// When the revision was created (RFC 3339).
    #[serde(rename = "createdAt")]
    pub created_at: String,
    /// Always `false`.
    pub private: bool,
    /// Always `false`.
    pub disabled: bool,
    /// Always `manual`: every file is decided by the policy.
    #[schema(example = "manual")]
    pub gated: &'static str,
    /// Always 0.
    pub downloads: u64,
    /// Always 0.
    pub likes: u64,
    /// Always `transformers`.
    #[schema(example = "transformers")]
    pub library_name: &'static str,
    /// The modality, the model card's tags and languages, and `license:<id>`.
    pub tags: Vec<String>,
    /// The revision's files.
    pub siblings: Vec<HubSibling>,
    /// The model card's front matter, as the Hub serves it (absent without a card).
    #[serde(rename = "cardData", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub card_data: Option<serde_json::Map<String, serde_json::Value>>,
    /// The total size of the files in bytes.
    #[serde(rename = "usedStorage")]
    pub used_storage: u64,
    pub modelgate: HubModelgateInfo,
}

/// A file of the revision; `size` and `lfs` only with `?blobs=true`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubSibling {
    /// The file's path in the repository.
    pub rfilename: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lfs: Option<HubLfs>,
}

/// What the gateway adds to the Hub's model info.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubModelgateInfo {
    /// The revision, `sha256:` and its digest.
    pub revision: String,
    /// The license id of the manifest.
    pub license: String,
    pub modality: Modality,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InfoQuery {
    /// `?blobs=true`: file sizes and LFS digests in `siblings`.
    #[serde(default, deserialize_with = "hub_flag")]
    blobs: bool,
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

/// `GET /api/models/{org}/{name}`: the model info of the latest revision (`main`).
#[utoipa::path(
    get,
    path = "/api/models/{org}/{name}",
    tag = "hub",
    security(()),
    params(
        super::openapi::ModelPathParams,
        InfoQuery,
        ("expand" = Option<Vec<String>>, Query, description = "Properties to answer (repeated; `expand[]` too): only those and the ids"),
    ),
    responses(
        (status = 200, description = "The model info (with `expand`, only the properties asked for)", body = HubModelInfo),
    ),
)]
pub async fn model_info(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String)>,
    query: Query<InfoQuery>,
) -> HttpResponse {
    let expand = expanded(&req);
    answer(model_info_at(&state, &req, &path.0, &path.1, "main", query.blobs, &expand).await)
}

/// `GET /api/models/{org}/{name}/revision/{rev}`: the model info of one revision.
#[utoipa::path(
    get,
    path = "/api/models/{org}/{name}/revision/{rev}",
    tag = "hub",
    security(()),
    params(
        super::openapi::ModelPathParams,
        ("rev" = String, Path, description = HUB_REVISION),
        InfoQuery,
        ("expand" = Option<Vec<String>>, Query, description = "Properties to answer (repeated; `expand[]` too): only those and the ids"),
    ),
    responses(
        (status = 200, description = "The model info (with `expand`, only the properties asked for)", body = HubModelInfo),
    ),
)]
pub async fn model_info_revision(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String, String)>,
    query: Query<InfoQuery>,
) -> HttpResponse {
    let expand = expanded(&req);
    answer(
        model_info_at(
            &state,
            &req,
            &path.0,
            &path.1,
            &path.2,
            query.blobs,
            &expand,
        )
        .await,
    )
}

/// The properties named by `expand` (or `expand[]`), repeated as newer clients send them.
fn expanded(req: &HttpRequest) -> Vec<String> {
    crate::web::extract::form_pairs(req.query_string().as_bytes())
        .unwrap_or_default()
        .into_iter()
        .filter(|(key, _)| key == "expand" || key == "expand[]")
        .map(|(_, value)| value)
        .collect()
}

/// The properties every model info carries, expanded or not.
const ALWAYS: [&str; 2] = ["_id", "id"];

async fn model_info_at(
    state: &AppState,
    req: &HttpRequest,
    org: &str,
    name: &str,
    rev: &str,
    blobs: bool,
    expand: &[String],
) -> HubResult {
    let Named {
        model,
        revision,
        manifest,
    } = find_revision(state, org, name, rev).await?;
    let siblings = manifest
        .files
        .iter()
        .map(|f| HubSibling {
            rfilename: f.path.as_str().to_owned(),
            size: blobs.then_some(f.size),
            lfs: blobs.then(|| HubLfs::of(f)),
        })
        .collect();
    let card = state.catalog.card(&state.blobs, &manifest).await;
    // As the Hub: the card's tags, its languages, then the license.
    let mut tags = vec![manifest.modality.as_str().to_owned()];
    if let Some(card) = &card {
        tags.extend(card.tags());
        tags.extend(card.languages());
    }
    tags.push(format!("license:{}", manifest.license));
    let info = HubModelInfo {
        internal_id: revision.digest.clone(),
        id: model.to_string(),
        model_id: model.to_string(),
        author: model.org().to_owned(),
        sha: commit_of(&revision).to_owned(),
        last_modified: rfc3339(revision.published_at),
        created_at: rfc3339(revision.created_at),
        private: false,
        disabled: false,
        gated: "manual",
        downloads: 0,
        likes: 0,
        library_name: "transformers",
        tags,
        siblings,
        card_data: card.map(|card| {
            let page = crate::web::urls::model_page(state, req, &model.to_string());
            card.hub_card_data(&manifest.license, &page)
        }),
        used_storage: manifest.total_size(),
        modelgate: HubModelgateInfo {
            revision: format!("sha256:{}", revision.digest),
            license: manifest.license.clone(),
            modality: manifest.modality,
        },
    };
    if expand.is_empty() {
        return Ok(HttpResponse::Ok().json(info));
    }
    // With `expand`, the Hub answers the properties asked for (those it knows) and the ids.
    let mut value =
        serde_json::to_value(&info).map_err(|e| HubError::from(ApiError::internal(e)))?;
    if let Some(object) = value.as_object_mut() {
        object.retain(|key, _| ALWAYS.contains(&key.as_str()) || expand.iter().any(|e| e == key));
    }
    Ok(HttpResponse::Ok().json(value))
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
