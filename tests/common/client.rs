//! What a person does over HTTP against any gateway, by its base URL: sign in, get a
//! licensed session, ask for access, download a model, read an error code.

use std::path::Path;

/// GET `url` and parse the JSON body.
pub async fn get_json(client: &reqwest::Client, url: &str) -> serde_json::Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// `POST /v1/auth/login` on the gateway at `base`; asserts success and returns the answer
/// (its `token` is the session).
pub async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> serde_json::Value {
    let response = client
        .post(format!("{base}/v1/auth/login"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "sign-in as {email}");
    response.json().await.unwrap()
}

/// GET `url` with a bearer token and parse the JSON answer.
pub async fn get_json_as(client: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// GET `url` and return the body.
pub async fn get_bytes(client: &reqwest::Client, url: &str) -> bytes::Bytes {
    client.get(url).send().await.unwrap().bytes().await.unwrap()
}

/// An API token (`mg_…`, read and download) minted with the session `session` at `base`.
pub async fn api_token_of(client: &reqwest::Client, base: &str, session: &str) -> String {
    let created = client
        .post(format!("{base}/v1/me/tokens"))
        .bearer_auth(session)
        .json(&serde_json::json!({ "name": "client" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    created["token"].as_str().unwrap().to_owned()
}

/// Registers `email` over HTTP, signs in, declares a domicile in `country` and accepts the
/// current `llama-3.2` license: what a newcomer does before downloading. Returns the
/// session token.
pub async fn licensed_session(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    country: &str,
) -> String {
    let password = "correct horse battery staple";
    let credentials = serde_json::json!({ "email": email, "password": password });
    let registered = client
        .post(format!("{base}/v1/auth/register"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 202, "register {email}");
    let login = sign_in(client, base, email, password).await;
    let token = login["token"].as_str().unwrap().to_string();
    let attested = client
        .put(format!("{base}/v1/me/attestation"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "legal_name": "Ada Lovelace", "domicile_country": country, "on_behalf_of_organisation": false, "monthly_active_users": "up_to_1m" }))
        .send()
        .await
        .unwrap();
    assert_eq!(attested.status(), 200);
    let license = get_json(client, &format!("{base}/v1/licenses/llama-3.2")).await;
    let accepted = client
        .post(format!("{base}/v1/licenses/llama-3.2/accept"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "digest": license["digest"] }))
        .send()
        .await
        .unwrap();
    assert!(
        accepted.status().is_success(),
        "accept: {}",
        accepted.status()
    );
    token
}

/// Asks for access to `model` and returns the allow answer (grant and file URLs).
pub async fn grant_for(
    client: &reqwest::Client,
    base: &str,
    model: &str,
    session: &str,
) -> serde_json::Value {
    let response = client
        .post(format!("{base}/v1/models/{model}/access"))
        .bearer_auth(session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "access to {model}");
    response.json().await.unwrap()
}

/// Downloads every file of `model`'s latest revision from the gateway at `base` into `dir`,
/// plus its `model.sig`, the way a client would: ask for access, then fetch each file's
/// grant URL.
pub async fn download_model(
    client: &reqwest::Client,
    base: &str,
    model: &str,
    dir: &Path,
    session: &str,
) {
    let answer = grant_for(client, base, model, session).await;
    for file in answer["files"].as_array().unwrap() {
        let bytes = get_bytes(client, file["url"].as_str().unwrap()).await;
        let path = dir.join(file["path"].as_str().unwrap());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let sig = get_bytes(client, &format!("{base}/v1/models/{model}/model.sig")).await;
    std::fs::write(dir.join("model.sig"), sig).unwrap();
}

/// Asserts the JSON error envelope and returns its code.
pub async fn error_code(response: reqwest::Response) -> String {
    let body: serde_json::Value = response.json().await.unwrap();
    let error = &body["error"];
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "error has a message: {body}"
    );
    error["code"].as_str().unwrap().to_string()
}
