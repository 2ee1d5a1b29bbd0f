//! The Mllama text decoder: Llama 3 self-attention layers with gated cross-attention
//! layers at the configured indices. A cross-attention layer sees the image's tokens only
//! from the `<|image|>` token on; for earlier positions it adds nothing (Meta's reference:
//! both its attention and its MLP output are masked out there).

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Embedding, Linear, RmsNorm, VarBuilder};

use super::config::TextConfig;

fn silu_mlp(vb: &VarBuilder, c: &TextConfig) -> candle_core::Result<(Linear, Linear, Linear)> {
    let (h, i) = (c.hidden_size, c.intermediate_size);
    Ok((
        candle_nn::linear_no_bias(h, i, vb.pp("mlp.gate_proj"))?,
        candle_nn::linear_no_bias(h, i, vb.pp("mlp.up_proj"))?,
        candle_nn::linear_no_bias(i, h, vb.pp("mlp.down_proj"))?,
    ))
}

fn run_mlp(mlp: &(Linear, Linear, Linear), x: &Tensor) -> candle_core::Result<Tensor> {
    let gate = candle_nn::ops::silu(&mlp.0.forward(x)?)?;
    mlp.2.forward(&(gate * mlp.1.forward(x)?)?)
}

/// Attention of `q` [b, heads, t, d] over `k`, `v` [b, kv_heads, s, d] with an additive
/// mask; [b, t, heads × d] out.
pub(super) fn attend(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&Tensor>,
) -> candle_core::Result<Tensor> {
    let (b, heads, t, d) = q.dims4()?;
    let groups = heads / k.dim(1)?;
    let k = candle_transformers::utils::repeat_kv(k.clone(), groups)?;
    let v = candle_transformers::utils::repeat_kv(v.clone(), groups)?;
    let mut scores = (q.matmul(&k.t()?)? * (d as f64).powf(-0.5))?;
    if let Some(mask) = mask {
        scores = scores.broadcast_add(mask)?;
    }
    let weights = candle_nn::ops::softmax_last_dim(&scores)?;
    weights
        .matmul(&v)?
        .transpose(1, 2)?
        .reshape((b, t, heads * d))
}

/// Rotary tables for positions `0..max_positions`, with Llama 3 frequency scaling.
pub struct Rotary {
    cos: Tensor,
    sin: Tensor,
}

impl Rotary {
    pub fn new(c: &TextConfig, max_positions: usize, device: &Device) -> candle_core::Result<Self> {
        let d = c.head_dim();
        let mut inv_freq: Vec<f32> = (0..d)
            .step_by(2)
            .map(|i| 1.0 / (c.rope_theta as f32).powf(i as f32 / d as f32))
            .collect();
        if let Some(s) = c.rope_scaling.as_ref().filter(|s| s.rope_type == "llama3") {
            let old = s.original_max_position_embeddings as f32;
            let low_wavelen = old / s.low_freq_factor as f32;
            let high_wavelen = old / s.high_freq_factor as f32;
            for f in &mut inv_freq {
                let wavelen = 2.0 * std::f32::consts::PI / *f;
                *f = if wavelen < high_wavelen {
                    *f
                } else if wavelen > low_wavelen {
                    *f / s.factor as f32
                } else {
                    let smooth = (old / wavelen - s.low_freq_factor as f32)
                        / (s.high_freq_factor - s.low_freq_factor) as f32;
                    (1.0 - smooth) * *f / s.factor as f32 + smooth * *f
                };
            }
        }
        let inv_freq = Tensor::from_vec(inv_freq, (1, d / 2), device)?;
        let positions = Tensor::arange(0u32, max_positions as u32, device)?
            .to_dtype(DType::F32)?
            .reshape((max_positions, 1))?;
        let angles = positions.matmul(&inv_freq)?;
        Ok(Rotary {
            cos: angles.cos()?,
            sin: angles.sin()?,
        })
    }

    fn apply(&self, x: &Tensor, start: usize) -> candle_core::Result<Tensor> {
        let t = x.dim(2)?;
        let cos = self.cos.narrow(0, start, t)?.to_dtype(x.dtype())?;
        let sin = self.sin.narrow(0, start, t)?.to_dtype(x.dtype())?;
        candle_nn::rotary_emb::rope(&x.contiguous()?, &cos, &sin)
    }
}

struct SelfAttentionLayer {
    input_norm: RmsNorm,
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    post_norm: RmsNorm,
    mlp: (Linear, Linear, Linear),
}

struct CrossAttentionLayer {
    input_norm: RmsNorm,
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    q_norm: RmsNorm,
    k_norm: RmsNorm,
    attn_gate: Tensor,
    post_norm: RmsNorm,
    mlp: (Linear, Linear, Linear),
    mlp_gate: Tensor,
}

