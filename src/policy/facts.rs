//! Gathering the facts a decision needs from the database: the licensee (from the user's
//! role, current attestation, acceptance and termination state) and the model (from its
//! signed manifest). The access endpoint and `modelgate policy explain` share this.

use crate::db::accounts::UserRow;
use crate::db::catalog::RevisionRow;
use crate::db::licensing::{self, AcceptanceRow, AttestationRow, LicenseVersionRow};
use crate::db::mirror;
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

/// The licensee behind `user` for `license_id`, the declaration it comes from and the
/// acceptance that covers it (if one does).
#[derive(Debug, Clone)]
pub struct Licensee {
    pub facts: LicenseeFacts,
    /// The user's live acceptance of the current license version made for this same
    /// licensee; `facts.accepted_current_license` says whether there is one.
    pub acceptance_id: Option<String>,
    /// Every declaration of the user, newest first.
    // INVARIANT: never empty (`licensee_facts` refuses a user without a declaration).
    pub history: Vec<AttestationRow>,
}

impl Licensee {
    /// The current declaration, the one the licensee comes from.
    pub fn attestation(&self) -> &AttestationRow {
        &self.history[0]
    }
}

/// What a declaration says about the licensee, compared across declaration rows: posting
/// the same facts again is not a new declaration, and a verdict or an acceptance made on
/// one set of facts does not carry over to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredLicensee {
    /// `None` for an individual; the organisation's name (trimmed, case folded) and
    /// country when accepting on its behalf.
    pub organisation: Option<(String, String)>,
    pub domicile: String,
    /// The territories of use and the user band: a review verdict binds to them too.
    pub territories: Option<String>,
    pub user_band: Option<String>,
}

impl DeclaredLicensee {
    pub fn of(attestation: &AttestationRow) -> Self {
        let organisation = (attestation.on_behalf_of_organisation != 0).then(|| {
            (
                attestation
                    .organisation_name
                    .as_deref()
                    .unwrap_or_default()
                    .trim()
                    .to_lowercase(),
                attestation.organisation_country.clone().unwrap_or_default(),
            )
        });
        DeclaredLicensee {
            organisation,
            domicile: attestation.domicile_country.clone(),
            territories: attestation.deployment_territories.clone(),
            user_band: attestation.monthly_active_users.clone(),
        }
    }

    /// Whether an acceptance made under `self` binds the licensee declared by `other`: the
    /// same individual (whatever their domicile now) or the same organisation.
    pub fn same_licensee(&self, other: &DeclaredLicensee) -> bool {
        self.organisation == other.organisation
    }
}

/// The user's live acceptance of license version `version` made for the licensee their
/// current declaration (the first of `attestations`, all of theirs, newest first) names;
/// `None` without a declaration or such an acceptance.
pub async fn acceptance_for_licensee(
    db: &Db,
    attestations: &[AttestationRow],
    version: &LicenseVersionRow,
) -> Result<Option<AcceptanceRow>, sqlx::Error> {
    let Some(current) = attestations.first() else {
        return Ok(None);
    };
    let declared = DeclaredLicensee::of(current);
    Ok(licensing::live_acceptances_of_version(
        db,
        &current.user_id,
        &version.license_id,
        &version.digest,
    )
    .await?
    .into_iter()
    .find(|acceptance| {
        attestations
            .iter()
            .find(|a| a.id == acceptance.attestation_id)
            .is_some_and(|a| DeclaredLicensee::of(a).same_licensee(&declared))
    }))
}

/// The licensee rule: the organisation when the current attestation accepts on its behalf,
/// otherwise the individual; a partner account is a partner licensee whose country is the
/// principal place of business its admins recorded (never the partner's own word). Also
/// whether an acceptance of the current license version made for this same licensee is
/// live, and whether the license was terminated.
pub async fn licensee_facts(
    db: &Db,
    user: &UserRow,
    license_id: &str,
) -> Result<Licensee, FactsError> {
    let attestations = licensing::attestations_of(db, &user.id).await?;
    let attestation = attestations.first().ok_or(FactsError::NoAttestation)?;
    let acceptance_id = match licensing::current_version(db, license_id).await? {
        Some(current) => acceptance_for_licensee(db, &attestations, &current)
            .await?
            .map(|acceptance| acceptance.id),
        None => None,
    };
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
        acceptance_id.is_some(),
        revoked,
    );
    facts.deployment_territories = attestation.territories();
    facts.monthly_active_users = attestation.user_band();
    if user.role == Role::Partner.as_str() {
        facts.kind = "partner".into();
        match mirror::partner(db, &user.id).await? {
            Some(partner) => {
                facts = LicenseeFacts {
                    monthly_active_users: facts.monthly_active_users,
                    ..LicenseeFacts::partner(
                        &partner.country,
                        facts.accepted_current_license,
                        facts.entitlement_revoked,
                    )
                };
            }
            None => {
                // A partner account without its admin record has no place of business.
                facts.entitlement_revoked = true;
            }
        }
    }
    Ok(Licensee {
        facts,
        acceptance_id,
        history: attestations,
    })
}
