//! Refused blob requests that carried no verified grant (no token, a forged or expired
//! one): counted in memory, per client address and period (a minute by default), and
//! written as one `blob.refusals` audit event per address and period by a background
//! task, so anonymous traffic costs no database write per request (an IPv6 client counts by
//! its /64). Memory is bounded:
//! past `MAX_ADDRESSES` addresses in one period, further ones share an `other` tally.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::db::{audit, now_ms, Db};
use crate::ledger::context::{PseudonymKey, RequestContext};
use crate::ledger::event::{EventKind, Outcome};

/// Addresses tallied one by one per period; more share one tally (so a period writes at most
/// this many events and one more).
const MAX_ADDRESSES: usize = 1_000;

/// One period's refusals from one address.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    /// Refusals by error code.
    pub codes: BTreeMap<String, u64>,
}

/// (period start in ms, client address; `None` for no address or the overflow tally).
type TallyKey = (i64, Option<IpAddr>);

/// The counts not yet written.
#[derive(Debug)]
pub struct AnonymousRefusals {
    period_ms: i64,
    tallies: Mutex<HashMap<TallyKey, Tally>>,
}

impl AnonymousRefusals {
    pub fn new(period: Duration) -> Self {
        AnonymousRefusals {
            period_ms: i64::try_from(period.as_millis()).unwrap_or(60_000).max(1),
            tallies: Mutex::default(),
        }
    }

    fn tallies(&self) -> std::sync::MutexGuard<'_, HashMap<TallyKey, Tally>> {
        self.tallies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts one refusal with error `code` from `client_ip` at `now` (ms).
    pub fn count(&self, client_ip: Option<IpAddr>, code: &str, now: i64) {
        let period = now - now.rem_euclid(self.period_ms);
        let mut tallies = self.tallies();
        let mut key = (period, client_ip.map(crate::geo::client_ip::limit_key));
        if !tallies.contains_key(&key) && tallies.len() >= MAX_ADDRESSES {
            key.1 = None;
        }
        let tally = tallies.entry(key).or_default();
        tally.count += 1;
        *tally.codes.entry(code.to_owned()).or_default() += 1;
    }

    /// Takes the tallies of periods that ended by `now` (all of them when `everything`).
    pub fn take_finished(&self, now: i64, everything: bool) -> Vec<(TallyKey, Tally)> {
        let current = now - now.rem_euclid(self.period_ms);
        let mut tallies = self.tallies();
        let finished: Vec<TallyKey> = tallies
            .keys()
            .filter(|(period, _)| everything || *period < current)
            .copied()
            .collect();
        let mut taken: Vec<(TallyKey, Tally)> = finished
            .into_iter()
            .filter_map(|key| tallies.remove(&key).map(|tally| (key, tally)))
            .collect();
        taken.sort_by_key(|((period, ip), _)| (*period, *ip));
        taken
    }

    /// Appends one `blob.refusals` event per finished tally, all in one transaction. Tallies
    /// that cannot be written are logged and dropped (refusals are not accepted work).
    pub async fn write_finished(&self, db: &Db, key: &PseudonymKey, everything: bool) {
        let finished = self.take_finished(now_ms(), everything);
        if finished.is_empty() {
            return;
        }
        let written = async {
            let mut tx = db.begin_write().await?;
            tx.changes_no_standing();
            for ((period, client_ip), tally) in finished {
                let context = RequestContext {
                    request_id: None,
                    client_ip: client_ip.map(|ip| ip.to_string()),
                    pseudonym_key: Some(key.clone()),
                };
                let event = audit::NewEvent {
                    kind: EventKind::BlobRefusals,
                    actor: None,
                    subject: None,
                    outcome: Some(Outcome::Refused),
                    data: json!({
                        "period_start": period,
                        "period_ms": self.period_ms,
                        "count": tally.count,
                        "codes": tally.codes,
                        "overflow": client_ip.is_none(),
                    }),
                };
                crate::ledger::context::scope(context, audit::append(&mut tx, &event)).await?;
            }
            tx.commit().await
        };
        if let Err(e) = written.await {
            tracing::error!(error = %e, "writing the tally of anonymous refusals failed");
        }
    }
}

/// Writes finished tallies every period, for as long as the gateway runs.
pub async fn run_writer(refusals: Arc<AnonymousRefusals>, db: Db, key: PseudonymKey) {
    let period = Duration::from_millis(u64::try_from(refusals.period_ms).unwrap_or(60_000));
    let mut ticks = tokio::time::interval(period.min(Duration::from_secs(10)));
    loop {
        ticks.tick().await;
        refusals.write_finished(&db, &key, false).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_per_address_and_period_and_hands_over_finished_ones() {
        let refusals = AnonymousRefusals::new(Duration::from_secs(60));
        let a = Some(IpAddr::from([192, 0, 2, 1]));
        let b = Some(IpAddr::from([192, 0, 2, 2]));
        for _ in 0..3 {
            refusals.count(a, "grant-required", 60_000);
        }
        refusals.count(a, "invalid-grant", 119_999);
        refusals.count(b, "grant-required", 61_000);
        refusals.count(a, "grant-required", 120_000);
        let finished = refusals.take_finished(120_500, false);
        assert_eq!(finished.len(), 2, "{finished:?}");
        assert_eq!(finished[0].0, (60_000, a));
        assert_eq!(finished[0].1.count, 4);
        assert_eq!(finished[0].1.codes["invalid-grant"], 1);
        assert_eq!(finished[1].0, (60_000, b));
        assert_eq!(
            refusals.take_finished(120_500, true).len(),
            1,
            "the open period"
        );
    }

    #[test]
    fn addresses_past_the_bound_share_one_tally() {
        let refusals = AnonymousRefusals::new(Duration::from_secs(60));
        for i in 0..(MAX_ADDRESSES as u32 + 5) {
            refusals.count(Some(IpAddr::from(i.to_be_bytes())), "grant-required", 0);
        }
        let finished = refusals.take_finished(60_000, false);
        assert_eq!(finished.len(), MAX_ADDRESSES + 1);
        let overflow = finished.iter().find(|((_, ip), _)| ip.is_none()).unwrap();
        assert_eq!(overflow.1.count, 5);
    }
}
