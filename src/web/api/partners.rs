//! Admin routes for partners: `POST /v1/admin/partners` creates one with its partner token
//! (shown once); `GET /v1/admin/partners` lists them; `PUT /v1/admin/partners/{id}` changes
//! a partner's principal place of business.

use actix_web::web::{Data, Json, Path};
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Principal, Scope};
use crate::db::mirror as store;
use crate::domain::Role;
use crate::error::ApiError;
use crate::mirror::partners::{create_partner, partner_json, set_partner_country, NewPartner};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPartnerBody {
    name: String,
    /// Principal place of business, ISO 3166-1 alpha-2.
    country: String,
    /// Contact email; also the partner account's email.
    contact: String,
}

/// `POST /v1/admin/partners`.
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
    let mut answer = partner_json(&row);
    answer["token"] = json!(token);
    answer["note"] = json!("give this partner token to the partner now; it is not shown again");
    Ok(HttpResponse::Created().json(answer))
}

/// `GET /v1/admin/partners`.
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn list(state: Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    who.authorize(&[Role::Admin, Role::Compliance], Scope::Admin)?;
    let partners: Vec<_> = store::partners(&state.db)
        .await?
        .iter()
        .map(partner_json)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "partners": partners })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerUpdateBody {
    /// The new principal place of business, ISO 3166-1 alpha-2.
    country: String,
}

/// `PUT /v1/admin/partners/{id}`: admins only; audited as `partner.updated`.
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
    Ok(HttpResponse::Ok().json(partner_json(&row)))
}
