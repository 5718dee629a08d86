"""Benchmark the dialogue model on this machine and write JSON.

    python bench/generate.py [--out bench/results/generate.json] [--new-tokens 128] [--model smollm2]
                             [--variants fp32,static_cache,int8,int8_static,compile,bf16,int4,int4_compile,int4_decode,
                                         onnx,onnx_int8,onnx_int4_mlp,onnx_int4,onnx_w8a8]
                             [--llama-python /opt/llama-venv/bin/python] [--reuse-models]

Measures, for a packaged model (``--model``: SmolLM2-135M-Instruct by default, or
``qwen2.5-coder-1.5b``, today's default dialogue model) at batch 1, greedy, a fixed
number of new tokens (end-of-sequence suppressed so every run makes the same
count): load time (first load converts the GGUF, then from the cache; each in
a fresh process), time to first token, and tokens/s for each variant tried to
speed the CPU path up. ``onnx``, ``onnx_int8``, ``onnx_int4_mlp``, ``onnx_int4`` and ``onnx_w8a8``
are ``model.backend = onnx`` (the model exported to ONNX at fp32, int8, int4_mlp, int4 or w8a8 and
decoded by ONNX Runtime GenAI). ``--reuse-models`` reads the data home's converted and exported models
instead of making them again in the run's temporary home (the load-time figures still start
from nothing, in a home of their own). ``NAME@N`` runs a variant on N threads (thread settings:
``--variants fp32,fp32@1,int4,int4@1``). If an interpreter with ``llama-cpp-python`` is given
(built outside this project's dependencies), the same prompt and token count
run through llama.cpp on the same GGUF, and every variant gets a ratio to it.
``--in-thread`` runs each measurement in a new thread, as the app does (``ChatModel.stream``
generates in a worker thread). Models are prepared in a thread that ends, as the product
prepares them (``core.device.own_thread``): a thread left holding an OpenMP team
halves the speed of the int4 kernels everywhere else (``bench/experiments/omp_teams.py``).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, ROOT, write_result  # noqa: E402

PROMPT = "Write a detailed essay about the history of the printing press."

LOAD_SNIPPET = """
import json, time
t = time.perf_counter()
import torch, transformers
from transformers.models.llama import modeling_llama, tokenization_llama  # what loading imports lazily
imports = time.perf_counter() - t
from core.config import ModelConfig
from assistant.chat.model import load_model
m = load_model(ModelConfig(name=MODEL), progress=lambda s: None)
print(json.dumps({"import_seconds": imports, "load_seconds": m.load_seconds,
                  "process_seconds": time.perf_counter() - t, "from_cache": m.from_cache}))
"""

LLAMA_SNIPPET = """
import json, sys, time, statistics
from llama_cpp import Llama
args = json.loads(sys.argv[1])
llm = Llama(model_path=args["gguf"], n_ctx=1024, n_threads=args["threads"], n_batch=256, verbose=False)
bias = {llm.token_eos(): -1e9}
def once(n):
    start = time.perf_counter(); first = None; reason = None
    for chunk in llm.create_completion(args["ids"], max_tokens=n, temperature=0.0, top_k=1,
                                       logit_bias=bias, stream=True):
        reason = chunk["choices"][0]["finish_reason"]
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    llm.reset()
    assert reason == "length", reason  # end-of-sequence is suppressed: exactly n tokens were made
    count = n
    return {"ttft_s": first - start, "seconds": end - start, "tokens": count,
            "tokens_per_s": count / (end - start), "decode_tokens_per_s": (count - 1) / (end - first)}
