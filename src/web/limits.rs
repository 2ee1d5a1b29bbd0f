//! Limits at the HTTP edge against hostile traffic: connections counted per client address
//! (the TCP peer; a trusted proxy's connections count only toward the global cap, which the
//! server's accept loop enforces), and a deadline for each request body. A connection over
//! its address's cap serves one request at most and is closed: `503 too-many-connections`,
//! or the answer of a health probe (so probes keep working from any address); one that
//! sends nothing is closed at the header deadline. A body that has not arrived by
//! `body_read_timeout_secs` ends the request with `408 request-timeout` and the connection.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Extensions, Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpMessage, ResponseError};
use futures_util::Stream;

use crate::error::ApiError;
use crate::geo::client_ip::limit_key;
use crate::state::AppState;

/// Open connections per client address.
#[derive(Debug, Default)]
pub struct ConnectionCounts(Mutex<HashMap<IpAddr, usize>>);

/// One open connection, counted until it closes (it lives in the connection's data).
#[derive(Debug)]
pub struct ConnectionSlot {
    counted: Option<(Arc<ConnectionCounts>, IpAddr)>,
    /// The address already had its cap of connections when this one opened.
    pub over_cap: bool,
}

impl ConnectionCounts {
    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a new connection from `ip` (an IPv6 client by its /64), which may hold `cap`
    /// at once.
    pub fn open(self: &Arc<Self>, ip: IpAddr, cap: usize) -> ConnectionSlot {
        let ip = limit_key(ip);
        let mut counts = self.counts();
        let open = counts.entry(ip).or_default();
        *open += 1;
        ConnectionSlot {
            over_cap: *open > cap,
            counted: Some((Arc::clone(self), ip)),
        }
    }

    /// Connections open from `ip` now.
    pub fn open_from(&self, ip: IpAddr) -> usize {
        self.counts().get(&limit_key(ip)).copied().unwrap_or(0)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let Some((counts, ip)) = self.counted.take() else {
            return;
        };
        let mut counts = counts.counts();
        if let Some(open) = counts.get_mut(&ip) {
            *open -= 1;
            if *open == 0 {
                counts.remove(&ip);
            }
        }
    }
}

/// The server's `on_connect`: sets `TCP_NODELAY` and counts the connection in `counts`
/// against its address's cap, unless it comes from a trusted proxy.
pub fn on_connect(
    state: &AppState,
    counts: &Arc<ConnectionCounts>,
    connection: &dyn std::any::Any,
    data: &mut Extensions,
) {
    let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() else {
        return;
    };
    let _ = tcp.set_nodelay(true);
    let Ok(peer) = tcp.peer_addr() else {
        return;
    };
    if state.proxies.trusts(&peer.ip()) {
        return;
    }
    let cap = state.settings.server.max_connections_per_ip.max(1);
    data.insert(counts.open(peer.ip(), cap));
}

/// Whether a request is a health probe, answered even on a connection over its cap.
fn is_probe(req: &ServiceRequest) -> bool {
    matches!(req.path(), "/healthz" | "/readyz")
}

/// Whether the request says it has a body.
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

/// The middleware: refuses requests on connections over their address's cap and puts a
/// deadline on the request body.
pub async fn guard_request(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let over_cap = req
        .conn_data::<ConnectionSlot>()
        .is_some_and(|slot| slot.over_cap);
    if over_cap {
        if is_probe(&req) {
            return Ok(closing(next.call(req).await?.map_into_boxed_body()));
        }
        crate::metrics::global().record_refused_connection();
        let response = ApiError::TooManyConnections.error_response();
        return Ok(closing(req.into_response(response)));
    }
    let timed_out = Rc::new(Cell::new(false));
    if has_body(&req) {
        let secs = req
            .app_data::<Data<AppState>>()
            .map_or(30, |s| s.settings.server.body_read_timeout_secs);
        let payload = req.take_payload();
        let limited = DeadlinePayload {
            inner: payload,
            deadline: Box::pin(tokio::time::sleep(Duration::from_secs(secs))),
            timed_out: Rc::clone(&timed_out),
        };
        let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(limited);
        req.set_payload(Payload::from(boxed));
    }
    let response = next.call(req).await?.map_into_boxed_body();
    if timed_out.get() {
        let (req, _) = response.into_parts();
        let refused = ApiError::RequestTimeout.error_response();
        return Ok(closing(ServiceResponse::new(req, refused)));
    }
    Ok(response)
}

/// `response`, with the connection closed after it.
fn closing(mut response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    response
        .response_mut()
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    response
}

/// A request body that fails once its deadline passes.
struct DeadlinePayload {
    inner: Payload,
    deadline: Pin<Box<tokio::time::Sleep>>,
    timed_out: Rc<Cell<bool>>,
}

impl Stream for DeadlinePayload {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.timed_out.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if this.deadline.as_mut().poll(cx).is_ready() {
            this.timed_out.set(true);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Poll::Pending
    }
}

/// Raises this process's open-file limit to what the global connection cap needs (up to
/// the hard limit), and warns when even that is too low.
pub fn raise_file_limit(max_connections: usize) {
    let wanted = u64::try_from(max_connections)
        .unwrap_or(u64::MAX)
        .saturating_add(1024);
    match rlimit::increase_nofile_limit(wanted) {
        Ok(got) if got < wanted => tracing::warn!(
            limit = got,
            server.max_connections = max_connections,
            "the open-file limit is below server.max_connections plus room for files; \
             raise it (ulimit -n, LimitNOFILE=) or lower the cap"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "reading the open-file limit failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_connections_per_address_until_they_close() {
        let counts = Arc::new(ConnectionCounts::default());
        let a = IpAddr::from([192, 0, 2, 1]);
        let first = counts.open(a, 2);
        let second = counts.open(a, 2);
        let third = counts.open(a, 2);
        assert!(!first.over_cap && !second.over_cap && third.over_cap);
        assert!(!counts.open(IpAddr::from([192, 0, 2, 2]), 2).over_cap);
        drop(third);
        drop(second);
        assert_eq!(counts.open_from(a), 1);
        assert!(!counts.open(a, 2).over_cap);
        drop(first);
    }
}
