//! `POST /v1/models/{org}/{name}/access`: the policy decision for the signed-in user on the
//! latest revision of a model. An allow (200) carries a grant and ready-to-use blob URLs;
//! a review (202) names the open case; a deny (403, `access-denied`) carries the same answer
//! as its `details`.

use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::grant::GRANT_HEADER;
use crate::access::review::ReviewCase;
use crate::access::{request_access, AccessAnswer};
use crate::auth::{Principal, Scope, ANY_ROLE};
use crate::domain::rfc3339;
use crate::domain::{ModelPath, Sha256Digest};
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::policy::{Action, Decision, LicenseeFacts, Outcome, Signals};
use crate::state::AppState;
use crate::store::manifest::Manifest;
use crate::web::extract::ModelInPath;
use crate::web::urls::{base_url, blob_url};

/// The optional body of an access request.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRequestBody {
    /// What to do with the model (default: `download`).
    #[serde(default)]
    action: Option<Action>,
    /// `sha256:…`: the revision to decide on (default: the latest).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    revision: Option<Sha256Digest>,
}

/// The answer to an access request: the decision, what it was made on, and for an allow
/// the grant and its files, for a review the open case.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessResponse {
    pub outcome: Outcome,
    pub decision: Decision,
    /// The id of the decision's audit event.
    pub decision_id: String,
    /// The model, `org/name`.
    pub model: String,
    /// `sha256:<hex>`: the revision decided on.
    pub revision: String,
    pub multimodal: bool,
    pub licensee: LicenseeFacts,
    pub signals: Signals,
    /// Present on an allow that opens blobs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant: Option<GrantInfo>,
    /// Present with `grant`: every file of the revision with its download URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<GrantedFile>>,
    /// Present on a review: the open case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewCase>,
}

/// A download grant as handed out.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantInfo {
    pub id: String,
    /// The grant token, for the `header` header or the `grant` query parameter.
    pub token: String,
    /// The request header that carries the token.
    #[schema(example = "modelgate-grant")]
    pub header: &'static str,
    /// RFC 3339.
    pub expires_at: String,
    /// How many times each blob may be downloaded.
    pub downloads_per_blob: i64,
}

/// One file a grant covers, with its ready-to-use URL.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantedFile {
    #[schema(value_type = String)]
    pub path: ModelPath,
    pub size: u64,
    /// `sha256:<hex>`.
    pub sha256: String,
    /// The blob URL, grant included.
    pub url: String,
}

impl AccessResponse {
    /// The answer for `answer`, with blob URLs under `base` and the reasons in `lang`.
    pub(crate) fn new(answer: &AccessAnswer, base: &str, lang: Lang) -> Result<Self, ApiError> {
        let inputs = &answer.inputs;
        let (grant, files) = match &answer.grant {
            Some(grant) => {
                let manifest: Manifest =
                    serde_json::from_str(&inputs.revision.manifest).map_err(ApiError::internal)?;
                let files = manifest
                    .files
                    .into_iter()
                    .map(|f| GrantedFile {
                        url: blob_url(base, &f.sha256, &grant.token),
                        sha256: f.sha256.reference(),
                        path: f.path,
                        size: f.size,
                    })
                    .collect();
                let info = GrantInfo {
                    id: grant.row.id.clone(),
                    token: grant.token.clone(),
                    header: GRANT_HEADER,
                    expires_at: rfc3339(grant.row.expires_at),
                    downloads_per_blob: grant.row.downloads_per_blob,
                };
                (Some(info), Some(files))
            }
            None => (None, None),
        };
        let mut decision = answer.decision.clone();
        for reason in &mut decision.reasons {
            *reason = reason.in_lang(lang);
        }
        Ok(AccessResponse {
            outcome: answer.decision.outcome,
            decision,
            decision_id: answer.decision_event_id.clone(),
            model: inputs.model.id.clone(),
            revision: format!("sha256:{}", inputs.revision.digest),
            multimodal: inputs.model.multimodal,
            licensee: inputs.licensee.facts.clone(),
            signals: inputs.signals.clone(),
            grant,
            files,
            review: answer.case.as_ref().map(ReviewCase::of),
        })
    }
}

/// `POST /v1/models/{org}/{name}/access` with an optional `{"action": "download" |
/// "validate" | "mirror", "revision": "sha256:…"}` body (default: `download`, the latest
/// revision).
#[utoipa::path(
    post,
    path = "/v1/models/{org}/{name}/access",
    tag = "models",
    params(
        super::openapi::ModelPathParams,
    ),
    request_body = Option<AccessRequestBody>,
    responses(
        (status = 200, description = "Allowed: the grant and the files' URLs", body = AccessResponse),
        (status = 202, description = "Sent to compliance review: the open case", body = AccessResponse),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn request_model_access(
    req: HttpRequest,
    state: Data<AppState>,
    who: Principal,
    ModelInPath(model): ModelInPath,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    who.authorize(ANY_ROLE, Scope::Download)?;
    let body: AccessRequestBody = crate::web::api::optional_json_body(&body)?;
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
    let lang = crate::web::language::current();
    let response = AccessResponse::new(&answer, &base_url(&state, &req), lang)?;
    match answer.decision.outcome {
        Outcome::Allow => Ok(HttpResponse::Ok().json(response)),
        Outcome::Review => Ok(HttpResponse::Accepted().json(response)),
        Outcome::Deny => Err(denied(&answer, &response)),
    }
}

/// The 403 of a deny: the first reason's sentence, the whole answer as details.
pub(crate) fn denied(answer: &AccessAnswer, response: &AccessResponse) -> ApiError {
    let details = match serde_json::to_value(response) {
        Ok(details) => details,
        Err(err) => return ApiError::internal(err),
    };
    let first = answer.decision.reasons.first();
    ApiError::AccessDenied {
        rule: first.map(|r| r.policy.clone()),
        message: first.map(|r| r.message.clone()).unwrap_or_default(),
        answer: details,
    }
}
