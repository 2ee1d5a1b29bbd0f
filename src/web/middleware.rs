//! The outermost middleware: each request gets an id (the client's `X-Request-Id` when it
//! is a sane one), runs with its audit context (id, client address, pseudonym key), and is
//! logged and counted in the metrics by its route pattern once answered.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;

use crate::ledger::context::RequestContext;
use crate::random::random_hex;
use crate::state::AppState;

const REQUEST_ID: &str = "x-request-id";

/// The request id a client sent, when it is at most 64 letters, digits and dashes.
fn sent_request_id(req: &ServiceRequest) -> Option<String> {
    req.headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(str::to_owned)
}

/// See the module documentation.
pub async fn observe_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = sent_request_id(&req).unwrap_or_else(|| random_hex(12));
    let (method, path) = (req.method().clone(), req.path().to_owned());
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let context = RequestContext {
        request_id: Some(request_id.clone()),
        client_ip: crate::web::extract::client_ip(req.request()).map(|ip| ip.to_string()),
        pseudonym_key: req
            .app_data::<Data<AppState>>()
            .map(|s| s.pseudonym_key.clone()),
    };
    let lang = crate::web::language::of_request(req.request(), || {
        req.app_data::<Data<AppState>>()
            .is_some_and(|state| crate::web::urls::is_https(state, req.request()))
    });
    let mut response =
        crate::web::language::scope(lang, crate::ledger::context::scope(context, next.call(req)))
            .await?;
    let status = response.status().as_u16();
    crate::metrics::global().record_request(
        crate::metrics::RequestLabels {
            method: method.to_string(),
            route,
            status,
        },
        started.elapsed(),
    );
    tracing::info!(
        request.id = %request_id,
        http.method = %method,
        http.path = %path,
        http.status = status,
        duration_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID), value);
    }
    Ok(response)
}
