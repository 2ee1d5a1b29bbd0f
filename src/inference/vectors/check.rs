//! Checking a model against its validation record: every check reports what was expected
//! and what was observed, so a failed validation says where the copy departs.

use std::time::Instant;

use candle_core::{DType, Device};
use serde::Serialize;
use serde_json::{json, Value};

use super::{image_input, max_context, tensor_fingerprints, top_k};
use crate::inference::checkpoint::{Checkpoint, CheckpointFiles};
use crate::inference::image::TiledImage;
use crate::inference::model::Model;
use crate::inference::patterns::Pattern;
use crate::inference::InferenceError;
use crate::store::validation::{
    Continuation, ImageInput, SelectedLogit, SequenceVector, Tolerance, ValidationRecord,
};

/// One check of a validation run.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ValidationCheck)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub message: String,
    /// What the validation record says (any JSON value).
    pub expected: Value,
    /// What this copy of the weights produced (any JSON value).
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
    let (observed, tiled) = image_input(&published.pattern, model)?;
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
