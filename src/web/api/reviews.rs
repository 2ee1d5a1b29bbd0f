//! The review queue over HTTP: compliance staff list, read and decide cases
//! (`/v1/reviews…`); users see the state of their own (`GET /v1/me/reviews`).

use actix_web::web::{Data, Json, Path, Query};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::review::{decide_case, OwnReviewCase, ReviewCase, Verdict, REVIEWERS};
use crate::access::AccessError;
use crate::auth::{Principal, Scope, ANY_ROLE};
use crate::db::reviews;
use crate::error::ApiError;
use crate::state::AppState;

/// `?state=`: which cases to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewListQuery {
    /// `open`, `approved` or `denied`; all when absent.
    state: Option<String>,
}

/// The answer of `GET /v1/reviews`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewCaseList {
    pub cases: Vec<ReviewCase>,
}

/// The answer of `GET /v1/me/reviews`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnReviewCaseList {
    pub cases: Vec<OwnReviewCase>,
}

/// `GET /v1/reviews?state=open`.
#[utoipa::path(
    get,
    path = "/v1/reviews",
    tag = "reviews",
    params(ReviewListQuery),
    responses((status = 200, description = "The review cases, oldest first", body = ReviewCaseList)),
)]
pub async fn list_reviews(
    state: Data<AppState>,
    who: Principal,
    query: Query<ReviewListQuery>,
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
    Ok(HttpResponse::Ok().json(ReviewCaseList {
        cases: cases.iter().map(ReviewCase::of).collect(),
    }))
}

/// `GET /v1/reviews/{id}`.
#[utoipa::path(
    get,
    path = "/v1/reviews/{id}",
    tag = "reviews",
    params(("id" = String, Path, description = "The review case id")),
    responses((status = 200, description = "The review case", body = ReviewCase)),
)]
pub async fn get_review(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.authorize(REVIEWERS, Scope::Admin)?;
    let case = reviews::find(&state.db, &id)
        .await?
        .ok_or_else(|| AccessError::CaseNotFound(id.to_string()))?;
    Ok(HttpResponse::Ok().json(ReviewCase::of(&case)))
}

/// A staff verdict's body: why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewNote {
    /// Why the case is approved or denied (required, not blank).
    note: String,
}

async fn decide(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<ReviewNote>,
    verdict: Verdict,
) -> Result<HttpResponse, ApiError> {
    who.authorize(REVIEWERS, Scope::Admin)?;
    let (case, audit_entry) = decide_case(
        &state.db,
        &id,
        verdict,
        (&who.user_id, &who.email),
        &body.note,
    )
    .await?;
    Ok(HttpResponse::Ok().json(ReviewVerdict {
        case: ReviewCase::of(&case),
        audit_entry,
    }))
}

/// The answer to a verdict: the case as decided, and the verdict's audit entry.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReviewVerdict {
    #[serde(flatten)]
    pub case: ReviewCase,
    /// The id of the verdict's audit entry: its receipt is `GET /v1/audit/proof/{id}`.
    pub audit_entry: String,
}

/// `POST /v1/reviews/{id}/approve` with `{"note": "…"}`.
#[utoipa::path(
    post,
    path = "/v1/reviews/{id}/approve",
    tag = "reviews",
    params(("id" = String, Path, description = "The review case id")),
    request_body = ReviewNote,
    responses((status = 200, description = "The case, approved", body = ReviewVerdict)),
)]
pub async fn approve_review(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<ReviewNote>,
) -> Result<HttpResponse, ApiError> {
    decide(state, who, id, body, Verdict::Approve).await
}

/// `POST /v1/reviews/{id}/deny` with `{"note": "…"}`.
#[utoipa::path(
    post,
    path = "/v1/reviews/{id}/deny",
    tag = "reviews",
    params(("id" = String, Path, description = "The review case id")),
    request_body = ReviewNote,
    responses((status = 200, description = "The case, denied", body = ReviewVerdict)),
)]
pub async fn deny_review(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<ReviewNote>,
) -> Result<HttpResponse, ApiError> {
    decide(state, who, id, body, Verdict::Deny).await
}

/// `GET /v1/me/reviews`: the signed-in user's cases and their state.
#[utoipa::path(
    get,
    path = "/v1/me/reviews",
    tag = "reviews",
    responses((status = 200, description = "The signed-in user's review cases", body = OwnReviewCaseList)),
)]
pub async fn my_reviews(state: Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    who.authorize(ANY_ROLE, Scope::Read)?;
    let cases = reviews::list(&state.db, None, Some(&who.user_id)).await?;
    Ok(HttpResponse::Ok().json(OwnReviewCaseList {
        cases: cases.iter().map(OwnReviewCase::of).collect(),
    }))
}
