//! License documents: a license version is its license text, its Acceptable Use Policy and
//! its NOTICE, identified by the SHA-256 of those documents. Versions ship under
//! `policies/licenses/<id>/` (`license.toml`, `LICENSE.md`, `USE_POLICY.md`, `NOTICE`).

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::licensing::LicenseVersionRow;
use crate::domain::valid_license_id;
use crate::domain::{Modality, Sha256Digest};
use crate::policy::packs::LicensePack;

/// Prefix of the bytes a license digest is taken over; bump it if the layout changes.
pub const DIGEST_DOMAIN: &str = "modelgate.license/v1";

/// Longest accepted document, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// The demo licenses compiled into the binary, used when no `policies/` directory is found.
const SHIPPED: [(&str, &str, &str, &str); 4] = [
    (
        include_str!("../../policies/licenses/hunyuan/license.toml"),
        include_str!("../../policies/licenses/hunyuan/LICENSE.md"),
        include_str!("../../policies/licenses/hunyuan/USE_POLICY.md"),
        include_str!("../../policies/licenses/hunyuan/NOTICE"),
    ),
    (
        include_str!("../../policies/licenses/llama-3.1/license.toml"),
        include_str!("../../policies/licenses/llama-3.1/LICENSE.md"),
        include_str!("../../policies/licenses/llama-3.1/USE_POLICY.md"),
        include_str!("../../policies/licenses/llama-3.1/NOTICE"),
    ),
    (
        include_str!("../../policies/licenses/llama-3.2/license.toml"),
        include_str!("../../policies/licenses/llama-3.2/LICENSE.md"),
        include_str!("../../policies/licenses/llama-3.2/USE_POLICY.md"),
        include_str!("../../policies/licenses/llama-3.2/NOTICE"),
    ),
    (
        include_str!("../../policies/licenses/llama-4/license.toml"),
        include_str!("../../policies/licenses/llama-4/LICENSE.md"),
        include_str!("../../policies/licenses/llama-4/USE_POLICY.md"),
        include_str!("../../policies/licenses/llama-4/NOTICE"),
    ),
];

/// What the documents of a version carry from `license.toml` (its clauses are the policy
/// bundle's, `policy::packs`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LicenseMetadata {
    pub id: String,
    pub version: String,
    pub title: String,
    pub modalities: Vec<Modality>,
}

