//! The access flow: gather a decision's inputs (licensee, model, GeoIP signals, review
//! state), decide, and record the outcome in one transaction: the audit event, plus a
//! grant for an allow or a review case for a review. `grant` checks blob requests against
//! grants; `review` is the compliance side of the review queue. Each answers an
//! `AccessError`, which `ApiError` maps for the front ends.

pub mod grant;
pub mod review;

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::db::accounts::{self, UserRow};
use crate::db::audit;
use crate::db::catalog::RevisionRow;
use crate::db::reviews::{self, ReviewRow};
use crate::domain::{ModelId, Sha256Digest};
use crate::error::ApiError;
use crate::geo::GeoSignal;
use crate::ledger::event::EventKind;
use crate::policy::facts::{self, DeclaredLicensee, FactsError, Licensee};
use crate::policy::{Action, Decision, ModelFacts, Outcome, Signals};
use crate::random::new_id;
use crate::state::AppState;

pub use grant::IssuedGrant;

/// Why an access service refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error(transparent)]
    Account(#[from] crate::accounts::AccountError),
    #[error("the account no longer exists")]
    UnknownAccount,
    #[error("model `{0}` not found")]
    ModelNotFound(String),
    #[error("revision `{0}` not found")]
    RevisionNotFound(String),
    #[error("no declaration of domicile yet")]
    AttestationRequired,
    #[error("a grant is required")]
    GrantRequired,
    #[error("the grant expired")]
    GrantExpired,
    #[error("invalid grant: {0}")]
    InvalidGrant(String),
    #[error("the grant does not cover this blob")]
    GrantNotForBlob,
    #[error("the entitlement was revoked: {0}")]
    EntitlementRevoked(String),
    #[error("the grant was decided on a declaration or acceptance that is no longer current")]
    GrantOutdated,
    #[error("the location changed: {reasons}")]
    LocationChanged { reasons: String },
    #[error("the download allowance ({limit} per blob and period) is used up")]
    DownloadLimitReached { limit: i64 },
    /// Input the service refuses, with what is wrong with it.
    #[error("{0}")]
    Invalid(String),
    /// A request this account may not make, with why.
    #[error("{0}")]
    NotAllowed(String),
    #[error("review case `{0}` not found")]
    CaseNotFound(String),
    #[error(transparent)]
    Domain(#[from] crate::domain::DomainError),
    #[error("the access records could not be read or written")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl AccessError {
    /// Wraps an unexpected failure.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AccessError::Internal(err.into())
    }
}

impl From<AccessError> for ApiError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::Account(e) => e.into(),
            AccessError::UnknownAccount => ApiError::Unauthenticated,
            AccessError::ModelNotFound(id) => ApiError::ModelNotFound(id),
            AccessError::RevisionNotFound(reference) => ApiError::RevisionNotFound(reference),
            AccessError::AttestationRequired => ApiError::AttestationRequired,
            AccessError::GrantRequired => ApiError::GrantRequired,
            AccessError::GrantExpired => ApiError::GrantExpired,
            AccessError::InvalidGrant(why) => ApiError::InvalidGrant(why),
            AccessError::GrantNotForBlob => ApiError::GrantNotForBlob,
            AccessError::EntitlementRevoked(why) => ApiError::EntitlementRevoked(why),
            AccessError::GrantOutdated => ApiError::GrantOutdated,
            AccessError::LocationChanged { reasons } => ApiError::LocationChanged { reasons },
            AccessError::DownloadLimitReached { limit } => ApiError::DownloadLimitReached { limit },
            AccessError::Invalid(message) => ApiError::BadRequest(message),
            AccessError::NotAllowed(message) => ApiError::Forbidden(message),
            e @ AccessError::CaseNotFound(_) => ApiError::NotFound(e.to_string()),
            AccessError::Domain(e) => e.into(),
            AccessError::Database(e) => e.into(),
            AccessError::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl From<FactsError> for AccessError {
    fn from(err: FactsError) -> Self {
        match err {
            FactsError::NoAttestation => AccessError::AttestationRequired,
            FactsError::Database(e) => e.into(),
            other => AccessError::internal(other),
        }
    }
}

/// Everything a decision is made from.
#[derive(Debug, Clone)]
pub struct DecisionInputs {
    pub user: UserRow,
    pub licensee: Licensee,
    pub model: ModelFacts,
    pub revision: Arc<RevisionRow>,
    pub client_ip: Option<IpAddr>,
    pub signals: Signals,
    /// The newest review case for this user and model.
    pub review: Option<ReviewRow>,
}

