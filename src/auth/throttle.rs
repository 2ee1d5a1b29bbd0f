//! Throttling of sign-in and sign-up. Sign-in attempts are counted per (account, client
//! address) and per client address in a sliding window: past `max_failures_per_account_address`
//! an account can be tried from that address again only after a delay that doubles with
//! every further failure (up to the window), so someone guessing elsewhere never locks the
//! owner out; past `max_failures_per_ip` the address is refused until the window moves on.
//! An attempt is counted before the password is checked (parallel guesses cannot slip past
//! the limit) and forgiven when it succeeds. Sign-ups are counted per client address, mail
//! per recipient (`RateLimit`).
//! Counts are kept per process (each replica throttles on its own).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys tracked before expired ones are pruned.
const PRUNE_ABOVE: usize = 100_000;
/// The first delay once an (account, address) pair reached its limit; each further
/// failure doubles it.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// Timestamps of recent events per key, in a sliding window.
#[derive(Debug)]
struct Window<K> {
    span: Duration,
    events: HashMap<K, VecDeque<Instant>>,
}

impl<K: std::hash::Hash + Eq + Clone> Window<K> {
    fn new(span: Duration) -> Self {
        Window {
            span,
            events: HashMap::new(),
        }
    }

    /// The key's events still inside the window (older ones dropped).
    fn recent(&mut self, key: &K, now: Instant) -> &mut VecDeque<Instant> {
        if self.events.len() > PRUNE_ABOVE {
            let span = self.span;
            self.events
                .retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < span));
        }
        let times = self.events.entry(key.clone()).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.span)
        {
            times.pop_front();
        }
        times
    }

    /// How long until the key may have another event when it already has `limit` in the
    /// window; zero when it may now.
    fn wait_at_limit(&mut self, key: &K, limit: usize, now: Instant) -> Duration {
        let span = self.span;
        let times = self.recent(key, now);
        match times.front() {
            Some(oldest) if times.len() >= limit => {
                span.saturating_sub(now.duration_since(*oldest))
            }
            _ => Duration::ZERO,
        }
    }
}

/// A client address as a throttling key (an IPv6 client by its /64; no address: one
/// shared key).
fn address_key(ip: Option<IpAddr>) -> String {
    ip.map(|i| crate::geo::client_ip::limit_key(i).to_string())
        .unwrap_or_default()
}

/// Attempt counters for sign-in.
#[derive(Debug)]
pub struct LoginThrottle {
    max_per_account_address: usize,
    max_per_ip: usize,
    window: Duration,
    counts: Mutex<LoginCounts>,
}

#[derive(Debug)]
struct LoginCounts {
    /// Keyed by (email, address).
    pairs: Window<(String, String)>,
    addresses: Window<String>,
}

impl LoginThrottle {
    pub fn new(max_per_account_address: usize, max_per_ip: usize, window: Duration) -> Self {
        LoginThrottle {
            max_per_account_address,
            max_per_ip,
            window,
            counts: Mutex::new(LoginCounts {
                pairs: Window::new(window),
                addresses: Window::new(window),
            }),
        }
    }

    /// Counts a sign-in attempt for this account from this address, or refuses it with how
    /// long to wait: the address is over its limit, or the pair is over its own and still
    /// inside its backoff.
    pub fn begin_attempt(&self, email: &str, ip: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let address = address_key(ip);
        let pair = (email.to_owned(), address.clone());
        let mut wait = counts
            .addresses
            .wait_at_limit(&address, self.max_per_ip, now);
        let failures = counts.pairs.recent(&pair, now);
        if failures.len() >= self.max_per_account_address {
            let excess =
                u32::try_from(failures.len() - self.max_per_account_address).unwrap_or(u32::MAX);
            let backoff = FIRST_BACKOFF
                .saturating_mul(2u32.saturating_pow(excess.min(30)))
                .min(self.window);
            if let Some(last) = failures.back() {
                wait = wait.max(backoff.saturating_sub(now.duration_since(*last)));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        counts.pairs.recent(&pair, now).push_back(now);
        counts.addresses.recent(&address, now).push_back(now);
        Ok(())
    }

    /// A successful sign-in forgives the pair's failures and this attempt from the address.
    pub fn succeeded(&self, email: &str, ip: Option<IpAddr>) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let address = address_key(ip);
        counts
            .pairs
            .events
            .remove(&(email.to_owned(), address.clone()));
        if let Some(times) = counts.addresses.events.get_mut(&address) {
            times.pop_back();
        }
    }
}

/// Counts events per key (sign-ups per client address, mail per recipient) and refuses
/// past `limit` in the window.
#[derive(Debug)]
pub struct RateLimit {
    limit: usize,
    window: Mutex<Window<String>>,
}

impl RateLimit {
    pub fn new(limit: usize, window: Duration) -> Self {
        RateLimit {
            limit,
            window: Mutex::new(Window::new(window)),
        }
    }

