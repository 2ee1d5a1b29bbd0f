//! Accounts under attack: sign-up answers the same for a taken address, is throttled per
//! address and proves the address over real SMTP (aiosmtpd) before any acceptance or
//! grant; the portal's CSRF token is bound to the session, so a tossed cookie is worthless.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::*;
use crate::common::{error_code, spawn_app_with, Backend, KillOnDrop};
use modelgate::config::Secret;
use modelgate::domain::Role;
use serde_json::json;

/// A real SMTP server (Python `aiosmtpd`) writing what it receives to a maildir.
struct Smtp {
    _server: KillOnDrop,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Smtp {
    /// Starts one; fails the test when aiosmtpd is not installed.
    fn start() -> Smtp {
        common::hf::require_python_modules("aiosmtpd");
        let port = common::free_port();
        let maildir = tempfile::tempdir().unwrap();
        let server = KillOnDrop::spawn(
            std::process::Command::new("python3")
                .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(maildir.path().join("mail"))
                .stdout(std::process::Stdio::null()),
        );
        common::wait_for_port(port, "aiosmtpd");
        Smtp {
            _server: server,
            port,
            maildir,
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn files(&self) -> Vec<PathBuf> {
        ["new", "cur"]
            .iter()
            .filter_map(|d| std::fs::read_dir(self.maildir.path().join("mail").join(d)).ok())
            .flatten()
            .map(|e| e.unwrap().path())
            .collect()
    }

    /// The messages to `to` (headers and body, quoted-printable undone), waiting until
    /// there are `count` of them.
    async fn messages_to(&self, to: &str, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let found: Vec<String> = self
                .files()
                .iter()
                .map(|f| std::fs::read_to_string(f).unwrap())
                .filter(|m| m.lines().any(|l| l.starts_with("To: ") && l.contains(to)))
                .map(|m| {
                    m.replace("=\r\n", "")
                        .replace("=\n", "")
                        .replace("=3D", "=")
                })
                .collect();
            if found.len() >= count || Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The CSRF field of the first form in `html`.
fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

/// The verification link in a message.
fn link_in(message: &str) -> String {
    let at = message.find("http://").expect("a link");
    message[at..].split_whitespace().next().unwrap().to_owned()
}

async fn register(app: &TestApp, email: &str, client_ip: &str) -> reqwest::Response {
    app.client
        .post(app.url("/v1/auth/register"))
        .header("x-forwarded-for", client_ip)
        .json(&json!({ "email": email, "password": "correct horse battery staple" }))
        .send()
        .await
        .unwrap()
}

async fn sign_up_answers_the_same_for_a_taken_address_and_proves_new_ones_by_mail(
    backend: Backend,
) {
    let smtp = Smtp::start();
    let app = spawn_app_with(backend, |s| {
        s.auth.require_verified_email = Some(true);
        s.mail.smtp_url = Secret::new(smtp.url());
    })
    .await;
    app.publish_demo().await;
    app.account("ada@example.org", Role::User).await;

    let new = register(&app, "new@example.org", "198.51.100.5").await;
    assert_eq!(new.status(), 202);
    let new: Value = new.json().await.unwrap();
    let taken = register(&app, "ada@example.org", "198.51.100.5").await;
    assert_eq!(
        taken.status(),
        202,
        "no 409 that tells an address has an account"
    );
    let taken: Value = taken.json().await.unwrap();
    assert_eq!(new["next"], "confirm-email");
    assert_eq!(
        (&new["next"], &new["message"]),
        (&taken["next"], &taken["message"])
    );

    let to_owner = smtp.messages_to("ada@example.org", 1).await;
    assert_eq!(to_owner.len(), 1, "the owner hears of the attempt");
    assert!(to_owner[0].contains("already has one"), "{}", to_owner[0]);
    assert!(!to_owner[0].contains("verify-email"), "{}", to_owner[0]);
    let to_new = smtp.messages_to("new@example.org", 1).await;
    assert_eq!(to_new.len(), 1);
    let link = link_in(&to_new[0]);
    assert!(
        link.starts_with(&format!("{}/verify-email?token=", app.address)),
        "{link}"
    );

    // Signed in but unproven: may not declare, accept or get a grant.
    let token = app
        .login("new@example.org", "correct horse battery staple")
        .await;
    let declared = app
        .put_json(
            "/v1/me/attestation",
            Some(&token),
            &json!({ "legal_name": "Nia New", "domicile_country": "US", "on_behalf_of_organisation": false, "monthly_active_users": "up_to_1m" }),
        )
        .await;
    assert_eq!(declared.status(), 403);
    assert_eq!(error_code(declared).await, "email-not-verified");
    let digest = app.license_digest("llama-3.2").await;
    let accept = app
        .post_json(
            "/v1/licenses/llama-3.2/accept",
            Some(&token),
            &json!({ "digest": digest }),
        )
        .await;
    assert_eq!(accept.status(), 403);
    assert_eq!(error_code(accept).await, "email-not-verified");
    let access = app.access(&token, TEXT, None, None).await;
    assert_eq!(access.status(), 403);
    assert_eq!(error_code(access).await, "email-not-verified");

    // The mailed link opens a page whose button (not the GET, which a mail scanner may
    // follow) proves the address, once.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = browser.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("Confirm my address"), "{page}");
    let access = app.access(&token, TEXT, None, None).await;
    assert_eq!(
        error_code(access).await,
        "email-not-verified",
        "the GET proved nothing"
    );
    let token_in_link = link.rsplit('=').next().unwrap();
    let confirmed = browser
        .post(app.url("/verify-email"))
        .form(&[("csrf", csrf_in(&page).as_str()), ("token", token_in_link)])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    assert!(confirmed.text().await.unwrap().contains("confirmed"));
    // Following a sign-up's link sets its password and ends earlier sessions.
    assert_eq!(app.get_auth("/v1/me", &token).await.status(), 401);
    let token = app
        .login("new@example.org", "correct horse battery staple")
        .await;
    app.attest(&token, "US").await;
    let again = app
        .post_json(
            "/v1/auth/verify-email",
            None,
            &json!({ "token": token_in_link }),
        )
        .await;
    assert_eq!(again.status(), 400);
    assert_eq!(error_code(again).await, "invalid-verification-link");
    app.accept_current(&token).await;
    let granted = app.grant(&token, TEXT).await;
    assert!(granted["grant"]["token"].is_string(), "{granted}");

    // A resend for a proven or unknown address sends nothing and says the same.
    for email in ["new@example.org", "nobody@example.org"] {
        let resent = app
            .post_json(
                "/v1/auth/resend-verification",
                None,
                &json!({ "email": email }),
            )
            .await;
        assert_eq!(resent.status(), 202);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages_to("new@example.org", 2).await.len(), 1);
    assert!(smtp.messages_to("nobody@example.org", 1).await.is_empty());
}
on_each_backend!(
    sign_up_answers_the_same_for_a_taken_address_and_proves_new_ones_by_mail,
    ignore = "needs aiosmtpd (Python)"
);

#[tokio::test]
#[ignore = "needs aiosmtpd (Python)"]
async fn whoever_squats_an_unproven_address_loses_it_to_the_owner() {
    let smtp = Smtp::start();
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.auth.require_verified_email = Some(true);
        s.mail.smtp_url = Secret::new(smtp.url());
    })
    .await;
    let victim = "victim@example.org";
    let squat = app
        .post_json(
            "/v1/auth/register",
            None,
            &json!({ "email": victim, "password": "the squatter's password" }),
        )
        .await;
    assert_eq!(squat.status(), 202);
    let squatter = app.login(victim, "the squatter's password").await;
    let squatters_link = link_in(&smtp.messages_to(victim, 1).await[0]);
    // The owner signs up later: the same answer, and a link of their own.
    let own = app
        .post_json(
            "/v1/auth/register",
            None,
            &json!({ "email": victim, "password": "the owner's own password" }),
        )
        .await;
    assert_eq!(own.status(), 202);
    let mails = smtp.messages_to(victim, 2).await;
    assert_eq!(mails.len(), 2, "one link per sign-up");
    let owners_link = mails
        .iter()
        .map(|m| link_in(m))
        .find(|l| *l != squatters_link)
        .unwrap();
    let verified = app
        .post_json(
            "/v1/auth/verify-email",
            None,
            &json!({ "token": owners_link.rsplit('=').next().unwrap() }),
        )
        .await;
    assert_eq!(verified.status(), 200);
    assert_eq!(
        app.get_auth("/v1/me", &squatter).await.status(),
        401,
        "the squatter's session ended"
    );
    let squatter_again = app
        .post_json(
            "/v1/auth/login",
            None,
            &json!({ "email": victim, "password": "the squatter's password" }),
        )
        .await;
    assert_eq!(squatter_again.status(), 401);
    let owner = app.login(victim, "the owner's own password").await;
    app.attest(&owner, "US").await;
}

#[tokio::test]
#[ignore = "needs aiosmtpd (Python)"]
async fn an_unproven_account_can_ask_for_another_link() {
    let smtp = Smtp::start();
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.auth.require_verified_email = Some(true);
        s.mail.smtp_url = Secret::new(smtp.url());
    })
    .await;
    assert_eq!(
        register(&app, "late@example.org", "198.51.100.6")
            .await
            .status(),
        202
    );
    let resent = app
        .post_json(
            "/v1/auth/resend-verification",
            None,
            &json!({ "email": "late@example.org" }),
        )
        .await;
    assert_eq!(resent.status(), 202);
    let mails = smtp.messages_to("late@example.org", 2).await;
    assert_eq!(mails.len(), 2);
    let verified = app
        .post_json(
            "/v1/auth/verify-email",
            None,
            &json!({ "token": link_in(&mails[1]).rsplit('=').next().unwrap() }),
        )
        .await;
    assert_eq!(verified.status(), 200);
}

/// The subject and the text of a raw mail, decoded (RFC 2047 headers, transfer encodings).
fn decoded(raw: &str) -> (String, String) {
    let script = "import email, sys\n\
        from email.header import decode_header, make_header\n\
        m = email.message_from_string(sys.stdin.read())\n\
        print(str(make_header(decode_header(m['Subject']))))\n\
        print(m.get_payload(decode=True).decode(m.get_content_charset() or 'utf-8'))\n";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(raw.as_bytes())
        .unwrap();
    let out = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    let (subject, body) = out.split_once('\n').unwrap();
    (subject.to_owned(), body.to_owned())
}

#[tokio::test]
#[ignore = "needs aiosmtpd (Python)"]
async fn the_verification_mail_speaks_the_language_of_the_sign_up() {
    use modelgate::i18n::Lang;
    let smtp = Smtp::start();
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.auth.require_verified_email = Some(true);
        s.mail.smtp_url = Secret::new(smtp.url());
    })
    .await;
    let answer = app
        .client
        .post(app.url("/v1/auth/register"))
        .header("accept-language", "th-TH,th;q=0.9")
        .json(
            &json!({ "email": "somchai@example.org", "password": "correct horse battery staple" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["next"], "confirm-email");
    assert_eq!(
        answer["message"],
        Lang::Th.text("signup-next-confirm-email").as_str()
    );
    assert_eq!(smtp.messages_to("somchai@example.org", 1).await.len(), 1);
    // The message as it arrived (`messages_to` undoes soft line breaks, which would break
    // the encoded subject).
    let raw = smtp
        .files()
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .find(|m| m.contains("somchai@example.org"))
        .unwrap();
    let (subject, body) = decoded(&raw);
    assert_eq!(subject, Lang::Th.text("mail-verify-subject"));
    assert!(
        body.contains("ชั่วโมง") && body.contains("/verify-email?token="),
        "{body}"
    );
}

#[tokio::test]
async fn sign_ups_are_throttled_per_address() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.auth.max_signups_per_ip = 3).await;
    for n in 0..3 {
        let signed_up = register(&app, &format!("user{n}@example.org"), "198.51.100.9").await;
        assert_eq!(signed_up.status(), 202);
    }
    let throttled = register(&app, "user3@example.org", "198.51.100.9").await;
    assert_eq!(throttled.status(), 429);
    assert!(throttled.headers().contains_key("retry-after"));
    assert_eq!(error_code(throttled).await, "too-many-attempts");
    assert_eq!(
        register(&app, "user3@example.org", "203.0.113.9")
            .await
            .status(),
        202,
        "another address is unaffected"
    );
}

