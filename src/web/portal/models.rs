//! Model pages: the catalog with whether the visitor can get each model, a model's page
//! with its license, the accept form and the access decision explained, and the downloads
//! page an allowed request leads to.

use actix_web::web::{Data, Form, Query};
use actix_web::HttpRequest;
use askama::Template;
use serde::Deserialize;

use crate::access::{self, AccessError, DecisionInputs};
use crate::auth::{Scope, ANY_ROLE};
use crate::db::catalog::{ModelSummary, RevisionRow};
use crate::db::{catalog, grants, licensing, reviews::ReviewRow};
use crate::domain::rfc3339;
use crate::domain::{Modality, ModelId, Sha256Digest};
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::licensing::acceptance::record_acceptance;
use crate::policy::{Action, ClauseKind, Decision, ModelFacts, Outcome};
use crate::state::AppState;
use crate::store::manifest::Manifest;
use crate::store::model_card::ModelCard;
use crate::web::extract::ModelInPath;
use crate::web::urls::{base_url, blob_url};

use super::views::{
    file_size, Availability, CatalogPage, DownloadsPage, FileView, LicenseView, ModelPage,
    ModelRow, Nav, ReasonView, ReviewView,
};
use super::{with_status, PageResult, Visitor};

/// What the policy would say to the visitor now, without recording anything.
enum Preview {
    SignIn,
    Attest,
    Decided {
        inputs: Box<DecisionInputs>,
        decision: Decision,
    },
}

async fn preview(
    state: &AppState,
    visitor: &Visitor,
    req: &HttpRequest,
    model: &ModelId,
) -> Result<Preview, ApiError> {
    let Some(who) = &visitor.who else {
        return Ok(Preview::SignIn);
    };
    let client_ip = crate::web::extract::client_ip(req);
    match access::gather(state, &who.user_id, model, None, client_ip, None).await {
        Err(AccessError::AttestationRequired) => Ok(Preview::Attest),
        Err(other) => Err(other.into()),
        Ok(inputs) => {
            let decision = access::decide(state, &inputs, Action::Download)?;
            Ok(Preview::Decided {
                inputs: Box::new(inputs),
                decision,
            })
        }
    }
}

// `ACCEPTANCE_RULE` refuses whoever has not accepted the current license: when it is the
// only reason, accepting is all that is missing.
use crate::policy::ACCEPTANCE_RULE;

fn availability(preview: &Preview, lang: Lang) -> Availability {
    let kind = match preview {
        Preview::SignIn => "signin",
        Preview::Attest => "attest",
        Preview::Decided { inputs, decision } => match decision.outcome {
            Outcome::Allow => "allow",
            Outcome::Review => "review",
            Outcome::Deny
                if !inputs.licensee.facts.accepted_current_license
                    && decision.reasons.iter().all(|r| r.policy == ACCEPTANCE_RULE) =>
            {
                "accept"
            }
            Outcome::Deny => "deny",
        },
    };
    Availability {
        kind,
        label: lang.text(&format!("availability-{kind}-label")),
        sentence: lang.text(&format!("availability-{kind}-sentence")),
    }
}

/// Which regional clause of its license reaches the model, in `lang`: the clause's title,
/// or that none does.
fn regional_clause(state: &AppState, summary: &ModelSummary, lang: Lang) -> String {
    let bundle = state.policy.get();
    let model = ModelFacts {
        id: summary.id.clone(),
        multimodal: summary.modality == Modality::Multimodal.as_str(),
        license: summary.license_id.clone(),
    };
    let Some(pack) = bundle.packs().get(&model.license) else {
        return lang.text("catalog-clause-unknown");
    };
    match pack.cite(ClauseKind::Regional) {
        Some(clause) if bundle.restricts(&model) => lang.text_with(
            "catalog-clause",
            &[(
                "clause",
                lang.clause_title(&clause.message_id(), &clause.title)
                    .into(),
            )],
        ),
        _ => lang.text("catalog-no-clause"),
    }
}

fn model_row(
    summary: &ModelSummary,
    card: Option<&ModelCard>,
    availability: Availability,
    clause: String,
) -> ModelRow {
    ModelRow {
        clause,
        id: summary.id.clone(),
        modality: summary.modality.clone(),
        license: summary.license_id.clone(),
        size: file_size(u64::try_from(summary.total_size).unwrap_or(0)),
        files: summary.file_count,
        languages: card.map(ModelCard::languages).unwrap_or_default(),
        availability,
    }
}

/// The catalog's line for a model, from its latest revision and signed manifest (what
/// `catalog::list_models` gives for every model).
fn summary_of(revision: &RevisionRow) -> Result<ModelSummary, ApiError> {
    let manifest: Manifest =
        serde_json::from_str(&revision.manifest).map_err(ApiError::internal)?;
    Ok(ModelSummary {
        id: revision.model_id.clone(),
        modality: manifest.modality.as_str().to_owned(),
        license_id: manifest.license,
        latest_revision: revision.digest.clone(),
        total_size: revision.total_size,
        file_count: revision.file_count,
        published_at: revision.published_at,
    })
}

