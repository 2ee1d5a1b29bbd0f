//! The verified-grant cache of the blob hot path: for each grant token seen, its verified
//! claims and its holder's standing (`db::grants::standing`), reused while both still hold.
//! An entry is used only while the database's standing generation (`db::standing`) is the
//! one read before its standing was, so a commit in this process that may change a
//! standing (a revocation, a termination, a new declaration, acceptance or review) takes
//! effect for the very next request; on PostgreSQL the other replicas' commits arrive as
//! notifications. What no notification reaches (another process writing the same SQLite
//! file, such as the CLI; a replica whose listener is reconnecting) is bounded by
//! `grants.standing_cache_ms`, the most an entry is ever reused. Every other check of a
//! blob request (expiry, the blob in the revision, the model still distributed, the
//! location of a location-bound grant) still runs on each request.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::grant::GrantClaims;
use crate::db::grants::GrantStanding;
use crate::domain::Sha256Digest;

/// A verified grant token and its holder's standing as read at `generation`.
#[derive(Debug)]
pub struct VerifiedGrant {
    pub claims: GrantClaims,
    pub revision: Sha256Digest,
    /// `None`: no grant row has the token's id.
    pub standing: Option<GrantStanding>,
    generation: u64,
    read_at: Instant,
}

/// Verified grants by token; bounded in size and in age.
#[derive(Debug)]
pub struct GrantCache {
    entries: RwLock<HashMap<String, Arc<VerifiedGrant>>>,
    max_age: Duration,
}

impl GrantCache {
    /// A cache whose entries live at most `max_age` (zero: nothing is cached).
    pub fn new(max_age: Duration) -> Self {
        GrantCache {
            entries: RwLock::default(),
            max_age,
        }
    }

    /// The entry for `token` if it was read at `generation` (the current one) and is
    /// younger than the age bound.
    pub fn fresh(&self, token: &str, generation: u64) -> Option<Arc<VerifiedGrant>> {
        let entry = self.entries.read().ok()?.get(token).cloned()?;
        (entry.generation == generation && entry.read_at.elapsed() < self.max_age).then_some(entry)
    }

    /// Keeps what was read for `token`; `generation` must have been read before the
    /// standing was, so a change committed in between leaves the entry stale at once.
    pub fn keep(
        &self,
        token: &str,
        generation: u64,
        claims: GrantClaims,
        revision: Sha256Digest,
        standing: Option<GrantStanding>,
    ) -> Arc<VerifiedGrant> {
        let entry = Arc::new(VerifiedGrant {
            claims,
            revision,
            standing,
            generation,
            read_at: Instant::now(),
        });
        if !self.max_age.is_zero() {
            crate::catalog::insert_bounded(&self.entries, token.to_owned(), Arc::clone(&entry));
        }
        entry
    }
}
