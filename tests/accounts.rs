//! Accounts and tokens: registration, sign-in, throttling, sign-out, API tokens and every
//! way a forged or stale session token is refused.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::common;
use crate::common::{error_code, spawn_app, spawn_app_with, Backend, TestApp};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use modelgate::domain::Role;
use serde_json::json;

async fn register_sign_in_read_me_and_sign_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let created = app
        .post_json(
            "/v1/auth/register",
            None,
            &json!({ "email": "Ada@Example.org", "password": "correct horse battery" }),
        )
        .await;
    assert_eq!(created.status(), 202);
    let created: serde_json::Value = created.json().await.unwrap();
    let again = app
        .post_json(
            "/v1/auth/register",
            None,
            &json!({ "email": "ada@example.org", "password": "another long password" }),
        )
        .await;
    assert_eq!(
        again.status(),
        202,
        "a taken address gets the same answer as a new one"
    );
    assert_eq!(again.json::<serde_json::Value>().await.unwrap(), created);
    let weak = app
        .post_json(
            "/v1/auth/register",
            None,
            &json!({ "email": "bob@example.org", "password": "short" }),
        )
        .await;
    assert_eq!(weak.status(), 400);

    let token = app.login("ada@example.org", "correct horse battery").await;
    let me: serde_json::Value = app.get_auth("/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me["email"], "ada@example.org");
    assert_eq!(me["role"], "user");

    assert_eq!(
        app.post_json("/v1/auth/logout", Some(&token), &json!({}))
            .await
            .status(),
        204
    );
    let after = app.get_auth("/v1/me", &token).await;
    assert_eq!(after.status(), 401);
    assert_eq!(error_code(after).await, "invalid-token");
}
on_each_backend!(register_sign_in_read_me_and_sign_out);

/// `POST /v1/auth/login` as if from `client_ip` (the test app trusts loopback as a proxy).
async fn login_from(
    app: &TestApp,
    client_ip: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/v1/auth/login"))
        .header("x-forwarded-for", client_ip)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

const ATTACKER: &str = "198.51.100.7";
const OWNER: &str = "203.0.113.5";

async fn sign_in_failures_look_the_same_and_a_guesser_cannot_lock_the_owner_out(backend: Backend) {
    let app = spawn_app(backend).await;
    app.account("ada@example.org", Role::Compliance).await;
    let wrong = login_from(&app, ATTACKER, "ada@example.org", "wrong password!!").await;
    assert_eq!(wrong.status(), 401);
    let wrong_body: serde_json::Value = wrong.json().await.unwrap();
    let unknown = login_from(&app, ATTACKER, "nobody@example.org", "wrong password!!").await;
    assert_eq!(unknown.status(), 401);
    let unknown_body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(
        wrong_body, unknown_body,
        "no difference between a wrong password and no account"
    );

    for _ in 0..4 {
        login_from(&app, ATTACKER, "ada@example.org", "wrong password!!").await;
    }
    let throttled = login_from(
        &app,
        ATTACKER,
        "ada@example.org",
        "correct horse battery staple",
    )
    .await;
    assert_eq!(
        throttled.status(),
        429,
        "even the right password waits at the guesser's address"
    );
    assert!(throttled.headers().contains_key("retry-after"));
    assert_eq!(error_code(throttled).await, "too-many-attempts");

    let owner = login_from(
        &app,
        OWNER,
        "ada@example.org",
        "correct horse battery staple",
    )
    .await;
    assert_eq!(
        owner.status(),
        200,
        "the staff member signs in from their own address while the guesser backs off"
    );
}
on_each_backend!(sign_in_failures_look_the_same_and_a_guesser_cannot_lock_the_owner_out);

#[tokio::test]
async fn an_address_that_guesses_across_accounts_is_refused() {
    let app = spawn_app_with(common::Backend::Sqlite, |s| s.auth.max_failures_per_ip = 3).await;
    for account in ["a", "b", "c"] {
        let wrong = login_from(
            &app,
            ATTACKER,
            &format!("{account}@example.org"),
            "guess guess guess",
        )
        .await;
        assert_eq!(wrong.status(), 401);
    }
    let refused = login_from(&app, ATTACKER, "d@example.org", "guess guess guess").await;
    assert_eq!(refused.status(), 429);
    let elsewhere = login_from(&app, OWNER, "d@example.org", "guess guess guess").await;
    assert_eq!(elsewhere.status(), 401);
}

async fn jwks_publishes_the_session_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let jwks: serde_json::Value = app.get("/v1/auth/jwks").await.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["alg"], "ES256");
    let well_known: serde_json::Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(jwks, well_known);
}
on_each_backend!(jwks_publishes_the_session_key);

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The gateway's own session signing key and its kid, read from the data directory.
fn session_key(app: &TestApp) -> (String, Vec<u8>) {
    let dir = app.data_dir.path().join("keys").join("session");
    let path = std::fs::read_dir(dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    (
        path.file_stem().unwrap().to_string_lossy().into_owned(),
        std::fs::read(path).unwrap(),
    )
}

fn sign(kid: &str, pem: &[u8], claims: &serde_json::Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_pem(pem).unwrap()).unwrap()
}

