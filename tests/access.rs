//! `POST /v1/models/{org}/{name}/access` and the grants it hands out: every blob request
//! needs one, and each way of misusing one fails with its own code. GeoIP signals from real
//! `.mmdb` files, and the audit events of decisions, grants and blob requests.

use std::net::Ipv4Addr;

use crate::common::mmdb::{dbip_country, geoip2_country, Builder};
use crate::common::{error_code, smallest_file, spawn_app, spawn_app_with, Backend, TestApp};
use modelgate::db::audit;
use modelgate::domain::Role;
use serde_json::{json, Value};

const TEXT: &str = "demo/Llama-3.2-Tiny";
const VISION: &str = "demo/Llama-3.2-Tiny-Vision";

/// The smallest file of an allow answer, with its grant URL.
fn blob_path(file: &Value) -> String {
    format!("/v1/blobs/{}", file["sha256"].as_str().unwrap())
}

/// A file of an allow answer with other contents than `file`.
fn another_file<'a>(answer: &'a Value, file: &Value) -> &'a Value {
    answer["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["sha256"] != file["sha256"])
        .unwrap()
}

async fn fetch(app: &TestApp, path: &str, grant: &str, range: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .get(app.url(path))
        .header("Modelgate-Grant", grant);
    if let Some(range) = range {
        request = request.header("Range", range);
    }
    request.send().await.unwrap()
}

async fn an_allow_carries_a_grant_and_urls_that_download_the_revision(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let response = app.access(&session, VISION, None, None).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["outcome"], "allow");
    assert_eq!(
        answer["decision"]["reasons"][0]["policy"],
        "license.accepted"
    );
    assert_eq!(
        answer["decision"]["bundle_digest"],
        app.state.policy.get().digest().hex()
    );
    assert_eq!(answer["licensee"]["kind"], "individual");
    assert_eq!(answer["grant"]["downloads_per_blob"], 5);
    let expires = time::OffsetDateTime::parse(
        answer["grant"]["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let hours = (expires - time::OffsetDateTime::now_utc()).whole_minutes() as f64 / 60.0;
    assert!(
        (23.9..=24.0).contains(&hours),
        "24 h by default, got {hours}"
    );

    let manifest: Value = app
        .get(&format!("/v1/models/{VISION}/manifest"))
        .await
        .json()
        .await
        .unwrap();
    let files = answer["files"].as_array().unwrap();
    assert_eq!(files.len(), manifest["files"].as_array().unwrap().len());
    for file in files {
        let url = file["url"].as_str().unwrap();
        assert!(url.starts_with(&app.address), "{url}");
        let bytes = app.client.get(url).send().await.unwrap();
        assert_eq!(bytes.status(), 200);
        let body = bytes.bytes().await.unwrap();
        assert_eq!(
            format!(
                "sha256:{}",
                modelgate::domain::Sha256Digest::of(&body).hex()
            ),
            file["sha256"].as_str().unwrap()
        );
    }
}
on_each_backend!(an_allow_carries_a_grant_and_urls_that_download_the_revision);

async fn blob_requests_without_a_valid_grant_each_fail_with_their_own_code(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.grants.downloads_per_blob = 2).await;
    app.publish_demo().await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let text = app.grant(&session, TEXT).await;
    let vision = app.grant(&session, VISION).await;
    let file = smallest_file(&vision);
    let path = blob_path(&file);
    let vision_grant = vision["grant"]["token"].as_str().unwrap();

    let none = app.get(&path).await;
    assert_eq!(none.status(), 401);
    assert_eq!(error_code(none).await, "grant-required");

    let other_model = fetch(&app, &path, text["grant"]["token"].as_str().unwrap(), None).await;
    assert_eq!(other_model.status(), 403);
    assert_eq!(error_code(other_model).await, "grant-not-for-blob");

    let garbage = fetch(&app, &path, "not-a-grant", None).await;
    assert_eq!(garbage.status(), 401);
    assert_eq!(error_code(garbage).await, "invalid-grant");

    // A session token is not a grant, and a grant is not a session.
    let session_as_grant = fetch(&app, &path, &session, None).await;
    assert_eq!(error_code(session_as_grant).await, "invalid-grant");
    let grant_as_session = app.get_auth("/v1/me", vision_grant).await;
    assert_eq!(grant_as_session.status(), 401);

    // A tampered grant (its payload swapped for another grant's) fails its signature.
    let parts: Vec<&str> = vision_grant.split('.').collect();
    let text_parts: Vec<&str> = text["grant"]["token"]
        .as_str()
        .unwrap()
        .split('.')
        .collect();
    let forged = format!("{}.{}.{}", parts[0], text_parts[1], parts[2]);
    assert_eq!(
        error_code(fetch(&app, &path, &forged, None).await).await,
        "invalid-grant"
    );

    // One fresh download, a resume (its bytes count), HEAD (free), then the byte
    // budget of two copies is spent.
    assert_eq!(fetch(&app, &path, vision_grant, None).await.status(), 200);
    let resume = fetch(&app, &path, vision_grant, Some("bytes=10-")).await;
    assert_eq!(resume.status(), 206);
    let head = app
        .client
        .head(app.url(&path))
        .header("Modelgate-Grant", vision_grant)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200, "HEAD does not count");
    let capped = fetch(&app, &path, vision_grant, None).await;
    assert_eq!(capped.status(), 403);
    let body: Value = capped.json().await.unwrap();
    assert_eq!(body["error"]["code"], "download-limit-reached");
    assert_eq!(body["error"]["details"]["limit"], 2);
    let from_zero = fetch(&app, &path, vision_grant, Some("bytes=0-")).await;
    assert_eq!(error_code(from_zero).await, "download-limit-reached");
    // The last ten bytes of the budget still serve a small range; then nothing.
    let tail = fetch(&app, &path, vision_grant, Some("bytes=0-9")).await;
    assert_eq!(tail.status(), 206);
    let resumed = fetch(&app, &path, vision_grant, Some("bytes=1-1")).await;
    assert_eq!(error_code(resumed).await, "download-limit-reached");
    // Asking again returns the same grant, counts and all.
    let again = app.grant(&session, VISION).await;
    assert_eq!(again["grant"]["id"], vision["grant"]["id"]);
    let again_token = again["grant"]["token"].as_str().unwrap();
    assert_eq!(
        error_code(fetch(&app, &path, again_token, None).await).await,
        "download-limit-reached"
    );
    // The cap is per blob: another file of the same grant still downloads.
    let other_file = another_file(&vision, &file);
    assert_eq!(
        fetch(&app, &blob_path(other_file), vision_grant, None)
            .await
            .status(),
        200
    );

    // Revocation: the license is terminated, and the next request with the existing
    // grant fails.
    let admin = app.account("admin@example.com", Role::Admin).await;
    let text_grant = text["grant"]["token"].as_str().unwrap();
    let text_path = blob_path(&smallest_file(&text));
    assert_eq!(
        fetch(&app, &text_path, text_grant, None).await.status(),
        200
    );
    let revoked = app
        .revoke_first_acceptance(&admin, "breach of the acceptable use policy")
        .await;
    assert_eq!(revoked.status(), 200);
    let after = fetch(&app, &text_path, text_grant, Some("bytes=5-")).await;
    assert_eq!(after.status(), 403);
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["error"]["code"], "entitlement-revoked");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("breach"));
    // …and no new grant is issued.
    let denied = app.access(&session, TEXT, None, None).await;
    assert_eq!(denied.status(), 403);
    let body: Value = denied.json().await.unwrap();
    assert_eq!(body["error"]["code"], "access-denied");
    assert_eq!(body["error"]["details"]["decision"]["outcome"], "deny");
}
on_each_backend!(blob_requests_without_a_valid_grant_each_fail_with_their_own_code);

