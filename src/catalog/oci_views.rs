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
    #[error("the manifest of revision {0} is not readable")]
    Manifest(String, #[source] serde_json::Error),
    #[error("recording OCI views failed")]
    Database(#[from] sqlx::Error),
}

/// Computes the views of `manifest` signed by `signature`, reading its files from `store`.
pub async fn compute(
    store: &BlobStore,
    manifest: &Manifest,
    signature: &str,
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
/// before the registry existed); returns how many were recorded. A revision whose files
/// cannot be read is logged and skipped, and tried again at the next start.
pub async fn backfill(db: &Db, store: &BlobStore) -> Result<usize, OciViewError> {
    let mut recorded = 0;
    for row in oci::revisions_without_views(db).await? {
        match record_for(db, store, &row).await {
            Ok(()) => recorded += 1,
            Err(err) => {
                tracing::warn!(revision = %row.digest, error = %err, "OCI views not recorded")
            }
        }
    }
    Ok(recorded)
}

async fn record_for(db: &Db, store: &BlobStore, row: &RevisionRow) -> Result<(), OciViewError> {
    let manifest: Manifest = serde_json::from_str(&row.manifest)
        .map_err(|e| OciViewError::Manifest(row.digest.clone(), e))?;
    let views = compute(store, &manifest, &row.signature).await?;
    let mut tx = db.begin_write().await?;
    oci::record_views(&mut tx, &row.digest, &views).await?;
    tx.commit().await?;
    Ok(())
}
