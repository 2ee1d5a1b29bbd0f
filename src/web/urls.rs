//! Absolute URLs in answers: the gateway's base URL as the client reached it, and the links
//! that download a blob with a grant.

use actix_web::HttpRequest;

use crate::domain::Sha256Digest;
use crate::state::AppState;

/// Whether `req` reached us over https (its `base_url`'s scheme, in any case): cookies
/// then carry `Secure` and the `__Host-` prefix.
pub fn is_https(state: &AppState, req: &HttpRequest) -> bool {
    base_url(state, req)
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// The base URL for links in responses: `server.public_url` when set; else the `Host` the
/// client used, with the forwarded scheme and host believed only from a trusted proxy.
pub fn base_url(state: &AppState, req: &HttpRequest) -> String {
    let settings = &state.settings;
    if !settings.server.public_url.is_empty() {
        return settings.public_url(0);
    }
    let from_proxy = req
        .peer_addr()
        .is_some_and(|peer| state.proxies.trusts(&peer.ip()));
    if from_proxy {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map_or_else(|| req.app_config().local_addr().to_string(), str::to_owned);
    format!("http://{host}")
}

/// The portal page of `model`, where its license is read and accepted.
pub fn model_page(state: &AppState, req: &HttpRequest, model: &impl std::fmt::Display) -> String {
    format!("{}/models/{model}", base_url(state, req))
}

/// The URL that downloads blob `digest` with grant `token` (no header needed: curl, wget
/// and browsers use it as it is).
pub fn blob_url(base: &str, digest: &Sha256Digest, token: &str) -> String {
    format!("{base}/v1/blobs/{}?grant={token}", digest.reference())
}
