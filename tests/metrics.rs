//! `GET /metrics`: what one access request, one download and one refused blob request
//! leave in the Prometheus counters.
#![allow(clippy::unwrap_used)]

mod common;

use common::{spawn_app, Backend, TestApp};

const TEXT: &str = "demo/Llama-3.2-Tiny";

async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
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
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let before = scrape(&app).await;
    let user = app.licensed_user("dev@example.com", "US").await;
    let grant = app.grant(&user, TEXT).await;
    let file = &grant["files"][0];
    let bytes = app
        .client
        .get(file["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.len() as u64, file["size"].as_u64().unwrap());
    let refused = app
        .get(&format!(
            "/v1/blobs/{}?grant=not-a-grant",
            file["sha256"].as_str().unwrap()
        ))
        .await;
    assert_eq!(refused.status(), 401);
    let after = scrape(&app).await;

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
