//! Compliance integrity: the attacks a hostile licensee, partner or client made on a running
//! gateway, replayed end to end over HTTP on every backend. Each got a wrong allow (or
//! unlimited downloads) before; each must now be refused.

mod allowance;
use crate::common;
mod geoip;
mod grants;
mod partners;
mod reviews;

use std::net::Ipv4Addr;

use crate::common::mmdb::{geoip2_country, Builder};
use crate::common::{error_code, smallest_file, spawn_app, spawn_app_with, Backend, TestApp};
use modelgate::domain::Role;
use serde_json::{json, Value};

const TEXT: &str = "demo/Llama-3.2-Tiny";
const VISION: &str = "demo/Llama-3.2-Tiny-Vision";
/// Placed in Germany by `locate_germany`.
const GERMAN_IP: &str = "81.0.0.1";
/// Unknown to every test database: no location signal.
const UNKNOWN_IP: &str = "9.9.9.9";

/// GET a blob with a grant, from `client_ip` (through the trusted loopback proxy).
async fn fetch(
    app: &TestApp,
    file: &Value,
    grant: &str,
    range: Option<&str>,
    client_ip: &str,
) -> reqwest::Response {
    let path = format!("/v1/blobs/{}", file["sha256"].as_str().unwrap());
    let mut request = app
        .client
        .get(app.url(&path))
        .header("Modelgate-Grant", grant)
        .header("x-forwarded-for", client_ip);
    if let Some(range) = range {
        request = request.header("Range", range);
    }
    request.send().await.unwrap()
}

/// The access answer for `model` from `ip`, with `action` (default download).
async fn ask(app: &TestApp, session: &str, model: &str, ip: &str, action: Option<&str>) -> Value {
    let body = action.map(|a| json!({ "action": a }));
    let response = app.access(session, model, Some(ip), body).await;
    let status = response.status().as_u16();
    let mut body: Value = response.json().await.unwrap();
    body["status"] = json!(status);
    body
}

fn outcome(answer: &Value) -> &str {
    answer["outcome"]
        .as_str()
        .or_else(|| answer["error"]["details"]["outcome"].as_str())
        .unwrap_or_default()
}

fn policies(answer: &Value) -> Vec<String> {
    let decision = if answer["decision"].is_object() {
        &answer["decision"]
    } else {
        &answer["error"]["details"]["decision"]
    };
    decision["reasons"]
        .as_array()
        .map(|reasons| {
            reasons
                .iter()
                .map(|r| r["policy"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn locate_germany(app: &TestApp) {
    let mut geo = Builder::new("GeoIP2-Country");
    geo.insert(
        Ipv4Addr::new(81, 0, 0, 0),
        16,
        &geoip2_country("DE", "EU", false),
    );
    geo.insert(
        Ipv4Addr::new(84, 0, 0, 0),
        16,
        &geoip2_country("US", "NA", true),
    );
    geo.write(&app.geoip_path());
}

async fn declare(app: &TestApp, session: &str, body: Value) -> reqwest::Response {
    app.put_json("/v1/me/attestation", Some(session), &body)
        .await
}

fn individual(country: &str) -> Value {
    json!({ "legal_name": "Ada Lovelace", "domicile_country": country, "on_behalf_of_organisation": false, "monthly_active_users": "up_to_1m" })
}

/// Asserts `answer`'s outcome and that `policy` is among its reasons.
fn assert_decided(answer: &Value, expected: &str, policy: &str) {
    assert_eq!(outcome(answer), expected, "{answer}");
    assert!(
        policies(answer).iter().any(|p| p == policy),
        "{policy}: {answer}"
    );
}

/// Declares an individual domiciled in `country` (accepted with 200).
async fn redeclare(app: &TestApp, session: &str, country: &str) {
    assert_eq!(
        declare(app, session, individual(country)).await.status(),
        200
    );
}

/// Decides review case `id` as compliance staff.
async fn decide(app: &TestApp, compliance: &str, id: &str, verdict: &str) {
    let decided = app
        .post_json(
            &format!("/v1/reviews/{id}/{verdict}"),
            Some(compliance),
            &json!({ "note": "checked the documents" }),
        )
        .await;
    assert_eq!(decided.status(), 200);
}
