"""Independent reference for tests/inference.rs: Hugging Face transformers'
LlamaForCausalLM on the CPU in float32, loading a model directory unchanged.

Reads {"sequences": [[ids]...], "prompt": [ids], "new_tokens": n} on stdin and prints
{"logits": [[next-token logits]...], "continuation": [ids]} (greedy, stopping at EOS)."""

import json
import sys

import torch
from transformers import AutoModelForCausalLM


def main() -> None:
    request = json.load(sys.stdin)
    model = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32)
    model.eval()
    eos = model.config.eos_token_id
    eos = set(eos if isinstance(eos, list) else [eos])
    out = {"architecture": type(model).__name__, "logits": [], "continuation": []}
    with torch.no_grad():
        for tokens in request["sequences"]:
            logits = model(input_ids=torch.tensor([tokens])).logits[0, -1]
            out["logits"].append(logits.tolist())
        ids = list(request["prompt"])
        for _ in range(request["new_tokens"]):
            logits = model(input_ids=torch.tensor([ids])).logits[0, -1]
            token = int(torch.argmax(logits))
            out["continuation"].append(token)
            if token in eos:
                break
            ids.append(token)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
