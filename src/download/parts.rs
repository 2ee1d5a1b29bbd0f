//! One file of a download: ranged parts fetched in parallel (bounded by a semaphore shared
//! by all files), written at their offsets into `<dir>/.modelgate-download/<sha256>.part`
//! and fetched again with backoff when cut short. The parts done are recorded beside the
//! file, so an interrupted download resumes. The file is hashed in order while its parts
//! arrive; when that hash misses, every part is fetched again against the server's
//! per-part `Content-Digest` to replace the damaged ones. A file takes its final name only
//! when its SHA-256 equals the signed manifest's.

use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, Semaphore};

use super::answers::{error_code_and_message, parse_sha256_field, redirect_target};
use super::partial::{hash_in_order, lock, read_range, PartsRecord};
use super::progress::{FileProgress, Progress};
use super::trust::write_atomically;
use crate::access::grant::GRANT_HEADER;
use crate::domain::{ModelPath, Sha256Digest};

/// Where unfinished files and their records live, inside the target directory.
pub const STATE_DIR: &str = ".modelgate-download";

/// What every file of one download shares.
pub struct Fetcher {
    pub client: reqwest::Client,
    /// The grant token, sent as the `Modelgate-Grant` header; replaced when it expires.
    pub grant: tokio::sync::Mutex<String>,
    /// Asks for access again (a new grant) when the grant expires mid-download.
    pub renew: RenewGrant,
    /// Bounds the parts in flight across all files.
    pub slots: Arc<Semaphore>,
    pub part_size: u64,
    /// Further attempts for a part after a transient failure.
    pub retries: u32,
    pub progress: Progress,
    pub state_dir: PathBuf,
    /// Bytes received over the network, retries and repairs included.
    pub received: AtomicU64,
    /// Which redirects of blob requests are followed.
    pub redirects: super::redirects::Redirects,
}

/// Obtains a fresh grant token.
pub type RenewGrant = Box<
    dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<String>> + Send>>
        + Send
        + Sync,
>;

/// Renewals of an expired grant one part may trigger before giving up.
const MAX_RENEWALS_PER_PART: u32 = 3;

/// One file to fetch.
#[derive(Debug, Clone)]
pub struct FileJob {
    pub path: ModelPath,
    pub url: String,
    pub sha256: Sha256Digest,
    pub size: u64,
    pub target: PathBuf,
}

/// Why one attempt at a part failed.
#[derive(Debug, thiserror::Error)]
enum PartError {
    /// Worth another attempt: a lost connection, a short body, a 5xx.
    #[error("{0}")]
    Transient(String),
    /// The bytes arrived but differ from the server's `Content-Digest`.
    #[error("{0}")]
    Damaged(String),
    /// Another attempt would not help: a refusal, a 200 to a range request, a disk error.
    #[error("{0}")]
    Refused(String),
    /// The grant (this token) expired: ask for access again, then retry.
    #[error("the grant expired")]
    GrantExpired(String),
}

