//! `modelgate download`: fetches a model revision from a gateway or mirror into a directory.
//! The signed manifest comes first (checked against the pinned publisher key), then the
//! access decision and its grant, then every file in parallel ranged parts (`parts`, kept on disk by `partial`); the
//! directory ends with the files and `model.sig`, which `modelgate verify` accepts.

pub mod answers;
pub mod client;
mod partial;
pub mod parts;
pub mod progress;
pub mod redirects;
pub mod trust;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use crate::domain::{ModelId, Sha256Digest};
use crate::store::blobs::hash_reader;
use crate::store::manifest::Manifest;
use crate::store::signing::{verify_bundle, PublicKey, SIGNATURE_FILE};
use answers::error_message;
use parts::{Fetcher, FileJob, STATE_DIR};
use progress::Progress;
use trust::{write_atomically, Trust, TrustStore};

/// What to download, from where, and how.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// The gateway's base URL, e.g. `https://models.example.com`.
    pub endpoint: String,
    pub model: ModelId,
    /// A session or API token (`mg_…`).
    pub token: Option<String>,
    pub dir: PathBuf,
    /// A revision digest; default: the latest.
    pub revision: Option<Sha256Digest>,
    /// The publisher key to check the signature with, instead of the pinned one.
    pub publisher_key: Option<PublicKey>,
    pub trust: TrustStore,
    /// Parts in flight at once, across all files.
    pub parallel: usize,
    pub part_size: u64,
    pub retries: u32,
}

/// How a download ended, short of an error.
#[derive(Debug)]
pub enum Outcome {
    Done(Summary),
    /// The policy said no: the gateway's answer (reasons, licensee, rule ids).
    Denied(Value),
    /// A compliance review decides: the gateway's answer with the case.
    Review(Value),
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub revision: Sha256Digest,
    pub files: usize,
    /// Files already in the directory with the right SHA-256.
    pub already_present: usize,
    pub bytes_fetched: u64,
    pub elapsed: Duration,
    /// The PEM of the publisher key the signature was checked with.
    pub publisher_key_file: Option<PathBuf>,
}

/// The signed facts of the revision about to be fetched.
struct SignedRevision {
    manifest: Manifest,
    revision: Sha256Digest,
    bundle: Vec<u8>,
}

/// Runs a download, telling the user on stderr what it checked and did.
pub async fn download(options: &DownloadOptions) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let endpoint = options.endpoint.trim_end_matches('/').to_owned();
    let client = client::builder(client::DOWNLOAD_AGENT).build()?;
    let say = |line: String| eprintln!("{line}");

    let (key, key_file) = match &options.publisher_key {
        Some(key) => (*key, None),
        None => {
            let key = fetch_publisher_key(&client, &endpoint).await?;
            match options.trust.check(&endpoint, &key)? {
                Trust::FirstUse => say(format!(
                    "trusting the publisher key {} of {endpoint} on first use (pinned); \
                     check this fingerprint with the publisher",
                    key.fingerprint()
                )),
                Trust::Pinned => {}
            }
            let file = options.trust.key_path(&key);
            (key, Some(file))
        }
    };
    let signed = fetch_signed_revision(&client, &endpoint, options, &key).await?;
    say(format!(
        "{} revision sha256:{}: signature by {} verified ({} files, {} bytes)",
        options.model,
        signed.revision,
        key.fingerprint(),
        signed.manifest.files.len(),
        signed.manifest.total_size()
    ));

    let access = AccessRequest {
        model: options.model.clone(),
        revision: signed.revision,
        action: "download",
        token: options.token.clone(),
    };
    let answer = match access.send(&client, &endpoint).await? {
        Access::Granted(answer) => answer,
        Access::Denied(answer) => return Ok(Outcome::Denied(answer)),
        Access::Review(answer) => return Ok(Outcome::Review(answer)),
    };
    let grant = grant_token(&answer)?;
    if let Some(expires) = answer["grant"]["expires_at"].as_str() {
        say(format!("access granted until {expires}"));
    }

    std::fs::create_dir_all(&options.dir)
        .with_context(|| format!("creating `{}`", options.dir.display()))?;
    // Files with the same content are fetched once and copied to their other paths.
    let mut jobs: Vec<(FileJob, Vec<PathBuf>)> = Vec::new();
    let mut already_present = 0;
    for file in &signed.manifest.files {
        let target = file.path.under(&options.dir);
        if already_there(&target, file.size, &file.sha256).await {
            already_present += 1;
            continue;
        }
        match jobs.iter_mut().find(|(job, _)| job.sha256 == file.sha256) {
            Some((_, copies)) => copies.push(target),
            None => jobs.push((
                FileJob {
                    path: file.path.clone(),
                    url: format!("{endpoint}/v1/blobs/{}", file.sha256.reference()),
                    sha256: file.sha256,
                    size: file.size,
                    target,
                },
                Vec::new(),
            )),
        }
    }
    let bytes_to_fetch: u64 = jobs.iter().map(|(job, _)| job.size).sum();
    let progress = Progress::new(bytes_to_fetch);
    let fetcher = Arc::new(Fetcher {
        renew: access.renewal(&client, &endpoint),
        client,
        grant: tokio::sync::Mutex::new(grant),
        slots: Arc::new(Semaphore::new(options.parallel.max(1))),
        part_size: options.part_size.max(1),
        retries: options.retries,
        progress: progress.clone(),
        state_dir: options.dir.join(STATE_DIR),
        received: AtomicU64::new(0),
        redirects: redirects::Redirects::Any,
    });
    // Largest first, so one big shard does not start last and finish alone.
    jobs.sort_by_key(|(job, _)| std::cmp::Reverse(job.size));
    let mut tasks = tokio::task::JoinSet::new();
    for (job, copies) in jobs.iter().cloned() {
        let fetcher = Arc::clone(&fetcher);
        tasks.spawn(async move {
            let source = job.target.clone();
            fetcher.fetch_file(job).await?;
            for copy in copies {
                if let Some(parent) = copy.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                write_atomically(&copy, &std::fs::read(&source)?)?;
            }
            anyhow::Ok(())
        });
    }
    let failures = failures_of(tasks).await;
    progress.finish();
    if !failures.is_empty() {
        anyhow::bail!(
            "{} of {} files failed (finished parts are kept; run the same command again to \
             resume):\n  {}",
            failures.len(),
            jobs.len(),
            failures.join("\n  ")
        );
    }
    write_atomically(&options.dir.join(SIGNATURE_FILE), &signed.bundle)?;
    let _ = std::fs::remove_dir_all(options.dir.join(STATE_DIR));
    Ok(Outcome::Done(Summary {
        revision: signed.revision,
        files: signed.manifest.files.len(),
        already_present,
        bytes_fetched: fetcher.received.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
        publisher_key_file: key_file,
    }))
}