impl DecisionInputs {
    /// The inputs as recorded in the audit log and on review cases.
    pub fn to_json(&self, action: Action) -> Value {
        let attestation = self.licensee.attestation();
        json!({
            "user_id": self.user.id,
            "email": self.user.email,
            "action": action,
            "model": self.model.id,
            "revision": format!("sha256:{}", self.revision.digest),
            "multimodal": self.model.multimodal,
            "license": self.model.license,
            "licensee": self.licensee.facts,
            "attestation_id": attestation.id,
            "declared_domicile": attestation.domicile_country,
            "on_behalf_of_organisation": attestation.on_behalf_of_organisation != 0,
            "organisation_name": attestation.organisation_name,
            "organisation_country": attestation.organisation_country,
            "geo_country": self.signals.geo_country,
            "anonymous_proxy": self.signals.anonymous_proxy,
            "review_state": self.signals.review,
            "declaration_changed": self.signals.declaration_changed,
            "denied_for_another_model": self.signals.denied_for_another_model,
            "acceptance_id": self.licensee.acceptance_id,
            "review_case": self.review.as_ref().map(|r| r.id.clone()),
        })
    }
}

/// Reads the inputs of a decision for `user_id` on `revision` of `model` (default: the
/// latest), with
/// GeoIP signals for `client_ip` (or `geo` when given, as `policy explain` does).
pub async fn gather(
    state: &AppState,
    user_id: &str,
    model: &ModelId,
    revision: Option<&Sha256Digest>,
    client_ip: Option<IpAddr>,
    geo: Option<GeoSignal>,
) -> Result<DecisionInputs, AccessError> {
    let user = accounts::user_by_id(&state.db, user_id)
        .await?
        .ok_or(AccessError::UnknownAccount)?;
    let revision =
        state
            .catalog
            .revision(model, revision)
            .await?
            .ok_or_else(|| match revision {
                Some(digest) => AccessError::RevisionNotFound(digest.reference()),
                None => AccessError::ModelNotFound(model.to_string()),
            })?;
    let model_facts = facts::model_facts(&revision)?;
    let licensee = facts::licensee_facts(&state.db, &user, &model_facts.license).await?;
    let cases = reviews::cases_of_user(&state.db, &user.id).await?;
    let standing = review_standing(&cases, &model_facts.id, &licensee);
    let review = cases.into_iter().find(|c| c.model_id == model_facts.id);
    let geo = geo.unwrap_or_else(|| {
        client_ip
            .map(|ip| state.geoip.lookup(ip))
            .unwrap_or_default()
    });
    Ok(DecisionInputs {
        user,
        licensee,
        model: model_facts,
        revision,
        client_ip,
        signals: Signals {
            geo_country: geo.country.unwrap_or_default(),
            anonymous_proxy: geo.anonymous_proxy,
            review: standing.state.to_owned(),
            declaration_changed: standing.declaration_changed,
            denied_for_another_model: standing.denied_for_another_model,
        },
        review,
    })
}

/// What a user's review cases mean for a decision on one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ReviewStanding {
    /// `none`, `open`, `approved` or `denied`.
    state: &'static str,
    declaration_changed: bool,
    denied_for_another_model: bool,
}

/// What `cases` (all of the user's, newest first) mean for a decision on `model` under the
/// licensee's current declaration. A verdict binds to the licensee and model: it counts
/// while the declaration is the one it was made on (re-posting the same facts, or new facts
/// that say the same, keeps it). A case still open holds the licensee, and a declaration
/// change after a deny, or while a case is open, is itself a review signal: it never starts
/// clean. An approval counts only if no deny for this model came after it. A deny for
/// another model, with nothing decided for this one on these facts, is a signal too.
fn review_standing(cases: &[ReviewRow], model: &str, licensee: &Licensee) -> ReviewStanding {
    let current = DeclaredLicensee::of(licensee.attestation());
    let declared_on = |case: &ReviewRow| {
        licensee
            .history
            .iter()
            .find(|a| a.id == case.attestation_id)
            .map(DeclaredLicensee::of)
    };
    let same = |case: &ReviewRow| declared_on(case).as_ref() == Some(&current);
    let for_model: Vec<&ReviewRow> = cases.iter().filter(|c| c.model_id == model).collect();
    let denied_for_another_model = cases
        .iter()
        .filter(|c| c.model_id != model)
        .any(|c| c.state == "denied");
    let standing = |state, declaration_changed| ReviewStanding {
        state,
        declaration_changed,
        denied_for_another_model,
    };
    if let Some(open) = for_model.iter().find(|c| c.state == "open") {
        return standing("open", !same(open));
    }
    let newest_same = for_model.iter().position(|c| same(c));
    let denied_since = |until: usize| for_model[..until].iter().any(|c| c.state == "denied");
    match newest_same.map(|i| (i, for_model[i].state.as_str())) {
        Some((_, "denied")) => standing("denied", false),
        Some((i, "approved")) if !denied_since(i) => ReviewStanding {
            state: "approved",
            declaration_changed: false,
            denied_for_another_model: false,
        },
        _ if denied_since(for_model.len()) => standing("none", true),
        _ => standing("none", false),
    }
}

