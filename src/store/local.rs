//! The blob store's local-filesystem backend: every file is kept once, under
//! `sha256/<first two hex>/<hex>`, and becomes visible only after its bytes were hashed,
//! fsynced and atomically renamed into place.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use crate::domain::Sha256Digest;
use crate::store::blobs::{BlobError, StoredBlob, COPY_BUFFER_BYTES};

/// Temp files older than this are leftovers of a killed writer and are removed on open.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> BlobError + '_ {
    move |source| BlobError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A content-addressed directory of blobs.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
}

impl LocalBlobs {
    /// Opens (creating when needed) the store at `root` and removes stale temp files.
    pub fn open(root: &Path) -> Result<LocalBlobs, BlobError> {
        let store = LocalBlobs {
            root: root.to_path_buf(),
        };
        fs::create_dir_all(store.temp_dir()).map_err(io_at(&store.temp_dir()))?;
        fs::create_dir_all(root.join("sha256")).map_err(io_at(root))?;
        store.remove_stale_temp_files();
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where unfinished writes live: on the store's file system, so a rename places them.
    pub fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Where the blob with this digest lives (whether or not it exists).
    pub fn path_of(&self, digest: &Sha256Digest) -> PathBuf {
        let hex = digest.hex();
        self.root.join("sha256").join(&hex[..2]).join(hex)
    }

    /// Whether the store's directory can be read; `/readyz` uses this.
    pub fn is_reachable(&self) -> bool {
        fs::metadata(self.root.join("sha256"))
            .map(|m| m.is_dir())
            .unwrap_or(false)
    }

    /// Opens a stored blob for reading, with its size.
    pub fn open_blob(&self, digest: &Sha256Digest) -> Result<(File, u64), BlobError> {
        let path = self.path_of(digest);
        match File::open(&path).and_then(|file| file.metadata().map(|m| (file, m.len()))) {
            Ok(opened) => Ok(opened),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(BlobError::NotFound(*digest)),
            Err(e) => Err(io_at(&path)(e)),
        }
    }

    /// Streams `reader` into the store once, hashing while writing. When `expected` is
    /// given and differs from the content's digest, nothing becomes visible. Blocking.
    pub fn put(
        &self,
        mut reader: impl Read,
        expected: Option<&Sha256Digest>,
    ) -> Result<StoredBlob, BlobError> {
        let temp_path = self
            .temp_dir()
            .join(format!("{}.partial", crate::random::random_hex(12)));
        let guard = TempFile(temp_path.clone());
        let mut file = File::create(&temp_path).map_err(io_at(&temp_path))?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; COPY_BUFFER_BYTES];
        let mut size = 0u64;
        loop {
            let n = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_at(&temp_path)(e)),
            };
            hasher.update(&buffer[..n]);
            file.write_all(&buffer[..n]).map_err(io_at(&temp_path))?;
            size += n as u64;
        }
        let digest = Sha256Digest::from_bytes(hasher.finalize().into());
        if let Some(expected) = expected {
            if *expected != digest {
                return Err(BlobError::DigestMismatch {
                    expected: *expected,
                    actual: digest,
                });
            }
        }
        if self.path_of(&digest).is_file() {
            return Ok(StoredBlob {
                digest,
                size,
                newly_written: false,
            });
        }
        file.sync_all().map_err(io_at(&temp_path))?;
        drop(file);
        self.place(&temp_path, &digest)?;
        std::mem::forget(guard);
        Ok(StoredBlob {
            digest,
            size,
            newly_written: true,
        })
    }

    /// Renames a complete, fsynced file whose content is `digest` into place, durably.
    pub fn place(&self, file: &Path, digest: &Sha256Digest) -> Result<(), BlobError> {
        let final_path = self.path_of(digest);
        let parent = final_path.parent().unwrap_or(&self.root);
        if !parent.is_dir() {
            fs::create_dir_all(parent).map_err(io_at(parent))?;
            // The new shard directory must survive a crash as much as the blob in it.
            let shards = parent.parent().unwrap_or(&self.root);
            sync_dir(shards).map_err(io_at(shards))?;
        }
        fs::rename(file, &final_path).map_err(io_at(&final_path))?;
        sync_dir(parent).map_err(io_at(parent))
    }

    fn remove_stale_temp_files(&self) {
        let Ok(entries) = fs::read_dir(self.temp_dir()) else {
            return;
        };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .map(|t| now.duration_since(t).unwrap_or_default() > STALE_TEMP_AGE)
                .unwrap_or(false);
            if old && entry.path().is_file() {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Removes a temp file unless it was renamed into place (also when the future writing it
/// is dropped half-way).
pub(crate) struct TempFile(pub(crate) PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Makes a rename in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_content_addressed_and_idempotent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalBlobs::open(dir.path()).expect("open");
        let first = store.put(&b"hello weights"[..], None).expect("put");
        assert!(first.newly_written);
        assert_eq!(first.digest, Sha256Digest::of(b"hello weights"));
        assert_eq!(
            fs::read(store.path_of(&first.digest)).expect("read"),
            b"hello weights"
        );
        let second = store.put(&b"hello weights"[..], None).expect("put again");
        assert!(!second.newly_written);
        assert_eq!(
            fs::read_dir(store.temp_dir()).expect("tmp").count(),
            0,
            "no temp file left"
        );
    }

    #[test]
    fn mismatching_expected_digest_leaves_nothing_visible() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalBlobs::open(dir.path()).expect("open");
        let wrong = Sha256Digest::of(b"other");
        let err = store
            .put(&b"content"[..], Some(&wrong))
            .expect_err("must fail");
        assert!(matches!(err, BlobError::DigestMismatch { .. }));
        assert!(!store.path_of(&Sha256Digest::of(b"content")).exists());
        assert_eq!(fs::read_dir(store.temp_dir()).expect("tmp").count(), 0);
    }
}
