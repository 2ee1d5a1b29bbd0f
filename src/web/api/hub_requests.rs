//! The Hub's owner-side access-request API on the compliance review queue, for staff who
//! work it with `HfApi.list_pending_access_requests`, `accept_access_request` and
//! `reject_access_request` and a compliance (or admin) API token with the `admin` scope.
//! A Hub request is a review case of the model: `pending` is an open case, `accepted` an
//! approved one, `rejected` a denied one. Handling a request decides its case, audited like
//! `POST /v1/reviews/{id}/approve|deny`. A user with no case has nothing to grant: the
//! policy decides, and a review opens only when it sends someone there.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Json, Path};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::hub::{answer, find_revision, HubError, HubResult};
use crate::access::review::{decide_case, Verdict, REVIEWERS};
use crate::auth::{Principal, Scope};
use crate::db::accounts;
use crate::db::reviews::{self, ReviewRow};
use crate::domain::rfc3339;
use crate::error::ApiError;
use crate::state::AppState;

/// The requester, as the Hub shows one.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubRequester {
    /// The account's address (the gateway has no user names).
    pub user: String,
    pub fullname: String,
    pub email: String,
}

/// One access request: a review case of the model.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubAccessRequest {
    pub user: HubRequester,
    /// The review case id.
    #[serde(rename = "requestId")]
    pub request_id: String,
    /// `pending`, `accepted` or `rejected`.
    pub status: &'static str,
    /// When the case was opened, or decided (RFC 3339).
    pub timestamp: String,
    /// What the policy sent to review: the rule ids and the declared facts.
    pub fields: serde_json::Value,
}

/// The Hub's status of a case state, and back.
const STATUSES: [(&str, &str); 3] = [
    ("pending", "open"),
    ("accepted", "approved"),
    ("rejected", "denied"),
];

fn status_of(state: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(_, s)| *s == state)
        .map_or("pending", |(status, _)| status)
}

impl HubAccessRequest {
    fn of(case: &ReviewRow) -> Self {
        let inputs: serde_json::Value = serde_json::from_str(&case.inputs).unwrap_or_default();
        let reasons: Vec<serde_json::Value> =
            serde_json::from_str(&case.reasons).unwrap_or_default();
        HubAccessRequest {
            user: HubRequester {
                user: case.email.clone(),
                fullname: case.email.clone(),
                email: case.email.clone(),
            },
            request_id: case.id.clone(),
            status: status_of(&case.state),
            timestamp: rfc3339(case.decided_at.unwrap_or(case.opened_at)),
            fields: serde_json::json!({
                "rules": reasons.iter().filter_map(|r| r["policy"].as_str()).collect::<Vec<_>>(),
                "declared_domicile": inputs["declared_domicile"],
                "organisation_country": inputs["organisation_country"],
                "geo_country": inputs["geo_country"],
            }),
        }
    }
}

/// `GET /api/models/{org}/{name}/user-access-request/{status}`: the model's review cases in
/// that state (`pending`, `accepted`, `rejected`), oldest first.
#[utoipa::path(
    get,
    path = "/api/models/{org}/{name}/user-access-request/{status}",
    tag = "hub",
    params(
        super::openapi::ModelPathParams,
        ("status" = String, Path, description = "`pending`, `accepted` or `rejected`"),
    ),
    responses((status = 200, description = "The requests (review cases)", body = Vec<HubAccessRequest>)),
)]
pub async fn list_access_requests(
    state: Data<AppState>,
    who: Result<Principal, ApiError>,
    path: Path<(String, String, String)>,
) -> HttpResponse {
    let (org, name, status) = path.into_inner();
    answer(list_of(&state, who, &org, &name, &status).await)
}

async fn list_of(
    state: &AppState,
    who: Result<Principal, ApiError>,
    org: &str,
    name: &str,
    status: &str,
) -> HubResult {
    who?.authorize(REVIEWERS, Scope::Admin)?;
    let named = find_revision(state, org, name, "main").await?;
    let Some((_, case_state)) = STATUSES.iter().find(|(s, _)| *s == status) else {
        return Err(HubError::new(
            StatusCode::NOT_FOUND,
            "EntryNotFound",
            format!("`{status}` is not a request status (pending, accepted or rejected)"),
        ));
    };
    let model = named.model.to_string();
    let requests: Vec<HubAccessRequest> = reviews::list(&state.db, Some(case_state), None)
        .await
        .map_err(ApiError::from)?
        .iter()
        .filter(|case| case.model_id == model)
        .map(HubAccessRequest::of)
        .collect();
    Ok(HttpResponse::Ok().json(requests))
}

/// The body of `handle`: the request by user or id, and the new status.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HandleRequest {
    /// The requester's address.
    pub user: Option<String>,
    /// The review case id.
    #[serde(rename = "requestId")]
    pub request_id: Option<String>,
    /// `accepted` or `rejected`.
    pub status: String,
    /// Why, for a rejection.
    #[serde(rename = "rejectionReason")]
    pub rejection_reason: Option<String>,
}