/// Many downloads of one blob at once, recorded together: exactly the cap is served,
/// each answer names its audit entry, every other request is refused with the limit, and
/// another blob's allowance is untouched.
async fn parallel_downloads_of_one_blob_stop_exactly_at_the_cap(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.grants.downloads_per_blob = 3).await;
    app.publish_demo().await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let text = app.grant(&session, TEXT).await;
    let token = text["grant"]["token"].as_str().unwrap();
    let file = smallest_file(&text);
    let path = blob_path(&file);
    let attempts = (0..24).map(|_| fetch(&app, &path, token, None));
    let mut served = 0;
    for response in futures_util::future::join_all(attempts).await {
        if response.status() == 200 {
            served += 1;
            assert!(response.headers().contains_key("modelgate-audit-entry"));
            assert_eq!(
                response.bytes().await.unwrap().len() as u64,
                file["size"].as_u64().unwrap()
            );
        } else {
            assert_eq!(response.status(), 403);
            assert_eq!(error_code(response).await, "download-limit-reached");
        }
    }
    assert_eq!(served, 3, "exactly the cap of 3 downloads");
    let other = another_file(&text, &file);
    assert_eq!(
        fetch(&app, &blob_path(other), token, None).await.status(),
        200
    );
}
on_each_backend!(parallel_downloads_of_one_blob_stop_exactly_at_the_cap);