enum Layer {
    SelfAttention(SelfAttentionLayer),
    CrossAttention(CrossAttentionLayer),
}

fn projections(vb: &VarBuilder, c: &TextConfig) -> candle_core::Result<[Linear; 4]> {
    let (h, d) = (c.hidden_size, c.head_dim());
    let (q, kv) = (c.num_attention_heads * d, c.num_key_value_heads * d);
    Ok([
        candle_nn::linear_no_bias(h, q, vb.pp("q_proj"))?,
        candle_nn::linear_no_bias(h, kv, vb.pp("k_proj"))?,
        candle_nn::linear_no_bias(h, kv, vb.pp("v_proj"))?,
        candle_nn::linear_no_bias(q, h, vb.pp("o_proj"))?,
    ])
}

impl Layer {
    fn load(vb: VarBuilder, c: &TextConfig, cross: bool) -> candle_core::Result<Self> {
        let (h, eps) = (c.hidden_size, c.rms_norm_eps);
        let input_norm = candle_nn::rms_norm(h, eps, vb.pp("input_layernorm"))?;
        let post_norm = candle_nn::rms_norm(h, eps, vb.pp("post_attention_layernorm"))?;
        let mlp = silu_mlp(&vb, c)?;
        if !cross {
            let [q, k, v, o] = projections(&vb.pp("self_attn"), c)?;
            return Ok(Layer::SelfAttention(SelfAttentionLayer {
                input_norm,
                q,
                k,
                v,
                o,
                post_norm,
                mlp,
            }));
        }
        let attn = vb.pp("cross_attn");
        let [q, k, v, o] = projections(&attn, c)?;
        Ok(Layer::CrossAttention(CrossAttentionLayer {
            input_norm,
            q,
            k,
            v,
            o,
            q_norm: candle_nn::rms_norm(c.head_dim(), eps, attn.pp("q_norm"))?,
            k_norm: candle_nn::rms_norm(c.head_dim(), eps, attn.pp("k_norm"))?,
            attn_gate: vb.get(1, "cross_attn_attn_gate")?.tanh()?,
            post_norm,
            mlp,
            mlp_gate: vb.get(1, "cross_attn_mlp_gate")?.tanh()?,
        }))
    }
}

/// Keys and values a session keeps per layer: self-attention grows with every token,
/// cross-attention holds the image's (computed once, when the image is attached).
#[derive(Clone, Default)]
pub enum LayerCache {
    #[default]
    Empty,
    SelfAttention(Tensor, Tensor),
    CrossAttention(Tensor, Tensor),
}

/// The image as the cross-attention layers see it.
pub struct ImageContext {
    /// [1, tiles × positions, hidden] after the projector.
    pub states: Tensor,
    /// Additive mask over those tokens: padding tiles are hidden. [1, 1, 1, n].
    pub tile_mask: Tensor,
}

pub struct TextDecoder {
    config: TextConfig,
    embed: Embedding,
    layers: Vec<Layer>,
    norm: RmsNorm,
    lm_head: Linear,
    rotary: Rotary,
}

