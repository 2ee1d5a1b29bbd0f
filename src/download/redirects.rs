//! Which redirects a blob fetch follows. A gateway may answer a blob request with a
//! redirect to its store (a presigned URL); the part fetcher follows one hop, for blob
//! parts only. `modelgate download` follows any such hop (the person chose the gateway);
//! `mirror sync` runs on a partner's server and follows only hops to the store origins the
//! signed snapshot names, never to loopback, private, link-local or otherwise non-public
//! addresses unless `mirror.allow_private_redirects` says so, and connects to the
//! addresses it checked (no second DNS answer), so an upstream cannot aim the mirror host
//! at its own network.

use std::net::{IpAddr, SocketAddr};

use anyhow::Context;
use reqwest::Url;

/// How the part fetcher treats a redirect answer.
#[derive(Debug, Clone)]
pub enum Redirects {
    /// Follow any one hop with the fetcher's client.
    Any,
    /// Follow hops only to these origins, with a client pinned to their checked addresses.
    Only {
        origins: Vec<Origin>,
        client: reqwest::Client,
    },
}

/// `scheme://host:port` of a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    pub fn of(url: &Url) -> Option<Origin> {
        Some(Origin {
            scheme: url.scheme().to_owned(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default()?,
        })
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// Whether `ip` is an address a mirror must not be sent to: loopback, private (RFC 1918,
/// unique-local), link-local, carrier-grade NAT, unspecified, multicast, broadcast,
/// reserved, benchmarking or documentation ranges, and IPv6 addresses that carry an IPv4
/// address (mapped, compatible, NAT64, 6to4), judged by the address they carry.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240
                || a == 0
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                is_internal(IpAddr::from([
                    (hi >> 8) as u8,
                    hi as u8,
                    (lo >> 8) as u8,
                    lo as u8,
                ]))
            };
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                // IPv4-compatible ::a.b.c.d and NAT64 64:ff9b::a.b.c.d.
                || (s[..6] == [0; 6] && embedded(s[6], s[7]))
                || (s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && embedded(s[6], s[7]))
                // 6to4 2002:a.b.c.d::.
                || (s[0] == 0x2002 && embedded(s[1], s[2]))
        }
    }
}

impl Redirects {
    /// The policy of `mirror sync`: hops only to `origins` (from the snapshot), each host
    /// resolved once here, refused when it resolves to an internal address unless
    /// `allow_internal`; the client connects only to the addresses checked.
    pub async fn only_to(origins: &[String], allow_internal: bool) -> anyhow::Result<Redirects> {
        let mut checked = Vec::new();
        // Straight to the checked addresses: a proxy would resolve the host again.
        let mut client = super::client::builder(super::client::MIRROR_AGENT).no_proxy();
        for origin in origins {
            let url = Url::parse(origin).with_context(|| {
                format!("the snapshot names a store origin `{origin}` that is not a URL")
            })?;
            let parsed = Origin::of(&url)
                .with_context(|| format!("the snapshot's store origin `{origin}` has no host"))?;
            anyhow::ensure!(
                matches!(parsed.scheme.as_str(), "https" | "http"),
                "the snapshot's store origin `{origin}` is not http(s)"
            );
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((parsed.host.as_str(), parsed.port))
                    .await
                    .with_context(|| format!("resolving the store origin {parsed}"))?
                    .collect();
            if !allow_internal {
                if let Some(internal) = addresses.iter().find(|a| is_internal(a.ip())) {
                    anyhow::bail!(
                        "the snapshot's store origin {parsed} resolves to {}, an internal \
                         address; refused (set mirror.allow_private_redirects = true when the \
                         store is meant to be on a private network)",
                        internal.ip()
                    );
                }
            }
            client = client.resolve_to_addrs(&parsed.host, &addresses);
            checked.push(parsed);
        }
        Ok(Redirects::Only {
            origins: checked,
            client: client.build()?,
        })
    }

    /// The client to follow a hop to `location` with, or why the hop is refused.
    pub fn client_for<'a>(
        &'a self,
        location: &Url,
        fetcher_client: &'a reqwest::Client,
    ) -> Result<&'a reqwest::Client, String> {
        match self {
            Redirects::Any => Ok(fetcher_client),
            Redirects::Only { origins, client } => {
                let named = Origin::of(location).is_some_and(|o| origins.contains(&o));
                if !named {
                    return Err(format!(
                        "upstream redirected a blob to {}, which is not a store the signed \
                         snapshot names ({}); not followed",
                        location.origin().ascii_serialization(),
                        match origins.is_empty() {
                            true => "it names none".to_owned(),
                            false => origins
                                .iter()
                                .map(Origin::to_string)
                                .collect::<Vec<_>>()
                                .join(", "),
                        }
                    ));
                }
                Ok(client)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal(internal.parse().unwrap()), "{internal}");
        }
        for public in ["8.8.8.8", "151.101.1.1", "2a00:1450::1", "64:ff9b::8.8.8.8"] {
            assert!(!is_internal(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn hops_go_only_to_named_origins_and_internal_ones_need_consent() {
        let refused = Redirects::only_to(&["http://127.0.0.1:9000".into()], false).await;
        assert!(
            refused
                .unwrap_err()
                .to_string()
                .contains("internal address"),
            "loopback refused without consent"
        );
        let policy = Redirects::only_to(&["http://127.0.0.1:9000".into()], true)
            .await
            .unwrap();
        let fetcher = reqwest::Client::new();
        let named = Url::parse("http://127.0.0.1:9000/bucket/sha256/ab?X-Amz-Signature=1").unwrap();
        assert!(policy.client_for(&named, &fetcher).is_ok());
        for other in [
            "http://127.0.0.1:9001/x",
            "https://127.0.0.1:9000/x",
            "http://169.254.169.254/latest/meta-data/",
        ] {
            let url = Url::parse(other).unwrap();
            assert!(policy.client_for(&url, &fetcher).is_err(), "{other}");
        }
        assert!(Redirects::Any.client_for(&named, &fetcher).is_ok());
    }
}
