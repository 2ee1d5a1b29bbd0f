//! Reference inference on the demo text model: validation vectors recorded at publish and
//! signed, checks that pass on the published weights and fail, naming the cause, on
//! altered copies; the validate and generate endpoints under the policy, with limits;
//! `modelgate validate` on a downloaded copy; logits against Hugging Face `transformers`.

use std::path::Path;

use crate::common;
use crate::common::inference::{
    copy_of, download_with_cli, failed_checks, load, python, require_torch, scale_tensor, shards,
    validate_dir, validate_with_cli,
};
use crate::common::{demo_models, error_code, spawn_app, spawn_app_with, Backend};
use modelgate::inference::model::Model;
use modelgate::store::signing::PublisherKey;
use modelgate::store::validation::ValidationRecord;
use serde_json::{json, Value};

const TEXT: &str = "demo/Llama-3.2-Tiny";
const VISION: &str = "demo/Llama-3.2-Tiny-Vision";

fn text_dir() -> &'static Path {
    &demo_models().1[0].dir
}

/// The record `modelgate publish` makes for the demo model.
fn published_record() -> ValidationRecord {
    common::inference::published_record(text_dir())
}

/// `POST /v1/models/{model}/validate` as `token`.
async fn validate_on(app: &common::TestApp, model: &str, token: &str) -> reqwest::Response {
    app.post_json(
        &format!("/v1/models/{model}/validate"),
        Some(token),
        &json!({}),
    )
    .await
}

#[test]
fn outputs_are_deterministic_across_loads_and_runs() {
    let record = published_record();
    let (_, first) = load(text_dir());
    let (_, second) = load(text_dir());
    for vector in &record.sequences {
        let a = first.next_token_logits(&vector.tokens, None).unwrap();
        let b = first.next_token_logits(&vector.tokens, None).unwrap();
        let c = second.next_token_logits(&vector.tokens, None).unwrap();
        assert_eq!(a, b, "two runs of one load");
        assert_eq!(a, c, "two loads");
        assert_eq!(a.len(), 528);
    }
    assert_eq!(published_record(), {
        let (checkpoint, model) = load(text_dir());
        modelgate::inference::vectors::record(&checkpoint, &model).unwrap()
    });
}

#[test]
fn validation_passes_on_the_published_weights() {
    let record = published_record();
    assert_eq!(record.sequences.len(), 4);
    assert!(record
        .sequences
        .iter()
        .all(|s| s.top_k.len() == 5 && s.tokens[0] == 512));
    assert!(!record.continuation.tokens.is_empty());
    assert_eq!(
        record.tensors.len(),
        1 + 4 * 9 + 1,
        "embeddings, 4 layers, final norm"
    );
    let copy = copy_of(text_dir());
    let report = validate_dir(copy.path(), &record);
    assert!(report.passed, "{:?}", failed_checks(&report));
    let names: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "tensors",
            "sequence:greeting",
            "sequence:geography",
            "sequence:code",
            "sequence:sequence",
            "continuation",
            "tokenizer"
        ]
    );
}

#[test]
fn a_scaled_tensor_fails_validation_and_is_named() {
    let record = published_record();
    let copy = copy_of(text_dir());
    let tensor = "model.layers.2.mlp.down_proj.weight";
    scale_tensor(copy.path(), tensor, 4.0);
    let report = validate_dir(copy.path(), &record);
    assert!(!report.passed);
    let failed = failed_checks(&report);
    let tensors = failed
        .iter()
        .find(|(name, _)| name == "tensors")
        .expect("tensors check fails");
    assert!(
        tensors.1.contains(tensor) && tensors.1.contains("x4.0000"),
        "{}",
        tensors.1
    );
    assert!(
        failed.iter().any(|(name, _)| name.starts_with("sequence:")),
        "the outputs move too: {failed:?}"
    );
}

#[test]
fn swapped_shards_fail_validation_and_say_so() {
    let record = published_record();
    let copy = copy_of(text_dir());
    let shards = shards(copy.path());
    assert!(shards.len() >= 2, "the demo model is sharded");
    let parked = copy.path().join("parked");
    std::fs::rename(&shards[0], &parked).unwrap();
    std::fs::rename(&shards[1], &shards[0]).unwrap();
    std::fs::rename(&parked, &shards[1]).unwrap();
    let report = validate_dir(copy.path(), &record);
    let failed = failed_checks(&report);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, "checkpoint");
    assert!(
        failed[0].1.contains("swapped or renamed"),
        "{}",
        failed[0].1
    );
}

