//! Publishing license versions (from the repository at start, from the CLI, from the admin
//! API) and answering which version is current.

use std::path::Path;

use serde::Deserialize;
use serde_json::json;

use crate::auth::{Principal, Scope};
use crate::db::licensing::{self, LicenseVersionRow};
use crate::db::{audit, now_ms, Db};
use crate::domain::{Modality, Role};
use crate::error::ApiError;
use crate::ledger::event::{EventKind, Outcome};
use crate::licensing::documents::{LicenseDocuments, LicenseError, LicenseMetadata};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum PublishLicenseError {
    #[error(transparent)]
    Invalid(#[from] LicenseError),
    #[error("license `{id}` already has a version `{version}` (or identical documents)")]
    Exists { id: String, version: String },
    #[error("recording the license version failed")]
    Database(#[from] sqlx::Error),
}

/// Publishes a new version; it becomes the current one, so earlier acceptances stop counting.
pub async fn publish_version(
    db: &Db,
    docs: &LicenseDocuments,
    by: Option<String>,
) -> Result<LicenseVersionRow, PublishLicenseError> {
    docs.validate()?;
    let row = docs.to_row(now_ms(), by);
    let mut tx = db.begin_write().await?;
    if !licensing::insert_license_version(&mut tx, &row).await? {
        return Err(PublishLicenseError::Exists {
            id: row.license_id,
            version: row.version,
        });
    }
    audit::append(
        &mut tx,
        &audit::NewEvent {
            kind: EventKind::LicensePublished,
            actor: row.published_by.clone(),
            subject: Some(format!("{}@{}", row.license_id, row.version)),
            outcome: Some(Outcome::Published),
            data: json!({ "license": row.license_id, "version": row.version, "digest": row.digest,
                          "modalities": row.modalities, "title": row.title }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(license.id = %row.license_id, license.version = %row.version, license.digest = %row.digest, "license version published");
    Ok(row)
}

/// Records the licenses shipped under `policy_dir` whose version is not known yet.
pub async fn import_shipped(db: &Db, policy_dir: &Path) -> anyhow::Result<()> {
    for docs in LicenseDocuments::shipped(policy_dir)? {
        let known = licensing::current_version(db, &docs.metadata.id).await?;
        if known.is_some_and(|row| {
            row.version == docs.metadata.version || row.digest == docs.digest().hex()
        }) {
            continue;
        }
        match publish_version(db, &docs, Some("repository".into())).await {
            Ok(_) | Err(PublishLicenseError::Exists { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The body of `POST /v1/admin/licenses/{id}/versions`: the new version's documents.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVersionBody {
    pub version: String,
    pub title: String,
    pub modalities: Vec<Modality>,
    pub license_text: String,
    pub aup_text: String,
    pub notice: String,
}

/// Publishes `b` as the new current version of license `id` (admins only).
pub async fn publish_license(
    state: &AppState,
    who: &Principal,
    id: String,
    b: NewVersionBody,
) -> Result<LicenseVersionRow, ApiError> {
    who.authorize(&[Role::Admin], Scope::Admin)?;
    let docs = LicenseDocuments {
        metadata: LicenseMetadata {
            id,
            version: b.version,
            title: b.title,
            modalities: b.modalities,
        },
        license_text: b.license_text,
        aup_text: b.aup_text,
        notice: b.notice,
    };
    let row = publish_version(&state.db, &docs, Some(who.email.clone()))
        .await
        .map_err(|e| match e {
            PublishLicenseError::Invalid(e) => ApiError::BadRequest(e.to_string()),
            PublishLicenseError::Exists { .. } => ApiError::Conflict(e.to_string()),
            PublishLicenseError::Database(e) => ApiError::from(e),
        })?;
    Ok(row)
}
