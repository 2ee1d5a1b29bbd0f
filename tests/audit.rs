//! The audit trail: one hash chain under concurrent appends, signed checkpoints, search with
//! filters and cursors, streaming export, and both verifiers (the API's and the offline
//! `modelgate audit verify`) catching edited, deleted, swapped and truncated events.

use std::path::Path;
use std::process::Command;

use crate::common;
use crate::common::{error_code, spawn_app_with, Backend, TestApp};
use modelgate::audit::checkpoint::{checkpoint_if_due, sign_checkpoint};
use modelgate::domain::Role;
use serde_json::{json, Value};
use sqlx::Executor;

const TEXT: &str = "demo/Llama-3.2-Tiny";

async fn app_with_events(backend: Backend) -> (TestApp, String) {
    // The tests sign checkpoints themselves (`sign_checkpoint`); the server's own
    // checkpointer never finds one due, so none appears between a test's steps.
    let app = spawn_app_with(backend, |s| {
        s.audit.checkpoint_every_events = u64::MAX;
        s.audit.checkpoint_every_secs = u64::MAX;
    })
    .await;
    app.publish_demo().await;
    let compliance = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    // Concurrent requests: decisions, grants and blob requests append at once.
    let mut sessions = Vec::new();
    for (i, country) in ["US", "DE", "FR"].iter().enumerate() {
        sessions.push(
            app.licensed_user(&format!("u{i}@example.com"), country)
                .await,
        );
    }
    let app_ref = &app;
    let requests = sessions.iter().flat_map(|s| {
        (0..4).map(move |_| async move { app_ref.access(s, TEXT, None, None).await.status() })
    });
    for status in futures_util::future::join_all(requests).await {
        assert_eq!(status, 200);
    }
    (app, compliance)
}

