//! Text generation for a person trying a model: greedy, or temperature / top-p sampling
//! with a seed (the same seed gives the same text), emitting text as it is decoded.

use std::time::Instant;

use candle_transformers::generation::{LogitsProcessor, Sampling};
use serde::{Deserialize, Serialize};

use super::image::TiledImage;
use super::model::Model;
use super::InferenceError;

/// How to sample.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct GenerateParams {
    pub max_new_tokens: usize,
    /// 0 means greedy.
    pub temperature: f64,
    /// Nucleus sampling; 1 (or none) samples from every token.
    pub top_p: Option<f64>,
    pub seed: u64,
}

impl GenerateParams {
    fn sampling(&self) -> Sampling {
        match self.top_p {
            _ if self.temperature <= 0.0 => Sampling::ArgMax,
            Some(p) if p < 1.0 => Sampling::TopP {
                p,
                temperature: self.temperature,
            },
            _ => Sampling::All {
                temperature: self.temperature,
            },
        }
    }

    /// Rejects parameters outside their meaning.
    pub fn check(&self) -> Result<(), InferenceError> {
        if !(0.0..=10.0).contains(&self.temperature) || !self.temperature.is_finite() {
            return Err(InferenceError::InvalidParameter(
                "`temperature` must be between 0 and 10".into(),
            ));
        }
        if self.top_p.is_some_and(|p| !(p > 0.0 && p <= 1.0)) {
            return Err(InferenceError::InvalidParameter(
                "`top_p` must be in (0, 1]".into(),
            ));
        }
        if self.max_new_tokens == 0 {
            return Err(InferenceError::InvalidParameter(
                "`max_tokens` must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// Why generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FinishReason {
    /// The model produced an end token.
    Stop,
    /// `max_new_tokens` were produced.
    Length,
}

/// What a generation produced.
#[derive(Debug, Clone, Serialize)]
pub struct Generated {
    pub text: String,
    pub tokens: Vec<u32>,
    pub prompt_tokens: usize,
    pub finish_reason: FinishReason,
    pub prefill_ms: f64,
    pub decode_ms: f64,
}

/// Generates after `prompt` (about `image`, for a vision model); `on_text` gets each newly decoded piece of text (a piece is
/// held back while it ends inside a multi-byte character) and returns false when nobody
/// listens any more, which ends the run. `stop` is asked every token.
pub fn generate(
    model: &Model,
    prompt: &[u32],
    image: Option<&TiledImage>,
    params: &GenerateParams,
    stop: &dyn Fn() -> bool,
    on_text: &mut dyn FnMut(&str) -> bool,
) -> Result<Generated, InferenceError> {
    params.check()?;
    let mut sampler = LogitsProcessor::from_sampling(params.seed, params.sampling());
    let mut session = model.session(image)?;
    let started = Instant::now();
    let mut logits = session.feed(prompt)?;
    let prefill_ms = started.elapsed().as_secs_f64() * 1e3;
    let decode_started = Instant::now();
    let mut tokens = Vec::new();
    let mut emitted = String::new();
    let mut finish_reason = FinishReason::Length;
    while tokens.len() < params.max_new_tokens {
        if stop() {
            return Err(InferenceError::Task("stopped".into()));
        }
        let next = sampler.sample(&logits)?;
        if model.eos_ids().contains(&next) {
            finish_reason = FinishReason::Stop;
            break;
        }
        tokens.push(next);
        let text = model.decode(&tokens)?;
        if text.len() > emitted.len() && text.starts_with(&emitted) && !text.ends_with('\u{fffd}') {
            if !on_text(&text[emitted.len()..]) {
                return Err(InferenceError::Task("the client went away".into()));
            }
            emitted = text;
        }
        if tokens.len() < params.max_new_tokens {
            logits = session.feed(&[next])?;
        }
    }
    let text = model.decode(&tokens)?;
    if text.len() > emitted.len() && text.starts_with(&emitted) {
        let _ = on_text(&text[emitted.len()..]);
    }
    Ok(Generated {
        text,
        tokens,
        prompt_tokens: prompt.len(),
        finish_reason,
        prefill_ms,
        decode_ms: decode_started.elapsed().as_secs_f64() * 1e3,
    })
}
