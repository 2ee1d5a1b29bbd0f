//! Reference inference: proves a set of shards is a working model, not just the published
//! bytes. `checkpoint` finds and checks the files; `llama` (text) and `mllama` (Llama 3.2
//! Vision) run them with candle, joined in `model`; `image` decodes and preprocesses
//! images and `patterns` draws the fixed ones; `vectors` records and checks the validation
//! vectors a signed manifest carries, `generate` lets a person try a model, and `service`
//! bounds it all inside the gateway (a semaphore, a timeout, token limits and a model
//! cache with a memory budget).

pub mod checkpoint;
pub mod generate;
pub mod image;
pub mod llama;
pub mod mllama;
pub mod model;
pub mod patterns;
pub mod service;
pub mod vectors;

use std::path::PathBuf;

/// Why a model could not be run.
#[derive(Debug, thiserror::Error)]
pub enum InferenceError {
    #[error("the checkpoint is broken: {0}")]
    Checkpoint(String),
    #[error("this gateway cannot run {0}")]
    Unsupported(String),
    #[error("the tokenizer failed: {0}")]
    Tokenizer(String),
    #[error("the model failed to run")]
    Candle(#[from] candle_core::Error),
    #[error("i/o error at `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the prompt has {tokens} tokens; at most {limit} are allowed")]
    PromptTooLong { tokens: usize, limit: usize },
    #[error("{requested} new tokens were asked for; at most {limit} are allowed")]
    TooManyTokens { requested: usize, limit: usize },
    #[error("{0}")]
    InvalidParameter(String),
    #[error("the image cannot be used: {0}")]
    InvalidImage(String),
    #[error("the model needs about {needed} bytes of memory; the inference budget is {budget}")]
    OverBudget { needed: u64, budget: u64 },
    #[error("every inference slot is busy; try again shortly")]
    Busy,
    #[error("this account already has an inference run waiting or running; one at a time")]
    AccountBusy,
    #[error("inference took longer than {secs} seconds and was stopped")]
    TimedOut { secs: u64 },
    #[error("this revision has no validation vectors (it was published without them)")]
    NoVectors,
    #[error("inference is disabled on this gateway (`inference.enabled = false`)")]
    Disabled,
    #[error(transparent)]
    Store(#[from] crate::store::blobs::BlobError),
    #[error("inference task failed: {0}")]
    Task(String),
}

/// The device inference runs on: the first CUDA GPU when built with `cuda` and one is
/// present, else the CPU.
pub fn default_device() -> candle_core::Device {
    #[cfg(feature = "cuda")]
    if let Ok(device) = candle_core::Device::new_cuda(0) {
        return device;
    }
    candle_core::Device::Cpu
}

impl From<InferenceError> for crate::error::ApiError {
    fn from(err: InferenceError) -> Self {
        use crate::error::ApiError;
        use InferenceError as E;
        match err {
            E::Checkpoint(_) | E::Unsupported(_) | E::Tokenizer(_) => {
                ApiError::ModelNotRunnable(err.to_string())
            }
            E::NoVectors => ApiError::NoValidationVectors,
            E::PromptTooLong { tokens, limit } => ApiError::PromptTooLong { tokens, limit },
            E::TooManyTokens { requested, limit } => ApiError::TooManyTokens { requested, limit },
            E::InvalidParameter(message) => ApiError::BadRequest(message),
            E::InvalidImage(_) => ApiError::InvalidImage(err.to_string()),
            E::OverBudget { needed, budget } => ApiError::InferenceOverBudget { needed, budget },
            E::Busy => ApiError::InferenceBusy,
            E::AccountBusy => ApiError::InferenceAccountBusy,
            E::TimedOut { secs } => ApiError::InferenceTimeout { secs },
            E::Disabled => ApiError::InferenceDisabled,
            E::Store(err) => err.into(),
            E::Candle(_) | E::Io { .. } | E::Task(_) => ApiError::internal(err),
        }
    }
}
