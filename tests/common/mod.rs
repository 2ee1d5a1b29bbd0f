//! Shared test support: `spawn_app` starts the real gateway on port 0 with a temp data
//! directory, on SQLite and (when `TEST_DATABASE_URL` is set) on a fresh PostgreSQL database.
#![allow(dead_code, clippy::unwrap_used)]

pub mod fault_proxy;
pub mod garage;
pub mod hf;
pub mod inference;
pub mod mmdb;
pub mod tcp_relay;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use modelgate::config::{Secret, Settings};
use modelgate::demo;
use modelgate::startup::{open_state, Application};
use modelgate::state::AppState;
use modelgate::store::publish::{publish_dir, PublishRequest, Published};
use modelgate::store::signing::PublisherKey;
use sqlx::Executor;
use tempfile::TempDir;

/// The database backends every DB test runs on.
pub fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        if !url.is_empty() {
            out.push(Backend::Postgres(url));
        }
    }
    out
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// A running gateway plus what tests need to drive it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub key: PublisherKey,
    pub data_dir: TempDir,
    pub backend: Backend,
}

/// Creates a database of its own on the PostgreSQL server behind `admin_url`.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    sqlx::any::install_default_drivers();
    let name = format!("mg_test_{}", modelgate::random::random_hex(8));
    let pool = sqlx::AnyPool::connect(admin_url)
        .await
        .expect("connect TEST_DATABASE_URL");
    pool.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create database");
    pool.close().await;
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Settings for a test: port 0, a temp data dir, quiet logs, the given backend.
pub async fn test_settings(data_dir: &Path, backend: &Backend) -> Settings {
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.server.shutdown_timeout_secs = 1;
    settings.storage.data_dir = data_dir.to_path_buf();
    settings.log.level = "warn".into();
    // Tests speak for their clients through `X-Forwarded-For`, as a proxy would; GeoIP is
    // read from `geoip.mmdb` in the data dir: a configured database must load at start, so
    // it begins as one that knows only the benchmarking range 198.18.0.0/15, and tests
    // replace it.
    settings.server.trusted_proxies = vec!["127.0.0.1/32".into()];
    // No mail relay unless a test starts one (tests/hostile proves addresses over SMTP);
    // many sign-ups come from loopback.
    settings.auth.require_verified_email = Some(false);
    settings.auth.max_signups_per_ip = 10_000;
    let geoip = data_dir.join("geoip.mmdb");
    let mut placeholder = mmdb::Builder::new("GeoIP2-Country");
    placeholder.insert(
        std::net::Ipv4Addr::new(198, 18, 0, 0),
        15,
        &mmdb::geoip2_country("US", "NA", false),
    );
    placeholder.write(&geoip);
    settings.geoip.database = Some(geoip);
    if let Backend::Postgres(admin) = backend {
        settings.database.url = Secret::new(fresh_postgres_database(admin).await);
    }
    settings
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// `spawn_app` with `configure` applied to the settings first.
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data_dir.path(), &backend).await;
    configure(&mut settings);
    spawn_with(settings, data_dir, backend).await
}

/// Starts the gateway with `settings` on `data_dir` (a mirror prepared by `mirror sync`).
pub async fn spawn_with(settings: Settings, data_dir: TempDir, backend: Backend) -> TestApp {
    let (state, key) = open_state(&settings).await.unwrap();
    let app = Application::build_with_state(state.clone()).unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: http_client(),
        state,
        key,
        data_dir,
        backend,
    }
}

/// An HTTP client for tests. It drops pooled connections after a second idle, well before
/// the server closes them (actix's 5 s keep-alive), so a request after a pause never lands
/// on a connection the server is closing at that moment (`IncompleteMessage`).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap()
}

