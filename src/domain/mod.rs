//! Newtypes that parse once and are trusted afterwards: model ids, digests, relative
//! file paths inside a model, and modalities.

mod digest;
mod modality;
mod model_id;
mod model_path;

pub use digest::Sha256Digest;
pub use modality::Modality;
pub use model_id::ModelId;
pub use model_path::ModelPath;

/// Why a piece of user input is not a valid domain value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    #[error("`{0}` is not a sha256 digest (expected 64 lowercase hex characters, optionally prefixed by `sha256:`)")]
    Digest(String),
    #[error("`{0}` is not a model id (expected `org/name` of letters, digits, `.`, `_` or `-`)")]
    ModelId(String),
    #[error("`{path}` is not an allowed model file path: {reason}")]
    Path { path: String, reason: &'static str },
    #[error("`{0}` is not a modality (expected `text` or `multimodal`)")]
    Modality(String),
}
