//! The demo Llama 3.2 Vision model: `MllamaForConditionalGeneration` with a tiled vision
//! encoder (local layers, gated global layers, intermediate-layer features), the
//! multimodal projector, and gated cross-attention layers interleaved in the text decoder.
//! Tensor names and shape relations follow the published checkpoints.

use serde_json::{json, Value};

use super::llama::{attention_projections, decoder_layer, gated_mlp, TextSizes};
use super::tokenizer::{BOS_ID, EOS_ID, IMAGE_TOKEN_ID, PAD_ID, VOCAB_SIZE};
use super::weights::TensorSpec;

/// Sizes of the demo vision encoder (11B: 1280 / 5120 / 32 local / 8 global / 16 heads / 560 px).
pub struct VisionSizes {
    pub hidden: usize,
    pub intermediate: usize,
    pub local_layers: usize,
    pub global_layers: usize,
    pub heads: usize,
    pub image_size: usize,
    pub patch_size: usize,
    pub max_tiles: usize,
    pub intermediate_layers: &'static [usize],
}

pub const DEMO_VISION: VisionSizes = VisionSizes {
    hidden: 32,
    intermediate: 64,
    local_layers: 4,
    global_layers: 2,
    heads: 2,
    image_size: 56,
    patch_size: 14,
    max_tiles: 4,
    intermediate_layers: &[1, 3],
};

/// The demo text decoder: 4 self-attention layers plus 2 cross-attention layers.
pub const DEMO_VISION_TEXT: TextSizes = TextSizes {
    hidden: 64,
    intermediate: 192,
    heads: 4,
    kv_heads: 2,
    layers: 6,
    vocab: VOCAB_SIZE,
    cross_layers: 2,
};

/// Tile layouts (rows, columns) the processor may choose, as in the published config.
pub const SUPPORTED_ASPECT_RATIOS: [[usize; 2]; 8] = [
    [1, 1],
    [1, 2],
    [1, 3],
    [1, 4],
    [2, 1],
    [2, 2],
    [3, 1],
    [4, 1],
];

impl VisionSizes {
    /// Patches per tile plus the class token.
    pub fn positions(&self) -> usize {
        (self.image_size / self.patch_size).pow(2) + 1
    }

    pub fn output_dim(&self) -> usize {
        self.hidden * (1 + self.intermediate_layers.len())
    }
}

/// Where the cross-attention layers sit, by the converter's rule: with `n` self-attention
/// and `k` cross-attention layers, every `ceil(n/k)+1`-th layer starting at `ceil(n/k)-1`.
pub fn cross_attention_layers(total_layers: usize, cross_layers: usize) -> Vec<usize> {
    let self_layers = total_layers - cross_layers;
    let freq = self_layers.div_ceil(cross_layers);
    (freq - 1..total_layers).step_by(freq + 1).collect()
}

pub fn config_json(v: &VisionSizes, t: &TextSizes) -> Value {
    json!({
        "architectures": ["MllamaForConditionalGeneration"],
        "image_token_index": IMAGE_TOKEN_ID,
        "model_type": "mllama",
        "torch_dtype": "bfloat16",
        "transformers_version": "4.45.0",
        "text_config": {
            "model_type": "mllama_text_model",
            "vocab_size": t.vocab,
            "hidden_size": t.hidden,
            "intermediate_size": t.intermediate,
            "num_hidden_layers": t.layers,
            "num_attention_heads": t.heads,
            "num_key_value_heads": t.kv_heads,
            "hidden_act": "silu",
            "cross_attention_layers": cross_attention_layers(t.layers, t.cross_layers),
            "max_position_embeddings": 131072,
            "rms_norm_eps": 1e-05,
            "rope_theta": 500000.0,
            "rope_scaling": {
                "factor": 8.0,
                "high_freq_factor": 4.0,
                "low_freq_factor": 1.0,
                "original_max_position_embeddings": 8192,
                "rope_type": "llama3"
            },
            "bos_token_id": BOS_ID,
            "eos_token_id": EOS_ID,
            "pad_token_id": PAD_ID,
            "tie_word_embeddings": false,
            "dropout": 0,
            "initializer_range": 0.02,
            "torch_dtype": "bfloat16",
            "use_cache": true
        },
        "vision_config": {
            "model_type": "mllama_vision_model",
            "hidden_size": v.hidden,
            "intermediate_size": v.intermediate,
            "num_hidden_layers": v.local_layers,
            "num_global_layers": v.global_layers,
            "attention_heads": v.heads,
            "image_size": v.image_size,
            "patch_size": v.patch_size,
            "num_channels": 3,
            "max_num_tiles": v.max_tiles,
            "supported_aspect_ratios": SUPPORTED_ASPECT_RATIOS,
            "intermediate_layers_indices": v.intermediate_layers,
            "vision_output_dim": v.output_dim(),
            "norm_eps": 1e-05,
            "hidden_act": "gelu",
            "initializer_range": 0.02,
            "torch_dtype": "bfloat16"
        }
    })
}

