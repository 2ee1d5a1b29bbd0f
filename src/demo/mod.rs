//! `modelgate demo`: small, seeded Llama 3.2 text and Vision models in the real Hugging
//! Face layout (model card, config, generation config, tokenizer, sharded safetensors with
//! an index), so every loading and serving path runs on the same files real weights would use;
//! and the text model again under two more license packs (Llama 3.1: no regional clause;
//! Hunyuan: a territory-of-use clause), so the catalog shows how licenses differ.

pub mod cards;
pub mod llama;
pub mod mllama;
pub mod tokenizer;
pub mod weights;

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::Value;

use crate::domain::{Modality, ModelId};

/// The license of the Llama 3.2 demo models (the first two `generate` returns).
pub const DEMO_LICENSE: &str = "llama-3.2";
/// The seed of every demo weight; change it and every digest changes.
pub const DEMO_SEED: u64 = 0x6d67_3332_2026;

/// One generated demo model.
#[derive(Debug, Clone)]
pub struct DemoModel {
    pub id: ModelId,
    pub modality: Modality,
    pub dir: PathBuf,
    /// The license pack it is published under.
    pub license: &'static str,
}

/// Writes pretty JSON with a trailing newline, as `transformers` does.
pub fn write_json(path: &Path, value: &Value) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    std::fs::write(path, text).with_context(|| format!("writing `{}`", path.display()))
}

/// Copies the files of `from` but its card into `to`, with `card` as the card.
fn republish(from: &Path, to: &Path, card: String) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating `{}`", to.display()))?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_name() != crate::store::model_card::CARD_PATH {
            std::fs::copy(entry.path(), to.join(entry.file_name()))
                .with_context(|| format!("copying `{}`", entry.path().display()))?;
        }
    }
    let path = to.join(crate::store::model_card::CARD_PATH);
    std::fs::write(&path, card).with_context(|| format!("writing `{}`", path.display()))
}

/// Generates the demo models under `root` (one directory each) and returns them: the
/// Llama 3.2 text and Vision models first, then the text model under Llama 3.1 and Hunyuan.
pub fn generate(root: &Path) -> anyhow::Result<Vec<DemoModel>> {
    let text_dir = root.join("Llama-3.2-Tiny");
    let vision_dir = root.join("Llama-3.2-Tiny-Vision");
    for dir in [&text_dir, &vision_dir] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
    }

    let write_card = |dir: &Path, card: String| {
        let path = dir.join(crate::store::model_card::CARD_PATH);
        std::fs::write(&path, card).with_context(|| format!("writing `{}`", path.display()))
    };
    write_card(&text_dir, cards::text_card())?;
    write_card(&vision_dir, cards::vision_card())?;
    write_json(
        &text_dir.join("config.json"),
        &llama::config_json(&llama::DEMO_TEXT),
    )?;
    write_json(
        &text_dir.join("generation_config.json"),
        &llama::generation_config_json(),
    )?;
    write_json(
        &text_dir.join("tokenizer.json"),
        &tokenizer::tokenizer_json(false),
    )?;
    write_json(
        &text_dir.join("tokenizer_config.json"),
        &tokenizer::tokenizer_config_json(false),
    )?;
    weights::write_sharded(
        &text_dir,
        &llama::tensors(&llama::DEMO_TEXT),
        DEMO_SEED,
        192 * 1024,
    )?;

    let (v, t) = (&mllama::DEMO_VISION, &mllama::DEMO_VISION_TEXT);
    write_json(&vision_dir.join("config.json"), &mllama::config_json(v, t))?;
    write_json(
        &vision_dir.join("generation_config.json"),
        &mllama::generation_config_json(),
    )?;
    write_json(
        &vision_dir.join("preprocessor_config.json"),
        &mllama::preprocessor_config_json(v),
    )?;
    write_json(
        &vision_dir.join("tokenizer.json"),
        &tokenizer::tokenizer_json(true),
    )?;
    write_json(
        &vision_dir.join("tokenizer_config.json"),
        &tokenizer::tokenizer_config_json(true),
    )?;
    weights::write_sharded(&vision_dir, &mllama::tensors(v, t), DEMO_SEED, 256 * 1024)?;

    let llama_3_1_dir = root.join("Llama-3.1-Tiny");
    republish(&text_dir, &llama_3_1_dir, cards::llama_3_1_card())?;
    let hunyuan_dir = root.join("Hunyuan-Tiny");
    republish(&text_dir, &hunyuan_dir, cards::hunyuan_card())?;

    Ok(vec![
        DemoModel {
            id: ModelId::new("demo", "Llama-3.2-Tiny")?,
            modality: Modality::Text,
            dir: text_dir,
            license: DEMO_LICENSE,
        },
        DemoModel {
            id: ModelId::new("demo", "Llama-3.2-Tiny-Vision")?,
            modality: Modality::Multimodal,
            dir: vision_dir,
            license: DEMO_LICENSE,
        },
        DemoModel {
            id: ModelId::new("demo", "Llama-3.1-Tiny")?,
            modality: Modality::Text,
            dir: llama_3_1_dir,
            license: "llama-3.1",
        },
        DemoModel {
            id: ModelId::new("demo", "Hunyuan-Tiny")?,
            modality: Modality::Text,
            dir: hunyuan_dir,
            license: "hunyuan",
        },
    ])
}
