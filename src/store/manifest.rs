//! The manifest of a model revision: what was published (model id, license, modality) and
//! every file's path, size and SHA-256. Its canonical bytes are sorted-key compact JSON;
//! the SHA-256 of those bytes is the revision digest.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Modality, ModelId, ModelPath, Sha256Digest};
use crate::store::validation::ValidationRecord;

/// Version of the manifest format, inside every manifest.
pub const MANIFEST_SCHEMA: &str = "modelgate.manifest/v1";

/// A model revision as published and signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// `modelgate.manifest/v1`.
    pub schema: String,
    /// `org/name`.
    #[schema(value_type = String)]
    pub model: ModelId,
    pub license: String,
    pub modality: Modality,
    /// Sorted by path components; paths are unique.
    pub files: Vec<ManifestFile>,
    /// The outputs a working copy of the weights must produce (text models the gateway
    /// can run); absent otherwise, and then absent from the canonical bytes too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<ValidationRecord>,
}

/// One file of a revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// The path inside the model, `/`-separated.
    #[schema(value_type = String)]
    pub path: ModelPath,
    pub size: u64,
    /// The file's SHA-256, in hex.
    #[schema(value_type = String)]
    pub sha256: Sha256Digest,
}

impl Manifest {
    /// Builds a manifest, sorting the files by path components (as OpenSSF model-signing
    /// does) so the digest does not depend on the order a directory was walked in.
    pub fn new(
        model: ModelId,
        license: String,
        modality: Modality,
        mut files: Vec<ManifestFile>,
    ) -> Self {
        files.sort_by(|a, b| a.path.as_str().split('/').cmp(b.path.as_str().split('/')));
        Manifest {
            schema: MANIFEST_SCHEMA.into(),
            model,
            license,
            modality,
            files,
            validation: None,
        }
    }

    /// The manifest with `validation` recorded.
    pub fn with_validation(mut self, validation: Option<ValidationRecord>) -> Self {
        self.validation = validation;
        self
    }

    /// Compact JSON with object keys sorted, the bytes the revision digest is taken over.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        crate::canonical_json::to_bytes(&serde_json::to_value(self).unwrap_or_default())
    }

    /// The revision digest: SHA-256 of the canonical bytes.
    pub fn digest(&self) -> Sha256Digest {
        Sha256Digest::of(&self.canonical_bytes())
    }

    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    pub fn file(&self, path: &str) -> Option<&ManifestFile> {
        self.files.iter().find(|f| f.path.as_str() == path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, byte: u8) -> ManifestFile {
        ManifestFile {
            path: path.parse().expect("path"),
            size: 1,
            sha256: Sha256Digest::of(&[byte]),
        }
    }

    #[test]
    fn digest_ignores_walk_order_and_changes_with_content() {
        let id: ModelId = "demo/m".parse().expect("id");
        let a = Manifest::new(
            id.clone(),
            "l".into(),
            Modality::Text,
            vec![file("a", 1), file("b", 2)],
        );
        let b = Manifest::new(
            id.clone(),
            "l".into(),
            Modality::Text,
            vec![file("b", 2), file("a", 1)],
        );
        let c = Manifest::new(
            id,
            "l".into(),
            Modality::Text,
            vec![file("a", 1), file("b", 3)],
        );
        assert_eq!(a.digest(), b.digest());
        assert_ne!(a.digest(), c.digest());
        let text = String::from_utf8(a.canonical_bytes()).expect("utf8");
        assert!(
            text.starts_with(r#"{"files":[{"path":"a","sha256":""#),
            "{text}"
        );
    }
}
