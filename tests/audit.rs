//! The audit trail: one Merkle tree under concurrent appends, signed checkpoints, search
//! with filters and cursors, streaming export, and the verifiers (the API's and the offline
//! `modelgate audit verify`) catching edited, deleted, swapped and truncated entries. The
//! transparency-log side (tiles, receipts, forks, replicas, the migration) is
//! `audit_log.rs`.

use crate::common::{error_code, modelgate_cli, spawn_app_with, Backend, TestApp};
use modelgate::domain::Role;
use serde_json::{json, Value};
use sqlx::Executor;

const TEXT: &str = "demo/Llama-3.2-Tiny";

async fn app_with_events(backend: Backend) -> (TestApp, String) {
    let app = spawn_app_with(backend, |_| {}).await;
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

async fn concurrent_appends_form_one_tree_and_every_verifier_catches_tampering(backend: Backend) {
    let (app, compliance) = app_with_events(backend).await;
    let size = app.audit_sequenced().await;
    assert!(size >= 12, "{size}");
    let report = verify_api(&app, &compliance).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["checkpoint_size"], size);
    assert_eq!(report["entries"], size);

    // Only compliance staff read the trail.
    let admin = app.account("admin@example.com", Role::Admin).await;
    assert_eq!(app.get_auth("/v1/audit/verify", &admin).await.status(), 403);
    app.audit_sequenced().await;
    let size = app.audit_sequenced().await;

    // Edited in place.
    let (original,): (String,) = sqlx::query_as("SELECT data FROM audit_log WHERE leaf_index = 3")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    exec(
        &app,
        "UPDATE audit_log SET data = '{\"outcome\":\"deny\"}' WHERE leaf_index = 3",
    )
    .await;
    let report = verify_api(&app, &compliance).await;
    assert_eq!(
        report["problem"],
        json!({ "problem": "altered", "index": 3 })
    );
    sqlx::query("UPDATE audit_log SET data = $1 WHERE leaf_index = 3")
        .bind(&original)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(verify_api(&app, &compliance).await["ok"], true);

    // Two entries swapped (their leaf indexes exchanged).
    exec(
        &app,
        "UPDATE audit_log SET leaf_index = -2 WHERE leaf_index = 2",
    )
    .await;
    exec(
        &app,
        "UPDATE audit_log SET leaf_index = 2 WHERE leaf_index = 3",
    )
    .await;
    exec(
        &app,
        "UPDATE audit_log SET leaf_index = 3 WHERE leaf_index = -2",
    )
    .await;
    let report = verify_api(&app, &compliance).await;
    assert_eq!(
        report["problem"],
        json!({ "problem": "altered", "index": 2 })
    );
    exec(
        &app,
        "UPDATE audit_log SET leaf_index = -2 WHERE leaf_index = 3",
    )
    .await;
    exec(
        &app,
        "UPDATE audit_log SET leaf_index = 3 WHERE leaf_index = 2",
    )
    .await;
    exec(
        &app,
        "UPDATE audit_log SET leaf_index = 2 WHERE leaf_index = -2",
    )
    .await;
    assert_eq!(verify_api(&app, &compliance).await["ok"], true);

    // The offline verifier on an export and the checkpoint it was taken with, then on
    // edited copies of the export.
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = app
        .get("/v1/audit/log/checkpoint")
        .await
        .text()
        .await
        .unwrap();
    let export = app
        .get_auth("/v1/audit/export?format=jsonl", &compliance)
        .await
        .text()
        .await
        .unwrap();
    let vkey = app.get("/v1/keys/audit.vkey").await.text().await.unwrap();
    std::fs::write(dir.path().join("checkpoint"), &checkpoint).unwrap();
    std::fs::write(dir.path().join("audit.vkey"), &vkey).unwrap();
    let lines: Vec<String> = export
        .lines()
        .filter(|l| {
            let entry: Value = serde_json::from_str(l).unwrap();
            entry["index"].as_u64().is_some_and(|i| i < size)
        })
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len() as u64, size);
    let check = |name: &str, lines: &[String]| {
        let path = dir.path().join(name);
        std::fs::write(&path, lines.join("\n")).unwrap();
        modelgate_cli(&[
            "audit",
            "verify",
            path.to_str().unwrap(),
            "--checkpoint",
            dir.path().join("checkpoint").to_str().unwrap(),
            "--vkey",
            dir.path().join("audit.vkey").to_str().unwrap(),
        ])
    };
    let (code, out) = check("intact.jsonl", &lines);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with(&format!("OK: {size} entries verified")),
        "{out}"
    );

    let mut edited = lines.clone();
    let mut event: Value = serde_json::from_str(&edited[4]).unwrap();
    event["actor"] = json!("someone-else");
    edited[4] = event.to_string();
    let (code, out) = check("edited.jsonl", &edited);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("do not give the root"), "{out}");

    let mut deleted = lines.clone();
    deleted.remove(1);
    let (code, out) = check("deleted.jsonl", &deleted);
    assert_eq!((code, out.trim()), (1, "FAILED: entries 1..1 are missing"));

    // Lines in another order are the same log (each entry carries its leaf index); two
    // entries' positions exchanged are not.
    let mut reordered = lines.clone();
    reordered.swap(5, 6);
    let (code, out) = check("reordered.jsonl", &reordered);
    assert_eq!(code, 0, "{out}");
    let mut swapped = lines.clone();
    let mut fifth: Value = serde_json::from_str(&swapped[5]).unwrap();
    let mut sixth: Value = serde_json::from_str(&swapped[6]).unwrap();
    std::mem::swap(&mut fifth["index"], &mut sixth["index"]);
    (swapped[5], swapped[6]) = (fifth.to_string(), sixth.to_string());
    let (code, out) = check("swapped.jsonl", &swapped);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("do not give the root"), "{out}");
    let mut twice = lines.clone();
    twice.push(lines[3].clone());
    let (code, out) = check("twice.jsonl", &twice);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("reordered or duplicated"), "{out}");

    let mut garbled = lines.clone();
    garbled[2] = "{not json".into();
    let (code, _) = check("garbled.jsonl", &garbled);
    assert_eq!(
        code, 2,
        "an unreadable export is a usage error, not a verdict"
    );

    // Cut short: the newest entries removed. The chain of earlier releases could not see
    // this after its last checkpoint; every batch now ends in a signed checkpoint.
    let (code, out) = check("truncated.jsonl", &lines[..lines.len() - 1]);
    assert_eq!(code, 1);
    assert!(out.contains("signed checkpoint covers"), "{out}");

    // The plaintext IP beside an entry is checked against the entry's keyed hash.
    let (with_ip,): (i64,) =
        sqlx::query_as("SELECT MIN(leaf_index) FROM audit_log WHERE client_ip IS NOT NULL")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    exec(
        &app,
        &format!("UPDATE audit_log SET client_ip = '6.6.6.6' WHERE leaf_index = {with_ip}"),
    )
    .await;
    let report = verify_api(&app, &compliance).await;
    assert_eq!(
        report["problem"],
        json!({ "problem": "client-ip-mismatch", "index": with_ip })
    );
    exec(
        &app,
        &format!("UPDATE audit_log SET client_ip = '127.0.0.1' WHERE leaf_index = {with_ip}"),
    )
    .await;
    assert_eq!(verify_api(&app, &compliance).await["ok"], true);

    // Data rewritten in a non-canonical but equivalent form is an alteration too.
    exec(
        &app,
        "UPDATE audit_log SET data = data || ' ' WHERE leaf_index = 7",
    )
    .await;
    let report = verify_api(&app, &compliance).await;
    assert_eq!(
        report["problem"],
        json!({ "problem": "altered", "index": 7 })
    );
    exec(
        &app,
        "UPDATE audit_log SET data = TRIM(data) WHERE leaf_index = 7",
    )
    .await;

    // The newest entry deleted: the signed checkpoint still covers it.
    let size = app.audit_sequenced().await;
    exec(
        &app,
        &format!("DELETE FROM audit_log WHERE leaf_index = {}", size - 1),
    )
    .await;
    let report = verify_api(&app, &compliance).await;
    assert_eq!(report["problem"]["problem"], "truncated", "{report}");

    // Deleted from the middle: the verifier names the gap.
    exec(&app, "DELETE FROM audit_log WHERE leaf_index = 4").await;
    let report = verify_api(&app, &compliance).await;
    assert_eq!(
        report["problem"],
        json!({ "problem": "missing", "from": 4, "to": 4 })
    );
}
on_each_backend!(concurrent_appends_form_one_tree_and_every_verifier_catches_tampering);

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
    // Cursor pagination walks every event once, in order of arrival.
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
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    let total = modelgate::db::audit::recent(&app.state.db, None, 10_000)
        .await
        .unwrap()
        .len();
    assert_eq!(seen.len(), total);

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
    assert!(rows[0].starts_with("seq,index,id,time,"));
    assert_eq!(rows.len(), 13, "header and 12 decisions");

    let user = app.licensed_user("nosy@example.com", "US").await;
    assert_eq!(app.get_auth("/v1/audit/events", &user).await.status(), 403);
    assert_eq!(app.get("/v1/audit/events").await.status(), 401);
}
on_each_backend!(compliance_staff_search_page_and_export_the_trail);

async fn erasing_client_ips_after_retention_keeps_the_log_verifiable(backend: Backend) {
    let (app, compliance) = app_with_events(backend).await;
    app.audit_sequenced().await;
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
on_each_backend!(erasing_client_ips_after_retention_keeps_the_log_verifiable);

async fn every_state_change_of_design_section_5_is_in_the_log(backend: Backend) {
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
    // Staff act under their email, which the log holds as a pseudonym; staff read it back.
    assert!(terminated
        .actor
        .as_deref()
        .unwrap()
        .starts_with("pseudonym:"));
    let by_admin = app
        .get_auth_json(
            "/v1/audit/events?kind=license.terminated&user=admin@example.com",
            &compliance,
        )
        .await;
    assert_eq!(
        by_admin["events"][0]["personal"]["actor"],
        "admin@example.com"
    );
    assert_eq!(terminated.data["reason"], "audit test");
    app.audit_sequenced().await;
    assert_eq!(verify_api(&app, &compliance).await["ok"], true);
}
on_each_backend!(every_state_change_of_design_section_5_is_in_the_log);

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
