//! The content-addressed blob store, one interface over its backends: a local directory
//! (the embedded default, `store::local`) or an S3-compatible bucket (`store::object`).
//! Every blob is kept once under its SHA-256 and becomes visible only whole and verified.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use crate::config::{BlobBackend, StorageSettings};
use crate::domain::Sha256Digest;
use crate::store::http::BlobBody;
use crate::store::local::LocalBlobs;
use crate::store::object::ObjectBlobs;

/// Size of the buffer used to copy and hash; large reads keep syscalls off the profile.
pub const COPY_BUFFER_BYTES: usize = 1 << 20;

/// What the store did with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredBlob {
    pub digest: Sha256Digest,
    pub size: u64,
    /// False when a blob with this digest was already present and the copy was discarded.
    pub newly_written: bool,
}

/// Errors of the blob store.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob {0} is not in the store")]
    NotFound(Sha256Digest),
    #[error("blob store i/o error at `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the object store failed to {operation}")]
    Backend {
        operation: &'static str,
        #[source]
        source: object_store::Error,
    },
    #[error("content digest {actual:?} does not match the expected {expected:?}")]
    DigestMismatch {
        expected: Sha256Digest,
        actual: Sha256Digest,
    },
    #[error("blob store task failed: {0}")]
    Task(String),
}

impl BlobError {
    /// Whether the store itself failed (as opposed to the blob being absent or wrong).
    pub fn is_store_failure(&self) -> bool {
        matches!(
            self,
            BlobError::Io { .. } | BlobError::Backend { .. } | BlobError::Task(_)
        )
    }
}

#[derive(Debug, Clone)]
enum Backend {
    Local(LocalBlobs),
    Object(Arc<ObjectBlobs>),
}

/// The gateway's blob store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BlobStore {
    backend: Backend,
    /// A local directory for work that ends in the store (a mirror's resumable fetches).
    staging_root: PathBuf,
    /// Whether grant-checked downloads are answered with a redirect to a presigned URL.
    redirect_downloads: bool,
}

/// Counts a failed store operation in the metrics and passes the result on.
fn counted<T>(operation: &'static str, result: Result<T, BlobError>) -> Result<T, BlobError> {
    if result.as_ref().is_err_and(BlobError::is_store_failure) {
        crate::metrics::global().record_store_error(operation);
    }
    result
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| BlobError::Task(e.to_string()))?
}

impl BlobStore {
    /// Opens the configured backend (creating the local directories when needed).
    pub fn open(settings: &StorageSettings) -> Result<BlobStore, BlobError> {
        Ok(match settings.backend {
            BlobBackend::Local => {
                let local = LocalBlobs::open(&settings.blob_dir())?;
                BlobStore {
                    staging_root: local.temp_dir(),
                    backend: Backend::Local(local),
                    redirect_downloads: false,
                }
            }
            BlobBackend::S3 => {
                let staging_root = settings.data_dir.join("staging");
                std::fs::create_dir_all(&staging_root).map_err(|source| BlobError::Io {
                    path: staging_root.clone(),
                    source,
                })?;
                BlobStore {
                    backend: Backend::Object(Arc::new(ObjectBlobs::open(&settings.s3)?)),
                    staging_root,
                    redirect_downloads: settings.s3.redirect_downloads,
                }
            }
        })
    }

