//! The mirror snapshot (DESIGN §6, after TUF's signed metadata): for one partner, the
//! models its license lets it distribute (each with its signed manifest and `model.sig`),
//! the current license documents and the policy bundle, with a version that only grows and
//! an expiry, signed by the publisher key as a DSSE envelope. Mirrors are untrusted byte
//! stores: everything they serve is checked against this.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::gather;
use crate::db::licensing::{self, LicenseVersionRow};
use crate::db::mirror::{self as store, PartnerRow};
use crate::db::{audit, catalog, now_ms};
use crate::domain::{Modality, ModelId, Sha256Digest};
use crate::error::ApiError;
use crate::ledger::event::{self, EventKind};
use crate::licensing::documents::{LicenseDocuments, LicenseMetadata};
use crate::policy::{Action, Outcome};
use crate::state::AppState;
use crate::store::signing::{verify_envelope, PublicKey, PublisherKey, SignatureError};

/// The DSSE payload type of a snapshot.
pub const PAYLOAD_TYPE: &str = "application/vnd.modelgate.mirror-snapshot.v1+json";

/// What upstream lets one partner mirror, at one moment. Times are unix milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Grows with every snapshot this upstream issues; a mirror refuses a smaller one.
    pub version: i64,
    pub issued_at: i64,
    /// A mirror refuses the snapshot after this (a frozen upstream cannot be replayed).
    pub expires_at: i64,
    pub partner: SnapshotPartner,
    /// The policy bundle's digest and files (name → text).
    pub policy_digest: Sha256Digest,
    pub policy: BTreeMap<String, String>,
    /// The current version of every license.
    pub licenses: Vec<SnapshotLicense>,
    /// The models the partner may mirror, at their latest revision.
    pub models: Vec<SnapshotModel>,
    /// The models it may not, and why.
    pub withheld: Vec<WithheldModel>,
    /// Origins (`scheme://host:port`) of the stores upstream may redirect blob requests to;
    /// a mirror follows a blob redirect nowhere else.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blob_origins: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotPartner {
    pub id: String,
    pub name: String,
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotLicense {
    pub documents: LicenseDocuments,
    pub published_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotModel {
    pub id: ModelId,
    pub revision: Sha256Digest,
    /// The manifest exactly as signed (its SHA-256 is `revision`).
    pub manifest: String,
    /// The revision's `model.sig`.
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithheldModel {
    pub id: String,
    pub outcome: Outcome,
    /// `policy id: sentence` for each reason.
    pub reasons: Vec<String>,
}

/// Why a snapshot envelope was refused.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("the snapshot signature does not verify: {0}")]
    Signature(#[from] SignatureError),
    #[error("the snapshot is malformed: {0}")]
    Malformed(String),
    #[error("the snapshot offers `{model}`, which its own policy withholds from a partner whose principal place of business is {country} ({policies}): refusing it")]
    NotEntitled {
        model: String,
        country: String,
        policies: String,
    },
}

fn documents_of(row: &LicenseVersionRow) -> Result<LicenseDocuments, ApiError> {
    let modalities: Vec<Modality> =
        serde_json::from_str(&row.modalities).map_err(ApiError::internal)?;
    Ok(LicenseDocuments {
        metadata: LicenseMetadata {
            id: row.license_id.clone(),
            version: row.version.clone(),
            title: row.title.clone(),
            modalities,
        },
        license_text: row.license_text.clone(),
        aup_text: row.aup_text.clone(),
        notice: row.notice.clone(),
    })
}

/// Builds `partner`'s snapshot: each model's latest revision is put to the policy with the
/// `mirror` action; allowed ones go in, the rest are listed as withheld. The issue is
/// audited (`mirror.snapshot`).
pub async fn build(
    state: &AppState,
    partner: &PartnerRow,
    client_ip: Option<IpAddr>,
) -> Result<Snapshot, ApiError> {
    let policy = state.policy.get();
    let mut models = Vec::new();
    let mut withheld = Vec::new();
    for summary in catalog::list_models(&state.db).await? {
        let id: ModelId = summary.id.parse()?;
        let revision: Sha256Digest = summary
            .latest_revision
            .parse()
            .map_err(ApiError::internal)?;
        let inputs = gather(
            state,
            &partner.user_id,
            &id,
            Some(&revision),
            client_ip,
            None,
        )
        .await?;
        let decision = policy
            .decide(
                &inputs.licensee.facts,
                Action::Mirror,
                &inputs.model,
                &inputs.signals,
            )
            .map_err(ApiError::internal)?;
        if decision.outcome == Outcome::Allow {
            models.push(SnapshotModel {
                id,
                revision,
                manifest: inputs.revision.manifest.clone(),
                signature: inputs.revision.signature.clone(),
            });
        } else {
            withheld.push(WithheldModel {
                id: summary.id,
                outcome: decision.outcome,
                reasons: decision
                    .reasons
                    .iter()
                    .map(|r| format!("{}: {}", r.policy, r.message))
                    .collect(),
            });
        }
    }
    let licenses = licensing::current_versions(&state.db)
        .await?
        .iter()
        .map(|row| {
            Ok(SnapshotLicense {
                documents: documents_of(row)?,
                published_at: row.published_at,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let ttl_ms = i64::try_from(state.settings.mirror.snapshot_ttl_secs.saturating_mul(1000))
        .unwrap_or(i64::MAX);
    // Write transactions take turns (and lock the audit head on PostgreSQL), so versions
    // only grow, across replicas too.
    let mut tx = state.db.begin_write().await?;
    let issued_at = now_ms();
    let snapshot = Snapshot {
        version: store::next_snapshot_version(&mut tx, issued_at).await?,
        issued_at,
        expires_at: issued_at.saturating_add(ttl_ms),
        partner: SnapshotPartner {
            id: partner.user_id.clone(),
            name: partner.name.clone(),
            country: partner.country.clone(),
        },
        policy_digest: policy.digest(),
        policy: policy.sources().iter().cloned().collect(),
        licenses,
        models,
        withheld,
        blob_origins: state.blobs.redirect_origin().await?.into_iter().collect(),
    };
    audit::append(
        &mut tx,
        &audit::NewEvent {
            kind: EventKind::MirrorSnapshot,
            actor: Some(partner.user_id.clone()),
            subject: Some(partner.user_id.clone()),
            outcome: Some(event::Outcome::Issued),
            data: json!({
                "partner": partner.name, "partner_id": partner.user_id,
                "organisation_country": partner.country, "version": snapshot.version,
                "expires_at": snapshot.expires_at, "policy_digest": snapshot.policy_digest,
                "models": snapshot.models.iter().map(|m| json!({ "model": m.id, "revision": m.revision.reference() })).collect::<Vec<_>>(),
                "withheld": snapshot.withheld,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(snapshot)
}

/// A snapshot signed with the publisher key: a DSSE envelope.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotEnvelope {
    /// The snapshot (JSON), base64.
    pub payload: String,
    /// Always `application/vnd.modelgate.mirror-snapshot.v1+json`.
    #[schema(example = "application/vnd.modelgate.mirror-snapshot.v1+json")]
    pub payload_type: String,
    pub signatures: Vec<SnapshotSignature>,
}

/// One DSSE signature of a snapshot envelope.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapshotSignature {
    /// The ECDSA P-256 signature (DER) over the DSSE pre-authentication encoding, base64.
    pub sig: String,
    /// Empty: the publisher key is the one at `GET /v1/keys/publisher`.
    pub keyid: String,
}

/// The snapshot as a signed DSSE envelope; an error only if `sign_envelope` stopped writing
/// the DSSE shape (a bug, answered as a 500 rather than an empty envelope).
pub fn sign(
    snapshot: &Snapshot,
    key: &PublisherKey,
) -> Result<SnapshotEnvelope, serde_json::Error> {
    let payload = serde_json::to_vec(snapshot)?;
    serde_json::from_value(key.sign_envelope(PAYLOAD_TYPE, &payload))
}

/// Puts every model the snapshot offers to its own policy bundle for a partner licensee in
/// the snapshot's country (the admin-recorded place of business): a snapshot offering a
/// model that the policy withholds from that partner is refused whole, whatever upstream
/// decided (a mirror never serves what its own partner may not distribute).
pub fn check_entitled(snapshot: &Snapshot) -> Result<(), SnapshotError> {
    let policy = crate::policy::PolicyBundle::from_sources(&snapshot.policy)
        .map_err(|e| SnapshotError::Malformed(format!("the policy bundle does not load: {e}")))?;
    let partner = crate::policy::LicenseeFacts::partner(&snapshot.partner.country, true, false);
    for model in &snapshot.models {
        let manifest: crate::store::manifest::Manifest = serde_json::from_str(&model.manifest)
            .map_err(|e| SnapshotError::Malformed(format!("manifest of `{}`: {e}", model.id)))?;
        let facts = crate::policy::ModelFacts {
            id: model.id.to_string(),
            multimodal: manifest.modality == Modality::Multimodal,
            license: manifest.license,
        };
        let decision = policy
            .decide(
                &partner,
                Action::Mirror,
                &facts,
                &crate::policy::Signals::default(),
            )
            .map_err(|e| SnapshotError::Malformed(e.to_string()))?;
        if decision.outcome != Outcome::Allow {
            return Err(SnapshotError::NotEntitled {
                model: model.id.to_string(),
                country: snapshot.partner.country.clone(),
                policies: decision
                    .reasons
                    .iter()
                    .map(|r| r.policy.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(())
}

/// Verifies a snapshot envelope with `key` and reads the snapshot it signs.
pub fn open(envelope: &[u8], key: &PublicKey) -> Result<Snapshot, SnapshotError> {
    let payload = verify_envelope(envelope, PAYLOAD_TYPE, key)?;
    serde_json::from_slice(&payload).map_err(|e| SnapshotError::Malformed(e.to_string()))
}
