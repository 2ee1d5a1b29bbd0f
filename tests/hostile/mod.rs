//! Hostile traffic: the attacks that exhausted memory or file descriptors, made the gateway
//! work for requests it then refused, or turned its own defences against its users, each
//! replayed against a running gateway. Each worked before; each must now be held off.

mod accounts;
mod blobs;
use crate::common;
mod connections;
mod inference;
mod mirror;

use crate::common::TestApp;
use serde_json::Value;

const TEXT: &str = "demo/Llama-3.2-Tiny";
const VISION: &str = "demo/Llama-3.2-Tiny-Vision";

/// `GET path` as if from `client_ip` (the test app trusts loopback as a proxy).
async fn get_from(app: &TestApp, path: &str, client_ip: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("x-forwarded-for", client_ip)
        .send()
        .await
        .unwrap()
}

/// The `blob.request`-like events of `kind` in the audit log.
async fn events_of(app: &TestApp, kind: &str) -> Vec<modelgate::ledger::LogEntry> {
    modelgate::db::audit::recent(&app.state.db, Some(kind), 1000)
        .await
        .unwrap()
}

/// The path of the blob of a grant's file.
fn blob_path(file: &Value) -> String {
    format!("/v1/blobs/{}", file["sha256"].as_str().unwrap())
}
