//! Recording a revision's OCI views (`store::oci`): every stored file is read once to take
//! the digest of its modelcar layer (the file inside its tar frame) and, for safetensors
//! files, the header the ModelPack config reports from. Publishing and mirror syncs record
//! the views with the revision; `backfill` records them for revisions published before the
//! registry existed.

use futures_util::StreamExt;
use sha2::{Digest as _, Sha256};

use crate::db::catalog::RevisionRow;
use crate::db::{oci, Db};
use crate::domain::Sha256Digest;
use crate::store::blobs::{BlobError, BlobStore};
use crate::store::http::BlobBody;
use crate::store::manifest::{Manifest, ManifestFile};
use crate::store::oci::tar_layer::TarFrame;
use crate::store::oci::weights::{HeaderReader, WeightTally};
use crate::store::oci::{build_views, RevisionViews, ViewInputs};

#[derive(Debug, thiserror::Error)]
pub enum OciViewError {
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error("reading blob {digest} failed")]
    Read {
        digest: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Build(#[from] crate::store::oci::ViewError),
    #[error("the modelcar base layer `{path}` is not usable: {reason}")]
    BaseLayer { path: String, reason: String },
    #[error("the manifest of revision {0} is not readable")]
    Manifest(String, #[source] serde_json::Error),
    #[error("recording OCI views failed")]
    Database(#[from] sqlx::Error),
}

/// A stored tar every modelcar image starts with (`catalog.modelcar_base_layer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaseLayer {
    pub digest: Sha256Digest,
    pub size: u64,
}

/// Stores the modelcar base layer at `path` (empty: none) after checking it is an
/// uncompressed tar with entries, none of them under `models/`.
pub async fn store_base_layer(
    store: &BlobStore,
    path: &str,
) -> Result<Option<BaseLayer>, OciViewError> {
    if path.is_empty() {
        return Ok(None);
    }
    let refused = |reason: String| OciViewError::BaseLayer {
        path: path.to_owned(),
        reason,
    };
    let file = std::path::PathBuf::from(path);
    let checked = tokio::task::spawn_blocking(move || check_base_layer(&file))
        .await
        .map_err(|e| refused(e.to_string()))?;
    checked.map_err(refused)?;
    let stored = store
        .put_file(
            std::path::Path::new(path),
            None,
            &indicatif::ProgressBar::hidden(),
        )
        .await?;
    Ok(Some(BaseLayer {
        digest: stored.digest,
        size: stored.size,
    }))
}

fn check_base_layer(path: &std::path::Path) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut archive = tar::Archive::new(file);
    let mut entries = 0;
    for entry in archive.entries().map_err(|e| format!("not a tar: {e}"))? {
        let entry = entry.map_err(|e| format!("not a tar: {e}"))?;
        let name = entry.path().map_err(|e| e.to_string())?.into_owned();
        let first = name.components().find(|c| {
            !matches!(
                c,
                std::path::Component::CurDir | std::path::Component::RootDir
            )
        });
        if first.is_some_and(|c| c.as_os_str() == crate::store::oci::tar_layer::MODELS_DIR) {
            return Err(format!("`{}` is where the model goes", name.display()));
        }
        entries += 1;
    }
    if entries == 0 {
        return Err("it holds no entries (or is compressed)".into());
    }
    Ok(())
}

/// Computes the views of `manifest` signed by `signature`, reading its files from `store`;
/// every modelcar image starts with `base` when given.
pub async fn compute(
    store: &BlobStore,
    manifest: &Manifest,
    signature: &str,
    base: Option<BaseLayer>,
) -> Result<RevisionViews, OciViewError> {
    let mut weights = WeightTally::default();
    let mut tar_layers = Vec::with_capacity(manifest.files.len());
    for file in &manifest.files {
        tar_layers.push(read_file(store, file, &mut weights).await?);
    }
    Ok(build_views(&ViewInputs {
        manifest,
        signature,
        weights: &weights,
        tar_layers: &tar_layers,
        modelcar_base: base.map(|b| (b.digest, b.size)),
    })?)
}

/// Reads `file` once: the digest and size of its modelcar layer, and its safetensors
/// header into `weights`.
async fn read_file(
    store: &BlobStore,
    file: &ManifestFile,
    weights: &mut WeightTally,
) -> Result<(Sha256Digest, u64), OciViewError> {
    let frame = TarFrame::for_file(&file.path, file.size).map_err(|source| OciViewError::Read {
        digest: file.sha256.reference(),
        source,
    })?;
    let mut hasher = Sha256::new();
    hasher.update(&frame.prefix);
    let safetensors = file.path.as_str().ends_with(".safetensors");
    let mut header = HeaderReader::new();
    let mut take = |chunk: &[u8]| {
        hasher.update(chunk);
        if safetensors {
            header.feed(chunk);
        }
    };
    match store
        .open_blob(&file.sha256)
        .await?
        .body(0, file.size)
        .await?
    {
        BlobBody::Whole(bytes) => take(&bytes),
        BlobBody::Stream { mut chunks, .. } => {
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|source| OciViewError::Read {
                    digest: file.sha256.reference(),
                    source,
                })?;
                take(&chunk);
            }
        }
    }
    hasher.update(&frame.suffix);
    if safetensors {
        // A header that is not one (a file named `.safetensors` holding something else)
        // only means the config reports no facts from it.
        if let Err(err) = header.header().and_then(|h| weights.add_header(h)) {
            tracing::warn!(path = %file.path, error = %err, "no weight facts from this file");
        }
    }
    Ok((
        Sha256Digest::from_bytes(hasher.finalize().into()),
        frame.layer_size(file.size),
    ))
}

/// Records the views of every served revision that has none yet (revisions published
/// before the registry existed), each modelcar on the base layer at `base_layer` (empty:
/// none); returns how many were recorded. A revision whose files
/// cannot be read is logged and skipped, and tried again at the next start.
pub async fn backfill(db: &Db, store: &BlobStore, base_layer: &str) -> Result<usize, OciViewError> {
    let missing = oci::revisions_without_views(db).await?;
    if missing.is_empty() {
        return Ok(0);
    }
    // Read and stored only when some revision needs it.
    let base = store_base_layer(store, base_layer).await?;
    let mut recorded = 0;
    for row in missing {
        match record_for(db, store, &row, base).await {
            Ok(()) => recorded += 1,
            Err(err) => {
                tracing::warn!(revision = %row.digest, error = %err, "OCI views not recorded")
            }
        }
    }
    Ok(recorded)
}

async fn record_for(
    db: &Db,
    store: &BlobStore,
    row: &RevisionRow,
    base: Option<BaseLayer>,
) -> Result<(), OciViewError> {
    let manifest: Manifest = serde_json::from_str(&row.manifest)
        .map_err(|e| OciViewError::Manifest(row.digest.clone(), e))?;
    let views = compute(store, &manifest, &row.signature, base).await?;
    let mut tx = db.begin_write().await?;
    oci::record_views(&mut tx, &row.digest, &views).await?;
    tx.commit().await?;
    Ok(())
}
