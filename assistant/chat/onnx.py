"""The dialogue model on ONNX Runtime GenAI (``model.backend = onnx``): fast decoding on CPU.

The model ``model.name`` names (any the transformers backend loads, with ``model.adapter``
merged in) is loaded once with transformers and exported by onnxruntime-genai's model builder
into ``<data home>/models/onnx/<name>-<precision>-<key>``; later loads read that folder.
Precision follows ``model.quantize``: ``none`` exports fp32 (the same answers as the
transformers backend, token for token), ``int8`` 8-bit weights in blocks of 32, ``int4_mlp``
the same with each MLP's gate and up projections in 4 bits, ``w8a8`` the int8 export rewritten
so prompts are read with 8-bit activations per token, about 2.5x as fast (``w8a8.py``). The tokenizer and chat template
are the model's own, so prompts, context budget and turn dropping are the transformers
backend's (:meth:`assistant.chat.transformers.TransformersChat.encode`). Speed and answer
quality of each precision: the README's benchmarks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Sequence

from assistant.chat.base import Completion, TextStream
from assistant.chat.model import adapter_path, gguf_cache_dir, resolve_source
from assistant.chat.prompt import Message
from assistant.chat.transformers import TransformersChat
from core.atomic import replace_folder
from core.config import ONNX_QUANTIZE, GenerationConfig, ModelConfig
from core.errors import ModelError, first_line
from core.home import subdir
from core.progress import Progress

log = logging.getLogger(__name__)


PRECISIONS = {q: "fp32" if q == "none" else q for q in ONNX_QUANTIZE}  # model.quantize -> export precision
# int8: 8-bit weights in blocks of 32 (MatMulNBits; activations quantized to 8 bits inside the
# product). int4_mlp: the same with each MLP's gate and up projections (half the weights a
# token reads) in 4 bits. 4-bit weights everywhere decoded faster still but garbled grounded
# answers: see the README's benchmarks.


def quant_target(precision: str, layers: int) -> dict[str, Any]:
    """The builder's quantization settings (its ``--target_options``) for a quantized precision."""
    if precision == "int4":
        return {"quant_config": {"weights": {"type": "int4", "overrides": []}}}
    overrides = [{"match": {"name": f"/model/layers.{i}/mlp/{proj}_proj/MatMul"}, "type": "int4"}
                 for i in range(layers) for proj in ("gate", "up")] if precision == "int4_mlp" else []
    return {"quant_config": {"weights": {"type": "int8", "overrides": overrides}}}


@dataclass
class OnnxModel:
    """An exported model, loaded: what :class:`OnnxChat` decodes with (and the page shows)."""

    og_model: Any  # onnxruntime_genai.Model
    og_tokenizer: Any  # onnxruntime_genai.Tokenizer (streamed decoding)
    tokenizer: Any  # the model's transformers tokenizer (chat template, context budget)
    folder: Path
    label: str
    precision: str  # fp32, int8, int4_mlp, int4 or w8a8
    context_length: int
    eos_ids: frozenset[int]
    from_cache: bool
    load_seconds: float
    device: str = "cpu"
    warm: "Warm" = field(default_factory=lambda: Warm())

    @property
    def name(self) -> str:
        return f"{self.label} [onnx {self.precision}]"

    @property
    def dtype(self) -> str:
        return self.precision


def _tree_stamp(path: Path) -> list[tuple[str, int, int]]:
    """What identifies a folder's (or file's) content cheaply: names, sizes, modification times."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return [(str(p.relative_to(path) if p != path else p.name), p.stat().st_size, p.stat().st_mtime_ns)
            for p in files]


def export_key(cfg: ModelConfig) -> tuple[str, dict[str, Any]]:
    """(folder name, what it was made from) for the export of ``cfg``'s model at its precision."""
    import onnxruntime_genai

    cfg = replace(cfg, backend="onnx").resolved()
    source = resolve_source(cfg.name)
    made_from: dict[str, Any] = {"model": source.ref, "kind": source.kind, "precision": PRECISIONS[cfg.quantize],
                                 "onnxruntime_genai": onnxruntime_genai.__version__}
    if source.kind == "gguf":
        made_from["content"] = gguf_cache_dir(Path(source.ref)).name  # carries the file's sha256
    elif source.kind == "directory":
        made_from["content"] = _tree_stamp(Path(source.ref))
    if cfg.adapter:
        adapter = adapter_path(cfg.adapter)
        made_from["adapter"] = {"path": str(adapter), "content": _tree_stamp(adapter)}
    digest = hashlib.sha256(json.dumps(made_from, sort_keys=True).encode()).hexdigest()[:16]
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(source.ref).name)[:60]
    return f"{stem}-{made_from['precision']}-{digest}", made_from


