//! The generated demo models: real Hugging Face layout, a tokenizer the `tokenizers` crate
//! loads, safetensors shards whose index covers every tensor, and determinism.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::demo_models;
use safetensors::SafeTensors;

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Every tensor name → (shard file, shape), read from the shards themselves.
fn tensors_in(dir: &Path) -> BTreeMap<String, (String, Vec<usize>)> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".safetensors") {
            let bytes = std::fs::read(dir.join(&name)).unwrap();
            let (_, metadata) = SafeTensors::read_metadata(&bytes).unwrap();
            assert_eq!(
                metadata
                    .metadata()
                    .as_ref()
                    .and_then(|m| m.get("format"))
                    .map(String::as_str),
                Some("pt")
            );
            let st = SafeTensors::deserialize(&bytes).unwrap();
            for (tensor, view) in st.tensors() {
                assert_eq!(view.dtype(), safetensors::Dtype::BF16);
                out.insert(tensor, (name.clone(), view.shape().to_vec()));
            }
        }
    }
    out
}

fn check_index(dir: &Path, tensors: &BTreeMap<String, (String, Vec<usize>)>) {
    let index = read_json(&dir.join("model.safetensors.index.json"));
    let map = index["weight_map"].as_object().unwrap();
    assert_eq!(map.len(), tensors.len(), "index covers every tensor");
    for (name, (file, _)) in tensors {
        assert_eq!(map[name], file.as_str(), "{name}");
    }
    let shard_count = tensors
        .values()
        .map(|(f, _)| f)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert!(shard_count >= 3, "several shards, got {shard_count}");
    for (file, _) in tensors.values() {
        assert!(
            file.ends_with(&format!("-of-{shard_count:05}.safetensors")),
            "{file}"
        );
    }
}

#[test]
fn text_model_is_a_tied_llama3_checkpoint_with_grouped_query_attention() {
    let dir = &demo_models().1[0].dir;
    let config = read_json(&dir.join("config.json"));
    assert_eq!(config["architectures"][0], "LlamaForCausalLM");
    assert_eq!(config["rope_scaling"]["rope_type"], "llama3");
    assert_eq!(config["tie_word_embeddings"], true);
    let (hidden, heads, kv) = (
        config["hidden_size"].as_u64().unwrap() as usize,
        config["num_attention_heads"].as_u64().unwrap() as usize,
        config["num_key_value_heads"].as_u64().unwrap() as usize,
    );
    assert!(kv < heads, "grouped-query attention");
    let tensors = tensors_in(dir);
    check_index(dir, &tensors);
    assert!(
        !tensors.contains_key("lm_head.weight"),
        "tied embeddings store no lm_head"
    );
    let head_dim = hidden / heads;
    assert_eq!(
        tensors["model.layers.0.self_attn.k_proj.weight"].1,
        vec![kv * head_dim, hidden]
    );
    assert_eq!(
        tensors["model.embed_tokens.weight"].1,
        vec![config["vocab_size"].as_u64().unwrap() as usize, hidden]
    );
    let layers = config["num_hidden_layers"].as_u64().unwrap() as usize;
    assert_eq!(tensors.len(), 9 * layers + 2);
}

#[test]
fn vision_model_has_tiles_local_and_global_layers_and_interleaved_cross_attention() {
    let dir = &demo_models().1[1].dir;
    let config = read_json(&dir.join("config.json"));
    assert_eq!(config["architectures"][0], "MllamaForConditionalGeneration");
    let text = &config["text_config"];
    let vision = &config["vision_config"];
    let tensors = tensors_in(dir);
    check_index(dir, &tensors);
    let cross: Vec<u64> = text["cross_attention_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(!cross.is_empty());
    for layer in 0..text["num_hidden_layers"].as_u64().unwrap() {
        let has_cross = tensors.contains_key(&format!(
            "language_model.model.layers.{layer}.cross_attn.q_proj.weight"
        ));
        let has_self = tensors.contains_key(&format!(
            "language_model.model.layers.{layer}.self_attn.q_proj.weight"
        ));
        assert_eq!(has_cross, cross.contains(&layer), "layer {layer}");
        assert_eq!(has_self, !cross.contains(&layer), "layer {layer}");
    }
    let hv = vision["hidden_size"].as_u64().unwrap() as usize;
    let tiles = vision["max_num_tiles"].as_u64().unwrap() as usize;
    let patches = (vision["image_size"].as_u64().unwrap() / vision["patch_size"].as_u64().unwrap())
        .pow(2) as usize
        + 1;
    let ratios = vision["supported_aspect_ratios"].as_array().unwrap().len();
    assert_eq!(
        tensors["vision_model.gated_positional_embedding.tile_embedding.weight"].1,
        vec![ratios + 1, tiles * patches * hv]
    );
    assert!(tensors.contains_key(&format!(
        "vision_model.global_transformer.layers.{}.gate_attn",
        vision["num_global_layers"].as_u64().unwrap() - 1
    )));
    assert!(tensors.contains_key(&format!(
        "vision_model.transformer.layers.{}.mlp.fc2.bias",
        vision["num_hidden_layers"].as_u64().unwrap() - 1
    )));
    let ht = text["hidden_size"].as_u64().unwrap() as usize;
    assert_eq!(
        tensors["multi_modal_projector.weight"].1,
        vec![ht, vision["vision_output_dim"].as_u64().unwrap() as usize]
    );
    let vocab = text["vocab_size"].as_u64().unwrap() as usize;
    assert_eq!(
        tensors["language_model.model.embed_tokens.weight"].1,
        vec![vocab + 8, ht]
    );
    assert_eq!(tensors["language_model.lm_head.weight"].1, vec![vocab, ht]);
    assert_eq!(
        config["image_token_index"].as_u64().unwrap() as usize,
        vocab
    );
}

#[test]
fn tokenizers_load_and_round_trip_text_with_llama3_special_tokens() {
    for (model, with_image) in demo_models().1.iter().zip([false, true]) {
        let tokenizer = tokenizers::Tokenizer::from_file(model.dir.join("tokenizer.json")).unwrap();
        let text = "Hello world! Vision models are withheld in the European Union, 2026.";
        let encoding = tokenizer.encode(text, true).unwrap();
        let ids = encoding.get_ids();
        let config = read_json(&model.dir.join("config.json"));
        let bos = config
            .get("bos_token_id")
            .or(config["text_config"].get("bos_token_id"))
            .unwrap()
            .as_u64()
            .unwrap() as u32;
        assert_eq!(ids[0], bos, "<|begin_of_text|> is prepended");
        assert!(
            ids.len() < text.len() / 2,
            "merges compress the text: {} tokens",
            ids.len()
        );
        assert_eq!(tokenizer.decode(ids, true).unwrap(), text);
        assert!(tokenizer.token_to_id("<|eot_id|>").is_some());
        assert_eq!(tokenizer.token_to_id("<|image|>").is_some(), with_image);
    }
}

#[test]
fn generation_is_deterministic() {
    let again = tempfile::tempdir().unwrap();
    let models = modelgate::demo::generate(again.path()).unwrap();
    for (first, second) in demo_models().1.iter().zip(&models) {
        for entry in std::fs::read_dir(&first.dir).unwrap() {
            let name = entry.unwrap().file_name();
            assert_eq!(
                std::fs::read(first.dir.join(&name)).unwrap(),
                std::fs::read(second.dir.join(&name)).unwrap(),
                "{name:?}"
            );
        }
    }
}