/// The decision the policy in force makes on `inputs` for `action`, without recording it
/// (the portal shows it before anyone asks; `request_access` records it).
pub fn decide(
    state: &AppState,
    inputs: &DecisionInputs,
    action: Action,
) -> Result<Decision, AccessError> {
    state
        .policy
        .get()
        .decide(
            &inputs.licensee.facts,
            action,
            &inputs.model,
            &inputs.signals,
        )
        .map_err(AccessError::internal)
}

/// The answer to an access request.
#[derive(Debug, Clone)]
pub struct AccessAnswer {
    pub inputs: DecisionInputs,
    pub decision: Decision,
    pub decision_event_id: String,
    /// Set for an allow.
    pub grant: Option<IssuedGrant>,
    /// Set for a review: the open case.
    pub case: Option<ReviewRow>,
}

/// Decides whether `user_id` may `action` `revision` of `model` (default: the latest) from
/// `client_ip`, and records the decision with its grant or review case.
pub async fn request_access(
    state: &AppState,
    user_id: &str,
    model: &ModelId,
    revision: Option<&Sha256Digest>,
    action: Action,
    client_ip: Option<IpAddr>,
) -> Result<AccessAnswer, AccessError> {
    let verified_at = accounts::user_by_id(&state.db, user_id)
        .await?
        .and_then(|user| user.email_verified_at);
    crate::accounts::require_verified_email(state, verified_at)?;
    let inputs = gather(state, user_id, model, revision, client_ip, None).await?;
    let decision = decide(state, &inputs, action)?;
    let mut data = inputs.to_json(action);
    data["outcome"] = json!(decision.outcome);
    data["policies"] = json!(decision
        .reasons
        .iter()
        .map(|r| r.policy.clone())
        .collect::<Vec<_>>());
    data["bundle_digest"] = json!(decision.bundle_digest);

    let mut tx = state.db.begin_write().await?;
    let decision_event_id = audit::append(
        &mut tx,
        &audit::NewEvent {
            kind: EventKind::PolicyDecision,
            actor: Some(inputs.user.id.clone()),
            subject: Some(inputs.model.id.clone()),
            outcome: Some(decision.outcome.into()),
            data: data.clone(),
        },
    )
    .await?;
    let mut grant = None;
    let mut case = None;
    match decision.outcome {
        Outcome::Allow if action.opens_blobs() => {
            let row = grant::record(state, &mut tx, &inputs, action, &decision_event_id).await?;
            // Signed before the commit: a grant is never recorded without its token.
            grant = Some(grant::sign(state, row)?);
        }
        Outcome::Allow => {}
        Outcome::Review => {
            let (user, attestation, model) = (
                &inputs.user.id,
                &inputs.licensee.attestation().id,
                &inputs.model.id,
            );
            let reasons =
                serde_json::to_string(&decision.reasons).map_err(AccessError::internal)?;
            let id = new_id();
            let opened = reviews::open(
                &mut tx,
                &id,
                user,
                attestation,
                model,
                &data.to_string(),
                &reasons,
            )
            .await?;
            if opened {
                audit::append(
                    &mut tx,
                    &audit::NewEvent {
                        kind: EventKind::ReviewOpened,
                        actor: Some(user.clone()),
                        subject: Some(id.clone()),
                        outcome: Some(crate::ledger::event::Outcome::Open),
                        data: json!({ "case": id, "model": model, "decision_event": decision_event_id }),
                    },
                )
                .await?;
                case = Some(id);
            } else {
                case = reviews::open_case_id(&mut tx, user, model).await?;
            }
        }
        Outcome::Deny => {}
    }
    tx.commit().await?;
    crate::metrics::global().record_decision(action.as_str(), decision.outcome.as_str());
    let case = match case {
        Some(id) => reviews::find(&state.db, &id).await?,
        None => None,
    };
    tracing::info!(user.id = %inputs.user.id, model.id = %inputs.model.id, outcome = ?decision.outcome, "access decided");
    Ok(AccessAnswer {
        inputs,
        decision,
        decision_event_id,
        grant,
        case,
    })
}
