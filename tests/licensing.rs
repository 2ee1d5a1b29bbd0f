//! Licenses, attestations and acceptances: the whole flow a person runs with curl, new
//! versions requiring re-acceptance, the acceptance report and its exports, revocation,
//! and bad input (unknown countries, stale digests, SQL-looking text).

use crate::common::{error_code, spawn_app, Backend, TestApp};
use modelgate::domain::Role;
use serde_json::{json, Value};

/// Accepts llama-3.2 with `digest` as the holder of `token`.
async fn accept(app: &TestApp, token: &str, digest: &str) -> reqwest::Response {
    app.post_json(
        "/v1/licenses/llama-3.2/accept",
        Some(token),
        &json!({ "digest": digest }),
    )
    .await
}

/// Publishes a llama-3.2 version as the admin holding `token`.
async fn publish_version(app: &TestApp, token: &str, version: &Value) -> reqwest::Response {
    app.post_json(
        "/v1/admin/licenses/llama-3.2/versions",
        Some(token),
        version,
    )
    .await
}

fn new_version(version: &str) -> Value {
    json!({ "version": version, "title": "Llama 3.2 Community License (revised)", "modalities": ["text", "multimodal"],
            "license_text": format!("Revised license text {version}."), "aup_text": "Revised acceptable use policy.",
            "notice": "Built with Llama." })
}

async fn register_attest_read_accept_and_reaccept_after_a_new_version(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let admin = app.account("admin@example.org", Role::Admin).await;
    app.post_json(
        "/v1/auth/register",
        None,
        &json!({ "email": "ada@example.org", "password": "correct horse battery" }),
    )
    .await;
    let user = app.login("ada@example.org", "correct horse battery").await;

    let license: Value = app
        .get("/v1/licenses/llama-3.2")
        .await
        .json()
        .await
        .unwrap();
    assert!(license["license_text"]
        .as_str()
        .unwrap()
        .contains("European Union"));
    assert!(license["aup_text"]
        .as_str()
        .unwrap()
        .contains("Acceptable Use Policy"));
    let digest = license["digest"].as_str().unwrap().to_string();
    assert_eq!(app.my_license(&user).await["status"], "not-accepted");

    let before_attesting = accept(&app, &user, &digest).await;
    assert_eq!(before_attesting.status(), 409);
    assert_eq!(error_code(before_attesting).await, "attestation-required");

    app.attest(&user, "de").await;
    let accepted = accept(&app, &user, &digest).await;
    assert_eq!(accepted.status(), 201, "{backend:?}");
    let accepted: Value = accepted.json().await.unwrap();
    assert_eq!(accepted["attestation"]["domicile_country"], "DE");
    let status = app.my_license(&user).await;
    assert_eq!(status["status"], "accepted");
    assert_eq!(status["accepted_digest"], digest.as_str());

    let published = publish_version(&app, &admin, &new_version("2026-11-27")).await;
    assert_eq!(published.status(), 201);
    let new_digest = published.json::<Value>().await.unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_digest, digest);
    let status = app.my_license(&user).await;
    assert_eq!(status["status"], "needs-reacceptance");
    assert_eq!(status["current_version"], "2026-11-27");

    let stale = accept(&app, &user, &digest).await;
    assert_eq!(stale.status(), 409);
    let stale: Value = stale.json().await.unwrap();
    assert_eq!(stale["error"]["code"], "stale-license-version");
    assert_eq!(stale["error"]["details"]["current_version"], "2026-11-27");
    assert!(stale["error"]["message"]
        .as_str()
        .unwrap()
        .contains("2026-11-27"));

    let again = accept(&app, &user, &new_digest).await;
    assert_eq!(again.status(), 201);
    assert_eq!(app.my_license(&user).await["status"], "accepted");

    let duplicate = publish_version(&app, &admin, &new_version("2026-11-27")).await;
    assert_eq!(duplicate.status(), 409);
}
on_each_backend!(register_attest_read_accept_and_reaccept_after_a_new_version);

