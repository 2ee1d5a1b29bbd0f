//! Admin routes for partners: `POST /v1/admin/partners` creates one with its partner token
//! (shown once); `GET /v1/admin/partners` lists them; `PUT /v1/admin/partners/{id}` changes
//! a partner's principal place of business.

use actix_web::web::{Data, Json, Path};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Principal, Scope};
use crate::db::mirror as store;
use crate::domain::Role;
use crate::error::ApiError;
use crate::mirror::partners::{create_partner, set_partner_country, NewPartner, Partner};
use crate::state::AppState;

/// A new partner, as an admin states it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartnerBody {
    name: String,
    /// Principal place of business, ISO 3166-1 alpha-2.
    country: String,
    /// Contact email; also the partner account's email.
    contact: String,
}

/// A partner just created, with its partner token (shown this once).
#[derive(Debug, Serialize, ToSchema)]
pub struct NewPartnerToken {
    #[serde(flatten)]
    pub partner: Partner,
    /// The partner token (`mg_…`).
    pub token: String,
    /// A reminder that the token is not shown again.
    pub note: &'static str,
}

/// `POST /v1/admin/partners`.
#[utoipa::path(
    post,
    path = "/v1/admin/partners",
    tag = "admin",
    request_body = NewPartnerBody,
    responses((status = 201, description = "The partner, with its token (shown once)", body = NewPartnerToken)),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn create(
    state: Data<AppState>,
    who: Principal,
    body: Json<NewPartnerBody>,
) -> Result<HttpResponse, ApiError> {
    who.authorize(&[Role::Admin], Scope::Admin)?;
    let body = body.into_inner();
    let new = NewPartner {
        name: body.name,
        country: body.country.parse()?,
        contact: body.contact.parse()?,
    };
    let (row, token) = create_partner(&state, &new, Some(&who.email)).await?;
    Ok(HttpResponse::Created().json(NewPartnerToken {
        partner: Partner::from(&row),
        token,
        note: "give this partner token to the partner now; it is not shown again",
    }))
}

/// Every partner.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerList {
    pub partners: Vec<Partner>,
}

/// `GET /v1/admin/partners`.
#[utoipa::path(
    get,
    path = "/v1/admin/partners",
    tag = "admin",
    responses((status = 200, description = "Every partner", body = PartnerList)),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn list(state: Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    who.authorize(&[Role::Admin, Role::Compliance], Scope::Admin)?;
    let partners = store::partners(&state.db)
        .await?
        .iter()
        .map(Partner::from)
        .collect();
    Ok(HttpResponse::Ok().json(PartnerList { partners }))
}

/// A partner's new principal place of business.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerUpdateBody {
    /// The new principal place of business, ISO 3166-1 alpha-2.
    country: String,
}

/// `PUT /v1/admin/partners/{id}`: admins only; audited as `partner.updated`.
#[utoipa::path(
    put,
    path = "/v1/admin/partners/{id}",
    tag = "admin",
    params(("id" = String, Path, description = "The partner's id")),
    request_body = PartnerUpdateBody,
    responses((status = 200, description = "The partner as now recorded", body = Partner)),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn update(
    state: Data<AppState>,
    who: Principal,
    id: Path<String>,
    body: Json<PartnerUpdateBody>,
) -> Result<HttpResponse, ApiError> {
    who.authorize(&[Role::Admin], Scope::Admin)?;
    let country = body.country.parse()?;
    let row = set_partner_country(&state, &id, &country, &who.email).await?;
    Ok(HttpResponse::Ok().json(Partner::from(&row)))
}
