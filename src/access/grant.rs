//! Download grants (DESIGN §4): what an allow decision hands out. A grant is an ES256 JWT
//! (audience `<aud>:grant`, so it never passes as a session) bound to the user, the
//! licensee, one model revision (and so to that revision's blob digests), the acceptance it
//! was decided on and an expiry, backed by a database row. Every blob request is checked
//! here against the grant, the holder's current standing and (for a multimodal model) the
//! request's location, charged to the account's download allowance for that blob (across
//! grants, actions and revisions), and audited.

use std::sync::Arc;

use serde_json::{json, Value};

use super::DecisionInputs;
use crate::access::AccessError;
pub use crate::auth::grant_tokens::GrantClaims;
use crate::auth::grant_tokens::VerifiedGrant;
use crate::auth::jwt::{now_secs, TokenError};
use crate::db::grants::{self, GrantRow};
use crate::db::{audit, now_ms, WriteTx};
use crate::domain::Sha256Digest;
use crate::error::ApiError;
use crate::geo::GeoSignal;
use crate::ledger::event::{EventKind, Outcome};
use crate::policy::{Action, LicenseeFacts, ModelFacts, PolicyBundle, Signals};
use crate::random::new_id;
use crate::state::AppState;

/// The request header that carries a grant (`?grant=` works too, for curl and wget).
pub const GRANT_HEADER: &str = "modelgate-grant";

/// A recorded grant and its signed token.
#[derive(Debug, Clone)]
pub struct IssuedGrant {
    pub row: GrantRow,
    pub token: String,
}

/// Records the grant for an allow decision, with its audit event, in `tx`. Asking again
/// while an earlier grant for the same question is valid returns that grant, counts and
/// all, so asking again never resets the download cap.
pub(super) async fn record(
    state: &AppState,
    tx: &mut WriteTx,
    inputs: &DecisionInputs,
    action: Action,
    decision_event_id: &str,
) -> Result<GrantRow, AccessError> {
    let settings = &state.settings.grants;
    let created_at = now_ms();
    let ttl_ms = settings.ttl_ms();
    let fresh = GrantRow {
        id: new_id(),
        user_id: inputs.user.id.clone(),
        licensee_kind: inputs.licensee.facts.kind.clone(),
        licensee_country: inputs.licensee.facts.country.clone(),
        attestation_id: inputs.licensee.attestation().id.clone(),
        model_id: inputs.model.id.clone(),
        revision_digest: inputs.revision.digest.clone(),
        license_id: inputs.model.license.clone(),
        action: action.as_str().to_owned(),
        downloads_per_blob: i64::from(settings.downloads_per_blob),
        decision_event_id: decision_event_id.to_owned(),
        created_at,
        expires_at: created_at.saturating_add(ttl_ms),
        acceptance_id: inputs.licensee.acceptance_id.clone(),
        location_bound: i64::from(
            state.policy.get().restricts(&inputs.model) && inputs.signals.review != "approved",
        ),
    };
    grants::lock_account(tx, &fresh.user_id).await?;
    let (row, kind) = match grants::reusable(tx, &fresh, created_at).await? {
        Some(existing) => (existing, EventKind::GrantReused),
        None => {
            grants::insert(tx, &fresh).await?;
            (fresh, EventKind::GrantIssued)
        }
    };
    audit::append(
        tx,
        &audit::NewEvent {
            kind,
            actor: Some(row.user_id.clone()),
            subject: Some(row.id.clone()),
            outcome: Some(Outcome::Issued),
            data: json!({
                "grant": row.id, "model": row.model_id, "revision": format!("sha256:{}", row.revision_digest),
                "licensee": { "kind": row.licensee_kind, "country": row.licensee_country },
                "attestation_id": row.attestation_id,
                "expires_at": row.expires_at, "downloads_per_blob": row.downloads_per_blob,
                "decision_event": decision_event_id,
            }),
        },
    )
    .await?;
    Ok(row)
}