/// "Built with Llama" goes wherever Llama models are listed.
fn built_with_llama<'a>(mut ids: impl Iterator<Item = &'a str>) -> bool {
    ids.any(|id| id.to_ascii_lowercase().contains("llama"))
}

/// `GET /models`.
pub async fn catalog(req: HttpRequest, state: Data<AppState>) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    let summaries = catalog::list_models(&state.db).await?;
    let mut models = Vec::with_capacity(summaries.len());
    for summary in &summaries {
        let id: ModelId = summary.id.parse()?;
        let preview = preview(&state, &visitor, &req, &id).await?;
        let card = match state.catalog.revision(&id, None).await? {
            Some(revision) => {
                state
                    .catalog
                    .card_of_revision(&state.blobs, &revision)
                    .await
            }
            None => None,
        };
        models.push(model_row(
            summary,
            card.as_deref(),
            availability(&preview, visitor.lang),
            regional_clause(&state, summary, visitor.lang),
        ));
    }
    let page = CatalogPage {
        nav: Nav::of(&visitor),
        built_with_llama: built_with_llama(summaries.iter().map(|s| s.id.as_str())),
        models,
    };
    Ok(visitor.page(page.render()?))
}

#[derive(Deserialize)]
pub struct ModelQuery {
    notice: Option<String>,
}

/// The page notices a redirect may ask for (never free text from the URL).
fn notice_text(key: Option<&str>, lang: Lang) -> Option<String> {
    match key? {
        key @ ("accepted" | "review") => Some(lang.text(&format!("notice-{key}"))),
        _ => None,
    }
}

/// The GeoIP database's required attribution, when a database is configured.
pub fn geo_attribution(state: &AppState) -> Option<String> {
    let settings = &state.settings.geoip;
    let database = settings.database.as_ref()?;
    if !settings.attribution.trim().is_empty() {
        return Some(settings.attribution.trim().to_owned());
    }
    let name = database.to_string_lossy().to_ascii_lowercase();
    Some(if name.contains("dbip") || name.contains("db-ip") {
        "IP geolocation by DB-IP (https://db-ip.com)".to_owned()
    } else {
        "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com.".to_owned()
    })
}

async fn render_model_page(
    state: &AppState,
    req: &HttpRequest,
    visitor: &Visitor,
    model: &ModelId,
    notice: Option<String>,
) -> PageResult {
    let revision = state
        .catalog
        .revision(model, None)
        .await?
        .ok_or_else(|| ApiError::ModelNotFound(model.to_string()))?;
    let summary = summary_of(&revision)?;
    let preview = preview(state, visitor, req, model).await?;
    let (reasons, review, geo_country) = match &preview {
        Preview::Decided { inputs, decision } => (
            decision
                .reasons
                .iter()
                .map(|r| {
                    let r = r.in_lang(visitor.lang);
                    ReasonView {
                        clause: r.clause.map(|c| {
                            visitor.lang.text_with(
                                "model-clause-cited",
                                &[
                                    ("clause", c.title.into()),
                                    ("license", c.license.into()),
                                    ("version", c.version.into()),
                                ],
                            )
                        }),
                        policy: r.policy,
                        message: r.message,
                    }
                })
                .collect(),
            inputs.review.as_ref().map(review_view),
            inputs.signals.geo_country.clone(),
        ),
        _ => (Vec::new(), None, String::new()),
    };
    let license = match licensing::current_version(&state.db, &summary.license_id).await? {
        Some(v) => {
            // Accepted for the licensee the visitor now declares (an acceptance binds the
            // licensee it was made for).
            let accepted = match &preview {
                Preview::Decided { inputs, .. } => inputs.licensee.acceptance_id.is_some(),
                _ => false,
            };
            Some(LicenseView {
                title: v.title,
                version: v.version,
                digest: v.digest,
                license_text: v.license_text,
                aup_text: v.aup_text,
                accepted,
            })
        }
        None => None,
    };
    let card = state
        .catalog
        .card_of_revision(&state.blobs, &revision)
        .await;
    let page = ModelPage {
        nav: Nav::of(visitor),
        model: model_row(
            &summary,
            card.as_deref(),
            availability(&preview, visitor.lang),
            regional_clause(state, &summary, visitor.lang),
        ),
        card,
        revision: format!("sha256:{}", revision.digest),
        license,
        reasons,
        review,
        geo_attribution: geo_attribution(state).filter(|_| !geo_country.is_empty()),
        geo_country,
        notice,
        built_with_llama: built_with_llama(std::iter::once(summary.id.as_str())),
    };
    Ok(visitor.page(page.render()?))
}

fn review_view(case: &ReviewRow) -> ReviewView {
    ReviewView {
        id: case.id.clone(),
        state: case.state.clone(),
        note: case.note.clone().unwrap_or_default(),
    }
}

