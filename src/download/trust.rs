//! Publisher keys pinned per gateway on first use, as SSH pins host keys: the first
//! download from an endpoint records its publisher key's fingerprint (printed for the user
//! to check out of band); later downloads refuse a different key unless one is given with
//! `--publisher-key`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::store::signing::PublicKey;

/// Where pins live: `$MODELGATE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/modelgate`, else
/// `~/.config/modelgate`.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MODELGATE_CONFIG_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME") {
        return PathBuf::from(dir).join("modelgate");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".config").join("modelgate")
}

/// The pins: `known_publishers.json` (endpoint → key fingerprint) and one PEM per key
/// under `publishers/`, which `modelgate verify --public-key` can be pointed at.
#[derive(Debug, Clone)]
pub struct TrustStore {
    dir: PathBuf,
}

/// How the key of an endpoint was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// The key matched the pin.
    Pinned,
    /// No pin existed: this key is now pinned.
    FirstUse,
}

impl TrustStore {
    pub fn new(dir: PathBuf) -> Self {
        TrustStore { dir }
    }

    fn index_path(&self) -> PathBuf {
        self.dir.join("known_publishers.json")
    }

    /// The PEM file of a pinned key.
    pub fn key_path(&self, key: &PublicKey) -> PathBuf {
        let fingerprint = key.fingerprint();
        let hex = fingerprint.trim_start_matches("sha256:");
        self.dir.join("publishers").join(format!("{hex}.pem"))
    }

    fn read_index(&self) -> anyhow::Result<BTreeMap<String, String>> {
        match std::fs::read(self.index_path()) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("reading `{}`", self.index_path().display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e).with_context(|| format!("reading `{}`", self.index_path().display())),
        }
    }

    /// Checks `offered` (the key `endpoint` serves) against the pin for `endpoint`, pinning
    /// it when there is none. A different key is an error naming both fingerprints.
    pub fn check(&self, endpoint: &str, offered: &PublicKey) -> anyhow::Result<Trust> {
        let mut index = self.read_index()?;
        let fingerprint = offered.fingerprint();
        match index.get(endpoint) {
            Some(pinned) if *pinned == fingerprint => {
                self.write_key(offered)?;
                Ok(Trust::Pinned)
            }
            Some(pinned) => anyhow::bail!(
                "the publisher key of {endpoint} changed: pinned {pinned}, now offered \
                 {fingerprint}. If the publisher rotated its key, confirm the new fingerprint \
                 out of band and pass it with --publisher-key (or remove the pin from `{}`)",
                self.index_path().display()
            ),
            None => {
                self.write_key(offered)?;
                index.insert(endpoint.to_owned(), fingerprint);
                let json = serde_json::to_vec_pretty(&index)?;
                write_atomically(&self.index_path(), &json)?;
                Ok(Trust::FirstUse)
            }
        }
    }

    fn write_key(&self, key: &PublicKey) -> anyhow::Result<()> {
        let path = self.key_path(key);
        if !path.exists() {
            write_atomically(&path, key.pem().as_bytes())?;
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, creating the parent.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("creating `{}`", parent.display()))?;
    let temporary = parent.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        crate::random::random_hex(6)
    ));
    std::fs::write(&temporary, bytes)
        .with_context(|| format!("writing `{}`", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("writing `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::signing::PublisherKey;

    #[test]
    fn pins_on_first_use_and_refuses_another_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = TrustStore::new(dir.path().to_path_buf());
        let keys = tempfile::tempdir().expect("tempdir");
        let first = PublisherKey::load_or_generate_file(keys.path(), "a.pem")
            .expect("key")
            .public();
        let second = PublisherKey::load_or_generate_file(keys.path(), "b.pem")
            .expect("key")
            .public();
        let endpoint = "http://gateway.example";
        assert_eq!(store.check(endpoint, &first).expect("pin"), Trust::FirstUse);
        assert_eq!(store.check(endpoint, &first).expect("same"), Trust::Pinned);
        let refusal = store.check(endpoint, &second).expect_err("another key");
        assert!(refusal.to_string().contains(&first.fingerprint()));
        assert!(refusal.to_string().contains(&second.fingerprint()));
        // Another endpoint has its own pin.
        assert_eq!(
            store.check("http://other.example", &second).expect("pin"),
            Trust::FirstUse
        );
        let pem = std::fs::read_to_string(store.key_path(&first)).expect("pem");
        assert_eq!(
            PublicKey::from_pem(&pem).expect("parse").fingerprint(),
            first.fingerprint()
        );
    }
}
