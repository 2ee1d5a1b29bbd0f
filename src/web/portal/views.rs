//! What each page shows: one askama template struct per page, and the small view types
//! they are filled from. Templates escape every value (askama's HTML default).

use askama::Template;

use crate::domain::Role;
use crate::i18n::{Arg, Lang};

use super::Visitor;

/// The navigation bar: who is signed in, what their role may open, the CSRF token for the
/// sign-out form.
pub struct Nav {
    pub email: Option<String>,
    /// Compliance staff: the audit pages.
    pub auditor: bool,
    /// Compliance staff and admins: the review queue.
    pub reviewer: bool,
    pub admin: bool,
    pub csrf: String,
    /// The language the page is in.
    pub lang: Lang,
    /// This page's path and query (where the language switcher comes back to).
    pub path: String,
}

impl Nav {
    pub fn of(visitor: &Visitor) -> Nav {
        let role = visitor.who.as_ref().map(|w| w.role);
        Nav {
            email: visitor.who.as_ref().map(|w| w.email.clone()),
            auditor: role == Some(Role::Compliance),
            reviewer: matches!(role, Some(Role::Compliance | Role::Admin)),
            admin: role == Some(Role::Admin),
            csrf: visitor.csrf.clone(),
            lang: visitor.lang,
            path: visitor.path.clone(),
        }
    }

    /// The frame of a page shown without a visitor (an error page): no account links and
    /// no language switcher, in the request's language.
    pub fn anonymous(lang: Lang) -> Nav {
        Nav {
            email: None,
            auditor: false,
            reviewer: false,
            admin: false,
            csrf: String::new(),
            lang,
            path: String::new(),
        }
    }

    /// The message `id` in the page's language.
    pub fn t(&self, id: &str) -> String {
        self.lang.text(id)
    }

    /// The message `id` with one argument.
    pub fn t1(&self, id: &str, name: &'static str, value: impl Into<Arg>) -> String {
        self.lang.text_with(id, &[(name, value.into())])
    }

    /// The message `id` with two arguments.
    pub fn t2(
        &self,
        id: &str,
        first: &'static str,
        first_value: impl Into<Arg>,
        second: &'static str,
        second_value: impl Into<Arg>,
    ) -> String {
        self.lang.text_with(
            id,
            &[(first, first_value.into()), (second, second_value.into())],
        )
    }

    /// A review or decision state (`open`, `approved`, `allow`…) in the page's language; a
    /// state without a message shows as it is stored.
    pub fn state(&self, state: &str) -> String {
        self.lang
            .try_text(&format!("state-{state}"), &[])
            .unwrap_or_else(|| state.to_owned())
    }

    /// The languages the switcher offers.
    pub fn languages(&self) -> [Lang; 8] {
        Lang::ALL
    }
}

/// A byte count as people read it (`1.5 MB`).
pub fn file_size(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let approximate = bytes as f32;
    askama::filters::filesizeformat(approximate)
        .map(|size| size.to_string())
        .unwrap_or_else(|_| bytes.to_string())
}

#[derive(Template)]
#[template(path = "error.html", config = "src/web/portal/askama.toml")]
pub struct ErrorPage<'a> {
    pub nav: Nav,
    pub status: u16,
    pub reason: &'a str,
    pub code: &'a str,
    pub message: &'a str,
}

/// The sign-in and sign-up pages (one template, two modes).
#[derive(Template)]
#[template(path = "sign.html", config = "src/web/portal/askama.toml")]
pub struct SignPage {
    pub nav: Nav,
    pub signup: bool,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
    /// What just happened (signed up, address confirmed).
    pub notice: Option<String>,
}

/// The page a mailed verification link opens: a button that confirms (a GET never does,
/// so a mail scanner that follows links confirms nothing).
#[derive(Template)]
#[template(path = "verify.html", config = "src/web/portal/askama.toml")]
pub struct VerifyPage {
    pub nav: Nav,
    pub token: String,
    pub error: Option<String>,
}

pub struct CountryOption {
    pub code: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

pub struct AttestationView {
    pub legal_name: String,
    pub domicile: String,
    pub on_behalf: bool,
    pub organisation_name: String,
    pub organisation_country: String,
    /// The declared territories of use, comma-separated codes (empty: none declared).
    pub territories: String,
    /// The declared monthly-active-users band, in words (empty: none declared).
    pub users: String,
    pub recorded_at: String,
}

/// A question some licenses ask, with the titles of the licenses that ask it.
pub struct LicenseQuestion {
    pub asked_by: String,
}

/// One choice of the monthly-active-users band.
pub struct BandOption {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "profile.html", config = "src/web/portal/askama.toml")]
pub struct ProfilePage {
    pub nav: Nav,
    pub email: String,
    pub role: String,
    pub current: Option<AttestationView>,
    pub countries: Vec<CountryOption>,
    pub organisation_countries: Vec<CountryOption>,
    /// Asked only when a license pack has a territory-of-use clause.
    pub territory_question: Option<LicenseQuestion>,
    /// The territories to prefill (the current declaration's).
    pub territories: String,
    /// Asked only when a license pack has a monthly-active-users limit.
    pub users_question: Option<LicenseQuestion>,
    pub bands: Vec<BandOption>,
    pub saved: bool,
    pub error: Option<String>,
}

