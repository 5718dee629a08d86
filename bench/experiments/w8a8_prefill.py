"""The w8a8 export (``assistant/chat/w8a8.py``) against the int8 one it is made from: first token,
decoding speed, memory and answers, the same grounded prompts in the same order.

    ASSISTANT_HOME=<home with the models> python bench/experiments/w8a8_prefill.py \
        [--model qwen] [--answers 25] [--out bench/results/w8a8_prefill.json]

Each export runs in a process of its own: the model answers ``--answers`` SQuAD 2.0 dev questions,
each over its own paragraph (the grounded prompt, 32 new tokens, greedy, the kept generator as the
product runs it). Reports the median first token and decoding speed, the resident memory, and how many
answers are the same word for word; ratios are w8a8 over int8, measured in this run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data" / "grounding" / "squad2_qa_dev.jsonl"
VARIANTS = ("int8", "w8a8")


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


def run(model: str, answers: int, quantize: str) -> dict:
    from assistant.chat.backends import chat_for
    from assistant.chat.prompt import Passage, build_messages
    from core.config import GenerationConfig, ModelConfig

    chat = chat_for(ModelConfig(name=model, backend="onnx", quantize=quantize), GenerationConfig(max_new_tokens=32),
                    progress=lambda m: None)
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = rows[::max(1, len(rows) // answers)][:answers]
    loaded = rss_mb()
    done = [chat.complete(build_messages(r["question"], [Passage(r["evidence"], "paragraph")])) for r in rows]
    decode = [(d.completion_tokens - 1) / (d.seconds - d.ttft_s) for d in done
              if d.ttft_s is not None and d.completion_tokens > 1 and d.seconds > d.ttft_s]
    return {"model": chat.name, "ttft_s_median": round(median([d.ttft_s or d.seconds for d in done]), 3),
            "decode_tokens_per_s_median": round(median(decode), 2),
            "prompt_tokens_median": median([d.prompt_tokens for d in done]),
            "cached_tokens_median": median([d.cached_tokens for d in done]),
            "rss_loaded_mb": round(loaded), "rss_after_mb": round(rss_mb()), "texts": [d.text for d in done]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen")
    parser.add_argument("--answers", type=int, default=25)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "w8a8_prefill.json"))
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)  # one export, in this process
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run(args.model, args.answers, args.variant)))
        return 0
    from bench.common import write_result

    result: dict = {"model": args.model, "answers": args.answers, "threads": len(os.sched_getaffinity(0)),
                    "variants": {}}
    for variant in VARIANTS:
        out = subprocess.run([sys.executable, __file__, "--model", args.model, "--answers", str(args.answers),
                              "--variant", variant], capture_output=True, text=True, check=True)
        result["variants"][variant] = json.loads(out.stdout.strip().splitlines()[-1])
    base, new = result["variants"]["int8"], result["variants"]["w8a8"]
    texts = list(zip(base.pop("texts"), new.pop("texts")))
    result["same_answers"] = sum(a == b for a, b in texts)
    result["differing_answers"] = [{"int8": a, "w8a8": b} for a, b in texts if a != b]
    result["ttft_ratio"] = round(new["ttft_s_median"] / base["ttft_s_median"], 3)
    result["decode_ratio"] = round(new["decode_tokens_per_s_median"] / base["decode_tokens_per_s_median"], 3)
    result["extra_rss_mb"] = new["rss_after_mb"] - base["rss_after_mb"]
    print(json.dumps({k: v for k, v in result.items() if k != "differing_answers"}))
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