    /// Where the blobs are, for logs and `config show`.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Local(local) => format!("local directory `{}`", local.root().display()),
            Backend::Object(object) => object.describe().to_owned(),
        }
    }

    /// A local directory for fetches that end in the store (a mirror's sync keeps its
    /// resumable parts there); on the local backend it shares the store's file system.
    pub fn staging_dir(&self, name: &str) -> PathBuf {
        self.staging_root.join(name)
    }

    /// Whether the store can be reached; `/readyz` uses this.
    pub async fn is_reachable(&self) -> bool {
        match &self.backend {
            Backend::Local(local) => local.is_reachable(),
            Backend::Object(object) => object.is_reachable().await,
        }
    }

    pub async fn contains(&self, digest: &Sha256Digest) -> Result<bool, BlobError> {
        match &self.backend {
            Backend::Local(local) => Ok(local.path_of(digest).is_file()),
            Backend::Object(object) => {
                counted("head", object.size_of(digest).await).map(|size| size.is_some())
            }
        }
    }

    /// Copies the file at `path` into the store once, hashing while writing. When
    /// `expected` is given and differs from the content's digest, nothing becomes visible.
    pub async fn put_file(
        &self,
        path: &Path,
        expected: Option<Sha256Digest>,
        progress: &ProgressBar,
    ) -> Result<StoredBlob, BlobError> {
        let stored = match &self.backend {
            Backend::Local(local) => {
                let (local, path, progress) = (local.clone(), path.to_path_buf(), progress.clone());
                blocking(move || {
                    let file = File::open(&path).map_err(|source| BlobError::Io {
                        path: path.clone(),
                        source,
                    })?;
                    local.put(progress.wrap_read(file), expected.as_ref())
                })
                .await
            }
            Backend::Object(object) => {
                // The key is the digest, so it is known before the upload starts: hash
                // first when the caller does not know it, then hash again while sending.
                let digest = match expected {
                    Some(digest) => digest,
                    None => {
                        let path = path.to_path_buf();
                        blocking(move || {
                            File::open(&path)
                                .and_then(hash_reader)
                                .map(|(digest, _)| digest)
                                .map_err(|source| BlobError::Io { path, source })
                        })
                        .await?
                    }
                };
                object.put_file(path, &digest, progress).await
            }
        };
        counted("write", stored)
    }

    /// Takes in a complete file already verified to hash to `digest`: renamed into place
    /// on the local backend, uploaded (and checked again) then removed on S3.
    pub async fn adopt(&self, file: &Path, digest: &Sha256Digest) -> Result<(), BlobError> {
        let adopted = match &self.backend {
            Backend::Local(local) => {
                let (local, file, digest) = (local.clone(), file.to_path_buf(), *digest);
                blocking(move || {
                    File::open(&file)
                        .and_then(|f| f.sync_all())
                        .map_err(|source| BlobError::Io {
                            path: file.clone(),
                            source,
                        })?;
                    local.place(&file, &digest)
                })
                .await
            }
            Backend::Object(object) => {
                let uploaded = object.put_file(file, digest, &ProgressBar::hidden()).await;
                if uploaded.is_ok() {
                    let _ = tokio::fs::remove_file(file).await;
                }
                uploaded.map(|_| ())
            }
        };
        counted("write", adopted)
    }

    /// Opens a stored blob for serving.
    pub async fn open_blob(&self, digest: &Sha256Digest) -> Result<OpenBlob, BlobError> {
        let opened = match &self.backend {
            // An open and a stat: cheaper inline than a hop to the blocking pool.
            Backend::Local(local) => local.open_blob(digest).map(|(file, size)| OpenBlob {
                size,
                source: Source::File(file),
            }),
            Backend::Object(object) => match object.size_of(digest).await {
                Ok(Some(size)) => Ok(OpenBlob {
                    size,
                    source: Source::Object(Arc::clone(object), *digest),
                }),
                Ok(None) => Err(BlobError::NotFound(*digest)),
                Err(e) => Err(e),
            },
        };
        counted("read", opened)
    }

    /// A small blob's bytes, read whole (a model card); `None` when it is larger than
    /// `limit` bytes.
    pub async fn read_small(
        &self,
        digest: &Sha256Digest,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, BlobError> {
        use futures_util::StreamExt;
        let blob = self.open_blob(digest).await?;
        if blob.size > limit {
            return Ok(None);
        }
        let size = blob.size;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        match blob.body(0, size).await? {
            BlobBody::Whole(whole) => bytes.extend_from_slice(&whole),
            BlobBody::Stream { mut chunks, .. } => {
                while let Some(chunk) = chunks.next().await {
                    let chunk = chunk.map_err(|source| BlobError::Io {
                        path: PathBuf::from(digest.reference()),
                        source,
                    })?;
                    bytes.extend_from_slice(&chunk);
                }
            }
        }
        Ok(Some(bytes))
    }

    /// A local file holding the blob, for readers that need one (inference memory-maps
    /// shards): the blob itself on the local backend; on S3 a copy under
    /// `staging/inference`, fetched once, hashed while written and renamed into place only
    /// when its digest matches.
    pub async fn local_file(&self, digest: &Sha256Digest) -> Result<PathBuf, BlobError> {
        let object = match &self.backend {
            Backend::Local(local) => {
                let path = local.path_of(digest);
                return match path.exists() {
                    true => Ok(path),
                    false => Err(BlobError::NotFound(*digest)),
                };
            }
            Backend::Object(object) => object,
        };
        let dir = self.staging_dir("inference");
        let path = dir.join(digest.hex());
        if path.exists() {
            return Ok(path);
        }
        let as_io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| BlobError::Io { path, source }
        };
        tokio::fs::create_dir_all(&dir).await.map_err(as_io(&dir))?;
        let size = object
            .size_of(digest)
            .await?
            .ok_or(BlobError::NotFound(*digest))?;
        let partial = dir.join(format!(
            "{}.partial-{}",
            digest.hex(),
            crate::random::new_id()
        ));
        let _unless_renamed = crate::store::local::TempFile(partial.clone());
        async {
            use futures_util::TryStreamExt;
            use tokio::io::AsyncWriteExt;
            let mut stream = counted("read", object.read_range(digest, 0, size).await)?;
            let mut file = tokio::fs::File::create(&partial)
                .await
                .map_err(as_io(&partial))?;
            let mut hasher = Sha256::new();
            while let Some(chunk) = stream.try_next().await.map_err(as_io(&partial))? {
                hasher.update(&chunk);
                file.write_all(&chunk).await.map_err(as_io(&partial))?;
            }
            file.sync_all().await.map_err(as_io(&partial))?;
            let actual = Sha256Digest::from_bytes(hasher.finalize().into());
            if actual != *digest {
                return Err(BlobError::DigestMismatch {
                    expected: *digest,
                    actual,
                });
            }
            tokio::fs::rename(&partial, &path)
                .await
                .map_err(as_io(&path))
        }
        .await
        .map(|()| path)
    }

    /// Whether whole-blob downloads are answered with a redirect to the store.
    pub fn redirects(&self) -> bool {
        matches!(self.backend, Backend::Object(_)) && self.redirect_downloads
    }

    /// The origin (`scheme://host:port`) redirected downloads go to, when they are
    /// redirected: what a mirror may follow (named in its snapshots).
    pub async fn redirect_origin(&self) -> Result<Option<String>, BlobError> {
        let Some(url) = self.redirect_url(&Sha256Digest::of(b"")).await? else {
            return Ok(None);
        };
        Ok(reqwest::Url::parse(&url)
            .ok()
            .map(|u| u.origin().ascii_serialization()))
    }

    /// A short-lived URL to fetch the blob from the store itself, when downloads are
    /// configured to be redirected (`storage.s3.redirect_downloads`); `None` otherwise.
    pub async fn redirect_url(&self, digest: &Sha256Digest) -> Result<Option<String>, BlobError> {
        match &self.backend {
            Backend::Object(object) if self.redirect_downloads => {
                counted("presign", object.presigned_get(digest).await).map(Some)
            }
            _ => Ok(None),
        }
    }
}

