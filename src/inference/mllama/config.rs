//! `config.json` of an `MllamaForConditionalGeneration` checkpoint, and every tensor it
//! implies, in either naming transformers has used (4.x as published, or 5.x).

use serde::Deserialize;
use serde_json::Value;

use crate::inference::InferenceError;

pub const MLLAMA_ARCHITECTURE: &str = "MllamaForConditionalGeneration";

#[derive(Debug, Clone, Deserialize)]
pub struct MllamaConfig {
    pub image_token_index: u32,
    pub text_config: TextConfig,
    pub vision_config: VisionConfig,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TextConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub num_key_value_heads: usize,
    pub cross_attention_layers: Vec<usize>,
    pub rms_norm_eps: f64,
    pub rope_theta: f64,
    #[serde(default)]
    pub rope_scaling: Option<RopeScaling>,
    #[serde(default)]
    pub eos_token_id: Value,
    #[serde(default)]
    pub tie_word_embeddings: bool,
}

/// Llama 3 RoPE scaling (the only kind Llama 3.2 Vision uses).
#[derive(Debug, Clone, Deserialize)]
pub struct RopeScaling {
    pub rope_type: String,
    #[serde(default = "one")]
    pub factor: f64,
    #[serde(default = "one")]
    pub low_freq_factor: f64,
    #[serde(default = "four")]
    pub high_freq_factor: f64,
    #[serde(default = "eight_k")]
    pub original_max_position_embeddings: usize,
}

fn one() -> f64 {
    1.0
}
fn four() -> f64 {
    4.0
}
fn eight_k() -> usize {
    8192
}

#[derive(Debug, Clone, Deserialize)]
pub struct VisionConfig {
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_global_layers: usize,
    pub attention_heads: usize,
    pub image_size: usize,
    pub patch_size: usize,
    #[serde(default = "three")]
    pub num_channels: usize,
    pub max_num_tiles: usize,
    pub supported_aspect_ratios: Vec<[usize; 2]>,
    pub intermediate_layers_indices: Vec<usize>,
    pub vision_output_dim: usize,
    #[serde(default = "norm_eps")]
    pub norm_eps: f64,
}

fn three() -> usize {
    3
}
fn norm_eps() -> f64 {
    1e-5
}

impl TextConfig {
    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads.max(1)
    }

    /// Token ids that end a generation (`eos_token_id`: one id or a list).
    pub fn eos_ids(&self) -> Vec<u32> {
        match &self.eos_token_id {
            Value::Number(n) => n.as_u64().map(|id| vec![id as u32]).unwrap_or_default(),
            Value::Array(ids) => ids
                .iter()
                .filter_map(|v| v.as_u64())
                .map(|id| id as u32)
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl VisionConfig {
    /// Tokens of a tile: its patches plus the class token.
    pub fn positions(&self) -> usize {
        (self.image_size / self.patch_size.max(1)).pow(2) + 1
    }

    pub fn max_aspect_ratio_id(&self) -> usize {
        self.supported_aspect_ratios.len()
    }
}

/// Where a checkpoint keeps each part: transformers 4 published Llama 3.2 Vision with the
/// parts at the top level; transformers 5 saves them under `model.`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Published,
    Transformers5,
}

impl Layout {
    /// The layout whose text embedding is among `names`.
    pub fn detect<'a>(mut names: impl Iterator<Item = &'a String>) -> Layout {
        match names.any(|n| n == "model.language_model.embed_tokens.weight") {
            true => Layout::Transformers5,
            false => Layout::Published,
        }
    }

    pub fn vision(self) -> &'static str {
        match self {
            Layout::Published => "vision_model",
            Layout::Transformers5 => "model.vision_model",
        }
    }

    pub fn projector(self) -> &'static str {
        match self {
            Layout::Published => "multi_modal_projector",
            Layout::Transformers5 => "model.multi_modal_projector",
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Layout::Published => "language_model.model",
            Layout::Transformers5 => "model.language_model",
        }
    }

    pub fn lm_head(self) -> &'static str {
        match self {
            Layout::Published => "language_model.lm_head",
            Layout::Transformers5 => "lm_head",
        }
    }
}

