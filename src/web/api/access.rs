//! `POST /v1/models/{org}/{name}/access`: the policy decision for the signed-in user on the
//! latest revision of a model. An allow (200) carries a grant and ready-to-use blob URLs;
//! a review (202) names the open case; a deny (403, `access-denied`) carries the same answer
//! as its `details`.

use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::access::grant::GRANT_HEADER;
use crate::access::review::case_json;
use crate::access::{request_access, AccessAnswer};
use crate::auth::{Principal, Scope, ANY_ROLE};
use crate::domain::rfc3339;
use crate::domain::Sha256Digest;
use crate::error::ApiError;
use crate::policy::{Action, Outcome};
use crate::state::AppState;
use crate::store::manifest::Manifest;
use crate::web::extract::ModelInPath;
use crate::web::urls::{base_url, blob_url};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessBody {
    #[serde(default)]
    action: Option<Action>,
    /// `sha256:…`: the revision to decide on (default: the latest).
    #[serde(default)]
    revision: Option<Sha256Digest>,
}

pub(crate) fn answer_json(answer: &AccessAnswer, base: &str) -> Result<Value, ApiError> {
    let inputs = &answer.inputs;
    let mut body = json!({
        "outcome": answer.decision.outcome,
        "decision": answer.decision,
        "decision_id": answer.decision_event_id,
        "model": inputs.model.id,
        "revision": format!("sha256:{}", inputs.revision.digest),
        "multimodal": inputs.model.multimodal,
        "licensee": inputs.licensee.facts,
        "signals": inputs.signals,
    });
    if let Some(grant) = &answer.grant {
        let manifest: Manifest =
            serde_json::from_str(&inputs.revision.manifest).map_err(ApiError::internal)?;
        let files: Vec<Value> = manifest
            .files
            .iter()
            .map(|f| {
                json!({
                    "path": f.path, "size": f.size, "sha256": f.sha256.reference(),
                    "url": blob_url(base, &f.sha256, &grant.token),
                })
            })
            .collect();
        body["grant"] = json!({
            "id": grant.row.id,
            "token": grant.token,
            "header": GRANT_HEADER,
            "expires_at": rfc3339(grant.row.expires_at),
            "downloads_per_blob": grant.row.downloads_per_blob,
        });
        body["files"] = json!(files);
    }
    if let Some(case) = &answer.case {
        body["review"] = case_json(case);
    }
    Ok(body)
}

/// `POST /v1/models/{org}/{name}/access` with an optional `{"action": "download" |
/// "validate" | "mirror", "revision": "sha256:…"}` body (default: `download`, the latest
/// revision).
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn request_model_access(
    req: HttpRequest,
    state: Data<AppState>,
    who: Principal,
    ModelInPath(model): ModelInPath,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    who.authorize(ANY_ROLE, Scope::Download)?;
    let body: AccessBody = crate::web::api::optional_json_body(&body)?;
    let action = body.action.unwrap_or(Action::Download);
    let client_ip = crate::web::extract::client_ip(&req);
    let answer = request_access(
        &state,
        &who.user_id,
        &model,
        body.revision.as_ref(),
        action,
        client_ip,
    )
    .await?;
    let json = answer_json(&answer, &base_url(&state, &req))?;
    match answer.decision.outcome {
        Outcome::Allow => Ok(HttpResponse::Ok().json(json)),
        Outcome::Review => Ok(HttpResponse::Accepted().json(json)),
        Outcome::Deny => Err(denied(&answer, json)),
    }
}

/// The 403 of a deny: the first reason's sentence, the whole answer as details.
pub(crate) fn denied(answer: &AccessAnswer, json: Value) -> ApiError {
    ApiError::AccessDenied {
        message: answer
            .decision
            .reasons
            .first()
            .map(|r| r.message.clone())
            .unwrap_or_default(),
        answer: json,
    }
}
