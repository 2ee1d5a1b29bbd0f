//! The standing generation: a counter of the commits that may have changed a grant
//! holder's standing, which the verified-grant cache (`access::grant_cache`) compares
//! against. This process bumps it after each such commit; on PostgreSQL those commits also
//! notify the channel `modelgate_standing`, and `listen` bumps it here when another replica
//! (or the CLI) committed one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The PostgreSQL channel standing-changing commits notify.
const CHANNEL: &str = "modelgate_standing";

/// A shared, monotonically increasing count; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Generation(Arc<AtomicU64>);

impl Generation {
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
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

    /// On PostgreSQL, listens for the standing-changing commits of other replicas and
    /// processes until the process ends, bumping this one's generation for each. A lost
    /// connection (notifications may have been missed) bumps it too, and so does every
    /// retry while the database cannot be reached, so the cache never outlives a gap.
    /// Nothing to do on SQLite, whose other writers (the CLI) are covered by the cache's
    /// age bound alone.
    pub fn listen_for_standing_changes(&self, url: &str) -> Option<tokio::task::JoinHandle<()>> {
        if self.backend != super::Backend::Postgres {
            return None;
        }
        let (generation, url) = (self.standing.clone(), url.to_owned());
        Some(tokio::spawn(async move {
            loop {
                match listen(&url, &generation).await {
                    Ok(()) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "listening for standing changes failed; retrying")
                    }
                }
                generation.bump();
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }))
    }
}

async fn listen(url: &str, generation: &Generation) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    // Whatever was committed before the listener started is not known to this cache.
    generation.bump();
    loop {
        let notified = listener.try_recv().await?;
        generation.bump();
        if notified.is_none() {
            // The connection was lost: listen afresh, and bump once listening again, so
            // nothing committed in the gap is missed.
            return Ok(());
        }
    }
}
