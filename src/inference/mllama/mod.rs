//! Llama 3.2 Vision (`MllamaForConditionalGeneration`) on candle: `config` reads the
//! checkpoint's configuration and names its tensors, `vision` is the tiled image encoder,
//! `text` the decoder with gated cross-attention; this module joins them through the
//! multimodal projector and runs decoding sessions with or without an image.
//!
//! The computation follows Meta's reference implementation. Two places where current
//! Hugging Face `transformers` differs are chosen deliberately: the vision features are
//! taken from the *inputs* of the listed encoder layers (as in Meta's code and transformers
//! 4.45; transformers from 4.56 takes their outputs), and positions before `<|image|>` get
//! nothing from cross-attention (transformers masks only the MLP branch there).

pub mod config;
pub mod text;
pub mod vision;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::Linear;
use tokenizers::Tokenizer;

use self::config::{Layout, MllamaConfig};
use self::text::{ImageContext, LayerCache, TextDecoder};
use self::vision::VisionEncoder;
use super::checkpoint::Checkpoint;
use super::image::{preprocess, PreprocessorConfig, RgbImage, TiledImage};
use super::llama::mmap_weights;
use super::InferenceError;

/// A loaded vision model, shareable between threads (every session has its own cache).
pub struct MllamaModel {
    config: MllamaConfig,
    vision: VisionEncoder,
    projector: Linear,
    text: TextDecoder,
    preprocessor: PreprocessorConfig,
    tokenizer: Tokenizer,
    pub eos_ids: Vec<u32>,
    max_context: usize,
    device: Device,
    dtype: DType,
}

impl std::fmt::Debug for MllamaModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MllamaModel")
            .field("dtype", &self.dtype)
            .finish_non_exhaustive()
    }
}

impl MllamaModel {
    /// Loads a checked checkpoint on `device`, computing in `dtype`.
    pub fn load(
        checkpoint: &Checkpoint,
        config: &MllamaConfig,
        layout: Layout,
        device: &Device,
        dtype: DType,
        max_context: usize,
    ) -> Result<Self, InferenceError> {
        let vb = mmap_weights(checkpoint, dtype, device)?;
        let (t, v) = (&config.text_config, &config.vision_config);
        let vision = VisionEncoder::load(vb.pp(layout.vision()), v)?;
        let projector = candle_nn::linear(
            v.vision_output_dim,
            t.hidden_size,
            vb.pp(layout.projector()),
        )?;
        let text = TextDecoder::load(
            vb.pp(layout.text()),
            vb.pp(layout.lm_head()),
            t,
            max_context,
        )?;
        let preprocessor = PreprocessorConfig::from_checkpoint(&checkpoint.files)?;
        if preprocessor.tile_size != v.image_size || preprocessor.max_image_tiles != v.max_num_tiles
        {
            return Err(InferenceError::Checkpoint(
                "the image processor config and `config.json` disagree on the tiles".into(),
            ));
        }
        let tokenizer = Tokenizer::from_file(checkpoint.files.path("tokenizer.json")?)
            .map_err(|e| InferenceError::Tokenizer(format!("`tokenizer.json`: {e}")))?;
        Ok(MllamaModel {
            eos_ids: t.eos_ids(),
            config: config.clone(),
            vision,
            projector,
            text,
            preprocessor,
            tokenizer,
            max_context,
            device: device.clone(),
            dtype,
        })
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    pub fn vocab_size(&self) -> usize {
        self.config.text_config.vocab_size
    }

    pub fn image_token(&self) -> u32 {
        self.config.image_token_index
    }

    /// The side of a tile, in pixels.
    pub fn tile_size(&self) -> usize {
        self.config.vision_config.image_size
    }

    pub fn max_context(&self) -> usize {
        self.max_context
    }

    /// Tiles, resizes and normalises `image` as this checkpoint's processor says.
    pub fn prepare_image(&self, image: &RgbImage) -> TiledImage {
        preprocess(image, &self.preprocessor)
    }

    /// The image's tokens for the cross-attention layers: encoder, then projector.
    fn image_context(&self, image: &TiledImage) -> Result<ImageContext, InferenceError> {
        let v = &self.config.vision_config;
        let features = self.vision.forward(image, self.dtype, &self.device)?;
        let states =
            self.projector
                .forward(&features)?
                .reshape((1, v.max_num_tiles * v.positions(), ()))?;
        let tile_mask = text::tile_mask(
            image.tiles(),
            v.max_num_tiles,
            v.positions(),
            self.dtype,
            &self.device,
        )?;
        Ok(ImageContext { states, tile_mask })
    }

    /// A decoding session; with an image, the prompt must hold one `<|image|>` token.
    pub fn session(&self, image: Option<&TiledImage>) -> Result<Session<'_>, InferenceError> {
        let (cache, tile_mask) = match image {
            Some(image) => {
                let context = self.image_context(image)?;
                (self.text.attach_image(&context)?, Some(context.tile_mask))
            }
            None => (vec![LayerCache::Empty; self.text.layer_count()], None),
        };
        Ok(Session {
            model: self,
            cache,
            tile_mask,
            image_at: None,
            position: 0,
        })
    }
}

/// Incremental decoding with an optional image.
pub struct Session<'a> {
    model: &'a MllamaModel,
    cache: Vec<LayerCache>,
    tile_mask: Option<Tensor>,
    /// Where `<|image|>` was fed, once it was.
    image_at: Option<usize>,
    position: usize,
}

impl Session<'_> {
    /// Tokens fed so far.
    pub fn position(&self) -> usize {
        self.position
    }

    /// The longest sequence the model was loaded for.
    pub fn max_context(&self) -> usize {
        self.model.max_context
    }

    /// Runs `tokens` after what was fed so far (checked by `model::Session::feed`);
    /// returns the f32 logits of the next token.
    pub fn feed(&mut self, tokens: &[u32]) -> Result<Tensor, InferenceError> {
        let image_token = self.model.image_token();
        let images_here = tokens.iter().filter(|&&t| t == image_token).count();
        match (
            self.tile_mask.is_some(),
            self.image_at.is_some(),
            images_here,
        ) {
            (_, _, 0) => {}
            (true, false, 1) => {
                let at = tokens.iter().position(|&t| t == image_token).unwrap_or(0);
                self.image_at = Some(self.position + at);
            }
            (false, _, _) => {
                return Err(InferenceError::InvalidParameter(
                    "the prompt holds an `<|image|>` token but no image was given".into(),
                ))
            }
            _ => {
                return Err(InferenceError::InvalidParameter(
                    "the prompt holds more than one `<|image|>` token; one image is supported"
                        .into(),
                ))
            }
        }
        let sees_image: Vec<bool> = (0..tokens.len())
            .map(|i| self.image_at.is_some_and(|at| self.position + i >= at))
            .collect();
        let logits = self.model.text.forward(
            tokens,
            self.position,
            &sees_image,
            self.tile_mask.as_ref(),
            &mut self.cache,
        )?;
        self.position += tokens.len();
        Ok(logits)
    }
}
