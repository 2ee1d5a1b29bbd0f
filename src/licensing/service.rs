//! Publishing license versions (from the repository at start, from the CLI, from the admin
//! API) and answering which version is current.

use std::path::Path;

use serde::Deserialize;
use serde_json::json;

use crate::auth::{Principal, Scope};
use crate::db::licensing::{self, LicenseVersionRow};
use crate::db::{audit, now_ms, Db};
use crate::domain::{Modality, Role};
use crate::ledger::event::{EventKind, Outcome};
use crate::licensing::documents::{LicenseDocuments, LicenseMetadata};
use crate::licensing::LicensingError;
use crate::state::AppState;

/// Publishes a new version; it becomes the current one, so earlier acceptances stop counting.
pub async fn publish_version(
    db: &Db,
    docs: &LicenseDocuments,
    by: Option<String>,
) -> Result<LicenseVersionRow, LicensingError> {
    docs.validate()?;
    let row = docs.to_row(now_ms(), by);
    let mut tx = db.begin_write().await?;
    if !licensing::insert_license_version(&mut tx, &row).await? {
        return Err(LicensingError::VersionExists {
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
            Ok(_) | Err(LicensingError::VersionExists { .. }) => {}
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
) -> Result<LicenseVersionRow, LicensingError> {
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
    publish_version(&state.db, &docs, Some(who.email.clone())).await
}
