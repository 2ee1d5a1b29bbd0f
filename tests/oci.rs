//! The OCI registry (`/v2/`): the token flow, both views of a revision (a ModelPack artifact
//! whose layers are the signed files, a modelcar image whose tar layers unpack to them
//! under `models/`), the signature as a referrer, refusals in the spec's envelope with our
//! rule ids, and real clients: `skopeo` (Debian) copies both views into an OCI layout and
//! `oras` (PyPI) pulls the ModelPack view and its signature into a directory that the
//! OpenSSF reference verifier (`model_signing`) accepts.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::{output_of, spawn_app, spawn_app_with, Backend, TestApp};
use modelgate::domain::Role;

const TEXT: &str = "demo/llama-3.2-tiny";
const VISION: &str = "demo/llama-3.2-tiny-vision";

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The registry token for pulling `repository`, asked with `api_token` as the password.
async fn registry_token(app: &TestApp, api_token: &str, repository: &str) -> Value {
    let response = app
        .client
        .get(app.url("/v2/token"))
        .query(&[
            ("service", "modelgate"),
            ("scope", &format!("repository:{repository}:pull")),
        ])
        .basic_auth("anyone", Some(api_token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The pull token (the grant) for `repository`, asked with `api_token`.
async fn pull_token(app: &TestApp, api_token: &str, repository: &str) -> String {
    registry_token(app, api_token, repository).await["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The JSON answer of a registry `GET path` with `token`.
async fn registry_json(app: &TestApp, path: &str, token: &str) -> Value {
    registry_get(app, path, token).await.json().await.unwrap()
}

async fn registry_get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn first_error(body: &Value) -> (&str, &str) {
    (
        body["errors"][0]["code"].as_str().unwrap_or_default(),
        body["errors"][0]["message"].as_str().unwrap_or_default(),
    )
}

/// The signed manifest's files of the latest revision: path → SHA-256.
async fn signed_files(app: &TestApp, model: &str) -> HashMap<String, String> {
    let manifest: Value = app
        .get(&format!("/v1/models/{model}/manifest"))
        .await
        .json()
        .await
        .unwrap();
    manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn the_registry_serves_both_views_to_a_licensee_and_refuses_the_rest(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let us = app.licensed_api_token("dev@example.com", "US").await;

    // The base check sends clients to the token endpoint.
    let base = app.get("/v2/").await;
    assert_eq!(base.status(), 401);
    assert_eq!(
        base.headers()["docker-distribution-api-version"],
        "registry/2.0"
    );
    let challenge = base.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.starts_with(&format!(
            "Bearer realm=\"{}/v2/token\",service=\"",
            app.address
        )),
        "{challenge}"
    );
    let anonymous = app
        .get("/v2/token?scope=repository:demo/llama-3.2-tiny:pull")
        .await;
    assert_eq!(anonymous.status(), 401);
    let wrong = app
        .client
        .get(app.url("/v2/token"))
        .basic_auth("x", Some("mg_not-a-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    // A pull token is the grant of an allow, decided and audited like `POST …/access`.
    let answer = registry_token(&app, &us, TEXT).await;
    let token = answer["token"].as_str().unwrap().to_owned();
    assert_eq!(answer["access_token"], answer["token"]);
    assert!(answer["expires_in"].as_u64().unwrap() > 3600);
    assert_eq!(answer["modelgate"]["outcome"], "allow");
    assert!(answer["modelgate"]["decision_id"].is_string());
    assert_eq!(registry_get(&app, "/v2/", &token).await.status(), 200);

    // The ModelPack view: its layers are the signed files, by digest and path.
    let files = signed_files(&app, "demo/Llama-3.2-Tiny").await;
    let response = registry_get(&app, &format!("/v2/{TEXT}/manifests/latest"), &token).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    let digest = response.headers()["docker-content-digest"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.bytes().await.unwrap();
    assert_eq!(digest, format!("sha256:{}", sha256_hex(&body)));
    let modelpack: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        modelpack["artifactType"],
        "application/vnd.cncf.model.manifest.v1+json"
    );
    let layers = modelpack["layers"].as_array().unwrap();
    assert_eq!(layers.len(), files.len());
    for layer in layers {
        let path = layer["annotations"]["org.cncf.model.filepath"]
            .as_str()
            .unwrap();
        assert_eq!(layer["annotations"]["org.opencontainers.image.title"], path);
        assert_eq!(layer["digest"], format!("sha256:{}", files[path]));
    }
    // Its config says what the weights are, read from their safetensors headers.
    let config: Value = registry_json(
        &app,
        &format!(
            "/v2/{TEXT}/blobs/{}",
            modelpack["config"]["digest"].as_str().unwrap()
        ),
        &token,
    )
    .await;
    assert_eq!(config["config"]["format"], "safetensors", "{config}");
    assert!(config["config"]["paramSize"].is_string(), "{config}");
    assert!(config["config"]["precision"].is_string(), "{config}");
    assert_eq!(
        config["descriptor"]["licenses"],
        json!(["LicenseRef-llama-3.2"])
    );
    assert_eq!(
        config["modelfs"]["diffIds"].as_array().unwrap().len(),
        files.len()
    );
    // The same manifest by digest and by the revision's tag; HEAD says the same.
    let tags: Value = registry_json(&app, &format!("/v2/{TEXT}/tags/list"), &token).await;
    assert_eq!(tags["name"], TEXT);
    let tags: Vec<&str> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        tags.contains(&"latest") && tags.contains(&"latest-modelcar"),
        "{tags:?}"
    );
    let commit = tags.iter().find(|t| t.len() == 40).unwrap();
    for reference in [digest.as_str(), *commit] {
        let again = registry_get(&app, &format!("/v2/{TEXT}/manifests/{reference}"), &token).await;
        assert_eq!(again.status(), 200, "{reference}");
        assert_eq!(again.bytes().await.unwrap(), body);
    }
    let head = app
        .client
        .head(app.url(&format!("/v2/{TEXT}/manifests/latest")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["docker-content-digest"].to_str().unwrap(),
        digest
    );
    assert_eq!(
        head.headers()["content-length"].to_str().unwrap(),
        body.len().to_string()
    );
    // Paged tags: `n` and a `Link` to the rest.
    let paged = registry_get(&app, &format!("/v2/{TEXT}/tags/list?n=1"), &token).await;
    let link = paged.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        link.starts_with(&format!("</v2/{TEXT}/tags/list?n=1&last=")),
        "{link}"
    );
    // References the spec says are unknown or invalid.
    let unknown = registry_get(
        &app,
        &format!("/v2/{TEXT}/manifests/.INVALID_MANIFEST_NAME"),
        &token,
    )
    .await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        first_error(&unknown.json().await.unwrap()).0,
        "MANIFEST_UNKNOWN"
    );
    let invalid = registry_get(
        &app,
        &format!("/v2/{TEXT}/manifests/sha256:totallywrong"),
        &token,
    )
    .await;
    assert_eq!(invalid.status(), 400);
    let missing = registry_get(
        &app,
        &format!("/v2/{TEXT}/blobs/sha256:{}", sha256_hex(b"hello world")),
        &token,
    )
    .await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        first_error(&missing.json().await.unwrap()).0,
        "BLOB_UNKNOWN"
    );

    // A raw layer is the file; a range of it is a 206.
    let config = files
        .iter()
        .find(|(p, _)| p.as_str() == "config.json")
        .unwrap()
        .1
        .clone();
    let blob = registry_get(&app, &format!("/v2/{TEXT}/blobs/sha256:{config}"), &token).await;
    assert_eq!(blob.status(), 200);
    assert_eq!(
        blob.headers()["docker-content-digest"],
        format!("sha256:{config}").as_str()
    );
    assert!(blob.headers().contains_key("modelgate-audit-entry"));
    assert_eq!(sha256_hex(&blob.bytes().await.unwrap()), config);
    let ranged = app
        .client
        .get(app.url(&format!("/v2/{TEXT}/blobs/sha256:{config}")))
        .bearer_auth(&token)
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.bytes().await.unwrap().len(), 10);

    // The modelcar view: an image whose tar layers (their digests the config's diff_ids)
    // unpack to the same files under models/.
    let modelcar: Value = registry_json(
        &app,
        &format!("/v2/{TEXT}/manifests/latest-modelcar"),
        &token,
    )
    .await;
    let image_config: Value = registry_json(
        &app,
        &format!(
            "/v2/{TEXT}/blobs/{}",
            modelcar["config"]["digest"].as_str().unwrap()
        ),
        &token,
    )
    .await;
    assert_eq!(image_config["rootfs"]["type"], "layers");
    let mut unpacked = HashMap::new();
    for (layer, diff_id) in modelcar["layers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(image_config["rootfs"]["diff_ids"].as_array().unwrap())
    {
        assert_eq!(layer["mediaType"], "application/vnd.oci.image.layer.v1.tar");
        assert_eq!(&layer["digest"], diff_id);
        let bytes = registry_get(
            &app,
            &format!("/v2/{TEXT}/blobs/{}", layer["digest"].as_str().unwrap()),
            &token,
        )
        .await
        .bytes()
        .await
        .unwrap();
        assert_eq!(
            format!("sha256:{}", sha256_hex(&bytes)),
            layer["digest"].as_str().unwrap()
        );
        assert_eq!(bytes.len() as u64, layer["size"].as_u64().unwrap());
        unpack(&bytes, &mut unpacked);
    }
    assert_eq!(
        unpacked, files,
        "the modelcar holds every signed file under models/"
    );

    // The signature is a referrer of the ModelPack manifest; its layer is model.sig.
    let referrers = registry_get(&app, &format!("/v2/{TEXT}/referrers/{digest}"), &token).await;
    assert_eq!(referrers.status(), 200);
    assert_eq!(
        referrers.headers()["content-type"],
        "application/vnd.oci.image.index.v1+json"
    );
    let referrers: Value = referrers.json().await.unwrap();
    let signature = &referrers["manifests"][0];
    assert_eq!(
        signature["artifactType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    let signature: Value = registry_json(
        &app,
        &format!(
            "/v2/{TEXT}/manifests/{}",
            signature["digest"].as_str().unwrap()
        ),
        &token,
    )
    .await;
    assert_eq!(signature["subject"]["digest"], digest.as_str());
    let sig = registry_get(
        &app,
        &format!(
            "/v2/{TEXT}/blobs/{}",
            signature["layers"][0]["digest"].as_str().unwrap()
        ),
        &token,
    )
    .await
    .bytes()
    .await
    .unwrap();
    let published = app
        .get("/v1/models/demo/Llama-3.2-Tiny/model.sig")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(sig, published);

    // The token opens this repository only, and the registry is read-only.
    let other = registry_get(&app, &format!("/v2/{VISION}/manifests/latest"), &token).await;
    assert_eq!(other.status(), 401);
    assert!(other.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("error=\"insufficient_scope\""));
    let push = app
        .client
        .post(app.url(&format!("/v2/{TEXT}/blobs/uploads/")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(push.status(), 405);
    assert_eq!(first_error(&push.json().await.unwrap()).0, "UNSUPPORTED");

    // An EU-domiciled licensee: DENIED with the rule for the Vision model, the text model
    // works.
    let eu = app.licensed_api_token("eu@example.com", "DE").await;
    let refused = registry_token(&app, &eu, VISION).await;
    assert_eq!(refused["modelgate"]["outcome"], "deny");
    let denied = registry_get(
        &app,
        &format!("/v2/{VISION}/manifests/latest"),
        refused["token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(denied.status(), 403);
    let denied: Value = denied.json().await.unwrap();
    let (code, message) = first_error(&denied);
    assert_eq!(code, "DENIED");
    assert!(message.contains("eu.multimodal-withheld"), "{message}");
    assert_eq!(denied["errors"][0]["detail"]["outcome"], "deny");
    let eu_text = registry_token(&app, &eu, TEXT).await;
    assert_eq!(
        registry_get(
            &app,
            &format!("/v2/{TEXT}/manifests/latest"),
            eu_text["token"].as_str().unwrap()
        )
        .await
        .status(),
        200
    );

    // The catalog shows what the caller may pull.
    let catalog: Value =
        registry_json(&app, "/v2/_catalog", refused["token"].as_str().unwrap()).await;
    assert_eq!(catalog["repositories"], json!([TEXT]));
    let catalog: Value = registry_json(&app, "/v2/_catalog", &token).await;
    assert_eq!(catalog["repositories"], json!([TEXT, VISION]));

    // A terminated license revokes the registry token on its next request.
    let admin = app.account("admin@example.com", Role::Admin).await;
    let revoked = app.revoke_first_acceptance(&admin, "breach").await;
    assert!(revoked.status().is_success(), "{}", revoked.status());
    let after = registry_get(&app, &format!("/v2/{TEXT}/blobs/sha256:{config}"), &token).await;
    assert_eq!(after.status(), 403);
    let after: Value = after.json().await.unwrap();
    assert_eq!(first_error(&after).0, "DENIED");
    let after = registry_get(&app, &format!("/v2/{TEXT}/manifests/latest"), &token).await;
    assert_eq!(after.status(), 403);
}
on_each_backend!(the_registry_serves_both_views_to_a_licensee_and_refuses_the_rest);

/// Adds every file of a tar layer to `files` (path under `models/` → SHA-256).
fn unpack(layer: &[u8], files: &mut HashMap<String, String>) {
    let mut archive = tar::Archive::new(layer);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let path = path
            .strip_prefix("models/")
            .expect("under models/")
            .to_owned();
        files.insert(path, sha256_hex(&bytes));
    }
}

#[tokio::test]
async fn an_expired_registry_token_is_refused_and_a_modelcar_layer_costs_its_file() {
    let app = spawn_app_with(Backend::Sqlite, |settings| {
        settings.grants.downloads_per_blob = 2;
    })
    .await;
    app.publish_demo().await;
    let us = app.licensed_api_token("dev@example.com", "US").await;
    let token = pull_token(&app, &us, TEXT).await;
    // The tar layer of a file and the file itself draw on one allowance: two copies.
    let modelcar: Value = registry_json(
        &app,
        &format!("/v2/{TEXT}/manifests/latest-modelcar"),
        &token,
    )
    .await;
    let modelpack: Value =
        registry_json(&app, &format!("/v2/{TEXT}/manifests/latest"), &token).await;
    let (tar, raw) = (
        &modelcar["layers"][0]["digest"],
        &modelpack["layers"][0]["digest"],
    );
    for digest in [tar, raw] {
        let ok = registry_get(
            &app,
            &format!("/v2/{TEXT}/blobs/{}", digest.as_str().unwrap()),
            &token,
        )
        .await;
        assert_eq!(ok.status(), 200, "{digest}: {}", ok.text().await.unwrap());
        ok.bytes().await.unwrap();
    }
    let third = registry_get(
        &app,
        &format!("/v2/{TEXT}/blobs/{}", raw.as_str().unwrap()),
        &token,
    )
    .await;
    assert_eq!(third.status(), 403);
    let third: Value = third.json().await.unwrap();
    assert!(
        first_error(&third).1.contains("download-limit-reached"),
        "{third}"
    );

    // A token past its expiry is sent back for a new one.
    let keys = &app.state.session_keys;
    let mut claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    claims["exp"] = json!(claims["iat"].as_u64().unwrap() - 1000 + 1);
    claims["nbf"] = json!(claims["iat"].as_u64().unwrap() - 1000);
    let expired = keys.sign(&claims).unwrap();
    let refused = registry_get(&app, &format!("/v2/{TEXT}/manifests/latest"), &expired).await;
    assert_eq!(refused.status(), 401);
    let challenge = refused.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains("scope=\"repository:demo/llama-3.2-tiny:pull\""),
        "{challenge}"
    );
    assert_eq!(
        first_error(&refused.json().await.unwrap()).0,
        "UNAUTHORIZED"
    );
}

/// Fails the test unless `skopeo` runs.
fn require_skopeo() {
    let found = Command::new("skopeo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "this test needs skopeo: apt-get install skopeo (.ci/run installs it)"
    );
}

/// `skopeo copy` of `reference` into the OCI layout `dir`, with `api_token` as the password.
async fn skopeo_copy(
    app: &TestApp,
    reference: &str,
    dir: &Path,
    api_token: &str,
) -> std::process::Output {
    let host = app.address.trim_start_matches("http://");
    let mut command = Command::new("skopeo");
    command.args([
        "--insecure-policy",
        "copy",
        "--src-tls-verify=false",
        "--src-creds",
        &format!("anyone:{api_token}"),
        "--dest-oci-accept-uncompressed-layers",
        &format!("docker://{host}/{reference}"),
        &format!("oci:{}:pulled", dir.display()),
    ]);
    output_of(command).await
}

/// `oras pull` (the Python client) of `reference` from `host` into `out`, with `api_token` as
/// the password.
async fn oras_pull(host: &str, api_token: &str, reference: &str, out: &Path) {
    let script = format!(
        "import oras.client\n\
         client = oras.client.OrasClient(hostname={host:?}, insecure=True)\n\
         client.auth.set_basic_auth('anyone', {api_token:?})\n\
         client.pull(target={target:?}, outdir={out:?})\n",
        target = format!("{host}/{reference}"),
        out = out.display().to_string(),
    );
    let mut command = Command::new("python3");
    command.args(["-c", &script]);
    let pulled = output_of(command).await;
    assert!(
        pulled.status.success(),
        "{}",
        String::from_utf8_lossy(&pulled.stderr)
    );
}

/// The manifest and blobs of the image tagged `pulled` in the OCI layout `dir`.
fn layout_manifest(dir: &Path) -> Value {
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"].as_str().unwrap();
    serde_json::from_slice(&std::fs::read(layout_blob(dir, digest)).unwrap()).unwrap()
}

fn layout_blob(dir: &Path, digest: &str) -> std::path::PathBuf {
    dir.join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

async fn skopeo_and_oras_pull_both_views_intact(backend: Backend) {
    require_skopeo();
    crate::common::hf::require_python_modules("oras, model_signing");
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let us = app.licensed_api_token("dev@example.com", "US").await;
    let files = signed_files(&app, "demo/Llama-3.2-Tiny").await;

    // skopeo: the ModelPack view, every layer blob the signed file.
    let modelpack = tempfile::tempdir().unwrap();
    let copied = skopeo_copy(&app, &format!("{TEXT}:latest"), modelpack.path(), &us).await;
    assert!(
        copied.status.success(),
        "{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    let manifest = layout_manifest(modelpack.path());
    for layer in manifest["layers"].as_array().unwrap() {
        let path = layer["annotations"]["org.cncf.model.filepath"]
            .as_str()
            .unwrap();
        let bytes = std::fs::read(layout_blob(
            modelpack.path(),
            layer["digest"].as_str().unwrap(),
        ))
        .unwrap();
        assert_eq!(sha256_hex(&bytes), files[path], "{path}");
    }
    // skopeo: the modelcar view, its layers unpacking to the signed files.
    let modelcar = tempfile::tempdir().unwrap();
    let copied = skopeo_copy(
        &app,
        &format!("{TEXT}:latest-modelcar"),
        modelcar.path(),
        &us,
    )
    .await;
    assert!(
        copied.status.success(),
        "{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    let mut unpacked = HashMap::new();
    for layer in layout_manifest(modelcar.path())["layers"]
        .as_array()
        .unwrap()
    {
        let bytes = std::fs::read(layout_blob(
            modelcar.path(),
            layer["digest"].as_str().unwrap(),
        ))
        .unwrap();
        unpack(&bytes, &mut unpacked);
    }
    assert_eq!(unpacked, files);

    // oras: the ModelPack view into a directory, named by the layers' titles.
    let out = tempfile::tempdir().unwrap();
    let host = app.address.trim_start_matches("http://").to_owned();
    oras_pull(&host, &us, &format!("{TEXT}:latest"), out.path()).await;
    for (path, sha256) in &files {
        let bytes = std::fs::read(out.path().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(&sha256_hex(&bytes), sha256, "{path}");
    }
    // The signature referrer, pulled the same way, puts model.sig beside the files, and the
    // OpenSSF reference verifier accepts the pulled model.
    let registry = pull_token(&app, &us, TEXT).await;
    let latest = registry_get(&app, &format!("/v2/{TEXT}/manifests/latest"), &registry).await;
    let subject = latest.headers()["docker-content-digest"]
        .to_str()
        .unwrap()
        .to_owned();
    let referrers: Value =
        registry_json(&app, &format!("/v2/{TEXT}/referrers/{subject}"), &registry).await;
    let signature = referrers["manifests"][0]["digest"].as_str().unwrap();
    oras_pull(&host, &us, &format!("{TEXT}@{signature}"), out.path()).await;
    let key = out.path().join("publisher.pem");
    std::fs::write(
        &key,
        app.get("/v1/keys/publisher").await.bytes().await.unwrap(),
    )
    .unwrap();
    let model = tempfile::tempdir().unwrap();
    for path in files.keys().chain(["model.sig".to_owned()].iter()) {
        let target = model.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(out.path().join(path), target).unwrap();
    }
    let mut command = Command::new("model_signing");
    command
        .args(["verify", "key", "--signature"])
        .arg(model.path().join("model.sig"))
        .arg("--public_key")
        .arg(&key)
        .arg(model.path());
    let verified = output_of(command).await;
    assert!(
        verified.status.success(),
        "model_signing: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );

    // An EU-domiciled licensee: skopeo reports DENIED with the rule for the Vision model;
    // the text model copies.
    let eu = app.licensed_api_token("eu@example.com", "DE").await;
    let refused = tempfile::tempdir().unwrap();
    let copied = skopeo_copy(&app, &format!("{VISION}:latest"), refused.path(), &eu).await;
    assert!(!copied.status.success());
    let stderr = String::from_utf8_lossy(&copied.stderr);
    assert!(
        stderr.contains("denied") && stderr.contains("eu.multimodal-withheld"),
        "{stderr}"
    );
    let allowed = tempfile::tempdir().unwrap();
    let copied = skopeo_copy(&app, &format!("{TEXT}:latest"), allowed.path(), &eu).await;
    assert!(
        copied.status.success(),
        "{}",
        String::from_utf8_lossy(&copied.stderr)
    );
}
on_each_backend!(
    skopeo_and_oras_pull_both_views_intact,
    ignore = "needs skopeo, oras and model_signing (Python)"
);

/// A tar holding `entries` (path, bytes), as an operator would build a base layer.
fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o755);
        header.set_cksum();
        builder.append_data(&mut header, path, *bytes).unwrap();
    }
    builder.into_inner().unwrap()
}

#[tokio::test]
async fn a_configured_base_layer_starts_every_modelcar_image() {
    use modelgate::catalog::oci_views::store_base_layer;
    use modelgate::catalog::publish::{publish_dir, PublishRequest};
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    // A base that would put files where the model goes is refused.
    let clashing = dir.path().join("clash.tar");
    std::fs::write(&clashing, tar_of(&[("models/x", b"x")])).unwrap();
    let refused = store_base_layer(&app.state.blobs, clashing.to_str().unwrap()).await;
    assert!(refused.is_err(), "{refused:?}");
    let not_tar = dir.path().join("not.tar");
    std::fs::write(&not_tar, b"not a tar at all").unwrap();
    assert!(
        store_base_layer(&app.state.blobs, not_tar.to_str().unwrap())
            .await
            .is_err()
    );

    let base = dir.path().join("base.tar");
    std::fs::write(&base, tar_of(&[("bin/sh", b"#!a shell\n")])).unwrap();
    let base = store_base_layer(&app.state.blobs, base.to_str().unwrap())
        .await
        .unwrap()
        .expect("a base layer");
    let (_, models) = crate::common::demo_models();
    let text = &models[0];
    publish_dir(
        &app.state.db,
        &app.state.blobs,
        &app.key,
        &text.dir,
        PublishRequest {
            model: text.id.clone(),
            license: "llama-3.2".into(),
            modality: text.modality,
            modelcar_base: Some(base),
        },
        indicatif::ProgressBar::hidden(),
    )
    .await
    .unwrap();
    let us = app.licensed_api_token("dev@example.com", "US").await;
    let token = pull_token(&app, &us, TEXT).await;
    let modelcar: Value = registry_json(
        &app,
        &format!("/v2/{TEXT}/manifests/latest-modelcar"),
        &token,
    )
    .await;
    let layers = modelcar["layers"].as_array().unwrap();
    assert_eq!(layers[0]["digest"], base.digest.reference());
    let shell = registry_get(
        &app,
        &format!("/v2/{TEXT}/blobs/{}", base.digest.reference()),
        &token,
    )
    .await
    .bytes()
    .await
    .unwrap();
    let mut archive = tar::Archive::new(shell.as_ref());
    let names: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["bin/sh"]);
    let mut unpacked = HashMap::new();
    for layer in &layers[1..] {
        let bytes = registry_get(
            &app,
            &format!("/v2/{TEXT}/blobs/{}", layer["digest"].as_str().unwrap()),
            &token,
        )
        .await
        .bytes()
        .await
        .unwrap();
        unpack(&bytes, &mut unpacked);
    }
    assert_eq!(unpacked, signed_files(&app, "demo/Llama-3.2-Tiny").await);
    // The ModelPack view holds the model's files only.
    let modelpack: Value =
        registry_json(&app, &format!("/v2/{TEXT}/manifests/latest"), &token).await;
    assert_eq!(
        modelpack["layers"].as_array().unwrap().len(),
        layers.len() - 1
    );
}
