"""The kept generator (``assistant/chat/onnx.py``'s ``Warm``): the first token and memory with and
without it, the same answers asked in the same order.

    ASSISTANT_HOME=<home with the models> python bench/experiments/warm_generator.py \
        [--model qwen] [--answers 25] [--out bench/results/warm_generator.json]

Each variant runs in a process of its own (``WARM_LENGTH = 0`` turns the kept generator off): the
default model (ONNX int8) answers ``--answers`` SQuAD 2.0 dev questions, each over its own paragraph
(the grounded prompt, 32 new tokens). Reports the median first token, the prompt tokens read again
(``cached_tokens``), whether the answers are the same, and the resident memory once loaded and after.
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


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(model: str, answers: int, warm: bool) -> dict:
    from assistant.chat import onnx

    if not warm:
        onnx.WARM_LENGTH = 0  # no prompt fits: every answer gets a generator of its own
    from assistant.chat.backends import chat_for
    from assistant.chat.prompt import Passage, build_messages
    from core.config import GenerationConfig, ModelConfig

    chat = chat_for(ModelConfig(name=model, backend="onnx", quantize="int8"), GenerationConfig(max_new_tokens=32),
                    progress=lambda m: None)
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = rows[::max(1, len(rows) // answers)][:answers]
    loaded = rss_mb()
    done = [chat.complete(build_messages(r["question"], [Passage(r["evidence"], "paragraph")])) for r in rows]
    ttfts = sorted(d.ttft_s or d.seconds for d in done)
    return {"ttft_s_median": round(ttfts[len(ttfts) // 2], 3),
            "prompt_tokens_median": sorted(d.prompt_tokens for d in done)[len(done) // 2],
            "cached_tokens_median": sorted(d.cached_tokens for d in done)[len(done) // 2],
            "rss_loaded_mb": round(loaded), "rss_after_mb": round(rss_mb()), "texts": [d.text for d in done]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen")
    parser.add_argument("--answers", type=int, default=25)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "warm_generator.json"))
    parser.add_argument("--variant", choices=["on", "off"], help=argparse.SUPPRESS)  # one variant, in this process
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run(args.model, args.answers, args.variant == "on")))
        return 0
    from bench.common import write_result

    result: dict = {"model": args.model, "answers": args.answers, "threads": len(os.sched_getaffinity(0)),
                    "variants": {}}
    for variant in ("off", "on"):
        out = subprocess.run([sys.executable, __file__, "--model", args.model, "--answers", str(args.answers),
                              "--variant", variant], capture_output=True, text=True, check=True)
        result["variants"][variant] = json.loads(out.stdout.strip().splitlines()[-1])
    off, on = result["variants"]["off"], result["variants"]["on"]
    result["same_answers"] = sum(a == b for a, b in zip(off.pop("texts"), on.pop("texts")))
    result["ttft_ratio"] = round(on["ttft_s_median"] / off["ttft_s_median"], 3)
    result["extra_rss_mb"] = on["rss_after_mb"] - off["rss_after_mb"]
    print(json.dumps(result))
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
