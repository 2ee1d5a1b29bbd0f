//! Prometheus metrics for one gateway process, served as OpenMetrics text at `GET /metrics`:
//! HTTP requests by route and status with latency, bytes of weights served, policy
//! decisions by outcome, refused blob requests, audit append latency, blob store errors and
//! connections refused over their address's cap.

use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The matched route pattern (`/v1/blobs/{reference}`), never the raw path, so the
    /// number of series stays bounded.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DecisionLabels {
    pub action: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabels {
    /// The stable error code.
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: String,
}

/// The process's metrics. Every part of the gateway records into the one instance
/// `global()` returns, as Prometheus client libraries do with their default registry.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Family<RequestLabels, Histogram, fn() -> Histogram>,
    bytes_served: Counter,
    decisions: Family<DecisionLabels, Counter>,
    grant_failures: Family<CodeLabels, Counter>,
    audit_append_seconds: Histogram,
    audit_sequenced: Counter,
    audit_inclusion_seconds: Histogram,
    store_errors: Family<OperationLabels, Counter>,
    refused_connections: Counter,
}

/// 1 ms to about 33 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("modelgate");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        let request_seconds =
            Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (until the response head; bodies stream after)",
            request_seconds.clone(),
        );
        let bytes_served = Counter::default();
        registry.register(
            "blob_bytes_served",
            "Bytes of blobs sent in answers to GET (full and ranged)",
            bytes_served.clone(),
        );
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "policy_decisions",
            "Recorded access decisions by action and outcome",
            decisions.clone(),
        );
        let grant_failures = Family::<CodeLabels, Counter>::default();
        registry.register(
            "grant_failures",
            "Blob requests refused, by error code (missing, invalid, expired grants, limits)",
            grant_failures.clone(),
        );
        let audit_append_seconds = latency_histogram();
        registry.register(
            "audit_append_duration_seconds",
            "Time to append events to the audit log's pending queue inside their transaction (one event, or one batch of blob requests)",
            audit_append_seconds.clone(),
        );
        let audit_sequenced = Counter::default();
        registry.register(
            "audit_entries_sequenced",
            "Audit entries integrated into the Merkle tree under a signed checkpoint",
            audit_sequenced.clone(),
        );
        let audit_inclusion_seconds = latency_histogram();
        registry.register(
            "audit_inclusion_delay_seconds",
            "Time from an audit entry's write to a signed checkpoint covering it (oldest of each batch)",
            audit_inclusion_seconds.clone(),
        );
        let store_errors = Family::<OperationLabels, Counter>::default();
        registry.register(
            "store_errors",
            "Blob store operations that failed",
            store_errors.clone(),
        );
        let refused_connections = Counter::default();
        registry.register(
            "refused_connections",
            "Requests refused because their connection was over its address's cap",
            refused_connections.clone(),
        );
        Metrics {
            registry,
            requests,
            request_seconds,
            bytes_served,
            decisions,
            grant_failures,
            audit_append_seconds,
            audit_sequenced,
            audit_inclusion_seconds,
            store_errors,
            refused_connections,
        }
    }

    pub fn record_request(&self, labels: RequestLabels, elapsed: Duration) {
        self.request_seconds
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
        self.requests.get_or_create(&labels).inc();
    }

    pub fn record_bytes_served(&self, bytes: u64) {
        self.bytes_served.inc_by(bytes);
    }

    pub fn record_decision(&self, action: &str, outcome: &str) {
        self.decisions
            .get_or_create(&DecisionLabels {
                action: action.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    pub fn record_grant_failure(&self, code: &str) {
        self.grant_failures
            .get_or_create(&CodeLabels {
                code: code.to_owned(),
            })
            .inc();
    }

    pub fn record_audit_append(&self, elapsed: Duration) {
        self.audit_append_seconds.observe(elapsed.as_secs_f64());
    }

    pub fn record_audit_sequenced(&self, entries: usize, oldest_waited: Duration) {
        self.audit_sequenced.inc_by(entries as u64);
        self.audit_inclusion_seconds
            .observe(oldest_waited.as_secs_f64());
    }

    pub fn record_store_error(&self, operation: &str) {
        self.store_errors
            .get_or_create(&OperationLabels {
                operation: operation.to_owned(),
            })
            .inc();
    }

    pub fn record_refused_connection(&self) {
        self.refused_connections.inc();
    }

    /// The OpenMetrics text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        out
    }
}

/// The process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}
