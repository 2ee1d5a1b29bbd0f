//! The settings of what the process runs on: the HTTP server, blob storage (local or S3), the
//! database and logs.

use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to bind; `127.0.0.1` by default so a fresh start is never public.
    pub host: IpAddr,
    /// Port to bind; 0 picks a free port (tests use this).
    pub port: u16,
    /// HTTP worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// Largest accepted JSON request body, in bytes.
    pub max_body_bytes: usize,
    /// Connections open at once, in all (the server stops accepting at the cap; the
    /// open-file limit is raised to fit it at start).
    pub max_connections: usize,
    /// Connections open at once from one client address (a trusted proxy's count only
    /// toward `max_connections`); one more gets `503 too-many-connections` and is closed.
    pub max_connections_per_ip: usize,
    /// Seconds a client has to send a request's headers (then the connection is closed).
    pub header_read_timeout_secs: u64,
    /// Seconds a client has to send a request's body (then `408 request-timeout`).
    pub body_read_timeout_secs: u64,
    /// Seconds given to in-flight requests on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Base URL printed for people and used in absolute links; derived from host/port when empty.
    pub public_url: String,
    /// Proxies (CIDRs or addresses) whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
    /// A bearer token that lets a scraper read `/metrics` (Prometheus's
    /// `bearer_token_file`). Without it only a loopback peer may read them, and only while
    /// no trusted proxy is configured (behind a same-host proxy everyone is loopback).
    pub metrics_token: Secret,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            workers: 0,
            max_body_bytes: 1 << 20,
            max_connections: 10_000,
            max_connections_per_ip: 256,
            header_read_timeout_secs: 5,
            body_read_timeout_secs: 30,
            shutdown_timeout_secs: 30,
            public_url: String::new(),
            trusted_proxies: Vec::new(),
            metrics_token: Secret::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// Holds the SQLite database, the local blob store, staging space and the keys.
    pub data_dir: PathBuf,
    /// Where the signing keys live; empty means `keys` in the data directory. Replicas
    /// share one set (a mounted secret).
    pub key_dir: PathBuf,
    /// `local` (blobs under the data directory) or `s3` (an S3-compatible bucket).
    pub backend: BlobBackend,
    pub s3: S3Settings,
}

impl Default for StorageSettings {
    fn default() -> Self {
        StorageSettings {
            data_dir: PathBuf::from("data"),
            key_dir: PathBuf::new(),
            backend: BlobBackend::Local,
            s3: S3Settings::default(),
        }
    }
}

impl StorageSettings {
    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }

    pub fn key_dir(&self) -> PathBuf {
        if self.key_dir.as_os_str().is_empty() {
            self.data_dir.join("keys")
        } else {
            self.key_dir.clone()
        }
    }
}

/// Where blobs are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobBackend {
    Local,
    S3,
}

/// An S3-compatible bucket (AWS S3, Garage, MinIO, Ceph RGW ...).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Settings {
    /// The service URL (`http://` is allowed, for a store on a private network); empty
    /// means AWS S3 in `region`.
    pub endpoint: String,
    /// Where clients reach the store, when not at `endpoint` (presigned redirect URLs are
    /// signed for this address); empty = `endpoint`.
    pub public_endpoint: String,
    pub region: String,
    pub bucket: String,
    /// Keys are `<prefix>/sha256/..`; empty for the bucket's root.
    pub prefix: String,
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
    /// `bucket.endpoint/key` instead of `endpoint/bucket/key`.
    pub virtual_hosted_style: bool,
    /// Upload part size for large blobs (5 MiB, S3's minimum, to 512 MiB); files up to
    /// this size go up in one PUT.
    pub part_size_bytes: usize,
    pub connect_timeout_secs: u64,
    /// Deadline of each store request up to its first byte (a body then streams for as
    /// long as the client reads it).
    pub request_timeout_secs: u64,
    /// Retries of a failed store request, and the time they may take in all.
    pub max_retries: usize,
    pub retry_timeout_secs: u64,
    /// After the grant check, answer a fresh blob `GET` with a redirect to a presigned URL of
    /// the store (at `public_endpoint` when set) instead of streaming it through the gateway.
    pub redirect_downloads: bool,
    pub presign_ttl_secs: u64,
}

impl Default for S3Settings {
    fn default() -> Self {
        S3Settings {
            endpoint: String::new(),
            public_endpoint: String::new(),
            region: "us-east-1".into(),
            bucket: String::new(),
            prefix: String::new(),
            access_key_id: Secret::default(),
            secret_access_key: Secret::default(),
            virtual_hosted_style: false,
            part_size_bytes: 16 << 20,
            connect_timeout_secs: 5,
            request_timeout_secs: 30,
            max_retries: 2,
            retry_timeout_secs: 10,
            redirect_downloads: false,
            presign_ttl_secs: 300,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://…` or `postgres://…`; empty means `modelgate.db` in the data directory.
    pub url: Secret,
    pub max_connections: u32,
    /// Seconds a request waits for a database connection before it fails with
    /// `database-unavailable` (503).
    pub acquire_timeout_secs: u64,
    /// Whether `serve` applies pending migrations at start (the embedded default). Replicas
    /// set it to false and let a release job run `modelgate migrate`; they then refuse to
    /// start on a schema older than their release.
    pub migrate_on_start: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: Secret::default(),
            max_connections: 16,
            acquire_timeout_secs: 5,
            migrate_on_start: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A `tracing` filter, e.g. `info` or `modelgate=debug,actix_web=info`; `RUST_LOG` wins.
    pub level: String,
    /// `text` for people, `json` for log pipelines.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}
