//! The audit log as a transparency log over HTTP: the C2SP `tlog-tiles` layout under
//! `/v1/audit/log/` (checkpoint and hash tiles public, entry bundles for compliance
//! staff), consistency proofs, receipts (`/v1/audit/proof/{entry}`, a C2SP `tlog-proof`),
//! witnesses' cosignatures, and the log's verifier key at `/v1/keys/audit.vkey`.

use actix_web::http::header;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::log as transparency;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::ledger::proof::hashes_to_text;
use crate::state::AppState;

const TEXT: &str = "text/plain; charset=utf-8";

/// `GET /v1/keys/audit.vkey`: the verifier key of the log's checkpoints (a C2SP signed-note
/// key string: `<origin>+<key id>+<key>`).
#[utoipa::path(
    get,
    path = "/v1/keys/audit.vkey",
    tag = "audit",
    security(()),
    responses((status = 200, description = "The verifier key string", body = String, content_type = "text/plain")),
)]
pub async fn get_log_vkey(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, TEXT))
        .body(format!("{}\n", state.log_signer.vkey()))
}

/// `GET /v1/audit/log/checkpoint`: the newest signed checkpoint, with the cosignatures
/// witnesses sent for it.
#[utoipa::path(
    get,
    path = "/v1/audit/log/checkpoint",
    tag = "audit",
    security(()),
    responses((status = 200, description = "A C2SP tlog-checkpoint signed note", body = String, content_type = "text/plain")),
)]
pub async fn get_checkpoint(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let note = transparency::checkpoint(&state.db).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, TEXT))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(note))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TilePathParams {
    /// `<L>/<N>[.p/<W>]` for a hash tile, `entries/<N>[.p/<W>]` for an entry bundle.
    path: String,
}

/// `GET /v1/audit/log/tile/{path}`: a C2SP tile. Full tiles never change and are cached
/// for a year; partial ones are revalidated. Entry bundles need a compliance account.
#[utoipa::path(
    get,
    path = "/v1/audit/log/tile/{path}",
    tag = "audit",
    params(TilePathParams),
    responses((status = 200, description = "The tile's bytes", body = crate::web::api::openapi::RawBytes, content_type = "application/octet-stream")),
)]
pub async fn get_tile(
    state: Data<AppState>,
    who: Option<Principal>,
    path: Path<TilePathParams>,
) -> Result<HttpResponse, ApiError> {
    let tile = transparency::tile(&state.db, who.as_ref(), &format!("tile/{}", path.path)).await?;
    let cache = if tile.full {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/octet-stream"))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(tile.bytes))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree size.
    from: u64,
    /// The newer tree size (at most the log's size).
    to: u64,
}

/// `GET /v1/audit/log/consistency?from=…&to=…`: the consistency proof between two tree
/// sizes, one base64 hash per line (RFC 6962 / 9162).
#[utoipa::path(
    get,
    path = "/v1/audit/log/consistency",
    tag = "audit",
    security(()),
    params(ConsistencyQuery),
    responses((status = 200, description = "The proof's hashes, one per line", body = String, content_type = "text/plain")),
)]
pub async fn get_consistency(
    state: Data<AppState>,
    query: Query<ConsistencyQuery>,
) -> Result<HttpResponse, ApiError> {
    let proof = transparency::consistency(&state.db, query.from, query.to).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, TEXT))
        .body(hashes_to_text(&proof)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EntryParams {
    /// The entry's leaf index, or the event id a response named (`audit_entry`).
    entry: String,
}

/// `GET /v1/audit/proof/{entry}`: the receipt of one audit entry, a C2SP `tlog-proof`
/// carrying the entry itself, verifiable offline with `modelgate audit verify-proof`. For
/// the entry's actor and compliance staff.
#[utoipa::path(
    get,
    path = "/v1/audit/proof/{entry}",
    tag = "audit",
    params(EntryParams),
    responses((status = 200, description = "The tlog-proof", body = String, content_type = "text/plain")),
)]
pub async fn get_proof(
    state: Data<AppState>,
    who: Principal,
    path: Path<EntryParams>,
) -> Result<HttpResponse, ApiError> {
    let proof = transparency::receipt(&state.db, &who, &path.entry).await?;
    Ok(crate::web::body::receipt_download(&proof))
}

/// A witness's cosignature of one of this log's checkpoints.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CosignatureUpload {
    /// The witness's verifier key string (`<name>+<id>+<key>`, key type 0x04).
    pub witness_vkey: String,
    /// The checkpoint as this log signed it, with the witness's cosignature line added.
    pub checkpoint: String,
}

/// The answer of `POST /v1/audit/log/cosignatures`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CosignatureRecorded {
    /// The size of the checkpoint the cosignature is now published with.
    pub size: u64,
}

/// `POST /v1/audit/log/cosignatures`: a partner's mirror, as a witness, sends its
/// cosignature of a checkpoint it verified (consistent with the last one it saw).
#[utoipa::path(
    post,
    path = "/v1/audit/log/cosignatures",
    tag = "audit",
    request_body = CosignatureUpload,
    responses((status = 200, description = "Recorded", body = CosignatureRecorded)),
)]
pub async fn add_cosignature(
    state: Data<AppState>,
    who: Principal,
    body: Json<CosignatureUpload>,
) -> Result<HttpResponse, ApiError> {
    let size = transparency::add_cosignature(
        &state.db,
        &who,
        state.log_signer.vkey(),
        &body.witness_vkey,
        &body.checkpoint,
    )
    .await?;
    Ok(HttpResponse::Ok().json(CosignatureRecorded { size }))
}
