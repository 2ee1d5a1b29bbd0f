//! Partner mirrors end to end, on loopback: an upstream gateway, partners created by its
//! admin, `modelgate mirror sync` (the real binary) into a mirror's data directory, and the
//! mirror serving with `--mirror-of`: a user downloads from the mirror and upstream's audit
//! search shows it, tagged with the partner. Also the faults: a tampered, replayed or
//! expired snapshot is refused, an unreachable upstream leaves the mirror serving, and a
//! sync killed with SIGKILL completes when run again.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::common;
use crate::common::{fault_proxy, spawn_app, spawn_app_with, Backend, TestApp};
use base64::Engine;
use modelgate::domain::Role;
use modelgate::mirror::snapshot::{self, Snapshot};
use serde_json::{json, Value};
use sha2::Digest;
use tempfile::TempDir;

const TEXT: &str = "demo/Llama-3.2-Tiny";
const VISION: &str = "demo/Llama-3.2-Tiny-Vision";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// An upstream with both demo models and an admin session.
async fn upstream(backend: Backend) -> (TestApp, String) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let admin = app.account("admin@upstream.example", Role::Admin).await;
    (app, admin)
}

/// Creates a partner through the admin API; it accepts the current license with its
/// token. Returns the token.
async fn partner(app: &TestApp, admin: &str, name: &str, country: &str) -> String {
    let contact = format!(
        "mirror-ops@{}.example",
        name.to_lowercase().replace(' ', "-")
    );
    let response = app
        .post_json(
            "/v1/admin/partners",
            Some(admin),
            &json!({ "name": name, "country": country, "contact": contact }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["country"], country);
    let token = body["token"].as_str().unwrap().to_owned();
    app.accept_current(&token).await;
    token
}

/// A mirror's data directory and database, not yet synced.
struct MirrorDir {
    dir: TempDir,
    settings: modelgate::config::Settings,
    backend: Backend,
    database: Option<common::TestDatabase>,
}

async fn mirror_dir(backend: &Backend) -> MirrorDir {
    let dir = tempfile::tempdir().unwrap();
    let (settings, database) = common::test_settings(dir.path(), backend).await;
    MirrorDir {
        dir,
        settings,
        backend: backend.clone(),
        database,
    }
}

impl MirrorDir {
    fn sync_command(&self, upstream: &str, token: &str) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_modelgate"));
        command
            .args(["mirror", "sync", "--upstream", upstream])
            .args(["--partner-token", token, "--part-size", "16KiB"])
            .args(["--retries", "1", "--log-level", "warn"])
            .arg("--data-dir")
            .arg(self.dir.path())
            .env_remove("MODELGATE_PARTNER_TOKEN")
            .env_remove("MODELGATE_UPSTREAM");
        let url = self.settings.database.url.expose();
        if !url.is_empty() {
            command.args(["--database-url", url]);
        }
        command
    }

    async fn sync(&self, upstream: &str, token: &str) -> Output {
        let mut command = self.sync_command(upstream, token);
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }

    /// Serves this directory as a mirror of `upstream`.
    async fn serve(self, upstream: &str, token: &str) -> TestApp {
        let mut settings = self.settings;
        settings.mirror.upstream = upstream.to_owned();
        settings.mirror.partner_token = modelgate::config::Secret::new(token);
        settings.mirror.ship_interval_ms = 100;
        common::spawn_with(settings, self.dir, self.backend, self.database).await
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The partner's snapshot as upstream signs it, and the envelope.
async fn fetch_snapshot(app: &TestApp, token: &str) -> (Snapshot, Vec<u8>) {
    let response = app.get_auth("/v1/mirror/snapshot", token).await;
    assert_eq!(response.status(), 200);
    let envelope = response.bytes().await.unwrap().to_vec();
    let snapshot = snapshot::open(&envelope, &app.key.public()).unwrap();
    (snapshot, envelope)
}

/// Runs `modelgate download` of `model` from `endpoint` into `dir`.
async fn download(endpoint: &str, token: &str, model: &str, dir: &Path, config: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_modelgate"));
    command
        .args(["download", model, "--endpoint", endpoint, "--token", token])
        .arg("--dir")
        .arg(dir)
        .env("MODELGATE_CONFIG_DIR", config)
        .env_remove("MODELGATE_TOKEN")
        .env_remove("MODELGATE_ENDPOINT");
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// The files of the demo model `model` (relative path → SHA-256 hex).
fn demo_files(model: &str) -> Vec<(String, String)> {
    let (_, models) = common::demo_models();
    let demo = models.iter().find(|m| m.id.to_string() == model).unwrap();
    let mut files = Vec::new();
    for entry in walk(&demo.dir) {
        let relative = entry
            .strip_prefix(&demo.dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&entry).unwrap();
        files.push((relative, hex::encode(sha2::Sha256::digest(&bytes))));
    }
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Upstream audit events matching `query`, waiting up to 20 s for at least `at_least`.
async fn upstream_events(app: &TestApp, staff: &str, query: &str, at_least: usize) -> Vec<Value> {
    events_where(app, staff, query, at_least, |_| true).await
}

/// The downloads a mirror reported upstream (its `blob.request … served` claims), waiting up
/// to 20 s for at least `at_least`.
async fn reported_downloads(app: &TestApp, staff: &str, at_least: usize) -> Vec<Value> {
    events_where(
        app,
        staff,
        "partner=Fjord%20Mirrors&kind=mirror.reported",
        at_least,
        |e| {
            e["data"]["claim"]["kind"] == "blob.request"
                && e["data"]["claim"]["outcome"] == "served"
        },
    )
    .await
}

async fn events_where(
    app: &TestApp,
    staff: &str,
    query: &str,
    at_least: usize,
    keep: fn(&Value) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = app
            .get_auth_json(&format!("/v1/audit/events?{query}&limit=1000"), staff)
            .await;
        let events: Vec<Value> = body["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| keep(e))
            .cloned()
            .collect();
        if events.len() >= at_least || Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_mirror_serves_what_upstream_allows_and_its_downloads_reach_upstream_audit(
    backend: Backend,
) {
    let (up, admin) = upstream(backend.clone()).await;
    let token = partner(&up, &admin, "Fjord Mirrors", "NO").await;

    let mirror = mirror_dir(&backend).await;
    let output = mirror.sync(&up.address, &token).await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("2 models"), "{}", text(&output));
    assert!(text(&output).contains("on first sync"), "{}", text(&output));
    let again = mirror.sync(&up.address, &token).await;
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        text(&again).contains("every blob is already here"),
        "{}",
        text(&again)
    );
    let mirror = mirror.serve(&up.address, &token).await;

    // The mirror serves upstream's policy, license and publisher key, not its own.
    let policy_digest = |body: Value| body["digest"].as_str().unwrap().to_owned();
    assert_eq!(
        policy_digest(mirror.get("/v1/policy").await.json().await.unwrap()),
        policy_digest(up.get("/v1/policy").await.json().await.unwrap())
    );
    assert_eq!(
        mirror.license_digest("llama-3.2").await,
        up.license_digest("llama-3.2").await
    );
    let key = mirror.get("/v1/keys/publisher").await.text().await.unwrap();
    assert_eq!(key.trim(), up.key.public().pem().trim());

    // A user of the mirror downloads the Vision model from it.
    let user =
        common::licensed_session(&mirror.client, &mirror.address, "dev@mirror.example", "GB").await;
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("vision");
    let output = download(
        &mirror.address,
        &user,
        VISION,
        &dir,
        &scratch.path().join("cfg"),
    )
    .await;
    assert!(output.status.success(), "{}", text(&output));
    for (path, sha) in demo_files(VISION) {
        let got = std::fs::read(dir.join(&path)).unwrap();
        assert_eq!(hex::encode(sha2::Sha256::digest(&got)), sha, "{path}");
    }

    // Upstream compliance finds the mirror's decision and downloads, tagged with the
    // partner, each once.
    let compliance = up
        .account("compliance@upstream.example", Role::Compliance)
        .await;
    let files = demo_files(VISION).len();
    // They are recorded as the partner's claims, never as upstream's own events.
    let served = reported_downloads(&up, &compliance, files).await;
    assert_eq!(served.len(), files, "{served:#?}");
    for event in &served {
        assert_eq!(event["data"]["partner"], "Fjord Mirrors");
        assert_eq!(event["outcome"], "reported");
        assert!(event["data"]["mirror_event"]["id"].is_string());
    }
    let decisions = events_where(
        &up,
        &compliance,
        &format!("partner=Fjord%20Mirrors&kind=mirror.reported&model={VISION}"),
        1,
        |e| e["data"]["claim"]["kind"] == "policy.decision",
    )
    .await;
    assert_eq!(decisions.len(), 1, "{decisions:#?}");
    assert_eq!(decisions[0]["data"]["claim"]["outcome"], "allow");
    assert_eq!(
        decisions[0]["data"]["claim"]["data"]["declared_domicile"],
        "GB"
    );
    // Upstream also recorded each snapshot it issued to the partner.
    let issued = upstream_events(
        &up,
        &compliance,
        "partner=Fjord%20Mirrors&kind=mirror.snapshot",
        2,
    )
    .await;
    assert!(issued.len() >= 2);

    // A shipment sent twice is recorded once.
    wait_until_shipped(&mirror.state.db).await;
    let events = modelgate::db::audit::log::entry_range(&mirror.state.db, 0, 1000)
        .await
        .unwrap();
    let shipment = json!({ "events": events });
    let answer: Value = up
        .post_json("/v1/mirror/audit", Some(&token), &shipment)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["recorded"], 0, "{answer}");
    assert_eq!(answer["duplicates"], events.len());
    // None of them counts as upstream's own download (those are the partner's own
    // fetches from upstream, as upstream served them).
    let own = events_where(
        &up,
        &compliance,
        "partner=Fjord%20Mirrors&kind=blob.request",
        0,
        |e| !e["data"]["mirror_event"].is_null() || !e["data"]["claim"].is_null(),
    )
    .await;
    assert!(own.is_empty(), "{own:#?}");
    // A shipment that does not continue the mirror's log is refused whole: another entry
    // at a position already received (a fork), a gap, an entry not yet sequenced.
    let last = events.last().unwrap().clone();
    let mut forked = last.clone();
    forked.id = "forged-event-1".into();
    let mut gap = last.clone();
    gap.id = "forged-event-2".into();
    gap.index = last.index.map(|i| i + 5);
    let mut pending = last.clone();
    pending.id = "forged-event-3".into();
    pending.index = None;
    for bad in [forked, gap, pending] {
        let response = up
            .post_json(
                "/v1/mirror/audit",
                Some(&token),
                &json!({ "events": [bad] }),
            )
            .await;
        assert_eq!(response.status(), 400);
        assert!(response.text().await.unwrap().contains("does not continue"));
    }
    // Only partners ship events.
    let response = up
        .post_json("/v1/mirror/audit", Some(&user_on(&up).await), &shipment)
        .await;
    assert_eq!(response.status(), 403);

    let verify: Value = up
        .get_auth("/v1/audit/verify", &compliance)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verify["ok"], true, "{verify}");
}
on_each_backend!(a_mirror_serves_what_upstream_allows_and_its_downloads_reach_upstream_audit);

/// Waits (up to 10 s) until the mirror sequenced its log and upstream acknowledged every
/// entry of it.
async fn wait_until_shipped(db: &modelgate::db::Db) {
    use modelgate::db::audit::log;
    let deadline = Instant::now() + Duration::from_secs(10);
    while log::pending_count(db).await.unwrap() > 0 {
        assert!(
            Instant::now() < deadline,
            "the mirror's log was not sequenced"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let head = log::head(db).await.unwrap().size as i64;
    while modelgate::db::mirror::shipped_seq(db).await.unwrap() < head {
        assert!(Instant::now() < deadline, "the outbox did not drain");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A licensed user of `app` (not a partner).
#[tokio::test]
#[ignore = "needs huggingface_hub (Python)"]
async fn the_hugging_face_client_downloads_from_a_mirror() {
    common::hf::require_hf_hub();
    let (up, admin) = upstream(Backend::Sqlite).await;
    let token = partner(&up, &admin, "Fjord Mirrors", "NO").await;
    let mirror = mirror_dir(&Backend::Sqlite).await;
    let output = mirror.sync(&up.address, &token).await;
    assert!(output.status.success(), "{}", text(&output));
    let mirror = mirror.serve(&up.address, &token).await;
    let user =
        common::licensed_session(&mirror.client, &mirror.address, "dev@mirror.example", "GB").await;
    let hf_token = common::api_token_of(&mirror.client, &mirror.address, &user).await;
    common::hf::check_snapshots(&up, &mirror.address, &hf_token).await;
    // The mirror serves the model card as its upstream does.
    let home = tempfile::tempdir().unwrap();
    let client = common::hf::HfClient::new(&mirror.address, Some(&hf_token), home.path());
    let (code, card) = client.run(&["card", common::hf::TEXT]).await;
    assert_eq!(code, Some(0), "{card}");
    let languages = json!(modelgate::demo::cards::SUPPORTED_LANGUAGES);
    assert_eq!(card["card_data_language"], languages, "{card}");
    assert_eq!(card["readme_language"], languages, "{card}");
}

async fn user_on(app: &TestApp) -> String {
    app.licensed_user("someone@example.com", "US").await
}

#[tokio::test]
async fn an_eu_partner_receives_no_multimodal_models() {
    let (up, admin) = upstream(Backend::Sqlite).await;
    let token = partner(&up, &admin, "Rhein Spiegel", "DE").await;
    let (snapshot, _) = fetch_snapshot(&up, &token).await;
    let ids: Vec<String> = snapshot.models.iter().map(|m| m.id.to_string()).collect();
    assert_eq!(ids, [TEXT]);
    assert_eq!(snapshot.withheld.len(), 1);
    assert_eq!(snapshot.withheld[0].id, VISION);
    assert!(
        snapshot.withheld[0]
            .reasons
            .iter()
            .any(|r| r.starts_with("eu.")),
        "{:?}",
        snapshot.withheld
    );

    let mirror = mirror_dir(&Backend::Sqlite).await;
    let output = mirror.sync(&up.address, &token).await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("1 models"), "{}", text(&output));
    assert!(
        text(&output).contains(&format!("withheld: {VISION}")),
        "{}",
        text(&output)
    );
    let mirror = mirror.serve(&up.address, &token).await;
    let catalog: Value = mirror.get("/v1/models").await.json().await.unwrap();
    let listed: Vec<&str> = catalog["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [TEXT]);
    // A mirror grant for the Vision model is refused upstream too.
    let response = up
        .access(&token, VISION, None, Some(json!({ "action": "mirror" })))
        .await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn only_admins_create_partners_and_only_partners_get_snapshots() {
    let (up, admin) = upstream(Backend::Sqlite).await;
    let user = user_on(&up).await;
    let response = up
        .post_json(
            "/v1/admin/partners",
            Some(&user),
            &json!({ "name": "X", "country": "NO", "contact": "x@example.com" }),
        )
        .await;
    assert_eq!(response.status(), 403);
    let response = up
        .post_json(
            "/v1/admin/partners",
            Some(&admin),
            &json!({ "name": "X", "country": "XX", "contact": "x@example.com" }),
        )
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        up.get_auth("/v1/mirror/snapshot", &user).await.status(),
        403
    );
    assert_eq!(up.get("/v1/mirror/snapshot").await.status(), 401);
    let token = partner(&up, &admin, "Nordic Weights", "SE").await;
    let again = up
        .post_json(
            "/v1/admin/partners",
            Some(&admin),
            &json!({ "name": "Nordic Weights", "country": "SE", "contact": "other@example.com" }),
        )
        .await;
    assert_eq!(again.status(), 409);
    let list: Value = up
        .get_auth("/v1/admin/partners", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["partners"][0]["name"], "Nordic Weights");
    assert!(list["partners"][0].get("token").is_none());
    // Snapshot versions only grow.
    let (first, _) = fetch_snapshot(&up, &token).await;
    let (second, _) = fetch_snapshot(&up, &token).await;
    assert!(second.version > first.version);
    assert!(first.expires_at > first.issued_at);
}

#[tokio::test]
async fn tampered_replayed_and_expired_snapshots_are_refused() {
    let (up, admin) = upstream(Backend::Sqlite).await;
    let token = partner(&up, &admin, "Fjord Mirrors", "NO").await;
    let proxy = fault_proxy::start(&up.address);
    let mirror = mirror_dir(&Backend::Sqlite).await;

    // An old snapshot, captured before the mirror's first sync.
    let (_, old_envelope) = fetch_snapshot(&up, &token).await;
    let output = mirror.sync(&proxy.address, &token).await;
    assert!(output.status.success(), "{}", text(&output));
    let accepted = latest_version(&mirror).await;

    // Replayed: a validly signed but older snapshot.
    proxy.set(|f| f.snapshot_body = Some(old_envelope.clone()));
    let output = mirror.sync(&proxy.address, &token).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("rollback"), "{}", text(&output));

    // Tampered: a newer version with the Vision model removed, signature kept.
    let (fresh, fresh_envelope) = fetch_snapshot(&up, &token).await;
    let mut envelope: Value = serde_json::from_slice(&fresh_envelope).unwrap();
    let mut changed = fresh.clone();
    changed.models.retain(|m| m.id.to_string() == TEXT);
    envelope["payload"] = json!(B64.encode(serde_json::to_vec(&changed).unwrap()));
    proxy.set(|f| f.snapshot_body = Some(serde_json::to_vec(&envelope).unwrap()));
    let output = mirror.sync(&proxy.address, &token).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("signature does not verify"),
        "{}",
        text(&output)
    );

    // Signed by another key.
    let stranger = modelgate::store::signing::PublisherKey::load_or_generate(
        tempfile::tempdir().unwrap().path(),
    )
    .unwrap();
    let forged = snapshot::sign(&fresh, &stranger).unwrap();
    proxy.set(|f| f.snapshot_body = Some(serde_json::to_vec(&forged).unwrap()));
    let output = mirror.sync(&proxy.address, &token).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("signature does not verify"),
        "{}",
        text(&output)
    );
    assert_eq!(
        latest_version(&mirror).await,
        accepted,
        "nothing was published"
    );

    // Another partner's token on this mirror: its snapshot is refused.
    proxy.set(|f| f.snapshot_body = None);
    let other = partner(&up, &admin, "Other Mirrors", "NO").await;
    let output = mirror.sync(&proxy.address, &other).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("syncs for partner Fjord Mirrors"),
        "{}",
        text(&output)
    );

    // Expired: an upstream whose snapshots expire at once.
    let (short, short_admin) = {
        let app = spawn_app_with(Backend::Sqlite, |s| s.mirror.snapshot_ttl_secs = 0).await;
        app.publish_demo().await;
        let admin = app.account("admin@short.example", Role::Admin).await;
        (app, admin)
    };
    let short_token = partner(&short, &short_admin, "Late Mirrors", "NO").await;
    let fresh_mirror = mirror_dir(&Backend::Sqlite).await;
    let output = fresh_mirror.sync(&short.address, &short_token).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("expired"), "{}", text(&output));
}

/// The newest snapshot version the mirror accepted.
async fn latest_version(mirror: &MirrorDir) -> Option<i64> {
    let db = modelgate::db::Db::connect(&mirror.settings.database_url(), 1)
        .await
        .unwrap();
    modelgate::db::mirror::latest_snapshot(&db)
        .await
        .unwrap()
        .map(|s| s.version)
}

#[tokio::test]
async fn an_unreachable_upstream_leaves_the_mirror_serving_and_the_outbox_catches_up() {
    let (up, admin) = upstream(Backend::Sqlite).await;
    let token = partner(&up, &admin, "Fjord Mirrors", "NO").await;
    let mirror = mirror_dir(&Backend::Sqlite).await;
    let output = mirror.sync(&up.address, &token).await;
    assert!(output.status.success(), "{}", text(&output));

    // Upstream down: a port nobody listens on.
    let down = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let output = mirror.sync(&down, &token).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("FAILED"), "{}", text(&output));

    // The mirror serves, with upstream unreachable for its outbox too.
    let data_dir = mirror.dir.path().to_path_buf();
    let settings = mirror.settings.clone();
    let served = mirror.serve(&down, &token).await;
    let user =
        common::licensed_session(&served.client, &served.address, "dev@mirror.example", "US").await;
    let scratch = tempfile::tempdir().unwrap();
    let output = download(
        &served.address,
        &user,
        TEXT,
        &scratch.path().join("text"),
        &scratch.path().join("cfg"),
    )
    .await;
    assert!(output.status.success(), "{}", text(&output));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        modelgate::db::mirror::shipped_seq(&served.state.db)
            .await
            .unwrap(),
        0,
        "nothing acknowledged while upstream is down"
    );

    // Upstream back (the mirror restarted with it reachable): everything arrives, once.
    let mut settings = settings;
    settings.storage.data_dir = data_dir;
    settings.mirror.upstream = up.address.clone();
    settings.mirror.partner_token = modelgate::config::Secret::new(&token);
    settings.mirror.ship_interval_ms = 100;
    let (state, _) = modelgate::startup::open_state(&settings).await.unwrap();
    tokio::spawn(modelgate::mirror::outbox::run_shipper(state.clone()));
    let compliance = up
        .account("compliance@upstream.example", Role::Compliance)
        .await;
    let files = demo_files(TEXT).len();
    let served_events = reported_downloads(&up, &compliance, files).await;
    assert_eq!(served_events.len(), files);
    wait_until_shipped(&state.db).await;
}

