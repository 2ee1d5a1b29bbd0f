//! The policy bundle in force: its digest, every rule with the sentence users see, and the
//! region data, so anyone can read the rules a decision names.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::web::Data;
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// The policy bundle in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyInForce {
    /// The bundle's digest (`sha256:…`).
    pub digest: String,
    /// Every policy, by id, with the sentence users see.
    pub policies: Vec<PolicyRule>,
    /// The regions the policies name: region name → ISO 3166-1 alpha-2 codes.
    pub regions: BTreeMap<String, BTreeSet<String>>,
}

/// One policy of the bundle.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyRule {
    /// The stable policy id decisions and the audit log name.
    pub id: String,
    /// The sentence a decision shows for it.
    pub reason: String,
}

/// `GET /v1/policy`.
#[utoipa::path(
    get,
    path = "/v1/policy",
    tag = "models",
    security(()),
    responses((status = 200, description = "The policy bundle in force", body = PolicyInForce)),
)]
pub async fn get_policy(state: Data<AppState>) -> HttpResponse {
    let bundle = state.policy.get();
    let policies = bundle
        .policy_ids()
        .map(|id| PolicyRule {
            id: id.to_owned(),
            reason: bundle.reason(id).to_owned(),
        })
        .collect();
    HttpResponse::Ok().json(PolicyInForce {
        digest: bundle.digest().reference(),
        policies,
        regions: bundle.regions().clone(),
    })
}