/// `GET /models/{org}/{name}`.
pub async fn model_page(
    req: HttpRequest,
    state: Data<AppState>,
    ModelInPath(model): ModelInPath,
    query: Query<ModelQuery>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    render_model_page(
        &state,
        &req,
        &visitor,
        &model,
        notice_text(query.notice.as_deref(), visitor.lang),
    )
    .await
}

#[derive(Deserialize)]
pub struct AcceptForm {
    csrf: String,
    digest: String,
    agree: Option<String>,
}

/// Accepts the license of the model's manifest, by the digest the page showed.
pub async fn accept(
    req: HttpRequest,
    state: Data<AppState>,
    ModelInPath(model): ModelInPath,
    form: Form<AcceptForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let who = visitor.require()?;
    if form.agree.is_none() {
        let message = visitor.lang.text("portal-tick-to-accept");
        return Err(ApiError::BadRequest(message).into());
    }
    let seen: Sha256Digest = form.digest.parse()?;
    let revision = state
        .catalog
        .revision(&model, None)
        .await?
        .ok_or_else(|| ApiError::ModelNotFound(model.to_string()))?;
    let license = summary_of(&revision)?.license_id;
    record_acceptance(
        &state,
        &crate::web::extract::client_info(&req),
        who,
        &license,
        &seen,
    )
    .await?;
    Ok(visitor.redirect(
        &format!("/models/{model}?notice=accepted"),
        super::session::SessionChange::Keep,
    ))
}

#[derive(Deserialize)]
pub struct AccessForm {
    csrf: String,
}

/// Asks for access (recorded and audited like the API's): an allow shows the downloads
/// page, a review returns to the model page with the case, a deny shows why.
pub async fn request_access(
    req: HttpRequest,
    state: Data<AppState>,
    ModelInPath(model): ModelInPath,
    form: Form<AccessForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let who = visitor.require()?;
    who.authorize(ANY_ROLE, Scope::Download)?;
    let client_ip = crate::web::extract::client_ip(&req);
    let answer = access::request_access(
        &state,
        &who.user_id,
        &model,
        None,
        Action::Download,
        client_ip,
    )
    .await?;
    match (&answer.decision.outcome, &answer.grant) {
        (Outcome::Allow, Some(grant)) => {
            let manifest: Manifest = serde_json::from_str(&answer.inputs.revision.manifest)
                .map_err(ApiError::internal)?;
            let base = base_url(&state, &req);
            // The allowance counts bytes per account and blob, across grants and revisions.
            let served: std::collections::HashMap<String, i64> = grants::served_bytes(
                &state.db,
                &who.user_id,
                crate::db::now_ms().saturating_sub(state.settings.grants.ttl_ms()),
            )
            .await?
            .into_iter()
            .collect();
            let files: Vec<FileView> = manifest
                .files
                .iter()
                .map(|f| FileView {
                    path: f.path.to_string(),
                    size: file_size(f.size),
                    sha256: f.sha256.hex(),
                    url: blob_url(&base, &f.sha256, &grant.token),
                    downloads_left: copies_left(
                        grant.row.downloads_per_blob,
                        f.size,
                        served.get(&f.sha256.hex()).copied().unwrap_or(0),
                    ),
                })
                .collect();
            let curl = files.first().map_or_else(String::new, |f| {
                let path = shell_quote(&f.path);
                format!(
                    "curl -fL --create-dirs -C - -o {path} {}\nsha256sum {path}",
                    shell_quote(&f.url)
                )
            });
            let page = DownloadsPage {
                nav: Nav::of(&visitor),
                model: model.to_string(),
                decision_id: answer.decision_event_id.clone(),
                revision: format!("sha256:{}", answer.inputs.revision.digest),
                curl,
                files,
                expires_at: rfc3339(grant.row.expires_at),
                downloads_per_file: grant.row.downloads_per_blob,
                endpoint: base,
                built_with_llama: built_with_llama(std::iter::once(model.to_string().as_str())),
            };
            Ok(visitor.page(page.render()?))
        }
        (Outcome::Review, _) => Ok(visitor.redirect(
            &format!("/models/{model}?notice=review"),
            super::session::SessionChange::Keep,
        )),
        _ => {
            let page = render_model_page(&state, &req, &visitor, &model, None).await?;
            let refused = ApiError::Forbidden("the policy refused this request".into());
            Ok(with_status(page, &refused))
        }
    }
}

/// `text` as one single-quoted shell word (a `'` inside becomes `'\''`).
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Whole copies of a `size`-byte file still in an allowance of `per_file` copies after
/// `served` bytes.
fn copies_left(per_file: i64, size: u64, served: i64) -> i64 {
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    if size == 0 {
        return per_file;
    }
    (size.saturating_mul(per_file).saturating_sub(served) / size).max(0)
}
