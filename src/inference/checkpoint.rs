//! A Llama text or Llama 3.2 Vision checkpoint in Hugging Face layout (`config.json`,
//! `tokenizer.json`, sharded safetensors with `model.safetensors.index.json`), located on
//! local disk and checked before anything is loaded: every tensor the config implies must sit, with its
//! shape, in the shard the index names, and every shard must hold all the bytes its header
//! declares. Problems are reported by file and tensor, so an altered copy says why.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::mllama::config::{Layout, MllamaConfig, MLLAMA_ARCHITECTURE};
use super::InferenceError;

/// The text architecture (`config.json` `architectures`).
pub const LLAMA_ARCHITECTURE: &str = "LlamaForCausalLM";
/// Every architecture the gateway runs.
pub const ARCHITECTURES: [&str; 2] = [LLAMA_ARCHITECTURE, MLLAMA_ARCHITECTURE];
const INDEX_FILE: &str = "model.safetensors.index.json";
const SINGLE_SHARD: &str = "model.safetensors";
/// A safetensors header larger than this is not a header.
const MAX_HEADER_BYTES: u64 = 100 << 20;

/// The local files of a checkpoint, by their path inside the model (`config.json`, …).
#[derive(Debug, Clone, Default)]
pub struct CheckpointFiles {
    files: BTreeMap<String, PathBuf>,
}

impl CheckpointFiles {
    /// The top-level files of a model directory (links followed: a Hugging Face cache
    /// snapshot holds links into its repository's `blobs/`, checked by the publish walk).
    pub fn from_dir(dir: &Path) -> Result<Self, InferenceError> {
        let entries = std::fs::read_dir(dir).map_err(|source| InferenceError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut files = BTreeMap::new();
        for entry in entries.flatten() {
            if std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
                if let Some(name) = entry.file_name().to_str() {
                    files.insert(name.to_owned(), entry.path());
                }
            }
        }
        Ok(CheckpointFiles { files })
    }

    /// Files named by their model path, each at a local path (a blob in the store).
    pub fn from_paths(files: impl IntoIterator<Item = (String, PathBuf)>) -> Self {
        CheckpointFiles {
            files: files.into_iter().collect(),
        }
    }

    /// The local path of `name`.
    pub fn path(&self, name: &str) -> Result<&Path, InferenceError> {
        self.files
            .get(name)
            .map(PathBuf::as_path)
            .ok_or_else(|| InferenceError::Checkpoint(format!("`{name}` is missing")))
    }

    pub fn read_json(&self, name: &str) -> Result<Value, InferenceError> {
        let path = self.path(name)?;
        let text = std::fs::read(path).map_err(|source| InferenceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_slice(&text)
            .map_err(|e| InferenceError::Checkpoint(format!("`{name}` is not valid JSON: {e}")))
    }

    /// Whether `config.json` declares an architecture the gateway runs.
    pub fn declares_runnable(&self) -> bool {
        self.read_json("config.json").is_ok_and(|config| {
            config["architectures"]
                .as_array()
                .is_some_and(|a| a.iter().any(|v| ARCHITECTURES.iter().any(|r| v == r)))
        })
    }
}

/// `config.json` as transformers 4 wrote it: transformers 5 keeps RoPE settings in
/// `rope_parameters` (with `rope_theta` inside) and names the dtype `dtype`. Only the
/// llama3 scaling (or none) is supported. A vision model's text settings sit in
/// `text_config`.
fn normalize_config(mut config: Value) -> Result<Value, InferenceError> {
    if !config.is_object() {
        return Err(InferenceError::Checkpoint(
            "`config.json` is not an object".into(),
        ));
    }
    if config.get("torch_dtype").is_none() {
        config["torch_dtype"] = config["dtype"].clone();
    }
    match config.get_mut("text_config") {
        Some(text) if text.is_object() => normalize_rope(text)?,
        _ => normalize_rope(&mut config)?,
    }
    Ok(config)
}

fn normalize_rope(config: &mut Value) -> Result<(), InferenceError> {
    if let Some(rope) = config.get("rope_parameters").cloned() {
        if config.get("rope_theta").is_none() {
            config["rope_theta"] = rope["rope_theta"].clone();
        }
        if config.get("rope_scaling").is_none_or(Value::is_null) && rope["rope_type"] != "default" {
            config["rope_scaling"] = rope;
        }
    }
    let rope_type = &config["rope_scaling"]["rope_type"];
    if !(rope_type.is_null() || rope_type == "llama3" || rope_type == "default") {
        return Err(InferenceError::Unsupported(format!(
            "RoPE scaling {rope_type}"
        )));
    }
    Ok(())
}

/// What modelgate reads from a Llama `config.json` (candle reads the rest).
#[derive(Debug, Clone, Deserialize)]
pub struct TextConfig {
    #[serde(default)]
    pub architectures: Vec<String>,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_attention_heads: usize,
    pub num_key_value_heads: Option<usize>,
    pub num_hidden_layers: usize,
    pub vocab_size: usize,
    pub head_dim: Option<usize>,
    #[serde(default)]
    pub tie_word_embeddings: bool,
}

impl TextConfig {
    fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads.max(1)
    }

