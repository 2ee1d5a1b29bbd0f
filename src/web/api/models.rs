//! The catalog: models, their revisions, manifests and signatures.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::{Data, Query};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::catalog::{self, RevisionRow};
use crate::domain::rfc3339;
use crate::domain::{Modality, ModelId, Sha256Digest};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::manifest::{Manifest, ManifestFile};
use crate::store::model_card::ModelCard;
use crate::web::extract::ModelInPath;

/// Header naming the revision digest a manifest or signature belongs to.
pub const REVISION_HEADER: &str = "Modelgate-Revision";

/// `?revision=<digest>`; the latest revision when absent.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RevisionQuery {
    /// `sha256:<hex>` (or bare hex); `latest` or `main`, like no value, mean the latest.
    revision: Option<String>,
}

impl RevisionQuery {
    fn digest(&self) -> Result<Option<Sha256Digest>, ApiError> {
        match self.revision.as_deref() {
            None | Some("latest") | Some("main") => Ok(None),
            Some(r) => Ok(Some(r.parse()?)),
        }
    }
}

/// The answer of `GET /v1/models`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelList {
    /// `sha256:<hex>` of the publisher key's PEM, which signs every manifest.
    pub publisher_key_fingerprint: String,
    pub models: Vec<ModelListItem>,
}

/// A model in the catalog, with its latest revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelListItem {
    /// `org/name`.
    pub id: String,
    /// `text` or `multimodal`.
    pub modality: String,
    /// The license id.
    pub license: String,
    /// The latest revision's digest (hex).
    pub latest_revision: String,
    /// Bytes, all files of the latest revision.
    pub total_size: i64,
    pub file_count: i64,
    /// RFC 3339: when the latest revision was published.
    pub published_at: String,
    /// The languages its model card names (`language:` in the card's front matter).
    pub languages: Vec<String>,
    /// The tags of its model card.
    pub tags: Vec<String>,
}

/// The answer of `GET /v1/models/{org}/{name}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelDetail {
    /// `org/name`.
    pub id: String,
    pub modality: Modality,
    /// The license id.
    pub license: String,
    /// The latest revision's digest (hex).
    pub latest_revision: String,
    /// `sha256:<hex>` of the publisher key's PEM, which signs every manifest.
    pub publisher_key_fingerprint: String,
    /// The languages the latest revision's model card names.
    pub languages: Vec<String>,
    /// The tags of the latest revision's model card.
    pub tags: Vec<String>,
    /// Newest first.
    pub revisions: Vec<ModelRevision>,
}

/// One published revision of a model and its files.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelRevision {
    /// The revision digest (hex): the SHA-256 of the canonical manifest.
    pub digest: String,
    /// RFC 3339.
    pub published_at: String,
    /// Bytes, all files.
    pub total_size: i64,
    pub file_count: i64,
    pub files: Vec<ManifestFile>,
}

impl ModelRevision {
    fn from_row(row: &RevisionRow) -> Result<Self, ApiError> {
        let manifest: Manifest = serde_json::from_str(&row.manifest).map_err(ApiError::internal)?;
        Ok(ModelRevision {
            digest: row.digest.clone(),
            published_at: rfc3339(row.published_at),
            total_size: row.total_size,
            file_count: row.file_count,
            files: manifest.files,
        })
    }
}

/// The languages and tags of a model card (empty without one).
fn card_lists(card: Option<&ModelCard>) -> (Vec<String>, Vec<String>) {
    card.map(|card| (card.languages(), card.tags()))
        .unwrap_or_default()
}

/// `GET /v1/models`: every model with its latest revision.
#[utoipa::path(
    get,
    path = "/v1/models",
    tag = "models",
    security(()),
    responses((status = 200, description = "Every model with its latest revision", body = ModelList)),
)]
#[tracing::instrument(skip_all)]
pub async fn list_models(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let summaries = catalog::list_models(&state.db).await?;
    let mut models = Vec::with_capacity(summaries.len());
    for m in summaries {
        let card = match state.catalog.revision(&m.id.parse()?, None).await? {
            Some(latest) => state.catalog.card_of_revision(&state.blobs, &latest).await,
            None => None,
        };
        let (languages, tags) = card_lists(card.as_deref());
        models.push(ModelListItem {
            id: m.id,
            modality: m.modality,
            license: m.license_id,
            latest_revision: m.latest_revision,
            total_size: m.total_size,
            file_count: m.file_count,
            published_at: rfc3339(m.published_at),
            languages,
            tags,
        });
    }
    Ok(HttpResponse::Ok().json(ModelList {
        publisher_key_fingerprint: state.publisher.fingerprint(),
        models,
    }))
}

