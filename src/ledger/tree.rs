//! The log's Merkle tree (RFC 6962) as the `tlog_tiles` crate computes it, over hashes
//! addressed by `(level, n)`: the hashes a batch of new leaves adds, the root, and
//! inclusion and consistency proofs. `Hashes` holds whatever part of the tree a caller
//! loaded (all of it for an offline verifier, the right edge for the sequencer) and names
//! what it lacks, so a caller backed by a database loads exactly that and asks again.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use tlog_tiles::{split_stored_hash_index, stored_hash_index, Hash, HashReader};

/// Tree hashes by `(level, n)`: hash `n` of level `level` covers leaves
/// `n * 2^level .. (n + 1) * 2^level`.
#[derive(Debug, Default, Clone)]
pub struct Hashes {
    known: HashMap<(u8, u64), Hash>,
    /// What the last computation asked for and did not find.
    missing: RefCell<BTreeSet<(u8, u64)>>,
}

/// A hash of the tree at its coordinates: `(level, n, hash)`.
pub type PlacedHash = (u8, u64, Hash);

/// The result of a computation over `Hashes`: done, or the hashes it needs first.
#[derive(Debug, PartialEq)]
pub enum Needs<T> {
    Done(T),
    Hashes(Vec<(u8, u64)>),
}

impl HashReader for Hashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        let mut found = Vec::with_capacity(indexes.len());
        let mut missing = self.missing.borrow_mut();
        for index in indexes {
            let at = split_stored_hash_index(*index);
            match self.known.get(&at) {
                Some(hash) => found.push(*hash),
                None => {
                    missing.insert(at);
                }
            }
        }
        if missing.is_empty() {
            Ok(found)
        } else {
            Err(tlog_tiles::Error::IndexesNotInTree)
        }
    }
}

impl Hashes {
    pub fn new() -> Self {
        Hashes::default()
    }

    pub fn insert(&mut self, level: u8, n: u64, hash: Hash) {
        self.known.insert((level, n), hash);
    }

    pub fn get(&self, level: u8, n: u64) -> Option<Hash> {
        self.known.get(&(level, n)).copied()
    }

    /// Runs `compute`; when it failed for want of hashes, names them instead.
    fn attempt<T>(
        &self,
        compute: impl FnOnce(&Self) -> Result<T, tlog_tiles::Error>,
    ) -> Result<Needs<T>, tlog_tiles::Error> {
        self.missing.borrow_mut().clear();
        match compute(self) {
            Ok(value) => Ok(Needs::Done(value)),
            Err(e) => {
                let missing: Vec<_> = std::mem::take(&mut *self.missing.borrow_mut())
                    .into_iter()
                    .collect();
                if missing.is_empty() {
                    Err(e)
                } else {
                    Ok(Needs::Hashes(missing))
                }
            }
        }
    }

    /// Appends `leaves` (leaf hashes) to a tree of `size` leaves, keeping every new hash;
    /// returns the new hashes as `(level, n, hash)`, or the right-edge hashes it needs.
    pub fn append(
        &mut self,
        size: u64,
        leaves: &[Hash],
    ) -> Result<Needs<Vec<PlacedHash>>, tlog_tiles::Error> {
        let mut added = Vec::new();
        for (offset, leaf) in leaves.iter().enumerate() {
            let n = size + offset as u64;
            let hashes =
                match self.attempt(|r| tlog_tiles::stored_hashes_for_record_hash(n, *leaf, r))? {
                    Needs::Done(hashes) => hashes,
                    Needs::Hashes(missing) => return Ok(Needs::Hashes(missing)),
                };
            let first = stored_hash_index(0, n);
            for (i, hash) in hashes.into_iter().enumerate() {
                let (level, at) = split_stored_hash_index(first + i as u64);
                self.known.insert((level, at), hash);
                added.push((level, at, hash));
            }
        }
        Ok(Needs::Done(added))
    }

