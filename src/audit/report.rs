//! Summary reports over a period, for compliance staff: decisions by licensee country,
//! model and outcome; downloads by model; open review cases. Computed by walking the
//! period's events page by page, so memory holds only the groups.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::audit::{self as store, EventFilter};
use crate::db::{reviews, Db};
use crate::ledger::event::EventKind;

/// Policy decisions for one licensee country, model and outcome.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct DecisionCount {
    /// The licensee's country (empty when unknown).
    pub country: String,
    pub model: String,
    /// `allow`, `deny` or `review`.
    pub outcome: String,
    pub count: u64,
}

/// Served blob requests for one model.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct DownloadCount {
    pub model: String,
    /// Full or from-byte-0 downloads served.
    pub downloads: u64,
    /// Blob requests served, resumes included.
    pub requests: u64,
    /// Bytes served.
    pub bytes: u64,
}

/// The counts of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = AuditCounts)]
pub struct Summary {
    /// By licensee country, model and outcome.
    pub decisions: Vec<DecisionCount>,
    /// By model.
    pub downloads: Vec<DownloadCount>,
    /// Review cases open now (not only those of the period).
    pub open_review_cases: usize,
}

const PAGE: i64 = 1000;

/// Calls `each` for every event of `kind` in `[since, until)`.
async fn walk(
    db: &Db,
    kind: EventKind,
    since: Option<i64>,
    until: Option<i64>,
    mut each: impl FnMut(&crate::ledger::LogEntry),
) -> Result<(), sqlx::Error> {
    let mut filter = EventFilter {
        kind: Some(kind.as_str().to_owned()),
        since,
        until,
        ..EventFilter::default()
    };
    loop {
        let page = store::find(db, &filter, PAGE).await?;
        page.iter().for_each(&mut each);
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => filter.after = last.seq,
            _ => return Ok(()),
        }
    }
}

/// The summary of `[since, until)` (open bounds when `None`).
pub async fn summary(
    db: &Db,
    since: Option<i64>,
    until: Option<i64>,
) -> Result<Summary, sqlx::Error> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let mut decisions: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    walk(db, EventKind::PolicyDecision, since, until, |event| {
        let key = (
            text(&event.data["licensee"]["country"]),
            text(&event.data["model"]),
            text(&event.data["outcome"]),
        );
        *decisions.entry(key).or_default() += 1;
    })
    .await?;
    let mut downloads: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    walk(db, EventKind::BlobRequest, since, until, |event| {
        if event.outcome.as_deref() != Some("served") {
            return;
        }
        let entry = downloads.entry(text(&event.data["model"])).or_default();
        entry.0 += u64::from(event.data["fresh"].as_bool().unwrap_or_default());
        entry.1 += 1;
        entry.2 += event.data["bytes"].as_u64().unwrap_or_default();
    })
    .await?;
    let open_review_cases = reviews::list(db, Some("open"), None).await?.len();
    Ok(Summary {
        decisions: decisions
            .into_iter()
            .map(|((country, model, outcome), count)| DecisionCount {
                country,
                model,
                outcome,
                count,
            })
            .collect(),
        downloads: downloads
            .into_iter()
            .map(|(model, (downloads, requests, bytes))| DownloadCount {
                model,
                downloads,
                requests,
                bytes,
            })
            .collect(),
        open_review_cases,
    })
}
