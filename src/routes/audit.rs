//! The audit trail for compliance staff (role `compliance`, nobody else): events with
//! filters and a cursor, a streaming export (CSV, JSON Lines), the signed checkpoints and
//! a verification of the stored chain. `GET /v1/keys/audit` is public.

use actix_web::http::header;
use actix_web::web::{Bytes, Data, Query};
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::audit::{verify_stored, ChainedEvent};
use crate::auth::{Principal, Scope};
use crate::db::audit::{self as store, EventFilter};
use crate::domain::Role;
use crate::error::ApiError;
use crate::export::csv_field;
use crate::routes::admin::parse_time;
use crate::routes::rfc3339;
use crate::state::AppState;

pub(crate) const AUDITORS: &[Role] = &[Role::Compliance];
const MAX_PAGE: i64 = 1000;
const EXPORT_PAGE: i64 = 500;
const MAX_FILTER_CHARS: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// Event type, e.g. `policy.decision`.
    pub(crate) kind: Option<String>,
    /// The acting user id (or staff email).
    pub(crate) user: Option<String>,
    /// A model id, matched in the event's subject or data.
    pub(crate) model: Option<String>,
    /// `allow`, `deny`, `review`, `served`, an error code…
    pub(crate) outcome: Option<String>,
    /// A country: declared domicile, organisation country or GeoIP country.
    pub(crate) country: Option<String>,
    /// An organisation name, as declared.
    pub(crate) organisation: Option<String>,
    /// A partner's name: events its mirror shipped upstream.
    pub(crate) partner: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339, inclusive.
    pub(crate) since: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339, exclusive.
    pub(crate) until: Option<String>,
    /// The cursor: events after this sequence number.
    pub(crate) after: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub(crate) limit: Option<i64>,
    /// For the export: `jsonl` (default) or `csv`.
    pub(crate) format: Option<String>,
}

impl EventQuery {
    pub(crate) fn filter(&self) -> Result<EventFilter, ApiError> {
        for (name, value) in [
            ("kind", &self.kind),
            ("user", &self.user),
            ("model", &self.model),
            ("outcome", &self.outcome),
            ("country", &self.country),
            ("organisation", &self.organisation),
            ("partner", &self.partner),
        ] {
            if value
                .as_ref()
                .is_some_and(|v| v.chars().count() > MAX_FILTER_CHARS)
            {
                return Err(ApiError::BadRequest(format!(
                    "`{name}` is longer than {MAX_FILTER_CHARS} characters"
                )));
            }
        }
        let after = match self.after.as_deref() {
            None | Some("") => 0,
            Some(cursor) => cursor
                .parse::<i64>()
                .ok()
                .filter(|c| *c >= 0)
                .ok_or_else(|| {
                    ApiError::BadRequest("`after` must be a cursor from `next_cursor`".into())
                })?,
        };
        Ok(EventFilter {
            kind: self.kind.clone(),
            actor: self.user.clone(),
            model: self.model.clone(),
            outcome: self.outcome.clone(),
            country: self.country.clone().map(|c| c.to_ascii_uppercase()),
            organisation: self.organisation.clone(),
            partner: self.partner.clone(),
            since: self
                .since
                .as_deref()
                .map(|s| parse_time("since", s))
                .transpose()?,
            until: self
                .until
                .as_deref()
                .map(|s| parse_time("until", s))
                .transpose()?,
            after,
        })
    }
}

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

const CSV_COLUMNS: &[&str] = &[
    "seq",
    "id",
    "time",
    "occurred_at",
    "kind",
    "actor",
    "subject",
    "outcome",
    "request_id",
    "client_ip_hash",
    "client_ip",
    "data",
    "prev_hash",
    "hash",
];

fn csv_line(event: &ChainedEvent) -> String {
    let text = |v: &Option<String>| csv_field(v.as_deref().unwrap_or_default());
    let fields = [
        event.seq.to_string(),
        csv_field(&event.id),
        rfc3339(event.occurred_at),
        event.occurred_at.to_string(),
        csv_field(&event.kind),
        text(&event.actor),
        text(&event.subject),
        text(&event.outcome),
        text(&event.request_id),
        text(&event.client_ip_hash),
        text(&event.client_ip),
        csv_field(&String::from_utf8_lossy(&crate::canonical_json::to_bytes(
            &event.data,
        ))),
        csv_field(&event.prev_hash),
        csv_field(&event.hash),
    ];
    format!("{}\r\n", fields.join(","))
}

/// `GET /v1/audit/export?format=jsonl|csv` with the same filters: streamed page by page,
/// never held in memory. An unfiltered JSON Lines export is what `modelgate audit verify`
/// checks offline.
pub async fn export_events(
    state: Data<AppState>,
    who: Principal,
    query: Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    who.authorize(AUDITORS, Scope::Read)?;
    let csv = match query.format.as_deref() {
        None | Some("jsonl") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "unknown format `{other}` (expected jsonl or csv)"
            )))
        }
    };
    let filter = query.filter()?;
    let db = state.db.clone();
    let header_line = csv.then(|| format!("{}\r\n", CSV_COLUMNS.join(",")));
    let pages =
        futures_util::stream::unfold((Some(filter), header_line), move |(filter, header_line)| {
            let db = db.clone();
            async move {
                if let Some(line) = header_line {
                    return Some((Ok(Bytes::from(line)), (filter, None)));
                }
                let mut filter = filter?;
                match store::find(&db, &filter, EXPORT_PAGE).await {
                    Ok(events) if events.is_empty() => None,
                    Ok(events) => {
                        let full = events.len() as i64 == EXPORT_PAGE;
                        let mut out = String::new();
                        for event in &events {
                            if csv {
                                out.push_str(&csv_line(event));
                            } else {
                                out.push_str(&serde_json::to_string(event).unwrap_or_default());
                                out.push('\n');
                            }
                        }
                        filter.after = events.last().map_or(filter.after, |e| e.seq);
                        let next = full.then_some(filter);
                        Some((Ok::<_, std::io::Error>(Bytes::from(out)), (next, None)))
                    }
                    Err(e) => Some((Err(std::io::Error::other(e)), (None, None))),
                }
            }
        });
    let (content_type, name) = if csv {
        ("text/csv; charset=utf-8", "audit.csv")
    } else {
        ("application/x-ndjson", "audit.jsonl")
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .streaming(pages))
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
