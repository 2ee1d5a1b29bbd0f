//! Publishing a model directory: every file is streamed once into the blob store while
//! it is hashed, then the manifest is signed, its OCI views computed, and the revision
//! recorded with them in one transaction. Until that commit nothing of the publication is
//! visible.

use std::path::Path;

use indicatif::ProgressBar;

use crate::db::{catalog, oci, Db};
use crate::domain::{valid_license_id, Modality, ModelId, Sha256Digest};
use crate::inference::checkpoint::{Checkpoint, CheckpointFiles};
use crate::inference::model::Model;
use crate::inference::vectors;
use crate::inference::InferenceError;
use crate::ledger::event::{EventKind, Outcome};
use crate::store::blobs::{BlobError, BlobStore};
use crate::store::manifest::{Manifest, ManifestFile};
use crate::store::signing::PublisherKey;
use crate::store::validation::ValidationRecord;
use crate::store::walk::{list_model_files, WalkError};

/// What to publish.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    pub model: ModelId,
    pub license: String,
    pub modality: Modality,
    /// The layer its modelcar image starts with (`oci_views::store_base_layer`).
    pub modelcar_base: Option<super::oci_views::BaseLayer>,
}

/// The result of a publication.
#[derive(Debug, Clone)]
pub struct Published {
    pub manifest: Manifest,
    pub revision: Sha256Digest,
    pub signature: String,
    pub new_blobs: usize,
    pub reused_blobs: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Walk(#[from] WalkError),
    #[error("`{0}` holds no files; an empty model cannot be published")]
    EmptyModel(std::path::PathBuf),
    #[error("license id `{0}` is invalid (expected lowercase letters, digits, `.` and `-`)")]
    InvalidLicense(String),
    #[error(
        "the Hugging Face cache is corrupted: `{blob}` (for `{path}`) does not hash to the \
         SHA-256 in its name; download the file again (`hf download --force-download`)"
    )]
    CorruptedCache {
        path: String,
        blob: std::path::PathBuf,
    },
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(
        "`{model}` differs from the published model `{twin}` in letter case only; OCI \
         repository names are lowercase, so both could not be pulled by name"
    )]
    CaseTwin { model: String, twin: String },
    #[error(transparent)]
    OciViews(#[from] super::oci_views::OciViewError),
    #[error("recording the validation vectors failed")]
    Validation(#[source] InferenceError),
    #[error("recording the revision failed")]
    Database(#[from] sqlx::Error),
}

/// Publishes `dir` as a new revision of `request.model`. Publishing the same bytes again
/// yields the same revision digest and copies no blob twice.
#[tracing::instrument(skip_all, fields(model.id = %request.model, dir = %dir.display()))]
pub async fn publish_dir(
    db: &Db,
    store: &BlobStore,
    key: &PublisherKey,
    dir: &Path,
    request: PublishRequest,
    progress: ProgressBar,
) -> Result<Published, PublishError> {
    if !valid_license_id(&request.license) {
        return Err(PublishError::InvalidLicense(request.license));
    }
    let files = list_model_files(dir)?;
    if files.is_empty() {
        return Err(PublishError::EmptyModel(dir.to_path_buf()));
    }
    let validation = record_validation(dir).await?;
    progress.set_length(files.iter().map(|f| f.size).sum());
    let mut entries = Vec::with_capacity(files.len());
    let (mut new_blobs, mut reused_blobs) = (0, 0);
    for file in files {
        let stored = match store
            .put_file(&file.full_path, file.expected_sha256, &progress)
            .await
        {
            Err(BlobError::DigestMismatch { .. }) if file.expected_sha256.is_some() => {
                return Err(PublishError::CorruptedCache {
                    path: file.path.to_string(),
                    blob: file.full_path,
                })
            }
            other => other?,
        };
        if stored.newly_written {
            new_blobs += 1
        } else {
            reused_blobs += 1
        }
        entries.push(ManifestFile {
            path: file.path,
            size: stored.size,
            sha256: stored.digest,
        });
    }
    progress.finish_and_clear();

    let manifest = Manifest::new(request.model, request.license, request.modality, entries)
        .with_validation(validation);
    let signature = key.sign_manifest(&manifest);
    let views =
        super::oci_views::compute(store, &manifest, &signature, request.modelcar_base).await?;
    let mut tx = db.begin_write().await?;
    if let Some(twin) = oci::case_twins(&mut tx, &manifest.model.to_string())
        .await?
        .into_iter()
        .next()
    {
        return Err(PublishError::CaseTwin {
            model: manifest.model.to_string(),
            twin,
        });
    }
    catalog::record_revision(&mut tx, &manifest, &signature).await?;
    let revision = manifest.digest();
    oci::record_views(&mut tx, &revision.hex(), &views).await?;
    crate::db::audit::append(
        &mut tx,
        &crate::db::audit::NewEvent {
            kind: EventKind::ModelPublished,
            actor: None,
            subject: Some(manifest.model.to_string()),
            outcome: Some(Outcome::Published),
            data: serde_json::json!({
                "model": manifest.model.to_string(), "revision": revision.reference(),
                "license": manifest.license, "modality": manifest.modality,
                "files": manifest.files.len(), "total_size": manifest.total_size(),
                "publisher_key": key.public().fingerprint(),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(revision = %revision, new_blobs, reused_blobs, "published");
    Ok(Published {
        manifest,
        revision,
        signature,
        new_blobs,
        reused_blobs,
    })
}

/// Runs the validation vectors on a model the gateway can run (a `config.json` that
/// declares `LlamaForCausalLM` or `MllamaForConditionalGeneration`), on the CPU in f32;
/// `None` for any other model, and for a variant it cannot run. A declared model whose
/// files are broken is not published.
async fn record_validation(dir: &Path) -> Result<Option<ValidationRecord>, PublishError> {
    let files = CheckpointFiles::from_dir(dir).map_err(PublishError::Validation)?;
    if !files.declares_runnable() {
        return Ok(None);
    }
    let recorded = tokio::task::spawn_blocking(move || {
        let checkpoint = Checkpoint::open(files)?;
        let model = Model::load(
            &checkpoint,
            &candle_core::Device::Cpu,
            candle_core::DType::F32,
            vectors::max_context(),
        )?;
        vectors::record(&checkpoint, &model)
    })
    .await
    .map_err(|e| PublishError::Validation(InferenceError::Task(e.to_string())))?;
    match recorded {
        Ok(record) => {
            tracing::info!(
                sequences = record.sequences.len(),
                "validation vectors recorded"
            );
            Ok(Some(record))
        }
        // A variant this gateway cannot run is still published, without vectors.
        Err(InferenceError::Unsupported(what)) => {
            tracing::warn!(unsupported = %what, "published without validation vectors");
            Ok(None)
        }
        Err(err) => Err(PublishError::Validation(err)),
    }
}
