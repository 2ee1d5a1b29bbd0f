//! Response bodies from what the store and the audit log hand out.

use actix_web::body::{BoxBody, SizedStream};
use actix_web::http::header;
use actix_web::HttpResponse;
use bytes::Bytes;
use futures_util::stream::BoxStream;

use crate::store::http::BlobBody;

/// The actix body of a blob's bytes; a streamed one keeps its length (`Content-Length`).
pub fn response_body(body: BlobBody) -> BoxBody {
    match body {
        BlobBody::Whole(bytes) => BoxBody::new(bytes),
        BlobBody::Stream { len, chunks } => BoxBody::new(SizedStream::new(len, chunks)),
    }
}

/// A download of `chunks` as the file `file_name`, streamed.
pub fn attachment(
    content_type: &str,
    file_name: &str,
    chunks: BoxStream<'static, std::io::Result<Bytes>>,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .streaming(chunks)
}

/// A receipt (C2SP tlog-proof) as a file to keep: `audit-entry-<index>.tlog-proof`.
pub fn receipt_download(proof: &crate::ledger::proof::EntryProof) -> HttpResponse {
    use futures_util::StreamExt;
    let text = Bytes::from(proof.to_text());
    attachment(
        "text/plain; charset=utf-8",
        &format!("audit-entry-{}.tlog-proof", proof.index),
        futures_util::stream::once(async move { Ok(text) }).boxed(),
    )
}