#[test]
fn a_truncated_shard_fails_validation_and_is_named() {
    let record = published_record();
    let copy = copy_of(text_dir());
    let last = shards(copy.path()).pop().unwrap();
    let bytes = std::fs::read(&last).unwrap();
    std::fs::write(&last, &bytes[..bytes.len() - 1000]).unwrap();
    let report = validate_dir(copy.path(), &record);
    let failed = failed_checks(&report);
    assert_eq!(failed.len(), 1, "{failed:?}");
    let name = last.file_name().unwrap().to_str().unwrap();
    assert!(
        failed[0].1.contains(name) && failed[0].1.contains("truncated"),
        "{}",
        failed[0].1
    );
}

async fn publishing_signs_the_vectors_and_the_endpoints_run_under_the_policy(backend: Backend) {
    let app = spawn_app(backend).await;
    let (text, vision) = app.publish_demo().await;
    let record = text
        .manifest
        .validation
        .clone()
        .expect("text model has vectors");
    assert_eq!(
        record,
        published_record(),
        "publish records the same vectors"
    );
    let vision_record = vision
        .manifest
        .validation
        .clone()
        .expect("Vision has vectors");
    assert_eq!(vision_record.architecture, "MllamaForConditionalGeneration");
    let signed =
        modelgate::store::signing::verify_bundle(text.signature.as_bytes(), &app.key.public())
            .unwrap();
    let signed: ValidationRecord =
        serde_json::from_value(signed.modelgate.unwrap().validation.unwrap()).unwrap();
    assert_eq!(signed, record);

    // Outside the EU, a licensee validates the stored shards.
    let us = app.licensed_user("us@example.org", "US").await;
    let response = validate_on(&app, TEXT, &us).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["passed"], true, "{report}");
    assert_eq!(report["checks"].as_array().unwrap().len(), 7);
    assert!(report["checks"][1]["expected"]["top_k"].is_array());
    assert!(report["checks"][1]["elapsed_ms"].as_f64().is_some());

    // The Vision model is EU-restricted for validation and generation; open elsewhere.
    let fr = app.licensed_user("fr@example.org", "FR").await;
    let response = validate_on(&app, VISION, &fr).await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error"]["details"]["decision"]["reasons"][0]["policy"], "eu.multimodal-withheld",
        "{body}"
    );
    let response = app
        .post_json(
            &format!("/v1/models/{VISION}/generate"),
            Some(&fr),
            &json!({"prompt": "hi"}),
        )
        .await;
    assert_eq!(error_code(response).await, "access-denied");
    let response = validate_on(&app, VISION, &us).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["passed"], true, "{report}");

    // The text model stays open to EU licensees who accepted; not without acceptance.
    let response = app
        .post_json(
            &format!("/v1/models/{TEXT}/generate"),
            Some(&fr),
            &json!({"prompt": "Once upon a time", "max_tokens": 8}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let fresh = app
        .account("new@example.org", modelgate::domain::Role::User)
        .await;
    app.attest(&fresh, "US").await;
    let response = validate_on(&app, TEXT, &fresh).await;
    assert_eq!(response.status(), 403);
    let response = app
        .post_json(&format!("/v1/models/{TEXT}/validate"), None, &json!({}))
        .await;
    assert_eq!(response.status(), 401);

    // Every decision and every run is in the audit trail.
    let admin = app
        .account("admin@example.org", modelgate::domain::Role::Compliance)
        .await;
    let events: Value = app
        .get_auth_json("/v1/audit/events?limit=200", &admin)
        .await;
    let events = events["events"].as_array().unwrap();
    let actions: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["kind"] == "policy.decision")
        .map(|e| {
            (
                e["data"]["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(actions.contains(&("validate", "allow")), "{actions:?}");
    assert!(actions.contains(&("validate", "deny")), "{actions:?}");
    assert!(actions.contains(&("generate", "deny")), "{actions:?}");
    assert!(actions.contains(&("generate", "allow")), "{actions:?}");
    let runs: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["kind"].as_str().unwrap().starts_with("inference."))
        .map(|e| (e["kind"].as_str().unwrap(), e["outcome"].as_str().unwrap()))
        .collect();
    assert!(
        runs.contains(&("inference.validated", "passed")),
        "{runs:?}"
    );
    assert!(
        runs.contains(&("inference.generated", "completed")),
        "{runs:?}"
    );
    let verified = app.get_auth_json("/v1/audit/verify", &admin).await;
    assert_eq!(
        verified["ok"], true,
        "the chain with inference events verifies: {verified}"
    );

    // Asking for `generate` decides and records, but hands out no download grant.
    let response = app
        .access(&us, TEXT, None, Some(json!({"action": "generate"})))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["outcome"], "allow");
    assert!(
        body.get("grant").is_none() && body.get("files").is_none(),
        "{body}"
    );
}
on_each_backend!(publishing_signs_the_vectors_and_the_endpoints_run_under_the_policy);

#[tokio::test]
async fn a_damaged_stored_shard_is_a_failed_report_and_audited() {
    let app = spawn_app(Backend::Sqlite).await;
    let (text, _) = app.publish_demo().await;
    let user = app.licensed_user("dev@example.org", "CA").await;
    let shard = text
        .manifest
        .files
        .iter()
        .rfind(|f| f.path.as_str().ends_with(".safetensors"))
        .unwrap();
    let blob = modelgate::store::local::LocalBlobs::open(&app.state.settings.storage.blob_dir())
        .unwrap()
        .path_of(&shard.sha256);
    let bytes = std::fs::read(&blob).unwrap();
    std::fs::write(&blob, &bytes[..bytes.len() / 2]).unwrap();
    let response = validate_on(&app, TEXT, &user).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["passed"], false);
    assert_eq!(report["failed"], json!(["checkpoint"]));
    let message = report["checks"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(shard.path.as_str()) && message.contains("truncated"),
        "{message}"
    );
    let admin = app
        .account("audit@example.org", modelgate::domain::Role::Compliance)
        .await;
    let events = app
        .get_auth_json("/v1/audit/events?kind=inference.validated", &admin)
        .await;
    assert_eq!(events["events"][0]["outcome"], "failed");
    assert_eq!(events["events"][0]["data"]["failed"], json!(["checkpoint"]));
}

#[tokio::test]
async fn generate_is_greedy_or_seeded_and_streams_server_sent_events() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let user = app.licensed_user("dev@example.org", "CA").await;
    let path = format!("/v1/models/{TEXT}/generate");
    let ask = |body: Value| {
        let (app, path, user) = (&app, &path, &user);
        async move {
            let response = app.post_json(path, Some(user), &body).await;
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    let greedy = ask(
        json!({"prompt": "Once upon a time, in a small village by the sea,", "max_tokens": 16}),
    )
    .await;
    let record = published_record();
    let tokens: Vec<u32> = serde_json::from_value(greedy["tokens"].clone()).unwrap();
    assert_eq!(
        tokens, record.continuation.tokens,
        "greedy generate is the recorded continuation"
    );
    assert_eq!(greedy["text"], record.continuation.text);
    assert_eq!(
        greedy["prompt_tokens"],
        record.continuation.prompt_tokens.len()
    );

    let sampled = |seed: u64| {
        ask(
            json!({"prompt": "Hello", "max_tokens": 24, "temperature": 1.0, "top_p": 0.95, "seed": seed}),
        )
    };
    let (a, b, c) = (sampled(7).await, sampled(7).await, sampled(8).await);
    assert_eq!(a["text"], b["text"], "same seed, same text");
    assert_ne!(a["tokens"], c["tokens"], "another seed, another sample");
    assert_eq!(a["completion_tokens"], 24);
    assert_eq!(a["finish_reason"], "length");

    let response = app
        .client
        .post(app.url(&path))
        .bearer_auth(&user)
        .header("accept", "text/event-stream")
        .json(&json!({"prompt": "Hello", "max_tokens": 24, "temperature": 1.0, "top_p": 0.95, "seed": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let stream = response.text().await.unwrap();
    let events: Vec<(&str, Value)> = stream
        .split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            let (event, data) = e.split_once('\n').unwrap();
            (
                event.strip_prefix("event: ").unwrap(),
                serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap(),
            )
        })
        .collect();
    let (last, done) = events.last().unwrap();
    assert_eq!(*last, "done");
    let streamed: String = events
        .iter()
        .filter(|(e, _)| *e == "token")
        .map(|(_, d)| d["text"].as_str().unwrap())
        .collect();
    assert!(events.len() > 2);
    assert_eq!(streamed, done["text"].as_str().unwrap());
    assert_eq!(
        done["text"], a["text"],
        "streaming does not change the sample"
    );

    for (body, status, code) in [
        (
            json!({"prompt": "Hi", "max_tokens": 100000}),
            400,
            "too-many-tokens",
        ),
        (
            json!({"prompt": "Hi", "temperature": -1}),
            400,
            "bad-request",
        ),
        (json!({"prompt": "Hi", "top_p": 0}), 400, "bad-request"),
        (json!({"max_tokens": 4}), 400, "bad-request"),
        (
            json!({"prompt": "x".repeat(70_000)}),
            413,
            "payload-too-large",
        ),
    ] {
        let response = app.post_json(&path, Some(&user), &body).await;
        assert_eq!(response.status(), status, "{body}");
        assert_eq!(error_code(response).await, code);
    }
}

#[tokio::test]
async fn limits_give_clear_errors() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.inference.max_prompt_tokens = 8;
        s.inference.max_new_tokens = 4;
    })
    .await;
    app.publish_demo().await;
    let user = app.licensed_user("dev@example.org", "CA").await;
    let path = format!("/v1/models/{TEXT}/generate");
    let response = app
        .post_json(
            &path,
            Some(&user),
            &json!({"prompt": "one two three four five six seven eight nine ten"}),
        )
        .await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "prompt-too-long");
    assert_eq!(body["error"]["details"]["limit"], 8);
    let response = app
        .post_json(
            &path,
            Some(&user),
            &json!({"prompt": "Hi", "max_tokens": 5}),
        )
        .await;
    assert_eq!(error_code(response).await, "too-many-tokens");
    let response = app
        .post_json(&path, Some(&user), &json!({"prompt": "Hi"}))
        .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["completion_tokens"], 4,
        "the default is capped by the limit"
    );
    // On the CPU, validation computes in f32 like generation: it reuses the cached model.
    let (checkpoint, _) = load(text_dir());
    let model_bytes = checkpoint.parameter_count() * 4;
    assert_eq!(validate_on(&app, TEXT, &user).await.status(), 200);
    assert_eq!(app.state.inference.cached_bytes(), model_bytes);

    // The cache holds what its budget allows: one demo model of two, then none at all.
    let budget = model_bytes * 3 / 2;
    let small = spawn_app_with(Backend::Sqlite, |s| s.inference.cache_budget_bytes = budget).await;
    small.publish_demo().await;
    small
        .publish(
            text_dir(),
            "demo/Llama-3.2-Tiny-Copy",
            modelgate::domain::Modality::Text,
        )
        .await;
    let user = small.licensed_user("dev@example.org", "CA").await;
    for model in [TEXT, "demo/Llama-3.2-Tiny-Copy", TEXT] {
        let response = validate_on(&small, model, &user).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            small.state.inference.cached_bytes(),
            model_bytes,
            "one model cached after {model}"
        );
    }
    let tiny = spawn_app_with(Backend::Sqlite, |s| {
        s.inference.cache_budget_bytes = model_bytes / 2
    })
    .await;
    tiny.publish_demo().await;
    let user = tiny.licensed_user("dev@example.org", "CA").await;
    let response = validate_on(&tiny, TEXT, &user).await;
    assert_eq!(response.status(), 507);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "inference-over-budget");
    assert_eq!(body["error"]["details"]["needed_bytes"], model_bytes);

    let stalled = spawn_app_with(Backend::Sqlite, |s| s.inference.timeout_secs = 0).await;
    stalled.publish_demo().await;
    let user = stalled.licensed_user("dev@example.org", "CA").await;
    let response = validate_on(&stalled, TEXT, &user).await;
    assert_eq!(response.status(), 504);
    assert_eq!(error_code(response).await, "inference-timeout");
}

