"""Choose the trained verifier's thresholds (and overlap weight) on development data; write calibration.json.

    python -m finetune.calibrate [--model assistant/verifiers/minilm-nli] [--window-words 40]

Development data, never the rows scores are reported on:

- every grounding file (``../shared/data/grounding``) is cut in two halves by a
  hash of the row id: the *calibration* half chooses, the *test* half is where
  ``finetune.evaluate_checker`` reports balanced accuracy as out-of-sample;
- ``overlap_weight``: how much the share of the statement's content words found in a
  window adds to the model's support logit (``assistant/verifiers/trained.py``),
  chosen from a grid to maximise the mean ROC AUC over the calibration halves
  (0 means the model alone);
- ``support_threshold``: maximises the mean balanced accuracy of supported /
  not supported over the calibration halves;
- ``contradiction_threshold``: maximises F1 of *contradicted* on the SNLI and MNLI
  held-out pairs (held out from training by ``finetune.verifier_data``), among
  pairs not already called supported.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


def half(row_id: str) -> str:
    """'calibration' or 'test', fixed by the row id (so every run splits the same way)."""
    return "calibration" if hashlib.sha256(row_id.encode()).digest()[0] % 2 == 0 else "test"


def window_features(verifier, rows: list[dict]) -> dict:
    """Per-window model probabilities and overlaps for each row, read as the checker reads evidence."""
    from assistant.verifiers.overlap import overlap
    from assistant.windows import windows_for

    pairs, owner = [], []
    for n, row in enumerate(rows):
        for window in windows_for(verifier, row["evidence"]):
            pairs.append((window.text, row["claim"]))
            owner.append(n)
    return {"probs": verifier.predict_raw(pairs), "owner": np.array(owner),
            "overlap": np.array([overlap(e, c) for e, c in pairs])}


def support_scores(features: dict, weight: float, n_rows: int) -> np.ndarray:
    """Each row's p(supported): the maximum over its windows of the combined window score."""
    from assistant.verifiers.trained import combine

    p = combine(features["probs"], features["overlap"], weight)[:, 0]
    out = np.zeros(n_rows)
    np.maximum.at(out, features["owner"], p)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "assistant" / "verifiers" / "minilm-nli"))
    parser.add_argument("--window-words", type=int, default=40)
    parser.add_argument("--max-length", type=int, default=160)
    parser.add_argument("--grounding", default=str(ROOT.parent / "shared" / "data" / "grounding"))
    parser.add_argument("--nli", default=str(ROOT.parent / "shared" / "data" / "nli"))
    args = parser.parse_args(argv)

    from assistant.verifiers.trained import TrainedVerifier

    from .metrics import balanced_accuracy, best_threshold, roc_auc
    from .verifier_data import build

    model = Path(args.model)
    record = {"window_words": args.window_words, "max_length": args.max_length,
              "support_threshold": 0.5, "contradiction_threshold": 0.5, "overlap_weight": 0.0}
    (model / "calibration.json").write_text(json.dumps(record))  # provisional: lets the model load
    verifier = TrainedVerifier(str(model))
    dev = {}
    for path in sorted(Path(args.grounding).glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [r for r in rows if half(str(r["id"])) == "calibration"]
        dev[path.stem] = (rows, window_features(verifier, rows))
        print(f"{path.stem}: {len(rows)} calibration rows", file=sys.stderr, flush=True)

    def labels(rows):
        return [r["label"] == "supported" for r in rows]

    auc_by_weight = {w: {name: roc_auc(labels(rows), support_scores(f, w, len(rows)))
                         for name, (rows, f) in dev.items()} for w in WEIGHTS}
    weight = max(WEIGHTS, key=lambda w: np.mean(list(auc_by_weight[w].values())))
    scores = {name: support_scores(f, weight, len(rows)) for name, (rows, f) in dev.items()}
    candidates = np.unique(np.concatenate(list(scores.values())).round(3))
    support_t = max(candidates, key=lambda t: np.mean([balanced_accuracy(labels(dev[n][0]), s >= t)
                                                        for n, s in scores.items()]))
    _, held = build(Path(args.nli))
    pairs = [p for name in ("snli", "mnli") for p in held[name]]
    probs = combine_pairs(verifier, [(p.premise, p.hypothesis) for p in pairs], weight)
    is_contra = np.array([p.label == 2 for p in pairs])
    open_ = probs[:, 0] < support_t

    def f1(t: float) -> float:
        said = open_ & (probs[:, 2] >= t)
        tp = (said & is_contra).sum()
        return 2 * tp / max(said.sum() + is_contra.sum(), 1)

    contra_t = max(np.linspace(0.05, 0.95, 91), key=f1)
    record.update({
        "overlap_weight": weight, "support_threshold": round(float(support_t), 4),
        "contradiction_threshold": round(float(contra_t), 4),
        "chosen_on": {"grounding_calibration_halves": {n: len(r) for n, (r, _) in dev.items()},
                      "nli_held_out_pairs": len(pairs)},
        "calibration_auc_by_overlap_weight": {str(w): {n: round(a, 4) for n, a in v.items()}
                                              for w, v in auc_by_weight.items()},
        "calibration_balanced_accuracy": {n: round(balanced_accuracy(labels(dev[n][0]), s >= support_t), 4)
                                          for n, s in scores.items()},
        "contradiction_f1_nli_held_out": round(float(f1(contra_t)), 4),
    })
    (model / "calibration.json").write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    return 0


def combine_pairs(verifier, pairs, weight: float) -> np.ndarray:
    from assistant.verifiers.overlap import overlap
    from assistant.verifiers.trained import combine

    return combine(verifier.predict_raw(pairs), np.array([overlap(e, c) for e, c in pairs]), weight)


if __name__ == "__main__":
    sys.exit(main())
