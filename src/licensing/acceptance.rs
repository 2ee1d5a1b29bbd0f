//! Accepting a license: the current version, named by the digest of the documents the
//! person read, with a snapshot of their current declaration and where they accepted from.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::accounts::attestations::{attestation_json, Attestation};
use crate::auth::{Principal, Scope, ANY_ROLE};
use crate::db::licensing::{self, LicenseVersionRow, NewAcceptance};
use crate::domain::{rfc3339, ClientInfo, Role, Sha256Digest};
use crate::ledger::event::{EventKind, Outcome};
use crate::licensing::LicensingError;
use crate::random::new_id;
use crate::state::AppState;

/// A recorded acceptance of a license version.
#[derive(Debug, Serialize, ToSchema)]
pub struct Acceptance {
    pub id: String,
    /// The license id.
    pub license: String,
    pub version: String,
    /// The hex SHA-256 of the documents accepted.
    pub digest: String,
    /// When it was accepted (RFC 3339).
    pub accepted_at: String,
    /// The declaration in force when it was accepted.
    pub attestation: Attestation,
    /// The id of the acceptance's audit entry: its receipt is `GET /v1/audit/proof/{id}`.
    pub audit_entry: String,
}

/// The current version of license `id`; `404 license-not-found` when there is none.
pub async fn current_version(
    state: &AppState,
    id: &str,
) -> Result<LicenseVersionRow, LicensingError> {
    licensing::current_version(&state.db, id)
        .await?
        .ok_or_else(|| LicensingError::LicenseNotFound(id.chars().take(64).collect()))
}

/// What `user_id` must still accept of license `id` before a download, for people: the
/// current version when none is accepted, or the new version that replaced the one they
/// accepted; `None` when the current version is accepted.
pub async fn acceptance_due(
    state: &AppState,
    user_id: &str,
    id: &str,
) -> Result<Option<String>, LicensingError> {
    let current = current_version(state, id).await?;
    let accepted = licensing::latest_acceptances_of(&state.db, user_id)
        .await?
        .into_iter()
        .find(|a| a.license_id == id && a.revoked_at.is_none());
    Ok(match accepted {
        Some(a) if a.digest == current.digest => None,
        Some(a) => Some(format!(
            "version {} of license {id} was published after the version {} you accepted: \
             it must be accepted before any further download",
            current.version, a.version
        )),
        None => Some(format!(
            "version {} of license {id} has not been accepted",
            current.version
        )),
    })
}

/// Records `who`'s acceptance of the current version of license `id`, which must be the
/// version with digest `seen` (what the person read), with a snapshot of their current
/// attestation and its audit event.
pub async fn record_acceptance(
    state: &AppState,
    client: &ClientInfo,
    who: &Principal,
    id: &str,
    seen: &Sha256Digest,
) -> Result<Acceptance, LicensingError> {
    who.authorize(ANY_ROLE, Scope::Accept)?;
    crate::accounts::require_verified_email(state, who.email_verified_at)?;
    let license = current_version(state, id).await?;
    if seen.hex() != license.digest {
        return Err(LicensingError::StaleVersion {
            current_version: license.version,
            current_digest: license.digest,
        });
    }
    if let Some(reason) =
        licensing::termination_of(&state.db, &who.user_id, &license.license_id).await?
    {
        return Err(LicensingError::Terminated(reason));
    }
    let attestation = licensing::attestations_of(&state.db, &who.user_id)
        .await?
        .into_iter()
        .next()
        .ok_or(LicensingError::AttestationRequired)?;
    let snapshot = attestation_json(&attestation);
    let acceptance_id = new_id();
    let geo_country = client.ip.and_then(|ip| state.geoip.lookup(ip).country);
    let client_ip = client.ip.map(|ip| ip.to_string());
    let user_agent = client
        .user_agent
        .as_deref()
        .map(|ua| ua.chars().take(512).collect::<String>());
    let mut tx = state.db.begin_write().await?;
    let accepted_at = licensing::insert_acceptance(
        &mut tx,
        &NewAcceptance {
            id: &acceptance_id,
            user_id: &who.user_id,
            license_id: &license.license_id,
            version: &license.version,
            digest: &license.digest,
            attestation_id: &attestation.id,
            attestation_json: &snapshot.to_string(),
            client_ip: client_ip.as_deref(),
            geo_country: geo_country.as_deref(),
            user_agent: user_agent.as_deref(),
        },
    )
    .await?;
    let audit_entry = crate::db::audit::append(
        &mut tx,
        &crate::db::audit::NewEvent {
            kind: EventKind::LicenseAccepted,
            actor: Some(who.user_id.clone()),
            subject: Some(acceptance_id.clone()),
            outcome: Some(Outcome::Accepted),
            data: json!({
                "acceptance": acceptance_id, "license": license.license_id, "version": license.version,
                "digest": license.digest, "attestation": snapshot, "geo_country": geo_country,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Acceptance {
        id: acceptance_id,
        license: license.license_id,
        version: license.version,
        digest: license.digest,
        accepted_at: rfc3339(accepted_at),
        attestation: Attestation::from(&attestation),
        audit_entry,
    })
}

/// Revokes acceptance `id` (the license is terminated for that user) with `reason`, and
/// its audit event (admins only); returns the trimmed reason.
pub async fn terminate_acceptance(
    state: &AppState,
    who: &Principal,
    id: &str,
    reason: &str,
) -> Result<String, LicensingError> {
    who.authorize(&[Role::Admin], Scope::Admin)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(LicensingError::InvalidReason);
    }
    let mut tx = state.db.begin_write().await?;
    if !licensing::revoke_acceptance(&mut tx, id, &who.email, reason).await? {
        return Err(LicensingError::AcceptanceNotFound(
            id.chars().take(64).collect(),
        ));
    }
    crate::db::audit::append(
        &mut tx,
        &crate::db::audit::NewEvent {
            kind: EventKind::LicenseTerminated,
            actor: Some(who.email.clone()),
            subject: Some(id.to_string()),
            outcome: Some(Outcome::Revoked),
            data: json!({ "acceptance": id, "reason": reason }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(reason.to_owned())
}