pub fn generation_config_json() -> Value {
    json!({
        "_from_model_config": true,
        "bos_token_id": BOS_ID,
        "eos_token_id": EOS_ID,
        "pad_token_id": PAD_ID,
        "transformers_version": "4.45.0"
    })
}

pub fn preprocessor_config_json(v: &VisionSizes) -> Value {
    json!({
        "do_convert_rgb": true,
        "do_normalize": true,
        "do_pad": true,
        "do_rescale": true,
        "do_resize": true,
        "image_mean": [0.48145466, 0.4578275, 0.40821073],
        "image_processor_type": "MllamaImageProcessor",
        "image_std": [0.26862954, 0.26130258, 0.27577711],
        "max_image_tiles": v.max_tiles,
        "resample": 2,
        "rescale_factor": 0.00392156862745098,
        "size": { "height": v.image_size, "width": v.image_size }
    })
}

/// Encoder layer projections are drawn wider than the text model's, so that each layer
/// (and any change to it) visibly moves the image features and, through them, the logits.
const VISION_STD: f32 = 0.2;

fn vision_layer(prefix: &str, v: &VisionSizes, gated: bool) -> Vec<TensorSpec> {
    let (h, i) = (v.hidden, v.intermediate);
    let mut out = vec![
        TensorSpec::constant(format!("{prefix}.input_layernorm.weight"), &[h], 1.0),
        TensorSpec::constant(format!("{prefix}.input_layernorm.bias"), &[h], 0.0),
        TensorSpec::normal(
            format!("{prefix}.self_attn.q_proj.weight"),
            &[h, h],
            VISION_STD,
        ),
        TensorSpec::normal(
            format!("{prefix}.self_attn.k_proj.weight"),
            &[h, h],
            VISION_STD,
        ),
        TensorSpec::normal(
            format!("{prefix}.self_attn.v_proj.weight"),
            &[h, h],
            VISION_STD,
        ),
        TensorSpec::normal(
            format!("{prefix}.self_attn.o_proj.weight"),
            &[h, h],
            VISION_STD,
        ),
        TensorSpec::constant(
            format!("{prefix}.post_attention_layernorm.weight"),
            &[h],
            1.0,
        ),
        TensorSpec::constant(format!("{prefix}.post_attention_layernorm.bias"), &[h], 0.0),
        TensorSpec::normal(format!("{prefix}.mlp.fc1.weight"), &[i, h], VISION_STD),
        TensorSpec::normal(format!("{prefix}.mlp.fc1.bias"), &[i], VISION_STD),
        TensorSpec::normal(format!("{prefix}.mlp.fc2.weight"), &[h, i], VISION_STD),
        TensorSpec::normal(format!("{prefix}.mlp.fc2.bias"), &[h], VISION_STD),
    ];
    if gated {
        out.push(TensorSpec::constant(
            format!("{prefix}.gate_attn"),
            &[1],
            0.5,
        ));
        out.push(TensorSpec::constant(
            format!("{prefix}.gate_ffn"),
            &[1],
            0.5,
        ));
    }
    out
}

fn vision_tensors(v: &VisionSizes) -> Vec<TensorSpec> {
    let (h, p, tiles) = (v.hidden, v.positions(), v.max_tiles);
    let ratio_rows = SUPPORTED_ASPECT_RATIOS.len() + 1;
    let mut out = vec![
        TensorSpec::normal(
            "vision_model.patch_embedding.weight",
            &[h, 3, v.patch_size, v.patch_size],
            0.02,
        ),
        TensorSpec::normal("vision_model.class_embedding", &[h], 0.02),
        TensorSpec::normal(
            "vision_model.gated_positional_embedding.embedding",
            &[p, h],
            0.02,
        ),
        TensorSpec::constant("vision_model.gated_positional_embedding.gate", &[1], 0.5),
        TensorSpec::normal(
            "vision_model.gated_positional_embedding.tile_embedding.weight",
            &[ratio_rows, tiles * p * h],
            0.02,
        ),
        TensorSpec::normal(
            "vision_model.pre_tile_positional_embedding.embedding.weight",
            &[ratio_rows, tiles * h],
            0.02,
        ),
        TensorSpec::constant("vision_model.pre_tile_positional_embedding.gate", &[1], 0.5),
        TensorSpec::normal(
            "vision_model.post_tile_positional_embedding.embedding.weight",
            &[ratio_rows, tiles * h],
            0.02,
        ),
        TensorSpec::constant(
            "vision_model.post_tile_positional_embedding.gate",
            &[1],
            0.5,
        ),
        TensorSpec::constant("vision_model.layernorm_pre.weight", &[h], 1.0),
        TensorSpec::constant("vision_model.layernorm_pre.bias", &[h], 0.0),
        TensorSpec::constant("vision_model.layernorm_post.weight", &[h], 1.0),
        TensorSpec::constant("vision_model.layernorm_post.bias", &[h], 0.0),
    ];
    for layer in 0..v.local_layers {
        out.extend(vision_layer(
            &format!("vision_model.transformer.layers.{layer}"),
            v,
            false,
        ));
    }
    for layer in 0..v.global_layers {
        out.extend(vision_layer(
            &format!("vision_model.global_transformer.layers.{layer}"),
            v,
            true,
        ));
    }
    out
}