#[tokio::test]
async fn a_new_declaration_outdates_existing_grants() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let answer = app.grant(&session, VISION).await;
    let path = blob_path(&smallest_file(&answer));
    let grant = answer["grant"]["token"].as_str().unwrap();
    assert_eq!(fetch(&app, &path, grant, None).await.status(), 200);
    // Now declared in Germany: the old grant no longer opens anything, and a new question
    // gets the EU answer.
    app.attest(&session, "DE").await;
    let outdated = fetch(&app, &path, grant, Some("bytes=3-")).await;
    assert_eq!(outdated.status(), 403);
    assert_eq!(error_code(outdated).await, "grant-outdated");
    let denied = app.access(&session, VISION, None, None).await;
    assert_eq!(denied.status(), 403);
}

#[tokio::test]
async fn an_expired_grant_is_refused() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.grants.ttl_secs = 1).await;
    app.publish_demo().await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let answer = app.grant(&session, TEXT).await;
    let path = blob_path(&smallest_file(&answer));
    let grant = answer["grant"]["token"].as_str().unwrap();
    assert_eq!(fetch(&app, &path, grant, None).await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let expired = fetch(&app, &path, grant, Some("bytes=1-")).await;
    assert_eq!(expired.status(), 401);
    assert_eq!(error_code(expired).await, "grant-expired");
}

#[tokio::test]
async fn access_needs_a_signed_in_user_with_a_declared_domicile() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let anonymous = app
        .client
        .post(app.url(&format!("/v1/models/{TEXT}/access")))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(anonymous).await, "unauthenticated");
    let token = app.account("new@example.com", Role::User).await;
    let undeclared = app.access(&token, TEXT, None, None).await;
    assert_eq!(error_code(undeclared).await, "attestation-required");
    app.attest(&token, "US").await;
    let unknown = app.access(&token, "demo/missing", None, None).await;
    assert_eq!(error_code(unknown).await, "model-not-found");
    let bad_action = app
        .access(&token, TEXT, None, Some(json!({ "action": "steal" })))
        .await;
    assert_eq!(error_code(bad_action).await, "bad-request");
    let not_accepted = app.access(&token, TEXT, None, None).await;
    assert_eq!(not_accepted.status(), 403);
    let body: Value = not_accepted.json().await.unwrap();
    assert_eq!(
        body["error"]["details"]["decision"]["reasons"][0]["policy"],
        "license.acceptance-required"
    );
}

#[tokio::test]
async fn a_new_license_version_needs_a_new_acceptance_before_another_grant() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let admin = app.account("admin@example.com", Role::Admin).await;
    let session = app.licensed_user("ada@example.com", "US").await;
    assert_eq!(app.access(&session, TEXT, None, None).await.status(), 200);
    let version = json!({ "version": "v2", "title": "t", "modalities": ["text", "multimodal"],
                          "license_text": "new", "aup_text": "new aup", "notice": "Built with Llama." });
    let published = app
        .post_json(
            "/v1/admin/licenses/llama-3.2/versions",
            Some(&admin),
            &version,
        )
        .await;
    assert_eq!(published.status(), 201);
    let stale = app.access(&session, TEXT, None, None).await;
    assert_eq!(stale.status(), 403);
    let body: Value = stale.json().await.unwrap();
    assert_eq!(
        body["error"]["details"]["decision"]["reasons"][0]["policy"],
        "license.acceptance-required"
    );
    app.accept_current(&session).await;
    assert_eq!(app.access(&session, TEXT, None, None).await.status(), 200);
}

/// A GeoIP2-Country-shaped database: Germany, Switzerland, a continent-only European
/// block and an anonymising proxy.
fn geoip2_database() -> Builder {
    let mut db = Builder::new("GeoIP2-Country");
    db.insert(
        Ipv4Addr::new(81, 0, 0, 0),
        16,
        &geoip2_country("DE", "EU", false),
    )
    .insert(
        Ipv4Addr::new(82, 0, 0, 0),
        16,
        &geoip2_country("CH", "EU", false),
    )
    .insert(
        Ipv4Addr::new(83, 0, 0, 0),
        16,
        &geoip2_country("", "EU", false),
    )
    .insert(
        Ipv4Addr::new(84, 0, 0, 0),
        16,
        &geoip2_country("US", "NA", true),
    );
    db
}

async fn signals_for(app: &TestApp, session: &str, ip: &str) -> Value {
    let response = app.access(session, TEXT, Some(ip), None).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["signals"].clone()
}