impl Fetcher {
    /// Downloads one file (or finishes it from its record) and moves it into place. Parts
    /// are fetched plainly and the file hashed once, in order, as they arrive; should that
    /// hash miss the signed one, every part is fetched again with the server's per-part
    /// `Content-Digest` (RFC 9530), which finds and replaces the damaged ones.
    pub async fn fetch_file(self: &Arc<Self>, job: FileJob) -> anyhow::Result<()> {
        let hex = job.sha256.hex();
        let partial = self.state_dir.join(format!("{hex}.part"));
        let record_path = self.state_dir.join(format!("{hex}.json"));
        let record = self.load_or_start(&job, &partial, &record_path)?;
        let present = record.bytes_done();
        if present > 0 {
            self.progress.say(&format!(
                "{}: resuming, {} of {} parts already on disk",
                job.path,
                record.done.iter().filter(|d| **d).count(),
                record.done.len()
            ));
        }
        self.progress.skip(present);
        let progress = self.progress.file(job.path.as_str(), job.size, present);
        let file = FileParts {
            job: Arc::new(job),
            partial,
            record_path,
            record: Arc::new(Mutex::new(record)),
            progress,
        };
        let mut actual = self.fetch_parts(&file, false).await?;
        if actual != file.job.sha256 {
            self.progress.say(&format!(
                "{}: its SHA-256 misses the signed manifest's; fetching its parts again, each \
                 checked against the server's Content-Digest when it sends one",
                file.job.path
            ));
            let before = part_digests(&file).await?;
            let parts = {
                let mut record = lock(&file.record);
                record.done.iter_mut().for_each(|d| *d = false);
                record.done.len()
            };
            file.progress.take_back(file.job.size);
            actual = self.fetch_parts(&file, true).await?;
            let after = part_digests(&file).await?;
            for (i, (old, new)) in before.iter().zip(&after).enumerate() {
                if old != new {
                    let (first, last) = lock(&file.record).range(i);
                    self.progress.say(&format!(
                        "{}: part {}/{parts} (bytes {first}-{last}) had arrived damaged; replaced",
                        file.job.path,
                        i + 1
                    ));
                }
            }
        }
        let job = &file.job;
        if actual != job.sha256 {
            let _ = std::fs::remove_file(&file.partial);
            let _ = std::fs::remove_file(&file.record_path);
            anyhow::bail!(
                "{}: the downloaded bytes have SHA-256 {actual}, but the signed manifest says {}; \
                 the file was discarded",
                job.path,
                job.sha256
            );
        }
        std::fs::File::open(&file.partial)?.sync_all()?;
        if let Some(parent) = job.target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(&file.partial, &job.target)
            .with_context(|| format!("moving {} into place", job.path))?;
        let _ = std::fs::remove_file(&file.record_path);
        file.progress.done();
        self.progress.say(&format!(
            "{}: {} bytes, sha256 {} verified",
            job.path, job.size, job.sha256
        ));
        Ok(())
    }

    /// Fetches the parts not yet done, in parallel, while hashing the file in order;
    /// returns the digest of the whole file. `check_parts` asks the server for each part's
    /// digest and fetches a part again when its bytes differ.
    async fn fetch_parts(
        self: &Arc<Self>,
        file: &FileParts,
        check_parts: bool,
    ) -> anyhow::Result<Sha256Digest> {
        let (pending, parts) = {
            let record = lock(&file.record);
            let pending: Vec<usize> = (0..record.done.len())
                .filter(|&i| !record.done[i])
                .collect();
            (pending, record.done.len())
        };
        let output = Arc::new(
            std::fs::OpenOptions::new()
                .write(true)
                .open(&file.partial)
                .with_context(|| format!("opening `{}`", file.partial.display()))?,
        );
        let arrived = Arc::new(Notify::new());
        let hasher = tokio::spawn(hash_in_order(
            file.partial.clone(),
            Arc::clone(&file.record),
            Arc::clone(&arrived),
        ));
        let mut tasks = tokio::task::JoinSet::new();
        for i in pending {
            let fetcher = Arc::clone(self);
            let (job, output, record, arrived, progress, record_path) = (
                Arc::clone(&file.job),
                Arc::clone(&output),
                Arc::clone(&file.record),
                Arc::clone(&arrived),
                file.progress.clone(),
                file.record_path.clone(),
            );
            tasks.spawn(async move {
                let range = lock(&record).range(i);
                let part = Part {
                    range,
                    index: i,
                    parts,
                    check: check_parts,
                };
                fetcher
                    .fetch_part_with_retries(&job, &output, &part, &progress)
                    .await?;
                let snapshot = {
                    let mut record = lock(&record);
                    record.done[i] = true;
                    record.clone()
                };
                write_atomically(&record_path, &serde_json::to_vec(&snapshot)?)?;
                arrived.notify_one();
                anyhow::Ok(())
            });
        }
        let mut failure = None;
        while let Some(result) = tasks.join_next().await {
            let outcome = result.map_err(anyhow::Error::from).and_then(|r| r);
            if let Err(e) = outcome {
                failure.get_or_insert(e);
                tasks.abort_all();
            }
        }
        if let Some(e) = failure {
            hasher.abort();
            return Err(e);
        }
        hasher.await?
    }

