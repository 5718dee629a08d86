"""The Chinese QA dev set with its answers said as sentences, as the dialogue model says them.

    python bench/experiments/declarative_dev.py [--data ../shared/data/grounding/cmrc2018_qa_dev.jsonl] --out DIR

Writes ``DIR/cmrc2018_decl_dev.jsonl``: each row of the dev set whose question has one question word
(``finetune.verifier_data.chinese_declarative``), its claim "1525年5月15日" said as "弗兰肯豪森战役在
1525年5月15日爆发。", id, evidence and label kept (``finetune.data.half`` puts both forms of a row in the
same half). ``python -m finetune.evaluate_checker --data DIR`` then
reads the checker on the product's own case: the model's sentence that puts another span of the
right paragraph where the answer belongs ("线蚓鳗的体长是3至25公尺", the water depth). For measuring
only: nothing trains or calibrates on it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from finetune.verifier_data import chinese_declarative, read_jsonl  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "grounding" / "cmrc2018_qa_dev.jsonl"))
    parser.add_argument("--out", required=True, help="a folder for cmrc2018_decl_dev.jsonl")
    args = parser.parse_args(argv)
    rows, kept = read_jsonl(Path(args.data)), []
    for row in rows:
        sentence = chinese_declarative(row["question"], row["claim"])
        if sentence is not None:
            kept.append({**row, "claim": sentence})  # the same id: both forms of a row fall in the same half
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "cmrc2018_decl_dev.jsonl").open("w", encoding="utf-8") as f:
        for row in kept:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(kept)} of {len(rows)} rows said as sentences -> {out / 'cmrc2018_decl_dev.jsonl'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