#[tokio::test]
async fn a_sync_killed_mid_way_completes_when_run_again() {
    let (up, admin) = upstream(Backend::Sqlite).await;
    let token = partner(&up, &admin, "Fjord Mirrors", "NO").await;
    let proxy = fault_proxy::start(&up.address);
    proxy.set(|f| f.blob_chunk_delay = Duration::from_millis(40));
    let mirror = mirror_dir(&Backend::Sqlite).await;
    let mut child = common::KillOnDrop::spawn(
        mirror
            .sync_command(&proxy.address, &token)
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null()),
    );
    let state = mirror
        .dir
        .path()
        .join("blobs/tmp/mirror-sync/.modelgate-download");
    common::wait_for_done_parts(&state, 3).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        latest_version(&mirror).await,
        None,
        "killed before publishing"
    );

    proxy.set(|f| f.blob_chunk_delay = Duration::ZERO);
    let output = mirror.sync(&proxy.address, &token).await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("resuming"), "{}", text(&output));
    assert!(latest_version(&mirror).await.is_some());
    let mirror = mirror.serve(&up.address, &token).await;
    let catalog: Value = mirror.get("/v1/models").await.json().await.unwrap();
    assert_eq!(catalog["models"].as_array().unwrap().len(), 2);
}

/// A copy of the repository's policy bundle without the EU rule: the Llama 3.2 pack loses
/// its regional clause.
fn weakened_policy_dir() -> TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("policies"),
        dir.path(),
    );
    let pack = dir.path().join("licenses/llama-3.2/license.toml");
    let text = std::fs::read_to_string(&pack).unwrap();
    let (head, rest) = text.split_once("[regional_clause]").unwrap();
    let (_, tail) = rest.split_once("[monthly_active_users]").unwrap();
    std::fs::write(&pack, format!("{head}[monthly_active_users]{tail}")).unwrap();
    let weakened = modelgate::policy::PolicyBundle::load(dir.path()).unwrap();
    assert!(!weakened
        .policy_ids()
        .any(|id| id == "eu.multimodal-withheld"));
    dir
}

