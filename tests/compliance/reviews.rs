//! Review verdicts bind to the licensee and model: not undone by re-declaring, not forgotten
//! behind newer cases, a signal for other Vision models, and holding grants while open
//! (attack 3).

use super::*;

/// Attack 3: a compliance deny was undone by posting the same declaration again (a fresh
/// declaration row started a clean review).
async fn a_compliance_deny_binds_the_licensee_and_model(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    locate_germany(&app).await;
    let compliance = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let review = ask(&app, &session, VISION, GERMAN_IP, None).await;
    assert_eq!(outcome(&review), "review", "{review}");
    let case = review["review"]["id"].as_str().unwrap().to_owned();
    decide(&app, &compliance, &case, "deny").await;

    // The same facts again, from Germany or from anywhere: still denied.
    redeclare(&app, &session, "US").await;
    for ip in [GERMAN_IP, UNKNOWN_IP] {
        let denied = ask(&app, &session, VISION, ip, None).await;
        assert_decided(&denied, "deny", "review.denied");
    }
    // New facts after a deny open a new case; they never clear the old one.
    redeclare(&app, &session, "CA").await;
    let changed = ask(&app, &session, VISION, UNKNOWN_IP, None).await;
    assert_decided(&changed, "review", "review.declaration-changed");
    assert_ne!(changed["review"]["id"], json!(case));
    // While that case is open, more changes or another location change nothing.
    redeclare(&app, &session, "MX").await;
    for ip in [UNKNOWN_IP, "84.0.0.1"] {
        let held = ask(&app, &session, VISION, ip, None).await;
        assert_eq!(outcome(&held), "review", "{held}");
        assert_eq!(held["review"]["id"], changed["review"]["id"]);
    }
    // The review queue shows why.
    let queue = app
        .get_auth_json("/v1/reviews?state=open", &compliance)
        .await;
    let cases = queue["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{queue}");
    assert!(cases[0]["reasons"]
        .to_string()
        .contains("review.declaration-changed"));
}
on_each_backend!(a_compliance_deny_binds_the_licensee_and_model);

/// Attack 3, continued: a deny must not be forgotten behind a newer case on another
/// declaration, nor stop at the one model it was made for.
async fn a_deny_survives_newer_cases_and_reaches_other_vision_models(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let vision = &common::demo_models().1[1];
    let other = "acme/Other-Vision";
    app.publish(&vision.dir, other, vision.modality).await;
    locate_germany(&app).await;
    let compliance = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let review = ask(&app, &session, VISION, GERMAN_IP, None).await;
    decide(
        &app,
        &compliance,
        review["review"]["id"].as_str().unwrap(),
        "deny",
    )
    .await;

    // Another Vision model: a person looks first.
    let elsewhere = ask(&app, &session, other, UNKNOWN_IP, None).await;
    assert_decided(&elsewhere, "review", "review.denied-for-another-model");

    // A new declaration, approved on its own case, then back to the denied one.
    redeclare(&app, &session, "CA").await;
    let changed = ask(&app, &session, VISION, UNKNOWN_IP, None).await;
    assert_eq!(outcome(&changed), "review", "{changed}");
    decide(
        &app,
        &compliance,
        changed["review"]["id"].as_str().unwrap(),
        "approve",
    )
    .await;
    let approved = ask(&app, &session, VISION, UNKNOWN_IP, None).await;
    assert_eq!(outcome(&approved), "allow", "{approved}");
    redeclare(&app, &session, "US").await;
    let back = ask(&app, &session, VISION, UNKNOWN_IP, None).await;
    assert_decided(&back, "deny", "review.denied");
}
on_each_backend!(a_deny_survives_newer_cases_and_reaches_other_vision_models);

/// An open case holds the grants of that licensee and model too, from anywhere.
async fn an_open_case_holds_existing_grants(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    locate_germany(&app).await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let allowed = ask(&app, &session, VISION, UNKNOWN_IP, None).await;
    let grant = allowed["grant"]["token"].as_str().unwrap().to_owned();
    let file = smallest_file(&allowed);
    assert_eq!(
        fetch(&app, &file, &grant, Some("bytes=0-9"), UNKNOWN_IP)
            .await
            .status(),
        206
    );
    let review = ask(&app, &session, VISION, GERMAN_IP, None).await;
    assert_eq!(outcome(&review), "review", "{review}");
    let held = fetch(&app, &file, &grant, Some("bytes=0-9"), UNKNOWN_IP).await;
    assert_eq!(held.status(), 403);
    assert_eq!(error_code(held).await, "entitlement-revoked");
}
on_each_backend!(an_open_case_holds_existing_grants);
