//! `ApiError`: the one error type handlers return, with a stable kebab-case code per
//! variant and one JSON envelope `{"error":{"code","message","details"}}`.

use http::StatusCode;
use serde::Serialize;
use serde_json::{json, Value};

use crate::i18n::{Arg, Lang};

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
#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    InvalidDigest(String),
    InvalidModelId(String),
    ModelNotFound(String),
    RevisionNotFound(String),
    BlobNotFound(String),
    RangeNotSatisfiable {
        message: String,
        size: u64,
    },
    PayloadTooLarge,
    NotFound(String),
    Unauthenticated,
    InvalidToken(String),
    InvalidCredentials,
    Forbidden(String),
    TooManyAttempts {
        retry_after_secs: u64,
    },
    EmailTaken,
    EmailNotVerified,
    InvalidVerificationLink,
    RequestTimeout,
    TooManyConnections,
    InvalidCountry(String),
    LicenseNotFound(String),
    StaleLicenseVersion {
        current_version: String,
        current_digest: String,
    },
    LicenseTerminated(String),
    AttestationRequired,
    GrantRequired,
    InvalidGrant(String),
    GrantExpired,
    GrantNotForBlob,
    EntitlementRevoked(String),
    GrantOutdated,
    LocationChanged {
        reasons: String,
    },
    DownloadLimitReached {
        limit: i64,
    },
    AccessDenied {
        /// The rule that refused (its reason is the message), when a rule did.
        rule: Option<String>,
        /// The reason as the policy bundle states it (for a rule we carry no translation of).
        message: String,
        /// The whole access answer (decision, licensee, signals), sent as `details`.
        answer: Value,
    },
    Conflict(String),
    AuditEntryPending(String),
    /// The database could not be reached (or answered that it cannot serve now).
    DatabaseUnavailable(anyhow::Error),
    /// The blob store could not be reached or failed.
    StoreUnavailable(anyhow::Error),
    ModelNotRunnable(String),
    InvalidImage(String),
    NoValidationVectors,
    PromptTooLong {
        tokens: usize,
        limit: usize,
    },
    TooManyTokens {
        requested: usize,
        limit: usize,
    },
    InferenceOverBudget {
        needed: u64,
        budget: u64,
    },
    InferenceBusy,
    InferenceAccountBusy,
    InferenceTimeout {
        secs: u64,
    },
    InferenceDisabled,
    Internal(anyhow::Error),
}

impl ApiError {
    /// The message for people, in `lang` (the code stays the same in every language).
    pub fn message_in(&self, lang: Lang) -> String {
        if let ApiError::AccessDenied {
            rule: Some(rule),
            message,
            ..
        } = self
        {
            let reason = lang.rule_reason(rule, message);
            return lang.text_with("error-access-denied", &[("reason", Arg::from(reason))]);
        }
        lang.text_with(&format!("error-{}", self.code()), &self.message_args())
    }

    /// What the message of this error is filled with.
    fn message_args(&self) -> Vec<(&'static str, Arg)> {
        let detail = |text: &String| vec![("detail", Arg::from(text))];
        match self {
            ApiError::BadRequest(text)
            | ApiError::InvalidDigest(text)
            | ApiError::InvalidModelId(text)
            | ApiError::NotFound(text)
            | ApiError::InvalidToken(text)
            | ApiError::Forbidden(text)
            | ApiError::InvalidCountry(text)
            | ApiError::LicenseTerminated(text)
            | ApiError::InvalidGrant(text)
            | ApiError::EntitlementRevoked(text)
            | ApiError::Conflict(text)
            | ApiError::ModelNotRunnable(text)
            | ApiError::InvalidImage(text) => detail(text),
            ApiError::RangeNotSatisfiable { message, .. } => detail(message),
            ApiError::ModelNotFound(model) => vec![("model", Arg::from(model))],
            ApiError::RevisionNotFound(revision) => vec![("revision", Arg::from(revision))],
            ApiError::BlobNotFound(blob) => vec![("blob", Arg::from(blob))],
            ApiError::LicenseNotFound(license) => vec![("license", Arg::from(license))],
            ApiError::AuditEntryPending(entry) => vec![("entry", Arg::from(entry))],
            ApiError::TooManyAttempts { retry_after_secs } => {
                vec![("seconds", Arg::from(retry_after_secs))]
            }
            ApiError::StaleLicenseVersion {
                current_version,
                current_digest,
            } => vec![
                ("version", Arg::from(current_version)),
                ("digest", Arg::from(current_digest)),
            ],
            ApiError::LocationChanged { reasons } => vec![("reasons", Arg::from(reasons))],
            ApiError::DownloadLimitReached { limit } => vec![("limit", Arg::from(limit))],
            ApiError::AccessDenied { message, .. } => vec![("reason", Arg::from(message))],
            ApiError::PromptTooLong { tokens, limit } => {
                vec![("tokens", Arg::from(tokens)), ("limit", Arg::from(limit))]
            }
            ApiError::TooManyTokens { requested, limit } => {
                vec![
                    ("requested", Arg::from(requested)),
                    ("limit", Arg::from(limit)),
                ]
            }
            ApiError::InferenceOverBudget { needed, budget } => {
                vec![("needed", Arg::from(needed)), ("budget", Arg::from(budget))]
            }
            ApiError::InferenceTimeout { secs } => vec![("seconds", Arg::from(secs))],
            ApiError::PayloadTooLarge
            | ApiError::Unauthenticated
            | ApiError::InvalidCredentials
            | ApiError::EmailTaken
            | ApiError::EmailNotVerified
            | ApiError::InvalidVerificationLink
            | ApiError::RequestTimeout
            | ApiError::TooManyConnections
            | ApiError::AttestationRequired
            | ApiError::GrantRequired
            | ApiError::GrantExpired
            | ApiError::GrantNotForBlob
            | ApiError::GrantOutdated
            | ApiError::DatabaseUnavailable(_)
            | ApiError::StoreUnavailable(_)
            | ApiError::NoValidationVectors
            | ApiError::InferenceBusy
            | ApiError::InferenceAccountBusy
            | ApiError::InferenceDisabled
            | ApiError::Internal(_) => Vec::new(),
        }
    }
}

/// English, as logs and the command line show it.
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_in(Lang::En))
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApiError::DatabaseUnavailable(cause)
            | ApiError::StoreUnavailable(cause)
            | ApiError::Internal(cause) => Some(cause.as_ref()),
            _ => None,
        }
    }
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

    /// The error body every API error is sent as (also the `error` event of a stream), its
    /// message in `lang`.
    pub fn envelope(&self, lang: Lang) -> ErrorEnvelope {
        ErrorEnvelope {
            error: ErrorBody {
                code: self.code(),
                message: self.message_in(lang),
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