#[tokio::test]
async fn geoip_reads_both_schemas_reloads_on_change_and_never_fails_a_request() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let path = app.geoip_path();

    // An address the database does not know, then an unreadable replacement: no signal
    // (the previous database stays), and the request still succeeds.
    let none = signals_for(&app, &session, "81.0.0.1").await;
    assert_eq!(none["geo_country"], "");
    std::fs::write(&path, b"garbage").unwrap();
    assert_eq!(
        signals_for(&app, &session, "81.0.0.1").await["geo_country"],
        "",
        "an unreadable file is no new signal"
    );
    std::fs::write(&path, b"garbage").unwrap();
    assert_eq!(
        signals_for(&app, &session, "81.0.0.1").await["geo_country"],
        ""
    );

    geoip2_database().write(&path);
    assert_eq!(
        signals_for(&app, &session, "81.0.0.1").await["geo_country"],
        "DE"
    );
    assert_eq!(
        signals_for(&app, &session, "82.0.3.4").await["geo_country"],
        "CH"
    );
    assert_eq!(
        signals_for(&app, &session, "83.0.0.9").await["geo_country"],
        "EU",
        "a continent-level answer is the EU pseudo-code"
    );
    let proxy = signals_for(&app, &session, "84.0.0.1").await;
    assert_eq!(proxy["anonymous_proxy"], true);
    assert_eq!(
        signals_for(&app, &session, "9.9.9.9").await["geo_country"],
        ""
    );
    // The client IP is the right-most untrusted X-Forwarded-For hop, never the left-most.
    assert_eq!(
        signals_for(&app, &session, "81.0.0.1, 82.0.0.1").await["geo_country"],
        "CH"
    );

    // Replaced by a DB-IP-shaped database: picked up without a restart.
    let mut dbip = Builder::new("DBIP-Country-Lite");
    dbip.insert(Ipv4Addr::new(81, 0, 0, 0), 16, &dbip_country("FR"));
    dbip.write(&path);
    assert_eq!(
        signals_for(&app, &session, "81.0.0.1").await["geo_country"],
        "FR"
    );

    // A corrupt replacement keeps the last good database, and so does a removed file.
    std::fs::write(&path, b"not a maxmind database at all").unwrap();
    assert_eq!(
        signals_for(&app, &session, "81.0.0.1").await["geo_country"],
        "FR"
    );
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        signals_for(&app, &session, "81.0.0.1").await["geo_country"],
        "FR"
    );
}

async fn decisions_grants_and_blob_requests_are_audited_with_their_inputs(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    geoip2_database().write(&app.geoip_path());
    let session = app.account("ada@example.com", Role::User).await;
    let org = json!({ "legal_name": "Ada", "domicile_country": "FR", "on_behalf_of_organisation": true, "monthly_active_users": "up_to_1m",
                      "organisation_name": "Engines Inc", "organisation_country": "US" });
    assert_eq!(
        app.put_json("/v1/me/attestation", Some(&session), &org)
            .await
            .status(),
        200
    );
    app.accept_current(&session).await;
    let response = app.access(&session, TEXT, Some("82.0.0.1"), None).await;
    let answer: Value = response.json().await.unwrap();
    let file = smallest_file(&answer);
    let grant = answer["grant"]["token"].as_str().unwrap();
    assert_eq!(
        fetch(&app, &blob_path(&file), grant, Some("bytes=0-9"))
            .await
            .status(),
        206
    );
    assert_eq!(app.get(&blob_path(&file)).await.status(), 401);

    let events = audit::recent(&app.state.db, None, 50).await.unwrap();
    let of = |kind: &str| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.data.clone())
            .collect()
    };
    let decision = &of("policy.decision")[0];
    assert_eq!(decision["declared_domicile"], "FR");
    assert_eq!(decision["organisation_country"], "US");
    assert_eq!(decision["licensee"]["kind"], "organisation");
    assert_eq!(decision["geo_country"], "CH");
    // The client IP sits beside the event; only its keyed hash is in the chain.
    let decision_event = events.iter().find(|e| e.kind == "policy.decision").unwrap();
    assert_eq!(decision_event.client_ip.as_deref(), Some("82.0.0.1"));
    assert_eq!(decision_event.client_ip_hash.as_ref().unwrap().len(), 64);
    assert!(decision_event.request_id.is_some());
    assert_eq!(decision["outcome"], "allow");
    assert_eq!(decision["policies"], json!(["license.accepted"]));
    assert_eq!(
        decision["bundle_digest"],
        app.state.policy.get().digest().hex()
    );
    let issued = &of("grant.issued")[0];
    assert_eq!(issued["grant"], answer["grant"]["id"]);
    assert_eq!(issued["decision_event"], answer["decision_id"]);
    let requests = of("blob.request");
    assert_eq!(
        requests.len(),
        1,
        "the request without a grant is tallied, not written: {requests:?}"
    );
    let served = &requests[0];
    assert_eq!(served["status"], 206);
    assert_eq!(served["grant"], answer["grant"]["id"]);
    assert_eq!(served["bytes"], 10);
    assert_eq!(served["range"], "bytes=0-9");
}
on_each_backend!(decisions_grants_and_blob_requests_are_audited_with_their_inputs);
