//! `ClientInfo`: what the network says about the client of a request, as services take it
//! (the web layer reads it from the request; the CLI has none).

use std::net::IpAddr;

/// The client of a request: its address behind trusted proxies and its `User-Agent`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client address (none without a peer address, as for the CLI).
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}
