//! Validation vectors: at publish time a model runs on fixed prompts (for a vision model,
//! most with one of the fixed `patterns` images), and the signed manifest records, per
//! prompt, the token ids, the image, the top-k next tokens and a fingerprint of selected
//! logits with a tolerance, plus a greedy continuation and each tensor's RMS.
//! `check` runs the same vectors on another copy of the shards and reports every check
//! with what was expected and what was observed.

use std::time::Instant;

use candle_core::{DType, Device, Tensor, D};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::checkpoint::{Checkpoint, CheckpointFiles};
use super::image::{TiledImage, IMAGE_PLACEHOLDER};
use super::llama::mmap_weights;
use super::model::Model;
use super::patterns::Pattern;
use super::InferenceError;

/// Version of the validation record format.
pub const VALIDATION_SCHEMA: &str = "modelgate.validation/v1";
/// How many of the most likely next tokens are recorded per prompt.
pub const TOP_K: usize = 5;
/// The fixed prompts, tokenized by each model's own tokenizer at publish time.
pub const VALIDATION_PROMPTS: &[(&str, &str)] = &[
    ("greeting", "Hello, my name is"),
    ("geography", "The capital of France is"),
    ("code", "def fibonacci(n):\n    if n < 2:\n        return"),
    ("sequence", "1, 1, 2, 3, 5, 8, 13,"),
];
/// The fixed prompts of a vision model, with the pattern each shows (`<|image|>` marks
/// where; one prompt has text before the image, one has no image at all).
pub const VISION_PROMPTS: &[(&str, &str, Option<&str>)] = &[
    (
        "checkerboard",
        "<|image|>Describe this image.",
        Some("checkerboard"),
    ),
    (
        "stripes",
        "<|image|>What colours are the stripes?",
        Some("stripes"),
    ),
    ("rings", "<|image|>How many rings are there?", Some("rings")),
    ("gradient", "<|image|>", Some("gradient")),
    (
        "caption",
        "Look at this picture: <|image|> It shows",
        Some("checkerboard"),
    ),
    ("text-only", "The capital of France is", None),
];
/// The prompt whose greedy continuation is recorded, and its length in tokens; a vision
/// model continues it after the `checkerboard` image.
pub const CONTINUATION_PROMPT: &str = "Once upon a time, in a small village by the sea,";
const VISION_CONTINUATION_IMAGE: &str = "checkerboard";
pub const CONTINUATION_TOKENS: usize = 16;
/// Context long enough for every vector: the prompts and the continuation are short.
pub fn max_context() -> usize {
    256
}

/// Logits may differ this much between machines (f32 on any CPU or GPU).
pub const LOGIT_TOLERANCE: Tolerance = Tolerance {
    abs: 1e-3,
    rel: 1e-3,
};
/// Relative tolerance of a tensor's RMS.
pub const TENSOR_RMS_TOLERANCE: f32 = 1e-4;

/// `|observed - expected| <= abs + rel * |expected|`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    pub abs: f64,
    pub rel: f64,
}

impl Tolerance {
    fn allows(&self, expected: f32, observed: f32) -> bool {
        let (expected, observed) = (f64::from(expected), f64::from(observed));
        (observed - expected).abs() <= self.abs + self.rel * expected.abs()
    }
}

/// What a model's outputs must be, as signed in its manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationRecord {
    pub schema: String,
    pub architecture: String,
    pub tolerance: Tolerance,
    pub sequences: Vec<SequenceVector>,
    pub continuation: Continuation,
    pub tensors: Vec<TensorFingerprint>,
}

/// One prompt: its tokens (and image), the top-k next tokens (most likely first) and
/// selected logits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequenceVector {
    pub name: String,
    pub text: String,
    pub tokens: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageInput>,
    pub top_k: Vec<u32>,
    /// The top-k logits, then probes spread over the vocabulary.
    pub logits: Vec<SelectedLogit>,
}