impl MllamaConfig {
    /// Reads a (normalised) `config.json` and checks what this implementation relies on.
    pub fn from_json(config: &Value) -> Result<Self, InferenceError> {
        let parsed: MllamaConfig = serde_json::from_value(config.clone())
            .map_err(|e| InferenceError::Checkpoint(format!("`config.json`: {e}")))?;
        let (t, v) = (&parsed.text_config, &parsed.vision_config);
        let bad = |what: String| Err(InferenceError::Checkpoint(format!("`config.json`: {what}")));
        let sizes = [
            t.vocab_size,
            t.hidden_size,
            t.intermediate_size,
            t.num_hidden_layers,
            v.hidden_size,
            v.intermediate_size,
            v.num_hidden_layers,
            v.image_size,
            v.max_num_tiles,
        ];
        if sizes.contains(&0) {
            return bad("a size is zero".into());
        }
        if v.num_channels != 3 {
            return Err(InferenceError::Unsupported(format!(
                "images of {} channels",
                v.num_channels
            )));
        }
        if parsed.image_token_index as usize >= t.vocab_size + 8 {
            return bad("`image_token_index` is beyond the embedding rows".into());
        }
        if t.num_attention_heads == 0
            || t.hidden_size % t.num_attention_heads != 0
            || t.num_key_value_heads == 0
            || t.num_attention_heads % t.num_key_value_heads != 0
        {
            return bad("text heads do not divide the hidden size".into());
        }
        if v.attention_heads == 0 || v.hidden_size % v.attention_heads != 0 {
            return bad("vision heads do not divide the hidden size".into());
        }
        if v.patch_size == 0 || v.image_size % v.patch_size != 0 {
            return bad("the patch size does not divide the tile size".into());
        }
        if let Some(&layer) = t
            .cross_attention_layers
            .iter()
            .find(|&&l| l >= t.num_hidden_layers)
        {
            return bad(format!(
                "cross-attention layer {layer} is beyond the decoder"
            ));
        }
        if let Some(&i) = v
            .intermediate_layers_indices
            .iter()
            .find(|&&i| i >= v.num_hidden_layers)
        {
            return bad(format!("intermediate layer {i} is beyond the encoder"));
        }
        if v.vision_output_dim != v.hidden_size * (1 + v.intermediate_layers_indices.len()) {
            return bad(
                "`vision_output_dim` is not the hidden size times the layers it joins".into(),
            );
        }
        let layouts: Vec<(usize, usize)> = v
            .supported_aspect_ratios
            .iter()
            .map(|r| (r[0], r[1]))
            .collect();
        if layouts != crate::inference::image::supported_layouts(v.max_num_tiles) {
            return Err(InferenceError::Unsupported(
                "`supported_aspect_ratios` other than every layout of at most `max_num_tiles` tiles".into(),
            ));
        }
        if t.tie_word_embeddings {
            return Err(InferenceError::Unsupported(
                "tied embeddings in a vision model".into(),
            ));
        }
        Ok(parsed)
    }

