//! Seeded weight tensors and the Hugging Face sharded safetensors layout
//! (`model-0000i-of-0000n.safetensors` plus `model.safetensors.index.json`).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use half::bf16;
use safetensors::tensor::{Dtype, TensorView};
use serde_json::json;

/// How a tensor is initialised.
#[derive(Debug, Clone, Copy)]
pub enum Init {
    /// Normal(0, std): projections and embeddings.
    Normal(f32),
    /// Every element equal: norms (1.0), biases (0.0) and gates.
    Constant(f32),
}

/// One named tensor of a checkpoint.
#[derive(Debug, Clone)]
pub struct TensorSpec {
    pub name: String,
    pub shape: Vec<usize>,
    pub init: Init,
}

impl TensorSpec {
    pub fn normal(name: impl Into<String>, shape: &[usize], std: f32) -> Self {
        TensorSpec {
            name: name.into(),
            shape: shape.to_vec(),
            init: Init::Normal(std),
        }
    }

    pub fn constant(name: impl Into<String>, shape: &[usize], value: f32) -> Self {
        TensorSpec {
            name: name.into(),
            shape: shape.to_vec(),
            init: Init::Constant(value),
        }
    }

    fn element_count(&self) -> usize {
        self.shape.iter().product()
    }

    /// The tensor's bf16 little-endian bytes, a pure function of `seed` and the name.
    fn bf16_bytes(&self, seed: u64) -> Vec<u8> {
        let mut rng = SplitMix64::new(seed ^ fnv1a(self.name.as_bytes()));
        let mut out = Vec::with_capacity(self.element_count() * 2);
        for _ in 0..self.element_count() {
            let value = match self.init {
                Init::Normal(std) => rng.next_normal() * std,
                Init::Constant(v) => v,
            };
            out.extend_from_slice(&bf16::from_f32(value).to_le_bytes());
        }
        out
    }
}

/// SplitMix64: tiny, fast, and its output never changes between versions of any crate.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn next_unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// Standard normal by Box–Muller.
    fn next_normal(&mut self) -> f32 {
        let (u1, u2) = (self.next_unit(), self.next_unit());
        ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Writes `tensors` as bf16 safetensors shards of at most `max_shard_bytes` each (a tensor
/// never spans shards), in the order given, plus `model.safetensors.index.json`.
pub fn write_sharded(
    dir: &Path,
    tensors: &[TensorSpec],
    seed: u64,
    max_shard_bytes: usize,
) -> anyhow::Result<()> {
    let mut shards: Vec<Vec<&TensorSpec>> = vec![Vec::new()];
    let mut current_bytes = 0usize;
    for tensor in tensors {
        let bytes = tensor.element_count() * 2;
        let last = shards.last().map_or(0, Vec::len);
        if last > 0 && current_bytes + bytes > max_shard_bytes {
            shards.push(Vec::new());
            current_bytes = 0;
        }
        current_bytes += bytes;
        if let Some(shard) = shards.last_mut() {
            shard.push(tensor);
        }
    }
    let count = shards.len();
    let mut weight_map = BTreeMap::new();
    let mut total_size = 0usize;
    let metadata = Some(std::collections::HashMap::from([(
        "format".to_string(),
        "pt".to_string(),
    )]));
    for (index, shard) in shards.iter().enumerate() {
        let file_name = format!("model-{:05}-of-{:05}.safetensors", index + 1, count);
        let data: Vec<(String, Vec<u8>, Vec<usize>)> = shard
            .iter()
            .map(|t| (t.name.clone(), t.bf16_bytes(seed), t.shape.clone()))
            .collect();
        let mut views = Vec::with_capacity(data.len());
        for (name, bytes, shape) in &data {
            total_size += bytes.len();
            weight_map.insert(name.clone(), file_name.clone());
            let view = TensorView::new(Dtype::BF16, shape.clone(), bytes)
                .with_context(|| format!("tensor `{name}` has inconsistent shape"))?;
            views.push((name.clone(), view));
        }
        safetensors::serialize_to_file(views, &metadata, &dir.join(&file_name))
            .with_context(|| format!("writing `{file_name}`"))?;
    }
    let index = json!({ "metadata": { "total_size": total_size }, "weight_map": weight_map });
    super::write_json(&dir.join("model.safetensors.index.json"), &index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_init_has_the_requested_spread_and_is_reproducible() {
        let spec = TensorSpec::normal("w", &[64, 64], 0.02);
        let a = spec.bf16_bytes(7);
        assert_eq!(a, spec.bf16_bytes(7));
        assert_ne!(a, spec.bf16_bytes(8));
        let values: Vec<f32> = a
            .chunks(2)
            .map(|c| bf16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect();
        let mean = values.iter().sum::<f32>() / values.len() as f32;
        let std =
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / values.len() as f32).sqrt();
        assert!(mean.abs() < 0.002, "mean {mean}");
        assert!((std - 0.02).abs() < 0.002, "std {std}");
    }
}
