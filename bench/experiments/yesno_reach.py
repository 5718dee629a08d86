"""Where the yes/no rule (``assistant/checking/yesno.py``: a passage asking a statement's own yes/no
question and answering it decides the statement) reaches, without a model.

    python bench/experiments/yesno_reach.py [--out bench/results/yesno_reach.json]

Every row of the grounding files (evidence, claim, its question) and of the NLI files (premise,
hypothesis) in ``../shared/data``: how often the rule finds a reply, and whether the reply agrees with
the claim, by the row's label. FAQs (a question ending in "?", then "Yes" or "No") are rare in these
sets; the rule is for documents like Debian's FAQs (``tests/test_checker_examples.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.checking.yesno import answered  # noqa: E402
from bench.common import GROUNDING, NLI, RESULTS, write_result  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(RESULTS / "yesno_reach.json"))
    args = parser.parse_args()
    report, examples = {}, []
    for path in sorted(GROUNDING.glob("*.jsonl")) + sorted(NLI.glob("*.jsonl")):
        rows, fired = 0, Counter()
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            rows += 1
            evidence = row.get("evidence") or row.get("premise", "")
            claim = row.get("claim") or row.get("hypothesis", "")
            found = answered(evidence, claim, row.get("question"))
            if found is not None:
                fired[f"{row['label']}/{'agrees' if found.agrees else 'disagrees'}"] += 1
                examples.append({"file": path.stem, "label": row["label"], "claim": claim,
                                 "reply": evidence[found.start:found.end], "agrees": found.agrees})
        report[path.stem] = {"rows": rows, "fired": dict(fired)}
        print(path.stem, report[path.stem], flush=True)
    write_result(Path(args.out), {"files": report, "examples": examples})
    return 0


if __name__ == "__main__":
    sys.exit(main())