    /// The record of an earlier attempt when it matches this file and its partial file is
    /// intact; otherwise a fresh record and an empty partial file of the full size.
    fn load_or_start(
        &self,
        job: &FileJob,
        partial: &Path,
        record_path: &Path,
    ) -> anyhow::Result<PartsRecord> {
        let earlier = std::fs::read(record_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<PartsRecord>(&bytes).ok())
            .filter(|r| {
                r.sha256 == job.sha256
                    && r.size == job.size
                    && r.part_size > 0
                    && r.done.len() as u64 == r.size.div_ceil(r.part_size)
                    && std::fs::metadata(partial).is_ok_and(|m| m.len() == job.size)
            });
        if let Some(record) = earlier {
            return Ok(record);
        }
        std::fs::create_dir_all(&self.state_dir)?;
        let file = std::fs::File::create(partial)
            .with_context(|| format!("creating `{}`", partial.display()))?;
        file.set_len(job.size)?;
        let record = PartsRecord::new(job.sha256, job.size, self.part_size);
        write_atomically(record_path, &serde_json::to_vec(&record)?)?;
        Ok(record)
    }

    async fn fetch_part_with_retries(
        &self,
        job: &FileJob,
        file: &std::fs::File,
        part: &Part,
        progress: &FileProgress,
    ) -> anyhow::Result<()> {
        let (first, last) = part.range;
        let (index, parts) = (part.index, part.parts);
        let mut attempt = 0;
        let mut renewals = 0;
        loop {
            let slot = self.slots.acquire().await?;
            let mut written = 0;
            let result = self
                .fetch_part(job, file, part, progress, &mut written)
                .await;
            drop(slot);
            let error = match result {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            progress.take_back(written);
            if let PartError::GrantExpired(used) = &error {
                if renewals < MAX_RENEWALS_PER_PART {
                    renewals += 1;
                    self.renew_grant(used).await?;
                    continue;
                }
            }
            let retryable = !matches!(error, PartError::Refused(_) | PartError::GrantExpired(_));
            if !retryable || attempt >= self.retries {
                anyhow::bail!(
                    "{}: part {}/{parts} (bytes {first}-{last}): {error}",
                    job.path,
                    index + 1
                );
            }
            attempt += 1;
            let wait = backoff(attempt);
            self.progress.say(&format!(
                "{}: part {}/{parts}: {error}; retrying in {:.1}s (attempt {attempt} of {})",
                job.path,
                index + 1,
                wait.as_secs_f64(),
                self.retries
            ));
            tokio::time::sleep(wait).await;
        }
    }

    /// Replaces the grant `used` with a new one, unless another part already did.
    async fn renew_grant(&self, used: &str) -> anyhow::Result<()> {
        let mut grant = self.grant.lock().await;
        if *grant != used {
            return Ok(());
        }
        *grant = (self.renew)()
            .await
            .context("the grant expired and access could not be renewed")?;
        self.progress
            .say("the grant expired; access was granted again, continuing");
        Ok(())
    }

    /// One attempt at a part, written in place as it arrives.
    async fn fetch_part(
        &self,
        job: &FileJob,
        file: &std::fs::File,
        part: &Part,
        progress: &FileProgress,
        written: &mut u64,
    ) -> Result<(), PartError> {
        let (first, last) = part.range;
        let grant = self.grant.lock().await.clone();
        let mut request = self
            .client
            .get(&job.url)
            .header(GRANT_HEADER, &grant)
            .header(reqwest::header::RANGE, format!("bytes={first}-{last}"));
        if part.check {
            request = request.header("want-content-digest", "sha-256=10");
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| PartError::Transient(crate::error::cause_chain(&e)))?;
        if let Some(location) = redirect_target(&response) {
            // The gateway checked the grant and hands the bytes to its store (a presigned
            // URL): ask there for the same range, without the grant, which is the gateway's.
            let client = self
                .redirects
                .client_for(&location, &self.client)
                .map_err(PartError::Refused)?;
            let mut request = client
                .get(location)
                .header(reqwest::header::RANGE, format!("bytes={first}-{last}"));
            if part.check {
                request = request.header("want-content-digest", "sha-256=10");
            }
            response = request
                .send()
                .await
                .map_err(|e| PartError::Transient(crate::error::cause_chain(&e)))?;
        }
        let status = response.status();
        if status == reqwest::StatusCode::OK {
            return Err(PartError::Refused(format!(
                "the server answered 200 (the whole file) to a request for bytes {first}-{last}; \
                 refused rather than written over the part"
            )));
        }
        if status != reqwest::StatusCode::PARTIAL_CONTENT {
            let retryable = status.is_server_error()
                || status == reqwest::StatusCode::REQUEST_TIMEOUT
                || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
            let (code, message) = error_code_and_message(response).await;
            if code == "grant-expired" {
                return Err(PartError::GrantExpired(grant));
            }
            let message = format!("{status}: {message} ({code})");
            return Err(if retryable {
                PartError::Transient(message)
            } else {
                PartError::Refused(message)
            });
        }
        let expected_range = format!("bytes {first}-{last}/{}", job.size);
        let content_range = response
            .headers()
            .get(reqwest::header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if content_range != expected_range {
            return Err(PartError::Refused(format!(
                "asked for {expected_range}, the server sent `{content_range}`"
            )));
        }
        let content_digest = response
            .headers()
            .get("content-digest")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_sha256_field)
            .filter(|_| part.check);
        // Only a checked part is hashed here; the whole file is hashed in order anyway.
        let mut hasher = content_digest.map(|_| Sha256::new());
        let mut offset = first;
        let wanted = last - first + 1;
        loop {
            let chunk = match response.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => {
                    return Err(PartError::Transient(format!(
                        "connection lost after {} of {wanted} bytes ({})",
                        offset - first,
                        crate::error::cause_chain(&e)
                    )))
                }
            };
            let end = offset + chunk.len() as u64;
            if end > last + 1 {
                return Err(PartError::Transient(
                    "the server sent more bytes than asked for".into(),
                ));
            }
            file.write_all_at(&chunk, offset)
                .map_err(|e| PartError::Refused(format!("cannot write the file: {e}")))?;
            if let Some(hasher) = hasher.as_mut() {
                hasher.update(&chunk);
            }
            progress.advance(chunk.len() as u64);
            self.received
                .fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
            *written += chunk.len() as u64;
            offset = end;
        }
        if offset != last + 1 {
            return Err(PartError::Transient(format!(
                "connection closed after {} of {wanted} bytes",
                offset - first
            )));
        }
        if let (Some(expected), Some(hasher)) = (content_digest, hasher) {
            if Sha256Digest::from_bytes(hasher.finalize().into()) != expected {
                return Err(PartError::Damaged(format!(
                    "bytes {first}-{last} arrived damaged (their SHA-256 differs from the \
                     server's Content-Digest)"
                )));
            }
        }
        Ok(())
    }
}

