//! The answer to a blob request a grant let through, for every front end that serves blobs
//! (`/v1/blobs`, the Hub's `resolve`, the OCI registry): strong ETags, `Repr-Digest`,
//! single byte ranges, `If-Range` and `If-None-Match`, the request charged to the download
//! allowance and audited before any byte leaves (`access::grant::admit`), and a body that
//! gives back what it did not send. The bytes come from a stored file, a small document
//! kept whole, or a stored file inside a tar frame (a modelcar layer), never copied first.

use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody, SizedStream};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use bytes::Bytes;
use futures_util::StreamExt;

use crate::access::grant::{self, BlobRequest};
use crate::db::grants::GrantRow;
use crate::domain::Sha256Digest;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::http::BlobBody;
use crate::store::range::{parse_range, ByteRange, RangeRequest};
use crate::web::body::response_body;

/// The response header naming the request's audit entry: its receipt is
/// `GET /v1/audit/proof/{entry}` once sequenced.
pub const AUDIT_ENTRY: &str = "modelgate-audit-entry";

/// Where the bytes of the requested blob come from.
#[derive(Debug, Clone)]
pub enum BlobSource {
    /// The stored file with the requested digest.
    Stored,
    /// A small document (an OCI config or signature), kept whole.
    Inline(Bytes),
    /// The stored file `file` between a `prefix` and a `suffix` (a modelcar tar layer).
    Framed {
        prefix: Bytes,
        file: Sha256Digest,
        suffix: Bytes,
    },
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

/// The bytes of one range of a blob and what its answer carries.
struct Stored {
    redirect_url: Option<String>,
    content_digest: Option<Sha256Digest>,
    body: Option<BoxBody>,
}

/// Answers `req` (`GET` or `HEAD`) for the blob `request.blob` of `request.size` bytes,
/// whose bytes come from `source`, under the checked `grant`: audited, charged, served.
pub async fn respond(
    req: &HttpRequest,
    state: &AppState,
    grant: &GrantRow,
    mut request: BlobRequest<'_>,
    source: BlobSource,
) -> Result<HttpResponse, ApiError> {
    let digest = *request.blob;
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
        let admitted = grant::admit(state, grant, &request).await?;
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
            grant::record_refusal(state, Some(grant), &request, &refusal).await;
            return Err(refusal);
        }
    };
    let len = if size == 0 { 0 } else { range.byte_count() };
    let get = req.method() == Method::GET;
    let stored_file = matches!(source, BlobSource::Stored);
    let wants_digest = get && stored_file && wants_sha256_content_digest(req);
    // A presigned URL opens the whole blob, so only a request for the whole blob (charged
    // its whole size) is redirected; ranges, resumes and parts checked by their digest
    // stream through here.
    let redirect =
        get && stored_file && status == StatusCode::OK && !wants_digest && state.blobs.redirects();
    request.status = if redirect {
        StatusCode::TEMPORARY_REDIRECT.as_u16()
    } else {
        status.as_u16()
    };
    request.fresh = get && range.first == 0;
    request.bytes = if get { len } else { 0 };
    if let BlobSource::Framed {
        prefix,
        file,
        suffix,
    } = &source
    {
        // A framed file costs the file's allowance, for the file's bytes it carries.
        let file_size = size - prefix.len() as u64 - suffix.len() as u64;
        let [_, middle, _] = frame_pieces(prefix.len() as u64, file_size, range.first, len);
        request.counted_as = Some(grant::FileCharge {
            file: *file,
            size: file_size,
            bytes: if get { middle.end - middle.start } else { 0 },
        });
    }
    // Counted (or refused) before the store is touched; when the store then fails, the
    // client gets a 503 and its allowance back.
    let admitted = grant::admit(state, grant, &request).await?;
    response.insert_header((AUDIT_ENTRY, admitted.audit_entry.clone()));
    let reservation = admitted.reservation;
    let stored: Result<Stored, ApiError> = async {
        if redirect {
            if let Some(url) = state.blobs.redirect_url(&digest).await? {
                return Ok(Stored {
                    redirect_url: Some(url),
                    content_digest: None,
                    body: None,
                });
            }
        }
        if !get {
            return Ok(Stored {
                redirect_url: None,
                content_digest: None,
                body: None,
            });
        }
        let (content_digest, body) = match source {
            BlobSource::Stored => {
                let blob = open_checked(state, &digest, size).await?;
                let content_digest = match (wants_digest, status) {
                    (false, _) => None,
                    (true, StatusCode::OK) => Some(digest),
                    (true, _) => Some(blob.hash_range(range.first, len).await?),
                };
                let body = response_body(blob.body(range.first, len).await?);
                (content_digest, body)
            }
            BlobSource::Inline(bytes) => {
                let (first, len) = (range.first as usize, len as usize);
                (None, BoxBody::new(bytes.slice(first..first + len)))
            }
            BlobSource::Framed {
                prefix,
                file,
                suffix,
            } => {
                let file_size = size - prefix.len() as u64 - suffix.len() as u64;
                let blob = open_checked(state, &file, file_size).await?;
                let body = framed_body(blob, &prefix, file_size, &suffix, range.first, len).await?;
                (None, body)
            }
        };
        Ok(Stored {
            redirect_url: None,
            content_digest,
            body: Some(body),
        })
    }
    .await;
    let stored = match stored {
        Ok(stored) => stored,
        Err(err) => {
            if let Some(reservation) = &reservation {
                reservation.give_back(&state.db, reservation.bytes).await;
            }
            let mut failed = request.clone();
            failed.status = err.status().as_u16();
            failed.bytes = 0;
            grant::record_refusal(state, Some(grant), &failed, &err).await;
            return Err(err);
        }
    };
    if let Some(url) = stored.redirect_url {
        // Checked, counted and audited above; the bytes come from the store (or the
        // address in storage.s3.public_endpoint) through a short-lived URL.
        return Ok(HttpResponse::TemporaryRedirect()
            .insert_header((header::LOCATION, url))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((AUDIT_ENTRY, admitted.audit_entry))
            .finish());
    }
    response.insert_header((header::CONTENT_TYPE, "application/octet-stream"));
    if let Some(content) = stored.content_digest {
        response.insert_header(("Content-Digest", structured_sha256(&content)));
    }
    let Some(body) = stored.body else {
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

/// Opens the stored file `digest`, checking it holds the `size` bytes the catalog says.
async fn open_checked(
    state: &AppState,
    digest: &Sha256Digest,
    size: u64,
) -> Result<crate::store::blobs::OpenBlob, ApiError> {
    let blob = state.blobs.open_blob(digest).await?;
    if blob.size != size {
        return Err(ApiError::internal(anyhow::anyhow!(
            "blob {digest} holds {} bytes in the store, {size} in the catalog",
            blob.size
        )));
    }
    Ok(blob)
}

/// Which bytes of a frame's prefix, its file and its suffix make the `len` bytes from
/// `first` of `prefix ++ file ++ suffix`: three ranges, each relative to its own part.
fn frame_pieces(prefix_len: u64, file_size: u64, first: u64, len: u64) -> [Range<u64>; 3] {
    let end = first + len;
    let file_end = prefix_len + file_size;
    [
        first.min(prefix_len)..end.min(prefix_len),
        first.clamp(prefix_len, file_end) - prefix_len
            ..end.clamp(prefix_len, file_end) - prefix_len,
        first.max(file_end) - file_end..end.max(file_end) - file_end,
    ]
}

/// `len` bytes from `first` of `prefix ++ file ++ suffix`, streamed.
async fn framed_body(
    blob: crate::store::blobs::OpenBlob,
    prefix: &Bytes,
    file_size: u64,
    suffix: &Bytes,
    first: u64,
    len: u64,
) -> Result<BoxBody, ApiError> {
    let [head, middle, tail] = frame_pieces(prefix.len() as u64, file_size, first, len);
    let part =
        |bytes: &Bytes, range: Range<u64>| bytes.slice(range.start as usize..range.end as usize);
    let middle = if middle.is_empty() {
        futures_util::stream::empty().boxed()
    } else {
        match blob.body(middle.start, middle.end - middle.start).await? {
            BlobBody::Whole(bytes) => futures_util::stream::once(async move { Ok(bytes) }).boxed(),
            BlobBody::Stream { chunks, .. } => chunks,
        }
    };
    let pieces = futures_util::stream::iter([Ok(part(prefix, head))])
        .chain(middle)
        .chain(futures_util::stream::iter([Ok(part(suffix, tail))]))
        .filter(|piece| std::future::ready(!matches!(piece, Ok(bytes) if bytes.is_empty())));
    Ok(BoxBody::new(SizedStream::new(len, pieces.boxed())))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pieces_of_a_frame_make_every_range_exactly() {
        let (prefix, file, suffix) = (&b"HEAD"[..], &b"0123456789"[..], &b"TAIL!"[..]);
        let whole = [prefix, file, suffix].concat();
        let total = whole.len() as u64;
        for first in 0..total {
            for len in 1..=total - first {
                let [head, middle, tail] = frame_pieces(4, 10, first, len);
                let piece =
                    |bytes: &[u8], r: Range<u64>| bytes[r.start as usize..r.end as usize].to_vec();
                let got = [
                    piece(prefix, head),
                    piece(file, middle),
                    piece(suffix, tail),
                ]
                .concat();
                assert_eq!(
                    got,
                    &whole[first as usize..(first + len) as usize],
                    "{first}+{len}"
                );
            }
        }
    }
}
