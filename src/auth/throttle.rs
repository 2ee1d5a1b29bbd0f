//! Login throttling: failed sign-ins are counted per account and per client IP in a sliding
//! window; past the limit, sign-in answers 429 until the window moves on. Counts are kept
//! per process (each replica throttles on its own).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failure counters for sign-in.
#[derive(Debug)]
pub struct LoginThrottle {
    max_per_account: usize,
    max_per_ip: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginThrottle {
    pub fn new(max_per_account: usize, max_per_ip: usize, window: Duration) -> Self {
        LoginThrottle {
            max_per_account,
            max_per_ip,
            window,
            failures: Mutex::default(),
        }
    }

    fn keys(email: &str, ip: Option<IpAddr>) -> [(String, bool); 2] {
        [
            (format!("account:{email}"), true),
            (
                format!("ip:{}", ip.map(|i| i.to_string()).unwrap_or_default()),
                false,
            ),
        ]
    }

    /// `Err(retry_after)` when this account or IP has failed too often recently.
    pub fn check(&self, email: &str, ip: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let Ok(mut failures) = self.failures.lock() else {
            return Ok(());
        };
        let mut wait = Duration::ZERO;
        for (key, is_account) in Self::keys(email, ip) {
            let limit = if is_account {
                self.max_per_account
            } else {
                self.max_per_ip
            };
            if let Some(times) = failures.get_mut(&key) {
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    times.pop_front();
                }
                if times.len() >= limit {
                    if let Some(oldest) = times.front() {
                        wait = wait.max(self.window.saturating_sub(now.duration_since(*oldest)));
                    }
                }
            }
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(wait)
        }
    }

    pub fn record_failure(&self, email: &str, ip: Option<IpAddr>) {
        if let Ok(mut failures) = self.failures.lock() {
            if failures.len() > 100_000 {
                failures.clear();
            }
            for (key, _) in Self::keys(email, ip) {
                failures.entry(key).or_default().push_back(Instant::now());
            }
        }
    }

    /// A successful sign-in clears the account's failures (not the IP's).
    pub fn record_success(&self, email: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&format!("account:{email}"));
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
            assert!(throttle.check("a@x.org", ip).is_ok());
            throttle.record_failure("a@x.org", ip);
        }
        assert!(throttle.check("a@x.org", ip).is_err(), "account locked");
        assert!(
            throttle
                .check("b@x.org", Some(IpAddr::from([10, 0, 0, 2])))
                .is_ok(),
            "others unaffected"
        );
        throttle.record_failure("b@x.org", ip);
        throttle.record_failure("c@x.org", ip);
        assert!(
            throttle.check("d@x.org", ip).is_err(),
            "the IP is locked after 5 failures"
        );
    }
}