/// A fixed image as a vector used it: the pattern, the digest of its pixels, and the tile
/// layout preprocessing chose for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageInput {
    pub pattern: String,
    pub width: usize,
    pub height: usize,
    pub digest: String,
    /// Tiles (rows, columns) and the aspect-ratio id.
    pub layout: [usize; 2],
    pub aspect_ratio_id: u32,
}

impl ImageInput {
    fn of(pattern: &str, model: &Model) -> Result<(ImageInput, TiledImage), InferenceError> {
        let found = Pattern::by_name(pattern)
            .ok_or_else(|| InferenceError::InvalidParameter(format!("no pattern `{pattern}`")))?;
        let tile = model
            .tile_size()
            .ok_or_else(|| InferenceError::InvalidParameter("this model takes no images".into()))?;
        let image = found.draw(tile);
        let tiled = model.prepare_image(&image)?;
        let input = ImageInput {
            pattern: pattern.to_owned(),
            width: image.width,
            height: image.height,
            digest: image.digest(),
            layout: [tiled.layout.0, tiled.layout.1],
            aspect_ratio_id: tiled.aspect_ratio_id,
        };
        Ok((input, tiled))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectedLogit {
    pub token: u32,
    pub value: f32,
}

/// The greedy continuation of `CONTINUATION_PROMPT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Continuation {
    pub prompt_tokens: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageInput>,
    pub tokens: Vec<u32>,
    pub text: String,
}

/// A tensor's root mean square, which any scaling or replacement of it changes, and its
/// mean, which a change of sign changes (records made before it have no mean).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TensorFingerprint {
    pub name: String,
    pub rms: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f32>,
}

impl TensorFingerprint {
    /// Whether `observed` is this tensor within the tolerance (relative to its RMS).
    fn matches(&self, observed: &TensorFingerprint) -> bool {
        let allowed = TENSOR_RMS_TOLERANCE * self.rms.abs().max(1e-12);
        (observed.rms - self.rms).abs() <= allowed
            && self
                .mean
                .is_none_or(|mean| observed.mean.is_some_and(|m| (m - mean).abs() <= allowed))
    }
}

/// One check of a validation run.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub message: String,
    pub expected: Value,
    pub observed: Value,
    pub elapsed_ms: f64,
}

/// Every check of a validation run.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    pub passed: bool,
    pub checks: Vec<Check>,
    pub elapsed_ms: f64,
}

impl ValidationReport {
    fn new(checks: Vec<Check>, started: Instant) -> Self {
        ValidationReport {
            passed: !checks.is_empty() && checks.iter().all(|c| c.passed),
            checks,
            elapsed_ms: millis(started),
        }
    }