fn claims(sub: &str, sid: &str) -> serde_json::Value {
    json!({ "iss": "modelgate", "aud": "modelgate", "sub": sub, "sid": sid, "iat": now(), "nbf": now(), "exp": now() + 600 })
}

async fn refused(app: &TestApp, token: &str) -> String {
    let response = app.get_auth("/v1/me", token).await;
    assert_eq!(response.status(), 401, "{token}");
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.contains("invalid_token"), "{challenge}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid-token");
    body["error"]["message"].as_str().unwrap().to_string()
}

async fn forged_expired_premature_misdirected_and_tampered_tokens_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let valid = app.account("ada@example.org", Role::User).await;
    let me: serde_json::Value = app.get_auth("/v1/me", &valid).await.json().await.unwrap();
    let user_id = me["id"].as_str().unwrap();
    let (kid, pem) = session_key(&app);
    let parts: Vec<&str> = valid.split('.').collect();
    let valid_claims: serde_json::Value =
        serde_json::from_slice(&B64URL.decode(parts[1]).unwrap()).unwrap();
    let sid = valid_claims["sid"].as_str().unwrap();

    // alg: none, no signature.
    let header = B64URL.encode(json!({ "alg": "none", "typ": "JWT", "kid": kid }).to_string());
    let payload = B64URL.encode(claims(user_id, sid).to_string());
    assert!(refused(&app, &format!("{header}.{payload}."))
        .await
        .contains("malformed"));

    // HS256 keyed with the public key (algorithm confusion).
    let public_pem = p256::SecretKey::from_sec1_pem(std::str::from_utf8(&pem).unwrap())
        .or_else(|_| {
            <p256::SecretKey as p256::pkcs8::DecodePrivateKey>::from_pkcs8_pem(
                std::str::from_utf8(&pem).unwrap(),
            )
        })
        .map(|k| {
            p256::pkcs8::EncodePublicKey::to_public_key_pem(
                &k.public_key(),
                p256::pkcs8::LineEnding::LF,
            )
            .unwrap()
        })
        .unwrap();
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some(kid.clone());
    let confused = jsonwebtoken::encode(
        &hs_header,
        &claims(user_id, sid),
        &EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .unwrap();
    assert!(refused(&app, &confused).await.contains("algorithm"));

    let mut expired = claims(user_id, sid);
    expired["exp"] = json!(now() - 3600);
    expired["nbf"] = json!(now() - 7200);
    assert!(refused(&app, &sign(&kid, &pem, &expired))
        .await
        .contains("expired"));

    let mut premature = claims(user_id, sid);
    premature["nbf"] = json!(now() + 3600);
    premature["exp"] = json!(now() + 7200);
    assert!(refused(&app, &sign(&kid, &pem, &premature))
        .await
        .contains("not valid yet"));

    let mut elsewhere = claims(user_id, sid);
    elsewhere["aud"] = json!("another-service");
    assert!(refused(&app, &sign(&kid, &pem, &elsewhere))
        .await
        .contains("audience"));

    let mut no_exp = claims(user_id, sid);
    no_exp.as_object_mut().unwrap().remove("exp");
    refused(&app, &sign(&kid, &pem, &no_exp)).await;

    let mut other_user = valid_claims.clone();
    other_user["sub"] = json!("someone-else");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        B64URL.encode(other_user.to_string()),
        parts[2]
    );
    assert!(refused(&app, &tampered).await.contains("signature"));

    let stranger = p256::SecretKey::random(&mut rand_core::OsRng);
    let stranger_pem =
        p256::pkcs8::EncodePrivateKey::to_pkcs8_pem(&stranger, p256::pkcs8::LineEnding::LF)
            .unwrap();
    assert!(refused(
        &app,
        &sign(
            "unknown-kid",
            stranger_pem.as_bytes(),
            &claims(user_id, sid)
        )
    )
    .await
    .contains("unknown key"));

    let missing = app.client.get(app.url("/v1/me")).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(error_code(missing).await, "unauthenticated");
    assert_eq!(
        app.get_auth("/v1/me", &valid).await.status(),
        200,
        "the genuine token still works"
    );
}
on_each_backend!(forged_expired_premature_misdirected_and_tampered_tokens_are_refused);