#[tokio::test]
async fn validate_passes_on_a_downloaded_copy_and_fails_on_an_altered_one() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let user = app.licensed_user("dev@example.org", "CA").await;
    let work = tempfile::tempdir().unwrap();
    let dir = download_with_cli(&app, TEXT, &user, work.path()).await;
    let validate = |dir: &Path| validate_with_cli(work.path(), dir);
    let passed = validate(&dir);
    let stdout = String::from_utf8_lossy(&passed.stdout);
    assert!(
        passed.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&passed.stderr)
    );
    assert!(
        stdout.contains("PASS sequence:greeting") && stdout.contains("OK: 7 checks passed"),
        "{stdout}"
    );

    scale_tensor(&dir, "model.layers.0.self_attn.v_proj.weight", 0.5);
    let failed = validate(&dir);
    assert_eq!(failed.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&failed.stdout);
    assert!(
        stdout.contains("FAIL tensors")
            && stdout.contains("model.layers.0.self_attn.v_proj.weight"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&failed.stderr).contains("checks failed"));

    // A signature by another key is refused before anything runs.
    let other = PublisherKey::load_or_generate(&work.path().join("other")).unwrap();
    std::fs::write(work.path().join("publisher.pem"), other.public().pem()).unwrap();
    let refused = validate(&dir);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("does not verify"));
}

