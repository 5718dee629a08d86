"""Where the swapped-name rule (``assistant/checking/swapped.py``) reaches, without a model.

    python bench/experiments/swapped_reach.py [--out bench/results/swapped_reach.json]

Every SQuAD question of ``../shared/data/nli/squad2_qa_train.jsonl`` and of
``../shared/data/grounding/squad2_qa_dev.jsonl`` (each question once) against its own paragraph:
whether the question names what the paragraph names otherwise. An answerable question (a
``supported`` row) it fires on has its right answer flagged; an unanswerable one (``plausible``: SQuAD
2.0's questions the paragraph cannot answer), its made-up answer caught. Every question it fires on is
listed to read by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.checking.swapped import swapped_name  # noqa: E402
from bench.common import GROUNDING, NLI, RESULTS, write_result  # noqa: E402

FILES = {"train": NLI / "squad2_qa_train.jsonl", "dev": GROUNDING / "squad2_qa_dev.jsonl"}
KINDS = ("supported", "plausible")


def reach(path: Path) -> dict:
    from finetune.evaluate_checker import kind_of

    counts = {kind: 0 for kind in KINDS}
    fired: dict[str, list] = {kind: [] for kind in KINDS}
    seen = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        kind = row.get("kind") or kind_of(row["id"])  # the dev rows name their kind in the id
        if kind not in KINDS or row["question"] in seen:
            continue
        seen.add(row["question"])
        counts[kind] += 1
        found = swapped_name(row["question"], row.get("premise") or row["evidence"])
        if found:
            fired[kind].append({"question": row["question"], "asked": found[0], "written": found[1]})
    return {kind: {"questions": counts[kind], "fired": len(fired[kind]),
                   "share": round(len(fired[kind]) / counts[kind], 4) if counts[kind] else None,
                   "rows": fired[kind]} for kind in KINDS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(RESULTS / "swapped_reach.json"))
    args = parser.parse_args()
    result = {name: reach(path) for name, path in FILES.items()}
    for name, by in result.items():
        print(name, {kind: (v["fired"], v["questions"]) for kind, v in by.items()})
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
