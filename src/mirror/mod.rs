//! Partner mirrors (DESIGN §6). Upstream: partners (`partners`) and the signed snapshot of
//! what each may mirror (`snapshot`). Mirror side: `sync` fetches and publishes a snapshot
//! atomically, the served policy comes from it (`serving`), and `outbox` ships the mirror's
//! audit events upstream, where `outbox::receive` records them tagged with the partner.

pub mod outbox;
pub mod partners;
pub mod serving;
pub mod snapshot;
pub mod sync;
pub mod witness;

use std::path::{Path, PathBuf};

use crate::store::signing::PublicKey;

/// Where a mirror pins its upstream's publisher key (trust on first sync).
pub fn upstream_key_path(key_dir: &Path) -> PathBuf {
    key_dir.join("upstream-publisher.pub.pem")
}

/// The pinned upstream publisher key, if a sync pinned one.
pub fn pinned_upstream_key(key_dir: &Path) -> anyhow::Result<Option<PublicKey>> {
    let path = upstream_key_path(key_dir);
    match std::fs::read_to_string(&path) {
        Ok(pem) => Ok(Some(PublicKey::from_pem(&pem).map_err(|e| {
            anyhow::anyhow!(
                "the pinned upstream key `{}` is unreadable: {e}",
                path.display()
            )
        })?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("reading `{}`: {e}", path.display())),
    }
}
