//! Account pages: sign up, sign in and out, the profile with the attestation form, and API
//! token management.

use actix_web::web::{Data, Form, Path, Query};
use actix_web::HttpRequest;
use askama::Template;
use serde::Deserialize;

use crate::accounts::attestations::{record_attestation, AttestationBody};
use crate::accounts::sign_in;
use crate::accounts::tokens::{mint_token, revoke_api_token, NewTokenBody};
use crate::auth::principal::Credential;
use crate::db::{accounts, licensing};
use crate::domain::rfc3339;
use crate::domain::{countries, CountryCode, Email, UserBand};
use crate::error::ApiError;
use crate::policy::LicensePack;
use crate::state::AppState;

use super::session::SessionChange;
use super::views::{
    AttestationView, BandOption, CountryOption, LicenseQuestion, Nav, ProfilePage, SignPage,
    TokenView, TokensPage, VerifyPage,
};
use super::{with_status, PageResult, Visitor};

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path on this site may be a post-sign-in destination (no open redirect): it
/// starts with one `/`, and holds no whitespace, control characters or backslashes that a
/// browser would drop or turn into `//`.
pub(super) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path
                    .chars()
                    .all(|c| !c.is_whitespace() && !c.is_control() && c != '\\') =>
        {
            path.to_owned()
        }
        _ => "/models".to_owned(),
    }
}

fn sign_page(
    nav: Nav,
    signup: bool,
    email: String,
    next: String,
    error: Option<String>,
) -> SignPage {
    SignPage {
        nav,
        signup,
        email,
        next,
        error,
        notice: None,
    }
}

pub async fn signin_page(
    req: HttpRequest,
    state: Data<AppState>,
    query: Query<NextQuery>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    let next = safe_next(query.next.as_deref());
    let page = sign_page(Nav::of(&visitor), false, String::new(), next, None);
    Ok(visitor.page(page.render()?))
}

pub async fn signup_page(
    req: HttpRequest,
    state: Data<AppState>,
    query: Query<NextQuery>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    let next = safe_next(query.next.as_deref());
    let page = sign_page(Nav::of(&visitor), true, String::new(), next, None);
    Ok(visitor.page(page.render()?))
}

#[derive(Deserialize)]
pub struct SignForm {
    csrf: String,
    email: String,
    password: String,
    next: Option<String>,
}

/// Signs in and sets the session cookie; a refusal shows the form again with the reason.
pub async fn signin(req: HttpRequest, state: Data<AppState>, form: Form<SignForm>) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    match sign_in(
        &state,
        &crate::web::extract::client_info(&req),
        &form.email,
        form.password,
    )
    .await
    .map_err(ApiError::from)
    {
        Ok(signed_in) => Ok(visitor.redirect(
            &next,
            SessionChange::Start {
                token: signed_in.token,
                max_age_secs: i64::try_from(state.session_keys.ttl_secs()).unwrap_or(3600),
            },
        )),
        Err(err @ (ApiError::InvalidCredentials | ApiError::TooManyAttempts { .. })) => {
            let page = sign_page(
                Nav::of(&visitor),
                false,
                form.email,
                next,
                Some(err.message_in(visitor.lang)),
            );
            Ok(with_status(visitor.page(page.render()?), &err))
        }
        Err(other) => Err(other.into()),
    }
}

/// Signs up (see `accounts::sign_up`) and shows the sign-in page with the one answer a
/// sign-up gets, whether or not the address already had an account.
pub async fn signup(req: HttpRequest, state: Data<AppState>, form: Form<SignForm>) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let signed_up = match form.email.parse::<Email>() {
        Ok(email) => {
            let client_ip = crate::web::extract::client_ip(&req);
            let base = crate::accounts::signup::link_base(&state, req.app_config().local_addr());
            crate::accounts::sign_up(
                &state,
                &email,
                form.password,
                client_ip,
                &base,
                visitor.lang,
            )
            .await
            .map_err(ApiError::from)
        }
        Err(err) => Err(ApiError::from(err)),
    };
    match signed_up {
        Ok(()) => {
            let step = crate::accounts::signup::next_step(&state);
            let mut page = sign_page(Nav::of(&visitor), false, form.email, next, None);
            let next = visitor.lang.text(&format!("signup-next-{step}"));
            page.notice = Some(
                visitor
                    .lang
                    .text_with("signup-thanks", &[("next", next.into())]),
            );
            Ok(visitor.page(page.render()?))
        }
        Err(ApiError::Internal(err)) => Err(ApiError::Internal(err).into()),
        Err(refused) => {
            let page = sign_page(
                Nav::of(&visitor),
                true,
                form.email,
                next,
                Some(refused.message_in(visitor.lang)),
            );
            Ok(with_status(visitor.page(page.render()?), &refused))
        }
    }
}