pub struct TokenView {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html", config = "src/web/portal/askama.toml")]
pub struct TokensPage {
    pub nav: Nav,
    pub tokens: Vec<TokenView>,
    pub new_secret: Option<String>,
    pub error: Option<String>,
}

/// Whether the visitor can get a model, in a word (for a badge) and a sentence.
pub struct Availability {
    /// `allow`, `deny`, `review`, `accept`, `attest` or `signin`.
    pub kind: &'static str,
    pub label: String,
    pub sentence: String,
}

pub struct ModelRow {
    pub id: String,
    pub modality: String,
    pub license: String,
    /// The size of its files, as people read it.
    pub size: String,
    pub files: i64,
    /// The languages its model card names.
    pub languages: Vec<String>,
    pub availability: Availability,
    /// The regional clause of its license that reaches it, or that none does.
    pub clause: String,
}

#[derive(Template)]
#[template(path = "catalog.html", config = "src/web/portal/askama.toml")]
pub struct CatalogPage {
    pub nav: Nav,
    pub models: Vec<ModelRow>,
    pub built_with_llama: bool,
}

/// One policy that spoke, explained.
pub struct ReasonView {
    pub policy: String,
    pub message: String,
    pub clause: Option<String>,
}

pub struct ReviewView {
    pub id: String,
    pub state: String,
    pub note: String,
}

pub struct LicenseView {
    pub title: String,
    pub version: String,
    pub digest: String,
    pub license_text: String,
    pub aup_text: String,
    pub accepted: bool,
}

#[derive(Template)]
#[template(path = "model.html", config = "src/web/portal/askama.toml")]
pub struct ModelPage {
    pub nav: Nav,
    pub model: ModelRow,
    pub revision: String,
    pub license: Option<LicenseView>,
    pub reasons: Vec<ReasonView>,
    pub review: Option<ReviewView>,
    /// The GeoIP country the decision saw, with the database's attribution.
    pub geo_country: String,
    pub geo_attribution: Option<String>,
    pub notice: Option<String>,
    /// The model card the publisher shipped (its HTML sanitised by `store::model_card`).
    pub card: Option<std::sync::Arc<crate::store::model_card::ModelCard>>,
    pub built_with_llama: bool,
}

pub struct FileView {
    pub path: String,
    pub size: String,
    pub sha256: String,
    pub url: String,
    pub downloads_left: i64,
}

#[derive(Template)]
#[template(path = "downloads.html", config = "src/web/portal/askama.toml")]
pub struct DownloadsPage {
    pub nav: Nav,
    pub model: String,
    /// The audit entry of the decision, for its receipt.
    pub decision_id: String,
    pub revision: String,
    pub files: Vec<FileView>,
    pub expires_at: String,
    pub downloads_per_file: i64,
    pub endpoint: String,
    /// `curl` and `sha256sum` for the first file, shell-quoted.
    pub curl: String,
    pub built_with_llama: bool,
}

pub struct EventView {
    pub seq: i64,
    pub time: String,
    pub kind: String,
    pub actor: String,
    pub subject: String,
    pub outcome: String,
    pub data: String,
}

/// The audit search form's fields, echoed back into the form and the export links.
#[derive(Default)]
pub struct AuditFilters {
    pub kind: String,
    pub user: String,
    pub model: String,
    pub outcome: String,
    pub country: String,
    pub organisation: String,
    pub partner: String,
    pub since: String,
    pub until: String,
}

#[derive(Template)]
#[template(path = "audit.html", config = "src/web/portal/askama.toml")]
pub struct AuditPage {
    pub nav: Nav,
    pub filters: AuditFilters,
    pub events: Vec<EventView>,
    /// The query string of this search (for the export links and the next page).
    pub query: String,
    pub next_cursor: Option<i64>,
    pub chain_ok: bool,
    pub chain_summary: String,
    pub geo_attribution: Option<String>,
    pub error: Option<String>,
}

pub struct CaseView {
    pub id: String,
    pub state: String,
    pub user: String,
    pub model: String,
    pub opened_at: String,
    pub reasons: Vec<String>,
    pub declared: String,
    pub geo_country: String,
    pub decided_by: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "reviews.html", config = "src/web/portal/askama.toml")]
pub struct ReviewsPage {
    pub nav: Nav,
    pub cases: Vec<CaseView>,
    pub showing: String,
    pub geo_attribution: Option<String>,
}

/// One bar of the decisions chart: a country's decisions split by outcome.
pub struct Bar {
    pub label: String,
    pub y: u32,
    pub allow_width: u32,
    pub review_width: u32,
    pub deny_width: u32,
    pub total: u64,
}

pub struct DecisionRow {
    pub country: String,
    pub model: String,
    pub outcome: String,
    pub count: u64,
}

#[derive(Template)]
#[template(path = "stats.html", config = "src/web/portal/askama.toml")]
pub struct StatsPage {
    pub nav: Nav,
    pub since: String,
    pub until: String,
    pub bars: Vec<Bar>,
    pub chart_height: u32,
    pub rows: Vec<DecisionRow>,
    pub open_review_cases: usize,
    pub error: Option<String>,
}

pub struct RevisionView {
    pub digest: String,
    pub published_at: String,
    pub size: String,
    pub files: i64,
}

pub struct AdminModel {
    pub id: String,
    pub modality: String,
    pub license: String,
    pub revisions: Vec<RevisionView>,
}

pub struct AdminLicense {
    pub id: String,
    pub version: String,
    pub title: String,
    pub digest: String,
    pub published_at: String,
    pub published_by: String,
    pub acceptances: Vec<AcceptanceView>,
}

pub struct AcceptanceView {
    pub id: String,
    pub email: String,
    pub version: String,
    pub accepted_at: String,
    pub country: String,
    pub revoked: String,
}

pub struct PartnerView {
    pub name: String,
    pub country: String,
    pub contact: String,
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "admin.html", config = "src/web/portal/askama.toml")]
pub struct AdminPage {
    pub nav: Nav,
    pub models: Vec<AdminModel>,
    pub licenses: Vec<AdminLicense>,
    pub partners: Vec<PartnerView>,
    pub countries: Vec<CountryOption>,
    pub notice: Option<String>,
    pub error: Option<String>,
}
