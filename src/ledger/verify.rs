//! Re-deriving the tree from entries, as every verifier of the log does (the stored log,
//! an export, the tiles of a URL or directory): entries in leaf order, each leaf hash
//! checked against the log's own where the verifier has it, and the root recomputed and
//! compared with a signed checkpoint's. Names the first missing, reordered or altered
//! entry, a log cut short of its checkpoint, or a root that differs.

use serde::Serialize;
use tlog_tiles::Hash;
use utoipa::ToSchema;

use super::tree::{complete, right_edge, Hashes};

/// The first thing wrong with a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum LogProblem {
    /// The checkpoint does not open under the log's key (or lacks a cosignature asked for).
    BadCheckpoint { reason: String },
    /// Entries `from..=to` (leaf indexes) are absent.
    Missing { from: u64, to: u64 },
    /// An entry appears out of order or twice (`index` after `after`).
    Reordered { index: u64, after: u64 },
    /// The entry's fields no longer give the leaf hash the log holds for it.
    Altered { index: u64 },
    /// The log ends before the signed checkpoint's size (entries deleted from the end).
    Truncated { size: u64, last: u64 },
    /// The entries give another root than the signed checkpoint's.
    RootMismatch { size: u64 },
    /// The log's own hashes do not add up to the signed root (a tile was altered).
    BadTile { tile: String },
    /// An event carried over from the hash chain of earlier releases fails that chain.
    LegacyChain { reason: String },
    /// The stored plaintext client IP is not the one the entry's keyed hash names.
    ClientIpMismatch { index: u64 },
}

impl std::fmt::Display for LogProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogProblem::BadCheckpoint { reason } => write!(f, "the checkpoint is not valid: {reason}"),
            LogProblem::Missing { from, to } => write!(f, "entries {from}..{to} are missing"),
            LogProblem::Reordered { index, after } => write!(
                f,
                "entry {index} appears after entry {after} (reordered or duplicated)"
            ),
            LogProblem::Altered { index } => write!(f, "entry {index} was altered"),
            LogProblem::Truncated { size, last } => write!(
                f,
                "the log ends at entry {last} but its signed checkpoint covers {size} entries"
            ),
            LogProblem::RootMismatch { size } => write!(
                f,
                "the entries do not give the root of the signed checkpoint of size {size} \
                 (an entry was altered, inserted or removed)"
            ),
            LogProblem::BadTile { tile } => write!(
                f,
                "tile `{tile}` does not add up to the signed checkpoint (the log's hashes were altered)"
            ),
            LogProblem::LegacyChain { reason } => {
                write!(f, "the hash chain of earlier releases fails: {reason}")
            }
            LogProblem::ClientIpMismatch { index } => {
                write!(f, "the client IP stored beside entry {index} was changed")
            }
        }
    }
}

/// Walks entries from leaf 0 up to a checkpoint's size, rebuilding the tree's right edge.
pub struct TreeWalker {
    size: u64,
    root: Hash,
    next: u64,
    edge: Hashes,
}

impl TreeWalker {
    /// A walk towards the checkpoint of `size` leaves with root `root`.
    pub fn new(size: u64, root: Hash) -> Self {
        TreeWalker {
            size,
            root,
            next: 0,
            edge: Hashes::new(),
        }
    }

    /// How many entries were checked so far.
    pub fn checked(&self) -> u64 {
        self.next
    }

    /// Whether the walk covered the whole checkpoint (entries after it are not checked).
    pub fn is_done(&self) -> bool {
        self.next >= self.size
    }

    /// Checks the entry at `index` with leaf hash `leaf`; `expected`, where the verifier
    /// has the log's own leaf hash for it, must be equal. Entries after the checkpoint's
    /// size are not checked (a newer checkpoint covers them).
    pub fn next(
        &mut self,
        index: u64,
        leaf: Hash,
        expected: Option<Hash>,
    ) -> Result<(), LogProblem> {
        if index >= self.size && index >= self.next {
            return Ok(());
        }
        if index < self.next {
            return Err(LogProblem::Reordered {
                index,
                after: self.next.saturating_sub(1),
            });
        }
        if index > self.next {
            return Err(LogProblem::Missing {
                from: self.next,
                to: index - 1,
            });
        }
        if expected.is_some_and(|e| e != leaf) {
            return Err(LogProblem::Altered { index });
        }
        complete(self.edge.append(index, &[leaf]))
            .map_err(|_| LogProblem::RootMismatch { size: self.size })?;
        self.next += 1;
        // Keep only what extending the tree needs.
        if self.next % 256 == 0 {
            let mut edge = Hashes::new();
            for (level, n) in right_edge(self.next) {
                if let Some(hash) = self.edge.get(level, n) {
                    edge.insert(level, n, hash);
                }
            }
            self.edge = edge;
        }
        Ok(())
    }

    /// The root of the entries walked so far (to check an earlier checkpoint on the way).
    pub fn root_so_far(&self) -> Option<Hash> {
        complete(self.edge.root(self.next)).ok()
    }

    /// Ends the walk: the entries must reach the checkpoint's size and give its root.
    /// Returns the number of entries checked.
    pub fn finish(self) -> Result<u64, LogProblem> {
        if self.next < self.size {
            return Err(LogProblem::Truncated {
                size: self.size,
                last: self.next.saturating_sub(1),
            });
        }
        let root = complete(self.edge.root(self.size))
            .map_err(|_| LogProblem::RootMismatch { size: self.size })?;
        if root != self.root {
            return Err(LogProblem::RootMismatch { size: self.size });
        }
        Ok(self.next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(i: u64) -> Hash {
        tlog_tiles::record_hash(format!("entry {i}").as_bytes())
    }

    fn root_of(n: u64) -> Hash {
        let leaves: Vec<Hash> = (0..n).map(leaf).collect();
        let mut tree = Hashes::new();
        complete(tree.append(0, &leaves)).expect("append");
        complete(tree.root(n)).expect("root")
    }

    fn walk(indexes: &[u64], leaves: impl Fn(u64) -> Hash, size: u64) -> Result<u64, LogProblem> {
        let mut walker = TreeWalker::new(size, root_of(size));
        for &i in indexes {
            walker.next(i, leaves(i), None)?;
        }
        walker.finish()
    }

    #[test]
    fn a_whole_log_verifies_and_each_kind_of_damage_is_named() {
        let all: Vec<u64> = (0..600).collect();
        assert_eq!(walk(&all, leaf, 600), Ok(600));
        let mut gap = all.clone();
        gap.remove(300);
        assert_eq!(
            walk(&gap, leaf, 600),
            Err(LogProblem::Missing { from: 300, to: 300 })
        );
        let mut twice = all.clone();
        twice.insert(10, 9);
        assert_eq!(
            walk(&twice, leaf, 600),
            Err(LogProblem::Reordered { index: 9, after: 9 })
        );
        assert_eq!(
            walk(&all[..599], leaf, 600),
            Err(LogProblem::Truncated {
                size: 600,
                last: 598
            })
        );
        let altered = |i| if i == 42 { leaf(9999) } else { leaf(i) };
        assert_eq!(
            walk(&all, altered, 600),
            Err(LogProblem::RootMismatch { size: 600 })
        );
        let mut walker = TreeWalker::new(600, root_of(600));
        for i in 0..42 {
            walker.next(i, leaf(i), Some(leaf(i))).expect("intact");
        }
        assert_eq!(
            walker.next(42, leaf(9999), Some(leaf(42))),
            Err(LogProblem::Altered { index: 42 })
        );
    }
}
