//! `GET /metrics`: what one access request, one download and one refused blob request
//! leave in the Prometheus counters. The counters belong to the process, as Prometheus
//! clients keep them, so the test that reads exact deltas scrapes a gateway process of its
//! own (`serve --demo`), not one sharing this test binary with every other test.

use crate::common::{self, spawn_app_with, Backend};
use modelgate::config::Secret;

const TEXT: &str = "demo/Llama-3.2-Tiny";
const METRICS_TOKEN: &str = "scrape-token";

async fn scrape(client: &reqwest::Client, base: &str) -> String {
    let response = client
        .get(format!("{base}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    response.text().await.unwrap()
}

/// The value of the sample whose name and labels are exactly `series` (0 when absent).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().unwrap())
}

#[tokio::test]
async fn a_download_and_a_refusal_show_in_the_metrics() {
    let data = tempfile::tempdir().unwrap();
    let (_server, base, _) = common::serve_process(
        common::modelgate(data.path())
            .args(["serve", "--demo", "--port", "0"])
            .env("MODELGATE__SERVER__METRICS_TOKEN", METRICS_TOKEN),
    );
    let client = common::http_client();
    let before = scrape(&client, &base).await;
    let user = common::licensed_session(&client, &base, "dev@example.com", "US").await;
    let grant = common::grant_for(&client, &base, TEXT, &user).await;
    let file = &grant["files"][0];
    let bytes = client
        .get(file["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.len() as u64, file["size"].as_u64().unwrap());
    let refused = client
        .get(format!(
            "{base}/v1/blobs/{}?grant=not-a-grant",
            file["sha256"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let after = scrape(&client, &base).await;

    let delta = |series: &str| sample(&after, series) - sample(&before, series);
    assert_eq!(
        delta(r#"modelgate_policy_decisions_total{action="download",outcome="allow"}"#),
        1.0,
        "{after}"
    );
    assert_eq!(
        delta("modelgate_blob_bytes_served_total"),
        bytes.len() as f64
    );
    assert_eq!(
        delta(r#"modelgate_grant_failures_total{code="invalid-grant"}"#),
        1.0,
        "{after}"
    );
    assert_eq!(
        delta(
            r#"modelgate_http_requests_total{method="GET",route="/v1/blobs/{reference}",status="200"}"#
        ),
        1.0,
        "{after}"
    );
    assert!(
        delta("modelgate_audit_append_duration_seconds_count") >= 4.0,
        "{after}"
    );
    assert!(after.ends_with("# EOF\n"));
}

/// Behind a same-host reverse proxy every client is a loopback peer: with a trusted proxy
/// configured, loopback alone no longer opens the metrics.
#[tokio::test]
async fn behind_a_trusted_proxy_loopback_needs_the_metrics_token() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.server.metrics_token = Secret::new(METRICS_TOKEN)
    })
    .await;
    assert!(!app.state.settings.server.trusted_proxies.is_empty());
    let anonymous = app.get("/metrics").await;
    assert_eq!(anonymous.status(), 403);
    let forwarded = app
        .client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status(), 403);
    let guessed = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(guessed.status(), 403);
    scrape(&app.client, &app.address).await;

    // Without a token configured, a proxied gateway serves metrics to nobody.
    let untokened = spawn_app_with(Backend::Sqlite, |_| {}).await;
    assert_eq!(untokened.get("/metrics").await.status(), 403);
    // With no proxy configured, a loopback peer still may.
    let direct = spawn_app_with(Backend::Sqlite, |s| s.server.trusted_proxies.clear()).await;
    assert_eq!(direct.get("/metrics").await.status(), 200);
}
