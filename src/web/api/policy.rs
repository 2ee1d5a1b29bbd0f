//! The policy bundle in force: its digest, every rule with the sentence users see, and the
//! region data, so anyone can read the rules a decision names.

use actix_web::web::Data;
use actix_web::HttpResponse;
use serde_json::json;

use crate::state::AppState;

/// `GET /v1/policy`.
pub async fn get_policy(state: Data<AppState>) -> HttpResponse {
    let bundle = state.policy.get();
    let policies: Vec<_> = bundle
        .policy_ids()
        .map(|id| json!({ "id": id, "reason": bundle.reason(id) }))
        .collect();
    HttpResponse::Ok().json(json!({
        "digest": bundle.digest().reference(),
        "policies": policies,
        "regions": bundle.regions(),
    }))
}