    /// Every tensor of a `LlamaForCausalLM` with this config and its shape.
    pub fn expected_tensors(&self) -> Vec<(String, Vec<usize>)> {
        let (h, i, d) = (self.hidden_size, self.intermediate_size, self.head_dim());
        let q = self.num_attention_heads * d;
        let kv = self.num_key_value_heads.unwrap_or(self.num_attention_heads) * d;
        let mut out = vec![(
            "model.embed_tokens.weight".to_owned(),
            vec![self.vocab_size, h],
        )];
        for layer in 0..self.num_hidden_layers {
            let p = format!("model.layers.{layer}");
            out.extend([
                (format!("{p}.input_layernorm.weight"), vec![h]),
                (format!("{p}.self_attn.q_proj.weight"), vec![q, h]),
                (format!("{p}.self_attn.k_proj.weight"), vec![kv, h]),
                (format!("{p}.self_attn.v_proj.weight"), vec![kv, h]),
                (format!("{p}.self_attn.o_proj.weight"), vec![h, q]),
                (format!("{p}.post_attention_layernorm.weight"), vec![h]),
                (format!("{p}.mlp.gate_proj.weight"), vec![i, h]),
                (format!("{p}.mlp.up_proj.weight"), vec![i, h]),
                (format!("{p}.mlp.down_proj.weight"), vec![h, i]),
            ]);
        }
        out.push(("model.norm.weight".to_owned(), vec![h]));
        if !self.tie_word_embeddings {
            out.push(("lm_head.weight".to_owned(), vec![self.vocab_size, h]));
        }
        out
    }
}

/// One tensor as a shard header declares it.
#[derive(Debug, Clone, Deserialize)]
struct HeaderEntry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: (u64, u64),
}

/// Reads a shard's header and checks the file holds every byte it declares.
fn read_shard_header(
    name: &str,
    path: &Path,
) -> Result<BTreeMap<String, HeaderEntry>, InferenceError> {
    let io = |source| InferenceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    let broken = |what: String| InferenceError::Checkpoint(format!("shard `{name}` {what}"));
    let mut len_bytes = [0u8; 8];
    file.read_exact(&mut len_bytes)
        .map_err(|_| broken(format!("is truncated: {file_len} bytes, not even a header")))?;
    let header_len = u64::from_le_bytes(len_bytes);
    if header_len > MAX_HEADER_BYTES || 8 + header_len > file_len {
        return Err(broken(format!(
            "is truncated or not safetensors: its header claims {header_len} bytes, the file has {file_len}"
        )));
    }
    let mut header = vec![0u8; header_len as usize];
    file.read_exact(&mut header).map_err(io)?;
    let mut entries: BTreeMap<String, Value> = serde_json::from_slice(&header)
        .map_err(|e| broken(format!("has an unreadable header: {e}")))?;
    entries.remove("__metadata__");
    let mut tensors = BTreeMap::new();
    let mut data_len = 0;
    for (tensor, entry) in entries {
        let entry: HeaderEntry = serde_json::from_value(entry)
            .map_err(|e| broken(format!("describes `{tensor}` badly: {e}")))?;
        data_len = data_len.max(entry.data_offsets.1);
        tensors.insert(tensor, entry);
    }
    let held = file_len - 8 - header_len;
    if held < data_len {
        return Err(broken(format!(
            "is truncated: its header declares {data_len} bytes of tensor data, the file holds {held}"
        )));
    }
    Ok(tensors)
}

/// The configuration of a runnable architecture.
#[derive(Debug, Clone)]
pub enum ModelConfig {
    Llama(TextConfig),
    /// With the naming its tensors use.
    Mllama(Box<MllamaConfig>, Layout),
}

impl ModelConfig {
    pub fn architecture(&self) -> &'static str {
        match self {
            ModelConfig::Llama(_) => LLAMA_ARCHITECTURE,
            ModelConfig::Mllama(..) => MLLAMA_ARCHITECTURE,
        }
    }

    /// Every tensor the model uses, with its shape.
    pub fn expected_tensors(&self) -> Vec<(String, Vec<usize>)> {
        match self {
            ModelConfig::Llama(config) => config.expected_tensors(),
            ModelConfig::Mllama(config, layout) => config.expected_tensors(*layout),
        }
    }
}

/// A checked checkpoint: its config and which shard holds each tensor.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub files: CheckpointFiles,
    pub config_json: Value,
    pub config: ModelConfig,
    /// Tensor name -> shard name, for every tensor the model uses.
    pub tensor_shards: BTreeMap<String, String>,
    /// Shard names, sorted.
    pub shards: Vec<String>,
}