/// The demo models, generated once per test binary.
pub fn demo_models() -> &'static (PathBuf, Vec<demo::DemoModel>) {
    static DEMO: OnceLock<(PathBuf, Vec<demo::DemoModel>)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let models = demo::generate(&dir).unwrap();
        (dir, models)
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn publish(
        &self,
        dir: &Path,
        model: &str,
        modality: modelgate::domain::Modality,
    ) -> Published {
        self.try_publish(dir, model, modality).await.unwrap()
    }

    pub async fn try_publish(
        &self,
        dir: &Path,
        model: &str,
        modality: modelgate::domain::Modality,
    ) -> Result<Published, modelgate::store::publish::PublishError> {
        let request = PublishRequest {
            model: model.parse().unwrap(),
            license: "llama-3.2".into(),
            modality,
        };
        publish_dir(
            &self.state.db,
            &self.state.blobs,
            &self.key,
            dir,
            request,
            indicatif::ProgressBar::hidden(),
        )
        .await
    }

    /// Publishes both demo models; returns (text, vision).
    pub async fn publish_demo(&self) -> (Published, Published) {
        let (_, models) = demo_models();
        let text = self
            .publish(
                &models[0].dir,
                &models[0].id.to_string(),
                models[0].modality,
            )
            .await;
        let vision = self
            .publish(
                &models[1].dir,
                &models[1].id.to_string(),
                models[1].modality,
            )
            .await;
        (text, vision)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }
}

impl TestApp {
    /// Creates an account with `role` directly (as `modelgate admin create` does) and signs
    /// it in; returns the session token.
    pub async fn account(&self, email: &str, role: modelgate::domain::Role) -> String {
        let password = "correct horse battery staple".to_string();
        modelgate::routes::create_account(
            &self.state,
            &email.parse().unwrap(),
            password.clone(),
            role,
        )
        .await
        .unwrap();
        self.login(email, &password).await
    }

