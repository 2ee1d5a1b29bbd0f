//! The web portal: forms, cookies and headers checked over HTTP, and the people's stories
//! driven end to end in headless Chromium (through chromedriver) against the real server:
//! a newcomer downloads a shard, an EU-domiciled user sees the multimodal model refused
//! with the explanation, compliance staff find and export both decisions and approve a
//! review case. Screenshots of the main pages land in `target/tmp/portal-screenshots/`.

use crate::common;
use crate::common::browser::{browser_like, csrf_of, page, Browser, PASSWORD};
use crate::common::{spawn_app, Backend, TestApp};
use fantoccini::Locator;
use modelgate::domain::Role;
use sha2::Digest;

const TEXT: &str = "demo/Llama-3.2-Tiny";
const VISION: &str = "demo/Llama-3.2-Tiny-Vision";

/// Signs up through the portal form, then signs in through the form it answers with;
/// returns the client holding the session cookie.
async fn signed_up(app: &TestApp, email: &str) -> reqwest::Client {
    let client = browser_like();
    let csrf = csrf_of(&page(&client, app, "/signup").await);
    let response = client
        .post(app.url("/signup"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer = response.text().await.unwrap();
    assert!(answer.contains("if the address is new"), "{answer}");
    let signed_in = sign_in_form(&client, app, email, &csrf_of(&answer)).await;
    assert_eq!(signed_in.status(), 303);
    client
}

/// Posts the sign-in form with `csrf`.
async fn sign_in_form(
    client: &reqwest::Client,
    app: &TestApp,
    email: &str,
    csrf: &str,
) -> reqwest::Response {
    client
        .post(app.url("/signin"))
        .form(&[("csrf", csrf), ("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn forms_need_the_csrf_token_and_cookies_are_locked_down() {
    let app = spawn_app(Backend::Sqlite).await;
    let client = browser_like();
    let response = client.get(app.url("/signup")).send().await.unwrap();
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csrf_cookie = headers["set-cookie"].to_str().unwrap();
    assert!(csrf_cookie.starts_with("mg_csrf="), "{csrf_cookie}");
    assert!(
        csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"),
        "{csrf_cookie}"
    );
    let csrf = csrf_of(&response.text().await.unwrap());

    // Without the token, or with another one, nothing is created.
    for token in ["", "0123456789abcdef0123456789abcdef"] {
        let refused = client
            .post(app.url("/signup"))
            .form(&[
                ("csrf", token),
                ("email", "mallory@example.com"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);
        let body = refused.text().await.unwrap();
        assert!(
            body.contains("csrf-failed") && body.contains("<html"),
            "{body}"
        );
    }
    let sign_in = app
        .post_json(
            "/v1/auth/login",
            None,
            &serde_json::json!({ "email": "mallory@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(sign_in.status(), 401, "no account was created");

    // A browser's cross-site POST is refused even with the right token.
    let cross_site = client
        .post(app.url("/signup"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "eve@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);

    let created = client
        .post(app.url("/signup"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "dev@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let answer = created.text().await.unwrap();
    assert!(answer.contains("if the address is new"), "{answer}");
    let signed_in = sign_in_form(&client, &app, "dev@example.com", &csrf_of(&answer)).await;
    assert_eq!(signed_in.status(), 303);
    let session = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("mg_session="))
        .unwrap();
    assert!(session.starts_with("mg_session="), "{session}");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(
        !session.contains("Secure"),
        "plain HTTP on loopback: no Secure flag"
    );
}

#[tokio::test]
async fn the_model_page_says_when_a_changed_declaration_sent_the_request_to_review() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    app.geolocate(std::net::Ipv4Addr::new(81, 0, 0, 0), 16, "DE", "EU")
        .await;
    let client = signed_up(&app, "dev@example.com").await;
    let token = app.login("dev@example.com", PASSWORD).await;
    app.attest(&token, "US").await;
    app.accept_current(&token).await;
    let vision = "demo/Llama-3.2-Tiny-Vision";
    let review: serde_json::Value = app
        .access(&token, vision, Some("81.0.0.1"), None)
        .await
        .json()
        .await
        .unwrap();
    let staff = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    let denied = app
        .post_json(
            &format!(
                "/v1/reviews/{}/deny",
                review["review"]["id"].as_str().unwrap()
            ),
            Some(&staff),
            &serde_json::json!({ "note": "domicile not shown" }),
        )
        .await;
    assert_eq!(denied.status(), 200);
    app.attest(&token, "CA").await;
    let html = page(&client, &app, &format!("/models/{vision}")).await;
    assert!(html.contains("Needs review"), "{html}");
    assert!(html.contains("review.declaration-changed"), "{html}");
    assert!(html.contains("changed their declaration"), "{html}");
}

#[tokio::test]
async fn pages_escape_what_people_type_and_check_roles() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let client = signed_up(&app, "dev@example.com").await;
    let profile = page(&client, &app, "/profile").await;
    let response = client
        .post(app.url("/profile"))
        .form(&[
            ("csrf", csrf_of(&profile).as_str()),
            ("legal_name", "<script>alert(1)</script>"),
            ("domicile_country", "CA"),
            ("on_behalf", "no"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("&#60;script&#62;") || body.contains("&lt;script&gt;"),
        "{body}"
    );
    assert!(!body.contains("<script>alert(1)</script>"));
    assert!(body.contains("Canada (CA)"));

    // A developer is not compliance staff: an HTML 403, not the audit log.
    let audit = client
        .get(app.url("/compliance/audit"))
        .send()
        .await
        .unwrap();
    assert_eq!(audit.status(), 403);
    let text = audit.text().await.unwrap();
    assert!(
        text.contains("forbidden") && !text.contains("Audit log"),
        "{text}"
    );

    // Signed out, a page sends the browser to sign in and back; never to another site.
    let anonymous = browser_like();
    let redirect = anonymous.get(app.url("/tokens")).send().await.unwrap();
    assert_eq!(redirect.status(), 303);
    assert_eq!(redirect.headers()["location"], "/signin?next=%2Ftokens");
    let form = page(&anonymous, &app, "/signin?next=//evil.example/x").await;
    assert!(form.contains("name=\"next\" value=\"/models\""), "{form}");

    // Browsers get an HTML error page for an unknown path; API clients keep JSON.
    let html = anonymous
        .get(app.url("/no/such/page"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 404);
    assert!(html.text().await.unwrap().contains("<html"));
    let json = anonymous
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(common::error_code(json).await, "not-found");
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver"]
async fn people_use_the_portal_in_a_real_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let (text, _) = app.publish_demo().await;
    // Every browser request comes from 127.0.0.1, located in Germany: an EU location.
    app.geolocate(std::net::Ipv4Addr::new(127, 0, 0, 0), 8, "DE", "EU")
        .await;
    app.account("auditor@example.com", Role::Compliance).await;
    let browser = Browser::start(&app.address).await;

    // A newcomer from Canada signs up, declares a domicile, accepts, downloads a shard.
    browser.sign_up("newcomer@example.com").await;
    browser.attest("Nia Newcomer", "CA").await;
    browser.open("/models").await;
    let catalog = browser.text().await;
    assert!(
        catalog.contains(TEXT) && catalog.contains(VISION),
        "{catalog}"
    );
    assert!(catalog.contains("Accept the license"), "{catalog}");
    browser.accept_license(TEXT).await;
    browser.shoot("model-page").await;
    browser.click("form[action$='/access'] button").await;
    let downloads = browser.text().await;
    assert!(
        downloads.contains(&format!("modelgate download {TEXT} --endpoint")),
        "{downloads}"
    );
    assert!(
        downloads.contains("curl -fL --create-dirs -C -"),
        "{downloads}"
    );
    browser.shoot("downloads").await;
    let link = browser
        .client
        .find(Locator::Css("table.files a[download$='.safetensors']"))
        .await
        .unwrap();
    let (href, name) = (
        link.attr("href").await.unwrap().unwrap(),
        link.text().await.unwrap(),
    );
    let bytes = reqwest::get(&href).await.unwrap().bytes().await.unwrap();
    let expected = text
        .manifest
        .files
        .iter()
        .find(|f| f.path.as_str() == name)
        .unwrap();
    assert_eq!(
        hex::encode(sha2::Sha256::digest(bytes)),
        expected.sha256.hex()
    );
    assert!(
        downloads.contains(&expected.sha256.hex()),
        "the page lists the SHA-256"
    );
    // Asking again reuses the grant; the page counts the download just made.
    browser.open(&format!("/models/{TEXT}")).await;
    browser.click("form[action$='/access'] button").await;
    let row = browser
        .client
        .find(Locator::XPath(&format!("//tr[td/a[text()='{name}']]")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(row.split_whitespace().last(), Some("4"), "{row}");
    browser.open("/models").await;
    browser.shoot("catalog").await;

    // The Canadian's request for the Vision model from a German address goes to review.
    browser.open(&format!("/models/{VISION}")).await;
    assert!(browser.text().await.contains("Needs review"));
    browser.click("form[action$='/access'] button").await;
    let review = browser.text().await;
    assert!(
        review.contains("Compliance review") && review.contains("open"),
        "{review}"
    );
    assert!(
        review.contains("GeoLite2"),
        "GeoIP attribution where its result shows: {review}"
    );

    // An EU-domiciled developer: the Vision model is refused with the rule and the clause,
    // the text model is open to them.
    browser.sign_up("eu.dev@example.com").await;
    browser.attest("Émile Europe", "FR").await;
    browser.accept_license(VISION).await;
    browser.click("form[action$='/access'] button").await;
    let refused = browser.text().await;
    assert!(refused.contains("Not available to you"), "{refused}");
    assert!(refused.contains("eu.multimodal-withheld"), "{refused}");
    assert!(
        refused.contains("section 4: Multimodal Models and the European Union"),
        "{refused}"
    );
    browser.shoot("refused").await;
    browser.open("/models").await;
    let catalog = browser.text().await;
    let text_card = catalog.split(VISION).next().unwrap();
    assert!(text_card.contains("Available"), "{catalog}");
    browser.open(&format!("/models/{TEXT}")).await;
    browser.click("form[action$='/access'] button").await;
    assert!(browser.text().await.contains("SHA-256"));

    // Compliance staff find both decisions, export them, approve the review case.
    browser
        .sign_in("auditor@example.com", "correct horse battery staple")
        .await;
    browser
        .open("/compliance/audit?kind=policy.decision&outcome=deny")
        .await;
    assert!(browser.text().await.contains("Log verified"));
    let denied = browser.source().await;
    assert!(
        denied.contains("eu.multimodal-withheld") && denied.contains("eu.dev@example.com"),
        "{denied}"
    );
    browser.shoot("compliance-search").await;
    browser
        .open("/compliance/audit?kind=policy.decision&outcome=allow")
        .await;
    assert!(browser.source().await.contains("newcomer@example.com"));
    let export = browser
        .client
        .find(Locator::LinkText("Export CSV"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let csv = common::http_client()
        .get(format!("{}{export}", app.address))
        .header("Cookie", browser.session_cookie().await)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("seq,index,id,time"), "{csv}");
    assert!(
        csv.contains("newcomer@example.com") && csv.contains("eu.dev@example.com"),
        "{csv}"
    );
    assert!(
        !csv.contains(",deny,"),
        "the export follows the filter: {csv}"
    );

    browser.open("/compliance/stats").await;
    let stats = browser.source().await;
    assert!(
        stats.contains("<svg") && stats.contains("FR: denied"),
        "{stats}"
    );
    browser.shoot("statistics").await;

    browser.open("/compliance/reviews").await;
    let queue = browser.text().await;
    assert!(
        queue.contains(VISION) && queue.contains("newcomer@example.com"),
        "{queue}"
    );
    browser.shoot("reviews").await;
    browser
        .fill(
            "textarea[name=note]",
            "Canadian resident travelling; passport checked",
        )
        .await;
    browser.click("button[value=approve]").await;
    assert!(browser.path().await.ends_with("/compliance/reviews"));
    assert!(browser.text().await.contains("passport checked"));

    // The approval takes effect: the newcomer now gets the Vision model.
    browser.sign_in("newcomer@example.com", PASSWORD).await;
    browser.open(&format!("/models/{VISION}")).await;
    assert!(browser
        .text()
        .await
        .contains("You can download this model."));
    browser.client.clone().close().await.unwrap();
}

/// The admin page on `app` for a signed-in admin: (client, page HTML).
async fn admin_session(app: &TestApp) -> (reqwest::Client, String) {
    app.account("root@example.com", Role::Admin).await;
    let client = browser_like();
    let csrf = csrf_of(&page(&client, app, "/signin").await);
    let response = client
        .post(app.url("/signin"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "root@example.com"),
            ("password", "correct horse battery staple"),
            ("next", "/admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/admin");
    let html = page(&client, app, "/admin").await;
    (client, html)
}

#[tokio::test]
async fn admins_publish_license_versions_add_partners_and_revoke_acceptances() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let user = app.licensed_user("holder@example.com", "US").await;
    let (client, html) = admin_session(&app).await;
    assert!(
        html.contains(TEXT) && html.contains(VISION),
        "models and revisions listed"
    );
    assert!(html.contains("holder@example.com"), "acceptances listed");
    let csrf = csrf_of(&html);

    // A partner: its token is shown once, on the answer to the form.
    let created = client
        .post(app.url("/admin/partners"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Fjord Mirrors"),
            ("country", "NO"),
            ("contact", "ops@fjord.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let body = created.text().await.unwrap();
    assert!(
        body.contains("Partner Fjord Mirrors created") && body.contains("mg_"),
        "{body}"
    );
    assert!(!page(&client, &app, "/admin")
        .await
        .contains("is not shown again"));
    let again = client
        .post(app.url("/admin/partners"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Fjord Mirrors"),
            ("country", "NO"),
            ("contact", "two@fjord.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("already exists"));

    // Revoking the holder's acceptance terminates their license at once.
    let acceptance = html
        .split("/admin/acceptances/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    let revoked = client
        .post(app.url(&format!("/admin/acceptances/{acceptance}/revoke")))
        .form(&[("csrf", csrf.as_str()), ("reason", "breach of the AUP")])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 303);
    assert!(page(&client, &app, "/admin")
        .await
        .contains("breach of the AUP"));
    let refused = app.access(&user, TEXT, None, None).await;
    assert_eq!(refused.status(), 403);

    // A new license version: everyone must accept again. A form missing the NOTICE is
    // refused on the page and publishes nothing.
    let version_form = |notice: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("license_id", "llama-3.2".into()),
            ("version", "2026-12".into()),
            ("title", "Llama 3.2 Community License (December)".into()),
            ("modality_text", "on".into()),
            ("modality_multimodal", "on".into()),
            (
                "license_text",
                "The December wording of the license.".into(),
            ),
            ("aup_text", "The December wording of the policy.".into()),
            ("notice", notice.to_owned()),
        ]
    };
    let refused = client
        .post(app.url("/admin/licenses"))
        .form(&version_form(""))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("NOTICE"));
    let unchanged: serde_json::Value = app
        .get("/v1/licenses/llama-3.2")
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(unchanged["version"], "2026-12");
    let published = client
        .post(app.url("/admin/licenses"))
        .form(&version_form(
            "Llama 3.2 is licensed under the Llama 3.2 Community License.",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);
    assert!(published
        .text()
        .await
        .unwrap()
        .contains("Published llama-3.2 version 2026-12"));
    let current: serde_json::Value = app
        .get("/v1/licenses/llama-3.2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["version"], "2026-12");

    // A developer cannot open the admin page.
    let developer = signed_up(&app, "dev@example.com").await;
    assert_eq!(
        developer
            .get(app.url("/admin"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test]
async fn a_licensee_downloads_the_proofs_of_their_acceptance_and_decision() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let client = signed_up(&app, "proof@example.com").await;
    // Nothing accepted yet: no proof to give.
    let response = client
        .get(app.url("/proofs/acceptance"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let token = app.login("proof@example.com", PASSWORD).await;
    app.attest(&token, "US").await;
    app.accept_current(&token).await;
    let html = page(&client, &app, &format!("/models/{TEXT}")).await;
    assert!(html.contains("href=\"/proofs/acceptance\""), "{html}");
    let csrf = csrf_of(&html[html.find("/access").unwrap_or(0)..]);
    let downloads = client
        .post(app.url(&format!("/models/{TEXT}/access")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(downloads.status(), 200);
    let downloads = downloads.text().await.unwrap();
    let at = downloads.find("href=\"/proofs/").expect("a proof link") + "href=\"".len();
    let decision_link = downloads[at..at + downloads[at..].find('"').unwrap()].to_owned();
    app.audit_sequenced().await;

    let vkey = app.get("/v1/keys/audit.vkey").await.text().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (link, kind) in [
        ("/proofs/acceptance".to_owned(), "license.accepted"),
        (decision_link, "policy.decision"),
    ] {
        let response = client.get(app.url(&link)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{link}");
        assert!(response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".tlog-proof"));
        let file = dir.path().join("receipt.tlog-proof");
        std::fs::write(&file, response.text().await.unwrap()).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_modelgate"))
            .args(["audit", "verify-proof"])
            .arg(&file)
            .args(["--vkey", vkey.trim()])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{out}");
        assert!(out.contains(&format!("kind: {kind}")), "{out}");
    }
    // Another visitor gets nothing of theirs.
    let other = signed_up(&app, "other@example.com").await;
    let response = other.get(app.url("/proofs/0")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}
