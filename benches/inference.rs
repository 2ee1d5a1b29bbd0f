//! Benchmark of the reference inference: prefill and decode tokens per second of a model
//! with the Llama 3.2 1B shapes (2048 hidden, 8192 intermediate, 16 layers, 32 heads, 8
//! key/value heads, 128256 vocabulary, tied embeddings; random bf16 weights generated
//! here), run by candle (`Model`, f32 on the CPU) against PyTorch eager
//! (`transformers` `LlamaForCausalLM`, f32 on the CPU) on the same files, in the same run.
//!
//! Run: `cargo bench --bench inference` (needs `python3 -m pip install torch transformers`).
//! `MODELGATE_BENCH_PROMPT` (default 128) and `MODELGATE_BENCH_DECODE` (default 32) set
//! the prompt length and the tokens decoded; the model is generated once under
//! `target/bench-llama-1b`.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use candle_core::{DType, Device, D};
use modelgate::demo::{llama, tokenizer, weights, write_json, DEMO_SEED};
use modelgate::inference::checkpoint::{Checkpoint, CheckpointFiles};
use modelgate::inference::model::Model;

const LLAMA_1B: llama::TextSizes = llama::TextSizes {
    hidden: 2048,
    intermediate: 8192,
    heads: 32,
    kv_heads: 8,
    layers: 16,
    vocab: 128_256,
    cross_layers: 0,
};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Writes the 1B-shaped checkpoint once (about 2.5 GB of bf16).
fn model_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-llama-1b");
    if dir.join("model.safetensors.index.json").exists() {
        return dir;
    }
    std::fs::create_dir_all(&dir).unwrap();
    let started = Instant::now();
    write_json(&dir.join("config.json"), &llama::config_json(&LLAMA_1B)).unwrap();
    write_json(
        &dir.join("generation_config.json"),
        &llama::generation_config_json(),
    )
    .unwrap();
    write_json(
        &dir.join("tokenizer.json"),
        &tokenizer::tokenizer_json(false),
    )
    .unwrap();
    weights::write_sharded(&dir, &llama::tensors(&LLAMA_1B), DEMO_SEED, 1 << 30).unwrap();
    eprintln!(
        "generated a 1B-shaped model in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    dir
}

/// Token ids of the prompt: a fixed walk over the vocabulary.
fn prompt(len: usize) -> Vec<u32> {
    (0..len as u32).map(|i| (i * 7919 + 13) % 128_000).collect()
}

struct Speeds {
    prefill: f64,
    decode: f64,
}

fn candle_speeds(dir: &Path, prompt: &[u32], decode: usize) -> Speeds {
    let checkpoint = Checkpoint::open(CheckpointFiles::from_dir(dir).unwrap()).unwrap();
    let model = Model::load(
        &checkpoint,
        &Device::Cpu,
        DType::F32,
        prompt.len() + decode + 8,
    )
    .unwrap();
    // Warm-up: page the weights in and let the allocator settle.
    model.next_token_logits(&prompt[..8], None).unwrap();
    let mut session = model.session(None).unwrap();
    let started = Instant::now();
    let mut logits = session.feed(prompt).unwrap();
    let prefill = prompt.len() as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    for _ in 0..decode {
        let next = logits
            .argmax(D::Minus1)
            .unwrap()
            .to_scalar::<u32>()
            .unwrap();
        logits = session.feed(&[next]).unwrap();
    }
    let decode = decode as f64 / started.elapsed().as_secs_f64();
    Speeds { prefill, decode }
}

fn torch_speeds(dir: &Path, prompt: &[u32], decode: usize) -> Option<Speeds> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bench/llama_torch.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(dir)
        .arg(serde_json::to_string(prompt).unwrap())
        .arg(decode.to_string())
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "PyTorch reference failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let speeds: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    Some(Speeds {
        prefill: speeds["prefill_tokens_per_second"].as_f64()?,
        decode: speeds["decode_tokens_per_second"].as_f64()?,
    })
}

fn main() {
    let (prompt_len, decode) = (
        env_usize("MODELGATE_BENCH_PROMPT", 128),
        env_usize("MODELGATE_BENCH_DECODE", 32),
    );
    let dir = model_dir();
    let prompt = prompt(prompt_len);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("Llama 3.2 1B shapes, f32 on the CPU ({threads} threads), prompt {prompt_len} tokens, {decode} decoded");
    let torch = torch_speeds(&dir, &prompt, decode);
    let candle = candle_speeds(&dir, &prompt, decode);
    println!("{:<28} {:>14} {:>14}", "", "prefill tok/s", "decode tok/s");
    println!(
        "{:<28} {:>14.1} {:>14.2}",
        "modelgate (candle)", candle.prefill, candle.decode
    );
    match torch {
        Some(torch) => {
            println!(
                "{:<28} {:>14.1} {:>14.2}",
                "PyTorch eager (reference)", torch.prefill, torch.decode
            );
            println!(
                "ratio candle / PyTorch: prefill {:.2}x, decode {:.2}x",
                candle.prefill / torch.prefill,
                candle.decode / torch.decode
            );
        }
        None => {
            println!("PyTorch reference unavailable: python3 -m pip install torch transformers")
        }
    }
}
