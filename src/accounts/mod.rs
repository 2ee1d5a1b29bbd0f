//! Account services below the front ends: sign-up with an email address proven by mail
//! (`signup`, sent through `crate::mail`), operator-made accounts and sessions (`sessions`),
//! declarations (`attestations`) and API tokens (`tokens`).

pub mod attestations;
pub mod sessions;
pub mod signup;
pub mod tokens;

pub use sessions::{create_account, sign_in, SignedIn};
pub use signup::{require_verified_email, resend_verification, sign_up, verify_email};

use crate::error::ApiError;

/// The longest free-text field (names) an account may set.
const MAX_TEXT_CHARS: usize = 200;

/// `value` trimmed, when it is 1-`MAX_TEXT_CHARS` characters without control characters.
pub(crate) fn bounded_text(field: &str, value: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty()
        || value.chars().count() > MAX_TEXT_CHARS
        || value.chars().any(char::is_control)
    {
        return Err(ApiError::BadRequest(format!(
            "`{field}` must be 1-{MAX_TEXT_CHARS} characters without control characters"
        )));
    }
    Ok(value.to_owned())
}
