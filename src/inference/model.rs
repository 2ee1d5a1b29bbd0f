//! A runnable model of either architecture the gateway runs: Llama 3 text
//! (`LlamaForCausalLM`) or Llama 3.2 Vision (`MllamaForConditionalGeneration`), behind one
//! interface for validation and generation.

use candle_core::{DType, Device, Tensor};
use tokenizers::Tokenizer;

use super::checkpoint::{Checkpoint, ModelConfig};
use super::image::{RgbImage, TiledImage, IMAGE_PLACEHOLDER};
use super::llama::{self, TextModel};
use super::mllama::{self, MllamaModel};
use super::InferenceError;

#[derive(Debug)]
pub enum Model {
    Text(Box<TextModel>),
    Vision(Box<MllamaModel>),
}

/// A decoding session of either kind.
pub enum Session<'a> {
    Text(llama::Session<'a>),
    Vision(mllama::Session<'a>),
}

impl Session<'_> {
    /// Runs `tokens` after what was fed so far; returns the f32 logits of the next token.
    pub fn feed(&mut self, tokens: &[u32]) -> Result<Tensor, InferenceError> {
        let (position, limit) = match self {
            Session::Text(s) => (s.position(), s.max_context()),
            Session::Vision(s) => (s.position(), s.max_context()),
        };
        if tokens.is_empty() {
            return Err(InferenceError::InvalidParameter("no tokens to run".into()));
        }
        if position + tokens.len() > limit {
            return Err(InferenceError::PromptTooLong {
                tokens: position + tokens.len(),
                limit,
            });
        }
        match self {
            Session::Text(s) => s.feed(tokens),
            Session::Vision(s) => s.feed(tokens),
        }
    }
}

impl Model {
    /// Loads a checked checkpoint on `device`, computing in `dtype`, for sequences of at
    /// most `max_context` tokens.
    pub fn load(
        checkpoint: &Checkpoint,
        device: &Device,
        dtype: DType,
        max_context: usize,
    ) -> Result<Model, InferenceError> {
        // A malformed layer may make candle panic rather than fail; it must end as an error.
        let loaded =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &checkpoint.config {
                ModelConfig::Llama(_) => TextModel::load(checkpoint, device, dtype, max_context)
                    .map(|m| Model::Text(Box::new(m))),
                ModelConfig::Mllama(config, layout) => {
                    MllamaModel::load(checkpoint, config, *layout, device, dtype, max_context)
                        .map(|m| Model::Vision(Box::new(m)))
                }
            }));
        loaded.map_err(|_| InferenceError::Checkpoint("the weights could not be loaded".into()))?
    }

    fn tokenizer(&self) -> &Tokenizer {
        match self {
            Model::Text(m) => m.tokenizer(),
            Model::Vision(m) => m.tokenizer(),
        }
    }

    /// Token ids of `text`, with the special tokens the tokenizer adds (Llama 3: BOS). As
    /// the Hugging Face processor builds a vision prompt, `<|image|>` tokens that open it
    /// come before BOS.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, InferenceError> {
        let tokenize = |text: &str| -> Result<Vec<u32>, InferenceError> {
            let encoding = self
                .tokenizer()
                .encode(text, true)
                .map_err(|e| InferenceError::Tokenizer(e.to_string()))?;
            Ok(encoding.get_ids().to_vec())
        };
        let Model::Vision(m) = self else {
            return tokenize(text);
        };
        let rest = text.trim_start_matches(IMAGE_PLACEHOLDER);
        let leading = (text.len() - rest.len()) / IMAGE_PLACEHOLDER.len();
        let mut ids = vec![m.image_token(); leading];
        ids.extend(tokenize(rest)?);
        Ok(ids)
    }

    /// The text of `ids`, special tokens left out.
    pub fn decode(&self, ids: &[u32]) -> Result<String, InferenceError> {
        self.tokenizer()
            .decode(ids, true)
            .map_err(|e| InferenceError::Tokenizer(e.to_string()))
    }

    /// Tokens that end a generation.
    pub fn eos_ids(&self) -> &[u32] {
        match self {
            Model::Text(m) => &m.eos_ids,
            Model::Vision(m) => &m.eos_ids,
        }
    }

    pub fn vocab_size(&self) -> usize {
        match self {
            Model::Text(m) => m.vocab_size,
            Model::Vision(m) => m.vocab_size(),
        }
    }

    /// The `<|image|>` token, for a model that takes images.
    pub fn image_token(&self) -> Option<u32> {
        match self {
            Model::Text(_) => None,
            Model::Vision(m) => Some(m.image_token()),
        }
    }

    /// The side of an image tile, for a model that takes images.
    pub fn tile_size(&self) -> Option<usize> {
        match self {
            Model::Text(_) => None,
            Model::Vision(m) => Some(m.tile_size()),
        }
    }

    /// `image` prepared for this model; a text model takes no images.
    pub fn prepare_image(&self, image: &RgbImage) -> Result<TiledImage, InferenceError> {
        match self {
            Model::Text(_) => Err(InferenceError::InvalidParameter(
                "this model takes no images (it is a text model)".into(),
            )),
            Model::Vision(m) => Ok(m.prepare_image(image)),
        }
    }

    /// A decoding session with its own key/value cache (and the image's, when given).
    pub fn session(&self, image: Option<&TiledImage>) -> Result<Session<'_>, InferenceError> {
        match (self, image) {
            (Model::Text(m), None) => Ok(Session::Text(m.session()?)),
            (Model::Text(_), Some(_)) => Err(InferenceError::InvalidParameter(
                "this model takes no images (it is a text model)".into(),
            )),
            (Model::Vision(m), image) => Ok(Session::Vision(m.session(image)?)),
        }
    }

    /// The logits of the token after `tokens` (one forward pass, no cache kept).
    pub fn next_token_logits(
        &self,
        tokens: &[u32],
        image: Option<&TiledImage>,
    ) -> Result<Vec<f32>, InferenceError> {
        Ok(self.session(image)?.feed(tokens)?.to_vec1::<f32>()?)
    }

    /// The longest sequence this model was loaded for.
    pub fn max_context(&self) -> usize {
        match self {
            Model::Text(m) => m.max_context(),
            Model::Vision(m) => m.max_context(),
        }
    }
}