/// A blob opened for serving: its size and where its bytes come from.
#[derive(Debug)]
pub struct OpenBlob {
    pub size: u64,
    source: Source,
}

#[derive(Debug)]
enum Source {
    File(File),
    Object(Arc<ObjectBlobs>, Sha256Digest),
}

impl OpenBlob {
    /// The body for `len` bytes from `first`, streamed, never read whole.
    pub async fn body(self, first: u64, len: u64) -> Result<BlobBody, BlobError> {
        match self.source {
            Source::File(file) => {
                crate::store::http::range_body(file, first, len).map_err(|source| BlobError::Io {
                    path: PathBuf::from("(open blob)"),
                    source,
                })
            }
            Source::Object(object, digest) => {
                let chunks = counted("read", object.read_range(&digest, first, len).await)?;
                Ok(BlobBody::Stream { len, chunks })
            }
        }
    }

    /// The SHA-256 of `len` bytes from `first` (a ranged answer's `Content-Digest`).
    pub async fn hash_range(&self, first: u64, len: u64) -> Result<Sha256Digest, BlobError> {
        let as_io = |source| BlobError::Io {
            path: PathBuf::from("(open blob)"),
            source,
        };
        match &self.source {
            Source::File(file) => {
                use std::io::{Seek, SeekFrom};
                let mut file = file.try_clone().map_err(as_io)?;
                blocking(move || {
                    file.seek(SeekFrom::Start(first)).map_err(as_io)?;
                    hash_reader(file.take(len))
                        .map(|(digest, _)| digest)
                        .map_err(as_io)
                })
                .await
            }
            Source::Object(object, digest) => {
                use futures_util::TryStreamExt;
                let mut stream = object.read_range(digest, first, len).await?;
                let mut hasher = Sha256::new();
                while let Some(chunk) = stream.try_next().await.map_err(as_io)? {
                    hasher.update(&chunk);
                }
                Ok(Sha256Digest::from_bytes(hasher.finalize().into()))
            }
        }
    }
}

/// Hashes a reader to the end with the store's buffer size, returning digest and size.
pub fn hash_reader(mut reader: impl Read) -> io::Result<(Sha256Digest, u64)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; COPY_BUFFER_BYTES];
    let mut size = 0u64;
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buffer[..n]);
                size += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok((Sha256Digest::from_bytes(hasher.finalize().into()), size))
}

impl From<BlobError> for crate::error::ApiError {
    fn from(err: BlobError) -> Self {
        use crate::error::ApiError;
        match err {
            BlobError::NotFound(digest) => ApiError::BlobNotFound(digest.reference()),
            err if err.is_store_failure() => ApiError::StoreUnavailable(err.into()),
            err => ApiError::internal(err),
        }
    }
}