#[tokio::test]
async fn a_mirror_keeps_the_upstream_policy_and_withdraws_what_upstream_no_longer_allows() {
    let (up, admin) = upstream(Backend::Sqlite).await;
    let token = partner(&up, &admin, "Fjord Mirrors", "NO").await;
    let mut mirror = mirror_dir(&Backend::Sqlite).await;
    let output = mirror.sync(&up.address, &token).await;
    assert!(output.status.success(), "{}", text(&output));

    // A local bundle without the EU rule changes nothing: the mirror decides with upstream's.
    let weakened = weakened_policy_dir();
    mirror.settings.policy.dir = weakened.path().to_path_buf();
    let sync_again = |m: &MirrorDir| m.sync_command(&up.address, &token);
    let mut resync = sync_again(&mirror);
    let served = mirror.serve(&up.address, &token).await;
    let eu_user =
        common::licensed_session(&served.client, &served.address, "dev@mirror.example", "DE").await;
    let response = served.access(&eu_user, VISION, None, None).await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "access-denied");
    assert!(
        body.to_string().contains("eu.multimodal-withheld"),
        "{body}"
    );
    let granted = served.access(&eu_user, TEXT, None, None).await;
    assert_eq!(granted.status(), 200);
    let granted: Value = granted.json().await.unwrap();
    let url = granted["files"][0]["url"].as_str().unwrap().to_owned();
    assert_eq!(served.client.get(&url).send().await.unwrap().status(), 200);

    // Upstream terminates the partner's license: the next sync withdraws both models.
    assert_eq!(
        up.revoke_first_acceptance(&admin, "the distribution agreement ended")
            .await
            .status(),
        200
    );
    let output = tokio::task::spawn_blocking(move || resync.output().unwrap())
        .await
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("0 models"), "{}", text(&output));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let catalog: Value = served.get("/v1/models").await.json().await.unwrap();
        if catalog["models"].as_array().unwrap().is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "still listed: {catalog}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Access follows within the mirror's snapshot check interval (its caches are dropped).
    loop {
        let status = served.access(&eu_user, TEXT, None, None).await.status();
        if status == 404 {
            break;
        }
        assert!(Instant::now() < deadline, "still granted: {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A grant issued before no longer fetches anything (within the same interval).
    loop {
        let response = served.client.get(&url).send().await.unwrap();
        if response.status() == 403 {
            assert_eq!(common::error_code(response).await, "entitlement-revoked");
            break;
        }
        assert!(Instant::now() < deadline, "the old grant still works");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_mirror_whose_snapshot_expired_serves_nothing_until_it_syncs_again() {
    let up = spawn_app_with(Backend::Sqlite, |s| s.mirror.snapshot_ttl_secs = 3).await;
    up.publish_demo().await;
    let admin = up.account("admin@upstream.example", Role::Admin).await;
    let token = partner(&up, &admin, "Fjord Mirrors", "NO").await;
    let mirror = mirror_dir(&Backend::Sqlite).await;
    let output = mirror.sync(&up.address, &token).await;
    assert!(output.status.success(), "{}", text(&output));
    let mut resync = mirror.sync_command(&up.address, &token);
    let served = mirror.serve(&up.address, &token).await;
    let listed = |catalog: Value| catalog["models"].as_array().unwrap().len();
    assert_eq!(
        listed(served.get("/v1/models").await.json().await.unwrap()),
        2
    );

    let deadline = Instant::now() + Duration::from_secs(15);
    while listed(served.get("/v1/models").await.json().await.unwrap()) > 0 {
        assert!(Instant::now() < deadline, "still serving after the expiry");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let output = tokio::task::spawn_blocking(move || resync.output().unwrap())
        .await
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        listed(served.get("/v1/models").await.json().await.unwrap()),
        2
    );
}

async fn every_mirror_witnesses_upstreams_audit_log_and_stops_at_a_fork_or_rollback(
    backend: Backend,
) {
    let (up, admin) = upstream(backend.clone()).await;
    let token = partner(&up, &admin, "Witness Mirrors", "NO").await;
    let mirror = mirror_dir(&backend).await;
    up.audit_sequenced().await;
    let output = mirror.sync(&up.address, &token).await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("upstream's audit log: checkpoint of"),
        "{}",
        text(&output)
    );
    // Upstream published the mirror's cosignature with that checkpoint.
    let (cosigned,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_cosignatures")
        .fetch_one(&up.state.db.pool)
        .await
        .unwrap();
    assert_eq!(cosigned, 1);

    // The log grew: the next sync proves the new checkpoint extends the one it saw.
    let user = user_on(&up).await;
    assert_eq!(up.access(&user, TEXT, None, None).await.status(), 200);
    let seen = up.audit_sequenced().await;
    let output = mirror.sync(&up.address, &token).await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("consistent with the"),
        "{}",
        text(&output)
    );

    // Upstream's operator rewrites history (an entry changed, the tree rebuilt and signed
    // with the real key): the mirror catches the fork and stops.
    let forked = up
        .rewrite_audit_history(&[
            "UPDATE audit_log SET data = REPLACE(data, '\"outcome\":\"allow\"', '\"outcome\":\"deny\"')",
        ])
        .await;
    assert!(forked >= seen);
    let output = mirror.sync(&up.address, &token).await;
    assert!(!output.status.success());
    assert!(text(&output).contains("FORKED"), "{}", text(&output));

    // Cut back below what the mirror saw: a rollback.
    up.rewrite_audit_history(&["DELETE FROM audit_log WHERE leaf_index >= 3"])
        .await;
    let output = mirror.sync(&up.address, &token).await;
    assert!(!output.status.success());
    assert!(text(&output).contains("ROLLED BACK"), "{}", text(&output));
}
on_each_backend!(every_mirror_witnesses_upstreams_audit_log_and_stops_at_a_fork_or_rollback);

/// The manifest digest of `reference` in the OCI registry at `address`, pulled with an API
/// token of a licensed user of that gateway; and the bytes of its first layer.
async fn oci_pull(
    client: &reqwest::Client,
    address: &str,
    api_token: &str,
    reference: &str,
) -> (String, Vec<u8>, String) {
    let token: Value = client
        .get(format!("{address}/v2/token"))
        .query(&[("scope", "repository:demo/llama-3.2-tiny:pull")])
        .basic_auth("anyone", Some(api_token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap();
    let manifest = client
        .get(format!(
            "{address}/v2/demo/llama-3.2-tiny/manifests/{reference}"
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(manifest.status(), 200, "{address} {reference}");
    let digest = manifest.headers()["docker-content-digest"]
        .to_str()
        .unwrap()
        .to_owned();
    let manifest: Value = manifest.json().await.unwrap();
    let layer = manifest["layers"][0]["digest"].as_str().unwrap().to_owned();
    let bytes = client
        .get(format!("{address}/v2/demo/llama-3.2-tiny/blobs/{layer}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    (digest, bytes.to_vec(), layer)
}

#[tokio::test]
async fn a_mirror_serves_the_same_oci_views_as_its_upstream() {
    let (up, admin) = upstream(Backend::Sqlite).await;
    let token = partner(&up, &admin, "Fjord Mirrors", "NO").await;
    let mirror = mirror_dir(&Backend::Sqlite).await;
    let output = mirror.sync(&up.address, &token).await;
    assert!(output.status.success(), "{}", text(&output));
    let mirror = mirror.serve(&up.address, &token).await;
    let session =
        common::licensed_session(&mirror.client, &mirror.address, "dev@mirror.example", "GB").await;
    let at_mirror = common::api_token_of(&mirror.client, &mirror.address, &session).await;
    let upstream_user = up.licensed_api_token("dev@up.example", "GB").await;
    for reference in ["latest", "latest-modelcar"] {
        let (digest, layer, layer_digest) =
            oci_pull(&mirror.client, &mirror.address, &at_mirror, reference).await;
        let (upstream_digest, _, _) =
            oci_pull(&up.client, &up.address, &upstream_user, reference).await;
        assert_eq!(
            digest, upstream_digest,
            "{reference}: the same view, byte for byte"
        );
        assert_eq!(
            format!("sha256:{}", hex::encode(sha2::Sha256::digest(&layer))),
            layer_digest
        );
    }
}
