//! Decisions from the facts in the database: the licensee rule, acceptance of the current
//! version, termination and the model's modality from its manifest.

use crate::common::{spawn_app, Backend, TestApp};
use modelgate::access::gather;
use modelgate::domain::Role;
use modelgate::policy::{Action, Outcome};
use serde_json::{json, Value};

async fn user_id(app: &TestApp, token: &str) -> String {
    let me: serde_json::Value = app.get_auth("/v1/me", token).await.json().await.unwrap();
    me["id"].as_str().unwrap().to_string()
}

async fn decide(app: &TestApp, user: &str, model: &str) -> (Outcome, Vec<String>) {
    let inputs = gather(&app.state, user, &model.parse().unwrap(), None, None, None)
        .await
        .unwrap();
    let decision = app
        .state
        .policy
        .get()
        .decide(
            &inputs.licensee.facts,
            Action::Download,
            &inputs.model,
            &inputs.signals,
        )
        .unwrap();
    (
        decision.outcome,
        decision.reasons.into_iter().map(|r| r.policy).collect(),
    )
}

async fn decisions_follow_the_attestation_the_acceptance_and_the_manifest(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let admin = app.account("admin@example.org", Role::Admin).await;
    let token = app.account("ada@example.org", Role::User).await;
    let user = user_id(&app, &token).await;
    app.attest(&token, "DE").await;

    let (outcome, reasons) = decide(&app, &user, "demo/Llama-3.2-Tiny").await;
    assert_eq!(
        (outcome, reasons),
        (
            Outcome::Deny,
            vec!["license.acceptance-required".to_string()]
        )
    );

    let digest = app.license_digest("llama-3.2").await;
    let accepted = app
        .post_json(
            "/v1/licenses/llama-3.2/accept",
            Some(&token),
            &json!({ "digest": digest }),
        )
        .await;
    assert_eq!(accepted.status(), 201);
    assert_eq!(
        decide(&app, &user, "demo/Llama-3.2-Tiny").await.0,
        Outcome::Allow
    );
    let (outcome, reasons) = decide(&app, &user, "demo/Llama-3.2-Tiny-Vision").await;
    assert_eq!(outcome, Outcome::Deny);
    assert_eq!(reasons, vec!["eu.multimodal-withheld".to_string()]);

    // Acting for a US company makes the company the licensee, which accepts for itself.
    let org = json!({ "legal_name": "Ada", "domicile_country": "DE", "on_behalf_of_organisation": true, "monthly_active_users": "up_to_1m",
                      "organisation_name": "Engines Inc", "organisation_country": "US" });
    assert_eq!(
        app.put_json("/v1/me/attestation", Some(&token), &org)
            .await
            .status(),
        200
    );
    assert_eq!(
        decide(&app, &user, "demo/Llama-3.2-Tiny-Vision").await,
        (
            Outcome::Deny,
            vec!["license.acceptance-required".to_string()]
        )
    );
    app.accept_current(&token).await;
    assert_eq!(
        decide(&app, &user, "demo/Llama-3.2-Tiny-Vision").await.0,
        Outcome::Allow
    );

    // A new license version makes the acceptance stale.
    let version = json!({ "version": "v2", "title": "t", "modalities": ["text", "multimodal"],
                          "license_text": "new", "aup_text": "new aup", "notice": "Built with Llama." });
    assert_eq!(
        app.post_json(
            "/v1/admin/licenses/llama-3.2/versions",
            Some(&admin),
            &version
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        decide(&app, &user, "demo/Llama-3.2-Tiny").await.0,
        Outcome::Deny
    );

    // Re-accepted, then terminated.
    let digest = app.license_digest("llama-3.2").await;
    let accepted: serde_json::Value = app
        .post_json(
            "/v1/licenses/llama-3.2/accept",
            Some(&token),
            &json!({ "digest": digest }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        decide(&app, &user, "demo/Llama-3.2-Tiny").await.0,
        Outcome::Allow
    );
    let id = accepted["id"].as_str().unwrap();
    let revoke = app
        .post_json(
            &format!("/v1/admin/acceptances/{id}/revoke"),
            Some(&admin),
            &json!({ "reason": "breach" }),
        )
        .await;
    assert_eq!(revoke.status(), 200);
    let (outcome, reasons) = decide(&app, &user, "demo/Llama-3.2-Tiny").await;
    assert_eq!(outcome, Outcome::Deny);
    assert!(
        reasons.contains(&"revocation.entitlement-revoked".to_string()),
        "{reasons:?}"
    );
}
on_each_backend!(decisions_follow_the_attestation_the_acceptance_and_the_manifest);

/// Copies a directory tree (the repository's `policies/`, to add a license to).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

const ACME_PACK: &str = r#"id = "acme-1.0"
version = "2026-12-01"
title = "Acme Open Weights License 1.0"
modalities = ["text", "multimodal"]

[regional_clause]
rule = "acme.uk-kr-withheld"
predicate = "domicile"
regions = ["UK", "KR"]
models = "all"
title = "Acme license, clause 7: Restricted Countries"
reason = "the Acme license does not grant its models to licensees domiciled or established in the United Kingdom or South Korea"
"#;

const ACME_TABLE: &str = r#"
[[case]]
name = "the UK and South Korea: withheld from individuals"
model = "text"
countries = ["GB", "KR"]
expect = "deny"
policy = "acme.uk-kr-withheld"

[[case]]
name = "the UK and South Korea: withheld from organisations"
model = "multimodal"
domicile = "US"
countries = ["GB", "KR"]
vary = "organisation"
expect = "deny"
policy = "acme.uk-kr-withheld"

[[case]]
name = "the EU, the EEA and elsewhere: allowed (no EU clause here)"
model = "multimodal"
countries = ["DE", "FR", "NO", "CH", "US", "JP"]
expect = "allow"

[[case]]
name = "located in the UK: review"
model = "text"
domicile = "US"
countries = ["GB"]
vary = "location"
expect = "review"
policy = "review.clause-region-location"

[[case]]
name = "no monthly-active-users limit: no need to answer"
model = "text"
domicile = "US"
monthly_active_users = "none"
expect = "allow"
"#;

/// A fourth license added as a folder only (its documents, `license.toml` and
/// `decisions.toml`): `policy check` and `policy test` take it, the gateway seeds it, and its
/// clause decides through the API, cited with the license's id, version and clause title.
async fn a_license_added_as_a_folder_decides_without_code_changes(backend: Backend) {
    let policies = tempfile::tempdir().unwrap();
    copy_tree(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/policies")),
        policies.path(),
    );
    let pack = policies.path().join("licenses/acme-1.0");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(pack.join("license.toml"), ACME_PACK).unwrap();
    std::fs::write(pack.join("decisions.toml"), ACME_TABLE).unwrap();
    std::fs::write(
        pack.join("LICENSE.md"),
        "# Acme Open Weights License 1.0\n\nA test license: no rights for the UK or South Korea.\n",
    )
    .unwrap();
    std::fs::write(
        pack.join("USE_POLICY.md"),
        "# Acme use policy\n\nBe kind.\n",
    )
    .unwrap();
    std::fs::write(pack.join("NOTICE"), "Acme models, test wording.\n").unwrap();
    let dir = policies.path().to_str().unwrap();

    let (code, out) = crate::common::modelgate_cli(&["policy", "check", "--dir", dir]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "license acme-1.0 2026-12-01: domicile clause on UK, KR (acme.uk-kr-withheld)"
        ),
        "{out}"
    );
    let (code, out) = crate::common::modelgate_cli(&["policy", "test", "--dir", dir]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok    deny   the UK and South Korea: withheld from individuals [KR] (acme.uk-kr-withheld)"), "{out}");
    assert!(out.contains(" 0 failed"), "{out}");

    let configured = policies.path().to_owned();
    let app = crate::common::spawn_app_with(backend, move |settings| {
        settings.policy.dir = configured;
    })
    .await;
    let (_, demo) = crate::common::demo_models();
    app.publish_under(&demo[0].dir, "acme/Tiny", demo[0].modality, "acme-1.0")
        .await
        .unwrap();
    let digest = app.license_digest("acme-1.0").await;
    let mut answers = Vec::new();
    for (email, country) in [("gb@example.org", "GB"), ("de@example.org", "DE")] {
        let token = app.account(email, Role::User).await;
        app.attest(&token, country).await;
        let accepted = app
            .post_json(
                "/v1/licenses/acme-1.0/accept",
                Some(&token),
                &json!({ "digest": digest }),
            )
            .await;
        assert_eq!(accepted.status(), 201);
        let response = app.access(&token, "acme/Tiny", None, None).await;
        let status = response.status().as_u16();
        answers.push((status, response.json::<serde_json::Value>().await.unwrap()));
    }
    let (status, refused) = &answers[0];
    assert_eq!(*status, 403, "{refused}");
    let reason = &refused["error"]["details"]["decision"]["reasons"][0];
    assert_eq!(reason["policy"], "acme.uk-kr-withheld", "{refused}");
    assert_eq!(
        reason["clause"],
        json!({ "license": "acme-1.0", "clause": "regional_clause", "version": "2026-12-01",
                "title": "Acme license, clause 7: Restricted Countries" }),
        "{refused}"
    );
    assert_eq!(answers[1].0, 200, "{}", answers[1].1);
}
on_each_backend!(a_license_added_as_a_folder_decides_without_code_changes);

/// The questions a territory-of-use license and a monthly-active-users limit ask, answered
/// through the API: no territory is a deny that says what to declare, one excluded
/// territory among several withholds, the domicile does not decide, a band over the limit
/// goes to review; every answer is cited with its clause, and declarations keep history.
async fn territory_and_user_band_declarations_decide_under_their_license(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, demo) = crate::common::demo_models();
    app.publish_under(
        &demo[0].dir,
        "demo/Hunyuan-Tiny",
        demo[0].modality,
        "hunyuan",
    )
    .await
    .unwrap();
    let token = app.account("deployer@example.org", Role::User).await;
    let declare = |territories: Value, band: &str| {
        json!({ "legal_name": "Dora Deployer", "domicile_country": "DE",
                "on_behalf_of_organisation": false, "deployment_territories": territories,
                "monthly_active_users": band })
    };
    let declared = app
        .put_json(
            "/v1/me/attestation",
            Some(&token),
            &declare(json!([]), "up_to_1m"),
        )
        .await;
    assert_eq!(declared.status(), 200);
    let digest = app.license_digest("hunyuan").await;
    let accepted = app
        .post_json(
            "/v1/licenses/hunyuan/accept",
            Some(&token),
            &json!({ "digest": digest }),
        )
        .await;
    assert_eq!(accepted.status(), 201);

    let ask = || async {
        let response = app.access(&token, "demo/Hunyuan-Tiny", None, None).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        let decision = if body["error"].is_object() {
            body["error"]["details"]["decision"].clone()
        } else {
            body["decision"].clone()
        };
        (status, decision["reasons"][0].clone())
    };
    let regional = json!({ "license": "hunyuan", "clause": "regional_clause", "version": "2024-11-05",
                           "title": "Hunyuan license, section 3: Excluded Territories" });
    let (status, reason) = ask().await;
    assert_eq!(
        (status, &reason["policy"], &reason["clause"]),
        (403, &json!("declaration.territory-required"), &regional)
    );

    for (territories, expected) in [
        (json!(["US", "gb"]), (403, "territory.hunyuan-excluded")),
        (json!(["US"]), (200, "license.accepted")),
    ] {
        let declared = app
            .put_json(
                "/v1/me/attestation",
                Some(&token),
                &declare(territories, "up_to_1m"),
            )
            .await;
        assert_eq!(declared.status(), 200);
        let (status, reason) = ask().await;
        assert_eq!(
            (status, reason["policy"].as_str().unwrap()),
            expected,
            "{reason}"
        );
    }

    let declared = app
        .put_json(
            "/v1/me/attestation",
            Some(&token),
            &declare(json!(["US"]), "up_to_700m"),
        )
        .await;
    assert_eq!(declared.status(), 200);
    let (status, reason) = ask().await;
    assert_eq!(
        (status, &reason["policy"]),
        (202, &json!("review.monthly-active-users"))
    );
    assert_eq!(
        reason["clause"]["title"],
        "Hunyuan license, section 2: Additional Commercial Terms"
    );

    let history = app.get_auth_json("/v1/me/attestation", &token).await;
    assert_eq!(history["current"]["deployment_territories"], json!(["US"]));
    assert_eq!(history["current"]["monthly_active_users"], "up_to_700m");
    assert_eq!(
        history["history"][2]["deployment_territories"],
        json!(["GB", "US"])
    );
    assert_eq!(history["history"].as_array().unwrap().len(), 4);

    for (bad, code) in [
        (declare(json!(["US", "XX"]), "up_to_1m"), "invalid-country"),
        (declare(json!(["US"]), "lots"), "bad-request"),
    ] {
        let refused = app.put_json("/v1/me/attestation", Some(&token), &bad).await;
        assert_eq!(refused.status(), 400);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{body}");
    }
    let unchanged = app.get_auth_json("/v1/me/attestation", &token).await;
    assert_eq!(unchanged["history"].as_array().unwrap().len(), 4);
}
on_each_backend!(territory_and_user_band_declarations_decide_under_their_license);

/// A grant decided from an allowed country opens no blob from an embargoed one, whatever
/// the model (the text model's grant is not location-bound).
async fn blobs_are_refused_from_an_embargoed_country_on_every_grant(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    app.geolocate(std::net::Ipv4Addr::new(5, 160, 0, 0), 16, "IR", "AS")
        .await;
    let session = app.licensed_user("ada@example.org", "US").await;
    let granted = app
        .access(&session, "demo/Llama-3.2-Tiny", None, None)
        .await;
    assert_eq!(granted.status(), 200);
    let body: Value = granted.json().await.unwrap();
    let url = body["files"][0]["url"].as_str().unwrap().to_owned();
    let fetch = |ip: &'static str| {
        let request = app.client.get(&url).header("Range", "bytes=0-15");
        async move { request.header("x-forwarded-for", ip).send().await.unwrap() }
    };
    assert_eq!(fetch("198.51.100.7").await.status(), 206);
    let refused = fetch("5.160.0.9").await;
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "location-changed", "{body}");
}
on_each_backend!(blobs_are_refused_from_an_embargoed_country_on_every_grant);
