//! Reference inference on the demo Llama 3.2 Vision model: logits and image preprocessing
//! against Hugging Face `transformers`, the cross-attention masking before `<|image|>`,
//! validation vectors that pass on the published weights and fail on an altered vision
//! tower, an altered cross-attention gate and swapped shards; the endpoints with image
//! uploads under the EU policy; download + `modelgate validate`.

use std::path::Path;

use crate::common;
use crate::common::inference::{
    copy_of, download_with_cli, failed_checks, load, python, require_torch, scale_tensor, shards,
    validate_dir, validate_with_cli,
};
use crate::common::{demo_models, error_code, spawn_app, Backend};
use base64::Engine;
use modelgate::inference::model::Model;
use modelgate::inference::patterns::{Pattern, BASE_TILE, PATTERNS};
use modelgate::store::validation::ValidationRecord;
use serde_json::{json, Value};

const VISION: &str = "demo/Llama-3.2-Tiny-Vision";
const TEXT: &str = "demo/Llama-3.2-Tiny";

fn vision_dir() -> &'static Path {
    &demo_models().1[1].dir
}

/// The record `modelgate publish` makes for the demo model.
fn published_record() -> ValidationRecord {
    common::inference::published_record(vision_dir())
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// `pattern` as a file of `format`, as a person would upload it.
fn file_of(pattern: &Pattern, format: image::ImageFormat) -> Vec<u8> {
    let drawn = pattern.draw(BASE_TILE);
    let image =
        image::RgbImage::from_raw(drawn.width as u32, drawn.height as u32, drawn.pixels).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Compares `model` (loaded from `dir`) with transformers on the same files: every pattern's
/// preprocessing and logits, a text-only prompt, and a greedy continuation. Returns the
/// largest pixel-value and logit differences, and the logit difference against
/// transformers as it is today (see tests/inference/mllama_reference.py).
fn compare_with_transformers(dir: &Path, model: &Model) -> (f32, f32, f32) {
    // As the Hugging Face processor builds it: `<|image|>`, then BOS, then the text.
    let tokens = model.encode("<|image|>Describe this image.").unwrap();
    assert_eq!(tokens[0], model.image_token().unwrap());
    let drawn: Vec<_> = PATTERNS.iter().map(|p| p.draw(BASE_TILE)).collect();
    let tiled: Vec<_> = drawn
        .iter()
        .map(|d| model.prepare_image(d).unwrap())
        .collect();
    let text_only = model.encode("The capital of France is").unwrap();
    let request = json!({
        "images": drawn.iter().map(|d| json!({"width": d.width, "height": d.height, "rgb": base64(&d.pixels)})).collect::<Vec<_>>(),
        "cases": (0..PATTERNS.len()).map(|i| json!({"tokens": tokens, "image": i}))
            .chain([json!({"tokens": text_only, "image": null})]).collect::<Vec<_>>(),
        "prompt": {"tokens": tokens, "image": 0},
        "new_tokens": 12,
    });
    let reference = |flag: &str| -> Value {
        let mut args = vec![dir.as_os_str()];
        if !flag.is_empty() {
            args.push(flag.as_ref());
        }
        serde_json::from_slice(&python("mllama_reference.py", &args, &request.to_string())).unwrap()
    };
    let theirs = reference("--as-published");
    assert_eq!(theirs["architecture"], "MllamaForConditionalGeneration");

    // Preprocessing: the same tile layout, aspect-ratio id and pixel values.
    let mut pixel_diff = 0f32;
    for (ours, theirs) in tiled.iter().zip(theirs["processed"].as_array().unwrap()) {
        assert_eq!(theirs["aspect_ratio_id"], ours.aspect_ratio_id);
        assert_eq!(theirs["num_tiles"], ours.tiles());
        let values: Vec<f32> = serde_json::from_value(theirs["pixel_values"].clone()).unwrap();
        pixel_diff = pixel_diff.max(max_abs_diff(&ours.pixel_values, &values));
    }
    // Logits of every image, and of a text-only prompt.
    let mut logit_diff = 0f32;
    let images = tiled.iter().map(Some).chain([None]);
    let inputs = std::iter::repeat_n(tokens.clone(), PATTERNS.len()).chain([text_only]);
    for ((image, tokens), expected) in images.zip(inputs).zip(theirs["logits"].as_array().unwrap())
    {
        let ours = model.next_token_logits(&tokens, image).unwrap();
        let expected: Vec<f32> = serde_json::from_value(expected.clone()).unwrap();
        logit_diff = logit_diff.max(max_abs_diff(&ours, &expected));
    }
    let ours =
        modelgate::inference::vectors::greedy_continuation(model, &tokens, Some(&tiled[0]), 12)
            .unwrap();
    let continuation: Vec<u32> = serde_json::from_value(theirs["continuation"].clone()).unwrap();
    assert_eq!(ours, continuation, "greedy continuations agree");

    let today = reference("");
    let expected: Vec<f32> = serde_json::from_value(today["logits"][0].clone()).unwrap();
    let ours = model.next_token_logits(&tokens, Some(&tiled[0])).unwrap();
    (pixel_diff, logit_diff, max_abs_diff(&ours, &expected))
}

#[test]
#[ignore = "needs PyTorch, transformers and Pillow (Python)"]
fn logits_and_preprocessing_match_hugging_face_transformers() {
    require_torch();
    let (_, model) = load(vision_dir());
    let (pixels, logits, today) = compare_with_transformers(vision_dir(), &model);
    eprintln!("demo Vision model: max |pixel value difference| against MllamaImageProcessorPil: {pixels:e}");
    eprintln!("demo Vision model: max |logit difference| against MllamaForConditionalGeneration: {logits:e}");
    eprintln!(
        "demo Vision model: against transformers without the layer-index correction: {today:e}"
    );
    assert!(pixels < 1e-5, "pixel values differ by {pixels}");
    assert!(logits < 1e-4, "logits differ by {logits}");
    assert!(today > 1e-2, "the two readings of the layer indices differ");
}

#[test]
#[ignore = "needs PyTorch, transformers and Pillow (Python)"]
fn vision_checkpoints_saved_by_transformers_load_unchanged() {
    require_torch();
    // As transformers 5 saves by default (published tensor names, its own config format
    // with `rope_parameters` and `dtype`), and with its own tensor names.
    for names in ["", "--new-names"] {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec![dir.path().as_os_str(), vision_dir().as_os_str()];
        if !names.is_empty() {
            args.push(names.as_ref());
        }
        python("save_mllama_with_transformers.py", &args, "");
        let (checkpoint, model) = load(dir.path());
        assert!(checkpoint.shards.len() > 1, "{:?}", checkpoint.shards);
        let head = if names.is_empty() {
            "language_model.lm_head.weight"
        } else {
            "lm_head.weight"
        };
        assert!(checkpoint.tensor_shards.contains_key(head), "{names}");
        let (_, logits, _) = compare_with_transformers(dir.path(), &model);
        eprintln!("transformers-saved Vision model {names}: max |logit difference|: {logits:e}");
        assert!(logits < 1e-4, "{names}: logits differ by {logits}");
    }
}

#[test]
#[ignore = "needs PyTorch, transformers and Pillow (Python)"]
fn a_checkpoint_whose_processor_transformers_5_saved_validates_and_generates_as_transformers() {
    require_torch();
    let dir = tempfile::tempdir().unwrap();
    let args = [
        dir.path().as_os_str(),
        vision_dir().as_os_str(),
        "--processor".as_ref(),
    ];
    python("save_mllama_with_transformers.py", &args, "");
    assert!(dir.path().join("processor_config.json").is_file());
    assert!(
        !dir.path().join("preprocessor_config.json").exists(),
        "transformers 5 nests the image processor in processor_config.json"
    );
    let (_, model) = load(dir.path());
    let (pixels, logits, _) = compare_with_transformers(dir.path(), &model);
    assert!(pixels < 1e-5, "pixel values differ by {pixels}");
    assert!(logits < 1e-4, "logits differ by {logits}");
    // Published, its validation vectors are recorded and pass on the stored shards.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let app = common::spawn_app(common::Backend::Sqlite).await;
        let published = app
            .publish(
                dir.path(),
                "acme/mllama-t5",
                modelgate::domain::Modality::Multimodal,
            )
            .await;
        assert!(published.manifest.validation.is_some());
        let user = app.licensed_user("us@example.org", "US").await;
        let report: Value = app
            .post_json(
                "/v1/models/acme/mllama-t5/validate",
                Some(&user),
                &json!({}),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(report["passed"], true, "{report}");
    });
}

#[test]
fn positions_before_the_image_get_nothing_from_it_and_later_ones_see_it() {
    let (_, model) = load(vision_dir());
    let tokens = model
        .encode("Look at this picture: <|image|> It shows")
        .unwrap();
    let at = tokens
        .iter()
        .position(|&t| Some(t) == model.image_token())
        .unwrap();
    let checkerboard = model.prepare_image(&PATTERNS[0].draw(BASE_TILE)).unwrap();
    let stripes = model.prepare_image(&PATTERNS[1].draw(BASE_TILE)).unwrap();
    // Before `<|image|>`: exactly what the text alone gives.
    let prefix = &tokens[..at];
    assert_eq!(
        model
            .next_token_logits(prefix, Some(&checkerboard))
            .unwrap(),
        model.next_token_logits(prefix, None).unwrap()
    );
    // From it on, the image matters, and which image.
    let with_checkerboard = model
        .next_token_logits(&tokens, Some(&checkerboard))
        .unwrap();
    let with_stripes = model.next_token_logits(&tokens, Some(&stripes)).unwrap();
    let without = model
        .next_token_logits(
            &model.encode("Look at this picture:  It shows").unwrap(),
            None,
        )
        .unwrap();
    // Far beyond the validation tolerance (1e-3 + 1e-3·|x|), so vectors see the image.
    assert!(max_abs_diff(&with_checkerboard, &with_stripes) > 0.05);
    assert!(max_abs_diff(&with_checkerboard, &without) > 0.05);
    // An image token needs an image, and one image takes one token.
    assert!(model.next_token_logits(&tokens, None).is_err());
    let twice = model.encode("<|image|><|image|>").unwrap();
    assert!(model
        .next_token_logits(&twice, Some(&checkerboard))
        .is_err());
}

#[test]
fn vision_validation_passes_and_fails_on_altered_weights() {
    let record = published_record();
    assert_eq!(record.architecture, "MllamaForConditionalGeneration");
    let names: Vec<&str> = record.sequences.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "checkerboard",
            "stripes",
            "rings",
            "gradient",
            "caption",
            "text-only"
        ]
    );
    let layouts: Vec<[usize; 2]> = record.sequences[..4]
        .iter()
        .map(|s| s.image.as_ref().unwrap().layout)
        .collect();
    assert_eq!(
        layouts,
        [[1, 1], [1, 4], [2, 1], [1, 1]],
        "four tile layouts covered"
    );
    assert!(record.continuation.image.is_some());

    let copy = copy_of(vision_dir());
    let report = validate_dir(copy.path(), &record);
    assert!(report.passed, "{:?}", failed_checks(&report));
    assert_eq!(
        report.checks.len(),
        9,
        "tensors, 6 sequences, continuation, tokenizer"
    );

    // An altered vision tower: the tensor is named, every image vector fails, the
    // text-only one still passes.
    let tower = "vision_model.transformer.layers.2.mlp.fc1.weight";
    let altered = copy_of(vision_dir());
    scale_tensor(altered.path(), tower, 1.5);
    let report = validate_dir(altered.path(), &record);
    let failed = failed_checks(&report);
    let failed_names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
    assert!(failed[0].1.contains(tower), "{failed:?}");
    for name in [
        "sequence:checkerboard",
        "sequence:stripes",
        "sequence:rings",
        "continuation",
    ] {
        assert!(
            failed_names.contains(&name),
            "{name} fails: {failed_names:?}"
        );
    }
    assert!(
        !failed_names.contains(&"sequence:text-only"),
        "{failed_names:?}"
    );

    // An altered cross-attention gate (tanh(0.5) -> tanh(-0.5)).
    let gate = "language_model.model.layers.1.cross_attn_attn_gate";
    let altered = copy_of(vision_dir());
    scale_tensor(altered.path(), gate, -1.0);
    let report = validate_dir(altered.path(), &record);
    let failed = failed_checks(&report);
    assert!(failed[0].1.contains(gate), "{failed:?}");
    assert!(
        failed.iter().any(|(n, _)| n == "sequence:checkerboard"),
        "{failed:?}"
    );

    // Shards swapped under each other's names.
    let swapped = copy_of(vision_dir());
    let files = shards(swapped.path());
    assert!(files.len() >= 2);
    let (first, last) = (&files[0], &files[files.len() - 1]);
    let parked = swapped.path().join("parked");
    std::fs::rename(first, &parked).unwrap();
    std::fs::rename(last, first).unwrap();
    std::fs::rename(&parked, last).unwrap();
    let report = validate_dir(swapped.path(), &record);
    let failed = failed_checks(&report);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, "checkpoint");
    assert!(
        failed[0].1.contains("shards were swapped or renamed"),
        "{failed:?}"
    );
}

