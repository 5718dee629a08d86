"""Measure verifier backends on the human-labelled grounding sets.

    python -m finetune.evaluate_checker [--backends overlap] [--data ../shared/data/grounding]
                                        [--threshold 0.5] [--out bench/results/checker.json]

For every ``*.jsonl`` file (``{"evidence", "claim", "label", ...}`` per line) and
every backend, scored the way the checker scores (long evidence in windows,
aggregated as ``assistant/windows.py`` documents): ROC AUC of the supported score, and balanced accuracy of the
supported / not-supported decision at the backend's fixed threshold (and, for
reference only, at the best threshold for that file, which a real system cannot
know in advance).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(backend, rows: list[dict], threshold: float) -> dict:
    from .metrics import balanced_accuracy, best_threshold, roc_auc

    import numpy as np

    from assistant.checker import Checker, Evidence

    start = time.perf_counter()
    verdicts = Checker(backend).judge([r["claim"] for r in rows], [[Evidence(r["evidence"])] for r in rows])
    probs = np.array([v.probs for v in verdicts])
    seconds = time.perf_counter() - start
    supported = [r["label"] == "supported" for r in rows]
    score = probs[:, 0]
    oracle_t, oracle_acc = best_threshold(supported, score)
    return {
        "rows": len(rows), "supported_share": sum(supported) / len(rows),
        "roc_auc": roc_auc(supported, score),
        "balanced_accuracy": balanced_accuracy(supported, score >= threshold), "threshold": threshold,
        "oracle_threshold": oracle_t, "oracle_balanced_accuracy": oracle_acc,
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="overlap", help="comma-separated backend names")
    parser.add_argument("--nli-model", default=None, help="model id or path for the nli backend")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "grounding"))
    parser.add_argument("--threshold", type=float, default=0.5, help="supported when p(supported) >= this")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "checker.json"))
    args = parser.parse_args(argv)

    from assistant.verifiers import make_verifier

    files = sorted(Path(args.data).glob("*.jsonl"))
    if not files:
        print(f"error: no .jsonl files in {args.data}", file=sys.stderr)
        return 4
    results: dict = {}
    for name in args.backends.split(","):
        backend = make_verifier(name, **({"model": args.nli_model} if name == "nli" else {}))
        results[name] = {}
        for path in files:
            numbers = evaluate(backend, load_rows(path), args.threshold)
            results[name][path.stem] = numbers
            print(f"{name:10s} {path.stem:12s} AUC {numbers['roc_auc']:.3f}  balanced acc "
                  f"{numbers['balanced_accuracy']:.3f} (best possible {numbers['oracle_balanced_accuracy']:.3f})")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
