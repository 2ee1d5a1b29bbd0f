//! The catalog API: health, models, revisions, manifests, signatures and the publisher key.

use crate::common;
use crate::common::{error_code, spawn_app, Backend};
use modelgate::domain::Sha256Digest;
use modelgate::store::signing::{verify_bundle, PublicKey};

async fn health_and_readiness_answer_and_unknown_routes_get_the_error_envelope(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["checks"]["database"], true);
    let missing = app.get("/v1/nothing-here").await;
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().contains_key("x-request-id"));
    assert_eq!(error_code(missing).await, "not-found");
}
on_each_backend!(health_and_readiness_answer_and_unknown_routes_get_the_error_envelope);

async fn catalog_lists_both_demo_models_with_modality_license_and_files(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let (text, vision) = app.publish_demo().await;
    let body: serde_json::Value = app.get("/v1/models").await.json().await.unwrap();
    let models = body["models"].as_array().unwrap();
    assert_eq!(models.len(), 2, "{backend:?}");
    assert_eq!(models[0]["id"], "demo/Llama-3.2-Tiny");
    assert_eq!(models[0]["modality"], "text");
    assert_eq!(models[1]["modality"], "multimodal");
    assert_eq!(models[0]["latest_revision"], text.revision.hex());
    assert_eq!(models[1]["latest_revision"], vision.revision.hex());
    assert_eq!(
        body["publisher_key_fingerprint"],
        app.key.public().fingerprint()
    );

    let detail: serde_json::Value = app
        .get("/v1/models/demo/Llama-3.2-Tiny-Vision")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["license"], "llama-3.2");
    let files = detail["revisions"][0]["files"].as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    for expected in [
        "config.json",
        "model.safetensors.index.json",
        "tokenizer.json",
        "model-00001-of-00004.safetensors",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert!(files
        .iter()
        .all(|f| f["sha256"].as_str().unwrap().len() == 64 && f["size"].as_u64().unwrap() > 0));
}
on_each_backend!(catalog_lists_both_demo_models_with_modality_license_and_files);

async fn manifest_and_signature_are_served_bound_to_the_revision_and_verify(backend: Backend) {
    let app = spawn_app(backend).await;
    let (text, _) = app.publish_demo().await;
    let manifest = app.get("/v1/models/demo/Llama-3.2-Tiny/manifest").await;
    assert_eq!(
        manifest.headers()["modelgate-revision"],
        text.revision.hex().as_str()
    );
    let bytes = manifest.bytes().await.unwrap();
    assert_eq!(
        Sha256Digest::of(&bytes),
        text.revision,
        "revision digest = sha256 of the served manifest"
    );

    let key_response = app.get("/v1/keys/publisher").await;
    let fingerprint = key_response.headers()["modelgate-key-fingerprint"]
        .to_str()
        .unwrap()
        .to_string();
    let key = PublicKey::from_pem(&key_response.text().await.unwrap()).unwrap();
    assert_eq!(fingerprint, key.fingerprint());

    let sig = app
        .get(&format!(
            "/v1/models/demo/Llama-3.2-Tiny/model.sig?revision=sha256:{}",
            text.revision
        ))
        .await;
    assert_eq!(sig.status(), 200);
    let statement = verify_bundle(&sig.bytes().await.unwrap(), &key).unwrap();
    let facts = statement.modelgate.unwrap();
    assert_eq!(facts.manifest_digest, text.revision);
    assert_eq!(facts.model.to_string(), "demo/Llama-3.2-Tiny");
    assert_eq!(statement.files.len(), text.manifest.files.len());
}
on_each_backend!(manifest_and_signature_are_served_bound_to_the_revision_and_verify);

#[tokio::test]
async fn the_policy_in_force_is_readable_with_its_digest_rules_and_regions() {
    let app = spawn_app(common::Backend::Sqlite).await;
    let body: serde_json::Value = app.get("/v1/policy").await.json().await.unwrap();
    assert_eq!(body["digest"], app.state.policy.get().digest().reference());
    let eu = body["regions"]["EU"].as_array().unwrap();
    assert_eq!(eu.len(), 34);
    assert!(eu.contains(&serde_json::json!("GR")) && !eu.contains(&serde_json::json!("CH")));
    let rule = body["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "eu.multimodal-withheld")
        .unwrap();
    assert!(rule["reason"].as_str().unwrap().contains("multimodal"));
}

#[tokio::test]
async fn unknown_models_revisions_and_bad_ids_get_stable_codes() {
    let app = spawn_app(common::Backend::Sqlite).await;
    app.publish_demo().await;
    let unknown = app.get("/v1/models/demo/nope").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(error_code(unknown).await, "model-not-found");
    let revision = app
        .get(&format!(
            "/v1/models/demo/Llama-3.2-Tiny/manifest?revision={}",
            "ab".repeat(32)
        ))
        .await;
    assert_eq!(revision.status(), 404);
    assert_eq!(error_code(revision).await, "revision-not-found");
    let bad_revision = app
        .get("/v1/models/demo/Llama-3.2-Tiny/manifest?revision=xyz")
        .await;
    assert_eq!(bad_revision.status(), 400);
    assert_eq!(error_code(bad_revision).await, "invalid-digest");
    let bad_id = app.get("/v1/models/demo/-bad").await;
    assert_eq!(bad_id.status(), 400);
    assert_eq!(error_code(bad_id).await, "invalid-model-id");
    let unknown_param = app
        .get("/v1/models/demo/Llama-3.2-Tiny/manifest?rev=1")
        .await;
    assert_eq!(unknown_param.status(), 400);
    assert_eq!(error_code(unknown_param).await, "bad-request");
}
