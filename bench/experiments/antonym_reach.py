"""Where the checker's opposite-word rules (``assistant/checking/antonyms.py``: a window's sentence saying
the statement's word the other way round, ``opposite_in``; a passage writing the statement's phrase only
with the opposite word, ``turned_phrase``, or a thing "without" that the statement says "with",
``without_phrase``) reach, without a model.

    python bench/experiments/antonym_reach.py [--out bench/results/antonym_reach.json]

Every row of the grounding files (``../shared/data/grounding/*.jsonl``) is cut into the windows the
shipped verifier reads (40 words); a row counts as *stopped* when the rule fires on every window
that shares the claim's content words (the checker then has no window left to support it), and
*touched* when it fires on one at least. Stopping a row labelled supported is a right answer
flagged; stopping an unsupported one is a wrong answer no longer marked supported. The examples
list every stopped row (claim, the word pair, the evidence sentence) to read by hand.

Then the held-out NLI pairs (``../shared/data/nli``), the premise read as the window and the
hypothesis as the statement: how often the rule fires for each gold label. The checker only stops
support, so a firing is right unless the pair is an entailment; every firing on a pair that is not
a contradiction is listed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.checking.antonyms import opposite_in, turned_phrase, without_phrase  # noqa: E402
from assistant.checking.windows import make_windows, shares_content  # noqa: E402
from bench.common import GROUNDING, HELD_OUT_NLI, NLI, RESULTS, write_result  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(RESULTS / "antonym_reach.json"))
    args = parser.parse_args()
    report, examples = {}, []
    for path in sorted(GROUNDING.glob("*.jsonl")):
        counts = {"rows": 0, "supported_rows": 0, "stopped_supported": 0, "stopped_unsupported": 0,
                  "touched_supported": 0, "touched_unsupported": 0}
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            supported = row["label"] == "supported"
            counts["rows"] += 1
            counts["supported_rows"] += supported
            windows = [w.text for w in make_windows(row["evidence"], 40, 30) if shares_content(w.text, row["claim"])]
            phrase = (turned_phrase(row["evidence"], row["claim"], row.get("question"))
                      or without_phrase(row["evidence"], row["claim"]))
            fired = [phrase or opposite_in(w, row["claim"], row.get("question")) for w in windows]
            kind = "supported" if supported else "unsupported"
            if any(fired):
                counts[f"touched_{kind}"] += 1
            if fired and all(fired):
                counts[f"stopped_{kind}"] += 1
                examples.append({"file": path.stem, "label": row["label"], "claim": row["claim"][:200],
                                 "question": row.get("question"), "pair": fired[0]})
        report[path.stem] = counts
        print(path.stem, counts, flush=True)
    nli, fired_examples = {}, []
    for name in HELD_OUT_NLI:  # premise as the window, hypothesis as the statement: fires by gold label
        counts: dict[str, list[int]] = {}
        for line in (NLI / f"{name}.jsonl").open(encoding="utf-8"):
            row = json.loads(line)
            premise, hypothesis = row["premise"], row["hypothesis"]
            pair = (turned_phrase(premise, hypothesis) or without_phrase(premise, hypothesis)
                    or opposite_in(premise, hypothesis))
            seen = counts.setdefault(row["label"], [0, 0])
            seen[0] += 1
            seen[1] += pair is not None
            if pair and row["label"] != "contradiction":
                fired_examples.append({"file": name, "label": row["label"], "pair": pair,
                                       "premise": row["premise"][:300], "hypothesis": row["hypothesis"]})
        fires = sum(c[1] for c in counts.values())
        nli[name] = {"pairs_by_label": {k: c[0] for k, c in counts.items()},
                     "fired_by_label": {k: c[1] for k, c in counts.items()},
                     "precision_for_not_entailed": round(1 - counts.get("entailment", [0, 0])[1] / fires, 3)
                     if fires else None,
                     "precision_for_contradiction": round(counts.get("contradiction", [0, 0])[1] / fires, 3)
                     if fires else None}
        print(name, nli[name], flush=True)
    write_result(Path(args.out), {"files": report, "stopped": examples, "nli": nli,
                                  "fired_not_contradiction": fired_examples})
    return 0


if __name__ == "__main__":
    sys.exit(main())
