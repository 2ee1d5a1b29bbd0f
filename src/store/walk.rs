//! Listing the files of a model directory: regular files only, each as a validated
//! `ModelPath`; special files are refused, and the signature and git metadata at the top
//! level are skipped. Symbolic links are refused, except in a Hugging Face cache snapshot
//! (`…/models--<org>--<name>/snapshots/<commit>/`), whose files are links into the cached
//! repository's `blobs/`: a link there is followed when it resolves to a regular file
//! directly in that `blobs/` folder, and refused otherwise.

use std::fs;
use std::path::{Path, PathBuf};

use crate::domain::{ModelPath, Sha256Digest};
use crate::store::signing::IGNORED_TOP_LEVEL;

/// A regular file found in a model directory.
#[derive(Debug, Clone)]
pub struct FoundFile {
    pub path: ModelPath,
    pub full_path: PathBuf,
    pub size: u64,
    /// A cache blob named by its SHA-256 (Hugging Face names LFS blobs so): the digest its
    /// bytes must have, checked while hashing.
    pub expected_sha256: Option<Sha256Digest>,
}

/// Why a directory cannot be taken as a model.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("`{0}` is not a directory")]
    NotADirectory(PathBuf),
    #[error("`{0}` is a symbolic link; models may not contain links")]
    Symlink(PathBuf),
    #[error(
        "`{link}` links to `{target}`, which is not a file in the cached repository's `{blobs}`; \
         only links into the repository's own blobs are followed"
    )]
    LinkOutsideCache {
        link: PathBuf,
        target: PathBuf,
        blobs: PathBuf,
    },
    #[error("`{0}` is not a regular file or directory")]
    SpecialFile(PathBuf),
    #[error("`{0}` has a name that is not UTF-8")]
    NonUtf8Name(PathBuf),
    #[error(transparent)]
    Path(#[from] crate::domain::DomainError),
    #[error("cannot read `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Lists every file below `root`, sorted by path.
pub fn list_model_files(root: &Path) -> Result<Vec<FoundFile>, WalkError> {
    let meta = fs::metadata(root).map_err(|source| WalkError::Io {
        path: root.into(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(WalkError::NotADirectory(root.into()));
    }
    let mut found = Vec::new();
    let blobs = hf_cache_blobs(root);
    walk(root, root, blobs.as_deref(), &mut found)?;
    found.sort_by(|a, b| a.path.as_str().split('/').cmp(b.path.as_str().split('/')));
    Ok(found)
}

/// The `blobs/` folder of the Hugging Face cache repository `root` is a snapshot of
/// (`models--<org>--<name>/snapshots/<commit>`), canonical; `None` for any other folder.
pub fn hf_cache_blobs(root: &Path) -> Option<PathBuf> {
    let root = fs::canonicalize(root).ok()?;
    let snapshots = root.parent()?;
    if snapshots.file_name()? != "snapshots" {
        return None;
    }
    let repo = snapshots.parent()?;
    if !repo.file_name()?.to_str()?.starts_with("models--") {
        return None;
    }
    let blobs = fs::canonicalize(repo.join("blobs")).ok()?;
    blobs.is_dir().then_some(blobs)
}

/// The cache blob a snapshot's link resolves to: a regular file directly in `blobs`.
fn cached_blob(link: &Path, blobs: &Path) -> Result<(PathBuf, fs::Metadata), WalkError> {
    let outside = |target: PathBuf| WalkError::LinkOutsideCache {
        link: link.to_path_buf(),
        target,
        blobs: blobs.to_path_buf(),
    };
    let target =
        fs::canonicalize(link).map_err(|_| outside(fs::read_link(link).unwrap_or_default()))?;
    let meta = fs::metadata(&target).map_err(|source| WalkError::Io {
        path: target.clone(),
        source,
    })?;
    if target.parent() != Some(blobs) || !meta.is_file() {
        return Err(outside(target));
    }
    Ok((target, meta))
}

fn walk(
    root: &Path,
    dir: &Path,
    blobs: Option<&Path>,
    found: &mut Vec<FoundFile>,
) -> Result<(), WalkError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WalkError::Io { path, source }
    };
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let full_path = entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(WalkError::NonUtf8Name(full_path));
        };
        if dir == root && IGNORED_TOP_LEVEL.contains(&name) {
            continue;
        }
        let meta = fs::symlink_metadata(&full_path).map_err(io(&full_path))?;
        let file_type = meta.file_type();
        if file_type.is_symlink() {
            let Some(blobs) = blobs else {
                return Err(WalkError::Symlink(full_path));
            };
            let (target, meta) = cached_blob(&full_path, blobs)?;
            let expected_sha256 = target
                .file_name()
                .and_then(|n| n.to_str())
                .filter(|n| n.len() == 64)
                .and_then(|n| n.parse().ok());
            let path = model_path(root, &full_path)?;
            found.push(FoundFile {
                path,
                full_path: target,
                size: meta.len(),
                expected_sha256,
            });
        } else if file_type.is_dir() {
            walk(root, &full_path, blobs, found)?;
        } else if file_type.is_file() {
            let path = model_path(root, &full_path)?;
            found.push(FoundFile {
                path,
                full_path,
                size: meta.len(),
                expected_sha256: None,
            });
        } else {
            return Err(WalkError::SpecialFile(full_path));
        }
    }
    Ok(())
}

/// `full_path`'s path inside the model at `root`.
fn model_path(root: &Path, full_path: &Path) -> Result<ModelPath, WalkError> {
    let relative = full_path.strip_prefix(root).unwrap_or(full_path);
    let relative = relative
        .to_str()
        .ok_or_else(|| WalkError::NonUtf8Name(full_path.to_path_buf()))?;
    Ok(relative.parse()?)
}
