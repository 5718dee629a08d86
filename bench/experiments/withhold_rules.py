"""Which answers each withholding rule would withhold: the answers of earlier ``bench/answers.py``
journals checked again by today's checker against the passages their question retrieves, each
statement's verdict kept, and every rule below scored on them (right answers kept, unanswerable
questions refused as shown).

    ASSISTANT_HOME=... python bench/experiments/withhold_rules.py --journal J.journal.jsonl [--journal ...]
                                                                  [--out bench/results/withhold_rules.json]
                                                                  [--trained-model DIR]

A journal's rows name their data (SQuAD train or dev, CMRC 2018 dev) and seed; its paragraphs are indexed as the
benchmark indexes them. The per-statement verdicts are written to the output, so rules can be tried
again with ``--from`` without checking anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def latest_rows(path: Path) -> list[dict]:
    """The journal's single-question rows, the last one written for each id."""
    rows: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if "answer" in entry and "answerable" in entry:
            rows[entry["id"]] = entry
    return list(rows.values())


def check_rows(journal: Path, trained_model: str = "") -> list[dict]:
    from answers import build_index, load_rows, refuses, scored  # bench/answers.py
    from assistant.checking.checker import Evidence, make_checker, withheld
    from assistant.checking.place import answers_question, question_words
    from assistant.turn import prepare
    from core.config import CheckerConfig

    rows = latest_rows(journal)
    settings = json.loads(journal.read_text(encoding="utf-8").splitlines()[0])["settings"]
    data = "train" if "/nli/" in settings["data"] else "cmrc" if "cmrc" in settings["data"] else "dev"
    paragraphs, _, _ = load_rows(settings["seed"], 0, 0, 0, data)
    index = build_index(paragraphs)
    checker = make_checker(CheckerConfig(trained_model=trained_model), index)
    out = []
    for n, row in enumerate(rows):
        hits = prepare(index, row["question"], [], None, None).hits
        report = checker.check_answer(row["answer"], row["question"], [Evidence.from_hit(h) for h in hits])
        asked = question_words(row["question"])
        held = withheld(report, hits, row["finish_reason"], "no_support")
        statements = [{"text": v.statement.text, "label": v.label, "score": v.score, "reason": v.statement.reason,
                       "answers": v.label != "not_a_claim" and answers_question(v.statement.claim, asked),
                       "elsewhere": v.elsewhere, "unnamed": v.unnamed}
                      for v in report.verdicts]
        row = scored({**row, "withheld": held})
        out.append({"journal": journal.name, "data": data, "id": row["id"], "question": row["question"],
                    "answer": row["answer"], "answerable": row["answerable"], "finish_reason": row["finish_reason"],
                    "right_as_generated": row["right_as_generated"], "refused_as_generated":
                    refuses(row["answer"]),
                    "says_nothing": report.says_nothing, "statements": statements})
        print(f"{journal.name} {n + 1}/{len(rows)}", file=sys.stderr, flush=True)
    return out


FLAGS = ("unsupported", "contradicted")


def _claims(row):
    return [s for s in row["statements"] if s["label"] != "not_a_claim"]


def no_support(row) -> bool:
    claims = _claims(row)
    return row["says_nothing"] or (any(s["label"] in FLAGS for s in claims)
                                   and not any(s["label"] == "supported" for s in claims))


def first_claim(row) -> bool:
    claims = _claims(row)
    return no_support(row) or bool(claims and claims[0]["label"] in FLAGS)


def answer(row) -> bool:
    """An answering statement (a bare answer, or a sentence with half the question's words) flagged,
    and none of them supported."""
    said = [s for s in _claims(row) if s["answers"]]
    return no_support(row) or (any(s["label"] in FLAGS for s in said)
                               and not any(s["label"] == "supported" for s in said))


def answer_any(row) -> bool:
    return no_support(row) or any(s["label"] in FLAGS for s in _claims(row) if s["answers"])


def any_flag(row) -> bool:
    return row["says_nothing"] or any(s["label"] in FLAGS for s in _claims(row))


RULES = {"no_support": no_support, "first_claim": first_claim, "answer": answer,  # answer: checker.withhold's
         "answer_any": answer_any, "any_flag": any_flag}


def share(n: int, of: int) -> float | None:
    return round(n / of, 3) if of else None  # CMRC's rows are all answerable


def score(rows: list[dict]) -> dict:
    out = {}
    by = defaultdict(list)
    for r in rows:
        by[(r["data"], r["journal"])].append(r)
    for key, group in sorted(by.items()):
        answerable = [r for r in group if r["answerable"]]
        unanswerable = [r for r in group if not r["answerable"]]
        out["/".join(key)] = {name: {
            "right": share(sum(r["right_as_generated"] and not rule(r) for r in answerable), len(answerable)),
            "refused": share(sum(r["refused_as_generated"] or rule(r) for r in unanswerable), len(unanswerable)),
            "right_lost": sum(r["right_as_generated"] and rule(r) for r in answerable),
        } for name, rule in RULES.items()}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journal", action="append", default=[])
    parser.add_argument("--from", dest="source", help="a file this script wrote: score its rows again")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "withhold_rules.json"))
    parser.add_argument("--trained-model", default="", help="a retrained verifier folder (default: the shipped one)")
    args = parser.parse_args()
    rows = json.loads(Path(args.source).read_text())["rows"] if args.source else \
        [r for j in args.journal for r in check_rows(Path(j), args.trained_model)]
    result = {"journals": args.journal or json.loads(Path(args.source).read_text())["journals"], "rows": rows}
    Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")  # the checks, kept first
    result = {"journals": result["journals"], "scores": score(rows), "rows": rows}
    print(json.dumps(result["scores"], indent=1))
    Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