/// Waits for every file task; returns the message of each that failed.
pub async fn failures_of(mut tasks: tokio::task::JoinSet<anyhow::Result<()>>) -> Vec<String> {
    let mut failures = Vec::new();
    while let Some(result) = tasks.join_next().await {
        if let Err(e) = result.map_err(anyhow::Error::from).and_then(|r| r) {
            failures.push(format!("{e:#}"));
        }
    }
    failures
}

/// The publisher key a gateway serves (`GET /v1/keys/publisher`), not yet trusted.
pub async fn fetch_publisher_key(
    client: &reqwest::Client,
    endpoint: &str,
) -> anyhow::Result<PublicKey> {
    let pem = get_ok(client, &format!("{endpoint}/v1/keys/publisher"))
        .await
        .context("fetching the publisher key")?;
    Ok(PublicKey::from_pem(&String::from_utf8_lossy(&pem))?)
}

/// The manifest and `model.sig` of the revision, checked against each other and the key:
/// the signature must hold, sign this manifest's digest and model, and list exactly its
/// files.
async fn fetch_signed_revision(
    client: &reqwest::Client,
    endpoint: &str,
    options: &DownloadOptions,
    key: &PublicKey,
) -> anyhow::Result<SignedRevision> {
    let model = &options.model;
    let query = options
        .revision
        .map(|r| format!("?revision={}", r.reference()))
        .unwrap_or_default();
    let response = client
        .get(format!("{endpoint}/v1/models/{model}/manifest{query}"))
        .send()
        .await
        .context("fetching the manifest")?;
    if !response.status().is_success() {
        anyhow::bail!(
            "fetching the manifest: {}: {}",
            response.status(),
            error_message(response).await
        );
    }
    let named: Option<Sha256Digest> = response
        .headers()
        .get("modelgate-revision")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let manifest_bytes = response.bytes().await.context("fetching the manifest")?;
    let revision = Sha256Digest::of(&manifest_bytes);
    if let Some(named) = named {
        anyhow::ensure!(
            named == revision,
            "the manifest served is not the one signed: the gateway names revision {}, the \
             bytes received hash to sha256:{revision}; refusing it",
            named.reference()
        );
    }
    if let Some(wanted) = options.revision {
        anyhow::ensure!(
            wanted == revision,
            "asked for revision {}, the manifest served has digest sha256:{revision}",
            wanted.reference()
        );
    }
    let bundle = get_ok(
        client,
        &format!(
            "{endpoint}/v1/models/{model}/{SIGNATURE_FILE}?revision={}",
            revision.reference()
        ),
    )
    .await
    .context("fetching model.sig")?;
    let manifest = check_signed_revision(model, &manifest_bytes, &bundle, key)?;
    Ok(SignedRevision {
        manifest,
        revision,
        bundle,
    })
}

