//! `GET`/`HEAD /v1/blobs/sha256:{hex}`: content-addressed downloads with strong ETags,
//! `Repr-Digest`, single byte ranges, `If-Range` and `If-None-Match`. Every request needs a
//! grant covering the blob (`access::grant`) and is audited, served or refused
//! (`web::blob_response`).

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};

use crate::access::grant::{self, BlobRequest};
use crate::domain::Sha256Digest;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::blob_response::{respond, BlobSource};
use crate::web::extract::{client_ip, GrantToken};

/// `GET|HEAD /v1/blobs/{reference}`.
#[utoipa::path(
    method(get, head),
    path = "/v1/blobs/{reference}",
    tag = "blobs",
    security(()),
    params(
        ("reference" = String, Path, description = "The blob's digest, `sha256:<hex>`"),
        ("modelgate-grant" = Option<String>, Header, description = "The grant token of an allow decision"),
        ("grant" = Option<String>, Query, description = "The grant token, when it cannot go in the `Modelgate-Grant` header"),
        ("Range" = Option<String>, Header, description = "One byte range, `bytes=first-last` (GET only)"),
        ("If-Range" = Option<String>, Header, description = "The ETag the range is for; anything else means the whole blob"),
        ("If-None-Match" = Option<String>, Header, description = "ETags the client holds (304 on a match)"),
        ("Want-Content-Digest" = Option<String>, Header, description = "`sha-256` asks for a `Content-Digest` of the bytes sent"),
    ),
    responses(
        (
            status = 200,
            description = "The whole blob (no body for HEAD)",
            body = super::openapi::RawBytes,
            content_type = "application/octet-stream",
            headers(
                ("ETag" = String, description = "The hex digest, quoted: a strong tag"),
                ("Repr-Digest" = String, description = "`sha-256=:<base64>:` of the whole blob"),
                ("Content-Digest" = String, description = "`sha-256=:<base64>:` of the bytes sent, when asked"),
                ("Modelgate-Audit-Entry" = String, description = "The id of the request's audit entry: its receipt is `GET /v1/audit/proof/{id}`"),
            ),
        ),
        (
            status = 206,
            description = "The requested byte range",
            body = super::openapi::RawBytes,
            content_type = "application/octet-stream",
            headers(
                ("Content-Range" = String, description = "`bytes first-last/size`"),
                ("ETag" = String, description = "The hex digest, quoted: a strong tag"),
                ("Repr-Digest" = String, description = "`sha-256=:<base64>:` of the whole blob"),
                ("Content-Digest" = String, description = "`sha-256=:<base64>:` of the bytes sent, when asked"),
                ("Modelgate-Audit-Entry" = String, description = "The id of the request's audit entry: its receipt is `GET /v1/audit/proof/{id}`"),
            ),
        ),
        (
            status = 304,
            description = "Not modified: `If-None-Match` matched",
            headers(
                ("Modelgate-Audit-Entry" = String, description = "The id of the request's audit entry: its receipt is `GET /v1/audit/proof/{id}`"),
            ),
        ),
        (
            status = 307,
            description = "The whole blob from object storage, through a short-lived URL (checked, counted and audited here)",
            headers(
                ("Location" = String, description = "The presigned URL"),
                ("Modelgate-Audit-Entry" = String, description = "The id of the request's audit entry: its receipt is `GET /v1/audit/proof/{id}`"),
            ),
        ),
    ),
)]
#[tracing::instrument(skip_all, fields(blob.digest))]
pub async fn download_blob(
    req: HttpRequest,
    state: Data<AppState>,
    reference: Path<String>,
    grant: GrantToken,
) -> Result<HttpResponse, ApiError> {
    let digest: Sha256Digest = reference.parse()?;
    tracing::Span::current().record("blob.digest", tracing::field::display(&digest));
    serve_blob(&req, &state, &digest, grant.0.as_deref()).await
}

/// Answers `req` (`GET` or `HEAD`) with the blob `digest` if `grant_token` covers it;
/// audited, served or refused. The Hub-compatible `resolve` route shares this.
pub(crate) async fn serve_blob(
    req: &HttpRequest,
    state: &AppState,
    digest: &Sha256Digest,
    grant_token: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let mut request = BlobRequest::new(
        digest,
        req.method().as_str(),
        client_ip(req),
        req.headers()
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok()),
    );
    let grant = match grant::check(state, grant_token, &mut request).await {
        Ok(grant) => grant,
        Err(refusal) => {
            let refusal = ApiError::from(refusal);
            request.status = refusal.status().as_u16();
            grant::record_refusal(state, None, &request, &refusal).await;
            return Err(refusal);
        }
    };
    respond(req, state, &grant, request, BlobSource::Stored).await
}
