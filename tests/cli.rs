//! The `modelgate` binary as a person runs it: `serve --demo`, SIGTERM, `verify` exit
//! codes, the OpenSSF reference verifier, `kill -9` in the middle of a publish and under
//! audited load.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;
use crate::common::{
    download_model, get_bytes, get_json, licensed_session, modelgate, sign_in, KillOnDrop,
};
use modelgate::domain::Sha256Digest;

/// Starts `modelgate serve --demo --port 0` and returns the child and its printed URL.
fn serve_demo(data_dir: &Path) -> (KillOnDrop, String) {
    let (child, url, _) = serve_demo_with_output(data_dir);
    (child, url)
}

/// Like `serve_demo`, also returning what it printed before the URL.
fn serve_demo_with_output(data_dir: &Path) -> (KillOnDrop, String, Vec<String>) {
    common::serve_process(modelgate(data_dir).args(["serve", "--demo", "--port", "0"]))
}

#[tokio::test]
async fn the_demo_prints_a_working_admin_once_and_admin_create_makes_staff_accounts() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, url, printed) = serve_demo_with_output(data.path());
    let line = printed
        .iter()
        .find(|l| l.starts_with("demo admin: "))
        .expect("demo admin printed");
    let (email, password) = line["demo admin: ".len()..].split_once(" / ").unwrap();
    let password = password.trim_end_matches(" (shown once)");
    let client = common::http_client();
    let session = sign_in(&client, &url, email, password).await;
    assert_eq!(session["user"]["role"], "admin");
    signal(&child, "TERM");
    assert!(wait_for_exit(&mut child).success());

    let mut create = modelgate(data.path())
        .args([
            "admin",
            "create",
            "--email",
            "auditor@example.org",
            "--role",
            "compliance",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut create.stdin.take().unwrap(),
        b"a long compliance password\n",
    )
    .unwrap();
    let output = create.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );

    let (mut child, url, printed) = serve_demo_with_output(data.path());
    assert!(
        !printed.iter().any(|l| l.starts_with("demo admin: ")),
        "the demo admin is created once"
    );
    let auditor = sign_in(
        &client,
        &url,
        "auditor@example.org",
        "a long compliance password",
    )
    .await;
    assert_eq!(auditor["user"]["role"], "compliance");
    signal(&child, "TERM");
    assert!(wait_for_exit(&mut child).success());
}

/// How long a stopped server may take to exit: longer than its 30 s drain of open
/// connections (`server.shutdown_timeout_secs`).
const EXIT_LIMIT: Duration = Duration::from_secs(45);

fn wait_for_exit(child: &mut Child) -> std::process::ExitStatus {
    let (started, limit) = (Instant::now(), EXIT_LIMIT);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < limit,
            "process did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, name: &str) {
    assert!(Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success());
}

/// Runs the OpenSSF reference verifier (`model_signing`, from PyPI) on a downloaded model.
fn reference_verifier(dir: &Path, key: &Path) -> std::process::Output {
    Command::new("model_signing")
        .args(["verify", "key", "--signature"])
        .arg(dir.join("model.sig"))
        .arg("--public_key")
        .arg(key)
        .arg(dir)
        .output()
        .expect("this test needs the OpenSSF verifier: python3 -m pip install model-signing")
}

/// Downloads both demo models from the gateway at `url` as a licensed developer outside
/// the EU; the work directory, the publisher key file and one folder per model.
async fn download_demo_models(url: &str) -> (tempfile::TempDir, PathBuf, Vec<PathBuf>) {
    let client = common::http_client();
    let work = tempfile::tempdir().unwrap();
    let key = work.path().join("publisher.pem");
    let pem = get_bytes(&client, &format!("{url}/v1/keys/publisher")).await;
    std::fs::write(&key, pem).unwrap();
    let session = licensed_session(&client, url, "dev@example.com", "CA").await;
    let mut dirs = Vec::new();
    for model in ["demo/Llama-3.2-Tiny", "demo/Llama-3.2-Tiny-Vision"] {
        let dir = work.path().join(model.replace('/', "_"));
        std::fs::create_dir_all(&dir).unwrap();
        download_model(&client, url, model, &dir, &session).await;
        dirs.push(dir);
    }
    (work, key, dirs)
}

