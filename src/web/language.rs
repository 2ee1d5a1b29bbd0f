//! Which language a request is answered in: the visitor's choice from the portal's
//! language switcher (the `mg_lang` cookie), else the best of `Accept-Language`, else
//! English. The outermost middleware decides it once and keeps it for the request
//! (`current`), so handlers and error answers built without the request
//! (`ResponseError`) speak it too.

use std::future::Future;

use actix_web::HttpRequest;

use crate::i18n::Lang;

/// The cookie the language switcher sets (`__Host-` prefixed over https).
pub const LANGUAGE_COOKIE: &str = "mg_lang";

tokio::task_local! {
    static REQUEST_LANGUAGE: Lang;
}

/// The language `req` asks for; `secure` says whether the request came over https, where
/// only the `__Host-` cookie counts (a sibling host cannot set it). It is asked only when
/// the request carries a language cookie, and a request with neither a cookie nor
/// `Accept-Language` (a download client) costs two header lookups.
pub fn of_request(req: &HttpRequest, secure: impl FnOnce() -> bool) -> Lang {
    let has_cookie = req
        .headers()
        .get_all(actix_web::http::header::COOKIE)
        .any(|v| {
            v.as_bytes()
                .windows(LANGUAGE_COOKIE.len())
                .any(|w| w == LANGUAGE_COOKIE.as_bytes())
        });
    let chosen = has_cookie
        .then(|| {
            let name = crate::web::portal::session::cookie_name(LANGUAGE_COOKIE, secure());
            req.cookie(&name)
                .and_then(|cookie| Lang::from_code(cookie.value()))
        })
        .flatten();
    chosen.unwrap_or_else(|| {
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map_or(Lang::En, Lang::negotiate)
    })
}

/// Runs `work` (a request's handling) in `lang`.
pub async fn scope<F: Future>(lang: Lang, work: F) -> F::Output {
    REQUEST_LANGUAGE.scope(lang, work).await
}

/// The language of the request being handled (English outside a request).
pub fn current() -> Lang {
    REQUEST_LANGUAGE.try_with(|lang| *lang).unwrap_or_default()
}
