//! A mirror's serving side: its policy bundle is the one in the newest accepted snapshot
//! (a local bundle cannot weaken it), checked against the pinned upstream key at start and
//! swapped in without a restart when a sync publishes a newer snapshot; the catalog cache is
//! dropped then too, so withdrawn models stop being served.

use std::time::Duration;

use anyhow::Context;

use super::snapshot;
use crate::db::{mirror as store, Db};
use crate::policy::PolicyBundle;
use crate::state::AppState;
use crate::store::signing::PublicKey;

/// The policy bundle of the newest accepted snapshot and its version; `None` before the
/// first sync.
pub async fn snapshot_policy(
    db: &Db,
    key: &PublicKey,
) -> anyhow::Result<Option<(i64, PolicyBundle)>> {
    let Some(row) = store::latest_snapshot(db).await? else {
        return Ok(None);
    };
    let snapshot = snapshot::open(row.envelope.as_bytes(), key)
        .with_context(|| format!("the accepted snapshot version {}", row.version))?;
    let bundle = PolicyBundle::from_sources(&snapshot.policy)
        .map_err(|e| anyhow::anyhow!("the snapshot's policy bundle is invalid: {e}"))?;
    Ok(Some((row.version, bundle)))
}

/// Swaps in the policy of each newer snapshot a sync publishes, checking every few seconds
/// (the first check reloads the newest, covering a sync that landed during start-up).
pub async fn follow_snapshots(state: AppState) {
    let mut version = 0;
    let every = Duration::from_millis(state.settings.mirror.ship_interval_ms.max(100));
    loop {
        tokio::time::sleep(every).await;
        let newest = match store::latest_snapshot(&state.db).await {
            Ok(Some(row)) if row.version > version => row.version,
            Ok(_) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "reading the accepted snapshots failed");
                continue;
            }
        };
        match snapshot_policy(&state.db, &state.publisher).await {
            Ok(Some((accepted, bundle))) => {
                tracing::info!(snapshot.version = accepted, policy.digest = %bundle.digest(), "serving a newer upstream snapshot");
                state.policy.replace(bundle);
                state.catalog.clear();
                version = accepted.max(newest);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "the newest snapshot cannot be served")
            }
        }
    }
}