#[tokio::test]
async fn a_gateway_that_requires_proven_addresses_will_not_start_without_a_relay() {
    let data = tempfile::tempdir().unwrap();
    let (mut settings, _) = common::test_settings(data.path(), &Backend::Sqlite).await;
    settings.auth.require_verified_email = None;
    let (state, _) = modelgate::startup::open_state(&settings).await.unwrap();
    let refused = modelgate::startup::Application::build_with_state(state);
    let message = format!("{:#}", refused.err().expect("the start is refused"));
    assert!(message.contains("mail.smtp_url"), "{message}");
}

/// A client that keeps no cookies: the test sets each `Cookie` header itself.
fn cookieless() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The CSRF nonce cookie (its name as sent) and the form token of a portal page.
async fn page_csrf(app: &TestApp, path: &str, cookie: Option<&str>) -> (String, String) {
    let mut request = cookieless().get(app.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    let set = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.contains("mg_csrf="));
    let html = response.text().await.unwrap();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    let token = html[at..at + html[at..].find('"').unwrap()].to_owned();
    let nonce = set
        .map(|c| c.split(';').next().unwrap().to_owned())
        .unwrap_or_default();
    (nonce, token)
}

async fn sign_out(app: &TestApp, cookie: &str, csrf: &str) -> reqwest::Response {
    cookieless()
        .post(app.url("/signout"))
        .header("cookie", cookie)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_tossed_csrf_cookie_is_worth_nothing() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let victim = app.account("victim@example.org", Role::Compliance).await;
    let session = format!("mg_session={victim}");

    // The attacker's own visit gives a nonce cookie and the token that goes with it;
    // tossed into the victim's browser (a sibling subdomain can set `mg_csrf`), neither
    // the nonce itself (plain double submit) nor the attacker's token passes.
    let (tossed, attackers_token) = page_csrf(&app, "/signin", None).await;
    assert!(tossed.starts_with("mg_csrf="), "{tossed}");
    let nonce = tossed.trim_start_matches("mg_csrf=").to_owned();
    let cookies = format!("{session}; {tossed}");
    for forged in [nonce.as_str(), attackers_token.as_str()] {
        let refused = sign_out(&app, &cookies, forged).await;
        assert_eq!(refused.status(), 403, "forged token {forged}");
    }
    // The victim's own page, with the same nonce, carries the token bound to the session.
    let (_, own) = page_csrf(&app, "/profile", Some(&cookies)).await;
    assert_ne!(own, attackers_token);
    assert_eq!(sign_out(&app, &cookies, &own).await.status(), 303);
}

