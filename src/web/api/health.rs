//! Liveness and readiness probes, and the Prometheus metrics.

use actix_web::{web::Data, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::same_secret;
use crate::error::ApiError;
use crate::state::AppState;

/// The answer of `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Liveness {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The answer of `GET /readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`, or `not-ready` (with status 503) when a check failed.
    #[schema(example = "ready")]
    pub status: &'static str,
    pub checks: ReadinessChecks,
}

/// What `GET /readyz` checked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessChecks {
    /// The database answered.
    pub database: bool,
    /// The blob store is reachable.
    pub blob_store: bool,
}

/// `GET /healthz`: the process is up and serving requests.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    security(()),
    responses((status = 200, description = "The process serves requests", body = Liveness)),
)]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Liveness { status: "ok" })
}

/// `GET /readyz`: the database answers and the blob store is reachable.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "A dependency is down", body = Readiness),
    ),
)]
pub async fn ready(state: Data<AppState>) -> HttpResponse {
    let database = state.db.ping().await;
    let blobs = state.blobs.is_reachable().await;
    let body = Readiness {
        status: if database && blobs {
            "ready"
        } else {
            "not-ready"
        },
        checks: ReadinessChecks {
            database,
            blob_store: blobs,
        },
    };
    if database && blobs {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// `GET /metrics`: the OpenMetrics text of `crate::metrics`. A loopback peer may read it
/// while no trusted proxy is configured; otherwise (behind a same-host proxy every client
/// is a loopback peer) it needs `Authorization: Bearer <server.metrics_token>`.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "health",
    security((), ("metrics_token" = [])),
    responses((
        status = 200,
        description = "OpenMetrics text",
        body = String,
        content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8",
    )),
)]
pub async fn metrics(req: HttpRequest, state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let loopback = state.settings.server.trusted_proxies.is_empty()
        && req.peer_addr().is_some_and(|peer| peer.ip().is_loopback());
    let presented = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token = state.settings.server.metrics_token.expose();
    if !may_read_metrics(loopback, token, presented) {
        return Err(ApiError::Forbidden(
            "metrics are served with the metrics token (server.metrics_token), or to \
             loopback when no trusted proxy is configured"
                .into(),
        ));
    }
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(crate::metrics::global().encode()))
}

/// A trusted loopback peer may read the metrics; anyone else only with the configured
/// token (none configured: nobody else).
fn may_read_metrics(loopback: bool, token: &str, presented: Option<&str>) -> bool {
    loopback || (!token.is_empty() && presented.is_some_and(|given| same_secret(given, token)))
}

#[cfg(test)]
mod tests {
    use super::may_read_metrics;

    #[test]
    fn metrics_are_for_loopback_or_the_token_holder() {
        assert!(may_read_metrics(true, "", None));
        assert!(!may_read_metrics(false, "", None));
        assert!(!may_read_metrics(false, "", Some("")));
        assert!(!may_read_metrics(false, "scrape", None));
        assert!(!may_read_metrics(false, "scrape", Some("guess")));
        assert!(may_read_metrics(false, "scrape", Some("scrape")));
    }
}
