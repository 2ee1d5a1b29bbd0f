//! Newtypes that parse once and are trusted afterwards: model ids, digests, relative
//! file paths inside a model, and modalities.

mod client;
mod country;
mod digest;
mod email;
mod license_id;
mod modality;
mod model_id;
mod model_path;
mod role;
mod time;
mod user_band;

pub use client::ClientInfo;
pub use country::{countries, CountryCode};
pub use digest::Sha256Digest;
pub use email::Email;
pub use license_id::valid_license_id;
pub use modality::Modality;
pub use model_id::ModelId;
pub use model_path::ModelPath;
pub use role::Role;
pub use time::{parse_time, rfc3339};
pub use user_band::UserBand;

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
    #[error("`{0}` is not an ISO 3166-1 alpha-2 country code")]
    Country(String),
    #[error("`{0}` is not a role (expected `user`, `compliance`, `admin` or `partner`)")]
    Role(String),
    #[error("`{0}` is not a valid email address")]
    Email(String),
    #[error("`{0}` is not a monthly-active-users band (expected up_to_1m, up_to_10m, up_to_100m, up_to_700m, up_to_1b or over_1b)")]
    UserBand(String),
    #[error("`{field}` must be YYYY-MM-DD or RFC 3339")]
    Time { field: String },
}

impl From<DomainError> for crate::error::ApiError {
    fn from(err: DomainError) -> Self {
        use crate::error::ApiError;
        match err {
            DomainError::Digest(_) => ApiError::InvalidDigest(err.to_string()),
            DomainError::ModelId(_) => ApiError::InvalidModelId(err.to_string()),
            DomainError::Country(_) => ApiError::InvalidCountry(err.to_string()),
            _ => ApiError::BadRequest(err.to_string()),
        }
    }
}
