//! The OCI registry service (read side): repository names and references (`names`), the
//! registry's tokens and who may pull what (`tokens`), and the manifests, blobs, tags and
//! referrers of the revisions' OCI views (`content`). A registry token that opens content
//! is a download grant, issued after the same policy decision as `POST …/access`; a
//! refusal is a token too, which the registry answers with `DENIED` and the rule or review
//! case that decided, because that is where OCI clients show a registry's message.

pub mod content;
pub mod names;
pub mod tokens;

use crate::access::AccessError;

pub use tokens::Refusal;

/// Why the registry refused or failed, in the distribution spec's terms.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("`{0}` is not a repository name (lowercase `org/name`)")]
    NameInvalid(String),
    #[error("repository `{0}` is not known")]
    NameUnknown(String),
    #[error("manifest `{0}` is not known")]
    ManifestUnknown(String),
    #[error("blob `{0}` is not known in this repository")]
    BlobUnknown(String),
    #[error("`{0}` is not a sha256 digest")]
    DigestInvalid(String),
    /// No token, or one that is not (or no longer) valid: the client should get a new one.
    #[error("{0}")]
    Unauthorized(String),
    /// A valid token that does not open this repository.
    #[error("the token does not grant pull access to `{0}`")]
    InsufficientScope(String),
    /// The policy, a review or the account's state refused the pull (as decided when the
    /// token was asked for).
    #[error("{}", .0.message)]
    Denied(Box<Refusal>),
    /// The grant check of a request refused it (an expired or revoked grant, a changed
    /// location, a used-up allowance) or failed.
    #[error(transparent)]
    Access(AccessError),
    #[error("the registry's records could not be read")]
    Database(#[from] sqlx::Error),
}

impl From<AccessError> for RegistryError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::Database(e) => RegistryError::Database(e),
            other => RegistryError::Access(other),
        }
    }
}
