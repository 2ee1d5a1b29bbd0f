//! The blob store's S3-compatible backend, through `object_store`: the same
//! `sha256/<first two hex>/<hex>` keys as on disk, written so that a key appears only with
//! its whole, verified content (one PUT for a small file, otherwise a multipart upload that
//! is completed only after the bytes hashed to the expected digest, and aborted if not).

use std::io;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use indicatif::ProgressBar;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::signer::Signer;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, ObjectStore, PutPayload, RetryConfig,
    WriteMultipart,
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::config::S3Settings;
use crate::domain::Sha256Digest;
use crate::store::blobs::{BlobError, StoredBlob, COPY_BUFFER_BYTES};

/// Parts uploaded at once per blob: enough to keep a link busy, bounded in memory
/// (`MAX_PARTS_IN_FLIGHT` x `part_size_bytes`).
const MAX_PARTS_IN_FLIGHT: usize = 4;

/// S3's smallest allowed part (all parts but the last).
const MIN_PART_BYTES: usize = 5 << 20;

/// The largest part size accepted: at most `MAX_PARTS_IN_FLIGHT + 1` parts are in memory.
const MAX_PART_BYTES: usize = 512 << 20;

/// A bucket (and optional key prefix) of an S3-compatible object store.
#[derive(Debug)]
pub struct ObjectBlobs {
    store: AmazonS3,
    /// Signs presigned URLs for `public_endpoint` (no requests); `None`: `store` signs.
    public_signer: Option<AmazonS3>,
    request_timeout: Duration,
    prefix: String,
    part_size: usize,
    presign_ttl: Duration,
    description: String,
}

/// An S3 client for `endpoint` with the configured bucket, credentials and timeouts.
fn client(settings: &S3Settings, endpoint: &str) -> Result<AmazonS3, BlobError> {
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(&settings.bucket)
        .with_region(&settings.region)
        .with_access_key_id(settings.access_key_id.expose())
        .with_secret_access_key(settings.secret_access_key.expose())
        .with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: settings.max_retries,
            retry_timeout: Duration::from_secs(settings.retry_timeout_secs),
        })
        .with_client_options(
            ClientOptions::new()
                .with_connect_timeout(Duration::from_secs(settings.connect_timeout_secs))
                // A blob's body may stream for as long as the client reads it; requests
                // are bounded up to their first byte by `ObjectBlobs::within`.
                .with_timeout_disabled()
                .with_allow_http(endpoint.starts_with("http://")),
        );
    if !endpoint.is_empty() {
        builder = builder
            .with_endpoint(endpoint)
            .with_virtual_hosted_style_request(settings.virtual_hosted_style);
    }
    builder.build().map_err(backend_error("configure"))
}

fn backend_error(operation: &'static str) -> impl FnOnce(object_store::Error) -> BlobError {
    move |source| BlobError::Backend { operation, source }
}

impl ObjectBlobs {
    /// Builds the client; nothing is contacted until the first request.
    pub fn open(settings: &S3Settings) -> Result<ObjectBlobs, BlobError> {
        let store = client(settings, &settings.endpoint)?;
        let public_signer = match settings.public_endpoint.as_str() {
            "" => None,
            public => Some(client(settings, public)?),
        };
        let prefix = settings.prefix.trim_matches('/');
        Ok(ObjectBlobs {
            store,
            public_signer,
            request_timeout: Duration::from_secs(settings.request_timeout_secs.max(1)),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            part_size: settings
                .part_size_bytes
                .clamp(MIN_PART_BYTES, MAX_PART_BYTES),
            presign_ttl: Duration::from_secs(settings.presign_ttl_secs.max(1)),
            description: format!(
                "s3 bucket `{}` at {}",
                settings.bucket,
                if settings.endpoint.is_empty() {
                    "AWS"
                } else {
                    &settings.endpoint
                }
            ),
        })
    }

    /// Runs one store request under the request deadline; running out of it is a store
    /// failure like any other.
    async fn within<T>(
        &self,
        operation: &'static str,
        request: impl std::future::Future<Output = object_store::Result<T>>,
    ) -> object_store::Result<T> {
        tokio::time::timeout(self.request_timeout, request)
            .await
            .unwrap_or_else(|elapsed| {
                Err(object_store::Error::Generic {
                    store: "S3",
                    source: format!(
                        "{operation}: no answer within {:?} ({elapsed})",
                        self.request_timeout
                    )
                    .into(),
                })
            })
    }

    pub fn describe(&self) -> &str {
        &self.description
    }

    fn key(&self, digest: &Sha256Digest) -> ObjectPath {
        let hex = digest.hex();
        ObjectPath::from(format!("{}sha256/{}/{hex}", self.prefix, &hex[..2]))
    }

