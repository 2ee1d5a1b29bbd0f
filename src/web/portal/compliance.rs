//! Compliance pages: audit search with the API's filters, CSV/JSON Lines export, the
//! log's verification status, and the review queue with approve/deny and a note.

use actix_web::web::{Data, Form, Path, Query};
use actix_web::HttpRequest;
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use crate::access::review::REVIEWERS;
use crate::access::review::{decide_case, Verdict};
use crate::audit::export::{self as audit_export, EventQuery, AUDITORS};
use crate::audit::{report, verify_stored};
use crate::auth::{Principal, Scope};
use crate::db::audit as store;
use crate::db::reviews;
use crate::domain::{parse_time, rfc3339};
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::state::AppState;

use super::models::geo_attribution;
use super::session::SessionChange;
use super::views::{
    AuditFilters, AuditPage, Bar, CaseView, DecisionRow, EventView, Nav, ReviewsPage, StatsPage,
};
use super::{PageResult, PortalError, Visitor};

const PAGE_SIZE: i64 = 100;

/// The signed-in account, when it has one of `roles`.
fn staff<'a>(
    visitor: &'a Visitor,
    roles: &[crate::domain::Role],
) -> Result<&'a Principal, PortalError> {
    let who = visitor.require()?;
    who.authorize(roles, Scope::Read)?;
    Ok(who)
}

/// The search form as submitted; blank fields mean "any".
#[derive(Deserialize, Default)]
pub struct AuditForm {
    kind: Option<String>,
    user: Option<String>,
    model: Option<String>,
    outcome: Option<String>,
    country: Option<String>,
    organisation: Option<String>,
    partner: Option<String>,
    since: Option<String>,
    until: Option<String>,
    after: Option<String>,
    format: Option<String>,
}

