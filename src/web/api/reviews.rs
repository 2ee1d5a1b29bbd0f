//! The review queue over HTTP: compliance staff list, read and decide cases
//! (`/v1/reviews…`); users see the state of their own (`GET /v1/me/reviews`).

use actix_web::web::{Data, Json, Path, Query};
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::access::review::{case_json, decide_case, Verdict, REVIEWERS};
use crate::auth::{Principal, Scope, ANY_ROLE};
use crate::db::reviews;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `open`, `approved` or `denied`; all when absent.
    state: Option<String>,
}

/// `GET /v1/reviews?state=open`.
pub async fn list_reviews(
    state: Data<AppState>,
    who: Principal,
    query: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    who.authorize(REVIEWERS, Scope::Admin)?;
    let wanted = query.state.as_deref();
    if let Some(s) = wanted {
        if !matches!(s, "open" | "approved" | "denied") {
            return Err(ApiError::BadRequest(format!(
                "unknown state `{s}` (expected open, approved or denied)"
            )));
        }
    }
    let cases = reviews::list(&state.db, wanted, None).await?;
    Ok(
        HttpResponse::Ok()
            .json(json!({ "cases": cases.iter().map(case_json).collect::<Vec<_>>() })),
    )
}

/// `GET /v1/reviews/{id}`.
pub async fn get_review(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.authorize(REVIEWERS, Scope::Admin)?;
    let case = reviews::find(&state.db, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("review case `{id}` not found")))?;
    Ok(HttpResponse::Ok().json(case_json(&case)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideBody {
    note: String,
}

async fn decide(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<DecideBody>,
    verdict: Verdict,
) -> Result<HttpResponse, ApiError> {
    who.authorize(REVIEWERS, Scope::Admin)?;
    let case = decide_case(
        &state.db,
        &id,
        verdict,
        (&who.user_id, &who.email),
        &body.note,
    )
    .await?;
    Ok(HttpResponse::Ok().json(case_json(&case)))
}

/// `POST /v1/reviews/{id}/approve` with `{"note": "…"}`.
pub async fn approve_review(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<DecideBody>,
) -> Result<HttpResponse, ApiError> {
    decide(state, who, id, body, Verdict::Approve).await
}

/// `POST /v1/reviews/{id}/deny` with `{"note": "…"}`.
pub async fn deny_review(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<DecideBody>,
) -> Result<HttpResponse, ApiError> {
    decide(state, who, id, body, Verdict::Deny).await
}

/// `GET /v1/me/reviews`: the signed-in user's cases and their state.
pub async fn my_reviews(state: Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    who.authorize(ANY_ROLE, Scope::Read)?;
    let cases = reviews::list(&state.db, None, Some(&who.user_id)).await?;
    let cases: Vec<Value> = cases
        .iter()
        .map(|case| {
            let mut view = case_json(case);
            // Which staff member decided is for the compliance team, not the user.
            if let Some(object) = view.as_object_mut() {
                object.remove("decided_by");
            }
            view
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "cases": cases })))
}
