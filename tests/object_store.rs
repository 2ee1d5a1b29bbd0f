//! The S3 blob backend against a real Garage server on loopback: publishing (single PUT and
//! multipart), ranged serving, presigned redirects after the grant check, and outages of
//! the store and of the database, which fail with 503 and a stable code, change nothing,
//! and heal without a restart; and reference inference on shards fetched from the bucket.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common;
use crate::common::garage::Garage;
use crate::common::tcp_relay::TcpRelay;
use crate::common::{error_code, spawn_app_with, Backend, TestApp};
use modelgate::domain::{Modality, Sha256Digest};
use serde_json::Value;

/// A model directory with a config and one shard of `size` pseudo-random bytes.
fn model_dir(root: &Path, size: usize, seed: u8) -> std::path::PathBuf {
    let dir = root.join(format!("model-{seed}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), format!("{{\"seed\": {seed}}}")).unwrap();
    let bytes = common::pseudo_random_bytes(size, u64::from(seed));
    std::fs::write(dir.join("model.safetensors"), bytes).unwrap();
    dir
}

/// A gateway on SQLite whose blobs live in `garage`'s bucket.
async fn app_on(garage: &Garage) -> TestApp {
    spawn_app_with(Backend::Sqlite, |settings| {
        garage.configure(settings, &garage.endpoint)
    })
    .await
}

fn relay_to(port: u16) -> TcpRelay {
    TcpRelay::start(&[SocketAddr::from(([127, 0, 0, 1], port))])
}

/// Publishes a model of one `size`-byte shard as `model`, lets a Canadian user accept the
/// license, and returns the model's directory, the user's session and the shard's grant URL.
async fn published_with_grant(
    app: &TestApp,
    scratch: &Path,
    size: usize,
    seed: u8,
    model: &str,
) -> (std::path::PathBuf, String, String) {
    let dir = model_dir(scratch, size, seed);
    app.publish(&dir, model, Modality::Text).await;
    let session = app.licensed_user("dev@example.com", "CA").await;
    let answer = app.grant(&session, model).await;
    let url = file(&answer, "model.safetensors")["url"]
        .as_str()
        .unwrap()
        .to_owned();
    (dir, session, url)
}

/// The file entry of `path` in an allow answer.
fn file<'a>(answer: &'a Value, path: &str) -> &'a Value {
    answer["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap()
}

#[tokio::test]
#[ignore = "needs Garage"]
async fn blobs_live_in_the_bucket_and_are_served_with_ranges() {
    let garage = Garage::start();
    let app = app_on(&garage).await;
    let scratch = tempfile::tempdir().unwrap();
    // 12 MiB: larger than the 5 MiB part size, so the shard goes up as a multipart upload.
    let dir = model_dir(scratch.path(), 12 << 20, 1);
    let published = app.publish(&dir, "acme/big", Modality::Text).await;
    assert_eq!(published.new_blobs, 2);
    let again = app.publish(&dir, "acme/big", Modality::Text).await;
    assert_eq!(
        (again.new_blobs, again.reused_blobs),
        (0, 2),
        "the bucket is content-addressed"
    );
    assert!(
        !app.data_dir.path().join("blobs").exists(),
        "nothing was written to the local blob directory"
    );

    let session = app.licensed_user("dev@example.com", "CA").await;
    let answer = app.grant(&session, "acme/big").await;
    let shard = file(&answer, "model.safetensors");
    let url = shard["url"].as_str().unwrap();
    let expected = std::fs::read(dir.join("model.safetensors")).unwrap();

    let whole = app.client.get(url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(
        whole.headers()["etag"].to_str().unwrap(),
        format!("\"{}\"", Sha256Digest::of(&expected).hex())
    );
    let body = whole.bytes().await.unwrap();
    assert_eq!(
        Sha256Digest::of(&body),
        Sha256Digest::of(&expected),
        "the whole shard streams back from the bucket"
    );

    let first = 6 << 20;
    let ranged = app
        .client
        .get(url)
        .header("range", format!("bytes={first}-{}", first + 99_999))
        .header("want-content-digest", "sha-256")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(
        ranged.headers()["content-range"].to_str().unwrap(),
        format!("bytes {first}-{}/{}", first + 99_999, expected.len())
    );
    let part = &expected[first..first + 100_000];
    let digest = ranged.headers()["content-digest"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(ranged.bytes().await.unwrap(), part);
    assert!(digest.contains(&base64_of(Sha256Digest::of(part).as_bytes())));

    let head = app.client.head(url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"].to_str().unwrap(),
        expected.len().to_string()
    );
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
#[ignore = "needs Garage"]
async fn downloads_may_be_redirected_to_presigned_store_urls_after_the_grant_check() {
    let garage = Garage::start();
    let app = spawn_app_with(Backend::Sqlite, |settings| {
        garage.configure(settings, &garage.endpoint);
        settings.storage.s3.redirect_downloads = true;
        settings.storage.s3.presign_ttl_secs = 60;
    })
    .await;
    let scratch = tempfile::tempdir().unwrap();
    let (dir, session, url) =
        published_with_grant(&app, scratch.path(), 300_000, 2, "acme/small").await;
    let expected = std::fs::read(dir.join("model.safetensors")).unwrap();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Without a grant there is no redirect, only the refusal.
    let bare = url.split('?').next().unwrap();
    let refused = no_redirects.get(bare).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert!(refused.headers().get("location").is_none());

    let redirected = no_redirects.get(&url).send().await.unwrap();
    assert_eq!(redirected.status(), 307);
    let location = redirected.headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        location.starts_with(&garage.endpoint) && location.contains("X-Amz-Signature"),
        "a presigned URL of the store: {location}"
    );
    let from_store = no_redirects
        .get(&location)
        .header("range", "bytes=0-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(from_store.status(), 206);
    assert_eq!(from_store.bytes().await.unwrap(), expected[..2000]);

    // A range (from byte 0 too) streams through the gateway, charged what it sends, so a
    // whole-blob URL is never handed out for the price of a few bytes.
    for (first, last) in [(0, 0), (1000, 1999)] {
        let ranged = no_redirects
            .get(&url)
            .header("range", format!("bytes={first}-{last}"))
            .send()
            .await
            .unwrap();
        assert_eq!(ranged.status(), 206);
        assert!(ranged.headers().get("location").is_none());
        assert_eq!(ranged.bytes().await.unwrap(), expected[first..=last]);
    }

    // The redirect was decided, counted and audited like a served download.
    let staff = app
        .account(
            "compliance@example.com",
            modelgate::domain::Role::Compliance,
        )
        .await;
    let events = app
        .get_auth_json("/v1/audit/events?kind=blob.request&limit=1000", &staff)
        .await;
    assert!(
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["data"]["status"] == 307),
        "a 307 blob event: {events}"
    );

    // The download client follows the redirect and verifies every file.
    let target = scratch.path().join("download");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_modelgate"));
    command
        .args(["download", "acme/small", "--endpoint", &app.address])
        .args(["--token", &session])
        .arg("--dir")
        .arg(&target)
        .env("MODELGATE_CONFIG_DIR", scratch.path().join("config"))
        .env_remove("MODELGATE_TOKEN");
    // Off the test's runtime: the in-process gateway's store connections live on it.
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read(target.join("model.safetensors")).unwrap(),
        expected
    );
}

/// Asserts that a sign-up refused during an outage left no account behind.
async fn assert_no_account(app: &TestApp, email: &str) {
    assert!(
        modelgate::db::accounts::user_by_email(&app.state.db, email)
            .await
            .unwrap()
            .is_none(),
        "the refused sign-up left no account"
    );
}

/// Polls `/readyz` until it answers `status`.
async fn wait_for_readiness(app: &TestApp, status: u16) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let response = app.get("/readyz").await;
        if response.status() == status {
            return response.json().await.unwrap();
        }
        assert!(Instant::now() < deadline, "readyz never answered {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs Garage"]
async fn a_store_outage_fails_cleanly_with_503_and_heals_without_a_restart() {
    let garage = Garage::start();
    let relay = relay_to(garage.port);
    let app = spawn_app_with(Backend::Sqlite, |settings| {
        garage.configure(settings, &format!("http://{}", relay.address()));
        // One fresh download per blob: the one refused during the outage must not count.
        settings.grants.downloads_per_blob = 1;
    })
    .await;
    let scratch = tempfile::tempdir().unwrap();
    let (dir, _, url) = published_with_grant(&app, scratch.path(), 200_000, 3, "acme/first").await;

    relay.cut();
    let refused = app.client.get(&url).send().await.unwrap();
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(error_code(refused).await, "store-unavailable");
    let readiness = wait_for_readiness(&app, 503).await;
    assert_eq!(readiness["checks"]["blob_store"], false);
    assert_eq!(readiness["checks"]["database"], true);

    // A publish during the outage fails and leaves nothing behind.
    let second = model_dir(scratch.path(), 7 << 20, 4);
    let failed = app
        .try_publish(&second, "acme/second", Modality::Text)
        .await;
    assert!(failed.is_err(), "publish must fail while the store is down");
    assert_eq!(app.get("/v1/models/acme/second").await.status(), 404);

    relay.restore();
    wait_for_readiness(&app, 200).await;
    assert_no_account(&app, "late@example.com").await;
    let served = app.client.get(&url).send().await.unwrap();
    assert_eq!(
        served.status(),
        200,
        "the 503 did not use up the only download"
    );
    assert_eq!(
        served.bytes().await.unwrap(),
        std::fs::read(dir.join("model.safetensors")).unwrap()
    );
    let published = app.publish(&second, "acme/second", Modality::Text).await;
    assert_eq!(published.new_blobs, 2, "the failed upload left no object");
    assert_eq!(app.get("/v1/models/acme/second").await.status(), 200);
}

#[tokio::test]
#[ignore = "needs PostgreSQL at TEST_DATABASE_URL"]
async fn a_database_outage_fails_cleanly_with_503_and_heals_without_a_restart() {
    let admin_url = common::postgres_admin_url();
    let url: reqwest::Url = admin_url.parse().unwrap();
    let relay = relay_to(url.port().unwrap_or(5432));
    let app = spawn_app_with(Backend::Postgres(admin_url.clone()), |settings| {
        // Reach the test's fresh database through the relay.
        let direct = settings.database.url.expose().to_owned();
        let mut through: reqwest::Url = direct.parse().unwrap();
        through.set_host(Some("127.0.0.1")).unwrap();
        through.set_port(Some(relay.port)).unwrap();
        settings.database.url = modelgate::config::Secret::new(through.as_str());
        settings.database.acquire_timeout_secs = 2;
    })
    .await;
    app.publish_demo().await;
    assert_eq!(app.get("/v1/models").await.status(), 200);

    relay.cut();
    let sign_up = app
        .client
        .post(app.url("/v1/auth/register"))
        .json(&serde_json::json!({ "email": "late@example.com", "password": "correct horse battery staple" }))
        .send()
        .await
        .unwrap();
    assert_eq!(sign_up.status(), 503);
    assert!(sign_up.headers().contains_key("retry-after"));
    assert_eq!(error_code(sign_up).await, "database-unavailable");
    let readiness = wait_for_readiness(&app, 503).await;
    assert_eq!(readiness["checks"]["database"], false);

    relay.restore();
    wait_for_readiness(&app, 200).await;
    assert_no_account(&app, "late@example.com").await;
    assert_eq!(
        app.get("/v1/models/demo/Llama-3.2-Tiny").await.status(),
        200
    );
    let registered = app
        .client
        .post(app.url("/v1/auth/register"))
        .json(&serde_json::json!({ "email": "late@example.com", "password": "correct horse battery staple" }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 202);
}

#[tokio::test]
#[ignore = "needs Garage"]
async fn inference_runs_on_shards_fetched_from_the_bucket() {
    let garage = Garage::start();
    let app = app_on(&garage).await;
    app.publish_demo().await;
    let user = app.licensed_user("dev@example.org", "CA").await;
    let text = "/v1/models/demo/Llama-3.2-Tiny";
    let response = app
        .post_json(
            &format!("{text}/validate"),
            Some(&user),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["passed"], true, "{report}");
    // The shards were fetched once, verified, into local staging for memory-mapping.
    let staged = app
        .state
        .settings
        .storage
        .data_dir
        .join("staging/inference");
    let copies: Vec<_> = std::fs::read_dir(&staged).unwrap().flatten().collect();
    assert!(
        copies.len() >= 4,
        "config, tokenizer, index and shards: {copies:?}"
    );
    assert!(copies
        .iter()
        .all(|c| !c.file_name().to_string_lossy().contains("partial")));
    let response = app
        .post_json(
            &format!("{text}/generate"),
            Some(&user),
            &serde_json::json!({"prompt": "Hello", "max_tokens": 4}),
        )
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
#[ignore = "needs Garage"]
async fn concurrent_uploads_of_the_same_blob_both_succeed() {
    let garage = Garage::start();
    let app = app_on(&garage).await;
    let scratch = tempfile::tempdir().unwrap();
    // Multipart uploads racing for one key: the store may drop the one that completes
    // second; its publisher still succeeds, as the blob is there.
    for round in 0..6u8 {
        let dir = model_dir(
            &scratch.path().join(round.to_string()),
            11 << 20,
            10 + round,
        );
        let file = dir.join("model.safetensors");
        let hidden = indicatif::ProgressBar::hidden();
        let (a, b) = tokio::join!(
            app.state.blobs.put_file(&file, None, &hidden),
            app.state.blobs.put_file(&file, None, &hidden)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.digest, b.digest);
        assert!(app.state.blobs.contains(&a.digest).await.unwrap());
    }
}