#[derive(Deserialize)]
pub struct VerifyQuery {
    token: String,
}

/// `GET /verify-email?token=…`, the page a mailed link opens: a button to confirm.
pub async fn verify_email_page(
    req: HttpRequest,
    state: Data<AppState>,
    query: Query<VerifyQuery>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    let page = VerifyPage {
        nav: Nav::of(&visitor),
        token: query.into_inner().token,
        error: None,
    };
    Ok(visitor.page(page.render()?))
}

#[derive(Deserialize)]
pub struct VerifyForm {
    csrf: String,
    token: String,
}

/// `POST /verify-email`: confirms the address (see `accounts::verify_email`) and shows the
/// sign-in form.
pub async fn verify_email(
    req: HttpRequest,
    state: Data<AppState>,
    form: Form<VerifyForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let form = form.into_inner();
    match crate::accounts::verify_email(&state, &form.token)
        .await
        .map_err(ApiError::from)
    {
        Ok(()) => {
            let mut page = sign_page(
                Nav::of(&visitor),
                false,
                String::new(),
                "/profile".into(),
                None,
            );
            page.notice = Some(visitor.lang.text("verify-confirmed"));
            Ok(visitor.page(page.render()?))
        }
        Err(err @ ApiError::InvalidVerificationLink) => {
            let page = VerifyPage {
                nav: Nav::of(&visitor),
                token: form.token,
                error: Some(err.message_in(visitor.lang)),
            };
            Ok(with_status(visitor.page(page.render()?), &err))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Ends the session (server-side too) and clears the cookie.
pub async fn signout(req: HttpRequest, state: Data<AppState>, form: Form<CsrfForm>) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    if let Some(Credential::Session { session_id }) = visitor.who.as_ref().map(|w| &w.credential) {
        accounts::revoke_session(&state.db, session_id).await?;
    }
    Ok(visitor.redirect("/models", SessionChange::End))
}

pub(super) fn country_options(selected: Option<&str>) -> Vec<CountryOption> {
    countries()
        .iter()
        .map(|(&code, &name)| CountryOption {
            code,
            name,
            selected: selected == Some(code),
        })
        .collect()
}

async fn profile(
    state: &AppState,
    req: &HttpRequest,
    saved: bool,
    error: Option<String>,
) -> PageResult {
    let visitor = Visitor::of(state, req).await;
    let who = visitor.require()?;
    let current = licensing::attestations_of(&state.db, &who.user_id)
        .await?
        .into_iter()
        .next();
    let country_name = |code: &str| {
        code.parse::<CountryCode>()
            .map_or_else(|_| code.to_owned(), |c| format!("{} ({code})", c.name()))
    };
    let bundle = state.policy.get();
    let asked_by = |asks: fn(&LicensePack) -> bool| {
        let titles: Vec<&str> = bundle
            .packs()
            .values()
            .filter(|pack| asks(pack))
            .map(|pack| pack.title.as_str())
            .collect();
        (!titles.is_empty()).then(|| LicenseQuestion {
            asked_by: titles.join("; "),
        })
    };
    let band = current.as_ref().and_then(|a| a.user_band());
    let band_label = |band: UserBand| {
        visitor
            .lang
            .text(&format!("band-{}", band.as_str().replace('_', "-")))
    };
    let page = ProfilePage {
        territory_question: asked_by(LicensePack::asks_territory),
        territories: current
            .as_ref()
            .map(|a| a.territories().join(", "))
            .unwrap_or_default(),
        users_question: asked_by(|pack| pack.monthly_active_users.is_some()),
        bands: UserBand::ALL
            .into_iter()
            .map(|b| BandOption {
                value: b.as_str(),
                label: band_label(b),
                selected: band == Some(b),
            })
            .collect(),
        nav: Nav::of(&visitor),
        email: who.email.clone(),
        role: who.role.to_string(),
        countries: country_options(current.as_ref().map(|a| a.domicile_country.as_str())),
        organisation_countries: country_options(
            current
                .as_ref()
                .and_then(|a| a.organisation_country.as_deref()),
        ),
        current: current.map(|a| AttestationView {
            domicile: country_name(&a.domicile_country),
            organisation_country: a
                .organisation_country
                .as_deref()
                .map(country_name)
                .unwrap_or_default(),
            territories: a.territories().join(", "),
            users: a.user_band().map(band_label).unwrap_or_default(),
            legal_name: a.legal_name,
            on_behalf: a.on_behalf_of_organisation != 0,
            organisation_name: a.organisation_name.unwrap_or_default(),
            recorded_at: rfc3339(a.created_at),
        }),
        saved,
        error,
    };
    Ok(visitor.page(page.render()?))
}

pub async fn profile_page(req: HttpRequest, state: Data<AppState>) -> PageResult {
    profile(&state, &req, false, None).await
}

#[derive(Deserialize)]
pub struct AttestationForm {
    csrf: String,
    legal_name: String,
    domicile_country: String,
    on_behalf: Option<String>,
    organisation_name: Option<String>,
    organisation_country: Option<String>,
    /// Comma- or space-separated country codes.
    deployment_territories: Option<String>,
    monthly_active_users: Option<String>,
}

/// Records a new declaration; a refused one shows the profile with the reason.
pub async fn save_attestation(
    req: HttpRequest,
    state: Data<AppState>,
    form: Form<AttestationForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let who = visitor.require()?;
    let form = form.into_inner();
    let on_behalf = form.on_behalf.as_deref() == Some("yes");
    let filled = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let body = AttestationBody {
        legal_name: form.legal_name,
        domicile_country: form.domicile_country,
        on_behalf_of_organisation: on_behalf,
        organisation_name: filled(form.organisation_name).filter(|_| on_behalf),
        organisation_country: filled(form.organisation_country).filter(|_| on_behalf),
        deployment_territories: form
            .deployment_territories
            .unwrap_or_default()
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|code| !code.is_empty())
            .map(str::to_uppercase)
            .collect(),
        monthly_active_users: match filled(form.monthly_active_users) {
            Some(band) => Some(band.parse::<UserBand>().map_err(ApiError::from)?),
            None => None,
        },
    };
    match record_attestation(&state, who, body)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => profile(&state, &req, true, None).await,
        Err(err @ (ApiError::BadRequest(_) | ApiError::InvalidCountry(_))) => {
            let page = profile(&state, &req, false, Some(err.message_in(visitor.lang))).await?;
            Ok(with_status(page, &err))
        }
        Err(other) => Err(other.into()),
    }
}