/// Checks a manifest and its `model.sig` against each other and `key`: the signature must
/// hold, sign this manifest's digest and `model`, and list exactly its files.
pub fn check_signed_revision(
    model: &ModelId,
    manifest_bytes: &[u8],
    bundle: &[u8],
    key: &PublicKey,
) -> anyhow::Result<Manifest> {
    let revision = Sha256Digest::of(manifest_bytes);
    let statement = verify_bundle(bundle, key)
        .with_context(|| format!("the signature of {model} does not verify"))?;
    let facts = statement
        .modelgate
        .context("model.sig carries no manifest digest (not made by modelgate)")?;
    anyhow::ensure!(
        facts.manifest_digest == revision,
        "the manifest served (sha256:{revision}) is not the one signed (sha256:{}): refusing it",
        facts.manifest_digest
    );
    anyhow::ensure!(
        &facts.model == model,
        "model.sig is for {}, not {model}",
        facts.model
    );
    let manifest: Manifest =
        serde_json::from_slice(manifest_bytes).context("the manifest is not valid JSON")?;
    anyhow::ensure!(
        &manifest.model == model,
        "the manifest is for {}",
        manifest.model
    );
    let mut listed: Vec<_> = manifest
        .files
        .iter()
        .map(|f| (f.path.clone(), f.sha256))
        .collect();
    let mut signed = statement.files;
    listed.sort();
    signed.sort();
    anyhow::ensure!(
        signed == listed,
        "model.sig and the manifest list different files"
    );
    Ok(manifest)
}

/// The gateway's answer to an access request.
pub enum Access {
    Granted(Value),
    Denied(Value),
    Review(Value),
}

/// What a grant is asked for, and by whom.
#[derive(Debug, Clone)]
pub struct AccessRequest {
    pub model: ModelId,
    pub revision: Sha256Digest,
    /// `download`, or `mirror` for a partner's sync.
    pub action: &'static str,
    pub token: Option<String>,
}

impl AccessRequest {
    /// Asks for access; `Granted` answers carry `grant.token` and `files`.
    pub async fn send(&self, client: &reqwest::Client, endpoint: &str) -> anyhow::Result<Access> {
        let mut request = client
            .post(format!("{endpoint}/v1/models/{}/access", self.model))
            .json(&json!({ "action": self.action, "revision": self.revision.reference() }));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.context("requesting access")?;
        let status = response.status();
        match status.as_u16() {
            200 => Ok(Access::Granted(response.json().await?)),
            202 => Ok(Access::Review(response.json().await?)),
            403 => {
                let body: Value = response.json().await.unwrap_or_default();
                if body["error"]["code"] == "access-denied" {
                    return Ok(Access::Denied(body["error"]["details"].clone()));
                }
                anyhow::bail!(
                    "access refused: {} ({})",
                    body["error"]["message"].as_str().unwrap_or("forbidden"),
                    body["error"]["code"].as_str().unwrap_or("forbidden")
                )
            }
            401 => anyhow::bail!(
                "the gateway needs you signed in: pass --token (or MODELGATE_TOKEN) with an API \
                 token from your account ({})",
                error_message(response).await
            ),
            _ => anyhow::bail!(
                "access request failed: {status}: {}",
                error_message(response).await
            ),
        }
    }

    /// A grant renewal for a `Fetcher`: asks again and returns the new grant token.
    pub fn renewal(&self, client: &reqwest::Client, endpoint: &str) -> parts::RenewGrant {
        let (client, endpoint, request) = (client.clone(), endpoint.to_owned(), self.clone());
        Box::new(move || {
            let (client, endpoint, request) = (client.clone(), endpoint.clone(), request.clone());
            Box::pin(async move {
                match request.send(&client, &endpoint).await? {
                    Access::Granted(answer) => grant_token(&answer),
                    Access::Denied(answer) | Access::Review(answer) => anyhow::bail!(
                        "access is no longer granted ({})",
                        answer["outcome"].as_str().unwrap_or("refused")
                    ),
                }
            })
        })
    }
}

/// The grant token of an allow answer.
pub fn grant_token(answer: &Value) -> anyhow::Result<String> {
    answer["grant"]["token"]
        .as_str()
        .map(str::to_owned)
        .context("the access answer has no grant token")
}

/// The body of a successful `GET`, or an error naming the status and the gateway's message.
async fn get_ok(client: &reqwest::Client, url: &str) -> anyhow::Result<Vec<u8>> {
    let response = client.get(url).send().await?;
    let status = response.status();
    if !status.is_success() {
        anyhow::bail!("{url}: {status}: {}", error_message(response).await);
    }
    Ok(response.bytes().await?.to_vec())
}

/// Whether `path` already holds exactly this file (a re-run skips it).
async fn already_there(path: &std::path::Path, size: u64, sha256: &Sha256Digest) -> bool {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == size) {
        return false;
    }
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || std::fs::File::open(&path).and_then(hash_reader))
        .await
        .ok()
        .and_then(Result::ok)
        .is_some_and(|(digest, _)| digest == *sha256)
}
