//! Liveness and readiness probes.

use actix_web::{web::Data, HttpResponse};
use serde_json::json;

use crate::state::AppState;

/// `GET /healthz`: the process is up and serving requests.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers and the blob store is reachable.
pub async fn ready(state: Data<AppState>) -> HttpResponse {
    let database = state.db.ping().await;
    let blobs = state.blobs.is_reachable();
    let body = json!({ "status": if database && blobs { "ready" } else { "not-ready" },
                       "checks": { "database": database, "blob_store": blobs } });
    if database && blobs {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
