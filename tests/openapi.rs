//! The contract: the OpenAPI 3.1 document served at `GET /openapi.json` equals the reviewed
//! snapshot `tests/snapshots/openapi.json`, every operation it documents is routed, and (with
//! `openapi-spec-validator` from PyPI) it is a valid OpenAPI 3.1 document.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::common::{spawn_app, Backend, TestApp};

/// The environment variable that makes `the_document_matches_its_snapshot` write the
/// snapshot instead of comparing with it.
const UPDATE: &str = "MODELGATE_UPDATE_SNAPSHOTS";
const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json")
}

async fn served_document(app: &TestApp) -> Value {
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("application/json"), "{kind}");
    response.json().await.unwrap()
}

/// The keys of `section` in either document whose values differ (added, removed or changed).
fn differing_keys(served: &Value, snapshot: &Value, section: &[&str]) -> Vec<String> {
    let at = |doc: &Value| {
        section
            .iter()
            .try_fold(doc, |value, key| value.get(key))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (served, snapshot) = (at(served), at(snapshot));
    let keys: BTreeSet<&String> = served.keys().chain(snapshot.keys()).collect();
    keys.into_iter()
        .filter(|key| served.get(*key) != snapshot.get(*key))
        .map(
            |key| match (served.contains_key(key), snapshot.contains_key(key)) {
                (true, false) => format!("{key} (added)"),
                (false, true) => format!("{key} (removed)"),
                _ => format!("{key} (changed)"),
            },
        )
        .collect()
}

/// What differs between the served document and the snapshot, section by section.
fn describe_difference(served: &Value, snapshot: &Value) -> String {
    let mut lines = Vec::new();
    let paths = differing_keys(served, snapshot, &["paths"]);
    if !paths.is_empty() {
        lines.push(format!("paths: {}", paths.join(", ")));
    }
    let kinds: BTreeSet<String> = [served, snapshot]
        .iter()
        .filter_map(|doc| doc.get("components").and_then(Value::as_object))
        .flat_map(|components| components.keys().cloned())
        .collect();
    for kind in kinds {
        let changed = differing_keys(served, snapshot, &["components", &kind]);
        if !changed.is_empty() {
            lines.push(format!("components.{kind}: {}", changed.join(", ")));
        }
    }
    let others: Vec<String> = differing_keys(served, snapshot, &[])
        .into_iter()
        .filter(|key| !key.starts_with("paths ") && !key.starts_with("components "))
        .collect();
    if !others.is_empty() {
        lines.push(format!("top level: {}", others.join(", ")));
    }
    lines.join("\n  ")
}

#[tokio::test]
async fn the_document_matches_its_snapshot() {
    let app = spawn_app(Backend::Sqlite).await;
    let served = served_document(&app).await;
    let path = snapshot_path();
    if std::env::var(UPDATE).is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = serde_json::to_string_pretty(&served).unwrap();
        std::fs::write(&path, format!("{text}\n")).unwrap();
        return;
    }
    let update = format!(
        "if the change of contract is intended, run `{UPDATE}=1 cargo test --test main \
         openapi::the_document_matches_its_snapshot` and review the diff of \
         tests/snapshots/openapi.json"
    );
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}; {update}", path.display()));
    let snapshot: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}; {update}", path.display()));
    assert!(
        served == snapshot,
        "GET /openapi.json differs from tests/snapshots/openapi.json:\n  {}\n{update}",
        describe_difference(&served, &snapshot)
    );
}

/// Plausible values for the path parameters of the documented routes: the published text
/// model, its first file and that file's digest (so that `HEAD` routes answer something
/// other than 404, see below).
struct PathValues {
    org: String,
    name: String,
    file: String,
    digest: String,
}

impl PathValues {
    fn fill(&self, template: &str) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            let end = start + rest[start..].find('}').expect("a closed path parameter");
            out.push_str(&rest[..start]);
            out.push_str(match &rest[start + 1..end] {
                "org" => &self.org,
                "name" => &self.name,
                "rev" => "main",
                "path" => &self.file,
                "reference" => &self.digest,
                _ => "0b6e7a3e-not-a-real-id",
            });
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// Whether `response` is the router's fallback: 404 with the code `not-found` and the
/// message `no such route` (a handler's 404 names what it did not find).
async fn is_fallback(response: reqwest::Response) -> bool {
    if response.status() != 404 {
        return false;
    }
    let body: Value = response.json().await.unwrap_or(Value::Null);
    body["error"]["code"] == "not-found" && body["error"]["message"] == "no such route"
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = spawn_app(Backend::Sqlite).await;
    let (text, _) = app.publish_demo().await;
    let document = served_document(&app).await;
    let values = PathValues {
        org: text.manifest.model.org().to_owned(),
        name: text.manifest.model.name().to_owned(),
        file: text.manifest.files[0].path.as_str().to_owned(),
        digest: format!("sha256:{}", text.manifest.files[0].sha256.hex()),
    };
    // The probe must see each route's own answer, not where a redirect leads.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let fallback = client
        .get(app.url("/no/such/route/at/all/here"))
        .send()
        .await
        .unwrap();
    assert!(is_fallback(fallback).await, "the fallback's answer changed");

    let paths = document["paths"].as_object().expect("paths");
    let mut unrouted = Vec::new();
    let mut operations = 0;
    for (template, item) in paths {
        let url = app.url(&values.fill(template));
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            operations += 1;
            let request = client.request(method.to_uppercase().parse().unwrap(), &url);
            let response = request.send().await.unwrap();
            let status = response.status();
            // A HEAD answer has no body to tell the fallback from a handler's 404; the
            // values above name things that exist, so a routed HEAD never answers 404.
            let missing = if *method == "head" {
                status == 404
            } else {
                is_fallback(response).await
            };
            if missing {
                unrouted.push(format!(
                    "{} {template} ({url}: {status})",
                    method.to_uppercase()
                ));
            }
        }
    }
    assert!(operations > 0, "the document lists no operations");
    assert!(
        unrouted.is_empty(),
        "documented but answered by the router's fallback (no such route):\n  {}",
        unrouted.join("\n  ")
    );
}

#[tokio::test]
#[ignore = "needs openapi-spec-validator (pip)"]
async fn the_document_is_valid_openapi_3_1() {
    let module = Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        module,
        "this test needs the Python module openapi_spec_validator: python3 -m pip install \
         openapi-spec-validator (.ci/run pins it)"
    );
    let app = spawn_app(Backend::Sqlite).await;
    let document = served_document(&app).await;
    let version = document["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1."), "OpenAPI {version}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&document).unwrap()).unwrap();
    let output = Command::new("python3")
        .args(["-m", "openapi_spec_validator", "--schema", "3.1"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openapi-spec-validator rejects the document:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
