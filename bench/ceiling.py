"""How fast could torch's CPU kernels decode the packaged model at best? Write JSON.

    python bench/ceiling.py [--out bench/results/ceiling.json] [--llama-python /opt/llama-venv/bin/python]

Decoding one token multiplies one activation row by every weight matrix of the
model once. This times exactly those matrix-vector products, nothing else (no
attention, norms, sampling or Python around them), for each weight format torch
has a CPU kernel for: fp32 (``F.linear``), int8 per-row (``_weight_int8pack_mm``),
int4 in groups of 32 (``_weight_int4pack_mm_for_cpu``, what ``model.quantize =
int4`` uses), over as many distinct layers as the model has (so the weights come
from memory, as in decoding, not from cache):

- ``as_in_model``: each projection its own call, eager;
- ``fused``: q/k/v and gate/up fused into one matrix each (fewer, larger calls), eager;
- ``compiled``: the fused stack compiled whole by ``torch.compile(mode="max-autotune")``
  (inductor's own CPU kernels where it has them, no Python between calls).

The stack plus the output layer is a floor on the time per token, so ``1 / floor``
is a ceiling on tokens/s that no decoding loop built on these kernels can pass.
With ``--llama-python`` the same GGUF runs through llama.cpp (as in
``bench/generate.py``) and each ceiling gets its ratio to it. Also timed: reading
each format's weight bytes once (a sum over a buffer of that size), the
memory-bandwidth floor the kernels would reach with no overhead.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, write_result  # noqa: E402
from bench.generate import PROMPT, run_llama  # noqa: E402

KINDS = ("as_in_model", "fused", "compiled")


def per_call_ms(fn, *args, repeats: int) -> float:
    for _ in range(3):
        fn(*args)
    start = time.perf_counter()
    for _ in range(repeats):
        fn(*args)
    return (time.perf_counter() - start) / repeats * 1000


def stack_ms(build, shapes: list[tuple[int, int]], n_layers: int, repeats: int, compiled: bool) -> float:
    """Milliseconds for one row through ``n_layers`` distinct layers of projections ``shapes``."""
    import torch

    layers = [[build(i, o) for i, o in shapes] for _ in range(n_layers)]
    inputs = {i: torch.randn(1, i) for i, _ in shapes}

    def run(inputs):
        total = 0
        for layer in layers:
            for (i, _), proj in zip(shapes, layer):
                total = total + proj(inputs[i]).sum()
        return total

    fn = torch.compile(run, mode="max-autotune", fullgraph=True, dynamic=False) if compiled else run
    return per_call_ms(fn, inputs, repeats=repeats)


def layer_shapes(model, fused: bool) -> list[tuple[int, int]]:
    """(in, out) of each projection in one decoder layer, as the model has them or fused."""
    attn, mlp = model.model.layers[0].self_attn, model.model.layers[0].mlp
    q, k, v, o = (getattr(attn, f"{n}_proj") for n in "qkvo")
    gate, up, down = mlp.gate_proj, mlp.up_proj, mlp.down_proj
    if fused:
        return [(q.in_features, q.out_features + k.out_features + v.out_features), (o.in_features, o.out_features),
                (gate.in_features, gate.out_features + up.out_features), (down.in_features, down.out_features)]
    return [(m.in_features, m.out_features) for m in (q, k, v, o, gate, up, down)]


def kernels():
    """Weight format -> a function making a module for an (in, out) Linear."""
    import torch

    from assistant.chat.quantize import Int4Linear, Int8Linear

    def linear(i: int, o: int) -> torch.nn.Linear:
        return torch.nn.Linear(i, o, bias=False)

    return {"fp32": linear, "int8": lambda i, o: Int8Linear(linear(i, o)),
            "int4": lambda i, o: Int4Linear(linear(i, o))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(RESULTS / "ceiling.json"))
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--llama-python", default=os.environ.get("LLAMA_CPP_PYTHON"),
                        help="a Python interpreter with llama-cpp-python installed, for the reference")
    args = parser.parse_args()

    import torch

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    with tempfile.TemporaryDirectory() as home:
        os.environ["ASSISTANT_HOME"] = home
        from assistant.chat.model import load_model
        from assistant.chat.prompt import build_messages
        from core.config import ModelConfig

        loaded = load_model(ModelConfig(name="smollm2"), progress=lambda s: None)
    model = loaded.model
    n_layers = len(model.model.layers)
    head = model.get_output_embeddings()
    result: dict = {
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "torch_threads": torch.get_num_threads(), "torch": torch.__version__},
        "model": loaded.name, "layers": n_layers, "hidden": head.in_features, "vocab": head.out_features,
        "repeats": args.repeats, "formats": {},
    }
    make = kernels()
    with torch.no_grad():
        for fmt, build in make.items():
            entry: dict = {}
            out_fmt = "int8" if fmt == "int4" else fmt  # int4 keeps the output layer at 8 bits (quantize.py)
            head_ms = per_call_ms(make[out_fmt](head.in_features, head.out_features),
                                  torch.randn(1, head.in_features), repeats=args.repeats)
            for kind, fused, compiled in (("as_in_model", False, False), ("fused", True, False),
                                          ("compiled", True, True)):
                if compiled and fmt == "fp32":
                    continue  # bound by reading 540 MB a token whatever runs the loop
                shapes = layer_shapes(model, fused)
                layers_ms = stack_ms(build, shapes, n_layers, args.repeats, compiled)
                floor = layers_ms + head_ms
                entry[kind] = {"calls_per_token": len(shapes) * n_layers + 1, "layers_ms": layers_ms,
                               "output_layer_ms": head_ms, "floor_ms_per_token": floor,
                               "ceiling_tokens_per_s": 1000 / floor}
                print(f"{fmt:5s} {kind:12s} floor {floor:6.2f} ms/token -> at most {1000 / floor:6.1f} tok/s",
                      file=sys.stderr, flush=True)
            params = sum(i * o for i, o in layer_shapes(model, False)) * n_layers
            weight_bytes = params * {"fp32": 4, "int8": 1, "int4": 0.5}[fmt] \
                + head.in_features * head.out_features * (4 if fmt == "fp32" else 1)
            buffer = torch.ones(int(weight_bytes) // 4, dtype=torch.float32)
            read_ms = per_call_ms(torch.sum, buffer, repeats=20)
            entry["weight_bytes"] = int(weight_bytes)
            entry["read_weights_once_ms"] = read_ms
            entry["bandwidth_gb_per_s"] = weight_bytes / read_ms / 1e6
            result["formats"][fmt] = entry
        best = max((e[k]["ceiling_tokens_per_s"], f"{f} {k}") for f, e in result["formats"].items()
                   for k in KINDS if k in e)
        result["best_ceiling"] = {"tokens_per_s": best[0], "format": best[1]}
    if args.llama_python:
        ids = loaded.tokenizer.apply_chat_template(build_messages(PROMPT), add_generation_prompt=True,
                                                   return_dict=True)["input_ids"]
        ref = run_llama(args.llama_python, loaded.source.ref, list(ids), 128, 3, torch.get_num_threads())
        result["llama_cpp"] = ref
        for entry in result["formats"].values():
            for k in (k for k in KINDS if k in entry):
                entry[k]["ceiling_ratio_to_llama_cpp"] = entry[k]["ceiling_tokens_per_s"] / ref["tokens_per_s"]
        result["best_ceiling"]["ratio_to_llama_cpp"] = best[0] / ref["tokens_per_s"]
        print(f"llama.cpp {ref['tokens_per_s']:.1f} tok/s; best ceiling {best[0]:.1f} ({best[1]}) = "
              f"{best[0] / ref['tokens_per_s']:.2f}x", file=sys.stderr)
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
