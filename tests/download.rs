//! `modelgate download` against a real gateway, directly and through a fault proxy that
//! cuts connections, flips bytes, slows bodies and ignores ranges: the client resumes,
//! re-fetches damaged parts, refuses tampered manifests and signatures, and never leaves a
//! file whose hash does not match. Also plain `curl -C -` and `wget -c` on a grant URL.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::common;
use crate::common::{fault_proxy, spawn_app, Backend, TestApp};
use modelgate::store::signing::PublisherKey;
use sha2::Digest;

const TEXT: &str = "demo/Llama-3.2-Tiny";
const VISION: &str = "demo/Llama-3.2-Tiny-Vision";

/// A gateway with both demo models and a licensed user (`country`), plus a scratch dir.
struct Setup {
    app: TestApp,
    token: String,
    scratch: tempfile::TempDir,
}

async fn setup(backend: Backend, country: &str) -> Setup {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let token = app.licensed_user("dev@example.com", country).await;
    Setup {
        app,
        token,
        scratch: tempfile::tempdir().unwrap(),
    }
}

impl Setup {
    fn dir(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    /// The command line of a download from `endpoint` into `dir`, small parts so every
    /// shard has several.
    fn command(&self, endpoint: &str, model: &str, dir: &Path, extra: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_modelgate"));
        command
            .args([
                "download",
                model,
                "--endpoint",
                endpoint,
                "--token",
                &self.token,
            ])
            .arg("--dir")
            .arg(dir)
            .args(["--part-size", "16KiB", "--retries", "4"])
            .args(extra)
            .env("MODELGATE_CONFIG_DIR", self.scratch.path().join("config"))
            .env_remove("MODELGATE_TOKEN")
            .env_remove("MODELGATE_ENDPOINT");
        command
    }

    async fn run(&self, endpoint: &str, model: &str, dir: &Path, extra: &[&str]) -> Output {
        let command = self.command(endpoint, model, dir, extra);
        common::output_of(command).await
    }

    fn publisher_pem(&self) -> PathBuf {
        let path = self.scratch.path().join("publisher.pem");
        std::fs::write(&path, self.app.key.public().pem()).unwrap();
        path
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file of the demo model is in `dir` with its published SHA-256, and
/// `modelgate verify` accepts the directory.
fn assert_complete(setup: &Setup, model: &str, dir: &Path) {
    let (_, models) = common::demo_models();
    let source = &models
        .iter()
        .find(|m| m.id.to_string() == model)
        .unwrap()
        .dir;
    for file in modelgate::store::walk::list_model_files(source).unwrap() {
        let got = std::fs::read(file.path.under(dir)).unwrap();
        let want = std::fs::read(&file.full_path).unwrap();
        assert!(got == want, "{} differs from the published file", file.path);
    }
    assert!(!dir.join(".modelgate-download").exists(), "state removed");
    let verify = Command::new(env!("CARGO_BIN_EXE_modelgate"))
        .arg("verify")
        .arg(dir)
        .arg("--public-key")
        .arg(setup.publisher_pem())
        .output()
        .unwrap();
    assert!(verify.status.success(), "verify: {}", stderr(&verify));
}

async fn downloads_verifies_and_skips_what_is_already_there(backend: Backend) {
    let setup = setup(backend, "US").await;
    let dir = setup.dir("vision");
    let address = setup.app.address.clone();
    let output = setup.run(&address, VISION, &dir, &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("every SHA-256 verified"), "{out}");
    assert!(
        stderr(&output).contains("on first use"),
        "the fingerprint is shown when first pinned: {}",
        stderr(&output)
    );
    assert_complete(&setup, VISION, &dir);

    // Again: nothing fetched, the pin holds, still complete.
    let again = setup.run(&address, VISION, &dir, &[]).await;
    assert!(again.status.success(), "{}", stderr(&again));
    let out = String::from_utf8_lossy(&again.stdout);
    // Eleven files: the model card, configs, tokenizer, shards and their index.
    assert!(out.contains("(11 already present), 0 bytes"), "{out}");
    assert!(!stderr(&again).contains("on first use"));

    // The decisions and every part request are in the audit log.
    let served = modelgate::db::audit::recent(&setup.app.state.db, Some("blob.request"), 1000)
        .await
        .unwrap();
    assert!(served.len() > 10, "one event per part: {}", served.len());
    assert!(served
        .iter()
        .all(|e| e.outcome.as_deref() == Some("served")));
}
on_each_backend!(downloads_verifies_and_skips_what_is_already_there);

#[tokio::test]
async fn refusals_by_the_policy_have_their_own_exit_codes() {
    let setup = setup(Backend::Sqlite, "DE").await;
    let address = setup.app.address.clone();
    let denied = setup.run(&address, VISION, &setup.dir("v"), &[]).await;
    assert_eq!(denied.status.code(), Some(3), "{}", stderr(&denied));
    assert!(
        stderr(&denied).contains("eu.multimodal-withheld"),
        "{}",
        stderr(&denied)
    );
    assert!(!setup.dir("v").join("model.sig").exists());

    // The text model is open to the same user.
    let text = setup.run(&address, TEXT, &setup.dir("t"), &[]).await;
    assert!(text.status.success(), "{}", stderr(&text));
    assert_complete(&setup, TEXT, &setup.dir("t"));

    // Without a token: told to sign in.
    let mut anonymous = Command::new(env!("CARGO_BIN_EXE_modelgate"));
    anonymous
        .args(["download", VISION, "--endpoint", &address])
        .arg("--dir")
        .arg(setup.dir("a"))
        .env("MODELGATE_CONFIG_DIR", setup.scratch.path().join("config"))
        .env_remove("MODELGATE_TOKEN");
    let output = common::output_of(anonymous).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--token"), "{}", stderr(&output));
}

#[tokio::test]
async fn a_request_sent_to_review_exits_with_its_own_code() {
    // A user domiciled outside the EU, asking from a German address: review.
    let setup = setup(Backend::Sqlite, "US").await;
    let mut geoip = common::mmdb::Builder::new("GeoIP2-Country");
    geoip.insert(
        std::net::Ipv4Addr::new(81, 0, 0, 0),
        16,
        &common::mmdb::geoip2_country("DE", "EU", false),
    );
    geoip.write(&setup.app.geoip_path());
    let proxy = fault_proxy::start(&setup.app.address);
    proxy.set(|f| f.forwarded_for = Some("81.0.0.1".into()));
    let output = setup
        .run(&proxy.address, VISION, &setup.dir("v"), &[])
        .await;
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert!(stderr(&output).contains("REVIEW"), "{}", stderr(&output));
    assert!(!setup.dir("v").join("model.sig").exists());
}

#[tokio::test]
async fn a_changed_publisher_key_is_refused_unless_given() {
    let setup = setup(Backend::Sqlite, "US").await;
    let address = setup.app.address.clone();
    // Pin another key for this endpoint, as if the gateway's key had been swapped.
    let other = tempfile::tempdir().unwrap();
    let impostor = PublisherKey::load_or_generate(other.path())
        .unwrap()
        .public();
    modelgate::download::trust::TrustStore::new(setup.scratch.path().join("config"))
        .check(&address, &impostor)
        .unwrap();
    let refused = setup.run(&address, TEXT, &setup.dir("t"), &[]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("changed"), "{}", stderr(&refused));
    assert!(!setup.dir("t").join("model.sig").exists());

    // The real key given explicitly works; the wrong one explicitly fails the signature.
    let pem = setup.publisher_pem();
    let ok = setup
        .run(
            &address,
            TEXT,
            &setup.dir("t"),
            &["--publisher-key", pem.to_str().unwrap()],
        )
        .await;
    assert!(ok.status.success(), "{}", stderr(&ok));
    let wrong = other.path().join("wrong.pem");
    std::fs::write(&wrong, impostor.pem()).unwrap();
    let bad = setup
        .run(
            &address,
            TEXT,
            &setup.dir("u"),
            &["--publisher-key", wrong.to_str().unwrap()],
        )
        .await;
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("does not verify"), "{}", stderr(&bad));
}

#[tokio::test]
async fn cut_connections_and_flipped_bytes_are_repaired_part_by_part() {
    let setup = setup(Backend::Sqlite, "US").await;
    let proxy = fault_proxy::start(&setup.app.address);
    proxy.set(|f| {
        // Offsets below the smallest demo file (138 bytes), so every hit response is damaged.
        f.cut_blob_after = Some((64, 3));
        f.flip_blob_byte = Some((10, 2));
    });
    let dir = setup.dir("vision");
    let output = setup
        .run(&proxy.address, VISION, &dir, &["--parallel", "1"])
        .await;
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert!(err.contains("had arrived damaged; replaced"), "{err}");
    assert!(
        err.contains("connection") && err.contains("retrying"),
        "{err}"
    );
    assert_complete(&setup, VISION, &dir);
}

#[tokio::test]
async fn a_file_whose_bytes_stay_wrong_is_discarded() {
    let setup = setup(Backend::Sqlite, "US").await;
    let proxy = fault_proxy::start(&setup.app.address);
    // Every blob body damaged, and no Content-Digest to catch it per part: only the
    // whole-file SHA-256 against the signed manifest can.
    proxy.set(|f| {
        f.flip_blob_byte = Some((10, usize::MAX));
        f.strip_content_digest = true;
    });
    let dir = setup.dir("text");
    let output = setup.run(&proxy.address, TEXT, &dir, &[]).await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("signed manifest says"), "{err}");
    let (_, models) = common::demo_models();
    for file in modelgate::store::walk::list_model_files(&models[0].dir).unwrap() {
        assert!(
            !file.path.under(&dir).exists(),
            "{} was left although its hash is wrong",
            file.path
        );
    }
    assert!(!dir.join("model.sig").exists());
}

#[tokio::test]
async fn a_whole_file_answer_to_a_range_request_is_refused() {
    let setup = setup(Backend::Sqlite, "US").await;
    let proxy = fault_proxy::start(&setup.app.address);
    proxy.set(|f| f.strip_range = true);
    let output = setup.run(&proxy.address, TEXT, &setup.dir("t"), &[]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("answered 200"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn tampered_manifests_and_signatures_are_refused() {
    let setup = setup(Backend::Sqlite, "US").await;
    let proxy = fault_proxy::start(&setup.app.address);
    let pem = setup.publisher_pem();
    let key = ["--publisher-key", pem.to_str().unwrap()];
    proxy.set(|f| f.flip_manifest = true);
    let output = setup.run(&proxy.address, TEXT, &setup.dir("a"), &key).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("not the one signed"),
        "{}",
        stderr(&output)
    );

    proxy.set(|f| {
        f.flip_manifest = false;
        f.flip_signature = true;
    });
    let output = setup.run(&proxy.address, TEXT, &setup.dir("b"), &key).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("signature"), "{}", stderr(&output));
    for name in ["a", "b"] {
        assert!(!setup.dir(name).join("model.sig").exists());
    }
}

#[tokio::test]
async fn a_killed_download_resumes_from_its_parts_on_disk() {
    let setup = setup(Backend::Sqlite, "US").await;
    let proxy = fault_proxy::start(&setup.app.address);
    proxy.set(|f| f.blob_chunk_delay = Duration::from_millis(40));
    let dir = setup.dir("vision");
    let mut child = common::KillOnDrop::spawn(
        setup
            .command(&proxy.address, VISION, &dir, &["--parallel", "2"])
            .stderr(std::process::Stdio::null()),
    );
    // Wait until some parts are recorded done, then kill -9.
    let state = dir.join(".modelgate-download");
    common::wait_for_done_parts(&state, 3).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!dir.join("model.sig").exists(), "killed before the end");

    proxy.set(|f| f.blob_chunk_delay = Duration::ZERO);
    let output = setup.run(&proxy.address, VISION, &dir, &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("resuming"), "{}", stderr(&output));
    assert_complete(&setup, VISION, &dir);
}

#[tokio::test]
async fn curl_and_wget_resume_a_grant_url() {
    let setup = setup(Backend::Sqlite, "US").await;
    let answer = setup.app.grant(&setup.token, TEXT).await;
    let file = answer["files"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|f| f["size"].as_u64().unwrap())
        .unwrap()
        .clone();
    let url = file["url"].as_str().unwrap().to_owned();
    let blob = common::get_bytes(&setup.app.client, &url).await;
    let want = hex::encode(sha2::Sha256::digest(&blob));
    assert_eq!(format!("sha256:{want}"), file["sha256"].as_str().unwrap());
    for (tool, args) in [
        ("curl", vec!["-sSf", "-C", "-", "-o"]),
        ("wget", vec!["-q", "-c", "-O"]),
    ] {
        let path = setup.dir(&format!("{tool}.bin"));
        // Half the file is already there, as after an interrupted transfer.
        std::fs::write(&path, &blob[..blob.len() / 2]).unwrap();
        let mut command = Command::new(tool);
        command.args(&args).arg(&path).arg(&url);
        let status = common::output_of(command).await.status;
        assert!(status.success(), "{tool} failed");
        let got = std::fs::read(&path).unwrap();
        assert_eq!(
            hex::encode(sha2::Sha256::digest(&got)),
            want,
            "{tool} resumed correctly"
        );
    }
}

#[tokio::test]
async fn files_with_the_same_content_are_fetched_once_and_all_written() {
    let setup = setup(Backend::Sqlite, "US").await;
    let source = tempfile::tempdir().unwrap();
    let weights: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
    std::fs::create_dir_all(source.path().join("sub")).unwrap();
    std::fs::write(source.path().join("a.safetensors"), &weights).unwrap();
    std::fs::write(source.path().join("sub/b.safetensors"), &weights).unwrap();
    std::fs::write(source.path().join("empty.txt"), b"").unwrap();
    std::fs::write(source.path().join("also-empty.txt"), b"").unwrap();
    setup
        .app
        .publish(source.path(), "acme/dup", modelgate::domain::Modality::Text)
        .await;
    let dir = setup.dir("dup");
    let address = setup.app.address.clone();
    let output = setup.run(&address, "acme/dup", &dir, &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(std::fs::read(dir.join("a.safetensors")).unwrap(), weights);
    assert_eq!(
        std::fs::read(dir.join("sub/b.safetensors")).unwrap(),
        weights
    );
    assert_eq!(std::fs::read(dir.join("empty.txt")).unwrap(), b"");
    assert_eq!(std::fs::read(dir.join("also-empty.txt")).unwrap(), b"");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.contains(&format!("{} bytes fetched", weights.len())),
        "{out}"
    );
}

#[tokio::test]
async fn a_grant_that_expires_mid_download_is_renewed() {
    let app = common::spawn_app_with(Backend::Sqlite, |s| s.grants.ttl_secs = 1).await;
    app.publish_demo().await;
    let token = app.licensed_user("slow@example.com", "US").await;
    let setup = Setup {
        app,
        token,
        scratch: tempfile::tempdir().unwrap(),
    };
    let proxy = fault_proxy::start(&setup.app.address);
    // Slow enough that the one-second grant runs out part-way.
    proxy.set(|f| f.blob_chunk_delay = Duration::from_millis(60));
    let dir = setup.dir("vision");
    let output = setup.run(&proxy.address, VISION, &dir, &[]).await;
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert!(err.contains("access was granted again"), "{err}");
    assert_complete(&setup, VISION, &dir);
}
