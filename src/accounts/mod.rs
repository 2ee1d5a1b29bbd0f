//! Account services below the front ends: sign-up with a proven email address (`signup`)
//! and the mail that proves it (`mail`).

pub mod mail;
pub mod signup;

pub use mail::Mailer;
pub use signup::{require_verified_email, resend_verification, sign_up, verify_email};
