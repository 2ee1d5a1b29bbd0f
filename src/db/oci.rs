//! SQL for the OCI views of revisions (`store::oci`): their manifests, kept byte for byte,
//! and the blobs those manifests name; and the lookups the registry makes by repository
//! name, tag and digest.

use sqlx::{AnyConnection, FromRow};

use super::catalog::RevisionRow;
use super::{now_ms, Db};
use crate::store::oci::{RevisionViews, ViewBlobKind};

/// A recorded manifest of a revision's view.
#[derive(Debug, Clone, FromRow)]
pub struct OciManifestRow {
    pub digest: String,
    pub revision_digest: String,
    /// `store::oci::View::as_str`.
    pub view: String,
    pub media_type: String,
    pub artifact_type: Option<String>,
    pub subject_digest: Option<String>,
    pub body: String,
}

/// A blob a revision's views name.
#[derive(Debug, Clone, FromRow)]
pub struct OciBlobRow {
    pub revision_digest: String,
    pub digest: String,
    pub size: i64,
    /// `file`, `inline` or `tar`.
    pub kind: String,
    pub source_sha256: Option<String>,
    pub source_size: Option<i64>,
    pub path: Option<String>,
    pub body: Option<String>,
}

const MANIFEST_COLUMNS: &str =
    "digest, revision_digest, view, media_type, artifact_type, subject_digest, body";
const BLOB_COLUMNS: &str =
    "revision_digest, digest, size, kind, source_sha256, source_size, path, body";

/// Records the views of revision `revision` (hex) in the caller's transaction; recording
/// them again changes nothing.
pub async fn record_views(
    conn: &mut AnyConnection,
    revision: &str,
    views: &RevisionViews,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for manifest in &views.manifests {
        sqlx::query(
            "INSERT INTO oci_manifests (digest, revision_digest, view, media_type, artifact_type, subject_digest, body, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (digest) DO NOTHING",
        )
        .bind(manifest.digest.hex())
        .bind(revision)
        .bind(manifest.view.as_str())
        .bind(crate::store::oci::OCI_MANIFEST)
        .bind(manifest.artifact_type.clone())
        .bind(manifest.subject.map(|s| s.hex()))
        .bind(&manifest.body)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    for blob in &views.blobs {
        let size = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let (kind, source, source_size, path, body) = match &blob.kind {
            ViewBlobKind::File { source } => ("file", Some(source.hex()), None, None, None),
            ViewBlobKind::Inline { body } => ("inline", None, None, None, Some(body.clone())),
            ViewBlobKind::Tar {
                source,
                source_size,
                path,
            } => (
                "tar",
                Some(source.hex()),
                Some(size(*source_size)),
                Some(path.as_str().to_owned()),
                None,
            ),
        };
        sqlx::query(
            "INSERT INTO oci_blobs (revision_digest, digest, size, kind, source_sha256, source_size, path, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (revision_digest, digest) DO NOTHING",
        )
        .bind(revision)
        .bind(blob.digest.hex())
        .bind(size(blob.size))
        .bind(kind)
        .bind(source)
        .bind(source_size)
        .bind(path)
        .bind(body)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Whether revision `revision` (hex) has its views recorded.
pub async fn has_views(db: &Db, revision: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT digest FROM oci_manifests WHERE revision_digest = $1 LIMIT 1")
            .bind(revision)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.is_some())
}

/// The served revisions with no views recorded yet, oldest first.
pub async fn revisions_without_views(db: &Db) -> Result<Vec<RevisionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.digest, r.model_id, r.manifest, r.signature, r.total_size, r.file_count,
                r.created_at, r.published_at
         FROM revisions r JOIN models m ON m.id = r.model_id
         WHERE m.withdrawn_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM oci_manifests o WHERE o.revision_digest = r.digest)
         ORDER BY r.published_at, r.digest",
    )
    .fetch_all(&db.pool)
    .await
}

/// The served models whose id, lowercased, is `repository` (the one-to-one mapping of OCI
/// repository names; more than one match means the name is ambiguous).
pub async fn models_named(db: &Db, repository: &str) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM models WHERE lower(id) = $1 AND withdrawn_at IS NULL ORDER BY id",
    )
    .bind(repository)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The ids of models other than `model` whose ids differ from it in case only.
pub async fn case_twins(conn: &mut AnyConnection, model: &str) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM models WHERE lower(id) = lower($1) AND id <> $1")
            .bind(model)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The manifest with digest `digest` (hex) when it belongs to a revision of `model`.
pub async fn manifest_of_model(
    db: &Db,
    model: &str,
    digest: &str,
) -> Result<Option<OciManifestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {MANIFEST_COLUMNS} FROM oci_manifests
         WHERE digest = $1 AND revision_digest IN (SELECT digest FROM revisions WHERE model_id = $2)"
    ))
    .bind(digest)
    .bind(model)
    .fetch_optional(&db.pool)
    .await
}

/// The manifest of `view` of revision `revision` (hex).
pub async fn view_manifest(
    db: &Db,
    revision: &str,
    view: &str,
) -> Result<Option<OciManifestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {MANIFEST_COLUMNS} FROM oci_manifests WHERE revision_digest = $1 AND view = $2"
    ))
    .bind(revision)
    .bind(view)
    .fetch_optional(&db.pool)
    .await
}

/// The manifests that name `subject` (hex) as their subject, by digest.
pub async fn referrers(db: &Db, subject: &str) -> Result<Vec<OciManifestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {MANIFEST_COLUMNS} FROM oci_manifests WHERE subject_digest = $1 ORDER BY digest"
    ))
    .bind(subject)
    .fetch_all(&db.pool)
    .await
}

/// The blob `digest` (hex) as named by the views of revision `revision` (hex).
pub async fn blob_in_revision(
    db: &Db,
    revision: &str,
    digest: &str,
) -> Result<Option<OciBlobRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {BLOB_COLUMNS} FROM oci_blobs WHERE revision_digest = $1 AND digest = $2"
    ))
    .bind(revision)
    .bind(digest)
    .fetch_optional(&db.pool)
    .await
}

/// The newest revision (hex) of `model` whose views name blob `digest` (hex).
pub async fn newest_revision_naming_blob(
    db: &Db,
    model: &str,
    digest: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT r.digest FROM oci_blobs b JOIN revisions r ON r.digest = b.revision_digest
         WHERE b.digest = $1 AND r.model_id = $2
         ORDER BY r.published_at DESC, r.digest DESC LIMIT 1",
    )
    .bind(digest)
    .bind(model)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(d,)| d))
}