#[tokio::test]
async fn over_https_the_portal_cookies_are_host_only() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.server.public_url = "https://models.example.org".into();
    })
    .await;
    let (nonce, _) = page_csrf(&app, "/signin", None).await;
    assert!(nonce.starts_with("__Host-mg_csrf="), "{nonce}");
    let response = cookieless().get(app.url("/signup")).send().await.unwrap();
    let set = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set.starts_with("__Host-mg_csrf="), "{set}");
    assert!(set.contains("Secure") && set.contains("Path=/"), "{set}");
    assert!(!set.contains("Domain"), "{set}");
    // A cookie without the prefix (what a sibling subdomain could set) is not read.
    let html = cookieless()
        .get(app.url("/signup"))
        .header("cookie", "mg_csrf=0123456789abcdef0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert!(
        html.headers().get("set-cookie").is_some(),
        "a fresh nonce is issued"
    );
    // The same for the language: only `__Host-mg_lang` chooses one over https.
    let lang_of = |cookie: &'static str| {
        let client = cookieless();
        let url = app.url("/models");
        async move {
            let html = client
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            html[html.find("<html lang=\"").unwrap() + 12..]
                .chars()
                .take(2)
                .collect::<String>()
        }
    };
    assert_eq!(lang_of("mg_lang=th").await, "en");
    assert_eq!(lang_of("__Host-mg_lang=th").await, "th");
}
