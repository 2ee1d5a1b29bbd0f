//! Account services below the front ends: sign-up with an email address proven by mail
//! (`signup`, sent through `crate::mail`), operator-made accounts and sessions (`sessions`),
//! declarations (`attestations`) and API tokens (`tokens`). Each answers an
//! `AccountError`, which `ApiError` maps for the front ends.

pub mod attestations;
pub mod sessions;
pub mod signup;
pub mod tokens;

pub use sessions::{create_account, sign_in, SignedIn};
pub use signup::{require_verified_email, resend_verification, sign_up, verify_email};

use crate::auth::password::PasswordError;
use crate::auth::Denied;
use crate::domain::DomainError;
use crate::error::ApiError;

/// Why an account service refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("an account with this email address exists")]
    EmailTaken,
    #[error("wrong email address or password")]
    InvalidCredentials,
    #[error("too many attempts; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("the account's email address is not verified yet")]
    EmailNotVerified,
    #[error("the verification link is invalid, used or expired")]
    InvalidVerificationLink,
    /// Input the service refuses, with what is wrong with it.
    #[error("{0}")]
    Invalid(String),
    /// A request this account may not make, with why.
    #[error("{0}")]
    NotAllowed(String),
    #[error("no live token `{0}` on this account")]
    TokenNotFound(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("the account records could not be read or written")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl AccountError {
    /// Wraps an unexpected failure.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AccountError::Internal(err.into())
    }
}

impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::Denied(denied) => denied.into(),
            AccountError::EmailTaken => ApiError::EmailTaken,
            AccountError::InvalidCredentials => ApiError::InvalidCredentials,
            AccountError::TooManyAttempts { retry_after_secs } => {
                ApiError::TooManyAttempts { retry_after_secs }
            }
            AccountError::EmailNotVerified => ApiError::EmailNotVerified,
            AccountError::InvalidVerificationLink => ApiError::InvalidVerificationLink,
            AccountError::Invalid(message) => ApiError::BadRequest(message),
            AccountError::NotAllowed(message) => ApiError::Forbidden(message),
            e @ AccountError::TokenNotFound(_) => ApiError::NotFound(e.to_string()),
            AccountError::Domain(e) => e.into(),
            AccountError::Password(e) => e.into(),
            AccountError::Database(e) => e.into(),
            AccountError::Internal(e) => ApiError::Internal(e),
        }
    }
}

/// The longest free-text field (names) an account may set.
const MAX_TEXT_CHARS: usize = 200;

/// `value` trimmed, when it is 1-`MAX_TEXT_CHARS` characters without control characters.
pub(crate) fn bounded_text(field: &str, value: &str) -> Result<String, AccountError> {
    let value = value.trim();
    if value.is_empty()
        || value.chars().count() > MAX_TEXT_CHARS
        || value.chars().any(char::is_control)
    {
        return Err(AccountError::Invalid(format!(
            "`{field}` must be 1-{MAX_TEXT_CHARS} characters without control characters"
        )));
    }
    Ok(value.to_owned())
}