impl TextDecoder {
    /// `text` holds the decoder (`…embed_tokens`, `…layers.N`, `…norm`); `lm_head` the head.
    pub fn load(
        text: VarBuilder,
        lm_head: VarBuilder,
        config: &TextConfig,
        max_positions: usize,
    ) -> candle_core::Result<Self> {
        let h = config.hidden_size;
        let embed = text.get((config.vocab_size + 8, h), "embed_tokens.weight")?;
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let cross = config.cross_attention_layers.contains(&i);
                Layer::load(text.pp(format!("layers.{i}")), config, cross)
            })
            .collect::<Result<_, _>>()?;
        Ok(TextDecoder {
            embed: Embedding::new(embed, h),
            layers,
            norm: candle_nn::rms_norm(h, config.rms_norm_eps, text.pp("norm"))?,
            lm_head: candle_nn::linear_no_bias(h, config.vocab_size, lm_head)?,
            rotary: Rotary::new(config, max_positions, text.device())?,
            config: config.clone(),
        })
    }

    pub fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// Keys and values of the image for every cross-attention layer (an empty cache for
    /// the self-attention layers).
    pub fn attach_image(&self, image: &ImageContext) -> candle_core::Result<Vec<LayerCache>> {
        let (kv_heads, d) = (self.config.num_key_value_heads, self.config.head_dim());
        self.layers
            .iter()
            .map(|layer| match layer {
                Layer::SelfAttention(_) => Ok(LayerCache::Empty),
                Layer::CrossAttention(l) => {
                    let split = |x: Tensor| -> candle_core::Result<Tensor> {
                        let (b, s, _) = x.dims3()?;
                        x.reshape((b, s, kv_heads, d))?
                            .transpose(1, 2)?
                            .contiguous()
                    };
                    let k = l.k_norm.forward(&split(l.k.forward(&image.states)?)?)?;
                    let v = split(l.v.forward(&image.states)?)?;
                    Ok(LayerCache::CrossAttention(k, v))
                }
            })
            .collect()
    }

    /// Runs `tokens` at positions `start..`; `sees_image[i]` says whether token `i` comes at
    /// or after the `<|image|>` token. Cross-attention layers whose cache holds no image are
    /// skipped (a text-only prompt). Returns the f32 logits of the last token.
    pub fn forward(
        &self,
        tokens: &[u32],
        start: usize,
        sees_image: &[bool],
        tile_mask: Option<&Tensor>,
        cache: &mut [LayerCache],
    ) -> candle_core::Result<Tensor> {
        let device = self.embed.embeddings().device();
        let t = tokens.len();
        let (heads, kv_heads, d) = (
            self.config.num_attention_heads,
            self.config.num_key_value_heads,
            self.config.head_dim(),
        );
        let input = Tensor::new(tokens, device)?.unsqueeze(0)?;
        let mut x = self.embed.forward(&input)?;
        let dtype = x.dtype();
        let causal = match t {
            1 => None,
            _ => {
                let past = start;
                let values: Vec<f32> = (0..t * (past + t))
                    .map(|at| {
                        let (i, j) = (at / (past + t), at % (past + t));
                        if j > past + i {
                            f32::NEG_INFINITY
                        } else {
                            0.0
                        }
                    })
                    .collect();
                Some(Tensor::from_vec(values, (1, 1, t, past + t), device)?.to_dtype(dtype)?)
            }
        };
        let row_mask = Tensor::from_vec(
            sees_image
                .iter()
                .map(|&s| f32::from(u8::from(s)))
                .collect::<Vec<_>>(),
            (1, t, 1),
            device,
        )?
        .to_dtype(dtype)?;
        for (layer, layer_cache) in self.layers.iter().zip(cache.iter_mut()) {
            match layer {
                Layer::SelfAttention(l) => {
                    let h = l.input_norm.forward(&x)?;
                    let split = |y: Tensor, n: usize| -> candle_core::Result<Tensor> {
                        y.reshape((1, t, n, d))?.transpose(1, 2)?.contiguous()
                    };
                    let q = self.rotary.apply(&split(l.q.forward(&h)?, heads)?, start)?;
                    let k = self
                        .rotary
                        .apply(&split(l.k.forward(&h)?, kv_heads)?, start)?;
                    let v = split(l.v.forward(&h)?, kv_heads)?;
                    let (k, v) = match std::mem::take(layer_cache) {
                        LayerCache::SelfAttention(pk, pv) => {
                            (Tensor::cat(&[&pk, &k], 2)?, Tensor::cat(&[&pv, &v], 2)?)
                        }
                        _ => (k, v),
                    };
                    *layer_cache = LayerCache::SelfAttention(k.clone(), v.clone());
                    let attn = attend(&q, &k, &v, causal.as_ref())?;
                    x = (x + l.o.forward(&attn)?)?;
                    x = (&x + run_mlp(&l.mlp, &l.post_norm.forward(&x)?)?)?;
                }
                Layer::CrossAttention(l) => {
                    let LayerCache::CrossAttention(k, v) = &*layer_cache else {
                        continue;
                    };
                    let h = l.input_norm.forward(&x)?;
                    let q =
                        l.q.forward(&h)?
                            .reshape((1, t, heads, d))?
                            .transpose(1, 2)?;
                    let q = l.q_norm.forward(&q.contiguous()?)?;
                    let attn = attend(&q, k, v, tile_mask)?.broadcast_mul(&row_mask)?;
                    x = (&x + l.o.forward(&attn)?.broadcast_mul(&l.attn_gate)?)?;
                    let mlp =
                        run_mlp(&l.mlp, &l.post_norm.forward(&x)?)?.broadcast_mul(&row_mask)?;
                    x = (&x + mlp.broadcast_mul(&l.mlp_gate)?)?;
                }
            }
        }
        let last = x.narrow(1, t - 1, 1)?;
        let logits = self.lm_head.forward(&self.norm.forward(&last)?)?;
        logits.squeeze(0)?.squeeze(0)?.to_dtype(DType::F32)
    }
}

/// The additive mask over an image's tokens: tokens of tiles past `tiles` are hidden.
pub fn tile_mask(
    tiles: usize,
    max_tiles: usize,
    positions: usize,
    dtype: DType,
    device: &Device,
) -> candle_core::Result<Tensor> {
    let values: Vec<f32> = (0..max_tiles * positions)
        .map(|i| {
            if i / positions < tiles {
                0.0
            } else {
                f32::NEG_INFINITY
            }
        })
        .collect();
    Tensor::from_vec(values, (1, 1, 1, max_tiles * positions), device)?.to_dtype(dtype)
}
