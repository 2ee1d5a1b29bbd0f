//! The OCI views of a revision, computed without IO from what was published: a CNCF
//! ModelPack artifact whose raw layers are the stored files (an OCI digest of an
//! uncompressed file is its SHA-256), a modelcar image whose tar layers place each file under
//! `/models/` for runtimes that mount only images, and the revision's `model.sig` as a
//! referrer of each. Every document is canonical JSON (sorted keys, no whitespace) built
//! from the signed manifest alone, so an upstream and its mirrors name the same views with
//! the same digests. `tar_layer` frames a file as a layer; `weights` reads the facts the
//! ModelPack config reports from safetensors headers.

pub mod tar_layer;
mod views;
pub mod weights;

pub use views::{
    build_views, RevisionViews, ViewBlob, ViewBlobKind, ViewError, ViewInputs, ViewManifest,
};

/// The media type of every manifest the registry serves.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// The media type of a referrers answer.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// An image's config.
pub const OCI_IMAGE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// An uncompressed image layer.
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// The empty descriptor's media type, and its content `{}`.
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
pub const OCI_EMPTY_CONTENT: &str = "{}";

/// ModelPack (CNCF model-spec v1): the artifact type and config media type.
pub const MODEL_ARTIFACT: &str = "application/vnd.cncf.model.manifest.v1+json";
pub const MODEL_CONFIG: &str = "application/vnd.cncf.model.config.v1+json";
/// ModelPack layer annotation: the file's path inside the model.
pub const MODEL_FILEPATH: &str = "org.cncf.model.filepath";
/// The annotation ORAS and CRI-O name a pulled file by.
pub const IMAGE_TITLE: &str = "org.opencontainers.image.title";

/// Which view of a revision a manifest is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// The ModelPack artifact (raw layers, the files as published).
    ModelPack,
    /// The modelcar image (one tar layer per file, under `/models/`).
    Modelcar,
    /// `model.sig` as a referrer of the ModelPack manifest.
    ModelPackSignature,
    /// `model.sig` as a referrer of the modelcar manifest.
    ModelcarSignature,
}

impl View {
    pub const ALL: [View; 4] = [
        View::ModelPack,
        View::Modelcar,
        View::ModelPackSignature,
        View::ModelcarSignature,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            View::ModelPack => "modelpack",
            View::Modelcar => "modelcar",
            View::ModelPackSignature => "modelpack-signature",
            View::ModelcarSignature => "modelcar-signature",
        }
    }

    pub fn parse(text: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == text)
    }
}

/// The ModelPack layer media type of a file, by what its name says it holds: weights,
/// their configuration (model and tokenizer configs), documentation or code.
pub fn modelpack_layer_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    let config_files = [
        "tokenizer.model",
        "vocab.txt",
        "merges.txt",
        "spiece.model",
        "sentencepiece.bpe.model",
    ];
    if config_files.contains(&name.as_str())
        || matches!(extension, "json" | "jinja" | "tiktoken" | "yaml" | "yml")
    {
        "application/vnd.cncf.model.weight.config.v1.raw"
    } else if matches!(extension, "md" | "txt" | "pdf" | "rst" | "html")
        || name.starts_with("license")
        || name.starts_with("notice")
        || name.starts_with("readme")
        || name.starts_with("use_policy")
    {
        "application/vnd.cncf.model.doc.v1.raw"
    } else if matches!(extension, "py" | "sh" | "ipynb") {
        "application/vnd.cncf.model.code.v1.raw"
    } else {
        "application/vnd.cncf.model.weight.v1.raw"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_typed_by_what_they_hold() {
        let weight = "application/vnd.cncf.model.weight.v1.raw";
        let config = "application/vnd.cncf.model.weight.config.v1.raw";
        let doc = "application/vnd.cncf.model.doc.v1.raw";
        for (path, expected) in [
            ("model-00001-of-00002.safetensors", weight),
            ("original/consolidated.00.pth", weight),
            ("config.json", config),
            ("tokenizer.json", config),
            ("original/tokenizer.model", config),
            ("LICENSE", doc),
            ("README.md", doc),
            ("USE_POLICY.md", doc),
            (
                "modeling_llama.py",
                "application/vnd.cncf.model.code.v1.raw",
            ),
        ] {
            assert_eq!(modelpack_layer_type(path), expected, "{path}");
        }
    }

    #[test]
    fn views_round_trip_through_their_names() {
        for view in View::ALL {
            assert_eq!(View::parse(view.as_str()), Some(view));
        }
        assert_eq!(View::parse("image"), None);
    }
}