def export_folder(cfg: ModelConfig) -> tuple[Path, dict[str, Any]]:
    name, made_from = export_key(cfg)
    return subdir("models") / "onnx" / name, made_from


def _build(cfg: ModelConfig, out: Path, made_from: dict[str, Any], progress: Progress) -> None:
    """Run the model builder into ``out`` on the model's full-precision folder: a GGUF's converted cache or
    the user's folder as they are, or a copy transformers saves (an adapter merged, a hub model gathered)."""
    from assistant.chat.model import load_model, local_weights, resolve_source

    precision = made_from["precision"]

    def write(tmp: Path) -> None:
        if precision == "w8a8":
            return write_w8a8(tmp)
        build(tmp)
        (tmp / "export.json").write_text(json.dumps({**made_from, "created": time.time()}, indent=2))

    def write_w8a8(tmp: Path) -> None:
        """The int8 export rewritten (``w8a8.py``): from the int8 export where there is one (seconds), else
        from one built here first."""
        from assistant.chat.w8a8 import convert

        base = export_folder(replace(cfg, quantize="int8"))[0]
        if (base / "export.json").is_file():
            progress(f"making the w8a8 export from {base} (one time, under a minute)...")
            for path in base.iterdir():
                if path.is_file() and path.name not in ("model.onnx", "model.onnx.data", "export.json"):
                    shutil.copy2(path, tmp / path.name)
            src = base
        else:
            build(tmp)
            src = tmp
        logits = json.loads((tmp / "genai_config.json").read_text())["model"]["decoder"]["outputs"]["logits"]
        count = convert(src, tmp, logits, progress)
        made = {**made_from, "created": time.time(), "rewritten": count}
        (tmp / "export.json").write_text(json.dumps(made, indent=2))

    def build(tmp: Path) -> None:
        scratch = tmp / ".cache"
        source = resolve_source(cfg.name)
        progress(f"exporting {source.label} to ONNX ({precision}) under {out.parent} (one time, a few minutes)...")
        if cfg.adapter or source.kind not in ("gguf", "directory"):
            # The adapter is merged (or the hub's files gathered) by transformers into a copy the builder reads.
            hf = tmp / ".hf"
            loaded = load_model(replace(cfg, backend="transformers", quantize="none", compile=False, device="cpu",
                                        dtype="float32"), progress)
            loaded.model.save_pretrained(hf)
            loaded.tokenizer.save_pretrained(hf)
            del loaded  # the builder reads the saved copy in a process of its own
        else:
            # A folder on disk already (a GGUF's converted cache, or the user's own): the builder reads it as
            # it is; a second full-precision copy would cost the model's size in disk again.
            hf = Path(local_weights(source, progress)[0])
        from transformers import AutoConfig, AutoTokenizer

        try:
            model_config = AutoConfig.from_pretrained(str(hf), trust_remote_code=cfg.trust_remote_code)
            layers = int(model_config.get_text_config().num_hidden_layers)
        except (OSError, ValueError, KeyError, AttributeError) as err:
            raise ModelError(f"cannot export {cfg.name!r} to ONNX: its config in {hf} does not read: "
                             f"{first_line(err)}") from err
        command = [sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", str(hf), "-o", str(tmp),
                   "-p", "fp32" if precision == "fp32" else "int8", "-e", "cpu", "-c", str(scratch)]
        if precision != "fp32":
            target = scratch / "target.json"
            scratch.mkdir()
            target.write_text(json.dumps(quant_target(precision, layers)))
            command += ["--target_options", str(target)]
        returncode, tail = run_builder(command, layers, progress)
        if returncode != 0 or not (tmp / "genai_config.json").is_file():
            raise ModelError(f"exporting {cfg.name!r} to ONNX failed (onnxruntime-genai's builder exited with "
                             f"{returncode}): {tail or 'no output'}")
        # the model's own tokenizer files and chat template
        AutoTokenizer.from_pretrained(str(hf), trust_remote_code=cfg.trust_remote_code).save_pretrained(tmp)
        if hf.parent == tmp:
            shutil.rmtree(hf)
        shutil.rmtree(scratch, ignore_errors=True)

    replace_folder(out, write)


