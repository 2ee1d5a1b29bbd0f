//! The review queue: a non-EU declaration from an EU address opens one case; the user sees
//! its state; compliance staff (API and CLI) approve or deny it with a note, and that
//! verdict decides the user's later requests for that model under that declaration.

use std::net::Ipv4Addr;
use std::process::Command;

use crate::common::{self, error_code, spawn_app, Backend, TestApp};
use modelgate::db::audit;
use modelgate::domain::Role;
use serde_json::{json, Value};

const VISION: &str = "demo/Llama-3.2-Tiny-Vision";
const GERMAN_ADDRESS: &str = "81.0.0.1";

async fn ask(app: &TestApp, session: &str) -> (u16, Value) {
    let response = app
        .access(session, VISION, Some(GERMAN_ADDRESS), None)
        .await;
    (response.status().as_u16(), response.json().await.unwrap())
}

fn first_policy(body: &Value) -> String {
    let decision = if body["error"].is_object() {
        &body["error"]["details"]["decision"]
    } else {
        &body["decision"]
    };
    decision["reasons"][0]["policy"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn my_cases(app: &TestApp, session: &str) -> Vec<Value> {
    let body: Value = app
        .get_auth("/v1/me/reviews", session)
        .await
        .json()
        .await
        .unwrap();
    body["cases"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_review_is_opened_once_shown_to_the_user_and_decided_by_compliance_staff() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    app.geolocate(Ipv4Addr::new(81, 0, 0, 0), 16, "DE", "EU")
        .await;
    let compliance = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    let session = app.licensed_user("ada@example.com", "US").await;

    let (status, body) = ask(&app, &session).await;
    assert_eq!(status, 202);
    assert_eq!(body["outcome"], "review");
    assert_eq!(first_policy(&body), "review.clause-region-location");
    assert!(body.get("grant").is_none(), "a review grants nothing");
    let case_id = body["review"]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["review"]["state"], "open");
    let (_, again) = ask(&app, &session).await;
    assert_eq!(
        again["review"]["id"],
        case_id.as_str(),
        "one case per question"
    );

    let mine = my_cases(&app, &session).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["state"], "open");
    assert_eq!(mine[0]["model"], VISION);

    let forbidden = app.get_auth("/v1/reviews", &session).await;
    assert_eq!(forbidden.status(), 403);
    let open: Value = app
        .get_auth("/v1/reviews?state=open", &compliance)
        .await
        .json()
        .await
        .unwrap();
    let listed = &open["cases"][0];
    assert_eq!(listed["id"], case_id.as_str());
    assert_eq!(listed["inputs"]["geo_country"], "DE");
    assert_eq!(listed["inputs"]["declared_domicile"], "US");
    assert_eq!(listed["user"]["email"], "ada@example.com");

    let without_note = app
        .post_json(
            &format!("/v1/reviews/{case_id}/approve"),
            Some(&compliance),
            &json!({ "note": "  " }),
        )
        .await;
    assert_eq!(error_code(without_note).await, "bad-request");
    let unknown = app
        .post_json(
            "/v1/reviews/nope/approve",
            Some(&compliance),
            &json!({ "note": "x" }),
        )
        .await;
    assert_eq!(unknown.status(), 404);
    let by_user = app
        .post_json(
            &format!("/v1/reviews/{case_id}/approve"),
            Some(&session),
            &json!({ "note": "I approve myself" }),
        )
        .await;
    assert_eq!(by_user.status(), 403);

    // Approved at the command line, on the same database.
    let mut command = Command::new(env!("CARGO_BIN_EXE_modelgate"));
    command
        .arg("--data-dir")
        .arg(app.data_dir.path())
        .args([
            "review",
            "approve",
            &case_id,
            "--note",
            "US passport and employer letter seen",
            "--by",
            "compliance@example.com",
        ])
        .env("RUST_LOG", "warn")
        .env_remove("MODELGATE__DATABASE__URL");
    let approved = common::output_of(command).await;
    assert!(
        approved.status.success(),
        "{}",
        String::from_utf8_lossy(&approved.stderr)
    );
    assert!(String::from_utf8_lossy(&approved.stdout).contains("approved"));
    let mine = my_cases(&app, &session).await;
    assert_eq!(mine[0]["state"], "approved");
    assert_eq!(mine[0]["note"], "US passport and employer letter seen");
    assert!(mine[0].get("decided_by").is_none());

    let (status, body) = ask(&app, &session).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["decision"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["policy"] == "review.approved"));
    let approved_grant = body["grant"]["token"].as_str().unwrap().to_owned();
    let file_path = format!("/v1/blobs/{}", body["files"][0]["sha256"].as_str().unwrap());
    let fetched = app
        .client
        .get(app.url(&file_path))
        .header("Modelgate-Grant", &approved_grant)
        .header("Range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), 206);

    // Nothing is rejected irreversibly, and a denial stands for later requests.
    let denied = app
        .post_json(
            &format!("/v1/reviews/{case_id}/deny"),
            Some(&compliance),
            &json!({ "note": "the employer letter was forged" }),
        )
        .await;
    assert_eq!(denied.status(), 200);
    let (status, body) = ask(&app, &session).await;
    assert_eq!(status, 403);
    assert_eq!(first_policy(&body), "review.denied");
    let revoked = app
        .client
        .get(app.url(&file_path))
        .header("Modelgate-Grant", &approved_grant)
        .header("Range", "bytes=4-7")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(revoked).await,
        "entitlement-revoked",
        "a denial takes effect on the next blob request"
    );

    // A new declaration is a new question: a new case.
    app.attest(&session, "CA").await;
    let (status, body) = ask(&app, &session).await;
    assert_eq!(status, 202);
    assert_ne!(body["review"]["id"], case_id.as_str());

    let kinds: Vec<String> = audit::recent(&app.state.db, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "review.opened").count(), 2);
    assert_eq!(kinds.iter().filter(|k| *k == "review.decided").count(), 2);
}