async fn attestations_are_validated_and_kept_as_history(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.account("ada@example.org", Role::User).await;
    for country in ["EU", "UK", "Germany", "XX", "", "' OR 1=1 --"] {
        let body = json!({ "legal_name": "Ada", "domicile_country": country, "on_behalf_of_organisation": false, "monthly_active_users": "up_to_1m" });
        let response = app.put_json("/v1/me/attestation", Some(&user), &body).await;
        assert_eq!(response.status(), 400, "{country}");
        assert_eq!(error_code(response).await, "invalid-country");
    }
    let missing_org = json!({ "legal_name": "Ada", "domicile_country": "US", "on_behalf_of_organisation": true, "monthly_active_users": "up_to_1m" });
    assert_eq!(
        app.put_json("/v1/me/attestation", Some(&user), &missing_org)
            .await
            .status(),
        400
    );
    let stray_org = json!({ "legal_name": "Ada", "domicile_country": "US", "on_behalf_of_organisation": false, "monthly_active_users": "up_to_1m", "organisation_country": "FR" });
    assert_eq!(
        app.put_json("/v1/me/attestation", Some(&user), &stray_org)
            .await
            .status(),
        400
    );

    app.attest(&user, "US").await;
    let org = json!({ "legal_name": "Ada", "domicile_country": "US", "on_behalf_of_organisation": true, "monthly_active_users": "up_to_1m",
                      "organisation_name": "Analytical Engines SARL", "organisation_country": "fr" });
    assert_eq!(
        app.put_json("/v1/me/attestation", Some(&user), &org)
            .await
            .status(),
        200
    );
    let history: Value = app
        .get_auth("/v1/me/attestation", &user)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["history"].as_array().unwrap().len(), 2);
    assert_eq!(history["current"]["organisation_country"], "FR");
    assert_eq!(history["history"][1]["domicile_country"], "US");
    assert_eq!(history["history"][1]["on_behalf_of_organisation"], false);
}
on_each_backend!(attestations_are_validated_and_kept_as_history);

async fn accept_as(app: &TestApp, email: &str, attestation: Value) -> String {
    let token = app.account(email, Role::User).await;
    assert_eq!(
        app.put_json("/v1/me/attestation", Some(&token), &attestation)
            .await
            .status(),
        200
    );
    let digest = app.license_digest("llama-3.2").await;
    let response = accept(app, &token, &digest).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn the_acceptance_report_filters_exports_and_revocation_terminates(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.account("admin@example.org", Role::Admin).await;
    let compliance = app
        .account("compliance@example.org", Role::Compliance)
        .await;
    accept_as(&app, "fr@example.org", json!({ "legal_name": "Marie", "domicile_country": "FR", "on_behalf_of_organisation": false, "monthly_active_users": "up_to_1m" })).await;
    let org_acceptance = accept_as(&app, "org@example.org", json!({ "legal_name": "Grace", "domicile_country": "US",
        "on_behalf_of_organisation": true, "monthly_active_users": "up_to_1m", "organisation_name": "Acme, \"Vision\" Labs", "organisation_country": "DE" })).await;
    accept_as(&app, "us@example.org", json!({ "legal_name": "=cmd|' /C calc'!A0", "domicile_country": "US", "on_behalf_of_organisation": false, "monthly_active_users": "up_to_1m" })).await;

    let report = |query: &'static str| {
        let (app, compliance) = (&app, &compliance);
        async move {
            app.get_auth(
                &format!("/v1/admin/licenses/llama-3.2/acceptances{query}"),
                compliance,
            )
            .await
        }
    };
    let all: Value = report("").await.json().await.unwrap();
    assert_eq!(all["count"], 3);
    let german: Value = report("?country=de").await.json().await.unwrap();
    assert_eq!(german["count"], 1, "organisation country counts");
    assert_eq!(german["acceptances"][0]["email"], "org@example.org");
    let acme: Value = report("?organisation=acme").await.json().await.unwrap();
    assert_eq!(acme["count"], 1);
    let vision: Value = report("?organisation=%22VISION%22")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(vision["count"], 1, "case-insensitive on both backends");
    let future: Value = report("?since=2999-01-01").await.json().await.unwrap();
    assert_eq!(future["count"], 0);
    let injected: Value = report("?organisation=%27%20OR%201%3D1%20--")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(injected["count"], 0);
    assert_eq!(report("?country=EU").await.status(), 400);
    assert_eq!(report("?since=yesterday").await.status(), 400);

    let csv = report("?format=csv").await;
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with(
        "id,license,version,digest,accepted_at,user_id,email,legal_name,domicile_country"
    ));
    assert_eq!(csv.lines().count(), 4);
    assert!(csv.contains("\"Acme, \"\"Vision\"\" Labs\""), "{csv}");
    assert!(csv.contains("'=cmd"), "formulas are defused: {csv}");
    let jsonl = report("?format=jsonl").await.text().await.unwrap();
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);

    let revoke = app
        .post_json(
            &format!("/v1/admin/acceptances/{org_acceptance}/revoke"),
            Some(&compliance),
            &json!({ "reason": "terms breached" }),
        )
        .await;
    assert_eq!(
        revoke.status(),
        403,
        "compliance reads reports; admins terminate"
    );
    let revoke = app
        .post_json(
            &format!("/v1/admin/acceptances/{org_acceptance}/revoke"),
            Some(&admin),
            &json!({ "reason": "terms breached" }),
        )
        .await;
    assert_eq!(revoke.status(), 200);
    let org_user = app
        .login("org@example.org", "correct horse battery staple")
        .await;
    let status = app.my_license(&org_user).await;
    assert_eq!(status["status"], "revoked");
    assert_eq!(status["revoke_reason"], "terms breached");
    let live: Value = report("").await.json().await.unwrap();
    assert_eq!(live["count"], 2);
    let with_revoked: Value = report("?include_revoked=true").await.json().await.unwrap();
    assert_eq!(with_revoked["count"], 3);

    let digest = app.license_digest("llama-3.2").await;
    let back = accept(&app, &org_user, &digest).await;
    assert_eq!(
        back.status(),
        403,
        "a terminated license cannot be re-accepted by the user"
    );
    let back: Value = back.json().await.unwrap();
    assert_eq!(back["error"]["code"], "license-terminated");
    assert!(back["error"]["message"]
        .as_str()
        .unwrap()
        .contains("terms breached"));
}
on_each_backend!(the_acceptance_report_filters_exports_and_revocation_terminates);