async fn tokens(
    state: &AppState,
    req: &HttpRequest,
    new_secret: Option<String>,
    error: Option<String>,
) -> PageResult {
    let visitor = Visitor::of(state, req).await;
    let who = visitor.require()?;
    let rows = accounts::api_tokens_of(&state.db, &who.user_id).await?;
    let tokens = rows
        .into_iter()
        .map(|t| TokenView {
            scopes: serde_json::from_str::<Vec<String>>(&t.scopes)
                .unwrap_or_default()
                .join(", "),
            created_at: rfc3339(t.created_at),
            expires_at: t.expires_at.map(rfc3339),
            last_used_at: t.last_used_at.map(rfc3339),
            revoked: t.revoked_at.is_some(),
            id: t.id,
            name: t.name,
        })
        .collect();
    let page = TokensPage {
        nav: Nav::of(&visitor),
        tokens,
        new_secret,
        error,
    };
    Ok(visitor.page(page.render()?))
}

pub async fn tokens_page(req: HttpRequest, state: Data<AppState>) -> PageResult {
    tokens(&state, &req, None, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
    name: String,
    expires_in_days: Option<String>,
    scope_read: Option<String>,
    scope_download: Option<String>,
    scope_accept: Option<String>,
}

/// Mints a token and shows its secret once.
pub async fn create_token(
    req: HttpRequest,
    state: Data<AppState>,
    form: Form<TokenForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let who = visitor.require()?;
    let form = form.into_inner();
    let scopes = [
        ("read", &form.scope_read),
        ("download", &form.scope_download),
        ("accept", &form.scope_accept),
    ]
    .into_iter()
    .filter(|(_, checked)| checked.is_some())
    .map(|(scope, _)| scope.to_owned())
    .collect();
    let expires_in_days = match form.expires_in_days.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(days) => match days.parse() {
            Ok(days) => Some(days),
            Err(_) => {
                return tokens(
                    &state,
                    &req,
                    None,
                    Some(visitor.lang.text("tokens-expiry-not-number")),
                )
                .await;
            }
        },
    };
    let body = NewTokenBody {
        name: form.name,
        scopes,
        expires_in_days,
    };
    match mint_token(&state, who, body).await.map_err(ApiError::from) {
        Ok(minted) => tokens(&state, &req, Some(minted.secret), None).await,
        Err(err @ (ApiError::BadRequest(_) | ApiError::Forbidden(_))) => {
            tokens(&state, &req, None, Some(err.message_in(visitor.lang))).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn revoke_token(
    req: HttpRequest,
    state: Data<AppState>,
    id: Path<String>,
    form: Form<CsrfForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let who = visitor.require()?;
    revoke_api_token(&state, who, &id).await?;
    Ok(visitor.redirect("/tokens", SessionChange::Keep))
}
