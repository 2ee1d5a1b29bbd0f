//! Where a request comes from: the client IP behind trusted proxies (`client_ip`) and the
//! GeoIP signal for it (`geoip`). Both are signals for the policy, never its verdict.

pub mod client_ip;
mod geoip;

pub use client_ip::TrustedProxies;
pub use geoip::{GeoIp, GeoSignal};
