//! Licensing: license documents and their versions, attestations and acceptances. Every
//! licensing service answers a `LicensingError`, which `ApiError` maps for the front ends.

pub mod acceptance;
pub mod documents;
pub mod service;

use crate::accounts::AccountError;
use crate::auth::Denied;
use crate::error::ApiError;
use documents::LicenseError;

/// Why a licensing service refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum LicensingError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error("license `{0}` not found")]
    LicenseNotFound(String),
    /// The person read another version than the current one.
    #[error("version {current_version} of this license is current")]
    StaleVersion {
        current_version: String,
        current_digest: String,
    },
    #[error("this license was terminated for the account: {0}")]
    Terminated(String),
    #[error("no declaration of domicile yet")]
    AttestationRequired,
    #[error(transparent)]
    InvalidDocuments(#[from] LicenseError),
    #[error("license `{id}` already has a version `{version}` (or identical documents)")]
    VersionExists { id: String, version: String },
    #[error("`reason` must be 1-1000 characters")]
    InvalidReason,
    #[error("no live acceptance `{0}`")]
    AcceptanceNotFound(String),
    #[error("the licensing records could not be read or written")]
    Database(#[from] sqlx::Error),
}

impl From<LicensingError> for ApiError {
    fn from(err: LicensingError) -> Self {
        match err {
            LicensingError::Denied(denied) => denied.into(),
            LicensingError::Account(err) => err.into(),
            LicensingError::LicenseNotFound(id) => ApiError::LicenseNotFound(id),
            LicensingError::StaleVersion {
                current_version,
                current_digest,
            } => ApiError::StaleLicenseVersion {
                current_version,
                current_digest,
            },
            LicensingError::Terminated(reason) => ApiError::LicenseTerminated(reason),
            LicensingError::AttestationRequired => ApiError::AttestationRequired,
            LicensingError::InvalidDocuments(e) => ApiError::BadRequest(e.to_string()),
            e @ LicensingError::VersionExists { .. } => ApiError::Conflict(e.to_string()),
            e @ LicensingError::InvalidReason => ApiError::BadRequest(e.to_string()),
            e @ LicensingError::AcceptanceNotFound(_) => ApiError::NotFound(e.to_string()),
            LicensingError::Database(e) => e.into(),
        }
    }
}