/// Signs the token of a recorded grant.
pub(super) fn sign(state: &AppState, row: GrantRow) -> Result<IssuedGrant, AccessError> {
    let keys = &state.session_keys;
    let issued = u64::try_from(row.created_at / 1000).unwrap_or_else(|_| now_secs());
    let claims = GrantClaims {
        iss: keys.issuer().to_owned(),
        aud: keys.grant_audience(),
        sub: row.user_id.clone(),
        jti: row.id.clone(),
        iat: issued,
        nbf: issued,
        exp: u64::try_from(row.expires_at / 1000).unwrap_or(issued),
        model: row.model_id.clone(),
        rev: format!("sha256:{}", row.revision_digest),
        lic: format!("{}:{}", row.licensee_kind, row.licensee_country),
    };
    let token = keys.sign(&claims).map_err(AccessError::internal)?;
    Ok(IssuedGrant { row, token })
}

/// Checks that `token` is a valid, unexpired grant covering `request.blob` whose holder is
/// still entitled on the facts it was decided on; returns its row. Whatever the token
/// reveals (its user, its grant id) is noted on `request` for the audit log.
pub async fn check(
    state: &AppState,
    token: Option<&str>,
    request: &mut BlobRequest<'_>,
) -> Result<GrantRow, AccessError> {
    let token = token
        .filter(|t| !t.is_empty())
        .ok_or(AccessError::GrantRequired)?;
    let grant = check_holder(state, token, request).await?;
    let revision: Sha256Digest = grant
        .revision_digest
        .parse()
        .map_err(|_| AccessError::InvalidGrant("malformed revision".into()))?;
    request.size = state
        .catalog
        .blob_size_in_revision(&revision, request.blob)
        .await?
        .ok_or(AccessError::GrantNotForBlob)?;
    Ok(grant)
}

/// Checks that `token` is a valid, unexpired grant whose holder is still entitled on the
/// facts it was decided on, whatever blob it is then used for (the registry finds blobs in
/// the OCI views of revisions itself); returns its row, and notes its user and id on
/// `request` like `check`.
pub async fn check_holder(
    state: &AppState,
    token: &str,
    request: &mut BlobRequest<'_>,
) -> Result<GrantRow, AccessError> {
    let verified = verified_grant(state, token).await?;
    request.user_id = Some(verified.claims.sub.clone());
    request.grant_id = Some(verified.claims.jti.clone());
    check_standing(
        state,
        (&verified.claims.sub, &verified.revision),
        verified.standing.clone(),
        request.client_ip,
    )
    .await
}

/// The newest unexpired download grant `user_id` already holds for revision `revision`
/// (hex), when its holder still stands as when it was decided (every check of
/// `check_holder`); `None` otherwise, and then only a new decision can open the revision.
/// The registry uses it before deciding again, so pulling an older revision repeatedly
/// costs no decision per request.
pub async fn held_grant(
    state: &AppState,
    user_id: &str,
    revision: &str,
    client_ip: Option<std::net::IpAddr>,
) -> Result<Option<GrantRow>, AccessError> {
    let Some(row) = grants::held(
        &state.db,
        user_id,
        revision,
        Action::Download.as_str(),
        now_ms(),
    )
    .await?
    else {
        return Ok(None);
    };
    let revision: Sha256Digest = row
        .revision_digest
        .parse()
        .map_err(|_| AccessError::InvalidGrant("malformed revision".into()))?;
    let standing = grants::standing(&state.db, &row.id).await?;
    match check_standing(state, (user_id, &revision), standing, client_ip).await {
        Ok(row) => Ok(Some(row)),
        Err(AccessError::Database(e)) => Err(e.into()),
        Err(AccessError::Internal(e)) => Err(AccessError::Internal(e)),
        Err(_) => Ok(None),
    }
}

