//! The audit trail for compliance staff (role `compliance`, nobody else): events with
//! filters and a cursor, a streaming export (CSV, JSON Lines), the signed checkpoints and
//! a verification of the stored chain. `GET /v1/keys/audit` is public.

use actix_web::http::header;
use actix_web::web::{Data, Query};
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::audit::export::{self, EventQuery, AUDITORS};
use crate::audit::verify_stored;
use crate::ledger::ChainedEvent;
use crate::auth::{Principal, Scope};
use crate::db::audit as store;
use crate::domain::{parse_time, rfc3339};
use crate::error::ApiError;
use crate::state::AppState;

const MAX_PAGE: i64 = 1000;

fn event_json(event: &ChainedEvent) -> Value {
    let mut value = serde_json::to_value(event).unwrap_or(Value::Null);
    value["time"] = json!(rfc3339(event.occurred_at));
    value
}

/// `GET /v1/audit/events`: a page of events in chain order, with `next_cursor`.
pub async fn list_events(
    state: Data<AppState>,
    who: Principal,
    query: Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    who.authorize(AUDITORS, Scope::Read)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "`limit` must be between 1 and {MAX_PAGE}"
        )));
    }
    let filter = query.filter()?;
    let events = store::find(&state.db, &filter, limit).await?;
    let next_cursor = (events.len() as i64 == limit)
        .then(|| events.last().map(|e| e.seq.to_string()))
        .flatten();
    Ok(HttpResponse::Ok().json(json!({
        "events": events.iter().map(event_json).collect::<Vec<_>>(),
        "next_cursor": next_cursor,
    })))
}

/// `GET /v1/audit/export?format=jsonl|csv` with the same filters: streamed page by page,
/// never held in memory. An unfiltered JSON Lines export is what `modelgate audit verify`
/// checks offline.
pub async fn export_events(
    state: Data<AppState>,
    who: Principal,
    query: Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    let export = export::export(&state.db, &who, &query)?;
    Ok(crate::web::body::attachment(
        export.content_type,
        export.file_name,
        export.chunks,
    ))
}

/// `GET /v1/audit/checkpoints`: every signed checkpoint, oldest first, and the audit key.
pub async fn list_checkpoints(
    state: Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    who.authorize(AUDITORS, Scope::Read)?;
    let checkpoints = store::checkpoints(&state.db).await?;
    Ok(HttpResponse::Ok().json(json!({
        "checkpoints": checkpoints,
        "public_key": state.audit_key.public().pem(),
        "key_fingerprint": state.audit_key.public().fingerprint(),
    })))
}

/// `GET /v1/audit/verify`: the stored chain checked against its signed checkpoints.
pub async fn verify_log(state: Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    who.authorize(AUDITORS, Scope::Read)?;
    let report = verify_stored(&state.db, &state.audit_key.public(), &state.pseudonym_key).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// `YYYY-MM-DD` or RFC 3339, inclusive.
    since: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339, exclusive.
    until: Option<String>,
}

/// `GET /v1/audit/summary?since=…&until=…`: decisions by licensee country, model and
/// outcome; downloads by model; open review cases.
pub async fn summary_report(
    state: Data<AppState>,
    who: Principal,
    query: Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    who.authorize(AUDITORS, Scope::Read)?;
    let since = query
        .since
        .as_deref()
        .map(|s| parse_time("since", s))
        .transpose()?;
    let until = query
        .until
        .as_deref()
        .map(|s| parse_time("until", s))
        .transpose()?;
    let summary = crate::audit::report::summary(&state.db, since, until).await?;
    Ok(HttpResponse::Ok().json(json!({
        "since": since.map(rfc3339), "until": until.map(rfc3339), "summary": summary,
    })))
}

/// `GET /v1/keys/audit`: the public key that signs audit checkpoints, as PEM.
pub async fn get_audit_key(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/x-pem-file"))
        .body(state.audit_key.public().pem())
}
