//! A Llama 3.x text model run by candle-transformers: weights memory-mapped from the
//! checked shards, computed in f32 on the CPU (in the stored dtype on a GPU), with the
//! checkpoint's own tokenizer.

use candle_core::{DType, Device, IndexOp, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::llama::{Cache, Config, Llama, LlamaConfig, LlamaEosToks};
use tokenizers::Tokenizer;

use super::checkpoint::Checkpoint;
use super::InferenceError;

/// A loaded text model, shareable between threads (every run has its own cache).
pub struct TextModel {
    model: Llama,
    config: Config,
    tokenizer: Tokenizer,
    /// Tokens that end a generation.
    pub eos_ids: Vec<u32>,
    pub vocab_size: usize,
    device: Device,
    dtype: DType,
}

impl std::fmt::Debug for TextModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextModel")
            .field("vocab_size", &self.vocab_size)
            .field("dtype", &self.dtype)
            .finish_non_exhaustive()
    }
}

/// The dtype generation computes in on `device`: f32 on the CPU, where half-precision
/// matmuls are slow and less exact; the stored dtype (`torch_dtype`) on a GPU.
pub fn compute_dtype(device: &Device, checkpoint: &Checkpoint) -> DType {
    let stored = checkpoint.config_json["torch_dtype"]
        .as_str()
        .unwrap_or("float32");
    match (device.is_cpu(), stored) {
        (false, "bfloat16") => DType::BF16,
        (false, "float16") => DType::F16,
        _ => DType::F32,
    }
}

/// Memory-maps the shards as one weight set converted to `dtype` as tensors are read.
#[expect(
    unsafe_code,
    reason = "candle memory-maps safetensors; the mapping is read-only over immutable files"
)]
pub fn mmap_weights(
    checkpoint: &Checkpoint,
    dtype: DType,
    device: &Device,
) -> Result<VarBuilder<'static>, InferenceError> {
    let paths = checkpoint.shard_paths()?;
    // SAFETY: the files are content-addressed blobs (written once, then renamed into place
    // and never modified) or a downloaded directory being validated; a file changed while
    // mapped could change the bytes read, which validation would then report.
    Ok(unsafe { VarBuilder::from_mmaped_safetensors(&paths, dtype, device)? })
}

impl TextModel {
    /// Loads a checked checkpoint on `device`, computing in `dtype` (validation always uses
    /// f32; see `compute_dtype`); positions beyond `max_context` are never used, so the
    /// rotary tables stop there.
    pub fn load(
        checkpoint: &Checkpoint,
        device: &Device,
        dtype: DType,
        max_context: usize,
    ) -> Result<TextModel, InferenceError> {
        let llama: LlamaConfig = serde_json::from_value(checkpoint.config_json.clone())
            .map_err(|e| InferenceError::Checkpoint(format!("`config.json`: {e}")))?;
        let mut config = llama.into_config(false);
        config.max_position_embeddings = config.max_position_embeddings.min(max_context);
        let weights = mmap_weights(checkpoint, dtype, device)?;
        // candle's loader panics on some malformed layers; `Model::load` catches that.
        let model = Llama::load(weights, &config)?;
        let tokenizer = Tokenizer::from_file(checkpoint.files.path("tokenizer.json")?)
            .map_err(|e| InferenceError::Tokenizer(format!("`tokenizer.json`: {e}")))?;
        let eos_ids = match &config.eos_token_id {
            Some(LlamaEosToks::Single(id)) => vec![*id],
            Some(LlamaEosToks::Multiple(ids)) => ids.clone(),
            None => Vec::new(),
        };
        Ok(TextModel {
            vocab_size: config.vocab_size,
            model,
            config,
            tokenizer,
            eos_ids,
            device: device.clone(),
            dtype,
        })
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// A decoding session with its own key/value cache.
    pub fn session(&self) -> Result<Session<'_>, InferenceError> {
        Ok(Session {
            model: self,
            cache: Cache::new(true, self.dtype, &self.config, &self.device)?,
            position: 0,
        })
    }

    /// The longest sequence this model was loaded for.
    pub fn max_context(&self) -> usize {
        self.config.max_position_embeddings
    }
}

/// Incremental decoding: feed the prompt once, then one token at a time.
pub struct Session<'a> {
    model: &'a TextModel,
    cache: Cache,
    position: usize,
}

impl Session<'_> {
    /// Runs `tokens` after what was fed so far (checked by `model::Session::feed`);
    /// returns the f32 logits of the next token.
    pub fn feed(&mut self, tokens: &[u32]) -> Result<Tensor, InferenceError> {
        let input = Tensor::new(tokens, &self.model.device)?.unsqueeze(0)?;
        let logits = self
            .model
            .model
            .forward(&input, self.position, &mut self.cache)?;
        self.position += tokens.len();
        Ok(logits.i(0)?.to_dtype(DType::F32)?)
    }

    /// Tokens fed so far.
    pub fn position(&self) -> usize {
        self.position
    }

    /// The longest sequence the model was loaded for.
    pub fn max_context(&self) -> usize {
        self.model.max_context()
    }
}