async fn verify_api(app: &TestApp, compliance: &str) -> Value {
    let response = app.get_auth("/v1/audit/verify", compliance).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn exec(app: &TestApp, sql: &str) {
    app.state.db.pool.execute(sql).await.unwrap();
}

async fn concurrent_appends_form_one_chain_and_both_verifiers_catch_tampering(backend: Backend) {
    let (app, compliance) = app_with_events(backend).await;
    let checkpoint = sign_checkpoint(&app.state.db, &app.state.audit_key)
        .await
        .unwrap();
    assert!(checkpoint.size >= 12, "{}", checkpoint.size);
    let report = verify_api(&app, &compliance).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["latest_checkpoint"], checkpoint.size);
    assert_eq!(report["unsealed_events"], 0);

    // Only compliance staff read the trail.
    let admin = app.account("admin@example.com", Role::Admin).await;
    assert_eq!(app.get_auth("/v1/audit/verify", &admin).await.status(), 403);

    // Edited in place.
    let (original,): (String,) = sqlx::query_as("SELECT data FROM audit_events WHERE seq = 3")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    exec(
        &app,
        "UPDATE audit_events SET data = '{\"outcome\":\"deny\"}' WHERE seq = 3",
    )
    .await;
    let report = verify_api(&app, &compliance).await;
    assert_eq!(report["problem"], json!({ "problem": "altered", "seq": 3 }));
    sqlx::query("UPDATE audit_events SET data = $1 WHERE seq = 3")
        .bind(&original)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(verify_api(&app, &compliance).await["ok"], true);

    // Two events swapped (their sequence numbers exchanged).
    exec(&app, "UPDATE audit_events SET seq = -2 WHERE seq = 2").await;
    exec(&app, "UPDATE audit_events SET seq = 2 WHERE seq = 3").await;
    exec(&app, "UPDATE audit_events SET seq = 3 WHERE seq = -2").await;
    let report = verify_api(&app, &compliance).await;
    assert_eq!(report["problem"], json!({ "problem": "altered", "seq": 2 }));
    exec(&app, "UPDATE audit_events SET seq = -2 WHERE seq = 3").await;
    exec(&app, "UPDATE audit_events SET seq = 3 WHERE seq = 2").await;
    exec(&app, "UPDATE audit_events SET seq = 2 WHERE seq = -2").await;
    assert_eq!(verify_api(&app, &compliance).await["ok"], true);

    // The offline verifier on an export, then on edited copies of it.
    let dir = tempfile::tempdir().unwrap();
    let export = app
        .get_auth("/v1/audit/export?format=jsonl", &compliance)
        .await
        .text()
        .await
        .unwrap();
    let checkpoints = app
        .get_auth("/v1/audit/checkpoints", &compliance)
        .await
        .text()
        .await
        .unwrap();
    let key = app.get("/v1/keys/audit").await.text().await.unwrap();
    std::fs::write(dir.path().join("checkpoints.json"), &checkpoints).unwrap();
    std::fs::write(dir.path().join("audit.pem"), &key).unwrap();
    let lines: Vec<String> = export.lines().map(str::to_owned).collect();
    assert!(lines.len() as i64 >= checkpoint.size);
    let check = |name: &str, lines: &[String]| {
        let path = dir.path().join(name);
        std::fs::write(&path, lines.join("\n")).unwrap();
        offline_verify(&path, dir.path())
    };
    let (code, out) = check("intact.jsonl", &lines);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("OK: "), "{out}");

    let mut edited = lines.clone();
    let mut event: Value = serde_json::from_str(&edited[4]).unwrap();
    event["actor"] = json!("someone-else");
    edited[4] = event.to_string();
    let (code, out) = check("edited.jsonl", &edited);
    assert_eq!((code, out.trim()), (1, "FAILED: event 5 was altered"));

    let mut deleted = lines.clone();
    deleted.remove(1);
    let (code, out) = check("deleted.jsonl", &deleted);
    assert_eq!((code, out.trim()), (1, "FAILED: events 2..2 are missing"));

    let mut reordered = lines.clone();
    reordered.swap(5, 6);
    let (code, out) = check("reordered.jsonl", &reordered);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("missing") || out.contains("reordered"),
        "{out}"
    );

    let mut garbled = lines.clone();
    garbled[2] = "{not json".into();
    let (code, _) = check("garbled.jsonl", &garbled);
    assert_eq!(
        code, 2,
        "an unreadable export is a usage error, not a verdict"
    );

    let (code, out) = check("truncated.jsonl", &lines[..3]);
    assert_eq!(code, 1);
    assert!(out.contains("signed checkpoint covers"), "{out}");

    // The plaintext IP beside an event is checked against the chain's keyed hash.
    // (Events 1-5 are publications and accounts made without a request; 6 is the first
    // user's attestation, over HTTP.)
    exec(
        &app,
        "UPDATE audit_events SET client_ip = '6.6.6.6' WHERE seq = 6",
    )
    .await;
    let report = verify_api(&app, &compliance).await;
    assert_eq!(
        report["problem"],
        json!({ "problem": "client-ip-mismatch", "seq": 6 })
    );
    exec(
        &app,
        "UPDATE audit_events SET client_ip = '127.0.0.1' WHERE seq = 6",
    )
    .await;
    assert_eq!(verify_api(&app, &compliance).await["ok"], true);

    // Data rewritten in a non-canonical but equivalent form is an alteration too.
    exec(
        &app,
        "UPDATE audit_events SET data = data || ' ' WHERE seq = 7",
    )
    .await;
    let report = verify_api(&app, &compliance).await;
    assert_eq!(report["problem"], json!({ "problem": "altered", "seq": 7 }));
    exec(
        &app,
        "UPDATE audit_events SET data = TRIM(data) WHERE seq = 7",
    )
    .await;

    // The newest events deleted, after the latest checkpoint: behind the recorded head.
    let (head,): (i64,) = sqlx::query_as("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(head > checkpoint.size);
    exec(
        &app,
        &format!("DELETE FROM audit_events WHERE seq = {head}"),
    )
    .await;
    let report = verify_api(&app, &compliance).await;
    assert_eq!(report["problem"]["problem"], "behind-head", "{report}");

    // Deleted from the middle: the API verifier names the gap.
    exec(&app, "DELETE FROM audit_events WHERE seq = 4").await;
    let report = verify_api(&app, &compliance).await;
    assert_eq!(
        report["problem"],
        json!({ "problem": "missing", "from": 4, "to": 4 })
    );
}
on_each_backend!(concurrent_appends_form_one_chain_and_both_verifiers_catch_tampering);

