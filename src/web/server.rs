//! The HTTP server: the app (body limits, extractor error handlers, middleware, routes, the
//! fallback for unknown paths), connection limits and deadlines from `server.*` settings.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::web::{self, Data};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};

use crate::error::ApiError;
use crate::state::AppState;
use crate::web::{error, limits, middleware};

/// A started server; it runs until awaited to the end (SIGTERM or Ctrl-C, then a drain of
/// in-flight requests).
pub struct RunningServer {
    server: Server,
    connections: Arc<limits::ConnectionCounts>,
}

impl RunningServer {
    /// Serves until stopped.
    pub async fn wait(self) -> std::io::Result<()> {
        self.server.await
    }

    /// The open connections per client address.
    pub fn connections(&self) -> Arc<limits::ConnectionCounts> {
        Arc::clone(&self.connections)
    }
}

/// Runs `future` on the web layer's runtime (one thread per worker, plus this one).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    actix_web::rt::System::new().block_on(future)
}

/// Starts serving `state` on `listener`.
pub fn start(listener: TcpListener, state: AppState) -> anyhow::Result<RunningServer> {
    let settings = state.settings.server.clone();
    let connecting = state.clone();
    let connections = Arc::new(limits::ConnectionCounts::default());
    let counted = Arc::clone(&connections);
    let state = Data::new(state);
    let workers = if settings.workers == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        settings.workers
    };
    limits::raise_file_limit(settings.max_connections);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(error::json_config(settings.max_body_bytes))
            .app_data(error::form_config(settings.max_body_bytes))
            .app_data(error::path_config())
            .app_data(error::query_config())
            // Inside the request log and metrics, so refusals are logged and counted.
            .wrap(actix_web::middleware::from_fn(limits::guard_request))
            .wrap(actix_web::middleware::from_fn(middleware::observe_request))
            .configure(crate::web::oci::configure)
            .configure(crate::web::portal::configure)
            .configure(crate::web::api::configure)
            .default_service(web::to(not_found))
    })
    .on_connect(move |connection, data| limits::on_connect(&connecting, &counted, connection, data))
    .client_request_timeout(Duration::from_secs(
        settings.header_read_timeout_secs.max(1),
    ))
    .max_connections(settings.max_connections.div_ceil(workers).max(1))
    .workers(workers)
    .shutdown_timeout(settings.shutdown_timeout_secs)
    .listen(listener)?
    .run();
    Ok(RunningServer {
        server,
        connections,
    })
}

/// No route matched: an HTML page for a browser, the JSON error for everyone else.
async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if crate::web::portal::wants_html(&req) {
        return Ok(crate::web::portal::error_page(
            StatusCode::NOT_FOUND,
            "not-found",
            "there is no page at this address",
        ));
    }
    Err(ApiError::NotFound("no such route".into()))
}