    /// The root of the tree of `size` leaves.
    pub fn root(&self, size: u64) -> Result<Needs<Hash>, tlog_tiles::Error> {
        self.attempt(|r| tlog_tiles::tree_hash(size, r))
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves.
    pub fn inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<Needs<Vec<Hash>>, tlog_tiles::Error> {
        self.attempt(|r| tlog_tiles::prove_record(size, index, r))
    }

    /// The consistency proof from the tree of `old_size` leaves to that of `new_size`.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<Needs<Vec<Hash>>, tlog_tiles::Error> {
        if old_size == 0 || old_size == new_size {
            return Ok(Needs::Done(Vec::new()));
        }
        self.attempt(|r| tlog_tiles::prove_tree(new_size, old_size, r))
    }
}

/// The hashes on the right edge of a tree of `size` leaves (one per set bit of `size`):
/// all that appending to it and computing its root read.
pub fn right_edge(size: u64) -> Vec<(u8, u64)> {
    (0..64u8)
        .filter(|level| (size >> level) & 1 == 1)
        .map(|level| (level, (size >> level) - 1))
        .collect()
}

/// Unwraps a computation over a `Hashes` that holds the whole tree.
pub fn complete<T>(result: Result<Needs<T>, tlog_tiles::Error>) -> Result<T, tlog_tiles::Error> {
    match result? {
        Needs::Done(value) => Ok(value),
        Needs::Hashes(_) => Err(tlog_tiles::Error::IndexesNotInTree),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::proof::is_consistent;

    fn leaf(i: u64) -> Hash {
        tlog_tiles::record_hash(format!("entry {i}").as_bytes())
    }

    /// The root of `leaves` by RFC 6962's recursive definition, written out here.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => tlog_tiles::EMPTY_HASH,
            1 => leaves[0],
            n => {
                // The largest power of two smaller than n.
                let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
                tlog_tiles::node_hash(reference_root(&leaves[..k]), reference_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn batches_give_the_rfc_6962_root_and_proofs_that_check() {
        let leaves: Vec<Hash> = (0..300).map(leaf).collect();
        let mut whole = Hashes::new();
        let mut size = 0u64;
        for batch in [1usize, 2, 5, 100, 192] {
            let new = &leaves[size as usize..size as usize + batch];
            complete(whole.append(size, new)).expect("append");
            size += batch as u64;
            let root = complete(whole.root(size)).expect("root");
            assert_eq!(
                root,
                reference_root(&leaves[..size as usize]),
                "size {size}"
            );
        }
        let root = complete(whole.root(300)).expect("root");
        for index in [0, 1, 255, 256, 299] {
            let proof = complete(whole.inclusion_proof(index, 300)).expect("proof");
            tlog_tiles::check_record(&proof, 300, root, index, leaves[index as usize])
                .expect("included");
            assert!(
                tlog_tiles::check_record(&proof, 300, root, index, leaf(1000)).is_err(),
                "another entry is not at {index}"
            );
        }
        for old in [1, 3, 8, 200, 300] {
            let old_root = complete(whole.root(old)).expect("old root");
            let proof = complete(whole.consistency_proof(old, 300)).expect("consistency");
            assert!(is_consistent(&proof, old, old_root, 300, root), "{old}");
            assert!(!is_consistent(&proof, old, leaf(7), 300, root), "{old}");
        }
    }

    #[test]
    fn the_right_edge_is_enough_to_append_and_what_is_missing_is_named() {
        let leaves: Vec<Hash> = (0..77).map(leaf).collect();
        let mut whole = Hashes::new();
        complete(whole.append(0, &leaves[..70])).expect("append");
        let mut edge = Hashes::new();
        let needed = match edge.append(70, &leaves[70..]).expect("attempt") {
            Needs::Hashes(needed) => needed,
            Needs::Done(_) => panic!("an empty store cannot extend a tree"),
        };
        assert!(needed.iter().all(|at| right_edge(70).contains(at)));
        for (level, n) in right_edge(70) {
            edge.insert(level, n, whole.get(level, n).expect("known"));
        }
        complete(edge.append(70, &leaves[70..])).expect("append on the edge");
        complete(whole.append(70, &leaves[70..])).expect("append");
        assert_eq!(
            complete(edge.root(77)).expect("root"),
            complete(whole.root(77)).expect("root")
        );
    }
}
