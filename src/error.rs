//! `ApiError`: the one error type handlers return, with a stable kebab-case code per
//! variant and one JSON envelope `{"error":{"code","message","details"}}`.

use http::StatusCode;
use serde::Serialize;
use serde_json::{json, Value};

/// The body of every error answer: `{"error":{"code","message","details"}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// What went wrong: a stable kebab-case `code`, a message for people, and details a client
/// can act on (a retry delay, the current license version, a refused decision).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    #[schema(example = "model-not-found")]
    pub code: &'static str,
    pub message: String,
    #[schema(value_type = Object)]
    pub details: Value,
}

/// Every error a client can see. The `code` of a variant never changes once released.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("invalid digest: {0}")]
    InvalidDigest(String),
    #[error("invalid model id: {0}")]
    InvalidModelId(String),
    #[error("model `{0}` not found")]
    ModelNotFound(String),
    #[error("revision `{0}` not found")]
    RevisionNotFound(String),
    #[error("blob `{0}` not found")]
    BlobNotFound(String),
    #[error("{message}")]
    RangeNotSatisfiable { message: String, size: u64 },
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("{0}")]
    NotFound(String),
    #[error("authentication required: send `Authorization: Bearer <token>`")]
    Unauthenticated,
    #[error("invalid token: {0}")]
    InvalidToken(String),
    #[error("email or password is wrong")]
    InvalidCredentials,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("too many attempts from this address; try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("confirm your email address first: follow the link mailed to it (POST /v1/auth/resend-verification sends another)")]
    EmailNotVerified,
    #[error("this verification link is unknown, already used or expired; ask for a new one")]
    InvalidVerificationLink,
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("too many connections from this address; try again later")]
    TooManyConnections,
    #[error("invalid country: {0}")]
    InvalidCountry(String),
    #[error("license `{0}` not found")]
    LicenseNotFound(String),
    #[error("the digest you sent is not the current version of this license; read and accept version `{current_version}` (digest {current_digest})")]
    StaleLicenseVersion {
        current_version: String,
        current_digest: String,
    },
    #[error("your license was terminated ({0}); contact the publisher")]
    LicenseTerminated(String),
    #[error("state your domicile first: PUT /v1/me/attestation")]
    AttestationRequired,
    #[error("this blob needs a download grant: POST /v1/models/{{org}}/{{name}}/access, then send `Modelgate-Grant: <token>` or `?grant=<token>`")]
    GrantRequired,
    #[error("invalid grant: {0}")]
    InvalidGrant(String),
    #[error("the grant has expired; ask for a new one at POST /v1/models/{{org}}/{{name}}/access")]
    GrantExpired,
    #[error("the grant does not cover this blob; grants open only the files of the model revision they were issued for")]
    GrantNotForBlob,
    #[error("the entitlement behind this grant was revoked: {0}")]
    EntitlementRevoked(String),
    #[error(
        "the facts this grant was decided on changed (a new declaration, a new license version, or a licensee without a current acceptance); ask for access again"
    )]
    GrantOutdated,
    #[error("this request comes from a location that needs a compliance review for this model ({reasons}); ask for access again at POST /v1/models/{{org}}/{{name}}/access")]
    LocationChanged { reasons: String },
    #[error("this account has been served {limit} copies of this blob's bytes in the current period (fresh and resumed bytes alike); ask again once the period is over")]
    DownloadLimitReached { limit: i64 },
    #[error("access denied: {message}")]
    AccessDenied {
        message: String,
        /// The whole access answer (decision, licensee, signals), sent as `details`.
        answer: Value,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("audit entry `{0}` is not in a signed checkpoint yet; ask again in a second")]
    AuditEntryPending(String),
    /// The database could not be reached (or answered that it cannot serve now).
    #[error("the database is unavailable; try again shortly")]
    DatabaseUnavailable(#[source] anyhow::Error),
    /// The blob store could not be reached or failed.
    #[error("the blob store is unavailable; try again shortly")]
    StoreUnavailable(#[source] anyhow::Error),
    #[error("{0}")]
    ModelNotRunnable(String),
    #[error("{0}")]
    InvalidImage(String),
    #[error("this revision was published without validation vectors; publish it again with this gateway to record them")]
    NoValidationVectors,
    #[error("the prompt has {tokens} tokens; at most {limit} are allowed")]
    PromptTooLong { tokens: usize, limit: usize },
    #[error("{requested} new tokens were asked for; at most {limit} are allowed")]
    TooManyTokens { requested: usize, limit: usize },
    #[error("the model needs about {needed} bytes of memory; this gateway's inference budget is {budget}")]
    InferenceOverBudget { needed: u64, budget: u64 },
    #[error("every inference slot is busy; try again shortly")]
    InferenceBusy,
    #[error("this account already has an inference run waiting or running; one at a time")]
    InferenceAccountBusy,
    #[error("inference took longer than {secs} seconds and was stopped")]
    InferenceTimeout { secs: u64 },
    #[error("inference is disabled on this gateway")]
    InferenceDisabled,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// An error with its causes, `top: cause: cause` (a top line alone often says too little).
pub fn cause_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What a 503 tells clients to wait before trying again.
/// The `Retry-After` of an answer that says the service is busy or briefly unavailable.
pub const RETRY_UNAVAILABLE_AFTER_SECS: &str = "2";

impl ApiError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad-request",
            ApiError::InvalidDigest(_) => "invalid-digest",
            ApiError::InvalidModelId(_) => "invalid-model-id",
            ApiError::ModelNotFound(_) => "model-not-found",
            ApiError::RevisionNotFound(_) => "revision-not-found",
            ApiError::BlobNotFound(_) => "blob-not-found",
            ApiError::RangeNotSatisfiable { .. } => "range-not-satisfiable",
            ApiError::PayloadTooLarge => "payload-too-large",
            ApiError::NotFound(_) => "not-found",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::InvalidToken(_) => "invalid-token",
            ApiError::InvalidCredentials => "invalid-credentials",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::TooManyAttempts { .. } => "too-many-attempts",
            ApiError::EmailTaken => "email-taken",
            ApiError::EmailNotVerified => "email-not-verified",
            ApiError::InvalidVerificationLink => "invalid-verification-link",
            ApiError::RequestTimeout => "request-timeout",
            ApiError::TooManyConnections => "too-many-connections",
            ApiError::InvalidCountry(_) => "invalid-country",
            ApiError::LicenseNotFound(_) => "license-not-found",
            ApiError::StaleLicenseVersion { .. } => "stale-license-version",
            ApiError::AttestationRequired => "attestation-required",
            ApiError::LicenseTerminated(_) => "license-terminated",
            ApiError::GrantRequired => "grant-required",
            ApiError::InvalidGrant(_) => "invalid-grant",
            ApiError::GrantExpired => "grant-expired",
            ApiError::GrantNotForBlob => "grant-not-for-blob",
            ApiError::EntitlementRevoked(_) => "entitlement-revoked",
            ApiError::GrantOutdated => "grant-outdated",
            ApiError::LocationChanged { .. } => "location-changed",
            ApiError::DownloadLimitReached { .. } => "download-limit-reached",
            ApiError::AccessDenied { .. } => "access-denied",
            ApiError::Conflict(_) => "conflict",
            ApiError::AuditEntryPending(_) => "audit-entry-pending",
            ApiError::DatabaseUnavailable(_) => "database-unavailable",
            ApiError::StoreUnavailable(_) => "store-unavailable",
            ApiError::ModelNotRunnable(_) => "model-not-runnable",
            ApiError::InvalidImage(_) => "invalid-image",
            ApiError::NoValidationVectors => "no-validation-vectors",
            ApiError::PromptTooLong { .. } => "prompt-too-long",
            ApiError::TooManyTokens { .. } => "too-many-tokens",
            ApiError::InferenceOverBudget { .. } => "inference-over-budget",
            ApiError::InferenceBusy => "inference-busy",
            ApiError::InferenceAccountBusy => "inference-account-busy",
            ApiError::InferenceTimeout { .. } => "inference-timeout",
            ApiError::InferenceDisabled => "inference-disabled",
            ApiError::Internal(_) => "internal",
        }
    }

    fn details(&self) -> Value {
        match self {
            ApiError::RangeNotSatisfiable { size, .. } => json!({ "size": size }),
            ApiError::TooManyAttempts { retry_after_secs } => {
                json!({ "retry_after_secs": retry_after_secs })
            }
            ApiError::StaleLicenseVersion {
                current_version,
                current_digest,
            } => {
                json!({ "current_version": current_version, "current_digest": current_digest })
            }
            ApiError::DownloadLimitReached { limit } => json!({ "limit": limit }),
            ApiError::PromptTooLong { tokens, limit } => {
                json!({ "tokens": tokens, "limit": limit })
            }
            ApiError::TooManyTokens { requested, limit } => {
                json!({ "requested": requested, "limit": limit })
            }
            ApiError::InferenceOverBudget { needed, budget } => {
                json!({ "needed_bytes": needed, "budget_bytes": budget })
            }
            ApiError::InferenceTimeout { secs } => json!({ "timeout_secs": secs }),
            ApiError::AccessDenied { answer, .. } => answer.clone(),
            _ => json!({}),
        }
    }

    /// The error body every API error is sent as (also the `error` event of a stream).
    pub fn envelope(&self) -> ErrorEnvelope {
        ErrorEnvelope {
            error: ErrorBody {
                code: self.code(),
                message: self.to_string(),
                details: self.details(),
            },
        }
    }

    /// Wraps any unexpected failure; its cause is logged once, when the response is built.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(err.into())
    }
}