/// The checks of a grant held by `holder` for `revision` whose record and holder's standing
/// are `standing` (`None`: no such grant).
async fn check_standing(
    state: &AppState,
    (holder, revision): (&str, &Sha256Digest),
    standing: Option<grants::GrantStanding>,
    client_ip: Option<std::net::IpAddr>,
) -> Result<GrantRow, AccessError> {
    let standing = standing.ok_or_else(|| AccessError::InvalidGrant("unknown grant".into()))?;
    let grant = standing.grant;
    if grant.user_id != holder || grant.revision_digest != revision.hex() {
        return Err(AccessError::InvalidGrant(
            "grant does not match its record".into(),
        ));
    }
    if grant.expires_at <= now_ms() {
        return Err(AccessError::GrantExpired);
    }
    let opens_blobs = serde_json::from_value::<Action>(serde_json::json!(grant.action))
        .is_ok_and(Action::opens_blobs);
    if !opens_blobs {
        return Err(AccessError::InvalidGrant(format!(
            "a `{}` grant does not open blobs",
            grant.action
        )));
    }
    let model: crate::domain::ModelId = grant.model_id.parse()?;
    if state
        .catalog
        .revision(&model, Some(revision))
        .await?
        .is_none()
    {
        // Withdrawn on this mirror: upstream no longer lets it be distributed here.
        return Err(AccessError::EntitlementRevoked(
            "the model is no longer distributed here".into(),
        ));
    }
    if standing.user_disabled_at.is_some() {
        return Err(AccessError::EntitlementRevoked(
            "the account was disabled".into(),
        ));
    }
    if let Some(reason) = standing.termination {
        let reason = if reason.is_empty() {
            "the license was terminated".to_owned()
        } else {
            format!("the license was terminated: {reason}")
        };
        return Err(AccessError::EntitlementRevoked(reason));
    }
    if standing.review_state.as_deref() == Some("denied") || standing.denied_since != 0 {
        return Err(AccessError::EntitlementRevoked(
            "compliance staff denied a review of this licensee".into(),
        ));
    }
    if standing.review_state.as_deref() == Some("open") {
        return Err(AccessError::EntitlementRevoked(
            "a compliance review of this licensee for this model is open; it holds the grant until staff decide it".into(),
        ));
    }
    if standing.current_attestation_id.as_deref() != Some(grant.attestation_id.as_str())
        || standing.acceptance_current == 0
    {
        return Err(AccessError::GrantOutdated);
    }
    let policy = state.policy.get();
    let embargo = policy
        .regions()
        .get("EMBARGO")
        .is_some_and(|members| !members.is_empty());
    if embargo || grant.location_bound != 0 {
        // One GeoIP lookup serves both checks.
        let geo = client_ip.map(|ip| state.geoip.lookup(ip));
        if embargo {
            check_embargo(&policy, geo.as_ref())?;
        }
        if grant.location_bound != 0 {
            check_location(&policy, &grant, geo)?;
        }
    }
    Ok(grant)
}

/// Refuses a blob request from a country on the operator's embargo list, on every grant
/// (the decision checked where the request for access came from, not where blobs go).
fn check_embargo(policy: &PolicyBundle, geo: Option<&GeoSignal>) -> Result<(), AccessError> {
    let country = geo.and_then(|g| g.country.as_deref()).unwrap_or_default();
    if policy.in_region("EMBARGO", country) {
        return Err(AccessError::LocationChanged {
            reasons: policy.reason("embargo.location").to_owned(),
        });
    }
    Ok(())
}

/// The verified claims of `token` and its holder's standing: from the verified-grant cache
/// while nothing may have changed the standing (`auth::grant_tokens`), otherwise the
/// signature is checked and the standing read afresh.
async fn verified_grant(state: &AppState, token: &str) -> Result<Arc<VerifiedGrant>, AccessError> {
    // Read before the standing is, so a change committed meanwhile makes the entry stale.
    let read_at = std::time::Instant::now();
    let generation = state.db.standing_generation().current();
    if let Some(hit) = state.grant_cache.fresh(token, generation) {
        return Ok(hit);
    }
    let claims: GrantClaims = state
        .session_keys
        .verify_for(token, &state.session_keys.grant_audience())
        .map_err(|e| match e {
            TokenError::Expired => AccessError::GrantExpired,
            other => AccessError::InvalidGrant(other.to_string()),
        })?;
    let revision: Sha256Digest = claims
        .rev
        .parse()
        .map_err(|_| AccessError::InvalidGrant("malformed revision claim".into()))?;
    let standing = grants::standing(&state.db, &claims.jti).await?;
    Ok(state
        .grant_cache
        .keep(token, (generation, read_at), claims, revision, standing))
}