/// Flips the last bit of the first shard of the model in `dir`; the shard's name.
fn flip_a_bit_of_the_first_shard(dir: &Path) -> String {
    let shard_name = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with("model-00001-of-"))
        .unwrap();
    let shard = dir.join(&shard_name);
    let mut bytes = std::fs::read(&shard).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    std::fs::write(&shard, &bytes).unwrap();
    shard_name
}

#[tokio::test]
#[ignore = "needs the OpenSSF verifier model_signing (Python)"]
async fn the_openssf_reference_verifier_accepts_our_signatures_and_refuses_a_flipped_bit() {
    let data = tempfile::tempdir().unwrap();
    let (_child, url) = serve_demo(data.path());
    let (_work, key, dirs) = download_demo_models(&url).await;
    for dir in dirs {
        let reference = reference_verifier(&dir, &key);
        assert!(
            reference.status.success(),
            "model_signing: {}{}",
            String::from_utf8_lossy(&reference.stdout),
            String::from_utf8_lossy(&reference.stderr)
        );
        flip_a_bit_of_the_first_shard(&dir);
        assert!(
            !reference_verifier(&dir, &key).status.success(),
            "the reference verifier must refuse a flipped bit too"
        );
    }
}

#[tokio::test]
async fn serve_demo_serves_both_models_verifiable_by_modelgate_and_stops_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, url) = serve_demo(data.path());
    let client = common::http_client();
    let catalog = get_json(&client, &format!("{url}/v1/models")).await;
    let ids: Vec<&str> = catalog["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            "demo/Hunyuan-Tiny",
            "demo/Llama-3.1-Tiny",
            "demo/Llama-3.2-Tiny",
            "demo/Llama-3.2-Tiny-Vision"
        ],
        "the demo publishes under three license packs"
    );

    // A developer outside the EU, who accepted the license, may take both models.
    let (_work, key, dirs) = download_demo_models(&url).await;
    for dir in dirs {
        let ok = modelgate(data.path())
            .arg("verify")
            .arg(&dir)
            .arg("--public-key")
            .arg(&key)
            .output()
            .unwrap();
        assert_eq!(
            ok.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        assert!(String::from_utf8_lossy(&ok.stdout).starts_with("OK: "));

        let shard_name = flip_a_bit_of_the_first_shard(&dir);
        let bad = modelgate(data.path())
            .arg("verify")
            .arg(&dir)
            .arg("--public-key")
            .arg(&key)
            .output()
            .unwrap();
        assert_eq!(bad.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&bad.stderr);
        assert!(
            stderr.contains(&format!("{shard_name}: sha256 mismatch")),
            "{stderr}"
        );
    }

    signal(&child, "TERM");
    let status = wait_for_exit(&mut child);
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

#[test]
fn serve_demo_twice_on_the_same_data_dir_keeps_the_same_revisions_and_key() {
    let data = tempfile::tempdir().unwrap();
    let run = || {
        let (mut child, url) = serve_demo(data.path());
        let body = tokio::runtime::Runtime::new().unwrap().block_on(get_json(
            &common::http_client(),
            &format!("{url}/v1/models"),
        ));
        signal(&child, "INT");
        assert!(wait_for_exit(&mut child).success());
        body
    };
    let first = run();
    let second = run();
    assert_eq!(
        first["publisher_key_fingerprint"],
        second["publisher_key_fingerprint"]
    );
    assert_eq!(
        first["models"][0]["latest_revision"],
        second["models"][0]["latest_revision"]
    );
    assert_eq!(
        first["models"][1]["latest_revision"],
        second["models"][1]["latest_revision"]
    );
}

fn visible_blobs_are_intact(blob_root: &Path) -> usize {
    let mut count = 0;
    for prefix in std::fs::read_dir(blob_root.join("sha256")).unwrap() {
        for blob in std::fs::read_dir(prefix.unwrap().path()).unwrap() {
            let blob = blob.unwrap();
            let name = blob.file_name().into_string().unwrap();
            let digest = Sha256Digest::of(&std::fs::read(blob.path()).unwrap());
            assert_eq!(
                digest.hex(),
                name,
                "a visible blob holds exactly the bytes its name says"
            );
            count += 1;
        }
    }
    count
}

#[test]
fn kill_9_in_the_middle_of_a_publish_leaves_no_partial_blob_and_a_rerun_succeeds() {
    let data = tempfile::tempdir().unwrap();
    let model = tempfile::tempdir().unwrap();
    std::fs::write(model.path().join("config.json"), "{}").unwrap();
    let big: Vec<u8> = (0..768u32 * 1024 * 1024 / 4)
        .flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes())
        .collect();
    std::fs::write(model.path().join("model-00001-of-00001.safetensors"), &big).unwrap();
    drop(big);
    let publish = || {
        let mut command = modelgate(data.path());
        command.arg("publish").arg(model.path()).args([
            "--model",
            "test/big",
            "--license",
            "llama-3.2",
            "--modality",
            "text",
        ]);
        command
    };

    let mut child = KillOnDrop::spawn(publish().stdout(Stdio::null()));
    let temp_dir = data.path().join("blobs").join("tmp");
    let started = Instant::now();
    loop {
        let writing = std::fs::read_dir(&temp_dir)
            .map(|entries| {
                entries
                    .flatten()
                    .any(|e| e.metadata().map(|m| m.len() > 64 << 20).unwrap_or(false))
            })
            .unwrap_or(false);
        if writing {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "publish finished before it could be killed"
        );
        assert!(started.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(5));
    }
    signal(&child, "KILL");
    child.wait().unwrap();

    let blobs = visible_blobs_are_intact(&data.path().join("blobs"));
    assert!(
        blobs <= 1,
        "at most the small config blob is visible, found {blobs}"
    );
    let db_url = format!("sqlite://{}", data.path().join("modelgate.db").display());
    let models = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = modelgate::db::Db::connect(&db_url, 1).await.unwrap();
        modelgate::db::catalog::list_models(&db).await.unwrap()
    });
    assert!(
        models.is_empty(),
        "no revision may be recorded by a killed publish"
    );

    let rerun = publish().output().unwrap();
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert!(String::from_utf8_lossy(&rerun.stdout).contains("published test/big revision"));
    assert_eq!(visible_blobs_are_intact(&data.path().join("blobs")), 2);
}

