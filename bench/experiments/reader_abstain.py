"""Does the checker's reader tell a question the retrieved passages answer from one they do not?

    ASSISTANT_HOME=<home with the models> python bench/experiments/reader_abstain.py \
        [--questions 300] [--out bench/results/reader_abstain.json]

SQuAD 2.0 dev's answerable questions (``-supported`` rows) and unanswerable ones (``-plausible``:
the paragraph holds a plausible but wrong answer): the top 5 paragraphs by BM25 (as
``focus_budget.py``), read by the shipped reader (``Reader.locate``); a question's score is the best
passage's ``over_none`` (its best span's score over "no answer"). Reports ROC AUC (answerable
higher), the score's quantiles for each kind, and, for cuts on it, the share of each kind under the
cut (what a rule "refuse when the reader finds no answer anywhere" would refuse). Cuts are read on
the calibration half (even rows) and measured on the test half. No dialogue model: minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from focus_budget import BM25, DATA, K  # noqa: E402

from bench.common import RESULTS, write_result  # noqa: E402

CUTS = [-4, -2, -1, 0, 1, 2, 3, 4, 6]


def auc(pos: list[float], neg: list[float]) -> float:
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def quantiles(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {f"p{q}": round(xs[int(q / 100 * (len(xs) - 1))], 2) for q in (10, 25, 50, 75, 90)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--questions", type=int, default=300, help="the first N of each kind")
    parser.add_argument("--out", default=str(RESULTS / "reader_abstain.json"))
    args = parser.parse_args()
    from assistant.checking.reader import Reader

    rows = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()]
    search = BM25(sorted({r["evidence"] for r in rows}))
    reader = Reader()
    scores: dict[str, list[tuple[int, float]]] = {"answerable": [], "unanswerable": []}
    began = time.perf_counter()
    for kind, suffix in (("answerable", "-supported"), ("unanswerable", "-plausible")):
        for n, row in enumerate([r for r in rows if r["id"].endswith(suffix)][:args.questions]):
            found = reader.locate(row["question"], search.top(row["question"], K))
            scores[kind].append((n, max(a.over_none for a in found)))
    seconds = time.perf_counter() - began
    half = {name: {kind: [s for n, s in xs if n % 2 == (name == "test")] for kind, xs in scores.items()}
            for name in ("calibration", "test")}
    result = {"data": Path(args.data).name, "questions": {k: len(v) for k, v in scores.items()},
              "seconds_per_question": round(seconds / sum(len(v) for v in scores.values()), 3),
              "roc_auc": round(auc([s for _, s in scores["answerable"]], [s for _, s in scores["unanswerable"]]), 3),
              "quantiles": {k: quantiles([s for _, s in v]) for k, v in scores.items()},
              "cuts": {name: {str(c): {kind: round(sum(s < c for s in xs) / len(xs), 3) for kind, xs in part.items()}
                              for c in CUTS} for name, part in half.items()}}
    print(json.dumps({k: result[k] for k in ("roc_auc", "quantiles")}))
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
