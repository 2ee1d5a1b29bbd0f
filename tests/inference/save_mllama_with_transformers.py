"""Writes a small random MllamaForConditionalGeneration the way Hugging Face transformers
saves one (save_pretrained: its own config format and tensor names, sharded safetensors
with their index), in bfloat16, with the demo Vision model's configuration, so that
tests/vision.rs can check that files transformers saved load unchanged. argv: the output
directory, then the demo Vision model's directory (config, tokenizer and preprocessor
configuration are taken from it); `--new-names` saves the tensors under transformers 5's
own names (`model.language_model.…`) instead of the published ones; `--processor` saves
the tokenizer and image processor with `MllamaProcessor.save_pretrained`, which in
transformers 5 writes the image processor nested in `processor_config.json` and no
`preprocessor_config.json`."""

import shutil
import sys

import torch
from transformers import MllamaConfig, MllamaForConditionalGeneration


def main() -> None:
    out, demo = sys.argv[1], sys.argv[2]
    new_names = "--new-names" in sys.argv[3:]
    with_processor = "--processor" in sys.argv[3:]
    torch.manual_seed(4321)
    config = MllamaConfig.from_pretrained(demo)
    model = MllamaForConditionalGeneration(config)
    with torch.no_grad():
        for name, param in model.named_parameters():
            # transformers starts every gate at zero, which would switch the image off.
            if name.endswith((".gate", "gate_attn", "gate_ffn", "_attn_gate", "_mlp_gate")):
                param.fill_(0.6)
        model.model.multi_modal_projector.weight.mul_(10.0)
    model.to(torch.bfloat16).save_pretrained(
        out, max_shard_size="300KB", save_original_format=not new_names
    )
    if with_processor:
        from transformers import MllamaProcessor

        MllamaProcessor.from_pretrained(demo).save_pretrained(out)
        return
    for name in ["tokenizer.json", "preprocessor_config.json"]:
        shutil.copy(f"{demo}/{name}", f"{out}/{name}")


if __name__ == "__main__":
    main()
