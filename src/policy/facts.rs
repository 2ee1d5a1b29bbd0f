//! Gathering the facts a decision needs from the database: the licensee (from the user's
//! role, current attestation, acceptance and termination state) and the model (from its
//! signed manifest). The access endpoint and `modelgate policy explain` share this.

use crate::db::accounts::UserRow;
use crate::db::catalog::RevisionRow;
use crate::db::licensing::{self, AttestationRow};
use crate::db::Db;
use crate::domain::{Modality, Role};
use crate::policy::decide::{LicenseeFacts, ModelFacts};

#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error("the user has not stated a domicile (no attestation)")]
    NoAttestation,
    #[error("the manifest of revision {0} is unreadable")]
    Manifest(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The model facts of a published revision, from its signed manifest.
pub fn model_facts(revision: &RevisionRow) -> Result<ModelFacts, FactsError> {
    let manifest: crate::store::manifest::Manifest = serde_json::from_str(&revision.manifest)
        .map_err(|_| FactsError::Manifest(revision.digest.clone()))?;
    Ok(ModelFacts {
        id: revision.model_id.clone(),
        multimodal: manifest.modality == Modality::Multimodal,
        license: manifest.license,
    })
}

/// The licensee behind `user` for `license_id`, and the declaration it comes from.
#[derive(Debug, Clone)]
pub struct Licensee {
    pub facts: LicenseeFacts,
    pub attestation: AttestationRow,
}

/// The licensee rule: the organisation when the current attestation accepts on its behalf,
/// otherwise the individual; a partner account is a partner licensee. Also whether their
/// acceptance covers the current license version and whether the license was terminated.
pub async fn licensee_facts(
    db: &Db,
    user: &UserRow,
    license_id: &str,
) -> Result<Licensee, FactsError> {
    let attestation = licensing::attestations_of(db, &user.id)
        .await?
        .into_iter()
        .next()
        .ok_or(FactsError::NoAttestation)?;
    let current = licensing::current_version(db, license_id).await?;
    let accepted = licensing::latest_acceptances_of(db, &user.id)
        .await?
        .into_iter()
        .find(|a| a.license_id == license_id)
        .is_some_and(|a| {
            a.revoked_at.is_none() && current.as_ref().is_some_and(|c| c.digest == a.digest)
        });
    let revoked = user.disabled_at.is_some()
        || licensing::termination_of(db, &user.id, license_id)
            .await?
            .is_some();
    let organisation = (attestation.on_behalf_of_organisation != 0)
        .then_some(attestation.organisation_country.as_deref())
        .flatten();
    let mut facts = LicenseeFacts::from_attestation(
        &attestation.domicile_country,
        organisation,
        accepted,
        revoked,
    );
    if user.role == Role::Partner.as_str() {
        facts.kind = "partner".into();
    }
    Ok(Licensee { facts, attestation })
}
