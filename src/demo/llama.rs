//! The demo Llama 3.2 text model: `LlamaForCausalLM` with llama3 RoPE scaling, tied
//! embeddings and grouped-query attention, with the published tensor names, only tiny.

use serde_json::{json, Value};

use super::tokenizer::{BOS_ID, EOS_ID, VOCAB_SIZE};
use super::weights::TensorSpec;

/// Sizes of the demo text model (Llama-3.2-1B: 2048 / 8192 / 32 / 8 / 16).
pub struct TextSizes {
    pub hidden: usize,
    pub intermediate: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub layers: usize,
    pub vocab: usize,
    /// Gated cross-attention layers among `layers` (Mllama only; 0 for text models).
    pub cross_layers: usize,
}

pub const DEMO_TEXT: TextSizes = TextSizes {
    hidden: 64,
    intermediate: 192,
    heads: 4,
    kv_heads: 2,
    layers: 4,
    vocab: VOCAB_SIZE,
    cross_layers: 0,
};

impl TextSizes {
    pub fn head_dim(&self) -> usize {
        self.hidden / self.heads
    }
}

pub fn config_json(s: &TextSizes) -> Value {
    json!({
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": false,
        "attention_dropout": 0.0,
        "bos_token_id": BOS_ID,
        "eos_token_id": EOS_ID,
        "head_dim": s.head_dim(),
        "hidden_act": "silu",
        "hidden_size": s.hidden,
        "initializer_range": 0.02,
        "intermediate_size": s.intermediate,
        "max_position_embeddings": 131072,
        "mlp_bias": false,
        "model_type": "llama",
        "num_attention_heads": s.heads,
        "num_hidden_layers": s.layers,
        "num_key_value_heads": s.kv_heads,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": {
            "factor": 32.0,
            "high_freq_factor": 4.0,
            "low_freq_factor": 1.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3"
        },
        "rope_theta": 500000.0,
        "tie_word_embeddings": true,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.45.0",
        "use_cache": true,
        "vocab_size": s.vocab
    })
}

pub fn generation_config_json() -> Value {
    json!({
        "_from_model_config": true,
        "bos_token_id": BOS_ID,
        "do_sample": true,
        "eos_token_id": EOS_ID,
        "temperature": 0.6,
        "top_p": 0.9,
        "transformers_version": "4.45.0"
    })
}

/// The q/k/v/o projections of grouped-query attention under `{prefix}.{kind}`, where
/// `kind` is `self_attn` or (in Mllama) `cross_attn`.
pub fn attention_projections(prefix: &str, kind: &str, s: &TextSizes) -> Vec<TensorSpec> {
    let (h, d) = (s.hidden, s.head_dim());
    let name = |proj: &str| format!("{prefix}.{kind}.{proj}_proj.weight");
    vec![
        TensorSpec::normal(name("q"), &[s.heads * d, h], 0.02),
        TensorSpec::normal(name("k"), &[s.kv_heads * d, h], 0.02),
        TensorSpec::normal(name("v"), &[s.kv_heads * d, h], 0.02),
        TensorSpec::normal(name("o"), &[h, s.heads * d], 0.02),
    ]
}

/// The SwiGLU MLP under `{prefix}.mlp`.
pub fn gated_mlp(prefix: &str, s: &TextSizes) -> Vec<TensorSpec> {
    let (h, i) = (s.hidden, s.intermediate);
    vec![
        TensorSpec::normal(format!("{prefix}.mlp.gate_proj.weight"), &[i, h], 0.02),
        TensorSpec::normal(format!("{prefix}.mlp.up_proj.weight"), &[i, h], 0.02),
        TensorSpec::normal(format!("{prefix}.mlp.down_proj.weight"), &[h, i], 0.02),
    ]
}

/// One decoder layer's self-attention and MLP tensors under `prefix` (e.g. `model.layers.0`).
pub fn decoder_layer(prefix: &str, s: &TextSizes) -> Vec<TensorSpec> {
    let mut out = vec![TensorSpec::constant(
        format!("{prefix}.input_layernorm.weight"),
        &[s.hidden],
        1.0,
    )];
    out.extend(attention_projections(prefix, "self_attn", s));
    out.push(TensorSpec::constant(
        format!("{prefix}.post_attention_layernorm.weight"),
        &[s.hidden],
        1.0,
    ));
    out.extend(gated_mlp(prefix, s));
    out
}

/// Every tensor of the checkpoint; no `lm_head.weight`, as the embeddings are tied.
pub fn tensors(s: &TextSizes) -> Vec<TensorSpec> {
    let mut out = vec![TensorSpec::normal(
        "model.embed_tokens.weight",
        &[s.vocab, s.hidden],
        0.02,
    )];
    for layer in 0..s.layers {
        out.extend(decoder_layer(&format!("model.layers.{layer}"), s));
    }
    out.push(TensorSpec::constant("model.norm.weight", &[s.hidden], 1.0));
    out
}
