//! The one HTTP client setup of modelgate's outgoing clients (`download`, `mirror sync`,
//! the mirror's audit outbox): its user agent, connect and read timeouts, and no redirect
//! followed by itself (a blob redirect to a store is followed by the part fetcher, which
//! leaves the grant behind, and only to the hosts it may go to).

use std::time::Duration;

/// The user agent of `modelgate download`.
pub const DOWNLOAD_AGENT: &str = concat!("modelgate/", env!("CARGO_PKG_VERSION"));
/// The user agent of a mirror talking to its upstream.
pub const MIRROR_AGENT: &str = concat!("modelgate-mirror/", env!("CARGO_PKG_VERSION"));

/// A client builder with the shared settings, identifying itself as `user_agent`.
pub fn builder(user_agent: &'static str) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(60))
}
