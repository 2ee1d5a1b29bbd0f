//! SQL for the catalog: models, revisions (signed manifests), revision files and blobs.

use sqlx::{AnyConnection, FromRow};

use super::{now_ms, Db};
use crate::domain::{ModelId, Sha256Digest};
use crate::store::manifest::Manifest;

/// A model and its latest revision, as listed in the catalog.
#[derive(Debug, Clone, FromRow)]
pub struct ModelSummary {
    pub id: String,
    pub modality: String,
    pub license_id: String,
    pub latest_revision: String,
    pub total_size: i64,
    pub file_count: i64,
    pub published_at: i64,
}

/// One published revision of a model.
#[derive(Debug, Clone, FromRow)]
pub struct RevisionRow {
    pub digest: String,
    pub model_id: String,
    pub manifest: String,
    pub signature: String,
    pub total_size: i64,
    pub file_count: i64,
    pub created_at: i64,
    pub published_at: i64,
}

const REVISION_COLUMNS: &str =
    "digest, model_id, manifest, signature, total_size, file_count, created_at, published_at";

/// The condition on a revision row that its model is served (not withdrawn on a mirror).
const SERVED: &str = "model_id IN (SELECT id FROM models WHERE withdrawn_at IS NULL)";

/// Records a published revision inside the caller's transaction: upserts the model,
/// registers the blobs, inserts the revision (or marks an identical one as newly
/// published) and its files.
#[tracing::instrument(skip_all, fields(model.id = %manifest.model))]
pub async fn record_revision(
    conn: &mut AnyConnection,
    manifest: &Manifest,
    signature: &str,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let digest = manifest.digest().hex();
    sqlx::query(
        "INSERT INTO models (id, org, name, modality, license_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (id) DO UPDATE SET modality = excluded.modality,
             license_id = excluded.license_id, updated_at = excluded.updated_at,
             withdrawn_at = NULL",
    )
    .bind(manifest.model.to_string())
    .bind(manifest.model.org())
    .bind(manifest.model.name())
    .bind(manifest.modality.as_str())
    .bind(&manifest.license)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    for file in &manifest.files {
        sqlx::query("INSERT INTO blobs (sha256, size, created_at) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
            .bind(file.sha256.hex())
            .bind(size_i64(file.size))
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    let canonical = String::from_utf8_lossy(&manifest.canonical_bytes()).into_owned();
    sqlx::query(
        "INSERT INTO revisions (digest, model_id, manifest, signature, total_size, file_count, created_at, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         ON CONFLICT (digest) DO UPDATE SET published_at = excluded.published_at",
    )
    .bind(&digest)
    .bind(manifest.model.to_string())
    .bind(canonical)
    .bind(signature)
    .bind(size_i64(manifest.total_size()))
    .bind(manifest.files.len() as i64)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    for file in &manifest.files {
        sqlx::query(
            "INSERT INTO revision_files (revision_digest, path, size, sha256) VALUES ($1, $2, $3, $4)
             ON CONFLICT (revision_digest, path) DO NOTHING",
        )
        .bind(&digest)
        .bind(file.path.as_str())
        .bind(size_i64(file.size))
        .bind(file.sha256.hex())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Withdraws every served model not in `keep` (a mirror's newest snapshot no longer lists
/// them); `record_revision` serves a model again.
pub async fn withdraw_all_but(
    conn: &mut AnyConnection,
    keep: &[String],
) -> Result<u64, sqlx::Error> {
    let placeholders: Vec<String> = (0..keep.len()).map(|i| format!("${}", i + 2)).collect();
    let not_kept = if keep.is_empty() {
        String::new()
    } else {
        format!(" AND id NOT IN ({})", placeholders.join(", "))
    };
    let sql = format!("UPDATE models SET withdrawn_at = $1 WHERE withdrawn_at IS NULL{not_kept}");
    let mut query = sqlx::query(&sql).bind(now_ms());
    for id in keep {
        query = query.bind(id);
    }
    Ok(query.execute(conn).await?.rows_affected())
}

fn size_i64(size: u64) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

/// Every model with its latest revision, ordered by id.
#[tracing::instrument(skip_all)]
pub async fn list_models(db: &Db) -> Result<Vec<ModelSummary>, sqlx::Error> {
    sqlx::query_as::<_, ModelSummary>(
        "SELECT m.id, m.modality, m.license_id, r.digest AS latest_revision, r.total_size, r.file_count, r.published_at
         FROM models m JOIN revisions r ON r.model_id = m.id
         WHERE m.withdrawn_at IS NULL AND r.digest = (SELECT r2.digest FROM revisions r2 WHERE r2.model_id = m.id
                           ORDER BY r2.published_at DESC, r2.digest DESC LIMIT 1)
         ORDER BY m.id",
    )
    .fetch_all(&db.pool)
    .await
}

/// All revisions of a model, newest first; empty when the model does not exist.
#[tracing::instrument(skip_all, fields(model.id = %model))]
pub async fn revisions_of(db: &Db, model: &ModelId) -> Result<Vec<RevisionRow>, sqlx::Error> {
    sqlx::query_as::<_, RevisionRow>(&format!(
        "SELECT {REVISION_COLUMNS} FROM revisions WHERE model_id = $1 AND {SERVED}
         ORDER BY published_at DESC, digest DESC"
    ))
    .bind(model.to_string())
    .fetch_all(&db.pool)
    .await
}

/// One revision of a model: the given digest, or the latest when `None`.
#[tracing::instrument(skip_all, fields(model.id = %model))]
pub async fn find_revision(
    db: &Db,
    model: &ModelId,
    digest: Option<&Sha256Digest>,
) -> Result<Option<RevisionRow>, sqlx::Error> {
    match digest {
        Some(digest) => {
            sqlx::query_as::<_, RevisionRow>(&format!(
                "SELECT {REVISION_COLUMNS} FROM revisions WHERE model_id = $1 AND digest = $2 AND {SERVED}"
            ))
            .bind(model.to_string())
            .bind(digest.hex())
            .fetch_optional(&db.pool)
            .await
        }
        None => {
            sqlx::query_as::<_, RevisionRow>(&format!(
                "SELECT {REVISION_COLUMNS} FROM revisions WHERE model_id = $1 AND {SERVED}
                 ORDER BY published_at DESC, digest DESC LIMIT 1"
            ))
            .bind(model.to_string())
            .fetch_optional(&db.pool)
            .await
        }
    }
}

/// The blob digests and sizes of the files of revision `revision` (empty when it does not
/// exist).
#[tracing::instrument(skip_all, fields(revision.digest = %revision))]
pub async fn blobs_of_revision(
    db: &Db,
    revision: &Sha256Digest,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT sha256, size FROM revision_files WHERE revision_digest = $1")
        .bind(revision.hex())
        .fetch_all(&db.pool)
        .await
}
