"""PyTorch eager reference for benches/inference.rs: loads a model directory with
transformers' LlamaForCausalLM in float32 on the CPU and prints prefill and decode
tokens per second for the given prompt ids (argv[2], JSON) and decode length (argv[3])."""

import json
import sys
import time

import torch
from transformers import AutoModelForCausalLM


def main() -> None:
    model = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32)
    model.eval()
    prompt = torch.tensor([json.loads(sys.argv[2])])
    decode = int(sys.argv[3])
    with torch.inference_mode():
        model(input_ids=prompt[:, :8])  # warm-up, as the candle side does
        started = time.perf_counter()
        out = model(input_ids=prompt, use_cache=True)
        prefill = prompt.shape[1] / (time.perf_counter() - started)
        past, logits = out.past_key_values, out.logits[:, -1]
        started = time.perf_counter()
        for _ in range(decode):
            token = torch.argmax(logits, dim=-1, keepdim=True)
            out = model(input_ids=token, past_key_values=past, use_cache=True)
            past, logits = out.past_key_values, out.logits[:, -1]
        decode_tps = decode / (time.perf_counter() - started)
    print(json.dumps({"prefill_tokens_per_second": prefill, "decode_tokens_per_second": decode_tps,
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
