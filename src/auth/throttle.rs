//! Login throttling: sign-in attempts are counted per account and per client IP in a
//! sliding window. An attempt is counted before the password is checked (so parallel
//! guesses cannot slip past the limit) and forgiven when it succeeds; past the limit,
//! sign-in answers 429 until the window moves on. Counts are kept per process (each
//! replica throttles on its own).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys tracked before expired ones are pruned.
const PRUNE_ABOVE: usize = 100_000;

/// Attempt counters for sign-in.
#[derive(Debug)]
pub struct LoginThrottle {
    max_per_account: usize,
    max_per_ip: usize,
    window: Duration,
    attempts: Mutex<HashMap<String, VecDeque<Instant>>>,
}

fn account_key(email: &str) -> String {
    format!("account:{email}")
}

fn ip_key(ip: Option<IpAddr>) -> String {
    format!("ip:{}", ip.map(|i| i.to_string()).unwrap_or_default())
}

impl LoginThrottle {
    pub fn new(max_per_account: usize, max_per_ip: usize, window: Duration) -> Self {
        LoginThrottle {
            max_per_account,
            max_per_ip,
            window,
            attempts: Mutex::default(),
        }
    }

    /// Counts a sign-in attempt for this account and IP, or refuses it with how long to
    /// wait when either has reached its limit within the window.
    pub fn begin_attempt(&self, email: &str, ip: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let Ok(mut attempts) = self.attempts.lock() else {
            return Ok(());
        };
        if attempts.len() > PRUNE_ABOVE {
            let window = self.window;
            attempts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        let keys = [
            (account_key(email), self.max_per_account),
            (ip_key(ip), self.max_per_ip),
        ];
        let mut wait = Duration::ZERO;
        for (key, limit) in &keys {
            let times = attempts.entry(key.clone()).or_default();
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                times.pop_front();
            }
            if times.len() >= *limit {
                if let Some(oldest) = times.front() {
                    wait = wait.max(self.window.saturating_sub(now.duration_since(*oldest)));
                }
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for (key, _) in keys {
            attempts.entry(key).or_default().push_back(now);
        }
        Ok(())
    }

    /// A successful sign-in forgives the account's attempts and this attempt from the IP.
    pub fn succeeded(&self, email: &str, ip: Option<IpAddr>) {
        if let Ok(mut attempts) = self.attempts.lock() {
            attempts.remove(&account_key(email));
            if let Some(times) = attempts.get_mut(&ip_key(ip)) {
                times.pop_back();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_an_account_after_its_limit_and_an_ip_after_its_own() {
        let throttle = LoginThrottle::new(3, 5, Duration::from_secs(60));
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        for _ in 0..3 {
            assert!(throttle.begin_attempt("a@x.org", ip).is_ok());
        }
        assert!(
            throttle.begin_attempt("a@x.org", ip).is_err(),
            "account locked"
        );
        assert!(
            throttle
                .begin_attempt("b@x.org", Some(IpAddr::from([10, 0, 0, 2])))
                .is_ok(),
            "others unaffected"
        );
        assert!(throttle.begin_attempt("b@x.org", ip).is_ok());
        assert!(throttle.begin_attempt("c@x.org", ip).is_ok());
        assert!(
            throttle.begin_attempt("d@x.org", ip).is_err(),
            "the IP is locked after 5 attempts"
        );
    }

    #[test]
    fn success_forgives_and_attempts_are_counted_before_the_outcome() {
        let throttle = LoginThrottle::new(2, 100, Duration::from_secs(60));
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        assert!(throttle.begin_attempt("a@x.org", ip).is_ok());
        assert!(throttle.begin_attempt("a@x.org", ip).is_ok());
        assert!(
            throttle.begin_attempt("a@x.org", ip).is_err(),
            "two in flight already use the budget"
        );
        throttle.succeeded("a@x.org", ip);
        assert!(throttle.begin_attempt("a@x.org", ip).is_ok());
    }
}