/// A gated cross-attention layer: no self-attention and no RoPE; q/k normed per head.
fn cross_attention_layer(prefix: &str, t: &TextSizes) -> Vec<TensorSpec> {
    let (h, d) = (t.hidden, t.head_dim());
    let mut out = vec![TensorSpec::constant(
        format!("{prefix}.input_layernorm.weight"),
        &[h],
        1.0,
    )];
    out.extend(attention_projections(prefix, "cross_attn", t));
    out.extend([
        TensorSpec::constant(format!("{prefix}.cross_attn.q_norm.weight"), &[d], 1.0),
        TensorSpec::constant(format!("{prefix}.cross_attn.k_norm.weight"), &[d], 1.0),
        TensorSpec::constant(format!("{prefix}.cross_attn_attn_gate"), &[1], 0.5),
        TensorSpec::constant(
            format!("{prefix}.post_attention_layernorm.weight"),
            &[h],
            1.0,
        ),
    ]);
    out.extend(gated_mlp(prefix, t));
    out.push(TensorSpec::constant(
        format!("{prefix}.cross_attn_mlp_gate"),
        &[1],
        0.5,
    ));
    out
}

/// Every tensor of the checkpoint, in the published (transformers 4.45) naming.
pub fn tensors(v: &VisionSizes, t: &TextSizes) -> Vec<TensorSpec> {
    let cross = cross_attention_layers(t.layers, t.cross_layers);
    let mut out = vision_tensors(v);
    // Larger than the other projections, so that the image visibly moves the logits.
    out.push(TensorSpec::normal(
        "multi_modal_projector.weight",
        &[t.hidden, v.output_dim()],
        0.2,
    ));
    out.push(TensorSpec::normal(
        "multi_modal_projector.bias",
        &[t.hidden],
        0.02,
    ));
    // Eight rows beyond the vocabulary: `<|image|>` and Meta's learnable embeddings.
    out.push(TensorSpec::normal(
        "language_model.model.embed_tokens.weight",
        &[t.vocab + 8, t.hidden],
        0.02,
    ));
    for layer in 0..t.layers {
        let prefix = format!("language_model.model.layers.{layer}");
        if cross.contains(&layer) {
            out.extend(cross_attention_layer(&prefix, t));
        } else {
            out.extend(decoder_layer(&prefix, t));
        }
    }
    out.push(TensorSpec::constant(
        "language_model.model.norm.weight",
        &[t.hidden],
        1.0,
    ));
    out.push(TensorSpec::normal(
        "language_model.lm_head.weight",
        &[t.vocab, t.hidden],
        0.02,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_layer_placement_matches_the_published_11b_and_90b_configs() {
        assert_eq!(
            cross_attention_layers(40, 8),
            vec![3, 8, 13, 18, 23, 28, 33, 38]
        );
        assert_eq!(cross_attention_layers(100, 20).len(), 20);
        assert_eq!(cross_attention_layers(100, 20)[19], 98);
        assert_eq!(cross_attention_layers(6, 2), vec![1, 4]);
    }

    #[test]
    fn published_11b_sizes_give_the_published_tensor_count_and_shapes() {
        let v = VisionSizes {
            hidden: 1280,
            intermediate: 5120,
            local_layers: 32,
            global_layers: 8,
            heads: 16,
            image_size: 560,
            patch_size: 14,
            max_tiles: 4,
            intermediate_layers: &[3, 7, 15, 23, 30],
        };
        let t = TextSizes {
            hidden: 4096,
            intermediate: 14336,
            heads: 32,
            kv_heads: 8,
            layers: 40,
            vocab: 128_256,
            cross_layers: 8,
        };
        let specs = tensors(&v, &t);
        assert_eq!(
            specs.len(),
            906,
            "the published checkpoint holds 906 tensors"
        );
        let shape = |name: &str| {
            specs
                .iter()
                .find(|s| s.name == name)
                .map(|s| s.shape.clone())
                .expect(name)
        };
        assert_eq!(
            shape("vision_model.gated_positional_embedding.tile_embedding.weight"),
            vec![9, 8_197_120]
        );
        assert_eq!(
            shape("vision_model.gated_positional_embedding.embedding"),
            vec![1601, 1280]
        );
        assert_eq!(shape("multi_modal_projector.weight"), vec![4096, 7680]);
        assert_eq!(
            shape("language_model.model.embed_tokens.weight"),
            vec![128_264, 4096]
        );
        assert_eq!(
            shape("language_model.model.layers.3.cross_attn.k_norm.weight"),
            vec![128]
        );
    }
}
