"""Drives the real `huggingface_hub` client against a modelgate endpoint for tests/hub.rs.

Reads HF_ENDPOINT, HF_HOME and HF_TOKEN from the environment (set by the test). Prints one
JSON object on stdout: what was downloaded (path -> SHA-256) or the error the client raised
(its class names and message). Exit code 0 on success, 3 when the client raised.
"""

import hashlib
import json
import os
import sys


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def files_under(root):
    out = {}
    for base, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(base, name)
            rel = os.path.relpath(path, root)
            if rel.startswith(".cache"):
                continue
            out[rel] = sha256_of(path)
    return out


def main():
    import huggingface_hub
    from huggingface_hub import hf_hub_download, model_info, snapshot_download

    command, repo = sys.argv[1], sys.argv[2]
    revision = os.environ.get("HF_TEST_REVISION") or None
    # Extra request headers (the tests speak through a trusted proxy with X-Forwarded-For).
    headers = json.loads(os.environ.get("HF_TEST_HEADERS") or "{}") or None
    try:
        if command == "snapshot":
            root = snapshot_download(repo, revision=revision, headers=headers)
            result = {"path": root, "files": files_under(root)}
        elif command == "file":
            path = hf_hub_download(repo, sys.argv[3], revision=revision, headers=headers)
            result = {"path": path, "sha256": sha256_of(path)}
        elif command == "info":
            info = model_info(repo, revision=revision, files_metadata=True)
            result = {
                "id": info.id,
                "sha": info.sha,
                "siblings": [
                    {"rfilename": s.rfilename, "size": s.size, "sha256": s.lfs.sha256 if s.lfs else None}
                    for s in info.siblings
                ],
            }
        elif command == "tree":
            from huggingface_hub import HfApi

            entries = HfApi().list_repo_tree(repo, recursive=True, expand=True, revision=revision)
            result = {
                "entries": [
                    {
                        "path": e.path,
                        "type": type(e).__name__,
                        "sha256": getattr(e, "lfs", None) and e.lfs.sha256,
                        "commit": e.last_commit.oid if e.last_commit else None,
                    }
                    for e in entries
                ]
            }
        elif command == "paths_info":
            from huggingface_hub import HfApi

            infos = HfApi().get_paths_info(repo, sys.argv[3:], expand=True, revision=revision)
            result = {"entries": [{"path": e.path, "type": type(e).__name__} for e in infos]}
        elif command == "auth_check":
            from huggingface_hub import HfApi

            HfApi().auth_check(repo)
            result = {"allowed": True}
        elif command == "whoami":
            from huggingface_hub import HfApi

            result = {"name": HfApi().whoami()["name"]}
        elif command == "card":
            # The card as the client reads it: `cardData` of the model info, and the
            # README.md itself through ModelCard.load (a gated download).
            from huggingface_hub import ModelCard

            info = model_info(repo, revision=revision)
            card = ModelCard.load(repo)
            result = {
                "card_data_language": info.card_data.language if info.card_data else None,
                "tags": info.tags,
                "readme_language": card.data.language,
                "readme_text": card.text,
            }
        elif command == "info_expand":
            info = model_info(repo, revision=revision, expand=sys.argv[3:])
            result = {"sha": info.sha, "tags": info.tags, "siblings": info.siblings, "downloads": info.downloads}
        elif command == "requests":
            from huggingface_hub import HfApi

            listed = getattr(HfApi(), f"list_{sys.argv[3]}_access_requests")(repo)
            result = {"requests": [{"user": r.username, "id": r.request_id, "status": r.status, "fields": r.fields} for r in listed]}
        elif command == "accept":
            from huggingface_hub import HfApi

            HfApi().accept_access_request(repo, sys.argv[3])
            result = {"accepted": sys.argv[3]}
        elif command == "reject":
            from huggingface_hub import HfApi

            HfApi().reject_access_request(repo, sys.argv[3], rejection_reason=sys.argv[4])
            result = {"rejected": sys.argv[3]}
        elif command == "autoconfig":
            from transformers import AutoConfig

            from transformers import AutoTokenizer

            config = AutoConfig.from_pretrained(repo, revision=revision)
            tokenizer = AutoTokenizer.from_pretrained(repo, revision=revision)
            result = {
                "model_type": config.model_type,
                "class": type(config).__name__,
                "tokenizer": type(tokenizer).__name__,
                "tokens": tokenizer("modelgate")["input_ids"],
            }
        else:
            raise SystemExit(f"unknown command {command}")
    except Exception as error:  # the test asserts on the class and message
        names = [cls.__name__ for cls in type(error).__mro__]
        print(json.dumps({"error": names, "message": str(error), "version": huggingface_hub.__version__}))
        sys.exit(3)
    result["version"] = huggingface_hub.__version__
    print(json.dumps(result))


if __name__ == "__main__":
    main()
