//! The web portal: server-rendered pages (askama templates in `templates/`, one stylesheet,
//! no scripts) for developers, compliance staff and admins. Every page works without
//! JavaScript; forms carry a CSRF token; pages call the same functions as the JSON API.

mod account;
mod admin;
mod compliance;
mod language;
mod models;
mod proofs;
pub mod session;
mod views;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::error::ApiError;
use crate::i18n::Lang;

pub use session::Visitor;

/// Registers the portal's pages (inside the gateway's root scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/static/portal.css", web::get().to(stylesheet))
        .route("/signup", web::get().to(account::signup_page))
        .route("/signup", web::post().to(account::signup))
        .route("/verify-email", web::get().to(account::verify_email_page))
        .route("/verify-email", web::post().to(account::verify_email))
        .route("/signin", web::get().to(account::signin_page))
        .route("/signin", web::post().to(account::signin))
        .route("/signout", web::post().to(account::signout))
        .route("/language", web::post().to(language::choose_language))
        .route("/profile", web::get().to(account::profile_page))
        .route("/profile", web::post().to(account::save_attestation))
        .route("/proofs/{entry}", web::get().to(proofs::download_proof))
        .route("/tokens", web::get().to(account::tokens_page))
        .route("/tokens", web::post().to(account::create_token))
        .route("/tokens/{id}/revoke", web::post().to(account::revoke_token))
        .route("/models", web::get().to(models::catalog))
        .route("/models/{org}/{name}", web::get().to(models::model_page))
        .route(
            "/models/{org}/{name}/accept",
            web::post().to(models::accept),
        )
        .route(
            "/models/{org}/{name}/access",
            web::post().to(models::request_access),
        )
        .route("/admin", web::get().to(admin::admin_page))
        .route("/admin/licenses", web::post().to(admin::publish_license))
        .route("/admin/partners", web::post().to(admin::create_partner))
        .route(
            "/admin/acceptances/{id}/revoke",
            web::post().to(admin::revoke_acceptance),
        )
        .route("/compliance/audit", web::get().to(compliance::audit_page))
        .route(
            "/compliance/audit/export",
            web::get().to(compliance::export),
        )
        .route("/compliance/stats", web::get().to(compliance::stats_page))
        .route(
            "/compliance/reviews",
            web::get().to(compliance::reviews_page),
        )
        .route(
            "/compliance/reviews/{id}",
            web::post().to(compliance::decide),
        );
}

async fn home() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/models"))
        .finish()
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("static/portal.css"))
}

/// Why a page could not be shown: a sign-in is needed, a form failed its CSRF check, or
/// the API refused. Browsers get an HTML error page with the stable error code.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("sign in to continue")]
    SignIn { next: String },
    #[error("this form expired or came from another site; reload the page and try again")]
    Csrf,
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("rendering the page failed: {0}")]
    Render(#[from] askama::Error),
}

/// Service errors reach a page as the `ApiError` they map to (its code and status).
macro_rules! through_api_error {
    ($($service_error:ty),* $(,)?) => {
        $(impl From<$service_error> for PortalError {
            fn from(err: $service_error) -> Self {
                PortalError::Api(err.into())
            }
        })*
    };
}

through_api_error!(
    crate::domain::DomainError,
    sqlx::Error,
    crate::auth::Denied,
    crate::accounts::AccountError,
    crate::access::AccessError,
    crate::licensing::LicensingError,
    crate::audit::AuditError,
    crate::audit::log::LogError,
);

impl PortalError {
    /// What the error page says, in `lang`.
    pub fn message_in(&self, lang: Lang) -> String {
        match self {
            PortalError::SignIn { .. } => lang.text("portal-sign-in-required"),
            PortalError::Csrf => lang.text("portal-csrf-failed"),
            // The cause is for the log, never for the page.
            PortalError::Api(ApiError::Internal(_)) | PortalError::Render(_) => {
                lang.text("portal-internal")
            }
            PortalError::Api(err) => err.message_in(lang),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            PortalError::SignIn { .. } => "unauthenticated",
            PortalError::Csrf => "csrf-failed",
            PortalError::Api(err) => err.code(),
            PortalError::Render(_) => "internal",
        }
    }
}

impl ResponseError for PortalError {
    fn status_code(&self) -> StatusCode {
        match self {
            PortalError::SignIn { .. } => StatusCode::SEE_OTHER,
            PortalError::Csrf => StatusCode::FORBIDDEN,
            PortalError::Api(err) => err.status_code(),
            PortalError::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let PortalError::SignIn { next } = self {
            let to = format!("/signin?next={}", urlencoding::encode(next));
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, to))
                .finish();
        }
        let status = self.status_code();
        match self {
            PortalError::Api(ApiError::Internal(cause)) => {
                tracing::error!(error.cause_chain = ?cause, "portal page failed");
            }
            PortalError::Render(cause) => {
                tracing::error!(error.cause_chain = ?cause, "rendering a portal page failed");
            }
            _ => {}
        }
        let message = self.message_in(crate::web::language::current());
        let mut response = error_page(status, self.code(), &message);
        if let PortalError::Api(ApiError::TooManyAttempts { retry_after_secs }) = self {
            if let Ok(value) = header::HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// The HTML error page (also what browsers get for unknown paths), in the request's
/// language.
pub fn error_page(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    let lang = crate::web::language::current();
    let page = views::ErrorPage {
        nav: views::Nav::anonymous(lang),
        status: status.as_u16(),
        // HTTP's reason phrases are English; other languages have the message alone.
        reason: match lang {
            Lang::En => status.canonical_reason().unwrap_or("Error"),
            _ => "",
        },
        code,
        message,
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            session::CONTENT_SECURITY_POLICY,
        ))
        // In the asker's language: never from a shared cache.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(page.render().unwrap_or_else(|_| message.to_owned()))
}

/// A portal form the server could not read (too large, not a form, a field missing).
#[derive(Debug, thiserror::Error)]
#[error("the form could not be read: {message}")]
pub struct FormError {
    pub status: StatusCode,
    pub message: String,
}

impl ResponseError for FormError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let message = crate::web::language::current().text_with(
            "portal-form-unreadable",
            &[("detail", self.message.as_str().into())],
        );
        error_page(self.status, "bad-form", &message)
    }
}

/// Whether `req` comes from a browser that prefers HTML (for error pages on unknown paths).
pub fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// A page shown again with the reason a form was refused, under that refusal's status.
fn with_status(mut page: HttpResponse, refusal: &ApiError) -> HttpResponse {
    *page.status_mut() = refusal.status_code();
    page
}

/// The portal's result type.
pub type PageResult = Result<HttpResponse, PortalError>;
