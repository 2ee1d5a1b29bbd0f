//! The validation record a signed manifest carries: what a model's outputs must be on
//! fixed prompts (top-k next tokens and selected logits, with a tolerance), its greedy
//! continuation, and a fingerprint of every tensor. The format only; `inference::vectors`
//! records and checks it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Version of the validation record format.
pub const VALIDATION_SCHEMA: &str = "modelgate.validation/v1";
/// Relative tolerance of a tensor's RMS.
pub const TENSOR_RMS_TOLERANCE: f32 = 1e-4;

/// `|observed - expected| <= abs + rel * |expected|`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    pub abs: f64,
    pub rel: f64,
}

impl Tolerance {
    pub fn allows(&self, expected: f32, observed: f32) -> bool {
        let (expected, observed) = (f64::from(expected), f64::from(observed));
        (observed - expected).abs() <= self.abs + self.rel * expected.abs()
    }
}

/// What a model's outputs must be, as signed in its manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

/// One token's logit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectedLogit {
    pub token: u32,
    pub value: f32,
}

/// The greedy continuation of `CONTINUATION_PROMPT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TensorFingerprint {
    pub name: String,
    pub rms: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f32>,
}

impl TensorFingerprint {
    /// Whether `observed` is this tensor within the tolerance (relative to its RMS).
    pub fn matches(&self, observed: &TensorFingerprint) -> bool {
        let allowed = TENSOR_RMS_TOLERANCE * self.rms.abs().max(1e-12);
        (observed.rms - self.rms).abs() <= allowed
            && self
                .mean
                .is_none_or(|mean| observed.mean.is_some_and(|m| (m - mean).abs() <= allowed))
    }
}
