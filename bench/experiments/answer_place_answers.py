"""The answer-place rule (``checker.answer_place``) on the dialogue model's real answers, on and off.

    python bench/experiments/answer_place_answers.py [--journal bench/results/answers_cmrc.journal.jsonl]
        [--out bench/results/answer_place_answers.json]

Every answer the CMRC 2018 answers benchmark journalled (``bench/answers.py --data cmrc``) is checked
again as the page would check it (the passages its question retrieves from the benchmark's 299
paragraphs, ``bench.answers.check_again``), once with the rule and once without: how many right
answers (they hold the gold answer) it newly flags or withholds, and how many wrong ones. Answers
are not generated again. About 3 s an answer on two cores.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journal", type=Path, default=ROOT / "bench" / "results" / "answers_cmrc.journal.jsonl")
    parser.add_argument("--limit", type=int, default=0, help="only the first this many answers (0: all)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from bench.answers import build_index, check_again, load_rows
    from assistant.checking.checker import make_checker
    from core.config import CheckerConfig

    entries: dict[tuple, dict] = {}
    for line in args.journal.open(encoding="utf-8"):
        row = json.loads(line)
        entries[(row["variant"], row["id"])] = row  # the later line of a row is the one read
    rows = list(entries.values())[: args.limit or None]
    settings = rows[0]["settings"]
    paragraphs, *_ = load_rows(settings["seed"], 450, 0, 0, "cmrc")
    index = build_index(paragraphs)
    with_rule = make_checker(CheckerConfig(answer_place=True), index)
    without = make_checker(replace(with_rule.cfg, answer_place=False), index)
    without.verifier = with_rule.verifier  # one model, read twice

    changed, counts = [], {"answers": len(rows), "right": 0}
    for n, row in enumerate(rows, 1):
        before, after = check_again(row, index, without), check_again(row, index, with_rule)
        right = before["right_as_generated"]
        counts["right"] += right
        for what in ("flagged", "withheld"):
            if after[what] and not before[what]:
                key = f"{'right' if right else 'wrong'}_newly_{what}"
                counts[key] = counts.get(key, 0) + 1
        if after["verdicts"] != before["verdicts"]:
            changed.append({"question": row["question"], "answer": row["answer"], "right": right,
                            "before": before["verdicts"], "after": after["verdicts"], "withheld": after["withheld"]})
        print(f"{n}/{len(rows)} {'right' if right else 'wrong'} {before['verdicts']} -> {after['verdicts']}",
              file=sys.stderr, flush=True)
    out = {**counts, "changed": changed}
    print(json.dumps(counts, indent=1))
    if args.out:
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