BUILDER_STEP = re.compile(r"^(Reading (?:embedding layer|layer (\d+)|final norm|LM head)|Saving ONNX model)")


def run_builder(command: list[str], layers: int, progress: Progress) -> tuple[int, str]:
    """Run the model builder, passing its steps on as progress ("exporting: layer 5 of 28");
    (exit status, the last line it wrote: the exception, after a traceback)."""
    last = ""
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace") as builder:
        assert builder.stdout is not None
        for line in builder.stdout:  # text mode splits tqdm's carriage returns into lines too
            line = line.strip()
            if not line:
                continue
            last = line
            step = BUILDER_STEP.match(line)
            if step:
                progress(f"exporting: layer {int(step.group(2)) + 1} of {layers}" if step.group(2)
                         else f"exporting: {step.group(1)[0].lower()}{step.group(1)[1:]}")
    return builder.returncode, last


def load_onnx_model(cfg: ModelConfig, progress: Progress | None = None) -> OnnxModel:
    """The model ``cfg`` names, exported (first time) and loaded into ONNX Runtime GenAI."""
    import onnxruntime_genai as og
    from transformers import AutoTokenizer

    progress = progress or log.info
    start = time.perf_counter()
    out, made_from = export_folder(cfg)  # its key resolves model.quantize = auto
    from_cache = (out / "export.json").is_file()
    if from_cache:
        progress(f"loading the ONNX export {out}")
    else:
        _build(cfg, out, made_from, progress)
    try:
        og_config = og.Config(str(out))
        # ONNX Runtime's own default ran on fewer threads than the machine's cores, and slower
        # (the README's benchmarks), so say how many, as torch's default does.
        threads = cfg.threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                  else os.cpu_count() or 1)
        og_config.overlay(json.dumps({"model": {"decoder": {"session_options": {"intra_op_num_threads": threads}}}}))
        og_model = og.Model(og_config)
        og_tokenizer = og.Tokenizer(og_model)
        tokenizer = AutoTokenizer.from_pretrained(str(out))
        genai = json.loads((out / "genai_config.json").read_text())["model"]
    except (RuntimeError, OSError, ValueError, KeyError) as err:
        raise ModelError(f"cannot load the ONNX export {out}: {err} (delete the folder to export again)") from err
    eos = genai.get("eos_token_id")
    eos_ids = frozenset(int(i) for i in (eos if isinstance(eos, list) else [eos]) if i is not None)
    eos_ids |= {int(tokenizer.eos_token_id)} if tokenizer.eos_token_id is not None else set()
    label = resolve_source(cfg.name).label + (f"+{cfg.adapter}" if cfg.adapter else "")
    seconds = time.perf_counter() - start
    loaded = OnnxModel(og_model, og_tokenizer, tokenizer, out, label, made_from["precision"],
                       int(genai.get("context_length") or 2048), eos_ids, from_cache, seconds)
    progress(f"model ready: {loaded.name} on cpu (ONNX Runtime GenAI), {seconds:.1f} s")
    return loaded


WARM_LENGTH = 2048  # tokens a kept generator holds: its cache is allocated whole (~57 KB a token for the 1.5B default)
LEAST_SHARED = 16  # a kept generator is reused for a prompt that starts with at least this many of its tokens


class Warm:
    """The generator of the last greedy answer, kept so the next prompt is read only from where it
    differs: every grounded prompt opens with the same system prompt (~60 tokens, ~0.8 s of reading
    on two cores), and a chat's follow-up with the same history. ``rewind_to`` drops the rest of its
    cache. One stream holds it at a time; one started meanwhile gets a generator of its own."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generator: Any = None
        self.options: dict[str, Any] = {}

    def start(self, og_model, prompt: list[int], options: dict[str, Any]) -> tuple[Any, int]:
        """(a generator that has read ``prompt``, how many of its first tokens it had read before)."""
        import onnxruntime_genai as og

        if self.generator is not None and self.options == options:
            held = [int(t) for t in self.generator.get_sequence(0)]  # what it holds: the last prompt and answer
            keep = min(shared_start(held, prompt), len(prompt) - 1)  # at least one token read: its logits
            if keep >= LEAST_SHARED:
                self.generator.rewind_to(keep)
                self.generator.append_tokens(prompt[keep:])
                return self.generator, keep
        self.generator = None
        params = og.GeneratorParams(og_model)
        params.set_search_options(**options, max_length=WARM_LENGTH)
        generator = og.Generator(og_model, params)
        generator.append_tokens(prompt)
        self.generator, self.options = generator, dict(options)
        return generator, 0

    def drop(self) -> None:
        self.generator = None


def shared_start(a: Sequence[int], b: Sequence[int]) -> int:
    """How many first tokens ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


