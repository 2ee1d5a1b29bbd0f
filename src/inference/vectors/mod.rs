//! Validation vectors: at publish time a model runs on fixed prompts (for a vision model,
//! most with one of the fixed `patterns` images), and the signed manifest records, per
//! prompt, the token ids, the image, the top-k next tokens and a fingerprint of selected
//! logits with a tolerance, plus a greedy continuation and each tensor's RMS.
//! `check` runs the same vectors on another copy of the shards and reports every check with
//! what was expected and what was observed. The record's format is `store::validation`.

use candle_core::{DType, Device, Tensor, D};

use crate::store::validation::{
    Continuation, ImageInput, SelectedLogit, SequenceVector, TensorFingerprint, Tolerance,
    ValidationRecord, VALIDATION_SCHEMA,
};

use super::checkpoint::Checkpoint;
use super::image::{TiledImage, IMAGE_PLACEHOLDER};
use super::llama::mmap_weights;
use super::model::Model;
use super::patterns::Pattern;
use super::InferenceError;

mod check;

pub use check::{check, validate_files, Check, ValidationReport};

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

/// The image input of the fixed `pattern` as `model` prepares it, with the prepared tiles.
fn image_input(pattern: &str, model: &Model) -> Result<(ImageInput, TiledImage), InferenceError> {
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
            let (input, tiled) = image_input(pattern, model)?;
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