once(8)
runs = [once(args["n"]) for _ in range(args["repeats"])]
print(json.dumps({k: statistics.median(r[k] for r in runs) for k in runs[0]}))
"""


def load_times(home: Path, model: str) -> dict:
    """First load (GGUF conversion) and a cached load, each in a fresh process.

    ``import_seconds`` is importing torch and transformers' Llama modules, paid by any
    process that uses them; ``load_seconds`` is :func:`load_model` after that.
    """
    env = {**os.environ, "ASSISTANT_HOME": str(home), "TRANSFORMERS_VERBOSITY": "error",
           "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    out = {}
    for label in ("first", "cached"):
        res = subprocess.run([sys.executable, "-c", LOAD_SNIPPET.replace("MODEL", repr(model))], env=env,
                             capture_output=True, text=True,
                             cwd=ROOT, check=True)
        out[label] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


class _Clock:
    """A generate() streamer that only records when each batch of tokens arrives."""

    def __init__(self):
        self.times: list[float] = []

    def put(self, value):
        self.times.append(time.perf_counter())

    def end(self):
        pass


def measure(model, input_ids, n_new: int, repeats: int, **gen_kwargs) -> dict:
    import torch

    def once(n):
        clock = _Clock()
        start = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                                 max_new_tokens=n, min_new_tokens=n, do_sample=False, streamer=clock,
                                 pad_token_id=model.generation_config.eos_token_id, **gen_kwargs)
        end = time.perf_counter()
        made = out.shape[1] - input_ids.shape[1]
        first = clock.times[1]  # times[0] is the prompt being handed to the streamer
        return {"ttft_s": first - start, "seconds": end - start, "tokens": made,
                "tokens_per_s": made / (end - start), "decode_tokens_per_s": (made - 1) / (end - first)}

    once(8)  # warm-up (allocations, lazy init, compilation)
    runs = [once(n_new) for _ in range(repeats)]
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def measure_onnx(loaded, input_ids, n_new: int, repeats: int) -> dict:
    """``measure`` for a model loaded by ``assistant.chat.onnx`` (ONNX Runtime GenAI): the same prompt,
    greedy, exactly ``n_new`` tokens (end-of-sequence held back by a minimum length)."""
    import onnxruntime_genai as og

    prompt = [int(t) for t in input_ids[0]]

    def once(n):
        params = og.GeneratorParams(loaded.og_model)
        params.set_search_options(max_length=len(prompt) + n, min_length=len(prompt) + n, do_sample=False)
        start = time.perf_counter()
        generator = og.Generator(loaded.og_model, params)
        generator.append_tokens(prompt)
        made, first = 0, None
        while not generator.is_done():
            generator.generate_next_token()
            made += 1
            if first is None:
                first = time.perf_counter()
        end = time.perf_counter()
        assert made == n, made
        return {"ttft_s": first - start, "seconds": end - start, "tokens": made,
                "tokens_per_s": made / (end - start), "decode_tokens_per_s": (made - 1) / (end - first)}

    once(8)
    runs = [once(n_new) for _ in range(repeats)]
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


# model.backend = onnx, by its model.quantize
ONNX_VARIANTS = {"onnx": "none", "onnx_int8": "int8", "onnx_int4_mlp": "int4_mlp", "onnx_int4": "int4",
                 "onnx_w8a8": "w8a8"}


def build_variant(name: str, base, model_name: str = "smollm2"):
    """(model, generate kwargs, seconds spent preparing) for one speed-up variant."""
    import torch

    start = time.perf_counter()
    kwargs: dict = {}
    model = base
    if name in ("int8", "int8_static"):
        model = torch.ao.quantization.quantize_dynamic(copy.deepcopy(base), {torch.nn.Linear}, dtype=torch.qint8)
    if name in ("int4", "int4_compile", "int4_decode"):  # what model.quantize = int4 / int4_decode ships
        from assistant.chat.quantize import quantize_int4

        model = copy.deepcopy(base)
        quantize_int4(model, keep_float=name == "int4_decode")
    if name == "bf16":
        model = copy.deepcopy(base).to(torch.bfloat16)
    if name == "int4_compile":  # what model.quantize = int4 with model.compile = true ships
        from assistant.chat.transformers import static_compiled_kwargs

        kwargs.update(static_compiled_kwargs())
    if name in ("static_cache", "int8_static", "compile"):
        kwargs["cache_implementation"] = "static"
    if name == "compile":
        model = copy.deepcopy(base)
        model.forward = torch.compile(model.forward, dynamic=False)
    if name in ONNX_VARIANTS:  # what model.backend = onnx ships: exported (first time) and loaded
        from assistant.chat.onnx import load_onnx_model
        from core.config import ModelConfig

        model = load_onnx_model(ModelConfig(name=model_name, backend="onnx", quantize=ONNX_VARIANTS[name],
                                            threads=torch.get_num_threads()), progress=lambda s: None)
    return model, kwargs, time.perf_counter() - start


def run_llama(python: str, gguf: str, ids: list[int], n_new: int, repeats: int, threads: int) -> dict:
    payload = json.dumps({"gguf": gguf, "ids": ids, "n": n_new, "repeats": repeats, "threads": threads})
    res = subprocess.run([python, "-c", LLAMA_SNIPPET, payload], capture_output=True, text=True, timeout=900)
    if res.returncode != 0:
        raise RuntimeError(f"llama.cpp run failed: {res.stderr.strip()[-500:]}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    version = subprocess.run([python, "-c", "import llama_cpp; print(llama_cpp.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    return {**out, "llama_cpp_python": version}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(RESULTS / "generate.json"))
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variants",
                        default="fp32,static_cache,int8,int8_static,compile,bf16,int4,int4_compile,int4_decode,"
                                "onnx,onnx_int8,onnx_int4_mlp,onnx_int4")
    parser.add_argument("--model", default="smollm2", help="a packaged model name (smollm2, qwen2.5-coder-1.5b)")
    parser.add_argument("--reuse-models", action="store_true",
                        help="use the data home's converted and exported models (made once) in the measured runs")
    parser.add_argument("--llama-python", default=os.environ.get("LLAMA_CPP_PYTHON"),
                        help="a Python interpreter with llama-cpp-python installed, for the reference")
    parser.add_argument("--skip-load", action="store_true", help="skip the (slow) load-time measurement")
    parser.add_argument("--in-thread", action="store_true",
                        help="generate in a worker thread, as the app does, not in the main thread")
    args = parser.parse_args()

    import torch

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    threads = torch.get_num_threads()
    result: dict = {
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpu_count": os.cpu_count(), "torch_threads": threads, "torch": torch.__version__},
        "prompt": PROMPT, "new_tokens": args.new_tokens, "batch": 1, "repeats": args.repeats,
        "generated_in": "a worker thread" if args.in_thread else "the main thread",
    }
    with tempfile.TemporaryDirectory() as home:
        if not args.skip_load:
            result["load"] = load_times(Path(home) / "load", args.model)
        if args.reuse_models:
            from core.home import data_home

            (data_home() / "models").mkdir(parents=True, exist_ok=True)
            (Path(home) / "models").symlink_to(data_home() / "models")
        os.environ["ASSISTANT_HOME"] = home
        from assistant.chat.model import load_model
        from assistant.chat.prompt import build_messages
        from core.config import ModelConfig
        from core.device import own_thread

        loaded = load_model(ModelConfig(name=args.model), progress=lambda s: None)
        result["model"] = loaded.name
        ids = loaded.tokenizer.apply_chat_template(build_messages(PROMPT), add_generation_prompt=True,
                                                   return_tensors="pt", return_dict=True)["input_ids"]
        result["prompt_tokens"] = int(ids.shape[1])
        variants = {}
        for name in [v for v in args.variants.split(",") if v]:
            base_name, _, on = name.partition("@")  # "int4@1": the int4 variant on 1 torch thread
            torch.set_num_threads(int(on) if on else threads)
            # as the product prepares models: in a thread that ends (core.device.own_thread)
            model, kwargs, prep = own_thread(build_variant)(base_name, loaded.model, args.model)
            start = time.perf_counter()
            how = measure_onnx if base_name in ONNX_VARIANTS else measure
            run = own_thread(how) if args.in_thread else how  # a worker thread, as the app generates
            numbers = run(model, ids, args.new_tokens, args.repeats, **kwargs)
            variants[name] = {**numbers, "threads": torch.get_num_threads(), "prepare_seconds": prep,
                              "measure_seconds": time.perf_counter() - start}
            torch.set_num_threads(threads)
            print(f"{name:14s} {numbers['tokens_per_s']:6.1f} tok/s  ttft {numbers['ttft_s'] * 1000:6.1f} ms",
                  file=sys.stderr)
            del model
        result["variants"] = variants
        if args.llama_python:
            ref = run_llama(args.llama_python, loaded.source.ref, ids[0].tolist(), args.new_tokens, args.repeats,
                            threads)
            result["llama_cpp"] = ref
            print(f"{'llama.cpp':14s} {ref['tokens_per_s']:6.1f} tok/s  ttft {ref['ttft_s'] * 1000:6.1f} ms",
                  file=sys.stderr)
            for numbers in variants.values():
                numbers["ratio_to_llama_cpp"] = numbers["tokens_per_s"] / ref["tokens_per_s"]
        else:
            result["llama_cpp"] = None
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
