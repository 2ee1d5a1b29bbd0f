//! The admin page: models and their revisions, licenses with their acceptances (and
//! revocation), publishing a new license version, and partners.

use actix_web::web::{Data, Form, Path};
use actix_web::HttpRequest;
use askama::Template;
use serde::Deserialize;

use crate::auth::{Principal, Scope};
use crate::db::licensing::{self, AcceptanceFilter};
use crate::db::{catalog, mirror as partners_store};
use crate::domain::rfc3339;
use crate::domain::{Modality, ModelId, Role};
use crate::error::ApiError;
use crate::licensing::acceptance::terminate_acceptance;
use crate::licensing::service::{self as licenses, NewVersionBody};
use crate::mirror::partners::{self, NewPartner};
use crate::state::AppState;

use super::account::country_options;
use super::session::SessionChange;
use super::views::{
    AcceptanceView, AdminLicense, AdminModel, AdminPage, Nav, PartnerView, RevisionView,
};
use super::{with_status, PageResult, PortalError, Visitor};

fn admin(visitor: &Visitor) -> Result<&Principal, PortalError> {
    let who = visitor.require()?;
    who.authorize(&[Role::Admin], Scope::Admin)?;
    Ok(who)
}

async fn render(
    state: &AppState,
    req: &HttpRequest,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let visitor = Visitor::of(state, req).await;
    admin(&visitor)?;
    let mut models = Vec::new();
    for summary in catalog::list_models(&state.db).await? {
        let id: ModelId = summary.id.parse()?;
        let revisions = catalog::revisions_of(&state.db, &id)
            .await?
            .into_iter()
            .map(|r| RevisionView {
                digest: format!("sha256:{}", r.digest),
                published_at: rfc3339(r.published_at),
                size: super::views::file_size(u64::try_from(r.total_size).unwrap_or(0)),
                files: r.file_count,
            })
            .collect();
        models.push(AdminModel {
            id: summary.id,
            modality: summary.modality,
            license: summary.license_id,
            revisions,
        });
    }
    let mut licenses = Vec::new();
    for v in licensing::current_versions(&state.db).await? {
        let filter = AcceptanceFilter {
            include_revoked: true,
            ..AcceptanceFilter::default()
        };
        let acceptances = licensing::acceptances_of_license(&state.db, &v.license_id, &filter)
            .await?
            .into_iter()
            .map(|a| {
                let attestation: serde_json::Value =
                    serde_json::from_str(&a.attestation).unwrap_or_default();
                let country = attestation["organisation_country"]
                    .as_str()
                    .or(attestation["domicile_country"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                AcceptanceView {
                    revoked: match (a.revoked_at, &a.revoke_reason) {
                        (Some(at), reason) => format!(
                            "{} by {}: {}",
                            rfc3339(at),
                            a.revoked_by.clone().unwrap_or_default(),
                            reason.clone().unwrap_or_default()
                        ),
                        (None, _) => String::new(),
                    },
                    id: a.id,
                    email: a.email,
                    version: a.version,
                    accepted_at: rfc3339(a.accepted_at),
                    country,
                }
            })
            .collect();
        licenses.push(AdminLicense {
            id: v.license_id,
            version: v.version,
            title: v.title,
            digest: v.digest,
            published_at: rfc3339(v.published_at),
            published_by: v
                .published_by
                .unwrap_or_else(|| visitor.lang.text("admin-shipped-bundle")),
            acceptances,
        });
    }
    let partners = partners_store::partners(&state.db)
        .await?
        .into_iter()
        .map(|p| PartnerView {
            name: p.name,
            country: p.country,
            contact: p.contact,
            created_at: rfc3339(p.created_at),
        })
        .collect();
    let page = AdminPage {
        nav: Nav::of(&visitor),
        models,
        licenses,
        partners,
        countries: country_options(None),
        notice,
        error,
    };
    Ok(visitor.page(page.render()?))
}

/// `GET /admin`.
pub async fn admin_page(req: HttpRequest, state: Data<AppState>) -> PageResult {
    render(&state, &req, None, None).await
}

/// Shows a refusal the admin can fix on the page itself; anything else is an error page.
async fn refused_or(state: &AppState, req: &HttpRequest, err: ApiError) -> PageResult {
    match err {
        ApiError::BadRequest(_)
        | ApiError::Conflict(_)
        | ApiError::NotFound(_)
        | ApiError::InvalidCountry(_) => {
            let lang = crate::web::language::current();
            let page = render(state, req, None, Some(err.message_in(lang))).await?;
            Ok(with_status(page, &err))
        }
        other => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct LicenseForm {
    csrf: String,
    license_id: String,
    version: String,
    title: String,
    modality_text: Option<String>,
    modality_multimodal: Option<String>,
    license_text: String,
    aup_text: String,
    notice: String,
}

/// `POST /admin/licenses`: publishes a new current version of a license.
pub async fn publish_license(
    req: HttpRequest,
    state: Data<AppState>,
    form: Form<LicenseForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let who = admin(&visitor)?;
    let form = form.into_inner();
    let mut modalities = Vec::new();
    if form.modality_text.is_some() {
        modalities.push(Modality::Text);
    }
    if form.modality_multimodal.is_some() {
        modalities.push(Modality::Multimodal);
    }
    let body = NewVersionBody {
        version: form.version,
        title: form.title,
        modalities,
        license_text: form.license_text,
        aup_text: form.aup_text,
        notice: form.notice,
    };
    match licenses::publish_license(&state, who, form.license_id.trim().to_owned(), body).await {
        Ok(row) => {
            let notice = visitor.lang.text_with(
                "admin-license-published-notice",
                &[
                    ("license", row.license_id.into()),
                    ("version", row.version.into()),
                    ("digest", row.digest.into()),
                ],
            );
            render(&state, &req, Some(notice), None).await
        }
        Err(err) => refused_or(&state, &req, err.into()).await,
    }
}

#[derive(Deserialize)]
pub struct PartnerForm {
    csrf: String,
    name: String,
    country: String,
    contact: String,
}

/// `POST /admin/partners`: creates a partner and shows its token once.
pub async fn create_partner(
    req: HttpRequest,
    state: Data<AppState>,
    form: Form<PartnerForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let who = admin(&visitor)?;
    let new = match (form.country.parse(), form.contact.parse()) {
        (Ok(country), Ok(contact)) => NewPartner {
            name: form.name.clone(),
            country,
            contact,
        },
        (Err(err), _) | (_, Err(err)) => return refused_or(&state, &req, err.into()).await,
    };
    match partners::create_partner(&state, &new, Some(&who.email)).await {
        Ok((row, token)) => {
            let created = visitor
                .lang
                .text_with("admin-partner-created", &[("name", row.name.into())]);
            let notice = format!("{created}\n{token}");
            render(&state, &req, Some(notice), None).await
        }
        Err(err) => refused_or(&state, &req, err).await,
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    csrf: String,
    reason: String,
}

/// `POST /admin/acceptances/{id}/revoke`: terminates that user's license.
pub async fn revoke_acceptance(
    req: HttpRequest,
    state: Data<AppState>,
    id: Path<String>,
    form: Form<RevokeForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let who = admin(&visitor)?;
    match terminate_acceptance(&state, who, &id, &form.reason).await {
        Ok(_) => Ok(visitor.redirect("/admin#licenses", SessionChange::Keep)),
        Err(err) => refused_or(&state, &req, err.into()).await,
    }
}
