//! The audit trail for compliance staff (role `compliance`, nobody else): events with
//! filters and a cursor, a streaming export (CSV, JSON Lines), the signed checkpoints and
//! a verification of the stored log. `GET /v1/keys/audit` is public. The log's tiles,
//! checkpoints and receipts are `transparency`.

use actix_web::http::header;
use actix_web::web::{Data, Query};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::export::{self, EventQuery, AUDITORS};
use crate::audit::report::Summary;
use crate::audit::{verify_stored, VerifyReport};
use crate::auth::{Principal, Scope};
use crate::db::audit as store;
use crate::domain::{parse_time, rfc3339};
use crate::error::ApiError;
use crate::ledger::{Checkpoint, LogEntry};
use crate::state::AppState;

const MAX_PAGE: i64 = 1000;

/// An event as listed: the stored event and its time.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventEntry {
    #[serde(flatten)]
    pub event: LogEntry,
    /// `occurred_at` as RFC 3339.
    #[schema(example = "2025-01-31T12:00:00.25Z")]
    pub time: String,
}

impl From<LogEntry> for AuditEventEntry {
    fn from(event: LogEntry) -> Self {
        AuditEventEntry {
            time: rfc3339(event.occurred_at),
            event,
        }
    }
}

/// The answer of `GET /v1/audit/events`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventPage {
    /// Events in order of arrival.
    pub events: Vec<AuditEventEntry>,
    /// `after` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// The answer of `GET /v1/audit/checkpoints`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditCheckpoints {
    /// Every signed checkpoint, oldest first.
    pub checkpoints: Vec<Checkpoint>,
    /// The audit key that signs them, as PEM.
    pub public_key: String,
    /// `sha256:` and the hex SHA-256 of the PEM.
    pub key_fingerprint: String,
}

/// The answer of `GET /v1/audit/summary`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditSummary {
    /// The start of the period (RFC 3339), null when open.
    #[schema(required = true)]
    pub since: Option<String>,
    /// The end of the period (RFC 3339, exclusive), null when open.
    #[schema(required = true)]
    pub until: Option<String>,
    pub summary: Summary,
}

/// `GET /v1/audit/events`: a page of events in chain order, with `next_cursor`.
#[utoipa::path(
    get,
    path = "/v1/audit/events",
    tag = "audit",
    params(EventQuery),
    responses((status = 200, description = "A page of events", body = AuditEventPage)),
)]
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
    let filter = query.filter(&state.pseudonym_key)?;
    let mut events = store::find(&state.db, &filter, limit).await?;
    crate::audit::personal::reveal_entries(&state.db, &state.pseudonym_key, &mut events).await?;
    let next_cursor = (events.len() as i64 == limit)
        .then(|| events.last().map(|e| e.seq.to_string()))
        .flatten();
    Ok(HttpResponse::Ok().json(AuditEventPage {
        events: events.into_iter().map(AuditEventEntry::from).collect(),
        next_cursor,
    }))
}

/// `GET /v1/audit/export?format=jsonl|csv` with the same filters: streamed page by page,
/// never held in memory. An unfiltered JSON Lines export is what `modelgate audit verify`
/// checks offline.
#[utoipa::path(
    get,
    path = "/v1/audit/export",
    tag = "audit",
    params(EventQuery),
    responses((
        status = 200,
        description = "The events, one `LogEntry` a line (JSON Lines) or a CSV row each",
        content(
            (String = "application/x-ndjson"),
            (String = "text/csv; charset=utf-8"),
        ),
        headers((
            "Content-Disposition" = String,
            description = "`attachment` as `audit.jsonl` or `audit.csv`"
        )),
    )),
)]
pub async fn export_events(
    state: Data<AppState>,
    who: Principal,
    query: Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    let export = export::export(&state.db, &state.pseudonym_key, &who, &query)?;
    Ok(crate::web::body::attachment(
        export.content_type,
        export.file_name,
        export.chunks,
    ))
}

/// `GET /v1/audit/checkpoints`: every signed checkpoint of the hash chain of earlier
/// releases, oldest first, and the key that signed them (to verify exports made then).
#[utoipa::path(
    get,
    path = "/v1/audit/checkpoints",
    tag = "audit",
    responses((status = 200, description = "The signed checkpoints", body = AuditCheckpoints)),
)]
pub async fn list_checkpoints(
    state: Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    who.authorize(AUDITORS, Scope::Read)?;
    let checkpoints = store::checkpoints(&state.db).await?;
    Ok(HttpResponse::Ok().json(AuditCheckpoints {
        checkpoints,
        public_key: state.audit_key.public().pem(),
        key_fingerprint: state.audit_key.public().fingerprint(),
    }))
}

/// `GET /v1/audit/verify`: the stored log re-derived and checked against its newest signed
/// checkpoint (and the carried-over chain against its own).
#[utoipa::path(
    get,
    path = "/v1/audit/verify",
    tag = "audit",
    responses((
        status = 200,
        description = "What the check found (`ok` is false when the log is broken)",
        body = VerifyReport,
    )),
)]
pub async fn verify_log(state: Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    who.authorize(AUDITORS, Scope::Read)?;
    let report = verify_stored(
        &state.db,
        state.log_signer.vkey(),
        &state.audit_key.public(),
        &state.pseudonym_key,
    )
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// `YYYY-MM-DD` or RFC 3339, inclusive.
    since: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339, exclusive.
    until: Option<String>,
}

/// `GET /v1/audit/summary?since=…&until=…`: decisions by licensee country, model and
/// outcome; downloads by model; open review cases.
#[utoipa::path(
    get,
    path = "/v1/audit/summary",
    tag = "audit",
    params(PeriodQuery),
    responses((status = 200, description = "The period's summary", body = AuditSummary)),
)]
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
    Ok(HttpResponse::Ok().json(AuditSummary {
        since: since.map(rfc3339),
        until: until.map(rfc3339),
        summary,
    }))
}

/// `GET /v1/keys/audit`: the public key that signs audit checkpoints, as PEM.
#[utoipa::path(
    get,
    path = "/v1/keys/audit",
    tag = "audit",
    security(()),
    responses((
        status = 200,
        description = "The audit key's public half (PEM)",
        body = String,
        content_type = "application/x-pem-file",
    )),
)]
pub async fn get_audit_key(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/x-pem-file"))
        .body(state.audit_key.public().pem())
}
