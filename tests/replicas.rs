//! Two gateway replicas (`modelgate serve` processes) on one PostgreSQL database and one
//! Garage bucket, sharing their keys, behind a round-robin TCP load balancer: what one
//! decides the other honours (sessions, grants, download caps, review approvals,
//! revocations), concurrent publishes agree, the audit chain both write verifies, and a
//! download survives the death of the replica it was talking to.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common;
use crate::common::garage::Garage;
use crate::common::tcp_relay::TcpRelay;
use crate::common::{
    error_code, get_bytes, get_json, get_json_as, grant_for, licensed_session, sign_in, KillOnDrop,
};
use modelgate::domain::Sha256Digest;
use serde_json::{json, Value};

const TEXT: &str = "demo/Llama-3.2-Tiny";
const VISION: &str = "demo/Llama-3.2-Tiny-Vision";
const PASSWORD: &str = "correct horse battery staple";

struct Cluster {
    garage: Garage,
    database_url: String,
    scratch: tempfile::TempDir,
}

struct Replica {
    process: KillOnDrop,
    url: String,
    port: u16,
    printed: Vec<String>,
}

impl Cluster {
    fn key_dir(&self) -> PathBuf {
        self.scratch.path().join("keys")
    }

    /// `modelgate` configured as a replica: the shared database, bucket and keys, its own
    /// data directory, migrations left to the release job.
    fn modelgate(&self, data_dir: &str) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_modelgate"));
        command
            .arg("--data-dir")
            .arg(self.scratch.path().join(data_dir))
            .env("MODELGATE__DATABASE__URL", &self.database_url)
            .env("MODELGATE__DATABASE__MIGRATE_ON_START", "false")
            .env("MODELGATE__STORAGE__KEY_DIR", self.key_dir())
            .env("MODELGATE__SERVER__TRUSTED_PROXIES", "[\"127.0.0.1/32\"]")
            .env(
                "MODELGATE__GEOIP__DATABASE",
                self.scratch.path().join("geoip.mmdb"),
            )
            .env("MODELGATE__LOG__LEVEL", "warn")
            // Reused grants stay reused for a minute unless a change is notified: the
            // revocation below must reach the other replica by notification.
            .env("MODELGATE__GRANTS__STANDING_CACHE_MS", "60000")
            // Sign-ups here are not proven by mail (tests/hostile proves them over SMTP).
            .env("MODELGATE__AUTH__REQUIRE_VERIFIED_EMAIL", "false")
            .env("MODELGATE_CONFIG_DIR", self.scratch.path().join("client"))
            .env_remove("MODELGATE_TOKEN");
        for (key, value) in self.garage.env() {
            command.env(key, value);
        }
        command
    }

    fn start(&self, name: &str, extra: &[&str]) -> Replica {
        let (process, url, printed) = common::serve_process(
            self.modelgate(name)
                .args(["serve", "--port", "0"])
                .args(extra),
        );
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Replica {
            process,
            url,
            port,
            printed,
        }
    }

    /// `modelgate admin create` with a chosen password; the account signs in on `base`.
    async fn staff(&self, client: &reqwest::Client, base: &str, email: &str, role: &str) -> String {
        let mut child = self
            .modelgate("admin-cli")
            .args(["admin", "create", "--email", email, "--role", role])
            .arg("--password-stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        assert!(child.wait().unwrap().success(), "admin create {email}");
        sign_in(client, base, email, PASSWORD).await["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// The grant URL of `path` in an allow answer, rewritten to be asked of `base`.
fn file_url(answer: &Value, path: &str, base: &str) -> String {
    let url = answer["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap()["url"]
        .as_str()
        .unwrap();
    let at = url.find("/v1/").unwrap();
    format!("{base}{}", &url[at..])
}

fn write_big_model(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("config.json"), "{\"big\": true}").unwrap();
    let bytes = common::pseudo_random_bytes(24 << 20, 7);
    std::fs::write(dir.join("model.safetensors"), bytes).unwrap();
}

#[tokio::test]
#[ignore = "needs PostgreSQL at TEST_DATABASE_URL and Garage"]
async fn two_replicas_on_one_database_and_one_bucket_act_as_one_gateway() {
    let admin_url = common::postgres_admin_url();
    let garage = Garage::start();
    let database = common::fresh_postgres_database(&admin_url).await;
    let cluster = Cluster {
        garage,
        database_url: database.url.clone(),
        scratch: tempfile::tempdir().unwrap(),
    };
    let mut geoip = common::mmdb::Builder::new("GeoIP2-Country");
    geoip.insert(
        std::net::Ipv4Addr::new(81, 0, 0, 0),
        16,
        &common::mmdb::geoip2_country("DE", "EU", false),
    );
    geoip.write(&cluster.scratch.path().join("geoip.mmdb"));
    let client = common::http_client();

    // A replica does not migrate: on an empty database it refuses to start.
    let refused = cluster
        .modelgate("early")
        .args(["serve", "--port", "0"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("modelgate migrate"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let migrated = cluster
        .modelgate("release")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(migrated.status.success(), "{migrated:?}");

    // A publishes the demo models into the bucket (and makes the keys both share).
    let mut a = cluster.start("a", &["--demo"]);
    let b = cluster.start("b", &[]);
    let admin_line = a
        .printed
        .iter()
        .find(|l| l.starts_with("demo admin:"))
        .unwrap()
        .clone();
    let (admin_email, admin_password) = admin_line
        .trim_start_matches("demo admin: ")
        .split_once(" / ")
        .unwrap();
    let admin_password = admin_password.trim_end_matches(" (shown once)");
    let admin = sign_in(&client, &b.url, admin_email, admin_password).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        get_bytes(&client, &format!("{}/v1/keys/publisher", a.url)).await,
        get_bytes(&client, &format!("{}/v1/keys/publisher", b.url)).await,
        "one publisher key"
    );

    // Signed up on A, granted on B, served by A and B alike.
    let dev = licensed_session(&client, &a.url, "dev@example.com", "CA").await;
    let answer = grant_for(&client, &b.url, TEXT, &dev).await;
    for file in answer["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        let body = client
            .get(file_url(&answer, path, &a.url))
            .send()
            .await
            .unwrap();
        assert_eq!(body.status(), 200, "{path} from A with B's grant");
        let digest = Sha256Digest::of(&body.bytes().await.unwrap());
        assert_eq!(file["sha256"], digest.reference(), "{path}");
    }

    // The per-blob cap is one count across replicas: 1 download so far, 4 left of 5.
    let shard = file_url(&answer, "config.json", "");
    let attempts = (0..8).map(|i| {
        let base = if i % 2 == 0 { &a.url } else { &b.url };
        let (client, url) = (client.clone(), format!("{base}{shard}"));
        async move { client.get(url).send().await.unwrap() }
    });
    let mut served = 0;
    for response in futures_util::future::join_all(attempts).await {
        if response.status() == 200 {
            served += 1;
        } else {
            assert_eq!(response.status(), 403);
            assert_eq!(error_code(response).await, "download-limit-reached");
        }
    }
    assert_eq!(
        served, 4,
        "exactly the rest of the cap, whichever replica served"
    );

    // Concurrent access requests on both replicas: each decided, granted and audited.
    let requests = (0..12).map(|i| {
        let base = if i % 2 == 0 { &a.url } else { &b.url };
        let (client, url, token) = (
            client.clone(),
            format!("{base}/v1/models/{TEXT}/access"),
            dev.clone(),
        );
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    for status in futures_util::future::join_all(requests).await {
        assert_eq!(status, 200);
    }

    // A review opened on A and approved on B lets the user in on A.
    let traveller = licensed_session(&client, &b.url, "traveller@example.com", "US").await;
    let ask = |base: String| {
        let (client, token) = (client.clone(), traveller.clone());
        async move {
            client
                .post(format!("{base}/v1/models/{VISION}/access"))
                .bearer_auth(token)
                .header("x-forwarded-for", "81.0.0.7")
                .send()
                .await
                .unwrap()
        }
    };
    let review: Value = ask(a.url.clone()).await.json().await.unwrap();
    assert_eq!(review["outcome"], "review", "{review}");
    let case = review["review"]["id"].as_str().unwrap().to_owned();
    let officer = cluster
        .staff(&client, &b.url, "officer@example.com", "compliance")
        .await;
    let approved = client
        .post(format!("{}/v1/reviews/{case}/approve", b.url))
        .bearer_auth(&officer)
        .json(&json!({ "note": "travelling; domiciled in the US" }))
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 200);
    assert_eq!(
        ask(a.url.clone()).await.status(),
        200,
        "approved on B, allowed on A"
    );

    // A revocation on B stops the grant A issued, on both replicas: A had just served it
    // (its verified grant cached for a minute), and B's commit notifies A.
    let grant_from_a = grant_for(&client, &a.url, TEXT, &dev).await;
    for base in [&a.url, &b.url] {
        let served = client
            .get(file_url(&grant_from_a, "tokenizer.json", base))
            .send()
            .await
            .unwrap();
        assert_eq!(served.status(), 200, "before the revocation, at {base}");
    }
    let acceptances = get_json_as(
        &client,
        &format!("{}/v1/admin/licenses/llama-3.2/acceptances", b.url),
        &admin,
    )
    .await;
    let acceptance = acceptances["acceptances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["email"] == "dev@example.com")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = client
        .post(format!(
            "{}/v1/admin/acceptances/{acceptance}/revoke",
            b.url
        ))
        .bearer_auth(&admin)
        .json(&json!({ "reason": "breach of the acceptable use policy" }))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let refused_at_b = client
        .get(file_url(&grant_from_a, "tokenizer.json", &b.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused_at_b.status(),
        403,
        "revoked on B, refused at B at once"
    );
    // The notification travels between the replicas; allow it a moment, far below the
    // minute the cache would otherwise keep the grant.
    let started = std::time::Instant::now();
    loop {
        let response = client
            .get(file_url(&grant_from_a, "tokenizer.json", &a.url))
            .header("range", "bytes=0-0")
            .send()
            .await
            .unwrap();
        if response.status() == 403 {
            assert_eq!(error_code(response).await, "entitlement-revoked");
            break;
        }
        assert_eq!(response.status(), 206);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "revoked on B, still served at A after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // Two publishes of the same new model at once, through each replica's settings.
    let big = cluster.scratch.path().join("big-model");
    write_big_model(&big);
    let publish = |name: &str| {
        cluster
            .modelgate(name)
            .arg("publish")
            .arg(&big)
            .args(["--model", "acme/big", "--license", "llama-3.2"])
            .args(["--modality", "text"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (publish("a"), publish("b"));
    for child in [first, second] {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let on_a = get_json(&client, &format!("{}/v1/models/acme/big", a.url)).await;
    let on_b = get_json(&client, &format!("{}/v1/models/acme/big", b.url)).await;
    assert_eq!(on_a["revision"], on_b["revision"], "{on_a} {on_b}");

    // One replica dies in the middle of a download behind the balancer: the client
    // resumes against the other and verifies every byte.
    let balancer = TcpRelay::start(&[
        SocketAddr::from(([127, 0, 0, 1], a.port)),
        SocketAddr::from(([127, 0, 0, 1], b.port)),
    ]);
    balancer.throttle(Duration::from_millis(4));
    let reader = licensed_session(&client, &b.url, "reader@example.com", "CA").await;
    let target = cluster.scratch.path().join("downloaded");
    let mut download = KillOnDrop::spawn(
        cluster
            .modelgate("client")
            .args(["download", "acme/big", "--endpoint"])
            .arg(format!("http://{}", balancer.address()))
            .args(["--token", &reader, "--part-size", "1MiB", "--parallel", "2"])
            .args(["--retries", "6"])
            .arg("--dir")
            .arg(&target)
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    common::wait_for_done_parts(&target.join(".modelgate-download"), 2).await;
    assert!(
        !target.join("model.safetensors").exists(),
        "the shard was still arriving when A died"
    );
    a.process.kill().unwrap();
    a.process.wait().unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let stderr = download.stderr.take().unwrap();
        let log = std::io::read_to_string(stderr).unwrap();
        (download.wait().unwrap(), log)
    })
    .await
    .unwrap();
    assert!(
        status.0.success(),
        "download after a replica died:\n{}",
        status.1
    );
    assert_eq!(
        Sha256Digest::of(&std::fs::read(target.join("model.safetensors")).unwrap()),
        Sha256Digest::of(&std::fs::read(big.join("model.safetensors")).unwrap())
    );

    // Both replicas appended to one chain, and it verifies.
    let report = get_json_as(&client, &format!("{}/v1/audit/verify", b.url), &officer).await;
    assert_eq!(report["ok"], true, "{report}");
    drop(b);
}