    /// Every tensor of the model in `layout`, with its shape.
    pub fn expected_tensors(&self, layout: Layout) -> Vec<(String, Vec<usize>)> {
        let (t, v) = (&self.text_config, &self.vision_config);
        let mut out = Vec::new();
        let vis = layout.vision();
        let (h, p, tiles) = (v.hidden_size, v.positions(), v.max_num_tiles);
        let ratios = v.max_aspect_ratio_id() + 1;
        out.extend([
            (
                format!("{vis}.patch_embedding.weight"),
                vec![h, v.num_channels, v.patch_size, v.patch_size],
            ),
            (format!("{vis}.class_embedding"), vec![h]),
            (
                format!("{vis}.gated_positional_embedding.embedding"),
                vec![p, h],
            ),
            (format!("{vis}.gated_positional_embedding.gate"), vec![1]),
            (
                format!("{vis}.gated_positional_embedding.tile_embedding.weight"),
                vec![ratios, tiles * p * h],
            ),
            (
                format!("{vis}.pre_tile_positional_embedding.embedding.weight"),
                vec![ratios, tiles * h],
            ),
            (format!("{vis}.pre_tile_positional_embedding.gate"), vec![1]),
            (
                format!("{vis}.post_tile_positional_embedding.embedding.weight"),
                vec![ratios, tiles * h],
            ),
            (
                format!("{vis}.post_tile_positional_embedding.gate"),
                vec![1],
            ),
        ]);
        for norm in ["layernorm_pre", "layernorm_post"] {
            out.push((format!("{vis}.{norm}.weight"), vec![h]));
            out.push((format!("{vis}.{norm}.bias"), vec![h]));
        }
        let layers = (0..v.num_hidden_layers)
            .map(|i| (format!("{vis}.transformer.layers.{i}"), false))
            .chain(
                (0..v.num_global_layers)
                    .map(|i| (format!("{vis}.global_transformer.layers.{i}"), true)),
            );
        for (prefix, gated) in layers {
            let i = v.intermediate_size;
            out.extend([
                (format!("{prefix}.input_layernorm.weight"), vec![h]),
                (format!("{prefix}.input_layernorm.bias"), vec![h]),
                (format!("{prefix}.self_attn.q_proj.weight"), vec![h, h]),
                (format!("{prefix}.self_attn.k_proj.weight"), vec![h, h]),
                (format!("{prefix}.self_attn.v_proj.weight"), vec![h, h]),
                (format!("{prefix}.self_attn.o_proj.weight"), vec![h, h]),
                (format!("{prefix}.post_attention_layernorm.weight"), vec![h]),
                (format!("{prefix}.post_attention_layernorm.bias"), vec![h]),
                (format!("{prefix}.mlp.fc1.weight"), vec![i, h]),
                (format!("{prefix}.mlp.fc1.bias"), vec![i]),
                (format!("{prefix}.mlp.fc2.weight"), vec![h, i]),
                (format!("{prefix}.mlp.fc2.bias"), vec![h]),
            ]);
            if gated {
                out.push((format!("{prefix}.gate_attn"), vec![1]));
                out.push((format!("{prefix}.gate_ffn"), vec![1]));
            }
        }
        let proj = layout.projector();
        out.push((
            format!("{proj}.weight"),
            vec![t.hidden_size, v.vision_output_dim],
        ));
        out.push((format!("{proj}.bias"), vec![t.hidden_size]));
        let text = layout.text();
        let (th, ti, d) = (t.hidden_size, t.intermediate_size, t.head_dim());
        let (q, kv) = (t.num_attention_heads * d, t.num_key_value_heads * d);
        out.push((
            format!("{text}.embed_tokens.weight"),
            vec![t.vocab_size + 8, th],
        ));
        for layer in 0..t.num_hidden_layers {
            let prefix = format!("{text}.layers.{layer}");
            let cross = t.cross_attention_layers.contains(&layer);
            let attn = if cross { "cross_attn" } else { "self_attn" };
            out.extend([
                (format!("{prefix}.input_layernorm.weight"), vec![th]),
                (format!("{prefix}.{attn}.q_proj.weight"), vec![q, th]),
                (format!("{prefix}.{attn}.k_proj.weight"), vec![kv, th]),
                (format!("{prefix}.{attn}.v_proj.weight"), vec![kv, th]),
                (format!("{prefix}.{attn}.o_proj.weight"), vec![th, q]),
                (
                    format!("{prefix}.post_attention_layernorm.weight"),
                    vec![th],
                ),
                (format!("{prefix}.mlp.gate_proj.weight"), vec![ti, th]),
                (format!("{prefix}.mlp.up_proj.weight"), vec![ti, th]),
                (format!("{prefix}.mlp.down_proj.weight"), vec![th, ti]),
            ]);
            if cross {
                out.extend([
                    (format!("{prefix}.cross_attn.q_norm.weight"), vec![d]),
                    (format!("{prefix}.cross_attn.k_norm.weight"), vec![d]),
                    (format!("{prefix}.cross_attn_attn_gate"), vec![1]),
                    (format!("{prefix}.cross_attn_mlp_gate"), vec![1]),
                ]);
            }
        }
        out.push((format!("{text}.norm.weight"), vec![th]));
        out.push((
            format!("{}.weight", layout.lm_head()),
            vec![t.vocab_size, th],
        ));
        out
    }
}
