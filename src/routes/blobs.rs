//! `GET`/`HEAD /v1/blobs/sha256:{hex}`: content-addressed downloads with strong ETags,
//! `Repr-Digest`, single byte ranges, `If-Range` and `If-None-Match`.

use actix_web::body::SizedStream;
use actix_web::http::{header, Method, StatusCode};
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;

use crate::domain::Sha256Digest;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::http::range_body;
use crate::store::range::{parse_range, ByteRange, RangeRequest};

/// Decides whether this request may read the blob. Today every published blob is public;
/// the policy layer replaces this with a grant check (licensee, revision, expiry, quota).
async fn authorize_blob_access(state: &AppState, digest: &Sha256Digest) -> Result<(), ApiError> {
    if state.catalog.blob_is_published(digest).await? {
        Ok(())
    } else {
        Err(ApiError::BlobNotFound(digest.reference()))
    }
}

fn header_str(req: &HttpRequest, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// `If-None-Match` uses the weak comparison: `W/"x"` matches `"x"`, `*` matches anything.
fn none_match(req: &HttpRequest, etag: &str) -> bool {
    header_str(req, header::IF_NONE_MATCH).is_some_and(|value| {
        value
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
    })
}

/// `If-Range` uses the strong comparison; a date or another tag means "send everything".
fn if_range_allows_partial(req: &HttpRequest, etag: &str) -> bool {
    header_str(req, header::IF_RANGE).is_none_or(|value| value.trim() == etag)
}

/// `GET|HEAD /v1/blobs/{reference}`.
#[tracing::instrument(skip_all, fields(blob.digest))]
pub async fn download_blob(
    req: HttpRequest,
    state: Data<AppState>,
    reference: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let digest: Sha256Digest = reference.parse()?;
    tracing::Span::current().record("blob.digest", tracing::field::display(&digest));
    authorize_blob_access(&state, &digest).await?;
    let (file, size) = state.blobs.open_blob(&digest).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ApiError::BlobNotFound(digest.reference()),
        _ => ApiError::internal(e),
    })?;

    let etag = format!("\"{}\"", digest.hex());
    let repr_digest = format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(digest.as_bytes())
    );
    let mut response = HttpResponse::build(StatusCode::OK);
    response
        .insert_header((header::ETAG, etag.clone()))
        .insert_header(("Repr-Digest", repr_digest))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable",
        ));
    if none_match(&req, &etag) {
        return Ok(response.status(StatusCode::NOT_MODIFIED).finish());
    }

    // RFC 9110 §14.2: Range applies to GET only.
    let range_header = if req.method() == Method::GET && if_range_allows_partial(&req, &etag) {
        header_str(&req, header::RANGE)
    } else {
        None
    };
    let range = match parse_range(range_header, size) {
        RangeRequest::Full => ByteRange {
            first: 0,
            last: size.saturating_sub(1),
        },
        RangeRequest::Partial(range) => {
            response
                .status(StatusCode::PARTIAL_CONTENT)
                .insert_header((header::CONTENT_RANGE, range.content_range(size)));
            range
        }
        RangeRequest::Unsatisfiable(message) => {
            return Err(ApiError::RangeNotSatisfiable { message, size })
        }
    };
    let len = if size == 0 { 0 } else { range.byte_count() };
    response.insert_header((header::CONTENT_TYPE, "application/octet-stream"));
    if req.method() == Method::HEAD {
        return Ok(response.body(SizedStream::new(
            len,
            futures_util::stream::empty::<Result<bytes::Bytes, std::io::Error>>(),
        )));
    }
    Ok(response.body(range_body(file, range.first, len).map_err(ApiError::internal)?))
}
