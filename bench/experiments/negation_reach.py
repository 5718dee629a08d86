"""Where the negated-question rule (``assistant/checking/negation.py``) reaches, without a model.

    python bench/experiments/negation_reach.py [--out bench/results/negation_reach.json]

Every QA row of SQuAD 2.0 train (``../shared/data/nli/squad2_qa_train.jsonl``, where the rule's word list
was read off the right answers it took) and dev (``grounding/squad2_qa_dev.jsonl``, which only measures):
by kind, how many rows the rule stops (the passage writes the answer only in sentences saying nothing
negative, its question asks with a negation). Stopping a right answer (``supported``) flags it; any other
kind is a wrong answer no longer supported. A sample of the right answers it stops is listed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.checking.negation import unnegated_answer  # noqa: E402
from bench.common import GROUNDING, NLI, RESULTS, write_result  # noqa: E402


def rows(path: Path):
    for line in path.open(encoding="utf-8"):
        row = json.loads(line)
        if "premise" in row:
            yield row["kind"], row["question"], row["hypothesis"], row["premise"]
        else:
            yield row["id"].rsplit("-", 1)[1], row["question"], row["claim"], row["evidence"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(RESULTS / "negation_reach.json"))
    args = parser.parse_args()
    report, examples = {}, []
    for name, path in (("squad2_qa_train (read on)", NLI / "squad2_qa_train.jsonl"),
                       ("squad2_qa_dev", GROUNDING / "squad2_qa_dev.jsonl")):
        seen, stopped = Counter(), Counter()
        for kind, question, claim, passage in rows(path):
            seen[kind] += 1
            if unnegated_answer(passage, claim, question):
                stopped[kind] += 1
                if kind == "supported" and len([e for e in examples if e["set"] == name]) < 25:
                    examples.append({"set": name, "question": question, "answer": claim})
        report[name] = {kind: {"rows": seen[kind], "stopped": stopped[kind],
                               "share": round(stopped[kind] / seen[kind], 4)} for kind in sorted(seen)}
        print(name, report[name], flush=True)
    write_result(Path(args.out), {"sets": report, "right_answers_stopped": examples})
    return 0


if __name__ == "__main__":
    sys.exit(main())
