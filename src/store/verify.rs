//! Offline verification of a model directory against its `model.sig`: the signature,
//! then every file's SHA-256 (files hashed in parallel), then files that are missing or
//! were never signed.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use indicatif::ProgressBar;

use crate::domain::{ModelPath, Sha256Digest};
use crate::store::blobs::hash_reader;
use crate::store::signing::{
    verify_bundle, PublicKey, SignatureError, SignedFacts, SIGNATURE_FILE,
};
use crate::store::walk::{list_model_files, FoundFile, WalkError};

/// The verdict on one signed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileVerdict {
    Ok,
    Missing,
    Mismatch {
        expected: Sha256Digest,
        actual: Sha256Digest,
    },
    Unreadable(String),
}

/// Everything `verify_dir` found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub facts: Option<SignedFacts>,
    /// Every signed file with its verdict, by path.
    pub files: BTreeMap<ModelPath, FileVerdict>,
    /// Files present in the directory that the signature does not cover.
    pub unsigned: Vec<ModelPath>,
    pub bytes_hashed: u64,
}

impl VerifyReport {
    pub fn passed(&self) -> bool {
        self.unsigned.is_empty() && self.files.values().all(|v| *v == FileVerdict::Ok)
    }

    /// One line per problem, naming the file.
    pub fn problems(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .files
            .iter()
            .filter_map(|(path, verdict)| match verdict {
                FileVerdict::Ok => None,
                FileVerdict::Missing => Some(format!("{path}: missing")),
                FileVerdict::Mismatch { expected, actual } => Some(format!(
                    "{path}: sha256 mismatch (expected {expected}, found {actual})"
                )),
                FileVerdict::Unreadable(e) => Some(format!("{path}: unreadable ({e})")),
            })
            .collect();
        lines.extend(
            self.unsigned
                .iter()
                .map(|p| format!("{p}: not covered by the signature")),
        );
        lines
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read `{0}`")]
    MissingSignature(String, #[source] std::io::Error),
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Walk(#[from] WalkError),
}

/// Verifies `dir` against `dir/model.sig` and `key`, hashing with up to `threads` threads.
pub fn verify_dir(
    dir: &Path,
    key: &PublicKey,
    threads: usize,
    progress: &ProgressBar,
) -> Result<VerifyReport, VerifyError> {
    let sig_path = dir.join(SIGNATURE_FILE);
    let bundle = std::fs::read(&sig_path)
        .map_err(|e| VerifyError::MissingSignature(sig_path.display().to_string(), e))?;
    let statement = verify_bundle(&bundle, key)?;
    let present: BTreeMap<ModelPath, FoundFile> = list_model_files(dir)?
        .into_iter()
        .map(|f| (f.path.clone(), f))
        .collect();

    let mut files = BTreeMap::new();
    let mut work: Vec<(&FoundFile, Sha256Digest)> = Vec::new();
    for (path, expected) in &statement.files {
        match present.get(path) {
            Some(found) => work.push((found, *expected)),
            None => {
                files.insert(path.clone(), FileVerdict::Missing);
            }
        }
    }
    let unsigned = present
        .keys()
        .filter(|p| !statement.files.iter().any(|(signed, _)| signed == *p))
        .cloned()
        .collect();
    // Largest first, so one big shard does not start last and finish alone.
    work.sort_by_key(|(found, _)| std::cmp::Reverse(found.size));
    progress.set_length(work.iter().map(|(f, _)| f.size).sum());

    let next = AtomicUsize::new(0);
    let verdicts = Mutex::new(Vec::with_capacity(work.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, work.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((found, expected)) = work.get(i) else {
                    break;
                };
                let verdict = match File::open(&found.full_path)
                    .and_then(|f| hash_reader(progress.wrap_read(f)))
                {
                    Ok((actual, _)) if actual == *expected => FileVerdict::Ok,
                    Ok((actual, _)) => FileVerdict::Mismatch {
                        expected: *expected,
                        actual,
                    },
                    Err(e) => FileVerdict::Unreadable(e.to_string()),
                };
                if let Ok(mut v) = verdicts.lock() {
                    v.push((found.path.clone(), verdict));
                }
            });
        }
    });
    progress.finish_and_clear();
    files.extend(verdicts.into_inner().unwrap_or_default());
    let bytes_hashed = work.iter().map(|(f, _)| f.size).sum();
    Ok(VerifyReport {
        facts: statement.modelgate,
        files,
        unsigned,
        bytes_hashed,
    })
}
