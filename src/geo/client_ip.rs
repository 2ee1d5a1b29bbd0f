//! The client IP behind trusted proxies (the socket peer,
//! unless the peer is a trusted proxy; then `X-Forwarded-For` read right to left, skipping
//! trusted hops; never the left-most value on trust). IPv4-mapped IPv6 addresses
//! (`::ffff:a.b.c.d`, the peers of a dual-stack `::` listener) are read as the IPv4
//! address they carry, so IPv4 proxy CIDRs and GeoIP answers apply to them.

use std::net::IpAddr;

use ipnet::IpNet;

/// The client a per-client limit counts for `ip`: an IPv4 address itself, an IPv6
/// address's /64 (one subscriber's prefix: whoever holds one address holds all of them).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses CIDRs (`10.0.0.0/8`) or single addresses.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|e| {
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{e}` is not an IP address or CIDR"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: &IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client address of `peer` with the given `X-Forwarded-For` values.
    pub fn client_ip(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
        let peer = peer?.to_canonical();
        if !self.trusts(&peer) {
            return Some(peer);
        }
        let hops: Vec<&str> = forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
                Ok(ip) if self.trusts(&ip) => client = ip,
                Ok(ip) => return Some(ip),
                // A malformed hop ends what can be believed; the last trusted hop is the answer.
                Err(_) => return Some(client),
            }
        }
        Some(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_an_ipv6_client_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(limit_key(a), limit_key(b));
        assert_ne!(limit_key(a), limit_key(other));
        let v4: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(limit_key(v4), "192.0.2.1".parse::<IpAddr>().unwrap());
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_claim() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into()]).expect("cidr");
        assert_eq!(
            proxies.client_ip(Some(ip("203.0.113.9")), &["1.2.3.4"]),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn trusted_hops_are_skipped_right_to_left_and_the_leftmost_is_never_trusted() {
        let proxies =
            TrustedProxies::parse(&["10.0.0.0/8".into(), "192.0.2.1".into()]).expect("cidr");
        let peer = Some(ip("10.1.1.1"));
        assert_eq!(
            proxies.client_ip(peer, &["6.6.6.6, 198.51.100.7, 192.0.2.1"]),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            proxies.client_ip(peer, &["6.6.6.6", "198.51.100.7"]),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(proxies.client_ip(peer, &[]), Some(ip("10.1.1.1")));
        assert_eq!(
            proxies.client_ip(peer, &["garbage, 10.2.2.2"]),
            Some(ip("10.2.2.2"))
        );
    }

    #[test]
    fn ipv4_mapped_peers_of_a_dual_stack_listener_are_their_ipv4_address() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into()]).expect("cidr");
        assert_eq!(
            proxies.client_ip(Some(ip("::ffff:10.1.1.1")), &["192.0.2.9"]),
            Some(ip("192.0.2.9"))
        );
        assert_eq!(
            proxies.client_ip(Some(ip("::ffff:198.51.100.3")), &["6.6.6.6"]),
            Some(ip("198.51.100.3"))
        );
        assert_eq!(
            proxies.client_ip(Some(ip("10.1.1.1")), &["::ffff:10.2.2.2, ::ffff:192.0.2.4"]),
            Some(ip("192.0.2.4"))
        );
    }

    #[test]
    fn bad_cidrs_are_refused() {
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
    }
}