impl ApiError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::InvalidDigest(_) | ApiError::InvalidModelId(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::InvalidCountry(_) => StatusCode::BAD_REQUEST,
            ApiError::ModelNotFound(_)
            | ApiError::RevisionNotFound(_)
            | ApiError::BlobNotFound(_)
            | ApiError::LicenseNotFound(_)
            | ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthenticated
            | ApiError::InvalidToken(_)
            | ApiError::InvalidCredentials
            | ApiError::GrantRequired
            | ApiError::InvalidGrant(_)
            | ApiError::GrantExpired => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_)
            | ApiError::LicenseTerminated(_)
            | ApiError::GrantNotForBlob
            | ApiError::EntitlementRevoked(_)
            | ApiError::GrantOutdated
            | ApiError::LocationChanged { .. }
            | ApiError::DownloadLimitReached { .. }
            | ApiError::EmailNotVerified
            | ApiError::AccessDenied { .. } => StatusCode::FORBIDDEN,
            ApiError::InvalidVerificationLink => StatusCode::BAD_REQUEST,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyConnections => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyAttempts { .. } | ApiError::InferenceAccountBusy => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::EmailTaken
            | ApiError::StaleLicenseVersion { .. }
            | ApiError::AttestationRequired
            | ApiError::Conflict(_)
            | ApiError::AuditEntryPending(_) => StatusCode::CONFLICT,
            ApiError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::PayloadTooLarge | ApiError::PromptTooLong { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::TooManyTokens { .. } | ApiError::InvalidImage(_) => StatusCode::BAD_REQUEST,
            ApiError::ModelNotRunnable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NoValidationVectors => StatusCode::CONFLICT,
            ApiError::InferenceOverBudget { .. } => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::InferenceBusy | ApiError::InferenceDisabled => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::InferenceTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            ApiError::DatabaseUnavailable(_) | ApiError::StoreUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}