/// A file being fetched: its job, partial file, record and progress bar.
struct FileParts {
    job: Arc<FileJob>,
    partial: PathBuf,
    record_path: PathBuf,
    record: Arc<Mutex<PartsRecord>>,
    progress: FileProgress,
}

/// One part to fetch: its bytes, its place among the file's parts, and whether to check it
/// against the server's `Content-Digest`.
struct Part {
    range: (u64, u64),
    index: usize,
    parts: usize,
    check: bool,
}

/// The SHA-256 of each part of the partial file as it is on disk.
async fn part_digests(file: &FileParts) -> anyhow::Result<Vec<Sha256Digest>> {
    let ranges: Vec<(u64, u64)> = {
        let record = lock(&file.record);
        (0..record.done.len()).map(|i| record.range(i)).collect()
    };
    let partial = file.partial.clone();
    let digests = tokio::task::spawn_blocking(move || {
        let input = std::fs::File::open(&partial)?;
        ranges
            .into_iter()
            .map(|(first, last)| {
                let mut hasher = Sha256::new();
                read_range(&input, first, last, |bytes| hasher.update(bytes))?;
                Ok(Sha256Digest::from_bytes(hasher.finalize().into()))
            })
            .collect::<std::io::Result<Vec<_>>>()
    })
    .await??;
    Ok(digests)
}

/// 0.25 s doubling per attempt up to 8 s, plus up to half again at random.
fn backoff(attempt: u32) -> Duration {
    use rand_core::RngCore;
    let base = 250u64
        .saturating_mul(1 << attempt.saturating_sub(1).min(5))
        .min(8_000);
    let jitter = u64::from(rand_core::OsRng.next_u32()) % (base / 2 + 1);
    Duration::from_millis(base + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert!(backoff(1) >= Duration::from_millis(250));
        assert!(backoff(1) <= Duration::from_millis(375));
        assert!(backoff(20) <= Duration::from_millis(12_000));
    }
}