/// One version of a license, complete.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LicenseDocuments {
    #[serde(flatten)]
    pub metadata: LicenseMetadata,
    pub license_text: String,
    pub aup_text: String,
    pub notice: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LicenseError {
    #[error("license id `{0}` is invalid (expected lowercase letters, digits, `.` and `-`)")]
    Id(String),
    #[error("license version `{0}` is invalid (expected 1-64 letters, digits, `.`, `_` or `-`)")]
    Version(String),
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("{0} is larger than {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge(&'static str),
}

impl LicenseDocuments {
    /// Checks ids, sizes and that nothing is empty.
    pub fn validate(&self) -> Result<(), LicenseError> {
        let m = &self.metadata;
        if !valid_license_id(&m.id) {
            return Err(LicenseError::Id(m.id.chars().take(80).collect()));
        }
        let version_ok = !m.version.is_empty()
            && m.version.len() <= 64
            && m.version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !version_ok {
            return Err(LicenseError::Version(m.version.chars().take(80).collect()));
        }
        for (name, text) in [
            ("title", &m.title),
            ("license text", &self.license_text),
            ("AUP text", &self.aup_text),
            ("NOTICE", &self.notice),
        ] {
            if text.trim().is_empty() {
                return Err(LicenseError::Empty(name));
            }
            if text.len() > MAX_DOCUMENT_BYTES {
                return Err(LicenseError::TooLarge(name));
            }
        }
        if m.modalities.is_empty() {
            return Err(LicenseError::Empty("modalities"));
        }
        Ok(())
    }

    /// SHA-256 over `DIGEST_DOMAIN`, then for each of LICENSE.md, USE_POLICY.md and NOTICE:
    /// `\0`, the name, `\0`, the byte length in decimal, `\0`, the bytes.
    pub fn digest(&self) -> Sha256Digest {
        let mut hasher = Sha256::new();
        hasher.update(DIGEST_DOMAIN.as_bytes());
        for (name, text) in [
            ("LICENSE.md", &self.license_text),
            ("USE_POLICY.md", &self.aup_text),
            ("NOTICE", &self.notice),
        ] {
            hasher.update(format!("\0{name}\0{}\0", text.len()).as_bytes());
            hasher.update(text.as_bytes());
        }
        Sha256Digest::from_bytes(hasher.finalize().into())
    }

    fn from_parts(metadata: &str, license: &str, aup: &str, notice: &str) -> anyhow::Result<Self> {
        let pack =
            LicensePack::parse(metadata).map_err(|e| anyhow::anyhow!("license.toml: {e}"))?;
        let docs = LicenseDocuments {
            metadata: LicenseMetadata {
                id: pack.id,
                version: pack.version,
                title: pack.title,
                modalities: pack.modalities,
            },
            license_text: license.into(),
            aup_text: aup.into(),
            notice: notice.into(),
        };
        docs.validate()?;
        Ok(docs)
    }

    /// Reads a license version from its directory.
    pub fn load_dir(dir: &Path) -> anyhow::Result<Self> {
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .with_context(|| format!("reading `{}`", dir.join(name).display()))
        };
        Self::from_parts(
            &read("license.toml")?,
            &read("LICENSE.md")?,
            &read("USE_POLICY.md")?,
            &read("NOTICE")?,
        )
        .with_context(|| format!("license in `{}`", dir.display()))
    }

    /// The licenses under `policy_dir/licenses/`, or the compiled-in demo license when that
    /// directory does not exist.
    pub fn shipped(policy_dir: &Path) -> anyhow::Result<Vec<Self>> {
        let root = policy_dir.join("licenses");
        if !root.is_dir() {
            return SHIPPED
                .iter()
                .map(|(m, l, a, n)| Self::from_parts(m, l, a, n))
                .collect();
        }
        let mut dirs: Vec<_> = std::fs::read_dir(&root)
            .with_context(|| format!("reading `{}`", root.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("license.toml").is_file())
            .collect();
        dirs.sort();
        dirs.iter().map(|d| Self::load_dir(d)).collect()
    }

    /// The database row for this version.
    pub fn to_row(&self, published_at: i64, published_by: Option<String>) -> LicenseVersionRow {
        LicenseVersionRow {
            license_id: self.metadata.id.clone(),
            version: self.metadata.version.clone(),
            digest: self.digest().hex(),
            title: self.metadata.title.clone(),
            modalities: serde_json::to_string(&self.metadata.modalities).unwrap_or_default(),
            license_text: self.license_text.clone(),
            aup_text: self.aup_text.clone(),
            notice: self.notice.clone(),
            published_at,
            published_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_demo_license_loads_from_the_repository_and_from_the_binary() {
        let from_repo =
            LicenseDocuments::shipped(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/policies")))
                .expect("repo");
        let embedded = LicenseDocuments::shipped(Path::new("/nonexistent")).expect("embedded");
        assert_eq!(from_repo, embedded);
        let ids: Vec<&str> = from_repo.iter().map(|d| d.metadata.id.as_str()).collect();
        assert_eq!(ids, ["hunyuan", "llama-3.1", "llama-3.2", "llama-4"]);
        let demo = &from_repo[2];
        assert!(demo.license_text.contains("Built with Llama"));
        assert!(demo.license_text.contains("European Union"));
        assert_eq!(
            demo.metadata.modalities,
            vec![Modality::Text, Modality::Multimodal]
        );
    }

    #[test]
    fn digest_covers_every_document_and_their_boundaries() {
        let base = LicenseDocuments::shipped(Path::new("/nonexistent"))
            .expect("embedded")
            .remove(2);
        let mut aup = base.clone();
        aup.aup_text.push(' ');
        let mut moved = base.clone();
        let first = moved.aup_text.remove(0);
        moved.license_text.push(first);
        assert_ne!(base.digest(), aup.digest());
        assert_ne!(base.digest(), moved.digest());
        let mut renamed = base.clone();
        renamed.metadata.title = "other".into();
        assert_eq!(
            base.digest(),
            renamed.digest(),
            "metadata is not part of the documents"
        );
    }
}