fn offline_verify(export: &Path, dir: &Path) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_modelgate"))
        .args(["audit", "verify"])
        .arg(export)
        .arg("--checkpoints")
        .arg(dir.join("checkpoints.json"))
        .arg("--public-key")
        .arg(dir.join("audit.pem"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

async fn compliance_staff_search_page_and_export_the_trail(backend: Backend) {
    let (app, compliance) = app_with_events(backend).await;
    let page = |query: String| {
        let app = &app;
        let compliance = &compliance;
        async move {
            let response = app
                .get_auth(&format!("/v1/audit/events?{query}"), compliance)
                .await;
            assert_eq!(response.status(), 200, "{query}");
            response.json::<Value>().await.unwrap()
        }
    };
    // Cursor pagination walks every event once, in chain order.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let body = page(format!("limit=5&after={cursor}")).await;
        for event in body["events"].as_array().unwrap() {
            seen.push(event["seq"].as_i64().unwrap());
        }
        match body["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let expected: Vec<i64> = (1..=seen.len() as i64).collect();
    assert_eq!(seen, expected);

    let decisions = page("kind=policy.decision&limit=1000".into()).await;
    assert_eq!(decisions["events"].as_array().unwrap().len(), 12);
    let german = page("kind=policy.decision&country=de".into()).await;
    let german = german["events"].as_array().unwrap();
    assert_eq!(german.len(), 4);
    assert!(german
        .iter()
        .all(|e| e["data"]["declared_domicile"] == "DE"));
    let by_model = page(format!("kind=grant.issued&model={TEXT}")).await;
    assert_eq!(
        by_model["events"].as_array().unwrap().len(),
        3,
        "one grant per user, reused"
    );
    let hostile = page("model=%25'%20OR%201=1%20--&user=_%25".into()).await;
    assert!(hostile["events"].as_array().unwrap().is_empty());
    let future = page("since=2999-01-01".into()).await;
    assert!(future["events"].as_array().unwrap().is_empty());

    for bad in [
        "limit=100000",
        "limit=0",
        "after=abc",
        "after=-5",
        "since=yesterday",
        "format=xml",
    ] {
        let path = if bad.starts_with("format") {
            "export"
        } else {
            "events"
        };
        let response = app
            .get_auth(&format!("/v1/audit/{path}?{bad}"), &compliance)
            .await;
        assert_eq!(response.status(), 400, "{bad}");
        assert_eq!(error_code(response).await, "bad-request");
    }
    let long = "x".repeat(500);
    let response = app
        .get_auth(
            &format!("/v1/audit/events?organisation={long}"),
            &compliance,
        )
        .await;
    assert_eq!(response.status(), 400);

    let csv = app
        .get_auth(
            "/v1/audit/export?format=csv&kind=policy.decision",
            &compliance,
        )
        .await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with("seq,id,time,"));
    assert_eq!(rows.len(), 13, "header and 12 decisions");

    let user = app.licensed_user("nosy@example.com", "US").await;
    assert_eq!(app.get_auth("/v1/audit/events", &user).await.status(), 403);
    assert_eq!(app.get("/v1/audit/events").await.status(), 401);
}
on_each_backend!(compliance_staff_search_page_and_export_the_trail);

async fn erasing_client_ips_after_retention_keeps_the_chain_verifiable(backend: Backend) {
    let (app, compliance) = app_with_events(backend).await;
    sign_checkpoint(&app.state.db, &app.state.audit_key)
        .await
        .unwrap();
    let before = modelgate::db::audit::recent(&app.state.db, Some("policy.decision"), 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(before.client_ip.as_deref(), Some("127.0.0.1"));
    let erased = modelgate::db::audit::erase_client_ips(&app.state.db, modelgate::db::now_ms() + 1)
        .await
        .unwrap();
    assert!(erased >= 12, "{erased}");
    let after = modelgate::db::audit::recent(&app.state.db, Some("policy.decision"), 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(after.client_ip, None);
    assert_eq!(after.client_ip_hash, before.client_ip_hash);
    let report = verify_api(&app, &compliance).await;
    assert_eq!(report["ok"], true, "{report}");
}
on_each_backend!(erasing_client_ips_after_retention_keeps_the_chain_verifiable);

async fn every_state_change_of_design_section_5_is_in_the_chain(backend: Backend) {
    let (app, compliance) = app_with_events(backend).await;
    let admin = app.account("admin@example.com", Role::Admin).await;
    let revoked = app.revoke_first_acceptance(&admin, "audit test").await;
    assert_eq!(revoked.status(), 200);
    let events = modelgate::db::audit::recent(&app.state.db, None, 1000)
        .await
        .unwrap();
    let kinds: std::collections::BTreeSet<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    for kind in [
        "license.published",
        "model.published",
        "account.created",
        "attestation.changed",
        "license.accepted",
        "policy.decision",
        "grant.issued",
        "grant.reused",
        "license.terminated",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    let terminated = events
        .iter()
        .find(|e| e.kind == "license.terminated")
        .unwrap();
    assert_eq!(terminated.actor.as_deref(), Some("admin@example.com"));
    assert_eq!(terminated.data["reason"], "audit test");
    assert_eq!(verify_api(&app, &compliance).await["ok"], true);
}
on_each_backend!(every_state_change_of_design_section_5_is_in_the_chain);

#[tokio::test]
#[ignore = "needs PostgreSQL at TEST_DATABASE_URL"]
async fn two_gateways_on_one_postgresql_keep_one_chain_under_concurrent_load() {
    let admin_url = common::postgres_admin_url();
    let first = spawn_app_with(Backend::Postgres(admin_url.clone()), |_| {}).await;
    first.publish_demo().await;
    // The second replica shares the database and the key directory, as replicas do.
    let url = first.state.settings.database.url.clone();
    let dir = first.data_dir.path().to_path_buf();
    let second = spawn_app_with(Backend::Postgres(admin_url), move |s| {
        s.database.url = url;
        s.storage.data_dir = dir;
    })
    .await;
    let compliance = first
        .account("compliance@example.com", Role::Compliance)
        .await;
    let mut sessions = Vec::new();
    for i in 0..4 {
        sessions.push(
            first
                .licensed_user(&format!("u{i}@example.com"), "US")
                .await,
        );
    }
    let (first_ref, second_ref) = (&first, &second);
    let requests = sessions.iter().enumerate().flat_map(|(i, s)| {
        (0..10).map(move |_| async move {
            let app = if i % 2 == 0 { first_ref } else { second_ref };
            app.access(s, TEXT, None, None).await.status()
        })
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    checkpoint_if_due(
        &second.state.db,
        &second.state.audit_key,
        &second.state.settings.audit,
    )
    .await
    .unwrap();
    let report = verify_api(&first, &compliance).await;
    assert_eq!(report["ok"], true, "{report}");
    assert!(report["events"].as_i64().unwrap() >= 40 + 2 * 4);
}

#[tokio::test]
async fn the_summary_counts_decisions_downloads_and_open_reviews() {
    let (app, compliance) = app_with_events(Backend::Sqlite).await;
    let session = app.licensed_user("fetch@example.com", "JP").await;
    let answer = app.grant(&session, TEXT).await;
    let url = answer["files"][0]["url"].as_str().unwrap();
    assert_eq!(app.client.get(url).send().await.unwrap().status(), 200);
    let response = app
        .get_auth("/v1/audit/summary?since=2020-01-01", &compliance)
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let decisions = body["summary"]["decisions"].as_array().unwrap();
    let count = |country: &str| {
        decisions
            .iter()
            .find(|d| d["country"] == country && d["model"] == TEXT && d["outcome"] == "allow")
            .map(|d| d["count"].as_u64().unwrap())
    };
    assert_eq!(
        (count("US"), count("DE"), count("JP")),
        (Some(4), Some(4), Some(1))
    );
    let downloads = &body["summary"]["downloads"][0];
    assert_eq!(downloads["model"], TEXT);
    assert_eq!(downloads["downloads"], 1);
    assert_eq!(body["summary"]["open_review_cases"], 0);
    let empty: Value = app
        .get_auth("/v1/audit/summary?until=2020-01-01", &compliance)
        .await
        .json()
        .await
        .unwrap();
    assert!(empty["summary"]["decisions"].as_array().unwrap().is_empty());
}
