//! The portal's browser session: the session token in an `HttpOnly` cookie, a CSRF token,
//! and the security headers every page carries. The CSRF token every form carries in a
//! hidden field is an HMAC (under `keys/portal-csrf.key`) of the session cookie and a
//! random nonce kept in an `HttpOnly`, `SameSite=Strict` cookie: a cookie tossed in by a
//! sibling subdomain cannot produce a matching token, and a token is worth nothing with
//! another session. Over https both cookies carry the `__Host-` prefix (no `Domain`, path
//! `/`, `Secure`), so no other host can set them at all; over plain http a sibling host
//! that sets cookies can still pick a signed-out visitor's nonce (and so sign them in to
//! an account of its choosing), which is one more reason to serve the portal over https.

use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use crate::auth::principal::{authenticate, Credential, Principal};
use crate::auth::same_secret;
use crate::random::random_hex;
use crate::state::AppState;
use crate::web::urls::is_https;

use super::PortalError;

pub const SESSION_COOKIE: &str = "mg_session";
pub const CSRF_COOKIE: &str = "mg_csrf";
/// The key file of the CSRF tokens' HMAC, in the key directory.
pub const CSRF_KEY_FILE: &str = "portal-csrf.key";
/// The cookie-name prefix browsers accept only from this host, over https, path `/`.
const HOST_PREFIX: &str = "__Host-";

/// What every page is rendered with: who is signed in (if anyone) and the CSRF token forms
/// carry. `new_csrf` is set when the browser had no CSRF nonce cookie yet.
pub struct Visitor {
    pub who: Option<Principal>,
    /// The token forms carry (HMAC of the session cookie and the nonce).
    pub csrf: String,
    /// The language pages are shown in (`web::language`).
    pub lang: crate::i18n::Lang,
    /// Where the language switcher returns to: this page's path and query (the catalog
    /// for a page that answers a form).
    pub path: String,
    nonce: String,
    new_csrf: bool,
    secure: bool,
}

/// A cookie's name as sent: `__Host-` prefixed over https.
pub(crate) fn cookie_name(name: &str, secure: bool) -> String {
    match secure {
        true => format!("{HOST_PREFIX}{name}"),
        false => name.to_owned(),
    }
}

/// The form token for `nonce` in the browser session whose cookie is `session`.
fn csrf_token(
    key: &crate::ledger::context::PseudonymKey,
    session: Option<&str>,
    nonce: &str,
) -> String {
    key.hash(&format!("csrf\n{}\n{nonce}", session.unwrap_or_default()))
}

/// `default-src 'none'` with only what the pages use: our stylesheet, our forms, no
/// scripts, no frames.
pub(super) const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

impl Visitor {
    /// Reads the session and CSRF cookies. A stale or revoked session counts as signed out.
    pub async fn of(state: &AppState, req: &HttpRequest) -> Visitor {
        // Over TLS: the public URL (or a trusted proxy) says https.
        let secure = is_https(state, req);
        let session = req
            .cookie(&cookie_name(SESSION_COOKIE, secure))
            .map(|c| c.value().to_owned())
            .filter(|v| !v.is_empty());
        // Only a session from the sign-in form counts: an API token is not a browser session.
        let who = match &session {
            Some(token) => authenticate(&state.db, &state.session_keys, token)
                .await
                .ok()
                .filter(|who| matches!(who.credential, Credential::Session { .. })),
            None => None,
        };
        let existing = req
            .cookie(&cookie_name(CSRF_COOKIE, secure))
            .map(|c| c.value().to_owned())
            .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
        let nonce = existing.clone().unwrap_or_else(|| random_hex(16));
        Visitor {
            who,
            csrf: csrf_token(&state.csrf_key, session.as_deref(), &nonce),
            lang: crate::web::language::current(),
            // A page answering a form has no address of its own to come back to.
            path: match req.method() == actix_web::http::Method::GET {
                true => req.uri().path_and_query().map_or("/models", |p| p.as_str()),
                false => "/models",
            }
            .to_owned(),
            nonce,
            new_csrf: existing.is_none(),
            secure,
        }
    }

    /// The signed-in account, or a redirect to the sign-in page that comes back here (to
    /// the catalog after a form, which cannot be replayed by a redirect).
    pub fn require(&self) -> Result<&Principal, PortalError> {
        self.who.as_ref().ok_or_else(|| PortalError::SignIn {
            next: self.path.clone(),
        })
    }

    /// Refuses a form whose `csrf` field is not the token of this session and nonce, or
    /// that a browser says came from anywhere but this origin (another site, or a sibling
    /// subdomain).
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
            builder.cookie(self.cookie(CSRF_COOKIE, self.nonce.clone(), SameSite::Strict, None));
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

    /// A 303 to `to` that remembers `lang` for a year (the language switcher).
    pub fn remember_language(&self, lang: crate::i18n::Lang, to: &str) -> HttpResponse {
        let mut builder = self.respond(HttpResponse::SeeOther());
        builder.insert_header((header::LOCATION, to.to_owned()));
        builder.cookie(self.cookie(
            crate::web::language::LANGUAGE_COOKIE,
            lang.code().to_owned(),
            SameSite::Lax,
            Some(Duration::days(365)),
        ));
        builder.finish()
    }

    fn cookie(
        &self,
        name: &'static str,
        value: String,
        same_site: SameSite,
        max_age: Option<Duration>,
    ) -> Cookie<'static> {
        let mut cookie = Cookie::build(cookie_name(name, self.secure), value)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_belongs_to_one_session_and_one_nonce() {
        let key = crate::ledger::context::PseudonymKey::load_or_generate_file(
            tempfile::tempdir().unwrap().path(),
            CSRF_KEY_FILE,
        )
        .unwrap();
        let token = csrf_token(&key, Some("session-a"), "00ff");
        assert_eq!(token, csrf_token(&key, Some("session-a"), "00ff"));
        assert_ne!(token, csrf_token(&key, Some("session-b"), "00ff"));
        assert_ne!(token, csrf_token(&key, Some("session-a"), "00fe"));
        assert_ne!(token, csrf_token(&key, None, "00ff"));
        assert_eq!(cookie_name(CSRF_COOKIE, true), "__Host-mg_csrf");
        assert_eq!(cookie_name(SESSION_COOKIE, false), "mg_session");
    }
}