async fn api_tokens_are_shown_once_scoped_listed_and_revocable(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.account("ada@example.org", Role::User).await;
    let created = app
        .post_json(
            "/v1/me/tokens",
            Some(&session),
            &json!({ "name": "laptop cli", "scopes": ["read"] }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("mg_"));

    let listed: serde_json::Value = app
        .get_auth("/v1/me/tokens", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["tokens"][0]["name"], "laptop cli");
    assert!(
        !listed.to_string().contains(&token[3..]),
        "the secret is never listed"
    );
    let stored: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM api_tokens")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        stored[0].0,
        modelgate::auth::api_tokens::hash_token(&token),
        "only the SHA-256 is stored"
    );

    let attest = app.put_json("/v1/me/attestation", Some(&token),
        &json!({ "legal_name": "Ada", "domicile_country": "FR", "on_behalf_of_organisation": false, "monthly_active_users": "up_to_1m" })).await;
    assert_eq!(attest.status(), 403, "a read-only token may not attest");
    assert_eq!(error_code(attest).await, "forbidden");
    let mint = app
        .post_json("/v1/me/tokens", Some(&token), &json!({ "name": "x" }))
        .await;
    assert_eq!(mint.status(), 403, "tokens do not mint tokens");
    let admin_scope = app
        .post_json(
            "/v1/me/tokens",
            Some(&session),
            &json!({ "name": "x", "scopes": ["admin"] }),
        )
        .await;
    assert_eq!(
        admin_scope.status(),
        403,
        "a user cannot hold the admin scope"
    );

    let id = created["id"].as_str().unwrap();
    let revoke = app
        .client
        .delete(app.url(&format!("/v1/me/tokens/{id}")))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);
    assert_eq!(app.get_auth("/v1/me", &token).await.status(), 401);
}
on_each_backend!(api_tokens_are_shown_once_scoped_listed_and_revocable);

async fn user_partner_and_compliance_tokens_are_kept_off_admin_routes(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.account("user@example.org", Role::User).await;
    let partner = app.account("partner@example.org", Role::Partner).await;
    let compliance = app
        .account("compliance@example.org", Role::Compliance)
        .await;
    let body = json!({ "version": "x", "title": "t", "modalities": ["text"], "license_text": "l", "aup_text": "a", "notice": "n" });
    for token in [&user, &partner, &compliance] {
        let response = app
            .post_json("/v1/admin/licenses/llama-3.2/versions", Some(token), &body)
            .await;
        assert_eq!(response.status(), 403);
        assert_eq!(error_code(response).await, "forbidden");
    }
    for token in [&user, &partner] {
        assert_eq!(
            app.get_auth("/v1/admin/licenses/llama-3.2/acceptances", token)
                .await
                .status(),
            403
        );
    }
    assert_eq!(
        app.get_auth("/v1/admin/licenses/llama-3.2/acceptances", &compliance)
            .await
            .status(),
        200
    );
}
on_each_backend!(user_partner_and_compliance_tokens_are_kept_off_admin_routes);

async fn oversized_bodies_are_refused_before_any_work(backend: Backend) {
    let app = spawn_app(backend).await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let response = app
        .post_json(
            "/v1/auth/register",
            None,
            &json!({ "email": "a@example.org", "password": huge }),
        )
        .await;
    assert_eq!(response.status(), 413);
    assert_eq!(error_code(response).await, "payload-too-large");
}
on_each_backend!(oversized_bodies_are_refused_before_any_work);