    /// The report of a run that stopped at `step` (`checkpoint`, `load`) with `err`.
    pub fn failed_step(step: &str, err: &InferenceError, started: Instant) -> Self {
        let message = crate::error::cause_chain(err);
        let check = Check {
            name: step.into(),
            passed: false,
            message,
            expected: Value::Null,
            observed: Value::Null,
            elapsed_ms: millis(started),
        };
        ValidationReport::new(vec![check], started)
    }
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

/// Indices of the `k` largest values, largest first (ties: lower index first).
fn top_k(values: &[f32], k: usize) -> Vec<u32> {
    let mut order: Vec<u32> = (0..values.len() as u32).collect();
    order.sort_by(|&a, &b| {
        values[b as usize]
            .total_cmp(&values[a as usize])
            .then(a.cmp(&b))
    });
    order.truncate(k);
    order
}

/// Tokens whose logits are recorded besides the top-k: spread over the whole vocabulary.
fn probe_tokens(vocab: usize) -> Vec<u32> {
    let last = vocab.saturating_sub(1) as u32;
    let mut probes = vec![0, last / 4, last / 2, 3 * (last / 4), last];
    probes.dedup();
    probes
}

/// The RMS and mean of every tensor the model uses, read from the shards in f32.
pub fn tensor_fingerprints(
    checkpoint: &Checkpoint,
) -> Result<Vec<TensorFingerprint>, InferenceError> {
    let weights = mmap_weights(checkpoint, DType::F32, &Device::Cpu)?;
    let mut out = Vec::new();
    for (name, shape) in checkpoint.config.expected_tensors() {
        let tensor = weights.get(shape.as_slice(), &name)?;
        let count = tensor.elem_count().max(1) as f64;
        let sum_of = |t: Tensor| -> Result<f64, InferenceError> {
            let rows = t.sum(D::Minus1)?.to_dtype(DType::F64)?;
            Ok(rows.sum_all()?.to_scalar::<f64>()? / count)
        };
        out.push(TensorFingerprint {
            rms: sum_of(tensor.sqr()?)?.sqrt() as f32,
            mean: Some(sum_of(tensor)? as f32),
            name,
        });
    }
    Ok(out)
}

/// Greedy decoding of `count` tokens after `prompt` (stops early at an end token).
pub fn greedy_continuation(
    model: &Model,
    prompt: &[u32],
    image: Option<&TiledImage>,
    count: usize,
) -> Result<Vec<u32>, InferenceError> {
    let mut session = model.session(image)?;
    let mut logits = session.feed(prompt)?;
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let next = logits.argmax(D::Minus1)?.to_scalar::<u32>()?;
        out.push(next);
        if model.eos_ids().contains(&next) {
            break;
        }
        logits = session.feed(&[next])?;
    }
    Ok(out)
}

/// The fixed prompts of `model`: (name, text, pattern shown).
fn prompts_of(model: &Model) -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    match model.image_token() {
        None => VALIDATION_PROMPTS
            .iter()
            .map(|&(n, t)| (n, t, None))
            .collect(),
        Some(_) => VISION_PROMPTS.to_vec(),
    }
}

/// The continuation prompt of `model` and the image it follows.
fn continuation_of(model: &Model) -> (String, Option<&'static str>) {
    match model.image_token() {
        None => (CONTINUATION_PROMPT.to_owned(), None),
        Some(_) => (
            format!("{IMAGE_PLACEHOLDER}{CONTINUATION_PROMPT}"),
            Some(VISION_CONTINUATION_IMAGE),
        ),
    }
}

/// The image input of `pattern` for `model`, when there is one.
fn image_of(
    pattern: Option<&str>,
    model: &Model,
) -> Result<(Option<ImageInput>, Option<TiledImage>), InferenceError> {
    match pattern {
        None => Ok((None, None)),
        Some(pattern) => {
            let (input, tiled) = ImageInput::of(pattern, model)?;
            Ok((Some(input), Some(tiled)))
        }
    }
}

/// Runs the fixed vectors on a model and records what it produced.
pub fn record(checkpoint: &Checkpoint, model: &Model) -> Result<ValidationRecord, InferenceError> {
    let mut sequences = Vec::new();
    for (name, text, pattern) in prompts_of(model) {
        let tokens = model.encode(text)?;
        let (image, tiled) = image_of(pattern, model)?;
        let logits = model.next_token_logits(&tokens, tiled.as_ref())?;
        if logits.iter().any(|v| !v.is_finite()) {
            return Err(InferenceError::Checkpoint(format!(
                "the model's logits after `{name}` are not all finite"
            )));
        }
        let top = top_k(&logits, TOP_K);
        let selected = top
            .iter()
            .chain(probe_tokens(logits.len()).iter())
            .map(|&token| SelectedLogit {
                token,
                value: logits[token as usize],
            })
            .collect();
        sequences.push(SequenceVector {
            name: name.to_owned(),
            text: text.to_owned(),
            tokens,
            image,
            top_k: top,
            logits: selected,
        });
    }
    let (prompt, pattern) = continuation_of(model);
    let prompt_tokens = model.encode(&prompt)?;
    let (image, tiled) = image_of(pattern, model)?;
    let tokens = greedy_continuation(model, &prompt_tokens, tiled.as_ref(), CONTINUATION_TOKENS)?;
    let tensors = tensor_fingerprints(checkpoint)?;
    if let Some(bad) = tensors.iter().find(|t| !t.rms.is_finite()) {
        return Err(InferenceError::Checkpoint(format!(
            "tensor `{}` holds values that are not finite",
            bad.name
        )));
    }
    Ok(ValidationRecord {
        schema: VALIDATION_SCHEMA.to_owned(),
        architecture: checkpoint.config.architecture().to_owned(),
        tolerance: LOGIT_TOLERANCE,
        sequences,
        continuation: Continuation {
            text: model.decode(&tokens)?,
            prompt_tokens,
            image,
            tokens,
        },
        tensors,
    })
}