#[tokio::test]
async fn the_review_cli_refuses_a_non_staff_decider() {
    let app = spawn_app(Backend::Sqlite).await;
    app.account("user@example.com", Role::User).await;
    let mut command = Command::new(env!("CARGO_BIN_EXE_modelgate"));
    command
        .arg("--data-dir")
        .arg(app.data_dir.path())
        .args([
            "review",
            "deny",
            "x",
            "--note",
            "n",
            "--by",
            "user@example.com",
        ])
        .env("RUST_LOG", "warn")
        .env_remove("MODELGATE__DATABASE__URL");
    let output = common::output_of(command).await;
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a compliance or admin account"));
}

#[tokio::test]
async fn staff_cannot_decide_their_own_review_case() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    app.geolocate(Ipv4Addr::new(81, 0, 0, 0), 16, "DE", "EU")
        .await;
    let officer = app.account("officer@example.com", Role::Compliance).await;
    app.attest(&officer, "US").await;
    app.accept_current(&officer).await;
    let (status, body) = ask(&app, &officer).await;
    assert_eq!(status, 202, "{body}");
    let case = body["review"]["id"].as_str().unwrap().to_owned();

    let own = app
        .post_json(
            &format!("/v1/reviews/{case}/approve"),
            Some(&officer),
            &json!({ "note": "looks fine to me" }),
        )
        .await;
    assert_eq!(own.status(), 403);
    assert_eq!(error_code(own).await, "forbidden");
    let colleague = app.account("colleague@example.com", Role::Compliance).await;
    let approved = app
        .post_json(
            &format!("/v1/reviews/{case}/approve"),
            Some(&colleague),
            &json!({ "note": "travel confirmed" }),
        )
        .await;
    assert_eq!(approved.status(), 200);
    // The verdict names its audit entry, whose receipt the staff member can fetch.
    let approved: serde_json::Value = approved.json().await.unwrap();
    assert_eq!(approved["state"], "approved");
    let entry = approved["audit_entry"].as_str().unwrap();
    app.audit_sequenced().await;
    let receipt = app
        .get_auth(&format!("/v1/audit/proof/{entry}"), &colleague)
        .await;
    assert_eq!(receipt.status(), 200);
}
