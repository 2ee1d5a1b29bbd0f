//! A mirror's serving side: its policy bundle is the one in the newest accepted snapshot
//! (a local bundle cannot weaken it), checked against the pinned upstream key at start and
//! swapped in without a restart when a sync publishes a newer snapshot; the catalog cache is
//! dropped then too, so withdrawn models stop being served. When the snapshot in force
//! expires (upstream unreachable or refusing this partner for that long), the mirror
//! withdraws every model until a sync succeeds.

use std::time::Duration;

use anyhow::Context;

use super::snapshot;
use crate::db::{catalog, mirror as store, now_ms, Db};
use crate::policy::PolicyBundle;
use crate::state::AppState;
use crate::store::signing::PublicKey;

/// What the mirror serves from its newest accepted snapshot.
pub struct ServedSnapshot {
    pub version: i64,
    pub expires_at: i64,
    pub bundle: PolicyBundle,
}

/// The newest accepted snapshot's policy bundle, version and expiry; `None` before the
/// first sync.
pub async fn newest_snapshot(db: &Db, key: &PublicKey) -> anyhow::Result<Option<ServedSnapshot>> {
    let Some(row) = store::latest_snapshot(db).await? else {
        return Ok(None);
    };
    let snapshot = snapshot::open(row.envelope.as_bytes(), key)
        .with_context(|| format!("the accepted snapshot version {}", row.version))?;
    // Accepted before the check existed, perhaps: never served if it offers what its own
    // policy withholds from this partner.
    snapshot::check_entitled(&snapshot)
        .with_context(|| format!("the accepted snapshot version {}", row.version))?;
    let bundle = PolicyBundle::from_sources(&snapshot.policy)
        .map_err(|e| anyhow::anyhow!("the snapshot's policy bundle is invalid: {e}"))?;
    Ok(Some(ServedSnapshot {
        version: row.version,
        expires_at: snapshot.expires_at,
        bundle,
    }))
}

/// Follows the accepted snapshots, checking every `mirror.ship_interval_ms` (the first
/// check loads the newest, covering a sync that landed during start-up).
pub async fn follow_snapshots(state: AppState) {
    let every = Duration::from_millis(state.settings.mirror.ship_interval_ms.max(100));
    let mut version = 0;
    let mut expires_at = i64::MAX;
    let mut withdrawn = false;
    loop {
        tokio::time::sleep(every).await;
        match store::latest_snapshot(&state.db).await {
            Ok(Some(row)) if row.version > version => {
                state.catalog.clear();
                version = row.version;
                match newest_snapshot(&state.db, &state.publisher).await {
                    Ok(Some(served)) => {
                        tracing::info!(snapshot.version = served.version, policy.digest = %served.bundle.digest(),
                                       "serving the newest upstream snapshot");
                        state.policy.replace(served.bundle);
                        (version, expires_at, withdrawn) =
                            (served.version, served.expires_at, false);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::error!(error = %format!("{e:#}"), "the newest snapshot cannot be served")
                    }
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reading the accepted snapshots failed"),
        }
        if !withdrawn && now_ms() >= expires_at {
            match withdraw_all(&state).await {
                Ok(()) => {
                    withdrawn = true;
                    tracing::error!(snapshot.version = version,
                        "the snapshot in force expired (no successful sync since): every model is withdrawn until `modelgate mirror sync` succeeds");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "withdrawing the models of an expired snapshot failed")
                }
            }
        }
    }
}

async fn withdraw_all(state: &AppState) -> Result<(), sqlx::Error> {
    let mut tx = state.db.begin_write().await?;
    catalog::withdraw_all_but(&mut tx, &[]).await?;
    tx.commit().await?;
    state.catalog.clear();
    Ok(())
}
