//! Grant tokens: their claims, and the verified-grant cache of the blob hot path. For each
//! grant token seen, the cache keeps its verified claims and its holder's standing
//! (`db::grants::standing`), reused while both still hold. An entry is used only while the
//! database's standing generation (`db::standing`) is the one read before its standing
//! was, so a commit in this process that may change a standing (a revocation, a
//! termination, a new declaration, acceptance or review) takes effect for the very next
//! request; on PostgreSQL the other replicas' commits arrive as notifications, and while a
//! replica cannot hear them nothing is reused. What no notification reaches (another
//! process writing the same SQLite file, such as the CLI; a change made in SQL by hand) is
//! bounded by `grants.standing_cache_ms`, the most an entry is ever reused. Every other
//! check of a blob request (expiry, the blob in the revision, the model still distributed,
//! the location of a location-bound grant) still runs on each request.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::db::grants::GrantStanding;
use crate::domain::Sha256Digest;

/// The claims of a grant token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GrantClaims {
    pub iss: String,
    pub aud: String,
    /// The user the grant was issued to.
    pub sub: String,
    /// The grant id (its database row).
    pub jti: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub model: String,
    /// The revision digest, `sha256:<hex>`; only its files are covered.
    pub rev: String,
    /// The licensee: `individual:US`, `organisation:DE`, `partner:NO`.
    pub lic: String,
}

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

/// The most tokens kept at once.
const MAX_TOKENS: usize = 100_000;

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

    /// The entry for `token` if it was read at `generation` (the current one; `None`,
    /// blind, finds nothing) and is younger than the age bound.
    pub fn fresh(&self, token: &str, generation: Option<u64>) -> Option<Arc<VerifiedGrant>> {
        let generation = generation?;
        let entry = self.entries.read().ok()?.get(token).cloned()?;
        (entry.generation == generation && entry.read_at.elapsed() < self.max_age).then_some(entry)
    }

    /// Keeps what was read for `token` (unless the generation was blind). `generation`
    /// and `read_at` must have been taken before the standing was read, so a change
    /// committed in between leaves the entry stale at once, and its age counts from
    /// before the read.
    pub fn keep(
        &self,
        token: &str,
        (generation, read_at): (Option<u64>, Instant),
        claims: GrantClaims,
        revision: Sha256Digest,
        standing: Option<GrantStanding>,
    ) -> Arc<VerifiedGrant> {
        let entry = Arc::new(VerifiedGrant {
            claims,
            revision,
            standing,
            generation: generation.unwrap_or(u64::MAX),
            read_at,
        });
        if generation.is_some() && !self.max_age.is_zero() {
            if let Ok(mut entries) = self.entries.write() {
                // A crude bound that keeps memory fixed: a miss costs one database read.
                if entries.len() >= MAX_TOKENS {
                    entries.clear();
                }
                entries.insert(token.to_owned(), Arc::clone(&entry));
            }
        }
        entry
    }
}
