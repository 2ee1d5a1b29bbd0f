//! The real `huggingface_hub` client (`tests/hub/hf_client.py`, and the `hf` command line)
//! pointed at a gateway or mirror with `HF_ENDPOINT`, each run with a fresh cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use super::TestApp;

pub const TEXT: &str = "demo/Llama-3.2-Tiny";
pub const VISION: &str = "demo/Llama-3.2-Tiny-Vision";

/// Fails the test unless `huggingface_hub` can be imported.
pub fn require_hf_hub() {
    require_python_modules("huggingface_hub");
}

/// Fails the test unless python3 imports `modules` (comma-separated). Tests that call it
/// are `#[ignore]`d with the reason, so only a run that asks for them needs the modules.
pub fn require_python_modules(modules: &str) {
    let found = Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    let packages = modules.replace(',', "");
    assert!(
        found,
        "this test needs the Python modules {modules}: python3 -m pip install {packages} (.ci/run pins them)"
    );
}

/// One client configuration: endpoint, token and its own cache directory.
pub struct HfClient {
    pub endpoint: String,
    pub token: Option<String>,
    pub home: PathBuf,
    /// Extra request headers for `hf_client.py`.
    pub headers: Vec<(String, String)>,
    /// Where another line of `huggingface_hub` is installed (`PYTHONPATH`), if not the
    /// default one.
    pub python_path: Option<PathBuf>,
}

/// The environment variable naming the directory where `.ci/run` installs the 0.36 line of
/// `huggingface_hub` (`pip install --target`), the line transformers 4.x pins.
pub const LEGACY_LINE: &str = "MODELGATE_HF_LEGACY";

/// The directory of the 0.36 line; fails the test when it is not installed.
pub fn legacy_line() -> PathBuf {
    let dir = std::env::var(LEGACY_LINE).unwrap_or_default();
    assert!(
        !dir.is_empty() && Path::new(&dir).join("huggingface_hub").is_dir(),
        "this test needs huggingface_hub 0.36 in a directory named by {LEGACY_LINE}: \
         python3 -m pip install --target DIR huggingface_hub==0.36.0 (.ci/run does)"
    );
    PathBuf::from(dir)
}

impl HfClient {
    pub fn new(endpoint: &str, token: Option<&str>, home: &Path) -> Self {
        HfClient {
            endpoint: endpoint.to_owned(),
            token: token.map(str::to_owned),
            home: home.to_path_buf(),
            headers: Vec::new(),
            python_path: None,
        }
    }

    /// Runs the `huggingface_hub` installed in `dir` instead of the default one.
    pub fn on_line(mut self, dir: &Path) -> Self {
        self.python_path = Some(dir.to_path_buf());
        self
    }

    /// Sends `name: value` with every request (`hf_client.py` only).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("HF_ENDPOINT", &self.endpoint)
            .env("HF_HOME", &self.home)
            .env("HF_HUB_DISABLE_TELEMETRY", "1")
            .env("HF_HUB_DISABLE_UPDATE_CHECK", "1")
            .env_remove("HF_HUB_OFFLINE")
            .env_remove("HF_TOKEN");
        if let Some(token) = &self.token {
            command.env("HF_TOKEN", token);
        }
        if let Some(dir) = &self.python_path {
            command.env("PYTHONPATH", dir);
        }
        command
    }

    /// Runs `hf_client.py ARGS`; returns its exit code and the JSON it printed.
    pub async fn run(&self, args: &[&str]) -> (Option<i32>, serde_json::Value) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hub/hf_client.py");
        let mut command = self.command("python3");
        let headers: serde_json::Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        command
            .arg(script)
            .args(args)
            .env("HF_TEST_HEADERS", Value::Object(headers).to_string());
        let output = run(command).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let json = stdout
            .lines()
            .last()
            .and_then(|line| serde_json::from_str(line).ok())
            .unwrap_or_else(|| {
                panic!(
                    "hf_client.py printed no JSON: {stdout}\n{}",
                    String::from_utf8_lossy(&output.stderr)
                )
            });
        (output.status.code(), json)
    }

    /// Runs the `hf` command line (`python3 -m huggingface_hub.cli.hf ARGS`).
    pub async fn cli(&self, args: &[&str]) -> Output {
        let mut command = self.command("python3");
        command.args(["-m", "huggingface_hub.cli.hf"]).args(args);
        run(command).await
    }
}

async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// The signed manifest's files of `model`: path → SHA-256 hex, and the revision digest.
pub async fn manifest_files(app: &TestApp, model: &str) -> (BTreeMap<String, String>, String) {
    let response = app.get(&format!("/v1/models/{model}/manifest")).await;
    let revision = response.headers()["modelgate-revision"]
        .to_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_owned();
    let manifest: Value = response.json().await.unwrap();
    let files = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["sha256"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("sha256:")
                    .to_owned(),
            )
        })
        .collect();
    (files, revision)
}

fn files_of(answer: &Value) -> BTreeMap<String, String> {
    answer["files"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

/// `snapshot_download` and `hf_hub_download` of both models from `endpoint` match what
/// `app` signed.
pub async fn check_snapshots(app: &TestApp, endpoint: &str, token: &str) {
    for model in [TEXT, VISION] {
        let home = tempfile::tempdir().unwrap();
        let client = HfClient::new(endpoint, Some(token), home.path());
        let (want, revision) = manifest_files(app, model).await;
        let (code, answer) = client.run(&["snapshot", model]).await;
        assert_eq!(code, Some(0), "{answer}");
        assert_eq!(files_of(&answer), want, "{model}");
        // The snapshot is filed under the commit: the revision digest's first 40 digits.
        assert!(
            answer["path"].as_str().unwrap().ends_with(&revision[..40]),
            "{answer}"
        );
        let (code, info) = client.run(&["info", model]).await;
        assert_eq!(code, Some(0), "{info}");
        assert_eq!(info["sha"], &revision[..40]);
        assert_eq!(info["siblings"].as_array().unwrap().len(), want.len());
        let (path, sha) = want.iter().next().unwrap();
        let fresh = tempfile::tempdir().unwrap();
        let (code, one) = HfClient::new(endpoint, Some(token), fresh.path())
            .run(&["file", model, path])
            .await;
        assert_eq!(code, Some(0), "{one}");
        assert_eq!(one["sha256"], sha.as_str());
    }
}
