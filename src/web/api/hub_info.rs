//! The Hub's model info, `GET /api/models/{org}/{name}[/revision/{rev}]`: what
//! `huggingface_hub` reads of a repository (`sha`, `siblings`, `cardData`, `tags`), with
//! `?blobs=true` for sizes and LFS digests and `expand` for only some properties.

use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::rfc3339;
use crate::domain::Modality;
use crate::error::ApiError;
use crate::state::AppState;

use super::hub::{
    answer, commit_of, find_revision, hub_flag, HubError, HubLfs, HubResult, Named, HUB_REVISION,
};

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
