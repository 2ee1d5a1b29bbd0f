//! Shared test support: `spawn_app` starts the real gateway on port 0 with a temp data
//! directory, on SQLite or on a fresh PostgreSQL database (dropped with the app).
#![allow(dead_code, unused_imports, unused_macros, clippy::unwrap_used)]

pub mod browser;
pub mod fault_proxy;
pub mod garage;
pub mod hf;
pub mod inference;
pub mod mmdb;
pub mod tcp_relay;

#[macro_use]
mod backends;
mod client;
mod process;

pub use backends::{fresh_postgres_database, postgres_admin_url, Backend, TestDatabase};
pub use client::*;
pub use process::*;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use modelgate::catalog::publish::{publish_dir, PublishRequest, Published};
use modelgate::config::{Secret, Settings};
use modelgate::demo;
use modelgate::startup::{open_state, Application};
use modelgate::state::AppState;
use modelgate::store::signing::PublisherKey;
use tempfile::TempDir;

/// A running gateway plus what tests need to drive it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    /// The server's open connections per client address.
    pub connections: std::sync::Arc<modelgate::web::limits::ConnectionCounts>,
    pub key: PublisherKey,
    pub data_dir: TempDir,
    pub backend: Backend,
    /// The PostgreSQL database, dropped with the app.
    pub database: Option<TestDatabase>,
}

/// Settings for a test: port 0, a temp data dir, quiet logs, the given backend (with the
/// PostgreSQL database made for it, to be kept as long as it is used).
pub async fn test_settings(data_dir: &Path, backend: &Backend) -> (Settings, Option<TestDatabase>) {
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
    // A replaced database is picked up at the next lookup, so tests need not wait.
    settings.geoip.recheck_ms = 0;
    // Audit entries reach a signed checkpoint within a few milliseconds.
    settings.audit.batch_interval_ms = 5;
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres(admin) => Some(fresh_postgres_database(admin).await),
    };
    if let Some(database) = &database {
        settings.database.url = Secret::new(database.url.clone());
    }
    (settings, database)
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// `spawn_app` with `configure` applied to the settings first.
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let (mut settings, database) = test_settings(data_dir.path(), &backend).await;
    configure(&mut settings);
    spawn_with(settings, data_dir, backend, database).await
}

/// Starts the gateway with `settings` on `data_dir` (a mirror prepared by `mirror sync`).
pub async fn spawn_with(
    settings: Settings,
    data_dir: TempDir,
    backend: Backend,
    database: Option<TestDatabase>,
) -> TestApp {
    let (state, key) = open_state(&settings).await.unwrap();
    let app = Application::build_with_state(state.clone()).unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let connections = app.connections();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: http_client(),
        state,
        connections,
        key,
        data_dir,
        backend,
        database,
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

/// Runs the gateway's CLI (no token from the environment); returns its exit code and what
/// it printed (standard output, then standard error).
/// Runs `command` to its end off the test's runtime, which the in-process gateway's
/// background writers share: a child that talks to that gateway or writes its SQLite file
/// must not wait on a runtime the test blocks.
pub async fn output_of(mut command: std::process::Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

pub fn modelgate_cli(args: &[&str]) -> (i32, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_modelgate"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("MODELGATE_TOKEN")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
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
    ) -> Result<Published, modelgate::catalog::publish::PublishError> {
        self.publish_under(dir, model, modality, "llama-3.2").await
    }

    /// Publishes `dir` as `model` under `license`.
    pub async fn publish_under(
        &self,
        dir: &Path,
        model: &str,
        modality: modelgate::domain::Modality,
        license: &str,
    ) -> Result<Published, modelgate::catalog::publish::PublishError> {
        let request = PublishRequest {
            model: model.parse().unwrap(),
            license: license.into(),
            modality,
            modelcar_base: None,
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

    /// Waits until the sequencer integrated every audit entry written so far and signed a
    /// checkpoint of the whole tree; returns the tree's size.
    pub async fn audit_sequenced(&self) -> u64 {
        use modelgate::db::audit::log;
        for _ in 0..1000 {
            let db = &self.state.db;
            let pending = log::pending_count(db).await.unwrap();
            let size = log::head(db).await.unwrap().size;
            let signed = log::latest_checkpoint(db).await.unwrap().map(|(s, _)| s);
            if pending == 0 && signed == Some(size) {
                return size;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the audit log was not sequenced within 10 seconds");
    }

    /// Rewrites the audit log's history as an operator with database access would: stops
    /// the sequencer (takes its lease), runs `edits` on the entries, and has the whole tree
    /// rebuilt and signed again with the real key (a fork, or with entries deleted, a
    /// rollback). Returns the new tree's size.
    pub async fn rewrite_audit_history(&self, edits: &[&str]) -> u64 {
        use sqlx::Executor;
        let db = &self.state.db.pool;
        db.execute("UPDATE audit_sequencer SET holder = 'operator', expires_at = 9000000000000 WHERE id = 1")
            .await
            .unwrap();
        // A round already under way ends first.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        for statement in [
            "DELETE FROM audit_tree_chunks",
            "DELETE FROM audit_log_checkpoints",
            "DELETE FROM audit_cosignatures",
            "UPDATE audit_tree SET size = 0, root_hash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'",
        ]
        .iter()
        .chain(edits)
        .chain(&["UPDATE audit_log SET leaf_index = NULL", "UPDATE audit_sequencer SET holder = NULL, expires_at = 0 WHERE id = 1"])
        {
            db.execute(*statement).await.unwrap();
        }
        self.audit_sequenced().await
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
        modelgate::accounts::create_account(
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
        let body = serde_json::json!({ "legal_name": "Ada Lovelace", "domicile_country": country, "on_behalf_of_organisation": false, "monthly_active_users": "up_to_1m" });
        let response = self
            .put_json("/v1/me/attestation", Some(token), &body)
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// The holder of `token`'s line for `llama-3.2` in `GET /v1/me/licenses`.
    pub async fn my_license(&self, token: &str) -> serde_json::Value {
        let mine = self.get_auth_json("/v1/me/licenses", token).await;
        mine["licenses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["license"] == "llama-3.2")
            .cloned()
            .unwrap()
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

    /// An API token (`mg_…`, read and download) of a new user domiciled in `country` who
    /// accepted the current license.
    pub async fn licensed_api_token(&self, email: &str, country: &str) -> String {
        let session = self.licensed_user(email, country).await;
        api_token_of(&self.client, &self.address, &session).await
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
    /// `continent`) where the app reads it (at its next lookup).
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
