//! The catalog: models, their revisions, manifests and signatures.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::{Data, Query};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::catalog::{self, RevisionRow};
use crate::domain::rfc3339;
use crate::domain::{ModelId, Sha256Digest};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::manifest::{Manifest, ManifestFile};
use crate::web::extract::ModelInPath;

/// Header naming the revision digest a manifest or signature belongs to.
pub const REVISION_HEADER: &str = "Modelgate-Revision";

/// `?revision=<digest>`; the latest revision when absent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevisionQuery {
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

#[derive(Serialize)]
struct RevisionView {
    digest: String,
    published_at: String,
    total_size: i64,
    file_count: i64,
    files: Vec<ManifestFile>,
}

impl RevisionView {
    fn from_row(row: &RevisionRow) -> Result<Self, ApiError> {
        let manifest: Manifest = serde_json::from_str(&row.manifest).map_err(ApiError::internal)?;
        Ok(RevisionView {
            digest: row.digest.clone(),
            published_at: rfc3339(row.published_at),
            total_size: row.total_size,
            file_count: row.file_count,
            files: manifest.files,
        })
    }
}

/// `GET /v1/models`: every model with its latest revision.
#[tracing::instrument(skip_all)]
pub async fn list_models(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let models = catalog::list_models(&state.db).await?;
    let models: Vec<_> = models
        .into_iter()
        .map(|m| {
            json!({ "id": m.id, "modality": m.modality, "license": m.license_id,
                    "latest_revision": m.latest_revision, "total_size": m.total_size,
                    "file_count": m.file_count, "published_at": rfc3339(m.published_at) })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "publisher_key_fingerprint": state.publisher.fingerprint(),
        "models": models,
    })))
}

/// `GET /v1/models/{org}/{name}`: the model, all its revisions and their files.
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
        .map(RevisionView::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(json!({
        "id": id.to_string(),
        "modality": manifest.modality,
        "license": manifest.license,
        "latest_revision": latest.digest,
        "publisher_key_fingerprint": state.publisher.fingerprint(),
        "revisions": revisions,
    })))
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