/// The largest difference between our logits and transformers' on `dir`, for the
/// published vectors' sequences, after checking the greedy continuations agree.
fn max_difference_from_transformers(dir: &Path, model: &Model) -> f32 {
    let record = published_record();
    let request = json!({
        "sequences": record.sequences.iter().map(|s| &s.tokens).collect::<Vec<_>>(),
        "prompt": record.continuation.prompt_tokens,
        "new_tokens": record.continuation.tokens.len(),
    });
    let reference: Value = serde_json::from_slice(&python(
        "llama_reference.py",
        &[dir.as_os_str()],
        &request.to_string(),
    ))
    .unwrap();
    assert_eq!(reference["architecture"], "LlamaForCausalLM");
    let mut max_diff = 0f32;
    for (vector, expected) in record
        .sequences
        .iter()
        .zip(reference["logits"].as_array().unwrap())
    {
        let ours = model.next_token_logits(&vector.tokens, None).unwrap();
        let theirs: Vec<f32> = serde_json::from_value(expected.clone()).unwrap();
        assert_eq!(ours.len(), theirs.len());
        for (a, b) in ours.iter().zip(&theirs) {
            max_diff = max_diff.max((a - b).abs());
        }
    }
    let continuation: Vec<u32> = serde_json::from_value(reference["continuation"].clone()).unwrap();
    let ours = modelgate::inference::vectors::greedy_continuation(
        model,
        &record.continuation.prompt_tokens,
        None,
        record.continuation.tokens.len(),
    )
    .unwrap();
    assert_eq!(continuation, ours, "greedy continuations agree");
    max_diff
}

