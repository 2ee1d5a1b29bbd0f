//! Decisions from the facts in the database: the licensee rule, acceptance of the current
//! version, termination and the model's modality from its manifest.

use crate::common::{spawn_app, Backend, TestApp};
use modelgate::access::gather;
use modelgate::domain::Role;
use modelgate::policy::{Action, Outcome};
use serde_json::json;

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
    let org = json!({ "legal_name": "Ada", "domicile_country": "DE", "on_behalf_of_organisation": true,
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
