"""Writes a small random LlamaForCausalLM the way Hugging Face transformers saves one
(save_pretrained: config.json, sharded safetensors with their index), in bfloat16 with
llama3 RoPE scaling and untied embeddings, so tests/inference.rs can check that files
transformers saved load unchanged. argv: the directory, then a tokenizer.json to copy."""

import shutil
import sys

import torch
from transformers import LlamaConfig, LlamaForCausalLM


def main() -> None:
    out, tokenizer = sys.argv[1], sys.argv[2]
    torch.manual_seed(1234)
    config = LlamaConfig(
        vocab_size=528, hidden_size=64, intermediate_size=160, num_hidden_layers=3,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
        rms_norm_eps=1e-5, bos_token_id=512, eos_token_id=513, tie_word_embeddings=False,
        rope_theta=500000.0,
        rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                      "high_freq_factor": 4.0, "original_max_position_embeddings": 64},
    )
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(out, max_shard_size="100KB")
    shutil.copy(tokenizer, f"{out}/tokenizer.json")


if __name__ == "__main__":
    main()