    /// The size of the blob, or `None` when the bucket does not hold it.
    pub async fn size_of(&self, digest: &Sha256Digest) -> Result<Option<u64>, BlobError> {
        match self
            .within("head", self.store.head(&self.key(digest)))
            .await
        {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend_error("head")(e)),
        }
    }

    /// Whether the bucket answers; a missing probe key is an answer.
    pub async fn is_reachable(&self) -> bool {
        let probe = ObjectPath::from(format!("{}readiness-probe", self.prefix));
        match tokio::time::timeout(Duration::from_secs(5), self.store.head(&probe)).await {
            Ok(Ok(_)) | Ok(Err(object_store::Error::NotFound { .. })) => true,
            Ok(Err(_)) | Err(_) => false,
        }
    }

    /// Uploads the file at `path`, whose content must hash to `digest` (checked while the
    /// bytes go out; on a mismatch the upload is aborted and nothing appears).
    pub async fn put_file(
        &self,
        path: &Path,
        digest: &Sha256Digest,
        progress: &ProgressBar,
    ) -> Result<StoredBlob, BlobError> {
        let io_error = |source| BlobError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(size) = self.size_of(digest).await? {
            progress.inc(size);
            return Ok(StoredBlob {
                digest: *digest,
                size,
                newly_written: false,
            });
        }
        let mut file = tokio::fs::File::open(path).await.map_err(io_error)?;
        let size = file.metadata().await.map_err(io_error)?.len();
        let key = self.key(digest);
        let mut hasher = Sha256::new();
        let mismatch = |hasher: Sha256| {
            let actual = Sha256Digest::from_bytes(hasher.finalize().into());
            (actual != *digest).then_some(BlobError::DigestMismatch {
                expected: *digest,
                actual,
            })
        };
        if size <= self.part_size as u64 {
            let mut content = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            file.read_to_end(&mut content).await.map_err(io_error)?;
            hasher.update(&content);
            if let Some(error) = mismatch(hasher) {
                return Err(error);
            }
            let written = content.len() as u64;
            self.within("put", self.store.put(&key, PutPayload::from(content)))
                .await
                .map_err(backend_error("put"))?;
            progress.inc(written);
            return Ok(StoredBlob {
                digest: *digest,
                size: written,
                newly_written: true,
            });
        }
        let upload = self
            .within("put", self.store.put_multipart(&key))
            .await
            .map_err(backend_error("put"))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_size);
        let mut buffer = vec![0u8; COPY_BUFFER_BYTES];
        let mut written = 0u64;
        let sent: Result<(), BlobError> = async {
            loop {
                let n = file.read(&mut buffer).await.map_err(io_error)?;
                if n == 0 {
                    return Ok(());
                }
                hasher.update(&buffer[..n]);
                self.within("put", writer.wait_for_capacity(MAX_PARTS_IN_FLIGHT))
                    .await
                    .map_err(backend_error("put"))?;
                writer.write(&buffer[..n]);
                written += n as u64;
                progress.inc(n as u64);
            }
        }
        .await;
        if let Some(error) = sent.err().or_else(|| mismatch(hasher)) {
            let _ = writer.abort().await;
            if matches!(error, BlobError::Backend { .. })
                && self.written_meanwhile(digest, size).await
            {
                return Ok(StoredBlob {
                    digest: *digest,
                    size,
                    newly_written: false,
                });
            }
            return Err(error);
        }
        if let Err(error) = self.within("put", writer.finish()).await {
            if self.written_meanwhile(digest, size).await {
                return Ok(StoredBlob {
                    digest: *digest,
                    size,
                    newly_written: false,
                });
            }
            return Err(backend_error("put")(error));
        }
        Ok(StoredBlob {
            digest: *digest,
            size: written,
            newly_written: true,
        })
    }

    /// Whether the blob is in the bucket now, whole: a concurrent upload of the same
    /// content (the same key) can complete first, and some stores (Garage) then drop the
    /// other upload in progress. That writer checked the bytes as this one would have.
    async fn written_meanwhile(&self, digest: &Sha256Digest, size: u64) -> bool {
        matches!(self.size_of(digest).await, Ok(Some(stored)) if stored == size)
    }

    /// `len` bytes of the blob from `first`, as the store sends them.
    pub async fn read_range(
        &self,
        digest: &Sha256Digest,
        first: u64,
        len: u64,
    ) -> Result<BoxStream<'static, io::Result<Bytes>>, BlobError> {
        if len == 0 {
            return Ok(futures_util::stream::empty().boxed());
        }
        let options = GetOptions {
            range: Some(GetRange::Bounded(first..first + len)),
            ..GetOptions::default()
        };
        let result = self
            .within("get", self.store.get_opts(&self.key(digest), options))
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => BlobError::NotFound(*digest),
                other => backend_error("get")(other),
            })?;
        Ok(result
            .into_stream()
            .map_err(|e| {
                crate::metrics::global().record_store_error("get");
                io::Error::other(e)
            })
            .boxed())
    }

    /// A URL that lets its holder `GET` the blob straight from the store for a short while.
    pub async fn presigned_get(&self, digest: &Sha256Digest) -> Result<String, BlobError> {
        let signer = self.public_signer.as_ref().unwrap_or(&self.store);
        let url = signer
            .signed_url(http::Method::GET, &self.key(digest), self.presign_ttl)
            .await
            .map_err(backend_error("presign"))?;
        Ok(url.to_string())
    }
}
