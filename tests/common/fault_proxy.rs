//! A reverse proxy for fault tests: forwards every request to a gateway and, as told
//! through `Faults`, damages what comes back: flips a byte of a blob body, cuts a blob body
//! short (the connection drops), slows bodies down, drops the `Range` header or the
//! `Content-Digest` of blob requests, flips a byte of manifests and signatures, or answers
//! snapshot requests with bytes of the test's choosing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::body::SizedStream;
use actix_web::http::header::HeaderName;
use actix_web::web::{Bytes, Data};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use futures_util::StreamExt;

/// What to do to the responses that pass. Counts are "the next n responses".
#[derive(Debug, Default, Clone)]
pub struct Faults {
    /// Flip the byte at this body offset of the next `.1` blob responses that are not cut.
    pub flip_blob_byte: Option<(u64, usize)>,
    /// End the next `.1` blob bodies after this many bytes, dropping the connection.
    pub cut_blob_after: Option<(u64, usize)>,
    /// Sleep this long before each body chunk of a blob.
    pub blob_chunk_delay: Duration,
    /// Remove `Range` from blob requests (the gateway then answers 200).
    pub strip_range: bool,
    /// Remove `Content-Digest` from blob responses.
    pub strip_content_digest: bool,
    /// Flip a byte in the middle of manifest bodies.
    pub flip_manifest: bool,
    /// Flip a byte in the middle of `model.sig` bodies.
    pub flip_signature: bool,
    /// Send `X-Forwarded-For` with this address (the test gateway trusts loopback).
    pub forwarded_for: Option<String>,
    /// Answer `GET /v1/mirror/snapshot` with these bytes instead of upstream's (a tampered
    /// or replayed snapshot).
    pub snapshot_body: Option<Vec<u8>>,
    /// Answer blob `GET`s with a `307` to this URL (an upstream aiming its mirrors at an
    /// address of its choosing).
    pub redirect_blobs_to: Option<String>,
}

pub struct FaultProxy {
    pub address: String,
    pub faults: Arc<Mutex<Faults>>,
}

impl FaultProxy {
    pub fn set(&self, change: impl FnOnce(&mut Faults)) {
        change(&mut self.faults.lock().unwrap());
    }
}

struct Upstream {
    base: String,
    client: reqwest::Client,
    faults: Arc<Mutex<Faults>>,
}

/// Starts a proxy in front of `upstream` (a base URL) on a free loopback port.
pub fn start(upstream: &str) -> FaultProxy {
    let faults = Arc::new(Mutex::new(Faults::default()));
    let state = Data::new(Upstream {
        base: upstream.trim_end_matches('/').to_owned(),
        client: reqwest::Client::new(),
        faults: Arc::clone(&faults),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .default_service(actix_web::web::to(forward))
    })
    .workers(2)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    FaultProxy {
        address: format!("http://127.0.0.1:{port}"),
        faults,
    }
}

/// Takes one use of a "next n responses" fault.
fn take(fault: &mut Option<(u64, usize)>) -> Option<u64> {
    let (value, left) = (*fault)?;
    *fault = (left > 1).then_some((value, left - 1));
    Some(value)
}

async fn forward(req: HttpRequest, body: Bytes, upstream: Data<Upstream>) -> HttpResponse {
    let path = req.uri().path().to_owned();
    if path == "/v1/mirror/snapshot" {
        if let Some(body) = upstream.faults.lock().unwrap().snapshot_body.clone() {
            return HttpResponse::Ok()
                .content_type("application/json")
                .body(body);
        }
    }
    // Blob bodies: the gateway's and the Hub-compatible `resolve` (HEAD has no body).
    let is_blob = (path.starts_with("/v1/blobs/") || path.contains("/resolve/"))
        && req.method() == actix_web::http::Method::GET;
    if is_blob {
        if let Some(to) = upstream.faults.lock().unwrap().redirect_blobs_to.clone() {
            return HttpResponse::TemporaryRedirect()
                .insert_header(("location", to))
                .finish();
        }
    }
    let (flip_at, cut_after, delay, strip_range, strip_digest, flip_middle, forwarded_for) = {
        let mut faults = upstream.faults.lock().unwrap();
        let forwarded_for = faults.forwarded_for.clone();
        let flip_middle = (path.ends_with("/manifest") && faults.flip_manifest)
            || (path.ends_with("/model.sig") && faults.flip_signature);
        if is_blob {
            // A cut response is not also flipped: each fault hits responses of its own.
            let cut = take(&mut faults.cut_blob_after);
            let flip = if cut.is_none() {
                take(&mut faults.flip_blob_byte)
            } else {
                None
            };
            (
                flip,
                cut,
                faults.blob_chunk_delay,
                faults.strip_range,
                faults.strip_content_digest,
                false,
                forwarded_for,
            )
        } else {
            (
                None,
                None,
                Duration::ZERO,
                false,
                false,
                flip_middle,
                forwarded_for,
            )
        }
    };
    let url = format!(
        "{}{}",
        upstream.base,
        req.uri().path_and_query().map_or("/", |p| p.as_str())
    );
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap();
    let mut outgoing = upstream.client.request(method, url);
    for (name, value) in req.headers() {
        let name = name.as_str();
        if name == "host" || name == "content-length" || (strip_range && name == "range") {
            continue;
        }
        outgoing = outgoing.header(name, value.as_bytes());
    }
    if let Some(address) = forwarded_for {
        outgoing = outgoing.header("x-forwarded-for", address);
    }
    let response = match outgoing.body(body.to_vec()).send().await {
        Ok(response) => response,
        Err(e) => return HttpResponse::BadGateway().body(e.to_string()),
    };
    let mut answer = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(response.status().as_u16()).unwrap(),
    );
    for (name, value) in response.headers() {
        let name = name.as_str();
        if matches!(name, "content-length" | "transfer-encoding" | "connection")
            || (strip_digest && name == "content-digest")
        {
            continue;
        }
        answer.insert_header((
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.as_bytes(),
        ));
    }
    let length = response.content_length();
    if flip_middle {
        let mut bytes = response.bytes().await.unwrap_or_default().to_vec();
        if !bytes.is_empty() {
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x01;
        }
        return answer.body(bytes);
    }
    let mut offset = 0u64;
    let stream = response.bytes_stream().map(move |chunk| {
        let mut chunk = chunk.map_err(std::io::Error::other)?.to_vec();
        if let Some(at) = flip_at {
            if at >= offset && at < offset + chunk.len() as u64 {
                chunk[(at - offset) as usize] ^= 0x01;
            }
        }
        let start = offset;
        offset += chunk.len() as u64;
        if let Some(limit) = cut_after {
            if offset > limit {
                chunk.truncate(limit.saturating_sub(start) as usize);
                return Err(std::io::Error::other("fault proxy: connection cut"));
            }
        }
        Ok(Bytes::from(chunk))
    });
    let stream = stream.then(move |item| async move {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        item
    });
    match length {
        Some(length) => answer.body(SizedStream::new(length, stream.boxed_local())),
        None => answer.streaming(stream.boxed_local()),
    }
}