/// Redraws the image a vector names and prepares it for `model`; `Err(message)` when the
/// drawing or the tile layout is not what was published (this build draws or tiles
/// differently, and no logit comparison could be fair).
fn redraw(
    published: Option<&ImageInput>,
    model: &Model,
) -> Result<Result<Option<TiledImage>, String>, InferenceError> {
    let Some(published) = published else {
        return Ok(Ok(None));
    };
    if Pattern::by_name(&published.pattern).is_none() {
        return Ok(Err(format!(
            "this build draws no pattern `{}`",
            published.pattern
        )));
    }
    let (observed, tiled) = ImageInput::of(&published.pattern, model)?;
    if &observed != published {
        return Ok(Err(format!(
            "the `{}` image is not the published one: drawn {} as tiles {:?} (id {}), published {} as {:?} (id {})",
            published.pattern, observed.digest, observed.layout, observed.aspect_ratio_id,
            published.digest, published.layout, published.aspect_ratio_id
        )));
    }
    Ok(Ok(Some(tiled)))
}

fn check_tensors(
    checkpoint: &Checkpoint,
    record: &ValidationRecord,
) -> Result<Check, InferenceError> {
    let started = Instant::now();
    let observed = tensor_fingerprints(checkpoint)?;
    let mut differing = Vec::new();
    for expected in &record.tensors {
        let found = observed.iter().find(|t| t.name == expected.name);
        if !found.is_some_and(|t| expected.matches(t)) {
            differing.push((expected, found));
        }
    }
    let message = match differing.first() {
        None => format!(
            "all {} tensors match their published RMS and mean",
            record.tensors.len()
        ),
        Some((expected, found)) => {
            let shard = checkpoint
                .tensor_shards
                .get(&expected.name)
                .map_or("no shard", String::as_str);
            let (rms, ratio, mean) = found.map_or((f32::NAN, f32::NAN, None), |t| {
                (t.rms, t.rms / expected.rms, t.mean)
            });
            let shown = |m: Option<f32>| m.map_or("-".to_owned(), |m| format!("{m:.6}"));
            format!(
                "{} of {} tensors differ from the published weights; first: `{}` in `{shard}` has RMS {rms:.6}, published {:.6} (x{ratio:.4}), mean {}, published {}",
                differing.len(), record.tensors.len(), expected.name, expected.rms,
                shown(mean), shown(expected.mean)
            )
        }
    };
    Ok(Check {
        name: "tensors".into(),
        passed: differing.is_empty(),
        message,
        expected: json!(differing
            .iter()
            .map(|(e, _)| json!(e))
            .collect::<Vec<_>>()),
        observed: json!(differing
            .iter()
            .map(|(e, f)| json!({"name": e.name, "rms": f.map(|t| t.rms), "mean": f.and_then(|t| t.mean)}))
            .collect::<Vec<_>>()),
        elapsed_ms: millis(started),
    })
}