    /// Counts one event from `ip` (an IPv6 client by its /64), or refuses it with how long
    /// to wait.
    pub fn count(&self, ip: Option<IpAddr>) -> Result<(), Duration> {
        self.count_key(&address_key(ip))
    }

    /// Counts one event for `key`, or refuses it with how long to wait.
    pub fn count_key(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut window = self
            .window
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = key.to_owned();
        let wait = window.wait_at_limit(&key, self.limit, now);
        if !wait.is_zero() {
            return Err(wait);
        }
        window.recent(&key, now).push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));
    const ELSEWHERE: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));

    #[test]
    fn a_guesser_elsewhere_backs_off_without_locking_the_owner_out() {
        let throttle = LoginThrottle::new(3, 50, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(throttle.begin_attempt("a@x.org", ELSEWHERE).is_ok());
        }
        let wait = throttle.begin_attempt("a@x.org", ELSEWHERE).unwrap_err();
        assert!(wait <= FIRST_BACKOFF && !wait.is_zero(), "{wait:?}");
        assert!(
            throttle.begin_attempt("a@x.org", HOME).is_ok(),
            "the owner's address is unaffected"
        );
    }

    #[test]
    fn the_backoff_doubles_with_each_failure_and_is_bounded_by_the_window() {
        let throttle = LoginThrottle::new(1, 50, Duration::from_secs(5));
        let now = Instant::now();
        let key = ("a@x.org".to_owned(), address_key(HOME));
        {
            let mut counts = throttle.counts.lock().unwrap();
            let times = counts.pairs.recent(&key, now);
            times.extend([now, now, now, now]);
        }
        let wait = throttle.begin_attempt("a@x.org", HOME).unwrap_err();
        assert!(
            wait > Duration::from_secs(4) && wait <= Duration::from_secs(5),
            "{wait:?}"
        );
    }

    #[test]
    fn an_address_is_refused_past_its_own_limit() {
        let throttle = LoginThrottle::new(3, 5, Duration::from_secs(60));
        for account in ["a", "b", "c", "d", "e"] {
            assert!(throttle
                .begin_attempt(&format!("{account}@x.org"), HOME)
                .is_ok());
        }
        assert!(throttle.begin_attempt("f@x.org", HOME).is_err());
        assert!(throttle.begin_attempt("f@x.org", ELSEWHERE).is_ok());
    }

    #[test]
    fn success_forgives_and_attempts_are_counted_before_the_outcome() {
        let throttle = LoginThrottle::new(2, 100, Duration::from_secs(60));
        assert!(throttle.begin_attempt("a@x.org", HOME).is_ok());
        assert!(throttle.begin_attempt("a@x.org", HOME).is_ok());
        assert!(
            throttle.begin_attempt("a@x.org", HOME).is_err(),
            "two in flight already use the budget"
        );
        throttle.succeeded("a@x.org", HOME);
        assert!(throttle.begin_attempt("a@x.org", HOME).is_ok());
    }

    #[test]
    fn sign_ups_are_limited_per_address() {
        let limit = RateLimit::new(2, Duration::from_secs(60));
        assert!(limit.count(HOME).is_ok());
        assert!(limit.count(HOME).is_ok());
        assert!(limit.count(HOME).is_err());
        assert!(limit.count(ELSEWHERE).is_ok());
    }
}
