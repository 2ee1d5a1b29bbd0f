//! A file's partial download on disk: `<sha256>.part` written at the parts' offsets, and
//! `<sha256>.json` recording which parts are done (so an interrupted download resumes),
//! hashed in order as the parts arrive.

use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::domain::Sha256Digest;

/// The on-disk record of a file's parts, `<sha256>.json` beside `<sha256>.part`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct PartsRecord {
    pub(super) sha256: Sha256Digest,
    pub(super) size: u64,
    pub(super) part_size: u64,
    pub(super) done: Vec<bool>,
}

impl PartsRecord {
    pub(super) fn new(sha256: Sha256Digest, size: u64, part_size: u64) -> Self {
        let parts = size.div_ceil(part_size.max(1)) as usize;
        PartsRecord {
            sha256,
            size,
            part_size: part_size.max(1),
            done: vec![false; parts],
        }
    }

    /// First and last byte of part `i`.
    pub(super) fn range(&self, i: usize) -> (u64, u64) {
        let first = i as u64 * self.part_size;
        (first, (first + self.part_size).min(self.size) - 1)
    }

    pub(super) fn bytes_done(&self) -> u64 {
        (0..self.done.len())
            .filter(|&i| self.done[i])
            .map(|i| {
                let (first, last) = self.range(i);
                last - first + 1
            })
            .sum()
    }
}

/// Feeds bytes `first..=last` of `file` to `consume`, a megabyte at a time.
pub(super) fn read_range(
    file: &std::fs::File,
    first: u64,
    last: u64,
    mut consume: impl FnMut(&[u8]),
) -> std::io::Result<()> {
    let mut buffer = vec![0u8; 1 << 20];
    let mut offset = first;
    while offset <= last {
        let n = buffer.len().min((last + 1 - offset) as usize);
        file.read_exact_at(&mut buffer[..n], offset)?;
        consume(&buffer[..n]);
        offset += n as u64;
    }
    Ok(())
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Hashes the partial file part by part, in order, as parts are recorded done; returns the
/// digest of the whole file once the last part is in.
pub(super) async fn hash_in_order(
    partial: PathBuf,
    record: Arc<Mutex<PartsRecord>>,
    arrived: Arc<Notify>,
) -> anyhow::Result<Sha256Digest> {
    let file = Arc::new(
        std::fs::File::open(&partial)
            .with_context(|| format!("opening `{}`", partial.display()))?,
    );
    let mut hasher = Some(Sha256::new());
    let mut next = 0;
    loop {
        let (parts, ready) = {
            let record = lock(&record);
            let ready: Vec<(u64, u64)> = (next..record.done.len())
                .take_while(|&i| record.done[i])
                .map(|i| record.range(i))
                .collect();
            (record.done.len(), ready)
        };
        if !ready.is_empty() {
            next += ready.len();
            let (file, mut state) = (Arc::clone(&file), hasher.take().unwrap_or_default());
            hasher = Some(
                tokio::task::spawn_blocking(move || {
                    for (first, last) in ready {
                        read_range(&file, first, last, |bytes| state.update(bytes))?;
                    }
                    std::io::Result::Ok(state)
                })
                .await??,
            );
        }
        if next >= parts {
            let digest = hasher.take().unwrap_or_default().finalize();
            return Ok(Sha256Digest::from_bytes(digest.into()));
        }
        arrived.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_file_exactly() {
        let record = PartsRecord::new(Sha256Digest::of(b""), 10, 4);
        assert_eq!(record.done.len(), 3);
        assert_eq!(
            (0..3).map(|i| record.range(i)).collect::<Vec<_>>(),
            vec![(0, 3), (4, 7), (8, 9)]
        );
    }
}
