//! Finding a model's snapshot in the local Hugging Face cache the way `huggingface_hub`
//! lays it out: the cache is `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
//! `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`; a model `org/name`
//! lives in `models--org--name/`, its revisions in `snapshots/<commit>/`, and branch or tag
//! names in `refs/<name>` (a file holding the commit).

use std::path::{Path, PathBuf};

use crate::domain::ModelId;

/// Why no snapshot was found.
#[derive(Debug, thiserror::Error)]
pub enum HfCacheError {
    #[error("no Hugging Face cache directory: set HF_HUB_CACHE or HF_HOME")]
    NoCacheDir,
    #[error("`{model}` is not in the Hugging Face cache at `{cache}` (no `{repo}`)")]
    NotCached {
        model: String,
        cache: PathBuf,
        repo: String,
    },
    #[error("revision `{revision}` of `{model}` is not in the cache (no `{missing}`)")]
    NoRevision {
        model: String,
        revision: String,
        missing: PathBuf,
    },
    #[error("`{0}` is not a revision name (a branch, tag or commit hash)")]
    InvalidRevision(String),
}

/// The cache directory, from the environment as `huggingface_hub` reads it.
pub fn cache_dir() -> Result<PathBuf, HfCacheError> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(hub) = var("HF_HUB_CACHE").or_else(|| var("HUGGINGFACE_HUB_CACHE")) {
        return Ok(hub);
    }
    if let Some(home) = var("HF_HOME") {
        return Ok(home.join("hub"));
    }
    let cache = var("XDG_CACHE_HOME")
        .or_else(|| var("HOME").map(|home| home.join(".cache")))
        .ok_or(HfCacheError::NoCacheDir)?;
    Ok(cache.join("huggingface").join("hub"))
}

/// The snapshot folder of `model` at `revision` (a branch or tag name, or a commit hash;
/// `main` when not given) in the cache at `cache`.
pub fn snapshot_dir(
    cache: &Path,
    model: &ModelId,
    revision: Option<&str>,
) -> Result<PathBuf, HfCacheError> {
    let (org, name) = model.to_string().split_once('/').map_or_else(
        || (String::new(), model.to_string()),
        |(o, n)| (o.to_owned(), n.to_owned()),
    );
    let repo_name = format!("models--{org}--{name}");
    let repo = cache.join(&repo_name);
    if !repo.is_dir() {
        return Err(HfCacheError::NotCached {
            model: model.to_string(),
            cache: cache.to_path_buf(),
            repo: repo_name,
        });
    }
    let revision = revision.unwrap_or("main");
    if revision.is_empty()
        || revision.starts_with('.')
        || revision.contains("..")
        || revision.contains('\\')
        || revision.chars().any(char::is_control)
    {
        return Err(HfCacheError::InvalidRevision(revision.to_owned()));
    }
    let is_commit = revision.len() == 40 && revision.bytes().all(|b| b.is_ascii_hexdigit());
    let commit = if is_commit {
        revision.to_owned()
    } else {
        let reference = repo.join("refs").join(revision);
        std::fs::read_to_string(&reference)
            .map_err(|_| HfCacheError::NoRevision {
                model: model.to_string(),
                revision: revision.to_owned(),
                missing: reference,
            })?
            .trim()
            .to_owned()
    };
    if !(commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Err(HfCacheError::InvalidRevision(commit));
    }
    let snapshot = repo.join("snapshots").join(&commit);
    if !snapshot.is_dir() {
        return Err(HfCacheError::NoRevision {
            model: model.to_string(),
            revision: revision.to_owned(),
            missing: snapshot,
        });
    }
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_snapshot_by_branch_and_by_commit() {
        let cache = tempfile::tempdir().unwrap();
        let repo = cache.path().join("models--acme--tiny");
        let commit = "0123456789abcdef0123456789abcdef01234567";
        std::fs::create_dir_all(repo.join("snapshots").join(commit)).unwrap();
        std::fs::create_dir_all(repo.join("refs")).unwrap();
        std::fs::write(repo.join("refs/main"), commit).unwrap();
        let model: ModelId = "acme/tiny".parse().unwrap();
        let by_branch = snapshot_dir(cache.path(), &model, None).unwrap();
        assert_eq!(by_branch, repo.join("snapshots").join(commit));
        assert_eq!(
            snapshot_dir(cache.path(), &model, Some(commit)).unwrap(),
            by_branch
        );
        assert!(matches!(
            snapshot_dir(cache.path(), &model, Some("v2")),
            Err(HfCacheError::NoRevision { .. })
        ));
        assert!(matches!(
            snapshot_dir(cache.path(), &model, Some("../../etc")),
            Err(HfCacheError::InvalidRevision(_))
        ));
        let other: ModelId = "acme/other".parse().unwrap();
        assert!(matches!(
            snapshot_dir(cache.path(), &other, None),
            Err(HfCacheError::NotCached { .. })
        ));
    }
}
