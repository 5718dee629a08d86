"""The models and adapters this machine has, for a picker: what can be loaded without a download.

- the packaged models whose packages are installed (found with ``find_spec``, never imported);
- GGUF files converted once before (``<data home>/models/<name>-<digest>/source.json`` says which
  file): the file itself when it is still there, else its converted folder, which loads as it is;
- models a Hugging Face cache holds (``HF_HUB_CACHE``), for a machine that downloaded some;
- LoRA adapters under ``<data home>/adapters``.

Any other Hugging Face id or path can still be typed: the picker takes a value of its own.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from assistant.chat.model import DEFAULT_MODEL, PACKAGED_ALIASES, PACKAGED_MODULE, QWEN, SMOLLM2
from core.home import data_home
from core.packaged import QWEN_CODER

# What the picker says of each kind of model (the page shows them in its language: ``model_note_*`` keys)
NOTES = {"packaged_default": "packaged, the default", "packaged": "packaged", "converted": "converted before",
         "gguf_gone": "converted; its GGUF is gone", "downloaded": "downloaded"}


@dataclass(frozen=True)
class Available:
    name: str  # what ModelConfig.name takes
    shown: str  # the name the picker shows
    note: str  # a key of NOTES

    @property
    def label(self) -> str:
        return f"{self.shown} ({NOTES[self.note]})"


def _installed(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def packaged() -> list[Available]:
    """The packaged dialogue models whose packages are installed, the default first."""
    out = []
    if all(_installed(module) for module in QWEN_CODER.modules):
        out.append(Available(QWEN, QWEN, "packaged_default" if DEFAULT_MODEL == QWEN else "packaged"))
    if _installed(PACKAGED_MODULE):
        out.append(Available(SMOLLM2, SMOLLM2, "packaged_default" if DEFAULT_MODEL == SMOLLM2 else "packaged"))
    return out


def converted(home: Path | None = None) -> list[Available]:
    """GGUF files converted before, other than the packaged ones (those are listed by name)."""
    home = home or data_home()
    out = []
    for source in sorted(home.glob("models/*/source.json")):
        try:
            gguf = Path(json.loads(source.read_text(encoding="utf-8"))["gguf"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a cache half written or from another version: not offered, still loadable by path
        if "site-packages" in gguf.parts or home / "models" in gguf.parents:  # a packaged model's file, or its join
            continue
        if gguf.is_file():
            out.append(Available(str(gguf), gguf.name, "converted"))
        else:
            out.append(Available(str(source.parent), source.parent.name, "gguf_gone"))
    return out


def downloaded() -> list[Available]:
    """Causal language models in the Hugging Face cache (``org/name``), as they can be loaded offline."""
    cache = Path(os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME", Path.home() / ".cache" /
                                                                        "huggingface")) / "hub")
    out = []
    for folder in sorted(cache.glob("models--*")):
        configs = list(folder.glob("snapshots/*/config.json"))
        if not configs:
            continue
        try:
            architectures = json.loads(configs[0].read_text(encoding="utf-8")).get("architectures") or []
        except (OSError, ValueError):
            continue
        if any(a.endswith("ForCausalLM") for a in architectures):
            name = folder.name.removeprefix("models--").replace("--", "/")
            out.append(Available(name, name, "downloaded"))
    return out


def canonical(name: str) -> str:
    """A packaged model's alias ("default", "qwen") as the picker lists it; other names as they are."""
    return PACKAGED_ALIASES.get(name.strip().lower(), name)


def models(home: Path | None = None) -> list[Available]:
    """Every dialogue model the picker offers, packaged ones first."""
    return packaged() + converted(home) + downloaded()


def adapters(home: Path | None = None) -> list[str]:
    """The names of the LoRA adapters under ``<data home>/adapters``."""
    root = (home or data_home()) / "adapters"
    return sorted(p.parent.name for p in root.glob("*/adapter_config.json") if not p.parent.name.startswith("."))
