//! `ModelPath`: a file's path inside a model directory, relative and normalised so it can
//! never escape the directory it is joined to.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::DomainError;

const MAX_PATH_LEN: usize = 1024;

/// A `/`-separated relative path of normal components: no `..`, no `.`, no empty
/// components, no leading `/`, no backslash, no NUL or control characters.
///
/// ```
/// use modelgate::domain::ModelPath;
/// assert!("original/params.json".parse::<ModelPath>().is_ok());
/// assert!("../../etc/passwd".parse::<ModelPath>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ModelPath(String);

impl ModelPath {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This path below `root`; safe because every component is a normal name.
    pub fn under(&self, root: &Path) -> PathBuf {
        self.0.split('/').fold(root.to_path_buf(), |p, c| p.join(c))
    }
}

fn reject(path: &str, reason: &'static str) -> DomainError {
    DomainError::Path {
        path: path.chars().take(200).collect(),
        reason,
    }
}

impl FromStr for ModelPath {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(reject(s, "empty path"));
        }
        if s.len() > MAX_PATH_LEN {
            return Err(reject(s, "path too long"));
        }
        if s.starts_with('/') {
            return Err(reject(s, "absolute paths are not allowed"));
        }
        if s.contains('\\') {
            return Err(reject(s, "backslashes are not allowed"));
        }
        if s.chars().any(char::is_control) {
            return Err(reject(s, "NUL and control characters are not allowed"));
        }
        for component in s.split('/') {
            match component {
                "" => return Err(reject(s, "empty path component")),
                "." | ".." => return Err(reject(s, "`.` and `..` components are not allowed")),
                _ => {}
            }
        }
        Ok(ModelPath(s.to_owned()))
    }
}

impl TryFrom<String> for ModelPath {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<ModelPath> for String {
    fn from(value: ModelPath) -> Self {
        value.0
    }
}

impl fmt::Display for ModelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_nested_relative_paths() {
        let p: ModelPath = "original/params.json".parse().expect("valid");
        assert_eq!(
            p.under(Path::new("/m")),
            PathBuf::from("/m/original/params.json")
        );
    }

    #[test]
    fn rejects_everything_that_could_escape() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/./b",
            "a//b",
            "a\\..\\b",
            "a\0b",
            "a/",
            "..",
            ".",
        ] {
            assert!(
                bad.parse::<ModelPath>().is_err(),
                "{bad:?} should be rejected"
            );
        }
    }
}