/// A check that failed before comparing anything, because its image is not the published.
fn image_differs(
    name: String,
    message: String,
    published: Option<&ImageInput>,
    started: Instant,
) -> Check {
    Check {
        name,
        passed: false,
        message,
        expected: json!({ "image": published }),
        observed: Value::Null,
        elapsed_ms: millis(started),
    }
}

fn check_sequence(
    model: &Model,
    vector: &SequenceVector,
    tolerance: Tolerance,
) -> Result<Check, InferenceError> {
    let started = Instant::now();
    let name = format!("sequence:{}", vector.name);
    let image = match redraw(vector.image.as_ref(), model)? {
        Ok(image) => image,
        Err(message) => return Ok(image_differs(name, message, vector.image.as_ref(), started)),
    };
    let logits = model.next_token_logits(&vector.tokens, image.as_ref())?;
    let observed_top = top_k(&logits, vector.top_k.len());
    let mut worst: Option<(u32, f32, f32)> = None;
    let mut max_diff = 0f32;
    for selected in &vector.logits {
        let observed = logits
            .get(selected.token as usize)
            .copied()
            .unwrap_or(f32::NAN);
        let diff = (observed - selected.value).abs();
        max_diff = max_diff.max(diff);
        if !tolerance.allows(selected.value, observed)
            && worst.is_none_or(|(_, e, o)| diff > (o - e).abs())
        {
            worst = Some((selected.token, selected.value, observed));
        }
    }
    // A different order is accepted only between tokens whose logits tie within tolerance.
    let kth = vector
        .logits
        .get(vector.top_k.len().saturating_sub(1))
        .map_or(f32::NAN, |l| l.value);
    let top_ok = observed_top == vector.top_k
        || observed_top
            .iter()
            .all(|t| vector.top_k.contains(t) || tolerance.allows(kth, logits[*t as usize]));
    let passed = worst.is_none() && top_ok;
    let message = if passed {
        format!(
            "top-{} next tokens and {} logits match (max |diff| {max_diff:.2e})",
            vector.top_k.len(),
            vector.logits.len()
        )
    } else if let Some((token, expected, observed)) = worst {
        format!("logit of token {token} is {observed:.6}, published {expected:.6} (max |diff| {max_diff:.2e}, tolerance {} + {}·|x|); top-{} is {observed_top:?}, published {:?}",
            tolerance.abs, tolerance.rel, vector.top_k.len(), vector.top_k)
    } else {
        format!(
            "top-{} next tokens are {observed_top:?}, published {:?}",
            vector.top_k.len(),
            vector.top_k
        )
    };
    Ok(Check {
        name,
        passed,
        message,
        expected: json!({ "top_k": vector.top_k, "logits": vector.logits }),
        observed: json!({
            "top_k": observed_top,
            "logits": vector.logits.iter().map(|l| SelectedLogit { token: l.token, value: logits.get(l.token as usize).copied().unwrap_or(f32::NAN) }).collect::<Vec<_>>(),
            "max_abs_diff": max_diff,
        }),
        elapsed_ms: millis(started),
    })
}