fn copy_policies(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let status = Command::new("cp")
        .arg("-r")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn policy_test_reports_every_case_and_fails_on_a_mismatch() {
    let data = tempfile::tempdir().unwrap();
    let ok = modelgate(data.path())
        .args(["policy", "test", "--dir"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("policies"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{stdout}");
    assert!(stdout.contains("ok    deny   EU member states and EU territories: multimodal withheld from individuals [GR]"), "{stdout}");
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("policy test: 1441 passed, 0 failed"),
        "{stdout}"
    );

    let bundle = tempfile::tempdir().unwrap();
    copy_policies(bundle.path());
    let table = bundle.path().join("licenses/llama-3.2/decisions.toml");
    let text = std::fs::read_to_string(&table).unwrap().replacen(
        "expect = \"deny\"",
        "expect = \"allow\"",
        1,
    );
    std::fs::write(&table, text).unwrap();
    let bad = modelgate(data.path())
        .args(["policy", "test", "--dir"])
        .arg(bundle.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("FAIL  deny"));
}

#[test]
fn an_invalid_policy_bundle_stops_the_server_naming_file_and_line() {
    let bundle = tempfile::tempdir().unwrap();
    copy_policies(bundle.path());
    let rule = "\n// Intent: a typo\n@id(\"typo\")\n@reason(\"r\")\nforbid (principal, action == Action::\"download\", resource)\nwhen { principal.no_such_attribute == \"FR\" };\n";
    let file = bundle.path().join("revocation.cedar");
    let lines = std::fs::read_to_string(&file).unwrap().lines().count();
    std::fs::write(
        &file,
        format!("{}{rule}", std::fs::read_to_string(&file).unwrap()),
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let check = modelgate(data.path())
        .args(["policy", "check", "--dir"])
        .arg(bundle.path())
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    let serve = modelgate(data.path())
        .args(["serve", "--port", "0"])
        .env("MODELGATE__POLICY__DIR", bundle.path())
        .output()
        .unwrap();
    assert!(!serve.status.success());
    let stderr = String::from_utf8_lossy(&serve.stderr);
    assert!(
        stderr.contains(&format!("revocation.cedar:{}:", lines + 3)),
        "{stderr}"
    );
    assert!(stderr.contains("no_such_attribute"), "{stderr}");
}

#[tokio::test]
async fn kill_9_under_audited_load_loses_no_acknowledged_event_and_the_log_still_verifies() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, url) = serve_demo(data.path());
    let client = common::http_client();
    let session = licensed_session(&client, &url, "load@example.com", "US").await;

    // Eight clients ask for access as fast as they can; every 200 is an acknowledged
    // decision whose audit event id is `decision_id`.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (client, url, session) = (client.clone(), url.clone(), session.clone());
        let acknowledged = acknowledged.clone();
        clients.push(tokio::spawn(async move {
            loop {
                let sent = client
                    .post(format!("{url}/v1/models/demo/Llama-3.2-Tiny/access"))
                    .bearer_auth(&session)
                    .send()
                    .await;
                let Ok(response) = sent else { break };
                if response.status() != 200 {
                    break;
                }
                let Ok(body) = response.json::<serde_json::Value>().await else {
                    break;
                };
                let id = body["decision_id"].as_str().unwrap().to_owned();
                acknowledged.lock().unwrap().push(id);
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for task in clients {
        task.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() > 20, "load ran: {}", acknowledged.len());

    let (mut child, url) = serve_demo(data.path());
    let created = modelgate(data.path())
        .args([
            "admin",
            "create",
            "--email",
            "audit@example.com",
            "--role",
            "compliance",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all(b"correct horse battery staple")?;
            c.wait()
        })
        .unwrap();
    assert!(created.success());
    let token = sign_in(
        &client,
        &url,
        "audit@example.com",
        "correct horse battery staple",
    )
    .await;
    let token = token["token"].as_str().unwrap();
    let report = common::get_json_as(&client, &format!("{url}/v1/audit/verify"), token).await;
    assert_eq!(report["ok"], true, "{report}");
    let mut stored = std::collections::HashSet::new();
    let mut cursor = String::new();
    loop {
        let events =
            format!("{url}/v1/audit/events?kind=policy.decision&limit=1000&after={cursor}");
        let page = common::get_json_as(&client, &events, token).await;
        for event in page["events"].as_array().unwrap() {
            stored.insert(event["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !stored.contains(*id))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // The restarted gateway sequences what the killed one left pending: the last
    // acknowledged decision gets its receipt, and the log re-derives.
    let last = acknowledged.last().unwrap();
    let mut receipt = 0;
    for _ in 0..200 {
        receipt = client
            .get(format!("{url}/v1/audit/proof/{last}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if receipt == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        receipt, 200,
        "the last acknowledged decision has no receipt"
    );
    let report = common::get_json_as(&client, &format!("{url}/v1/audit/verify"), token).await;
    assert_eq!(report["ok"], true, "{report}");
    assert!(report["checkpoint_size"].as_u64().unwrap() >= acknowledged.len() as u64);
    signal(&child, "TERM");
    assert!(wait_for_exit(&mut child).success());
}