#[test]
#[ignore = "needs PyTorch, transformers and Pillow (Python)"]
fn logits_match_hugging_face_transformers() {
    require_torch();
    let (_, model) = load(text_dir());
    let max_diff = max_difference_from_transformers(text_dir(), &model);
    eprintln!("demo model: max |logit difference| against transformers: {max_diff:e}");
    assert!(max_diff < 1e-4, "max |diff| {max_diff}");
}

#[test]
#[ignore = "needs PyTorch, transformers and Pillow (Python)"]
fn checkpoints_saved_by_transformers_load_unchanged() {
    require_torch();
    // transformers 5 writes `rope_parameters` and `dtype`; untied embeddings, sharded.
    let dir = tempfile::tempdir().unwrap();
    let tokenizer = text_dir().join("tokenizer.json");
    python(
        "save_with_transformers.py",
        &[dir.path().as_os_str(), tokenizer.as_os_str()],
        "",
    );
    let (checkpoint, model) = load(dir.path());
    assert!(checkpoint.shards.len() > 1, "{:?}", checkpoint.shards);
    assert!(checkpoint.tensor_shards.contains_key("lm_head.weight"));
    assert_eq!(
        checkpoint.config_json["rope_scaling"]["rope_type"],
        "llama3"
    );
    let max_diff = max_difference_from_transformers(dir.path(), &model);
    eprintln!("transformers-saved model: max |logit difference|: {max_diff:e}");
    assert!(max_diff < 1e-4, "max |diff| {max_diff}");
}
