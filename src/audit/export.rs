//! Reading the audit trail out: the filters staff search and export events by, and the
//! export itself (JSON Lines or CSV), streamed page by page, never held in memory.

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::audit::AuditError;
use crate::auth::{Principal, Scope};
use crate::db::audit::{self as store, EventFilter};
use crate::db::Db;
use crate::domain::{parse_time, rfc3339, Role};
use crate::export::csv_field;
use crate::ledger::context::PseudonymKey;
use crate::ledger::LogEntry;

/// Who reads the audit trail.
pub const AUDITORS: &[Role] = &[Role::Compliance];
const EXPORT_PAGE: i64 = 500;
const MAX_FILTER_CHARS: usize = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
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
    /// The filter, with the organisation also matched by its pseudonym under `key` (entries
    /// hold pseudonyms, not names: `ledger::personal`).
    pub(crate) fn filter(&self, key: &PseudonymKey) -> Result<EventFilter, AuditError> {
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
                return Err(AuditError::InvalidQuery(format!(
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
                    AuditError::InvalidQuery("`after` must be a cursor from `next_cursor`".into())
                })?,
        };
        Ok(EventFilter {
            kind: self.kind.clone(),
            actor: self.user.clone(),
            model: self.model.clone(),
            outcome: self.outcome.clone(),
            country: self.country.clone().map(|c| c.to_ascii_uppercase()),
            actor_pseudonym: self
                .user
                .as_deref()
                .filter(|user| user.contains('@'))
                .map(|email| crate::ledger::personal::pseudonym(key, email)),
            organisation: self.organisation.clone(),
            organisation_pseudonym: self
                .organisation
                .as_deref()
                .map(|name| crate::ledger::personal::pseudonym(key, name)),
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

const CSV_COLUMNS: &[&str] = &[
    "seq",
    "index",
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
    "personal",
];

fn csv_line(event: &LogEntry) -> String {
    let text = |v: &Option<String>| csv_field(v.as_deref().unwrap_or_default());
    let fields = [
        event.seq.to_string(),
        event.index.map(|i| i.to_string()).unwrap_or_default(),
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
        event.personal.as_ref().map_or_else(String::new, |p| {
            csv_field(&String::from_utf8_lossy(&crate::canonical_json::to_bytes(
                p,
            )))
        }),
    ];
    format!("{}\r\n", fields.join(","))
}

/// An export being streamed: its media type, the file name it downloads as, its bytes.
pub struct Export {
    pub content_type: &'static str,
    pub file_name: &'static str,
    pub chunks: BoxStream<'static, std::io::Result<Bytes>>,
}

/// The events `query` selects, for `who` (compliance staff only), as `query.format` says:
/// `jsonl` (default) or `csv`.
pub fn export(
    db: &Db,
    key: &PseudonymKey,
    who: &Principal,
    query: &EventQuery,
) -> Result<Export, AuditError> {
    who.authorize(AUDITORS, Scope::Read)?;
    let csv = match query.format.as_deref() {
        None | Some("jsonl") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(AuditError::InvalidQuery(format!(
                "unknown format `{other}` (expected jsonl or csv)"
            )))
        }
    };
    let filter = query.filter(key)?;
    let db = db.clone();
    let key = key.clone();
    let header_line = csv.then(|| format!("{}\r\n", CSV_COLUMNS.join(",")));
    let pages =
        futures_util::stream::unfold((Some(filter), header_line), move |(filter, header_line)| {
            let (db, key) = (db.clone(), key.clone());
            async move {
                if let Some(line) = header_line {
                    return Some((Ok(Bytes::from(line)), (filter, None)));
                }
                let mut filter = filter?;
                let found = match store::find(&db, &filter, EXPORT_PAGE).await {
                    Ok(mut events) => {
                        crate::audit::personal::reveal_entries(&db, &key, &mut events)
                            .await
                            .map(|()| events)
                    }
                    Err(e) => Err(e),
                };
                match found {
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
    let (content_type, file_name) = if csv {
        ("text/csv; charset=utf-8", "audit.csv")
    } else {
        ("application/x-ndjson", "audit.jsonl")
    };
    Ok(Export {
        content_type,
        file_name,
        chunks: pages.boxed(),
    })
}
