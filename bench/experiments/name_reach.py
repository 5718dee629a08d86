"""Where the names rule's stricter reading of a longer name (``assistant/checking/names.py``, ``SHARED``:
a word many names share, "United" of "United Nations", no longer stands for "United States") reaches,
without a model.

    python bench/experiments/name_reach.py [--out bench/results/name_reach.json]

For every English row of the grounding files (the claim against its whole evidence) and every
held-out NLI pair (the hypothesis against the premise), whether the evidence writes every name and
number of the claim (``names.missing``) before and after: a row that now lacks one is no longer
supported by the checker (the names rule stops every window of the passage). Newly stopping a row
labelled supported (an entailment) is a right answer flagged; an unsupported one, a wrong answer
caught. Every newly stopped row is listed to read by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.checking import names  # noqa: E402
from bench.common import GROUNDING, HELD_OUT_NLI, NLI, RESULTS, write_result  # noqa: E402
from core.words import language_of  # noqa: E402


def lacking(claim: str, evidence: str, shared: frozenset[str]) -> list[str]:
    kept = names.SHARED
    names.SHARED = shared
    try:
        return names.missing(claim, evidence)
    finally:
        names.SHARED = kept


def newly(claim: str, evidence: str) -> list[str]:
    """The names the stricter reading finds missing where the looser one found none."""
    if lacking(claim, evidence, frozenset()):
        return []
    return lacking(claim, evidence, names.SHARED)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(RESULTS / "name_reach.json"))
    args = parser.parse_args()
    report, examples = {}, []
    sets = [(path.stem, path, "evidence", "claim", "supported") for path in sorted(GROUNDING.glob("*.jsonl"))]
    sets += [(name, NLI / f"{name}.jsonl", "premise", "hypothesis", "entailment") for name in HELD_OUT_NLI]
    for name, path, evidence, claim, good in sets:
        counts = {"rows": 0, "stopped_by_label": {}}
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            if language_of(row[claim]) != "en":
                continue
            counts["rows"] += 1
            gone = newly(row[claim], row[evidence])
            if gone:
                label = row["label"]
                counts["stopped_by_label"][label] = counts["stopped_by_label"].get(label, 0) + 1
                examples.append({"file": name, "label": label, "right": label == good, "claim": row[claim][:200],
                                 "missing": gone})
        report[name] = counts
        print(name, counts, flush=True)
    write_result(Path(args.out), {"sets": report, "stopped": examples})
    return 0


if __name__ == "__main__":
    sys.exit(main())