impl AuditForm {
    fn filled(value: &Option<String>) -> Option<String> {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    fn query(&self) -> EventQuery {
        EventQuery {
            kind: Self::filled(&self.kind),
            user: Self::filled(&self.user),
            model: Self::filled(&self.model),
            outcome: Self::filled(&self.outcome),
            country: Self::filled(&self.country),
            organisation: Self::filled(&self.organisation),
            partner: Self::filled(&self.partner),
            since: Self::filled(&self.since),
            until: Self::filled(&self.until),
            after: Self::filled(&self.after),
            format: Self::filled(&self.format),
            limit: None,
        }
    }

    /// The filled filters as a query string (for export links and paging).
    fn query_string(&self) -> String {
        let q = self.query();
        let pairs = [
            ("kind", q.kind),
            ("user", q.user),
            ("model", q.model),
            ("outcome", q.outcome),
            ("country", q.country),
            ("organisation", q.organisation),
            ("partner", q.partner),
            ("since", q.since),
            ("until", q.until),
        ];
        pairs
            .into_iter()
            .filter_map(|(name, value)| {
                value.map(|v| format!("{name}={}", urlencoding::encode(&v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    fn echo(&self) -> AuditFilters {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        AuditFilters {
            kind: text(&self.kind),
            user: text(&self.user),
            model: text(&self.model),
            outcome: text(&self.outcome),
            country: text(&self.country),
            organisation: text(&self.organisation),
            partner: text(&self.partner),
            since: text(&self.since),
            until: text(&self.until),
        }
    }
}

/// `GET /compliance/audit`: a page of matching events, the export links and the log's
/// verification against its signed checkpoints.
pub async fn audit_page(
    req: HttpRequest,
    state: Data<AppState>,
    form: Query<AuditForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    staff(&visitor, AUDITORS)?;
    let report = verify_stored(
        &state.db,
        state.log_signer.vkey(),
        &state.audit_key.public(),
        &state.pseudonym_key,
    )
    .await?;
    let (mut events, error) = match form.query().filter(&state.pseudonym_key) {
        Ok(filter) => (store::find(&state.db, &filter, PAGE_SIZE).await?, None),
        Err(refused) => (
            Vec::new(),
            Some(ApiError::from(refused).message_in(visitor.lang)),
        ),
    };
    crate::audit::personal::reveal_entries(&state.db, &state.pseudonym_key, &mut events).await?;
    let next_cursor = (events.len() as i64 == PAGE_SIZE)
        .then(|| events.last().map(|e| e.seq))
        .flatten();
    let events = events
        .into_iter()
        .map(|e| EventView {
            seq: e.seq,
            time: rfc3339(e.occurred_at),
            kind: e.kind,
            // Decisions carry the account's email (beside the log); it reads better than
            // the account id.
            actor: e
                .personal
                .as_ref()
                .and_then(|p| p["/email"].as_str().or_else(|| p["actor"].as_str()))
                .map(str::to_owned)
                .or(e.actor)
                .unwrap_or_default(),
            subject: e.subject.unwrap_or_default(),
            outcome: e.outcome.unwrap_or_default(),
            data: serde_json::to_string_pretty(&match e.personal {
                Some(personal) => serde_json::json!({ "data": e.data, "personal": personal }),
                None => e.data,
            })
            .unwrap_or_default(),
        })
        .collect();
    let page = AuditPage {
        nav: Nav::of(&visitor),
        filters: form.echo(),
        events,
        query: form.query_string(),
        next_cursor,
        chain_ok: report.ok,
        chain_summary: report.message,
        geo_attribution: geo_attribution(&state),
        error,
    };
    Ok(visitor.page(page.render()?))
}

/// `GET /compliance/audit/export?format=csv|jsonl&…`: the API's streamed export.
pub async fn export(req: HttpRequest, state: Data<AppState>, form: Query<AuditForm>) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    let who = staff(&visitor, AUDITORS)?;
    let export = audit_export::export(&state.db, &state.pseudonym_key, who, &form.query())?;
    Ok(crate::web::body::attachment(
        export.content_type,
        export.file_name,
        export.chunks,
    ))
}

#[derive(Deserialize)]
pub struct ReviewsQuery {
    state: Option<String>,
}

fn case_view(case: reviews::ReviewRow, lang: Lang) -> CaseView {
    let inputs: Value = serde_json::from_str(&case.inputs).unwrap_or(Value::Null);
    let text = |key: &str| inputs[key].as_str().unwrap_or("").to_owned();
    let declared = match inputs["organisation_name"].as_str() {
        Some(org) => lang.text_with(
            "reviews-declared-for",
            &[
                ("domicile", text("declared_domicile").into()),
                ("organisation", org.into()),
                ("country", text("organisation_country").into()),
            ],
        ),
        None => lang.text_with(
            "reviews-declared-domicile",
            &[("domicile", text("declared_domicile").into())],
        ),
    };
    let reasons = serde_json::from_str::<Vec<crate::policy::Reason>>(&case.reasons)
        .unwrap_or_default()
        .into_iter()
        .map(|r| format!("{} ({})", lang.rule_reason(&r.policy, &r.message), r.policy))
        .collect();
    CaseView {
        geo_country: text("geo_country"),
        declared,
        reasons,
        opened_at: rfc3339(case.opened_at),
        decided_by: case.decided_by.unwrap_or_default(),
        note: case.note.unwrap_or_default(),
        id: case.id,
        state: case.state,
        user: case.email,
        model: case.model_id,
    }
}

/// `GET /compliance/reviews[?state=approved|denied|all]` (open by default).
pub async fn reviews_page(
    req: HttpRequest,
    state: Data<AppState>,
    query: Query<ReviewsQuery>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    staff(&visitor, REVIEWERS)?;
    let showing = match query.state.as_deref() {
        None | Some("" | "open") => "open",
        Some("approved") => "approved",
        Some("denied") => "denied",
        Some("all") => "all",
        Some(_) => return Err(ApiError::BadRequest("unknown review state".into()).into()),
    };
    let filter = (showing != "all").then_some(showing);
    let cases = reviews::list(&state.db, filter, None).await?;
    let page = ReviewsPage {
        nav: Nav::of(&visitor),
        cases: cases
            .into_iter()
            .map(|c| case_view(c, visitor.lang))
            .collect(),
        showing: showing.to_owned(),
        geo_attribution: geo_attribution(&state),
    };
    Ok(visitor.page(page.render()?))
}

#[derive(Deserialize)]
pub struct DecideForm {
    csrf: String,
    verdict: String,
    note: String,
}

/// `POST /compliance/reviews/{id}`: approve or deny with a note (audited).
pub async fn decide(
    req: HttpRequest,
    state: Data<AppState>,
    id: Path<String>,
    form: Form<DecideForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let who = staff(&visitor, REVIEWERS)?;
    who.authorize(REVIEWERS, Scope::Admin)?;
    let verdict = match form.verdict.as_str() {
        "approve" => Verdict::Approve,
        "deny" => Verdict::Deny,
        _ => return Err(ApiError::BadRequest("the verdict is approve or deny".into()).into()),
    };
    let (case, _) = decide_case(
        &state.db,
        &id,
        verdict,
        (&who.user_id, &who.email),
        &form.note,
    )
    .await?;
    Ok(visitor.redirect(
        &format!("/compliance/reviews?state={}", case.state),
        SessionChange::Keep,
    ))
}

#[derive(Deserialize)]
pub struct PeriodForm {
    since: Option<String>,
    until: Option<String>,
}

/// Width in the chart of the longest bar, in SVG units.
const CHART_WIDTH: u64 = 520;

/// `GET /compliance/stats`: decisions by licensee country (an SVG bar chart rendered
/// here) and by country, model and outcome, over a period.
pub async fn stats_page(
    req: HttpRequest,
    state: Data<AppState>,
    form: Query<PeriodForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    staff(&visitor, AUDITORS)?;
    let bound = |field: &str, value: &Option<String>| match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => parse_time(field, text).map(Some),
    };
    let period =
        bound("since", &form.since).and_then(|since| Ok((since, bound("until", &form.until)?)));
    let (summary, error) = match period {
        Ok((since, until)) => (Some(report::summary(&state.db, since, until).await?), None),
        Err(refused) => (None, Some(ApiError::from(refused).message_in(visitor.lang))),
    };
    let decisions = summary
        .as_ref()
        .map(|s| s.decisions.clone())
        .unwrap_or_default();
    let mut by_country: std::collections::BTreeMap<String, [u64; 3]> = Default::default();
    for d in &decisions {
        let counts = by_country.entry(d.country.clone()).or_default();
        match d.outcome.as_str() {
            "allow" => counts[0] += d.count,
            "review" => counts[1] += d.count,
            _ => counts[2] += d.count,
        }
    }
    let largest = by_country
        .values()
        .map(|c| c.iter().sum::<u64>())
        .max()
        .unwrap_or(1)
        .max(1);
    let width = |count: u64| u32::try_from(count * CHART_WIDTH / largest).unwrap_or(0);
    let bars: Vec<Bar> = by_country
        .into_iter()
        .enumerate()
        .map(|(row, (country, [allow, review, deny]))| Bar {
            label: if country.is_empty() {
                "?".to_owned()
            } else {
                country
            },
            y: u32::try_from(row).unwrap_or(0) * 28 + 4,
            allow_width: width(allow),
            review_width: width(review),
            deny_width: width(deny),
            total: allow + review + deny,
        })
        .collect();
    let page = StatsPage {
        nav: Nav::of(&visitor),
        since: form.since.clone().unwrap_or_default(),
        until: form.until.clone().unwrap_or_default(),
        chart_height: u32::try_from(bars.len()).unwrap_or(0) * 28 + 8,
        bars,
        rows: decisions
            .into_iter()
            .map(|d| DecisionRow {
                country: d.country,
                model: d.model,
                outcome: d.outcome,
                count: d.count,
            })
            .collect(),
        open_review_cases: summary.map_or(0, |s| s.open_review_cases),
        error,
    };
    Ok(visitor.page(page.render()?))
}
