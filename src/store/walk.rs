//! Listing the files of a model directory: regular files only, each as a validated
//! `ModelPath`; symlinks and special files are refused, and the signature and git
//! metadata at the top level are skipped.

use std::fs;
use std::path::{Path, PathBuf};

use crate::domain::ModelPath;
use crate::store::signing::IGNORED_TOP_LEVEL;

/// A regular file found in a model directory.
#[derive(Debug, Clone)]
pub struct FoundFile {
    pub path: ModelPath,
    pub full_path: PathBuf,
    pub size: u64,
}

/// Why a directory cannot be taken as a model.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("`{0}` is not a directory")]
    NotADirectory(PathBuf),
    #[error("`{0}` is a symbolic link; models may not contain links")]
    Symlink(PathBuf),
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
    walk(root, root, &mut found)?;
    found.sort_by(|a, b| a.path.as_str().split('/').cmp(b.path.as_str().split('/')));
    Ok(found)
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<FoundFile>) -> Result<(), WalkError> {
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
            return Err(WalkError::Symlink(full_path));
        } else if file_type.is_dir() {
            walk(root, &full_path, found)?;
        } else if file_type.is_file() {
            let relative = full_path.strip_prefix(root).unwrap_or(&full_path);
            let relative = relative
                .to_str()
                .ok_or_else(|| WalkError::NonUtf8Name(full_path.clone()))?;
            let path: ModelPath = relative.parse()?;
            found.push(FoundFile {
                path,
                full_path,
                size: meta.len(),
            });
        } else {
            return Err(WalkError::SpecialFile(full_path));
        }
    }
    Ok(())
}