/// Follows the recorded continuation token by token; the model's greedy choice must be the
/// recorded token at every step, unless the two tie within the tolerance (a near-tie may
/// break either way on another machine).
fn check_continuation(
    model: &Model,
    expected: &Continuation,
    tolerance: Tolerance,
) -> Result<Check, InferenceError> {
    let started = Instant::now();
    let image = match redraw(expected.image.as_ref(), model)? {
        Ok(image) => image,
        Err(message) => {
            return Ok(image_differs(
                "continuation".into(),
                message,
                expected.image.as_ref(),
                started,
            ))
        }
    };
    let mut session = model.session(image.as_ref())?;
    let mut logits = session.feed(&expected.prompt_tokens)?.to_vec1::<f32>()?;
    let mut observed = Vec::with_capacity(expected.tokens.len());
    let mut departure = None;
    for (at, &wanted) in expected.tokens.iter().enumerate() {
        let chosen = top_k(&logits, 1)[0];
        observed.push(chosen);
        let wanted_logit = logits
            .get(wanted as usize)
            .copied()
            .unwrap_or(f32::NEG_INFINITY);
        if chosen != wanted && !tolerance.allows(logits[chosen as usize], wanted_logit) {
            departure = Some((at, chosen, wanted));
            break;
        }
        if at + 1 < expected.tokens.len() {
            logits = session.feed(&[wanted])?.to_vec1::<f32>()?;
        }
    }
    let message = match departure {
        None => format!(
            "greedy continuation of {} tokens matches",
            expected.tokens.len()
        ),
        Some((at, chosen, wanted)) => {
            format!("greedy continuation departs at token {at}: {chosen} instead of {wanted}")
        }
    };
    Ok(Check {
        name: "continuation".into(),
        passed: departure.is_none(),
        message,
        expected: json!({ "tokens": expected.tokens, "text": expected.text }),
        observed: json!({ "tokens": observed, "text": model.decode(&observed)? }),
        elapsed_ms: millis(started),
    })
}

fn check_tokenizer(model: &Model, record: &ValidationRecord) -> Result<Check, InferenceError> {
    let started = Instant::now();
    let mut mismatched = Vec::new();
    for vector in &record.sequences {
        let tokens = model.encode(&vector.text)?;
        if tokens != vector.tokens {
            mismatched
                .push(json!({ "name": vector.name, "tokens": tokens, "published": vector.tokens }));
        }
    }
    Ok(Check {
        name: "tokenizer".into(),
        passed: mismatched.is_empty(),
        message: if mismatched.is_empty() {
            format!(
                "`tokenizer.json` encodes all {} prompts as published",
                record.sequences.len()
            )
        } else {
            format!(
                "`tokenizer.json` encodes {} of {} prompts differently from the published tokens",
                mismatched.len(),
                record.sequences.len()
            )
        },
        expected: json!(null),
        observed: json!(mismatched),
        elapsed_ms: millis(started),
    })
}

/// Runs every check of `record` on a loaded model; `stop` is asked between checks.
pub fn check(
    checkpoint: &Checkpoint,
    model: &Model,
    record: &ValidationRecord,
    stop: &dyn Fn() -> bool,
) -> Result<ValidationReport, InferenceError> {
    let started = Instant::now();
    let mut checks = vec![check_tensors(checkpoint, record)?];
    for vector in &record.sequences {
        if stop() {
            return Err(InferenceError::Task("stopped".into()));
        }
        checks.push(check_sequence(model, vector, record.tolerance)?);
    }
    checks.push(check_continuation(
        model,
        &record.continuation,
        record.tolerance,
    )?);
    checks.push(check_tokenizer(model, record)?);
    Ok(ValidationReport::new(checks, started))
}

/// Validates local files (a downloaded directory) against `record`: a checkpoint that
/// cannot be opened or loaded is a failed check, not an error.
pub fn validate_files(
    files: CheckpointFiles,
    record: &ValidationRecord,
    device: &Device,
) -> Result<ValidationReport, InferenceError> {
    let started = Instant::now();
    let checkpoint = match Checkpoint::open(files) {
        Ok(checkpoint) => checkpoint,
        Err(err) => return Ok(ValidationReport::failed_step("checkpoint", &err, started)),
    };
    let longest = record
        .sequences
        .iter()
        .map(|s| s.tokens.len())
        .chain([record.continuation.prompt_tokens.len() + record.continuation.tokens.len()])
        .max()
        .unwrap_or(1);
    let model = match Model::load(&checkpoint, device, DType::F32, longest.max(max_context())) {
        Ok(model) => model,
        Err(err) => return Ok(ValidationReport::failed_step("load", &err, started)),
    };
    let mut report = check(&checkpoint, &model, record, &|| false)?;
    report.elapsed_ms = millis(started);
    Ok(report)
}
