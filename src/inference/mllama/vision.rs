//! The Mllama vision encoder: patch embedding, tile and position embeddings chosen by the
//! image's aspect ratio, local transformer layers, gated global layers, and the output with
//! the selected intermediate layers' states beside the last one.

use candle_core::{DType, Device, Module, Tensor, D};
use candle_nn::{Conv2d, Conv2dConfig, Embedding, LayerNorm, LayerNormConfig, Linear, VarBuilder};

use super::config::VisionConfig;
use super::text::attend;
use crate::inference::image::TiledImage;
use crate::inference::InferenceError;

/// Tokens of a tile are padded to a multiple of this, as the reference does.
const PAD_MULTIPLE: usize = 8;

struct Attention {
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    heads: usize,
    head_dim: usize,
}

impl Attention {
    fn load(vb: VarBuilder, c: &VisionConfig) -> candle_core::Result<Self> {
        let h = c.hidden_size;
        let proj = |name| candle_nn::linear_no_bias(h, h, vb.pp(name));
        Ok(Attention {
            q: proj("q_proj")?,
            k: proj("k_proj")?,
            v: proj("v_proj")?,
            o: proj("o_proj")?,
            heads: c.attention_heads,
            head_dim: h / c.attention_heads,
        })
    }

    /// `x`: [1, n, hidden]; `mask`: additive [n, n].
    fn forward(&self, x: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let (b, n, _) = x.dims3()?;
        let split = |t: Tensor| {
            t.reshape((b, n, self.heads, self.head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = split(self.q.forward(x)?)?;
        let k = split(self.k.forward(x)?)?;
        let v = split(self.v.forward(x)?)?;
        self.o.forward(&attend(&q, &k, &v, Some(mask))?)
    }
}

/// One encoder layer; global layers scale both residual branches by `tanh(gate)`.
struct Layer {
    input_norm: LayerNorm,
    attention: Attention,
    post_norm: LayerNorm,
    fc1: Linear,
    fc2: Linear,
    gates: Option<(Tensor, Tensor)>,
}

impl Layer {
    fn load(vb: VarBuilder, c: &VisionConfig, gated: bool) -> candle_core::Result<Self> {
        let norm = LayerNormConfig {
            eps: c.norm_eps,
            ..LayerNormConfig::default()
        };
        let gates = match gated {
            true => Some((
                vb.get(1, "gate_attn")?.tanh()?,
                vb.get(1, "gate_ffn")?.tanh()?,
            )),
            false => None,
        };
        Ok(Layer {
            input_norm: candle_nn::layer_norm(c.hidden_size, norm, vb.pp("input_layernorm"))?,
            attention: Attention::load(vb.pp("self_attn"), c)?,
            post_norm: candle_nn::layer_norm(
                c.hidden_size,
                norm,
                vb.pp("post_attention_layernorm"),
            )?,
            fc1: candle_nn::linear(c.hidden_size, c.intermediate_size, vb.pp("mlp.fc1"))?,
            fc2: candle_nn::linear(c.intermediate_size, c.hidden_size, vb.pp("mlp.fc2"))?,
            gates,
        })
    }

    fn forward(&self, x: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let mut attn = self.attention.forward(&self.input_norm.forward(x)?, mask)?;
        if let Some((gate, _)) = &self.gates {
            attn = attn.broadcast_mul(gate)?;
        }
        let x = (x + attn)?;
        let hidden = self.fc1.forward(&self.post_norm.forward(&x)?)?.gelu_erf()?;
        let mut mlp = self.fc2.forward(&hidden)?;
        if let Some((_, gate)) = &self.gates {
            mlp = mlp.broadcast_mul(gate)?;
        }
        x + mlp
    }
}

/// A per-aspect-ratio embedding added to every token of each tile, scaled by `tanh(gate)`.
struct TileEmbedding {
    embedding: Embedding,
    gate: Tensor,
}

impl TileEmbedding {
    fn load(vb: VarBuilder, c: &VisionConfig, per_tile: usize) -> candle_core::Result<Self> {
        Ok(TileEmbedding {
            embedding: candle_nn::embedding(
                c.max_aspect_ratio_id() + 1,
                c.max_num_tiles * per_tile,
                vb.pp("embedding"),
            )?,
            gate: vb.get(1, "gate")?.tanh()?,
        })
    }

    /// The embedding of `aspect_ratio_id` as [tiles, per_tile / hidden, hidden].
    fn rows(
        &self,
        aspect_ratio_id: &Tensor,
        tiles: usize,
        hidden: usize,
    ) -> candle_core::Result<Tensor> {
        self.embedding
            .forward(aspect_ratio_id)?
            .reshape((tiles, (), hidden))
    }
}

/// The vision tower of `MllamaForConditionalGeneration`.
pub struct VisionEncoder {
    config: VisionConfig,
    patch_embedding: Conv2d,
    class_embedding: Tensor,
    position_embedding: Tensor,
    position_gate: Tensor,
    tile_position_embedding: Embedding,
    pre_tile: TileEmbedding,
    post_tile: TileEmbedding,
    layernorm_pre: LayerNorm,
    layernorm_post: LayerNorm,
    local_layers: Vec<Layer>,
    global_layers: Vec<Layer>,
}

impl VisionEncoder {
    pub fn load(vb: VarBuilder, config: &VisionConfig) -> candle_core::Result<Self> {
        let (h, p) = (config.hidden_size, config.positions());
        // The reference gives the encoder's outer norms the default epsilon, not `norm_eps`.
        let outer_norm = LayerNormConfig::default();
        let patch = Conv2dConfig {
            stride: config.patch_size,
            ..Conv2dConfig::default()
        };
        let gpe = vb.pp("gated_positional_embedding");
        Ok(VisionEncoder {
            patch_embedding: candle_nn::conv2d_no_bias(
                config.num_channels,
                h,
                config.patch_size,
                patch,
                vb.pp("patch_embedding"),
            )?,
            class_embedding: vb.get(h, "class_embedding")?,
            position_embedding: gpe.get((p, h), "embedding")?,
            position_gate: gpe.get(1, "gate")?.tanh()?,
            tile_position_embedding: candle_nn::embedding(
                config.max_aspect_ratio_id() + 1,
                config.max_num_tiles * p * h,
                gpe.pp("tile_embedding"),
            )?,
            pre_tile: TileEmbedding::load(vb.pp("pre_tile_positional_embedding"), config, h)?,
            post_tile: TileEmbedding::load(vb.pp("post_tile_positional_embedding"), config, h)?,
            layernorm_pre: candle_nn::layer_norm(h, outer_norm, vb.pp("layernorm_pre"))?,
            layernorm_post: candle_nn::layer_norm(h, outer_norm, vb.pp("layernorm_post"))?,
            local_layers: (0..config.num_hidden_layers)
                .map(|i| Layer::load(vb.pp(format!("transformer.layers.{i}")), config, false))
                .collect::<Result<_, _>>()?,
            global_layers: (0..config.num_global_layers)
                .map(|i| {
                    Layer::load(
                        vb.pp(format!("global_transformer.layers.{i}")),
                        config,
                        true,
                    )
                })
                .collect::<Result<_, _>>()?,
            config: config.clone(),
        })
    }

    /// The additive attention mask over the padded tokens of every tile: as in the
    /// reference, only pairs of two padding tokens (a padding tile, or the tokens added to
    /// reach a multiple of 8) are masked.
    fn attention_mask(
        &self,
        image: &TiledImage,
        padded: usize,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        let positions = self.config.positions();
        let n = self.config.max_num_tiles * padded;
        let padding: Vec<f32> = (0..n)
            .map(|i| {
                f32::from(u8::from(
                    i / padded >= image.tiles() || i % padded >= positions,
                ))
            })
            .collect();
        let padding = Tensor::from_vec(padding, (n, 1), device)?;
        (padding.broadcast_mul(&padding.t()?)? * f64::from(f32::MIN))?.to_dtype(dtype)
    }

    /// Runs the encoder on one image: [max_tiles, positions, hidden × (1 + intermediate)].
    pub fn forward(
        &self,
        image: &TiledImage,
        dtype: DType,
        device: &Device,
    ) -> Result<Tensor, InferenceError> {
        let c = &self.config;
        if image.max_tiles != c.max_num_tiles || image.tile_size != c.image_size {
            return Err(InferenceError::InvalidParameter(format!(
                "the image was prepared for {} tiles of {} pixels; the model takes {} of {}",
                image.max_tiles, image.tile_size, c.max_num_tiles, c.image_size
            )));
        }
        let (tiles, h, positions) = (c.max_num_tiles, c.hidden_size, c.positions());
        let pixels = Tensor::from_slice(
            &image.pixel_values,
            (tiles, c.num_channels, c.image_size, c.image_size),
            device,
        )?
        .to_dtype(dtype)?;
        let ratio = Tensor::new(&[image.aspect_ratio_id], device)?;
        // [tiles, patches, hidden], plus the pre-tile embedding.
        let patches = self
            .patch_embedding
            .forward(&pixels)?
            .flatten_from(2)?
            .transpose(1, 2)?;
        let pre = self.pre_tile.rows(&ratio, tiles, h)?;
        let x = patches.broadcast_add(&pre.broadcast_mul(&self.pre_tile.gate)?)?;
        let class = self
            .class_embedding
            .reshape((1, 1, h))?
            .repeat((tiles, 1, 1))?;
        let x = Tensor::cat(&[&class, &x], 1)?;
        // Position embeddings, shared and per tile layout, gated against each other.
        let shared = self
            .position_embedding
            .broadcast_mul(&(1.0 - &self.position_gate)?)?;
        let per_tile = self
            .tile_position_embedding
            .forward(&ratio)?
            .reshape((tiles, positions, h))?
            .broadcast_mul(&self.position_gate)?;
        let x = x.broadcast_add(&shared)?.add(&per_tile)?;
        let x = self.layernorm_pre.forward(&x)?;
        let padded = positions.div_ceil(PAD_MULTIPLE) * PAD_MULTIPLE;
        let x = x.pad_with_zeros(1, 0, padded - positions)?;
        let mask = self.attention_mask(image, padded, dtype, device)?;
        let mut x = x.reshape((1, tiles * padded, h))?;
        // The inputs of the listed layers, in the listed order.
        let listed = &c.intermediate_layers_indices;
        let mut selected = vec![None; listed.len()];
        for (i, layer) in self.local_layers.iter().enumerate() {
            for (slot, _) in listed.iter().enumerate().filter(|(_, &l)| l == i) {
                selected[slot] = Some(x.clone());
            }
            x = layer.forward(&x, &mask)?;
        }
        let x = self
            .layernorm_post
            .forward(&x)?
            .reshape((tiles, padded, h))?;
        let post = self.post_tile.rows(&ratio, tiles, h)?;
        let mut x = x
            .broadcast_add(&post.broadcast_mul(&self.post_tile.gate)?)?
            .reshape((1, tiles * padded, h))?;
        for layer in &self.global_layers {
            x = layer.forward(&x, &mask)?;
        }
        let last = x.reshape((tiles, padded, h))?.narrow(1, 0, positions)?;
        // The config was checked: every listed layer exists, so every slot is filled.
        let selected: Vec<Tensor> = selected.into_iter().flatten().collect();
        if selected.is_empty() {
            return Ok(last);
        }
        // The selected states are interleaved per feature (stacked on a last axis).
        let intermediate = Tensor::stack(&selected, D::Minus1)?
            .reshape((tiles, padded, ()))?
            .narrow(1, 0, positions)?;
        Ok(Tensor::cat(&[&last, &intermediate], D::Minus1)?)
    }
}
