"""The Chinese QA dev set with its answers said as sentences, as the dialogue model says them.

    python bench/experiments/declarative_dev.py [--data ../shared/data/grounding/cmrc2018_qa_dev.jsonl] --out DIR
    python bench/experiments/declarative_dev.py --subject-swap --out DIR

Writes ``DIR/cmrc2018_decl_dev.jsonl``: each row of the dev set whose question has one question word
(``finetune.verifier_data.chinese_declarative``), its claim "1525年5月15日" said as "弗兰肯豪森战役在
1525年5月15日爆发。", id, evidence and label kept (``finetune.data.half`` puts both forms of a row in the
same half). ``python -m finetune.evaluate_checker --data DIR`` then
reads the checker on the product's own case: the model's sentence that puts another span of the
right paragraph where the answer belongs ("线蚓鳗的体长是3至25公尺", the water depth). For measuring
only: nothing trains or calibrates on it.

With ``--subject-swap`` it writes ``DIR/cmrc2018_swap_dev.jsonl`` instead: the dev set asked about a
subject its paragraph never names. For each supported row whose question opens with a short subject
("永昌大君的母亲是谁？", ``finetune.verifier_data._zh_topic``), the row as it is (supported) and the row
with that subject swapped for another row's, one its paragraph does not hold, in the question and,
where the answer is said as a sentence (half the rows), in the sentence too (unsupported). The
shipped e5-nli supported "永昌大君的母亲范中芬是一位作词者。" at 0.994 against a paragraph about a singer
whose mother is 范中芬.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from finetune.verifier_data import _zh_topic, chinese_declarative, read_jsonl, zh_swappable  # noqa: E402


def subject_swaps(rows: list[dict], rng: random.Random) -> list[dict]:
    """Each supported row with a subject, as asked and with its subject swapped (module docstring)."""
    rows = [r for r in rows if r["label"] == "supported" and _zh_topic(r["question"])]
    subjects = sorted({r["question"][:_zh_topic(r["question"]) - 1] for r in rows})
    kept = []
    for row in rows:
        question, cut = row["question"], _zh_topic(row["question"])
        subject = question[:cut - 1]
        others = [s for s in rng.sample(subjects, min(20, len(subjects))) if zh_swappable(s, subject, row["evidence"])]
        if not others:
            continue
        sentence = chinese_declarative(question, row["claim"]) if rng.random() < 0.5 else None
        if sentence is not None and not sentence.startswith(subject + "的"):
            sentence = None
        claim, form = (sentence, "sentence") if sentence else (row["claim"], "short")
        kept.append({**row, "id": f"{row['id']}-{form}", "claim": claim})
        kept.append({**row, "id": f"{row['id']}-{form}-swapped", "label": "unsupported",
                     "question": others[0] + question[cut - 1:],
                     "claim": others[0] + claim[len(subject):] if sentence else claim})
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "grounding" / "cmrc2018_qa_dev.jsonl"))
    parser.add_argument("--out", required=True, help="a folder for cmrc2018_decl_dev.jsonl")
    parser.add_argument("--subject-swap", action="store_true", help="write cmrc2018_swap_dev.jsonl instead")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows, kept = read_jsonl(Path(args.data)), []
    if args.subject_swap:
        kept, name = subject_swaps(rows, random.Random(args.seed)), "cmrc2018_swap_dev.jsonl"
    else:
        name = "cmrc2018_decl_dev.jsonl"
        for row in rows:
            sentence = chinese_declarative(row["question"], row["claim"])
            if sentence is not None:
                kept.append({**row, "claim": sentence})  # the same id: both forms of a row fall in the same half
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with (out / name).open("w", encoding="utf-8") as f:
        for row in kept:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(kept)} rows from {len(rows)} -> {out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
