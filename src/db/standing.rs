//! The standing generation: a counter of the commits that may have changed a grant
//! holder's standing, which the verified-grant cache (`auth::grant_tokens`) compares
//! against. This process bumps it after each such commit; on PostgreSQL those commits also
//! notify the channel `modelgate_standing`, and `listen` bumps it here when another replica
//! (or the CLI) committed one.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The PostgreSQL channel standing-changing commits notify.
const CHANNEL: &str = "modelgate_standing";

/// A shared, monotonically increasing count; cheap to clone. While the changes of other
/// replicas cannot be heard (a PostgreSQL listener not yet, or no longer, listening), it is
/// blind, and nothing may be reused on its account.
#[derive(Debug, Clone, Default)]
pub struct Generation(Arc<Counter>);

#[derive(Debug, Default)]
struct Counter {
    count: AtomicU64,
    blind: AtomicBool,
}

impl Generation {
    /// The current count, or `None` while blind.
    pub fn current(&self) -> Option<u64> {
        if self.0.blind.load(Ordering::SeqCst) {
            return None;
        }
        Some(self.0.count.load(Ordering::SeqCst))
    }

    pub fn bump(&self) {
        self.0.count.fetch_add(1, Ordering::SeqCst);
    }

    fn set_blind(&self, blind: bool) {
        self.0.blind.store(blind, Ordering::SeqCst);
    }
}

/// Queues the notification inside `tx`: PostgreSQL delivers it when (and only if) the
/// transaction commits.
pub(super) async fn notify_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

impl super::Db {
    /// This process's standing generation.
    pub fn standing_generation(&self) -> &Generation {
        &self.standing
    }

    /// On PostgreSQL, listens for the standing-changing commits of other replicas until the
    /// process ends, bumping this one's generation for each. Until the listener listens,
    /// and whenever its connection is lost (notifications may be missed), the generation is
    /// blind, so every blob request reads the standing afresh. Nothing to do on SQLite,
    /// whose other writers (the CLI) are covered by the cache's age bound alone.
    pub fn listen_for_standing_changes(&self, url: &str) -> Option<tokio::task::JoinHandle<()>> {
        if self.backend != super::Backend::Postgres {
            return None;
        }
        let (generation, url) = (self.standing.clone(), url.to_owned());
        generation.set_blind(true);
        Some(tokio::spawn(async move {
            loop {
                if let Err(e) = listen(&url, &generation).await {
                    tracing::warn!(error = %e, "listening for standing changes failed; retrying");
                }
                generation.set_blind(true);
                generation.bump();
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }))
    }
}

/// Listens until the connection is lost; the generation sees again once it listens.
async fn listen(url: &str, generation: &Generation) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    generation.bump();
    generation.set_blind(false);
    loop {
        let notified = listener.try_recv().await?;
        if notified.is_none() {
            // The connection was lost: blind until listening afresh.
            return Ok(());
        }
        generation.bump();
    }
}
