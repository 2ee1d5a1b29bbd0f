//! Grants stop when their basis goes: a new license version, another licensee, an EU
//! location for a multimodal model (attacks 4, 5 and 8).

use super::*;

/// Attack 4: grants issued under the old acceptance kept downloading after a new license
/// version was published.
async fn a_new_license_version_stops_old_grants(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let admin = app.account("admin@example.com", Role::Admin).await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let answer = app.grant(&session, TEXT).await;
    let file = smallest_file(&answer);
    let grant = answer["grant"]["token"].as_str().unwrap().to_owned();
    assert_eq!(
        fetch(&app, &file, &grant, None, UNKNOWN_IP).await.status(),
        200
    );
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
    for range in [None, Some("bytes=1-")] {
        let stale = fetch(&app, &file, &grant, range, UNKNOWN_IP).await;
        assert_eq!(stale.status(), 403);
        assert_eq!(error_code(stale).await, "grant-outdated");
    }
    app.accept_current(&session).await;
    let renewed = app.grant(&session, TEXT).await;
    let token = renewed["grant"]["token"].as_str().unwrap();
    assert_eq!(
        fetch(&app, &file, token, Some("bytes=1-"), UNKNOWN_IP)
            .await
            .status(),
        206
    );
    // The old grant stays dead: it was decided on the old acceptance.
    assert_eq!(
        fetch(&app, &file, &grant, None, UNKNOWN_IP).await.status(),
        403
    );
}
on_each_backend!(a_new_license_version_stops_old_grants);

/// Attack 5: an individual's acceptance counted for the organisation they then said they
/// act for.
async fn an_acceptance_binds_the_licensee_it_was_made_for(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let answer = app.grant(&session, TEXT).await;
    let file = smallest_file(&answer);
    let individual_grant = answer["grant"]["token"].as_str().unwrap().to_owned();
    let organisation = json!({ "legal_name": "Ada Lovelace", "domicile_country": "US",
        "on_behalf_of_organisation": true, "monthly_active_users": "up_to_1m", "organisation_name": "Engines Inc", "organisation_country": "US" });
    assert_eq!(
        declare(&app, &session, organisation.clone()).await.status(),
        200
    );
    let refused = ask(&app, &session, TEXT, UNKNOWN_IP, None).await;
    assert_decided(&refused, "deny", "license.acceptance-required");
    assert_eq!(
        app.my_license(&session).await["status"],
        "accepted-for-another-licensee"
    );
    let grant = fetch(&app, &file, &individual_grant, None, UNKNOWN_IP).await;
    assert_eq!(
        grant.status(),
        403,
        "the individual's grant does not serve the organisation"
    );

    app.accept_current(&session).await;
    assert_eq!(app.my_license(&session).await["status"], "accepted");
    assert_eq!(
        outcome(&ask(&app, &session, TEXT, UNKNOWN_IP, None).await),
        "allow"
    );
    // Another organisation is another licensee; the same one by another spelling of
    // case and spaces is not.
    let other = json!({ "legal_name": "Ada Lovelace", "domicile_country": "US",
        "on_behalf_of_organisation": true, "monthly_active_users": "up_to_1m", "organisation_name": "Analytical Ltd", "organisation_country": "US" });
    assert_eq!(declare(&app, &session, other).await.status(), 200);
    assert_eq!(
        outcome(&ask(&app, &session, TEXT, UNKNOWN_IP, None).await),
        "deny"
    );
    let respelled = json!({ "legal_name": "Ada Lovelace", "domicile_country": "US",
        "on_behalf_of_organisation": true, "monthly_active_users": "up_to_1m", "organisation_name": "  ENGINES inc ", "organisation_country": "US" });
    assert_eq!(declare(&app, &session, respelled).await.status(), 200);
    assert_eq!(
        outcome(&ask(&app, &session, TEXT, UNKNOWN_IP, None).await),
        "allow"
    );
    // Back to herself: her own acceptance still stands.
    redeclare(&app, &session, "US").await;
    assert_eq!(
        outcome(&ask(&app, &session, TEXT, UNKNOWN_IP, None).await),
        "allow"
    );
}
on_each_backend!(an_acceptance_binds_the_licensee_it_was_made_for);

/// Attack 8: a grant obtained without a location signal downloaded Vision weights from an
/// EU address for its whole lifetime.
async fn a_vision_grant_does_not_travel_to_an_eu_location(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    locate_germany(&app).await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let vision = ask(&app, &session, VISION, UNKNOWN_IP, None).await;
    assert_eq!(outcome(&vision), "allow", "{vision}");
    let file = smallest_file(&vision);
    let grant = vision["grant"]["token"].as_str().unwrap().to_owned();
    for (ip, what) in [
        (GERMAN_IP, "an EU address"),
        ("84.0.0.1", "an anonymising proxy"),
    ] {
        let moved = fetch(&app, &file, &grant, None, ip).await;
        assert_eq!(moved.status(), 403, "{what}");
        assert_eq!(error_code(moved).await, "location-changed", "{what}");
    }
    assert_eq!(
        fetch(&app, &file, &grant, None, UNKNOWN_IP).await.status(),
        200
    );
    // Text models are not location-bound.
    let text = ask(&app, &session, TEXT, UNKNOWN_IP, None).await;
    let token = text["grant"]["token"].as_str().unwrap();
    assert_eq!(
        fetch(&app, &smallest_file(&text), token, None, GERMAN_IP)
            .await
            .status(),
        200
    );
    // Back at /access from Germany: the review path, and after an approval the grant
    // works there.
    let compliance = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    let review = ask(&app, &session, VISION, GERMAN_IP, None).await;
    assert_eq!(outcome(&review), "review", "{review}");
    decide(
        &app,
        &compliance,
        review["review"]["id"].as_str().unwrap(),
        "approve",
    )
    .await;
    let approved = ask(&app, &session, VISION, GERMAN_IP, None).await;
    assert_eq!(outcome(&approved), "allow", "{approved}");
    let token = approved["grant"]["token"].as_str().unwrap();
    assert_eq!(
        fetch(&app, &file, token, None, GERMAN_IP).await.status(),
        200
    );
}
on_each_backend!(a_vision_grant_does_not_travel_to_an_eu_location);
