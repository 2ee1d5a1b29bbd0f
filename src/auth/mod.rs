//! Authentication and authorisation: passwords, session JWTs, API tokens, login
//! throttling, and the `Principal` extractor handlers use.

pub mod api_tokens;
pub mod grant_tokens;
pub mod jwt;
pub mod password;
pub mod principal;
pub mod throttle;

pub use api_tokens::Scope;
pub use principal::{Denied, Principal, ANY_ROLE};

/// Whether two secrets are equal, compared by their SHA-256 digests: the time taken
/// depends neither on where they differ nor on their lengths.
pub fn same_secret(a: &str, b: &str) -> bool {
    use sha2::{Digest, Sha256};
    Sha256::digest(a) == Sha256::digest(b)
}
