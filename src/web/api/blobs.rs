//! `GET`/`HEAD /v1/blobs/sha256:{hex}`: content-addressed downloads with strong ETags,
//! `Repr-Digest`, single byte ranges, `If-Range` and `If-None-Match`. Every request needs a
//! grant covering the blob (`access::grant`) and is audited, served or refused.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody, SizedStream};
use actix_web::http::{header, Method, StatusCode};
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use bytes::Bytes;

use crate::access::grant::{self, BlobRequest};
use crate::domain::Sha256Digest;

/// The response header naming the request's audit entry: its receipt is
/// `GET /v1/audit/proof/{entry}` once sequenced.
const AUDIT_ENTRY: &str = "modelgate-audit-entry";
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::range::{parse_range, ByteRange, RangeRequest};
use crate::web::body::response_body;
use crate::web::extract::{client_ip, GrantToken};

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

/// `sha-256=:<base64>:`, the RFC 9530 field value for a SHA-256 digest.
fn structured_sha256(digest: &Sha256Digest) -> String {
    format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(digest.as_bytes())
    )
}

/// Whether the client asked for a SHA-256 `Content-Digest` (RFC 9530
/// `Want-Content-Digest: sha-256=<weight>`, weight 0 meaning "not wanted"). Download
/// clients use it to check each ranged part on arrival and re-fetch only a damaged one.
fn wants_sha256_content_digest(req: &HttpRequest) -> bool {
    header_str(req, header::HeaderName::from_static("want-content-digest")).is_some_and(|value| {
        value.split(',').any(|member| {
            let (algorithm, weight) = member.split_once('=').unwrap_or((member, "1"));
            algorithm.trim() == "sha-256" && weight.trim() != "0"
        })
    })
}

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
    let digest = *digest;
    let mut request = BlobRequest {
        blob: &digest,
        size: 0,
        user_id: None,
        grant_id: None,
        method: req.method().as_str(),
        client_ip: client_ip(req),
        range: header_str(req, header::RANGE),
        status: 0,
        bytes: 0,
        fresh: false,
    };
    let grant = match grant::check(state, grant_token, &mut request).await {
        Ok(grant) => grant,
        Err(refusal) => {
            let refusal = ApiError::from(refusal);
            request.status = refusal.status().as_u16();
            grant::record_refusal(state, None, &request, &refusal).await;
            return Err(refusal);
        }
    };
    // INVARIANT: every refusal happens before any blob I/O; the size comes from the catalog.
    let size = request.size;

    let etag = format!("\"{}\"", digest.hex());
    let repr_digest = structured_sha256(&digest);
    let mut response = HttpResponse::build(StatusCode::OK);
    response
        .insert_header((header::ETAG, etag.clone()))
        .insert_header(("Repr-Digest", repr_digest))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable",
        ))
        .insert_header((header::VARY, "Want-Content-Digest"));
    if none_match(req, &etag) {
        request.status = StatusCode::NOT_MODIFIED.as_u16();
        let admitted = grant::admit(state, &grant, &request).await?;
        return Ok(response
            .status(StatusCode::NOT_MODIFIED)
            .insert_header((AUDIT_ENTRY, admitted.audit_entry))
            .finish());
    }

    // RFC 9110 §14.2: Range applies to GET only.
    let range_header = if req.method() == Method::GET && if_range_allows_partial(req, &etag) {
        header_str(req, header::RANGE)
    } else {
        None
    };
    let mut status = StatusCode::OK;
    let range = match parse_range(range_header, size) {
        RangeRequest::Full => ByteRange {
            first: 0,
            last: size.saturating_sub(1),
        },
        RangeRequest::Partial(range) => {
            status = StatusCode::PARTIAL_CONTENT;
            response
                .status(status)
                .insert_header((header::CONTENT_RANGE, range.content_range(size)));
            range
        }
        RangeRequest::Unsatisfiable(message) => {
            let refusal = ApiError::RangeNotSatisfiable { message, size };
            request.status = refusal.status().as_u16();
            grant::record_refusal(state, Some(&grant), &request, &refusal).await;
            return Err(refusal);
        }
    };
    let len = if size == 0 { 0 } else { range.byte_count() };
    let get = req.method() == Method::GET;
    let wants_digest = get && wants_sha256_content_digest(req);
    // A presigned URL opens the whole blob, so only a request for the whole blob (charged
    // its whole size) is redirected; ranges, resumes and parts checked by their digest
    // stream through here.
    let redirect = get && status == StatusCode::OK && !wants_digest && state.blobs.redirects();
    request.status = if redirect {
        StatusCode::TEMPORARY_REDIRECT.as_u16()
    } else {
        status.as_u16()
    };
    request.fresh = get && range.first == 0;
    request.bytes = if get { len } else { 0 };
    // Counted (or refused) before the store is touched; when the store then fails, the
    // client gets a 503 and its allowance back.
    let admitted = grant::admit(state, &grant, &request).await?;
    response.insert_header((AUDIT_ENTRY, admitted.audit_entry.clone()));
    let reservation = admitted.reservation;
    let stored = async {
        let redirect_url = match redirect {
            true => state.blobs.redirect_url(&digest).await?,
            false => None,
        };
        if redirect_url.is_some() || !get {
            return Ok((redirect_url, None, None));
        }
        let blob = state.blobs.open_blob(&digest).await?;
        if blob.size != size {
            return Err(ApiError::internal(anyhow::anyhow!(
                "blob {digest} holds {} bytes in the store, {size} in the catalog",
                blob.size
            )));
        }
        let content_digest = match (wants_digest, status) {
            (false, _) => None,
            (true, StatusCode::OK) => Some(digest),
            (true, _) => Some(blob.hash_range(range.first, len).await?),
        };
        let body = response_body(blob.body(range.first, len).await?);
        Ok((None, content_digest, Some(body)))
    };
    let (redirect_url, content_digest, body) = match stored.await {
        Ok(stored) => stored,
        Err(err) => {
            if let Some(reservation) = &reservation {
                reservation.give_back(&state.db, reservation.bytes).await;
            }
            let mut failed = request.clone();
            failed.status = err.status().as_u16();
            failed.bytes = 0;
            grant::record_refusal(state, Some(&grant), &failed, &err).await;
            return Err(err);
        }
    };
    if let Some(url) = redirect_url {
        // Checked, counted and audited above; the bytes come from the store (or the
        // address in storage.s3.public_endpoint) through a short-lived URL.
        return Ok(HttpResponse::TemporaryRedirect()
            .insert_header((header::LOCATION, url))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((AUDIT_ENTRY, admitted.audit_entry))
            .finish());
    }
    response.insert_header((header::CONTENT_TYPE, "application/octet-stream"));
    if let Some(content) = content_digest {
        response.insert_header(("Content-Digest", structured_sha256(&content)));
    }
    let Some(body) = body else {
        // HEAD: the headers of the GET, no body.
        return Ok(response.body(SizedStream::new(
            len,
            futures_util::stream::empty::<Result<bytes::Bytes, std::io::Error>>(),
        )));
    };
    crate::metrics::global().record_bytes_served(len);
    Ok(response.body(ChargedBody {
        inner: body,
        sent: 0,
        reservation,
        db: state.db.clone(),
    }))
}

/// A blob body charged to a download allowance: the bytes it did not hand to the
/// connection (a client that went away) are given back when it is dropped, so a resume
/// after an interruption costs only what it sends.
struct ChargedBody {
    inner: BoxBody,
    sent: u64,
    reservation: Option<grant::Reservation>,
    db: crate::db::Db,
}

impl MessageBody for ChargedBody {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.inner.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            this.sent = this.sent.saturating_add(chunk.len() as u64);
        }
        polled
    }
}

impl Drop for ChargedBody {
    fn drop(&mut self) {
        let Some(reservation) = self.reservation.take() else {
            return;
        };
        let unsent = reservation.bytes.saturating_sub(self.sent);
        if unsent == 0 {
            return;
        }
        let db = self.db.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { reservation.give_back(&db, unsent).await });
        }
    }
}