    /// Signs in; returns the session token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = sign_in(&self.client, &self.address, email, password).await;
        body["token"].as_str().unwrap().to_string()
    }

    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.send(self.client.post(self.url(path)).json(body), token)
            .await
    }

    pub async fn put_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.send(self.client.put(self.url(path)).json(body), token)
            .await
    }

    /// `GET path` with `token`, the JSON body.
    pub async fn get_auth_json(&self, path: &str, token: &str) -> serde_json::Value {
        self.get_auth(path, token).await.json().await.unwrap()
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> reqwest::Response {
        self.send(self.client.get(self.url(path)), Some(token))
            .await
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        token: Option<&str>,
    ) -> reqwest::Response {
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
        .await
        .unwrap()
    }

    /// A plain attestation for a person domiciled in `country`.
    pub async fn attest(&self, token: &str, country: &str) -> serde_json::Value {
        let body = serde_json::json!({ "legal_name": "Ada Lovelace", "domicile_country": country, "on_behalf_of_organisation": false });
        let response = self
            .put_json("/v1/me/attestation", Some(token), &body)
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Accepts the current version of `llama-3.2`.
    pub async fn accept_current(&self, token: &str) {
        let digest = self.license_digest("llama-3.2").await;
        let response = self
            .post_json(
                "/v1/licenses/llama-3.2/accept",
                Some(token),
                &serde_json::json!({ "digest": digest }),
            )
            .await;
        assert!(
            response.status().is_success(),
            "accept: {}",
            response.status()
        );
    }

    /// A user domiciled in `country` who accepted the current license; returns the session.
    pub async fn licensed_user(&self, email: &str, country: &str) -> String {
        let token = self.account(email, modelgate::domain::Role::User).await;
        self.attest(&token, country).await;
        self.accept_current(&token).await;
        token
    }

    /// `POST /v1/models/{model}/access`, optionally as if from `client_ip` (the test app
    /// trusts loopback as a proxy, so `X-Forwarded-For` names the client).
    pub async fn access(
        &self,
        token: &str,
        model: &str,
        client_ip: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url(&format!("/v1/models/{model}/access")))
            .bearer_auth(token);
        if let Some(ip) = client_ip {
            request = request.header("x-forwarded-for", ip);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// The grant token and file list of an allowed access request.
    pub async fn grant(&self, token: &str, model: &str) -> serde_json::Value {
        grant_for(&self.client, &self.address, model, token).await
    }

    /// Terminates (as `admin`) the license of the first acceptance in the report, with
    /// `reason`; returns the answer.
    pub async fn revoke_first_acceptance(&self, admin: &str, reason: &str) -> reqwest::Response {
        let report: serde_json::Value = self
            .get_auth("/v1/admin/licenses/llama-3.2/acceptances", admin)
            .await
            .json()
            .await
            .unwrap();
        let acceptance = report["acceptances"][0]["id"].as_str().unwrap();
        self.post_json(
            &format!("/v1/admin/acceptances/{acceptance}/revoke"),
            Some(admin),
            &serde_json::json!({ "reason": reason }),
        )
        .await
    }

    /// Writes a GeoIP2 Country database placing `network/prefix` in `country` (on
    /// `continent`) where the app reads it, and waits until the app reloaded it.
    pub async fn geolocate(
        &self,
        network: std::net::Ipv4Addr,
        prefix: u8,
        country: &str,
        continent: &str,
    ) {
        let mut geo = mmdb::Builder::new("GeoIP2-Country");
        geo.insert(
            network,
            prefix,
            &mmdb::geoip2_country(country, continent, false),
        );
        geo.write(&self.geoip_path());
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }

    /// Creates a partner through the admin API as `admin`; returns its token and id.
    pub async fn create_partner(
        &self,
        admin: &str,
        name: &str,
        country: &str,
        contact: &str,
    ) -> (String, String) {
        let response = self
            .post_json(
                "/v1/admin/partners",
                Some(admin),
                &serde_json::json!({ "name": name, "country": country, "contact": contact }),
            )
            .await;
        assert_eq!(response.status(), 201, "create partner {name}");
        let created: serde_json::Value = response.json().await.unwrap();
        (
            created["token"].as_str().unwrap().to_owned(),
            created["id"].as_str().unwrap().to_owned(),
        )
    }

    /// Where the app reads its GeoIP database.
    pub fn geoip_path(&self) -> PathBuf {
        self.state.settings.geoip.database.clone().unwrap()
    }

    /// The current digest of a license.
    pub async fn license_digest(&self, id: &str) -> String {
        let body: serde_json::Value = self
            .get(&format!("/v1/licenses/{id}"))
            .await
            .json()
            .await
            .unwrap();
        body["digest"].as_str().unwrap().to_string()
    }
}

/// The smallest file of an access answer.
pub fn smallest_file(answer: &serde_json::Value) -> serde_json::Value {
    answer["files"]
        .as_array()
        .unwrap()
        .iter()
        .min_by_key(|f| f["size"].as_u64().unwrap())
        .unwrap()
        .clone()
}

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
        .json(&serde_json::json!({ "legal_name": "Ada Lovelace", "domicile_country": country, "on_behalf_of_organisation": false }))
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

/// How many parts the download client recorded as done in its state directory `state`.
pub fn done_parts(state: &Path) -> usize {
    std::fs::read_dir(state)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|text| text.matches("true").count())
        .sum()
}

/// Waits (up to 60 s) until `count` parts are recorded done under `state`.
pub async fn wait_for_done_parts(state: &Path, count: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while done_parts(state) < count {
        assert!(std::time::Instant::now() < deadline, "no parts recorded");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A child process that is killed and reaped when dropped, so a failing test never leaves
/// a server or client running (an orphan would hold the test run's output pipe open).
pub struct KillOnDrop(pub std::process::Child);

impl KillOnDrop {
    pub fn spawn(command: &mut std::process::Command) -> Self {
        Self(command.spawn().unwrap())
    }
}

impl std::ops::Deref for KillOnDrop {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// Spawns a `modelgate serve` command with its stdout piped and waits for the line naming
/// its URL; returns the process, the URL and what it printed before.
pub fn serve_process(command: &mut std::process::Command) -> (KillOnDrop, String, Vec<String>) {
    use std::io::BufRead;
    let mut child = KillOnDrop::spawn(
        command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit()),
    );
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut printed = Vec::new();
    let url = loop {
        let line = lines.next().expect("serve printed its URL").unwrap();
        if let Some(url) = line.strip_prefix("modelgate is serving on ") {
            break url.trim().to_string();
        }
        printed.push(line);
    };
    std::thread::spawn(move || for _ in lines {});
    (child, url, printed)
}

/// A loopback port free at the moment, for a helper process to listen on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits (up to 20 s) until something accepts connections on loopback `port`.
pub fn wait_for_port(port: u16, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// `len` reproducible pseudo-random bytes (xorshift) for model files that must not compress
/// or repeat; `seed` picks the sequence.
pub fn pseudo_random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = (seed + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}
