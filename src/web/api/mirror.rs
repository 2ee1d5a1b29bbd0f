//! The partner-facing mirror API: `GET /v1/mirror/snapshot` (the signed snapshot of what
//! the calling partner may mirror) and `POST /v1/mirror/audit` (its mirror's audit events).

use actix_web::http::header;
use actix_web::web::{Data, Json};
use actix_web::{HttpRequest, HttpResponse};

use crate::auth::{Principal, Scope};
use crate::db::mirror::{self as store, PartnerRow};
use crate::domain::Role;
use crate::error::ApiError;
use crate::mirror::outbox::{self, Received, Shipment};
use crate::mirror::snapshot::{self, SnapshotEnvelope};
use crate::state::AppState;

/// The partner record of the caller; only partners reach the mirror API.
async fn calling_partner(state: &AppState, who: &Principal) -> Result<PartnerRow, ApiError> {
    store::partner(&state.db, &who.user_id)
        .await?
        .ok_or_else(|| ApiError::Forbidden("this account is not a registered partner".into()))
}

/// `GET /v1/mirror/snapshot`: a DSSE envelope (JSON) over the snapshot, signed with the
/// publisher key.
#[utoipa::path(
    get,
    path = "/v1/mirror/snapshot",
    tag = "mirrors",
    responses((
        status = 200,
        description = "The calling partner's snapshot, signed (its payload type is `application/vnd.modelgate.mirror-snapshot.v1+json`)",
        body = SnapshotEnvelope,
    )),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn get_snapshot(
    req: HttpRequest,
    state: Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    who.authorize(&[Role::Partner], Scope::Read)?;
    if state.settings.mirror.is_mirror() {
        return Err(ApiError::NotFound(
            "this gateway is a mirror; snapshots come from its upstream".into(),
        ));
    }
    let partner = calling_partner(&state, &who).await?;
    let snapshot = snapshot::build(&state, &partner, crate::web::extract::client_ip(&req)).await?;
    let signed = snapshot::sign(&snapshot, &state.signer).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(signed))
}

/// `POST /v1/mirror/audit` with `{"events": [...]}` (events as the audit API shows them):
/// records each new event once, tagged with the partner.
#[utoipa::path(
    post,
    path = "/v1/mirror/audit",
    tag = "mirrors",
    request_body = Shipment,
    responses((status = 200, description = "What was recorded", body = Received)),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn receive_audit_events(
    state: Data<AppState>,
    who: Principal,
    body: Json<Shipment>,
) -> Result<HttpResponse, ApiError> {
    who.authorize(&[Role::Partner], Scope::Download)?;
    let partner = calling_partner(&state, &who).await?;
    let received = outbox::receive(&state, &partner, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(received))
}