/// Refuses a request on a location-bound grant (a multimodal model, decided without a
/// review signal or an approval) from a location that would send the licensee to review
/// now: the policy's `needs_review` question, asked with the request's GeoIP signal.
fn check_location(
    policy: &PolicyBundle,
    grant: &GrantRow,
    geo: Option<GeoSignal>,
) -> Result<(), AccessError> {
    let Some(geo) = geo else {
        // No address, no location: a location-bound grant does not open blobs blind.
        return Err(AccessError::LocationChanged {
            reasons: "no client address".into(),
        });
    };
    let signals = Signals {
        geo_country: geo.country.unwrap_or_default(),
        anonymous_proxy: geo.anonymous_proxy,
        ..Signals::default()
    };
    let licensee = LicenseeFacts::from_attestation(&grant.licensee_country, None, true, false);
    let licensee = LicenseeFacts {
        kind: grant.licensee_kind.clone(),
        ..licensee
    };
    // Only grants on models a regional clause restricts are location-bound, so the
    // clause reaches this one whatever its modality.
    let model = ModelFacts {
        id: grant.model_id.clone(),
        multimodal: true,
        license: grant.license_id.clone(),
    };
    let reasons = policy
        .review_reasons(&licensee, &model, &signals)
        .map_err(AccessError::internal)?;
    if reasons.is_empty() {
        return Ok(());
    }
    Err(AccessError::LocationChanged {
        reasons: reasons
            .iter()
            .map(|r| r.policy.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// What one blob request did, for the audit log.
#[derive(Debug, Clone)]
pub struct BlobRequest<'a> {
    pub blob: &'a Sha256Digest,
    /// The blob's size, once known.
    pub size: u64,
    /// The grant's user and id, once the token was verified.
    pub user_id: Option<String>,
    pub grant_id: Option<String>,
    pub method: &'a str,
    /// The client address (after trusted proxies), for the location check.
    pub client_ip: Option<std::net::IpAddr>,
    /// The `Range` header as sent.
    pub range: Option<&'a str>,
    pub status: u16,
    /// Bytes the response body carries.
    pub bytes: u64,
    /// A GET from byte 0 (counted as a download in the allowance; its bytes count like any).
    pub fresh: bool,
    /// What the request costs when that is not `blob` itself: a modelcar layer frames a
    /// stored file and costs that file's allowance, for the file's bytes it carries.
    pub counted_as: Option<FileCharge>,
}

/// The stored file a request is charged to, and how much of it the answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileCharge {
    pub file: Sha256Digest,
    pub size: u64,
    pub bytes: u64,
}

impl<'a> BlobRequest<'a> {
    /// A `method` request for `blob` from `client_ip` with the `Range` header `range`, as it
    /// arrives, before any check.
    pub fn new(
        blob: &'a Sha256Digest,
        method: &'a str,
        client_ip: Option<std::net::IpAddr>,
        range: Option<&'a str>,
    ) -> Self {
        BlobRequest {
            blob,
            size: 0,
            user_id: None,
            grant_id: None,
            method,
            client_ip,
            range,
            status: 0,
            bytes: 0,
            fresh: false,
            counted_as: None,
        }
    }
}

fn request_data(grant: Option<&GrantRow>, request: &BlobRequest<'_>) -> Value {
    let mut data = json!({
        "grant": request.grant_id,
        "model": grant.map(|g| g.model_id.clone()),
        "revision": grant.map(|g| format!("sha256:{}", g.revision_digest)),
        "blob": request.blob.reference(),
        "method": request.method,
        "range": request.range,
        "status": request.status,
        "bytes": request.bytes,
        "fresh": request.fresh,
    });
    if let Some(counted_as) = request.counted_as {
        data["counted_as"] =
            json!({ "blob": counted_as.file.reference(), "bytes": counted_as.bytes });
    }
    data
}

pub use crate::audit::blob_ledger::Reservation;

/// Charges a GET's bytes to the account's allowance for this blob (refusing it past the
/// budget: `downloads_per_blob` times the size per grant period, across grants, actions and
/// revisions) and records the served request, together (`audit::blob_ledger`). Returns the
/// audit entry of the request (the answer's receipt) and the reservation of a GET that
/// carries bytes.
pub async fn admit(
    state: &AppState,
    grant: &GrantRow,
    request: &BlobRequest<'_>,
) -> Result<Admitted, AccessError> {
    let charged = request.method == "GET" && request.status != 304;
    let counted = request.counted_as.unwrap_or(FileCharge {
        file: *request.blob,
        size: request.size,
        bytes: request.bytes,
    });
    let charge = charged.then(|| grants::Charge {
        user_id: grant.user_id.clone(),
        sha256: counted.file.hex(),
        fresh: request.fresh,
        bytes: i64::try_from(counted.bytes).unwrap_or(i64::MAX),
        budget: i64::try_from(counted.size)
            .unwrap_or(i64::MAX)
            .saturating_mul(grant.downloads_per_blob),
    });
    let entry = audit::PendingEntry::prepare(&audit::NewEvent {
        kind: EventKind::BlobRequest,
        actor: Some(grant.user_id.clone()),
        subject: Some(request.blob.reference()),
        outcome: Some(Outcome::Served),
        data: request_data(Some(grant), request),
    })?;
    let audit_entry = entry.id().to_owned();
    let recorded = state.blob_ledger.record(charge.clone(), entry).await?;
    let reservation = match (charge, recorded) {
        (None, _) => None,
        (Some(charge), Some(window_started_at)) => Some(Reservation::of(charge, window_started_at)),
        (Some(_), None) => {
            let limit = grant.downloads_per_blob;
            let refusal = ApiError::from(AccessError::DownloadLimitReached { limit });
            let mut refused = request.clone();
            refused.status = refusal.status().as_u16();
            refused.bytes = 0;
            record_refusal(state, Some(grant), &refused, &refusal).await;
            return Err(AccessError::DownloadLimitReached { limit });
        }
    };
    Ok(Admitted {
        audit_entry,
        reservation,
    })
}

/// A blob request let through: its audit entry and what it reserved.
pub struct Admitted {
    /// The id of the request's audit entry (`Modelgate-Audit-Entry`).
    pub audit_entry: String,
    pub reservation: Option<Reservation>,
}

/// Records a refused blob request: one audit event when a verified grant named its user,
/// otherwise only a count in the tally of anonymous refusals (`audit::refusals`). A
/// failure to record is logged, and the refusal stands.
pub async fn record_refusal(
    state: &AppState,
    grant: Option<&GrantRow>,
    request: &BlobRequest<'_>,
    refusal: &ApiError,
) {
    crate::metrics::global().record_grant_failure(refusal.code());
    if request.user_id.is_none() {
        state
            .refusals
            .count(request.client_ip, refusal.code(), now_ms());
        return;
    }
    let mut data = request_data(grant, request);
    data["error"] = json!(refusal.code());
    let event = audit::NewEvent {
        kind: EventKind::BlobRequest,
        actor: request.user_id.clone(),
        subject: Some(request.blob.reference()),
        outcome: Some(Outcome::Refusal(refusal.code())),
        data,
    };
    let appended = async {
        let entry = audit::PendingEntry::prepare(&event)?;
        state.blob_ledger.record(None, entry).await
    };
    if let Err(e) = appended.await {
        tracing::error!(error = %e, "recording a refused blob request failed");
    }
}
