"""Independent reference for tests/vision.rs: Hugging Face transformers'
MllamaForConditionalGeneration on the CPU in float32, loading a model directory unchanged,
and its PIL image processor.

Reads on stdin:
  {"images": [{"width", "height", "rgb": base64 of the RGB bytes}],
   "cases": [{"tokens": [ids], "image": index into images or null}],
   "prompt": {"tokens": [ids], "image": index}, "new_tokens": n}
and prints {"processed": [{"pixel_values", "aspect_ratio_id", "num_tiles"}],
            "logits": [[next-token logits]], "continuation": [ids]}.

Every case's image token comes first (then BOS, as the transformers processor builds a
prompt), so no text position precedes it: transformers and Meta's reference treat such
positions differently (see src/inference/mllama/mod.rs).
transformers since 4.56 takes the vision features from the *outputs* of the listed encoder
layers, where Meta's reference and transformers 4.45 take their *inputs*: the indices are
lowered by one here so that both compute the published network (`--as-published`; without
it, the network transformers computes today)."""

import base64
import json
import sys

import numpy as np
import torch
from PIL import Image
from transformers import MllamaForConditionalGeneration
from transformers.models.mllama.image_processing_pil_mllama import MllamaImageProcessorPil


def main() -> None:
    model_dir = sys.argv[1]
    as_published = "--as-published" in sys.argv[2:]
    request = json.load(sys.stdin)
    processor = MllamaImageProcessorPil.from_pretrained(model_dir)
    processed = []
    for image in request["images"]:
        rgb = base64.b64decode(image["rgb"])
        pil = Image.frombytes("RGB", (image["width"], image["height"]), rgb)
        out = processor(images=[[pil]], return_tensors="np")
        processed.append(
            {
                "pixel_values": out["pixel_values"][0, 0].astype(np.float32).ravel().tolist(),
                "aspect_ratio_id": int(out["aspect_ratio_ids"][0, 0]),
                "aspect_ratio_mask": out["aspect_ratio_mask"][0, 0].tolist(),
                "num_tiles": int(out["num_tiles"][0][0]),
            }
        )

    model = MllamaForConditionalGeneration.from_pretrained(model_dir, dtype=torch.float32)
    model.eval()
    vision = model.model.vision_model
    if as_published:
        assert min(vision.intermediate_layers_indices) >= 1
        vision.intermediate_layers_indices = [i - 1 for i in vision.intermediate_layers_indices]
    image_token = model.config.image_token_index
    max_tiles = model.config.vision_config.max_num_tiles
    eos = model.config.text_config.eos_token_id
    eos = set(eos if isinstance(eos, list) else [eos])

    def inputs(tokens, image):
        ids = torch.tensor([tokens])
        if image is None:
            return {"input_ids": ids}
        assert tokens[0] == image_token
        p = processed[image]
        tiles = p["num_tiles"]
        size = model.config.vision_config.image_size
        pixels = torch.tensor(p["pixel_values"]).reshape(1, 1, max_tiles, 3, size, size)
        cross = torch.zeros(1, len(tokens), 1, max_tiles, dtype=torch.long)
        cross[:, :, :, :tiles] = 1
        return {
            "input_ids": ids,
            "pixel_values": pixels,
            "aspect_ratio_ids": torch.tensor([[p["aspect_ratio_id"]]]),
            "aspect_ratio_mask": torch.tensor([[p["aspect_ratio_mask"]]]),
            "cross_attention_mask": cross,
        }

    out = {"architecture": type(model).__name__, "processed": processed, "logits": [], "continuation": []}
    with torch.no_grad():
        for case in request["cases"]:
            logits = model(**inputs(case["tokens"], case["image"])).logits[0, -1]
            out["logits"].append(logits.tolist())
        ids = list(request["prompt"]["tokens"])
        for _ in range(request["new_tokens"]):
            logits = model(**inputs(ids, request["prompt"]["image"])).logits[0, -1]
            token = int(torch.argmax(logits))
            out["continuation"].append(token)
            if token in eos:
                break
            ids.append(token)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