class OnnxStream(TextStream):
    """The onnx backend's stream: decoding runs in the consuming thread, a token at a time
    (ONNX Runtime's own threads do the math); a set ``stop`` event, or the consumer stopping
    early, ends it."""

    def _pieces(self) -> Iterator[str]:
        loaded: OnnxModel = self._chat.loaded
        gen = self._gen
        input_ids, dropped = self._chat.encode(self._messages, gen.max_new_tokens)
        prompt = [int(t) for t in input_ids[0]]
        start = time.perf_counter()
        options: dict[str, Any] = {"do_sample": gen.do_sample, "repetition_penalty": gen.repetition_penalty}
        if gen.do_sample:
            options.update(temperature=gen.temperature, top_p=gen.top_p, top_k=gen.top_k or 0)
            if gen.seed is not None:
                options["random_seed"] = gen.seed
        # greedy answers share the kept generator (sampling draws from a state it cannot rewind)
        warm = loaded.warm if not gen.do_sample and len(prompt) + gen.max_new_tokens <= WARM_LENGTH else None
        if warm is not None and not warm.lock.acquire(blocking=False):
            warm = None  # another stream holds it
        try:
            yield from self._decode(loaded, prompt, options, warm, dropped, start)
        except Exception:
            if warm is not None:
                warm.drop()  # what it holds is unknown (a consumer that stops early leaves it known)
            raise
        finally:
            if warm is not None:
                warm.lock.release()

    def _decode(self, loaded: "OnnxModel", prompt: list[int], options: dict[str, Any], warm: Warm | None,
                dropped: int, start: float) -> Iterator[str]:
        import onnxruntime_genai as og

        gen = self._gen
        try:
            if warm is not None:
                generator, cached = warm.start(loaded.og_model, prompt, options)
            else:
                params = og.GeneratorParams(loaded.og_model)
                params.set_search_options(**options, max_length=len(prompt) + gen.max_new_tokens)
                generator, cached = og.Generator(loaded.og_model, params), 0
                generator.append_tokens(prompt)
            margin, refuse = self._gate(generator.get_logits()) if self._refusal_id is not None else (None, False)
        except RuntimeError as err:
            raise ModelError(f"ONNX Runtime GenAI refused the prompt ({len(prompt)} tokens): {err}") from err
        if refuse:
            seconds = time.perf_counter() - start
            yield self._refusal or ""
            self.completion = Completion(self._refusal or "", len(prompt), 0, seconds, seconds, "abstained", dropped,
                                         margin, cached)
            return
        decoder = loaded.og_tokenizer.create_stream()  # skips control tokens, holds back split characters
        ttft = None
        pieces: list[str] = []
        new: list[int] = []
        while len(new) < gen.max_new_tokens and not self._stopping() and not generator.is_done():
            try:
                generator.generate_next_token()
            except RuntimeError as err:
                raise ModelError(f"ONNX Runtime GenAI failed after {len(new)} new tokens: {err}") from err
            token = int(generator.get_next_tokens()[0])
            new.append(token)
            if token in loaded.eos_ids:
                break
            piece = decoder.decode(token)
            if piece:
                if ttft is None:
                    ttft = time.perf_counter() - start
                pieces.append(piece)
                yield piece
        if self._stop.is_set():
            reason = "cancelled"
        elif new and new[-1] in loaded.eos_ids:
            reason = "stop"
        else:
            reason = "length"
        self.completion = Completion("".join(pieces), len(prompt), len(new), ttft, time.perf_counter() - start,
                                     reason, dropped, margin, cached)


class OnnxChat(TransformersChat):
    """:class:`~assistant.chat.transformers.TransformersChat` with decoding done by ONNX Runtime GenAI."""

    loaded: OnnxModel

    def stream(self, messages: Sequence[Message], generation: GenerationConfig | None = None,
               stop: threading.Event | None = None, refusal: str | None = None) -> OnnxStream:
        return OnnxStream(self, messages, generation or self.generation, stop, refusal)


def load_onnx_chat(cfg: ModelConfig, generation: GenerationConfig | None = None,
                   progress: Progress | None = None) -> OnnxChat:
    return OnnxChat(load_onnx_model(cfg, progress), generation)  # type: ignore[arg-type]