#[test]
fn the_checker_expects_exactly_the_published_tensor_layout() {
    let (checkpoint, _) = load(vision_dir());
    let (v, t) = (
        &modelgate::demo::mllama::DEMO_VISION,
        &modelgate::demo::mllama::DEMO_VISION_TEXT,
    );
    let mut generated: Vec<(String, Vec<usize>)> = modelgate::demo::mllama::tensors(v, t)
        .into_iter()
        .map(|s| (s.name, s.shape))
        .collect();
    let mut expected = checkpoint.config.expected_tensors();
    generated.sort();
    expected.sort();
    assert_eq!(generated, expected);
}

async fn publish_records_vectors_and_generate_takes_uploaded_images_under_the_eu_rule(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (text, vision) = app.publish_demo().await;
    assert!(text.manifest.validation.is_some());
    let record = vision
        .manifest
        .validation
        .clone()
        .expect("Vision has vectors");
    assert_eq!(
        record,
        published_record(),
        "publish records the same vectors"
    );
    let signed =
        modelgate::store::signing::verify_bundle(vision.signature.as_bytes(), &app.key.public())
            .unwrap();
    let signed: ValidationRecord =
        serde_json::from_value(signed.modelgate.unwrap().validation.unwrap()).unwrap();
    assert_eq!(signed, record, "model.sig carries the same record");

    let us = app.licensed_user("us@example.org", "US").await;
    let generate = |token: String, body: Value| {
        let app = &app;
        async move {
            app.post_json(
                &format!("/v1/models/{VISION}/generate"),
                Some(&token),
                &body,
            )
            .await
        }
    };
    let png = file_of(&PATTERNS[0], image::ImageFormat::Png);
    let response = generate(
        us.clone(),
        json!({"prompt": "Describe this image.", "image": base64(&png), "max_tokens": 6}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let with_png: Value = response.json().await.unwrap();
    assert_eq!(with_png["completion_tokens"], 6, "{with_png}");
    // The prompt got its `<|image|>`: BOS, the image token, then the text.
    assert!(with_png["prompt_tokens"].as_u64().unwrap() >= 3);
    // A lossless PNG gives the same text as the validation image does directly.
    let (_, model) = load(vision_dir());
    let tokens = model.encode("<|image|>Describe this image.").unwrap();
    let tiled = model.prepare_image(&PATTERNS[0].draw(BASE_TILE)).unwrap();
    let expected =
        modelgate::inference::vectors::greedy_continuation(&model, &tokens, Some(&tiled), 6)
            .unwrap();
    assert_eq!(with_png["tokens"], json!(expected));

    let response = generate(
        us.clone(),
        json!({"prompt": "<|image|>What is this?", "image": base64(&file_of(&PATTERNS[1], image::ImageFormat::Jpeg)), "max_tokens": 4}),
    )
    .await;
    assert_eq!(response.status(), 200, "JPEG uploads work");

    // Bad uploads are refused with a stable code, before anything runs.
    for bad in [
        json!({"prompt": "x", "image": "not base64!"}),
        json!({"prompt": "x", "image": base64(b"GIF89a....")}),
        json!({"prompt": "x", "image": base64(&png[..png.len() / 2])}),
    ] {
        let response = generate(us.clone(), bad).await;
        assert_eq!(response.status(), 400);
        assert_eq!(error_code(response).await, "invalid-image");
    }
    // A PNG whose header claims 100000 x 100000 pixels is refused, not allocated.
    let mut bomb = png.clone();
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let response = generate(us.clone(), json!({"prompt": "x", "image": base64(&bomb)})).await;
    assert_eq!(error_code(response).await, "invalid-image");
    let response = generate(
        us.clone(),
        json!({"prompt": "<|image|> twice <|image|>", "image": base64(&png)}),
    )
    .await;
    assert_eq!(response.status(), 400);
    let response = app
        .post_json(
            &format!("/v1/models/{TEXT}/generate"),
            Some(&us),
            &json!({"prompt": "x", "image": base64(&png)}),
        )
        .await;
    assert_eq!(response.status(), 400, "a text model takes no images");

    // The EU rule: a French licensee may neither validate nor generate with it.
    let fr = app.licensed_user("fr@example.org", "FR").await;
    for action in ["validate", "generate"] {
        let response = app
            .post_json(
                &format!("/v1/models/{VISION}/{action}"),
                Some(&fr),
                &match action {
                    "generate" => json!({"prompt": "x", "image": base64(&png)}),
                    _ => json!({}),
                },
            )
            .await;
        assert_eq!(response.status(), 403, "{action}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["error"]["details"]["decision"]["reasons"][0]["policy"], "eu.multimodal-withheld",
            "{action}: {body}"
        );
    }
}
on_each_backend!(publish_records_vectors_and_generate_takes_uploaded_images_under_the_eu_rule);

#[tokio::test]
async fn an_oversized_image_is_refused() {
    let app = common::spawn_app_with(Backend::Sqlite, |s| s.inference.max_image_bytes = 1000).await;
    app.publish_demo().await;
    let us = app.licensed_user("us@example.org", "US").await;
    let big = file_of(
        &Pattern {
            name: "gradient",
            width: 300,
            height: 300,
        },
        image::ImageFormat::Png,
    );
    assert!(big.len() > 1000);
    let response = app
        .post_json(
            &format!("/v1/models/{VISION}/generate"),
            Some(&us),
            &json!({"prompt": "x", "image": base64(&big)}),
        )
        .await;
    assert_eq!(response.status(), 413);
    assert_eq!(error_code(response).await, "payload-too-large");
}

#[tokio::test]
async fn a_downloaded_vision_model_validates_with_the_cli() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let user = app.licensed_user("dev@example.org", "CA").await;
    let work = tempfile::tempdir().unwrap();
    let dir = download_with_cli(&app, VISION, &user, work.path()).await;
    let passed = validate_with_cli(work.path(), &dir);
    let stdout = String::from_utf8_lossy(&passed.stdout);
    assert!(
        passed.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&passed.stderr)
    );
    assert!(
        stdout.contains("PASS sequence:stripes") && stdout.contains("OK: 9 checks passed"),
        "{stdout}"
    );
    scale_tensor(
        &dir,
        "language_model.model.layers.4.cross_attn_mlp_gate",
        0.0,
    );
    let failed = validate_with_cli(work.path(), &dir);
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stdout).contains("cross_attn_mlp_gate"));
}
