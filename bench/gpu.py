"""GPU numbers: tokens/s at batch 1 and batch 16, and checker pairs/s; writes JSON.

    bash bench/gpu.sh            # what to run when a GPU is lent (see the README)
    python bench/gpu.py [--out bench/results/gpu.json] [--model smollm2] [--device cuda] [--new-tokens 128]

The dialogue model in bfloat16 (where the GPU supports it) with SDPA attention,
greedy, end-of-sequence suppressed so every run makes the same number of tokens:
batch 1 (one user), then batch 16 (sixteen users' prompts, left-padded, decoded
together): aggregate tokens/s and the ratio to batch 1. The shipped verifier on the
same device: (evidence, statement) pairs/s at batch 64, the reference being the same
pairs at batch 1. ``--device cpu`` runs the same on the CPU (a smoke test).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, write_result  # noqa: E402

PROMPTS = ["Write a detailed essay about the history of the printing press.",
           "Explain how a refrigerator works, step by step.",
           "Describe the water cycle to a ten-year-old.",
           "What are the main causes of inflation?"]


def generate_rate(model, tok, prompts: list[str], n_new: int, repeats: int) -> dict:
    import torch

    tok.padding_side = "left"
    texts = [tok.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True, tokenize=False)
             for p in prompts]
    batch = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)

    def once(n: int) -> float:
        if model.device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(**batch, max_new_tokens=n, min_new_tokens=n, do_sample=False,
                                 pad_token_id=tok.pad_token_id)
        if model.device.type == "cuda":
            torch.cuda.synchronize()
        assert out.shape[1] - batch["input_ids"].shape[1] == n
        return time.perf_counter() - start

    once(8)
    seconds = statistics.median(once(n_new) for _ in range(repeats))
    return {"batch": len(prompts), "new_tokens": n_new, "seconds": seconds,
            "tokens_per_s": len(prompts) * n_new / seconds, "per_user_tokens_per_s": n_new / seconds}


def checker_rate(device: str, pairs: int = 512) -> dict:
    from assistant.checking.verifiers.trained import TrainedVerifier

    verifier = TrainedVerifier(device=device)
    data = [("The head office of Acme is in Bergen, Norway. It employs 450 people and makes ship engines.",
             f"Acme employs {n} people.") for n in range(pairs)]
    verifier.predict(data[:64], batch_size=64)  # warm-up
    start = time.perf_counter()
    verifier.predict(data, batch_size=64)
    batched = time.perf_counter() - start
    start = time.perf_counter()
    verifier.predict(data[:64], batch_size=1)
    single = (time.perf_counter() - start) * pairs / 64
    return {"pairs": pairs, "batch_size": 64, "pairs_per_s": pairs / batched,
            "pairs_per_s_batch_1": pairs / single, "ratio_to_batch_1": single / batched}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(RESULTS / "gpu.json"))
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import torch

    from assistant.chat.model import load_model
    from core.config import ModelConfig

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("error: no CUDA GPU here (torch.cuda.is_available() is False); use --device cpu for a smoke test",
              file=sys.stderr)
        return 2
    loaded = load_model(ModelConfig(name=args.model, device=args.device), progress=lambda m: print(m, file=sys.stderr))
    model, tok = loaded.model, loaded.tokenizer
    result = {
        "machine": {"platform": platform.platform(), "torch": torch.__version__, "device": str(loaded.device),
                    "gpu": torch.cuda.get_device_name(loaded.device) if loaded.device.type == "cuda" else None},
        "model": loaded.name, "dtype": str(loaded.dtype).removeprefix("torch."),
        "attention": getattr(model.config, "_attn_implementation", None),
    }
    one = generate_rate(model, tok, PROMPTS[:1], args.new_tokens, args.repeats)
    sixteen = generate_rate(model, tok, [PROMPTS[i % len(PROMPTS)] for i in range(16)], args.new_tokens,
                            args.repeats)
    result["batch_1"], result["batch_16"] = one, sixteen
    result["batch_16_ratio_to_batch_1"] = sixteen["tokens_per_s"] / one["tokens_per_s"]
    result["checker"] = checker_rate(args.device)
    print(f"{result['model']} on {result['machine']['gpu'] or result['machine']['device']}: batch 1 "
          f"{one['tokens_per_s']:.0f} tok/s, batch 16 {sixteen['tokens_per_s']:.0f} tok/s "
          f"({result['batch_16_ratio_to_batch_1']:.1f}x); checker {result['checker']['pairs_per_s']:.0f} pairs/s")
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
