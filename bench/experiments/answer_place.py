"""How often the answer-place rule (``assistant/checking/place.py``) fires, by kind, on QA rows on their paragraph.

    python bench/experiments/answer_place.py [--data ../shared/data] [--out FILE.json] [--far 0.2]

Every question of these sets was asked on its paragraph: a *supported* row the rule fires on is a
right answer it would flag; a *distractor* (another span of the right paragraph) it fires on, a wrong
answer it catches. The training sets (DRCD and CMRC 2018 train; SQuAD 2.0 train, every 4th row) are
where ``WINDOW`` and ``FAR`` were chosen; the dev sets only measure. No model is loaded: the rule's
own reach, before the verifier (which flags some of the same rows anyway); ``finetune.evaluate_checker``
gives the checker's figures with it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.checking import place  # noqa: E402

SETS = {  # name: (path under --data, every n-th row)
    "zh_qa_train (chosen on)": ("nli/zh_qa_train.jsonl", 1),
    "squad2_qa_train (chosen on, every 4th)": ("nli/squad2_qa_train.jsonl", 4),
    "cmrc2018_qa_dev": ("grounding/cmrc2018_qa_dev.jsonl", 1),
    "squad2_qa_dev": ("grounding/squad2_qa_dev.jsonl", 1),
}


def count(path: Path, every: int) -> dict:
    by_kind: dict[str, Counter] = {}
    examples: dict[str, list] = {}
    for n, line in enumerate(path.open(encoding="utf-8")):
        if n % every:
            continue
        row = json.loads(line)
        kind = row.get("kind") or row["id"].rsplit("-", 1)[1]
        claim, passage = row.get("claim") or row["hypothesis"], row.get("evidence") or row["premise"]
        c = by_kind.setdefault(kind, Counter())
        c["rows"] += 1
        found = place.place_of(row["question"], claim, passage)
        c["read"] += found is not None
        if found is not None and found.elsewhere:
            c["elsewhere"] += 1
            examples.setdefault(kind, []).append([row["question"], claim, passage[found.start:found.end]])
    return {kind: {**c, "elsewhere_share": round(c["elsewhere"] / c["rows"], 4), "examples": examples.get(kind, [])[:3]}
            for kind, c in sorted(by_kind.items())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--far", type=float, default=place.FAR)
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    place.FAR = args.far
    out = {"far": args.far, "window": place.WINDOW}
    for name in args.sets:
        path, every = SETS[name]
        out[name] = kinds = count(args.data / path, every)
        print(name, flush=True)
        for kind, c in kinds.items():
            print(f"  {kind:11} {c['rows']:6} rows, read {c['read']:6}, elsewhere {c['elsewhere']:5} "
                  f"({c['elsewhere_share']:.1%})", flush=True)
    if args.out:
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
