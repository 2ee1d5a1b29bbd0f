//! Long-lived API tokens for the CLI and scripts: `mg_` + 256 random bits, shown once,
//! stored only as their SHA-256, each with a name and scopes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::domain::Sha256Digest;

/// Every API token starts with this, so leaked tokens are easy to find and tell apart.
pub const TOKEN_PREFIX: &str = "mg_";

/// What an API token may be used for.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read the catalog, licenses and one's own account.
    Read,
    /// Request access and download weights.
    Download,
    /// Attest and accept licenses.
    Accept,
    /// Use the admin and compliance routes the account's role allows.
    Admin,
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Scope::Read),
            "download" => Ok(Scope::Download),
            "accept" => Ok(Scope::Accept),
            "admin" => Ok(Scope::Admin),
            other => Err(format!(
                "`{}` is not a scope (expected read, download, accept or admin)",
                other.chars().take(40).collect::<String>()
            )),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Scope::Read => "read",
            Scope::Download => "download",
            Scope::Accept => "accept",
            Scope::Admin => "admin",
        };
        f.write_str(name)
    }
}

/// A new token: the secret to show once and the hash to store.
pub fn generate() -> (String, String) {
    let secret = format!("{TOKEN_PREFIX}{}", crate::random::random_hex(32));
    let hash = hash_token(&secret);
    (secret, hash)
}

/// The stored form of a token.
pub fn hash_token(secret: &str) -> String {
    Sha256Digest::of(secret.as_bytes()).hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_stored_hashed() {
        let (a, hash_a) = generate();
        let (b, _) = generate();
        assert!(a.starts_with("mg_") && a.len() == 67);
        assert_ne!(a, b);
        assert_eq!(hash_a, hash_token(&a));
        assert!(!hash_a.contains(&a[3..]));
    }
}
