//! `ApiError`: the one error type handlers return, with a stable kebab-case code per
//! variant and one JSON envelope `{"error":{"code","message","details"}}`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{json, Value};

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
    #[error("not found")]
    RouteNotFound,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

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
            ApiError::RouteNotFound => "not-found",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    fn details(&self) -> Value {
        match self {
            ApiError::RangeNotSatisfiable { size, .. } => json!({ "size": size }),
            _ => json!({}),
        }
    }

    /// Wraps any unexpected failure; its cause is logged once, when the response is built.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(err.into())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        ApiError::internal(err)
    }
}

impl From<crate::domain::DomainError> for ApiError {
    fn from(err: crate::domain::DomainError) -> Self {
        use crate::domain::DomainError;
        match err {
            DomainError::Digest(_) => ApiError::InvalidDigest(err.to_string()),
            DomainError::ModelId(_) => ApiError::InvalidModelId(err.to_string()),
            _ => ApiError::BadRequest(err.to_string()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::InvalidDigest(_) | ApiError::InvalidModelId(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::ModelNotFound(_)
            | ApiError::RevisionNotFound(_)
            | ApiError::BlobNotFound(_)
            | ApiError::RouteNotFound => StatusCode::NOT_FOUND,
            ApiError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error.cause_chain = ?cause, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::RangeNotSatisfiable { size, .. } = self {
            response.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
        }
        response.json(json!({
            "error": { "code": self.code(), "message": self.to_string(), "details": self.details() }
        }))
    }
}
