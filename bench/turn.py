"""End-to-end latency of one grounded turn, stage by stage, and write JSON.

    python bench/turn.py [--out bench/results/turn.json] [--repeats 3]
                         [--variants none,int4,int4_decode,int4_decode+compile,onnx:none,onnx:int8,onnx:int4_mlp]

A small collection (the fictional company profiles of ``finetune.demo``) is indexed in
a temp data home; then, for typical questions, the time to retrieve, to the first
token, to the whole answer, and to check every statement, and the total a user waits.
For each variant given: ``model.quantize`` (none, int4 or int4_decode), ``+compile`` for
``model.compile``, ``onnx:`` before it for ``model.backend = onnx``. The reference measured
in the same run is the generation alone: ``check_share`` and ``retrieve_share`` say what the
grounding adds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, write_result  # noqa: E402

ORGS = 8


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(RESULTS / "turn.json"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variants",
                        default="none,int4,int4_decode,int4_decode+compile,onnx:none,onnx:int8,onnx:int4_mlp")
    parser.add_argument("--max-new-tokens", type=int, default=96)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-turn-"))
    os.environ["ASSISTANT_HOME"] = str(home)
    from assistant.chat.backends import chat_for
    from assistant.chat.grounding import prepare
    from assistant.checking.checker import Evidence, make_checker
    from core.config import CheckerConfig, GenerationConfig, IndexConfig, ModelConfig
    from finetune.demo import make_corpus
    from index.documents import DocumentIndex

    docs, questions = make_corpus(ORGS, seed=7)
    (home / "docs").mkdir()
    for name, text in docs:
        (home / "docs" / name).write_text(text, encoding="utf-8")
    index = DocumentIndex(IndexConfig())
    index.add([home / "docs"])
    questions = [q["question"] for q in questions[::7]][:4]  # one fact of each kind, different companies
    checker = make_checker(CheckerConfig(), index)
    checker.check_answer("Warm-up statement.", "warm up?", [Evidence("Warm-up statement.")])
    result: dict = {"questions": questions, "repeats": args.repeats, "max_new_tokens": args.max_new_tokens,
                    "documents": len(index.documents()), "chunks": index.stats()["chunks"], "variants": {}}
    for variant in args.variants.split(","):
        setting, _, compiled = variant.partition("+")
        backend, _, quantize = setting.rpartition(":")
        cfg = ModelConfig(name="smollm2", backend=backend or "transformers", quantize=quantize,
                          compile=compiled == "compile")
        chat = chat_for(cfg, GenerationConfig(max_new_tokens=args.max_new_tokens), progress=lambda m: None)
        warm = time.perf_counter()
        chat.complete([{"role": "user", "content": "Hi"}], chat.with_generation(max_new_tokens=4))  # compiles, if asked
        warm_up_s = time.perf_counter() - warm
        runs = []
        for _ in range(args.repeats):
            for question in questions:
                start = time.perf_counter()
                prepared = prepare(index, question)
                messages, hits = prepared.messages, prepared.hits
                retrieved = time.perf_counter()
                done = chat.complete(messages)
                generated = time.perf_counter()
                report = checker.check_answer(done.text, question, [Evidence.from_hit(h) for h in hits])
                checked = time.perf_counter()
                runs.append({"retrieve_s": retrieved - start, "ttft_s": done.ttft_s or 0.0,
                             "generate_s": generated - retrieved, "check_s": checked - generated,
                             "total_s": checked - start, "tokens": done.completion_tokens,
                             "statements": sum(v.label != "not_a_claim" for v in report.verdicts)})
        median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        median["retrieve_share"] = median["retrieve_s"] / median["generate_s"]
        median["check_share"] = median["check_s"] / median["generate_s"]
        median["warm_up_s"] = warm_up_s
        result["variants"][variant] = median
        print(f"{variant}: warm-up {warm_up_s:.0f} s; retrieve {median['retrieve_s'] * 1000:.0f} ms, first token "
              f"{median['ttft_s']:.2f} s, answer {median['generate_s']:.2f} s ({median['tokens']:.0f} tokens), "
              f"check {median['check_s']:.2f} s, total {median['total_s']:.2f} s", flush=True)
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