/// `POST /api/models/{org}/{name}/user-access-request/handle`: accepts or rejects a
/// request, that is approves or denies its review case (audited, with a note). Accepting
/// takes an open case only and rejecting an open or accepted one (409 otherwise: a
/// denial is reversed through `POST /v1/reviews/{id}/approve`, with a note saying why).
#[utoipa::path(
    post,
    path = "/api/models/{org}/{name}/user-access-request/handle",
    tag = "hub",
    params(super::openapi::ModelPathParams),
    request_body = HandleRequest,
    responses((status = 200, description = "The request as decided", body = HubAccessRequest)),
)]
pub async fn handle_access_request(
    state: Data<AppState>,
    who: Result<Principal, ApiError>,
    path: Path<(String, String)>,
    body: Json<HandleRequest>,
) -> HttpResponse {
    let (org, name) = path.into_inner();
    answer(handle(&state, who, &org, &name, body.into_inner()).await)
}

async fn handle(
    state: &AppState,
    who: Result<Principal, ApiError>,
    org: &str,
    name: &str,
    body: HandleRequest,
) -> HubResult {
    let who = who?;
    who.authorize(REVIEWERS, Scope::Admin)?;
    let named = find_revision(state, org, name, "main").await?;
    let (verdict, note) = match body.status.as_str() {
        "accepted" => (
            Verdict::Approve,
            "accepted through the Hub access-request API".to_owned(),
        ),
        "rejected" => (
            Verdict::Deny,
            body.rejection_reason
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| "rejected through the Hub access-request API".to_owned()),
        ),
        other => {
            return Err(ApiError::BadRequest(format!(
                "`{}` cannot be set: a request is accepted or rejected",
                other.chars().take(40).collect::<String>()
            ))
            .into())
        }
    };
    let case = case_of(
        state,
        &named.model.to_string(),
        body.user.as_deref(),
        body.request_id.as_deref(),
    )
    .await?;
    // The Hub's calls carry no reason, so they only move a request forward: accepting opens
    // nothing that staff closed, and a denial is reversed only through
    // `POST /v1/reviews/{id}/approve` with a note saying why.
    let allowed = match verdict {
        Verdict::Approve => case.state == "open",
        Verdict::Deny => case.state == "open" || case.state == "approved",
    };
    if !allowed {
        let route = match verdict {
            Verdict::Approve => "approve",
            Verdict::Deny => "deny",
        };
        return Err(HubError::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!(
                "request {} is {}: decide it again through POST /v1/reviews/{}/{route} with a note",
                case.id,
                status_of(&case.state),
                case.id
            ),
        ));
    }
    let (case, _) = decide_case(
        &state.db,
        &case.id,
        verdict,
        (&who.user_id, &who.email),
        &note,
    )
    .await?;
    Ok(HttpResponse::Ok().json(HubAccessRequest::of(&case)))
}

/// The review case a Hub request names: by its id, or the newest case of the user (by
/// address) for `model`.
async fn case_of(
    state: &AppState,
    model: &str,
    user: Option<&str>,
    request_id: Option<&str>,
) -> Result<ReviewRow, HubError> {
    let not_found = |what: String| HubError::new(StatusCode::NOT_FOUND, "EntryNotFound", what);
    let case = match (user, request_id) {
        (_, Some(id)) => reviews::find(&state.db, id).await.map_err(ApiError::from)?,
        (Some(email), None) => {
            let user = accounts::user_by_email(&state.db, email)
                .await
                .map_err(ApiError::from)?
                .ok_or_else(|| not_found(format!("no account `{email}`")))?;
            reviews::cases_of_user(&state.db, &user.id)
                .await
                .map_err(ApiError::from)?
                .into_iter()
                .find(|case| case.model_id == model)
        }
        (None, None) => {
            return Err(
                ApiError::BadRequest("name the request by `user` or `requestId`".into()).into(),
            )
        }
    };
    case.filter(|case| case.model_id == model).ok_or_else(|| {
        not_found(format!(
            "no access request for {model} from this user: the policy decides, and opens a \
             review only when it sends someone there"
        ))
    })
}

/// The body of `grant`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GrantRequest {
    /// The user's address.
    pub user: String,
}

/// `POST /api/models/{org}/{name}/user-access-request/grant`: accepts the user's request
/// for the model (approves their review case); without one, there is nothing to grant.
#[utoipa::path(
    post,
    path = "/api/models/{org}/{name}/user-access-request/grant",
    tag = "hub",
    params(super::openapi::ModelPathParams),
    request_body = GrantRequest,
    responses((status = 200, description = "The request as accepted", body = HubAccessRequest)),
)]
pub async fn grant_access(
    state: Data<AppState>,
    who: Result<Principal, ApiError>,
    path: Path<(String, String)>,
    body: Json<GrantRequest>,
) -> HttpResponse {
    let (org, name) = path.into_inner();
    let request = HandleRequest {
        user: Some(body.into_inner().user),
        request_id: None,
        status: "accepted".into(),
        rejection_reason: None,
    };
    answer(handle(&state, who, &org, &name, request).await)
}