/// Reads the architecture-specific part of a normalised `config.json`.
fn read_config(config_json: &Value) -> Result<ModelConfig, InferenceError> {
    let architectures: Vec<String> =
        serde_json::from_value(config_json["architectures"].clone()).unwrap_or_default();
    if architectures.iter().any(|a| a == MLLAMA_ARCHITECTURE) {
        let config = MllamaConfig::from_json(config_json)?;
        return Ok(ModelConfig::Mllama(Box::new(config), Layout::Published));
    }
    if !architectures.iter().any(|a| a == LLAMA_ARCHITECTURE) {
        return Err(InferenceError::Unsupported(format!(
            "architecture {architectures:?} (this gateway runs {ARCHITECTURES:?})"
        )));
    }
    let config: TextConfig = serde_json::from_value(config_json.clone())
        .map_err(|e| InferenceError::Checkpoint(format!("`config.json`: {e}")))?;
    if config.head_dim.is_some_and(|d| d != config.head_dim()) {
        return Err(InferenceError::Unsupported(
            "a `head_dim` other than hidden_size / num_attention_heads".into(),
        ));
    }
    Ok(ModelConfig::Llama(config))
}

impl Checkpoint {
    /// Reads and checks a checkpoint of an architecture the gateway runs.
    pub fn open(files: CheckpointFiles) -> Result<Self, InferenceError> {
        let config_json = normalize_config(files.read_json("config.json")?)?;
        let mut config = read_config(&config_json)?;
        let index: BTreeMap<String, String> = match files.path(INDEX_FILE) {
            Ok(_) => {
                let index = files.read_json(INDEX_FILE)?;
                serde_json::from_value(index["weight_map"].clone()).map_err(|e| {
                    InferenceError::Checkpoint(format!(
                        "`{INDEX_FILE}` has no valid weight_map: {e}"
                    ))
                })?
            }
            Err(_) => BTreeMap::new(),
        };
        let default_shard = SINGLE_SHARD.to_owned();
        let mut headers = BTreeMap::new();
        for shard in index
            .values()
            .chain(index.is_empty().then_some(&default_shard))
        {
            if !headers.contains_key(shard) {
                headers.insert(shard.clone(), read_shard_header(shard, files.path(shard)?)?);
            }
        }
        if let ModelConfig::Mllama(_, layout) = &mut config {
            *layout = Layout::detect(headers.values().flat_map(|h| h.keys()));
        }
        let mut tensor_shards = BTreeMap::new();
        for (tensor, shape) in config.expected_tensors() {
            let shard = index.get(&tensor).unwrap_or(&default_shard);
            let Some(entry) = headers.get(shard).and_then(|h| h.get(&tensor)) else {
                let holder = headers
                    .iter()
                    .find(|(_, h)| h.contains_key(&tensor))
                    .map(|(name, _)| name.clone());
                return Err(InferenceError::Checkpoint(match holder {
                    Some(other) => format!(
                        "tensor `{tensor}` is not in `{shard}`, where `{INDEX_FILE}` places it, but in `{other}`: shards were swapped or renamed"
                    ),
                    None => format!("tensor `{tensor}` is missing (expected in `{shard}`)"),
                }));
            };
            if entry.shape != shape {
                return Err(InferenceError::Checkpoint(format!(
                    "tensor `{tensor}` in `{shard}` has shape {:?}; the config implies {shape:?}",
                    entry.shape
                )));
            }
            // candle reads a name from whichever shard holds it last: one holder only.
            let holders: Vec<&String> = headers
                .iter()
                .filter(|(_, h)| h.contains_key(&tensor))
                .map(|(name, _)| name)
                .collect();
            if holders.len() > 1 {
                return Err(InferenceError::Checkpoint(format!(
                    "tensor `{tensor}` appears in several shards: {holders:?}"
                )));
            }
            if !matches!(entry.dtype.as_str(), "BF16" | "F16" | "F32") {
                return Err(InferenceError::Unsupported(format!(
                    "tensor `{tensor}` of dtype {}",
                    entry.dtype
                )));
            }
            tensor_shards.insert(tensor, shard.clone());
        }
        Ok(Checkpoint {
            files,
            config_json,
            config,
            tensor_shards,
            shards: headers.into_keys().collect(),
        })
    }

    /// Local paths of every shard.
    pub fn shard_paths(&self) -> Result<Vec<PathBuf>, InferenceError> {
        self.shards
            .iter()
            .map(|s| self.files.path(s).map(Path::to_path_buf))
            .collect()
    }

    /// Parameters of the model (elements of every tensor it uses).
    pub fn parameter_count(&self) -> u64 {
        self.config
            .expected_tensors()
            .iter()
            .map(|(_, shape)| shape.iter().product::<usize>() as u64)
            .sum()
    }
}
