//! Gathering the facts a decision needs from the database: the licensee (from the user's
//! current attestation, acceptance and termination state) and the model (from its signed
//! manifest). The access endpoint and `modelgate policy explain` share this.

use crate::db::licensing;
use crate::db::Db;
use crate::domain::{Modality, ModelId};
use crate::policy::decide::{LicenseeFacts, ModelFacts};

#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error("model `{0}` not found")]
    UnknownModel(String),
    #[error("the user has not stated a domicile (no attestation)")]
    NoAttestation,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The latest revision of `model` as policy facts.
pub async fn model_facts(db: &Db, model: &ModelId) -> Result<ModelFacts, FactsError> {
    let row = crate::db::catalog::find_revision(db, model, None)
        .await?
        .ok_or_else(|| FactsError::UnknownModel(model.to_string()))?;
    let manifest: crate::store::manifest::Manifest = serde_json::from_str(&row.manifest)
        .map_err(|e| FactsError::Database(sqlx::Error::Decode(Box::new(e))))?;
    Ok(ModelFacts {
        id: model.to_string(),
        multimodal: manifest.modality == Modality::Multimodal,
        license: manifest.license,
    })
}

/// The licensee behind `user_id` for `license_id`: the organisation when the current
/// attestation accepts on its behalf, otherwise the individual; whether their acceptance
/// covers the current license version; whether the license was terminated.
pub async fn licensee_facts(
    db: &Db,
    user_id: &str,
    license_id: &str,
) -> Result<LicenseeFacts, FactsError> {
    let attestation = licensing::attestations_of(db, user_id)
        .await?
        .into_iter()
        .next()
        .ok_or(FactsError::NoAttestation)?;
    let current = licensing::current_version(db, license_id).await?;
    let accepted = licensing::latest_acceptances_of(db, user_id)
        .await?
        .into_iter()
        .find(|a| a.license_id == license_id)
        .is_some_and(|a| {
            a.revoked_at.is_none() && current.as_ref().is_some_and(|c| c.digest == a.digest)
        });
    let revoked = licensing::termination_of(db, user_id, license_id)
        .await?
        .is_some();
    let organisation = (attestation.on_behalf_of_organisation != 0)
        .then_some(attestation.organisation_country.as_deref())
        .flatten();
    Ok(LicenseeFacts::from_attestation(
        &attestation.domicile_country,
        organisation,
        accepted,
        revoked,
    ))
}