/// `GET /v1/models/{org}/{name}`: the model, all its revisions and their files.
#[utoipa::path(
    get,
    path = "/v1/models/{org}/{name}",
    tag = "models",
    security(()),
    params(
        super::openapi::ModelPathParams,
    ),
    responses((status = 200, description = "The model and every revision", body = ModelDetail)),
)]
#[tracing::instrument(skip_all, fields(model.id))]
pub async fn get_model(
    state: Data<AppState>,
    ModelInPath(model): ModelInPath,
) -> Result<HttpResponse, ApiError> {
    let id = model;
    tracing::Span::current().record("model.id", tracing::field::display(&id));
    let rows = catalog::revisions_of(&state.db, &id).await?;
    let Some(latest) = rows.first() else {
        return Err(ApiError::ModelNotFound(id.to_string()));
    };
    let manifest: Manifest = serde_json::from_str(&latest.manifest).map_err(ApiError::internal)?;
    let revisions = rows
        .iter()
        .map(ModelRevision::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let card = state.catalog.card(&state.blobs, &manifest).await;
    let (languages, tags) = card_lists(card.as_deref());
    Ok(HttpResponse::Ok().json(ModelDetail {
        languages,
        tags,
        id: id.to_string(),
        modality: manifest.modality,
        license: manifest.license,
        latest_revision: latest.digest.clone(),
        publisher_key_fingerprint: state.publisher.fingerprint(),
        revisions,
    }))
}

async fn revision_for(
    state: &AppState,
    id: &ModelId,
    query: &RevisionQuery,
) -> Result<Arc<RevisionRow>, ApiError> {
    let digest = query.digest()?;
    match state.catalog.revision(id, digest.as_ref()).await? {
        Some(row) => Ok(row),
        None if digest.is_none() => Err(ApiError::ModelNotFound(id.to_string())),
        None => Err(ApiError::RevisionNotFound(
            query.revision.clone().unwrap_or_default(),
        )),
    }
}

fn signed_document(row: &RevisionRow, content_type: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((REVISION_HEADER, row.digest.clone()))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(body)
}

/// `GET /v1/models/{org}/{name}/manifest[?revision=]`: the canonical manifest bytes.
#[utoipa::path(
    get,
    path = "/v1/models/{org}/{name}/manifest",
    tag = "models",
    security(()),
    params(
        super::openapi::ModelPathParams,
        RevisionQuery,
    ),
    responses((
        status = 200,
        description = "The revision's manifest, its canonical bytes (sorted-key compact JSON) as signed",
        body = Manifest,
        content_type = "application/json",
        headers(("Modelgate-Revision" = String, description = "The revision digest (hex)")),
    )),
)]
#[tracing::instrument(skip_all)]
pub async fn get_manifest(
    state: Data<AppState>,
    ModelInPath(model): ModelInPath,
    query: Query<RevisionQuery>,
) -> Result<HttpResponse, ApiError> {
    let row = revision_for(&state, &model, &query).await?;
    let body = row.manifest.clone();
    Ok(signed_document(&row, "application/json", body))
}

/// `GET /v1/models/{org}/{name}/model.sig[?revision=]`: the model-signing bundle.
#[utoipa::path(
    get,
    path = "/v1/models/{org}/{name}/model.sig",
    tag = "models",
    security(()),
    params(
        super::openapi::ModelPathParams,
        RevisionQuery,
    ),
    responses((
        status = 200,
        description = "The revision's OpenSSF model-signing bundle (a Sigstore bundle in JSON) \
            over the manifest, signed by the publisher key",
        body = Object,
        content_type = "application/json",
        headers(("Modelgate-Revision" = String, description = "The revision digest (hex)")),
    )),
)]
#[tracing::instrument(skip_all)]
pub async fn get_signature(
    state: Data<AppState>,
    ModelInPath(model): ModelInPath,
    query: Query<RevisionQuery>,
) -> Result<HttpResponse, ApiError> {
    let row = revision_for(&state, &model, &query).await?;
    let body = row.signature.clone();
    Ok(signed_document(&row, "application/json", body))
}