async fn sql_looking_text_is_stored_verbatim_and_harms_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let evil = "Robert'); DROP TABLE users; --";
    let email = "o'brien--@example.org";
    let created = app
        .post_json(
            "/v1/auth/register",
            None,
            &json!({ "email": email, "password": "x'; DELETE FROM sessions; --" }),
        )
        .await;
    assert_eq!(created.status(), 202);
    let token = app.login(email, "x'; DELETE FROM sessions; --").await;
    let attestation = json!({ "legal_name": evil, "domicile_country": "US", "on_behalf_of_organisation": true, "monthly_active_users": "up_to_1m",
                              "organisation_name": "x' OR '1'='1", "organisation_country": "US" });
    assert_eq!(
        app.put_json("/v1/me/attestation", Some(&token), &attestation)
            .await
            .status(),
        200
    );
    let named = app
        .post_json(
            "/v1/me/tokens",
            Some(&token),
            &json!({ "name": "'; UPDATE users SET role='admin' --" }),
        )
        .await;
    assert_eq!(named.status(), 201);
    let me: Value = app.get_auth("/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me["attestation"]["legal_name"], evil);
    assert_eq!(me["attestation"]["organisation_name"], "x' OR '1'='1");
    assert_eq!(me["role"], "user");
    let admin = app.account("admin@example.org", Role::Admin).await;
    let mut version = new_version("x1");
    version["title"] = json!("x'); DROP TABLE license_versions; --");
    version["notice"] = json!("'; DELETE FROM acceptances; --");
    assert_eq!(publish_version(&app, &admin, &version).await.status(), 201);
    let license: Value = app
        .get("/v1/licenses/llama-3.2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(license["title"], "x'); DROP TABLE license_versions; --");
    let digest = license["digest"].as_str().unwrap().to_string();
    let accepted = accept(&app, &token, &digest).await;
    let acceptance = accepted.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let revoke = app
        .post_json(
            &format!("/v1/admin/acceptances/{acceptance}/revoke"),
            Some(&admin),
            &json!({ "reason": "1'; UPDATE acceptances SET revoked_at = NULL; --" }),
        )
        .await;
    assert_eq!(revoke.status(), 200);
    let status = app.my_license(&token).await;
    assert_eq!(status["status"], "revoked");
    assert_eq!(
        status["revoke_reason"],
        "1'; UPDATE acceptances SET revoked_at = NULL; --"
    );
    let bad_license = app.get("/v1/licenses/x'%20OR%20'1'='1").await;
    assert_eq!(bad_license.status(), 404);
    let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(users, 2, "the user and the admin, nothing dropped");
}
on_each_backend!(sql_looking_text_is_stored_verbatim_and_harms_nothing);

async fn unknown_licenses_and_malformed_digests_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.account("ada@example.org", Role::User).await;
    app.attest(&user, "JP").await;
    let unknown = app
        .post_json(
            "/v1/licenses/nope/accept",
            Some(&user),
            &json!({ "digest": "ab".repeat(32) }),
        )
        .await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(error_code(unknown).await, "license-not-found");
    let malformed = accept(&app, &user, "latest").await;
    assert_eq!(malformed.status(), 400);
    assert_eq!(error_code(malformed).await, "invalid-digest");
    let anonymous = app
        .post_json(
            "/v1/licenses/llama-3.2/accept",
            None,
            &json!({ "digest": "ab".repeat(32) }),
        )
        .await;
    assert_eq!(anonymous.status(), 401);
}
on_each_backend!(unknown_licenses_and_malformed_digests_are_refused);
