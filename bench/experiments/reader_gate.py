"""Would the trained reader (``assistant/checking/reader.py``) tell answers from spans that answer
something else, on top of the shipped checker?

    ASSISTANT_HOME=<home with the models> python bench/experiments/reader_gate.py --reader DIR \
        [--data ../shared/data/grounding] [--files squad2_qa_dev,begin_dev] [--out bench/results/reader_gate.json]

Judges each row as the shipped checker does without a reader (answer place on), then reads every
supported claim that answers its question (``finetune.calibrate_reader.readings``) with the reader, and
scores variants of the supported score: the checker's own; a gate (a claim whose answer scores more
than ``m`` below the reader's best, span or no answer, is not supported); and a soft term
(``w * min(0, margin + m)`` added to the support logit). Reports ROC AUC (whole file, calibration
half, test half), by kind, and the share of right answers flagged at the checker's threshold.
Choose on the calibration halves; the test halves and the other files measure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def variants(p0, margins):
    import numpy as np

    out = {"checker": p0}
    m = np.array([np.nan if x is None else x for x in margins])
    logit = np.log(np.clip(p0, 1e-6, 1 - 1e-6) / np.clip(1 - p0, 1e-6, None))
    for cut in (1, 2, 3, 4, 5, 6, 8):
        out[f"gate {cut}"] = np.where(np.nan_to_num(m, nan=0.0) < -cut, 0.0, p0)
    for w in (0.5, 1, 2):
        for shift in (0, 2, 4):
            term = w * np.minimum(0.0, np.nan_to_num(m, nan=0.0) + shift)
            out[f"soft w{w} m{shift}"] = 1 / (1 + np.exp(-(logit + term)))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", required=True)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "grounding"))
    parser.add_argument("--files", default="squad2_qa_dev,begin_dev")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "reader_gate.json"))
    args = parser.parse_args(argv)

    import numpy as np

    from assistant.checking.checker import Checker
    from assistant.checking.reader import Reader
    from assistant.checking.verifiers import make_verifier
    from core.config import CheckerConfig
    from core.labels import SUPPORTED
    from finetune.calibrate_reader import readings
    from finetune.data import GROUNDING_KEYS, half, load_rows
    from finetune.evaluate_checker import kind_of
    from finetune.metrics import auc_interval, roc_auc

    checker = Checker(make_verifier("trained"), CheckerConfig())  # the shipped checker without a reader
    reader = Reader(args.reader)
    result = {"reader": args.reader, "threshold": checker.support_threshold, "files": {}}
    for name in args.files.split(","):
        rows = load_rows(Path(args.data) / f"{name}.jsonl", GROUNDING_KEYS)
        start = time.perf_counter()
        verdicts, readings_ = readings(checker, reader, rows)
        seconds = time.perf_counter() - start
        margins = [None if r is None else r.margin for r in readings_]
        read = sum(r is not None for r in readings_)
        truth = np.array([r["label"] == SUPPORTED for r in rows])
        calib = np.array([half(str(r["id"])) == "calibration" for r in rows])
        kinds = np.array([kind_of(str(r["id"])) for r in rows])
        p0 = np.array([v.probs[0] for v in verdicts])
        file = {"rows": len(rows), "read": read, "seconds": round(seconds, 1),
                "margins": {"right": _quantiles([m for m, t in zip(margins, truth) if t and m is not None]),
                            "wrong": _quantiles([m for m, t in zip(margins, truth) if not t and m is not None])},
                "variants": {}}
        for label, score in variants(p0, margins).items():
            said = score >= checker.support_threshold
            row = {"roc_auc": round(roc_auc(truth, score), 4),
                   "interval": [round(x, 4) for x in auc_interval(truth, score)],
                   "calibration_half": round(roc_auc(truth[calib], score[calib]), 4),
                   "test_half": round(roc_auc(truth[~calib], score[~calib]), 4),
                   "right_flagged": round(float((~said[truth]).mean()), 4)}
            for kind in sorted(set(kinds) - {"", SUPPORTED}):
                pick = truth | (kinds == kind)
                row[str(kind)] = {"roc_auc": round(roc_auc(truth[pick], score[pick]), 4),
                             "said_supported": round(float(said[kinds == kind].mean()), 4)}
            file["variants"][label] = row
        result["files"][name] = file
        best = max(file["variants"].items(), key=lambda kv: kv[1]["calibration_half"])
        print(f"{name}: read {read} of {len(rows)} in {seconds:.0f} s; checker {file['variants']['checker']}; "
              f"best on calibration half: {best[0]} {best[1]}", file=sys.stderr, flush=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    return 0


def _quantiles(xs):
    if not xs:
        return {}
    xs = sorted(xs)
    at = lambda q: round(xs[min(len(xs) - 1, int(q * len(xs)))], 2)  # noqa: E731
    return {"n": len(xs), "p10": at(0.1), "p25": at(0.25), "median": at(0.5), "p75": at(0.75), "p90": at(0.9)}


if __name__ == "__main__":
    sys.exit(main())
