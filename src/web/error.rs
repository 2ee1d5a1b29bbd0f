//! `ApiError` as an HTTP response: its status, the headers some errors carry
//! (`Retry-After`, `Content-Range`, `WWW-Authenticate`) and the JSON envelope; and the
//! handlers that turn actix's own extractor errors into `ApiError`s.

use actix_web::error::JsonPayloadError;
use actix_web::http::{header, StatusCode};
use actix_web::web;
use actix_web::{HttpResponse, ResponseError};

use crate::error::{ApiError, RETRY_UNAVAILABLE_AFTER_SECS};

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status().as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => {
                tracing::error!(error.cause_chain = ?cause, "request failed")
            }
            ApiError::DatabaseUnavailable(cause) | ApiError::StoreUnavailable(cause) => {
                tracing::warn!(error.cause_chain = ?cause, code = self.code(), "request failed")
            }
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::RangeNotSatisfiable { size, .. } => {
                response.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
            }
            ApiError::TooManyAttempts { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::DatabaseUnavailable(_)
            | ApiError::StoreUnavailable(_)
            | ApiError::TooManyConnections
            | ApiError::InferenceAccountBusy
            | ApiError::InferenceBusy => {
                response.insert_header((header::RETRY_AFTER, RETRY_UNAVAILABLE_AFTER_SECS));
            }
            ApiError::Unauthenticated => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"modelgate\""));
            }
            ApiError::InvalidToken(reason) => {
                let reason = reason.replace('"', "'");
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    format!("Bearer realm=\"modelgate\", error=\"invalid_token\", error_description=\"{reason}\""),
                ));
            }
            _ => {}
        }
        // The message follows the asker's language (its header, or the portal's cookie).
        response.insert_header((header::VARY, "Accept-Language, Cookie"));
        response.json(self.envelope(crate::web::language::current()))
    }
}

/// JSON bodies up to `limit` bytes; a larger one is `413 payload-too-large`, a malformed one
/// `400 bad-request`.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _| match err {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                ApiError::PayloadTooLarge.into()
            }
            other => ApiError::BadRequest(format!("invalid JSON body: {other}")).into(),
        })
}

/// Portal forms up to `limit` bytes; a refused form gets an HTML error page.
pub fn form_config(limit: usize) -> web::FormConfig {
    web::FormConfig::default()
        .limit(limit)
        .error_handler(|err, _| {
            let status = ResponseError::status_code(&err);
            crate::web::portal::FormError {
                status,
                message: err.to_string(),
            }
            .into()
        })
}

/// A path or query string that does not parse is `400 bad-request`.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _| ApiError::BadRequest(err.to_string()).into())
}

/// See `path_config`.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _| ApiError::BadRequest(err.to_string()).into())
}
