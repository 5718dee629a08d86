"""How much of the retrieved passages ``index.passage_words`` leaves the model: the share of SQuAD 2.0
dev's answerable questions whose gold answer is still in what it reads, by budget.

    python bench/experiments/focus_budget.py [--questions 300] [--out bench/results/focus_budget.json]

The paragraphs of ``../shared/data/grounding/squad2_qa_dev.jsonl`` are ranked for each question by
BM25 (the keyword half of the product's hybrid search, done here in Python so no model is loaded);
the top 5 go through ``assistant.chat.focus.focus`` at each budget, and a question counts when its
gold answer (normalised: lower case, words only) is in the focused text. "whole" is the ceiling
retrieval leaves. No model is loaded: a minute. The answers themselves are measured by
``bench/answers.py`` (a variant's 4th field is its passage words).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.chat.focus import focus  # noqa: E402
from assistant.chat.prompt import Passage  # noqa: E402
from bench.common import RESULTS, write_result  # noqa: E402
from core.words import word_count  # noqa: E402
from index.keywords import query_words  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "grounding" / "squad2_qa_dev.jsonl"
BUDGETS = [100, 150, 200, 250, 300, 400]
K = 5


def normalized(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


class BM25:
    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75):
        self.texts = texts
        self.counts = [Counter(re.findall(r"\w+", t.lower())) for t in texts]
        self.lengths = [sum(c.values()) for c in self.counts]
        self.mean = sum(self.lengths) / len(texts)
        self.held = Counter(w for c in self.counts for w in c)
        self.k1, self.b = k1, b

    def top(self, query: str, k: int) -> list[str]:
        n = len(self.texts)
        weights = {w: math.log(1 + (n - self.held[w] + 0.5) / (self.held[w] + 0.5)) for w in query_words(query)}
        scores = []
        for i, (counts, length) in enumerate(zip(self.counts, self.lengths)):
            norm = self.k1 * (1 - self.b + self.b * length / self.mean)
            scores.append((sum(weight * counts[w] * (self.k1 + 1) / (counts[w] + norm)
                               for w, weight in weights.items() if counts[w]), -i))
        return [self.texts[-i] for _, i in sorted(scores, reverse=True)[:k]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--questions", type=int, default=300, help="the first N answerable questions")
    parser.add_argument("--reader", default=None,
                        help="also focus with this reader folder's answers taken first (the shipped reader: 'shipped')")
    parser.add_argument("--out", default=str(RESULTS / "focus_budget.json"))
    args = parser.parse_args()
    reader = None
    if args.reader:
        from assistant.checking.reader import SHIPPED, Reader

        reader = Reader(SHIPPED if args.reader == "shipped" else args.reader)
    seconds = 0.0
    rows = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()]
    search = BM25(sorted({r["evidence"] for r in rows}))
    asked = [r for r in rows if r["id"].endswith("-supported")][:args.questions]
    kept = Counter()
    words: dict[str, list[float]] = {}
    for row in asked:
        top = search.top(row["question"], K)
        gold = normalized(row["claim"])
        shown = {"whole": " ".join(top)}
        for budget in BUDGETS:
            shown[str(budget)] = " ".join(p.text for p in focus([Passage(t) for t in top], row["question"], budget))
        if reader is not None:
            began = time.perf_counter()
            found = [(a.over_none, a.start, a.end) for a in reader.locate(row["question"], top)]
            seconds += time.perf_counter() - began
            shown["reader"] = " ".join(top[n][a:z] for n, (_, a, z) in enumerate(found) if a >= 0)
            for budget in BUDGETS:
                shown[f"{budget} reader"] = " ".join(
                    p.text for p in focus([Passage(t) for t in top], row["question"], budget, found))
        for name, text in shown.items():
            kept[name] += gold in normalized(text)
            words.setdefault(name, []).append(word_count(text))
    result = {"data": str(Path(args.data).name), "questions": len(asked), "passages": K,
              "budgets": {name: {"gold_shown": round(kept[name] / len(asked), 3),
                                 "mean_words": round(sum(words[name]) / len(words[name]), 1)}
                          for name in shown}}
    if reader is not None:
        result["reader_seconds_per_question"] = round(seconds / len(asked), 3)
    print(json.dumps(result["budgets"]))
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
