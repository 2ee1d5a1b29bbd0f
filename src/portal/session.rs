//! The portal's browser session: the session token in an `HttpOnly` cookie, a CSRF token
//! (double-submit: an `HttpOnly`, `SameSite=Strict` cookie that every form echoes in a
//! hidden field), and the security headers every page carries.

use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use crate::auth::principal::{authenticate, Credential, Principal};
use crate::auth::same_secret;
use crate::random::random_hex;
use crate::routes::access::base_url;
use crate::state::AppState;

use super::PortalError;

pub const SESSION_COOKIE: &str = "mg_session";
pub const CSRF_COOKIE: &str = "mg_csrf";

/// What every page is rendered with: who is signed in (if anyone) and the CSRF token forms
/// carry. `new_csrf` is set when the browser had no CSRF cookie yet.
pub struct Visitor {
    pub who: Option<Principal>,
    pub csrf: String,
    new_csrf: bool,
    secure: bool,
}

/// `default-src 'none'` with only what the pages use: our stylesheet, our forms, no
/// scripts, no frames.
pub(super) const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

impl Visitor {
    /// Reads the session and CSRF cookies. A stale or revoked session counts as signed out.
    pub async fn of(state: &AppState, req: &HttpRequest) -> Visitor {
        // Only a session from the sign-in form counts: an API token is not a browser session.
        let who = match req.cookie(SESSION_COOKIE) {
            Some(cookie) => authenticate(state, cookie.value())
                .await
                .ok()
                .filter(|who| matches!(who.credential, Credential::Session { .. })),
            None => None,
        };
        let existing = req
            .cookie(CSRF_COOKIE)
            .map(|c| c.value().to_owned())
            .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
        Visitor {
            who,
            new_csrf: existing.is_none(),
            csrf: existing.unwrap_or_else(|| random_hex(16)),
            // Over TLS: the public URL (or a trusted proxy) says https.
            secure: base_url(state, req).starts_with("https://"),
        }
    }

    /// The signed-in account, or a redirect to the sign-in page that comes back here (to
    /// the catalog after a form, which cannot be replayed by a redirect).
    pub fn require(&self, req: &HttpRequest) -> Result<&Principal, PortalError> {
        self.who.as_ref().ok_or_else(|| PortalError::SignIn {
            next: if req.method() == actix_web::http::Method::GET {
                req.uri()
                    .path_and_query()
                    .map_or("/models", |p| p.as_str())
                    .to_owned()
            } else {
                "/models".to_owned()
            },
        })
    }

    /// Refuses a form whose `csrf` field does not match the cookie, or that a browser says
    /// came from anywhere but this origin (another site, or a sibling subdomain).
    pub fn check_form(&self, req: &HttpRequest, csrf: &str) -> Result<(), PortalError> {
        let foreign = req
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|site| !matches!(site, "same-origin" | "none"));
        if self.new_csrf || foreign || !same_secret(csrf, &self.csrf) {
            return Err(PortalError::Csrf);
        }
        Ok(())
    }

    /// A response with the security headers, and the CSRF cookie when it is new.
    pub fn respond(&self, mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
        builder
            .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::REFERRER_POLICY, "same-origin"))
            .insert_header((header::X_FRAME_OPTIONS, "DENY"))
            .insert_header((header::CACHE_CONTROL, "no-store"));
        if self.new_csrf {
            builder.cookie(self.cookie(CSRF_COOKIE, self.csrf.clone(), SameSite::Strict, None));
        }
        builder
    }

    /// An HTML page.
    pub fn page(&self, html: String) -> HttpResponse {
        self.respond(HttpResponse::Ok())
            .content_type("text/html; charset=utf-8")
            .body(html)
    }

    /// A 303 to `to` (after a form), setting or clearing the session cookie when asked.
    pub fn redirect(&self, to: &str, session: SessionChange) -> HttpResponse {
        let mut builder = self.respond(HttpResponse::SeeOther());
        builder.insert_header((header::LOCATION, to.to_owned()));
        if !matches!(session, SessionChange::Keep) {
            // A new CSRF token with every new (or ended) session.
            builder.cookie(self.cookie(CSRF_COOKIE, random_hex(16), SameSite::Strict, None));
        }
        match session {
            SessionChange::Keep => {}
            SessionChange::Start {
                token,
                max_age_secs,
            } => {
                builder.cookie(self.cookie(
                    SESSION_COOKIE,
                    token,
                    SameSite::Lax,
                    Some(Duration::seconds(max_age_secs)),
                ));
            }
            SessionChange::End => {
                builder.cookie(self.cookie(
                    SESSION_COOKIE,
                    String::new(),
                    SameSite::Lax,
                    Some(Duration::ZERO),
                ));
            }
        }
        builder.finish()
    }

    fn cookie(
        &self,
        name: &'static str,
        value: String,
        same_site: SameSite,
        max_age: Option<Duration>,
    ) -> Cookie<'static> {
        let mut cookie = Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(same_site)
            .finish();
        if let Some(age) = max_age {
            cookie.set_max_age(age);
        }
        cookie
    }
}

/// What a redirect does to the session cookie.
pub enum SessionChange {
    Keep,
    Start { token: String, max_age_secs: i64 },
    End,
}
