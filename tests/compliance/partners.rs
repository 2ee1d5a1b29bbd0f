//! Partners: a place of business only admins record, and events a mirror ships kept as the
//! partner's claims (attacks 1 and 6).

use super::*;

/// Attack 1: a partner in Germany re-declared itself American with its own token and got
/// the Vision model into its snapshot.
async fn a_partner_cannot_declare_its_own_place_of_business(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let admin = app.account("admin@example.com", Role::Admin).await;
    let (partner, partner_id) = app
        .create_partner(&admin, "Rhein Mirrors", "DE", "ops@rhein.example")
        .await;
    app.accept_current(&partner).await;

    let redeclared = declare(&app, &partner, individual("US")).await;
    assert_eq!(redeclared.status(), 403);
    let organisation = json!({ "legal_name": "Rhein Mirrors", "domicile_country": "US",
        "on_behalf_of_organisation": true, "monthly_active_users": "up_to_1m", "organisation_name": "Rhein Mirrors", "organisation_country": "US" });
    assert_eq!(declare(&app, &partner, organisation).await.status(), 403);
    let mirror = ask(&app, &partner, VISION, UNKNOWN_IP, Some("mirror")).await;
    assert_decided(&mirror, "deny", "eu.multimodal-withheld");
    let snapshot = snapshot_of(&app, &partner).await;
    assert!(!snapshot["models"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == VISION));

    // Admins move it (audited), and only then does the policy see the new country.
    let moved = app
        .put_json(
            &format!("/v1/admin/partners/{partner_id}"),
            Some(&admin),
            &json!({ "country": "NO" }),
        )
        .await;
    assert_eq!(moved.status(), 200);
    let compliance = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    let events = app
        .get_auth_json("/v1/audit/events?kind=partner.updated", &compliance)
        .await;
    assert_eq!(events["events"][0]["data"]["previous_country"], "DE");
    assert_eq!(events["events"][0]["data"]["organisation_country"], "NO");
    // A partner may not move itself through the admin route either.
    let self_moved = app
        .put_json(
            &format!("/v1/admin/partners/{partner_id}"),
            Some(&partner),
            &json!({ "country": "US" }),
        )
        .await;
    assert_eq!(self_moved.status(), 403);
    app.accept_current(&partner).await;
    let snapshot = snapshot_of(&app, &partner).await;
    assert!(snapshot["models"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == VISION));

    // A mirror refuses a snapshot that offers a model its own policy withholds from the
    // partner's country, whatever upstream decided.
    let mut forged: modelgate::mirror::snapshot::Snapshot =
        serde_json::from_value(snapshot).unwrap();
    forged.partner.country = "DE".into();
    let refused = modelgate::mirror::snapshot::check_entitled(&forged).unwrap_err();
    assert!(
        refused.to_string().contains("eu.multimodal-withheld"),
        "{refused}"
    );
}
on_each_backend!(a_partner_cannot_declare_its_own_place_of_business);

/// The snapshot a partner gets, decoded from its DSSE envelope.
async fn snapshot_of(app: &TestApp, partner: &str) -> Value {
    let envelope = app.get_auth_json("/v1/mirror/snapshot", partner).await;
    use base64::Engine;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&payload).unwrap()
}

/// Attack 6: a partner shipped "upstream" events (an admin approval, an allow for someone
/// else, terabytes served) that upstream recorded as its own.
async fn events_a_partner_ships_are_its_claims_never_upstream_decisions(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let admin = app.account("admin@example.com", Role::Admin).await;
    let victim = app.licensed_user("ada@example.com", "US").await;
    let victim_id = app.get_auth_json("/v1/me", &victim).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (partner, partner_id) = app
        .create_partner(&admin, "Sly Mirrors", "NO", "ops@sly.example")
        .await;

    let forged = [
        (
            "policy.decision",
            "allow",
            json!({ "model": VISION, "declared_domicile": "DE", "outcome": "allow" }),
        ),
        (
            "review.decided",
            "approved",
            json!({ "case": "x", "state": "approved" }),
        ),
        (
            "blob.request",
            "served",
            json!({ "bytes": 20_000_000_000_000_u64, "model": VISION }),
        ),
    ];
    let mut events = Vec::new();
    for (index, (kind, result, data)) in forged.into_iter().enumerate() {
        events.push(modelgate::ledger::LogEntry {
            seq: index as i64 + 1,
            index: Some(index as i64),
            id: format!("forged-{index}"),
            occurred_at: 1,
            kind: kind.into(),
            actor: Some(victim_id.clone()),
            subject: Some(VISION.into()),
            outcome: Some(result.into()),
            request_id: None,
            client_ip_hash: None,
            client_ip: None,
            data,
            legacy: None,
            personal: None,
        });
    }
    let shipped = app
        .post_json(
            "/v1/mirror/audit",
            Some(&partner),
            &json!({ "events": events }),
        )
        .await;
    assert_eq!(shipped.status(), 200);
    let staff = app
        .account("compliance@example.com", Role::Compliance)
        .await;

    for kind in ["policy.decision", "review.decided", "blob.request"] {
        let found = app
            .get_auth_json(&format!("/v1/audit/events?kind={kind}&limit=1000"), &staff)
            .await;
        assert!(
            found["events"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["data"]["claim"].is_null() && e["actor"] != json!(partner_id)),
            "{kind}: {found}"
        );
    }
    let by_victim = app
        .get_auth_json(
            &format!("/v1/audit/events?user={victim_id}&limit=1000"),
            &staff,
        )
        .await;
    assert!(
        by_victim["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["kind"] != "mirror.reported"),
        "{by_victim}"
    );
    let claims = app
        .get_auth_json("/v1/audit/events?kind=mirror.reported", &staff)
        .await;
    let claims = claims["events"].as_array().unwrap();
    assert_eq!(claims.len(), 3);
    for claim in claims {
        assert_eq!(claim["actor"], json!(partner_id));
        assert_eq!(claim["outcome"], "reported");
        assert_eq!(claim["data"]["claim"]["actor"], json!(victim_id));
    }
    assert_eq!(claims[0]["data"]["claim"]["kind"], "policy.decision");
    let summary = app.get_auth_json("/v1/audit/summary", &staff).await;
    assert!(
        !summary.to_string().contains(VISION),
        "a claim is not counted as a decision: {summary}"
    );
}
on_each_backend!(events_a_partner_ships_are_its_claims_never_upstream_decisions);
