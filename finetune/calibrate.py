"""Choose the trained verifier's thresholds (and overlap weight) on development data; write calibration.json.

    python -m finetune.calibrate [--model assistant/verifiers/minilm-nli] [--window-words 40]

The folder's ``calibration.json`` is replaced (whole, by a rename) only when the new one is
chosen: until then the folder is measured with a provisional calibration held in memory,
so a run that fails or is stopped leaves it as it was.

Development data, never the rows scores are reported on:

- every grounding file (``../shared/data/grounding``) is cut in two halves by a
  hash of the row id: the *calibration* half chooses, the *test* half is where
  ``finetune.evaluate_checker`` reports balanced accuracy as out-of-sample;
- ``overlap_weight``: how much the share of the statement's content words found in
  its whole evidence adds to the model's support logit of each window
  (``assistant/verifiers/trained.py``), chosen from a grid to maximise the mean ROC
  AUC over the calibration halves (0 means the model alone);
- ``support_threshold``: maximises the mean balanced accuracy of supported /
  not supported over the calibration halves;
- ``contradiction_threshold``: maximises F1 of *contradicted* on the SNLI and MNLI
  held-out pairs (held out from training by ``finetune.verifier_data``) together
  with as many *unrelated* pairs (each hypothesis against another pair's premise,
  never a contradiction), among pairs not already called supported, jointly with
  ``contradiction_min_overlap`` (a window sharing fewer of the statement's content
  words cannot contradict it). Without the unrelated pairs the threshold came out
  at 0.34 and the checker called statements about something else "contradicted";
  a flag that says *the documents say otherwise* must be rarer and surer than one
  that says *the documents do not say*.
- ``overlap_weight`` ties (mean AUC within 0.0025 of the best) go to the smaller
  weight, so the model, not the word count, decides where the data cannot tell;
  ``support_threshold`` maximises the *worst* balanced accuracy over the halves, so
  one threshold serves every kind of evidence rather than the easiest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
WEIGHTS = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 12.0, 16.0, 24.0)


def half(row_id: str) -> str:
    """'calibration' or 'test', fixed by the row id (so every run splits the same way)."""
    return "calibration" if hashlib.sha256(row_id.encode()).digest()[0] % 2 == 0 else "test"


def window_features(verifier, rows: list[dict]) -> dict:
    """Per-window model probabilities for each row, read as the checker reads evidence, and
    each window's row's overlap (the claim's content words found anywhere in its evidence)."""
    from assistant.verifiers.overlap import overlap
    from assistant.windows import windows_for

    pairs, owner = [], []
    for n, row in enumerate(rows):
        for window in windows_for(verifier, row["evidence"]):
            pairs.append((window.text, row["claim"]))
            owner.append(n)
    whole = np.array([overlap(row["evidence"], row["claim"]) for row in rows])
    return {"probs": verifier.predict_raw(pairs), "owner": np.array(owner), "overlap": whole[owner]}


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

    from assistant.atomic import write_file
    from assistant.errors import AssistantError
    from assistant.verifiers.overlap import overlap
    from assistant.verifiers.trained import TrainedVerifier, combine, gate_contradiction

    from .evaluate_checker import load_rows
    from .metrics import balanced_accuracy, roc_auc
    from .verifier_data import build

    model = Path(args.model)
    record = {"window_words": args.window_words, "max_length": args.max_length,
              "support_threshold": 0.5, "contradiction_threshold": 0.5, "overlap_weight": 0.0}
    grounding = sorted(Path(args.grounding).glob("*.jsonl"))
    if not grounding:
        print(f"error: no development data: {args.grounding} holds no *.jsonl grounding files", file=sys.stderr)
        return 4
    try:  # read before any model loads: a bad line stops the run at once, naming itself
        halves = {path.stem: [r for r in load_rows(path) if half(str(r["id"])) == "calibration"] for path in grounding}
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    if not (model / "config.json").is_file():
        print(f"error: {model} is not a verifier folder (no config.json); train one with "
              "`python -m finetune.verifier --out DIR`", file=sys.stderr)
        return 4
    verifier = TrainedVerifier(str(model), calibration=record)  # the folder's own calibration.json stays
    # until the new one is chosen: a run that fails leaves the folder as it was
    dev = {}
    for stem, rows in halves.items():
        dev[stem] = (rows, window_features(verifier, rows))
        print(f"{stem}: {len(rows)} calibration rows", file=sys.stderr, flush=True)

    def labels(rows):
        return [r["label"] == "supported" for r in rows]

    auc_by_weight = {w: {name: roc_auc(labels(rows), support_scores(f, w, len(rows)))
                         for name, (rows, f) in dev.items()} for w in WEIGHTS}
    mean_auc = {w: float(np.mean(list(v.values()))) for w, v in auc_by_weight.items()}
    weight = min(w for w in WEIGHTS if mean_auc[w] >= max(mean_auc.values()) - 0.0025)
    scores = {name: support_scores(f, weight, len(rows)) for name, (rows, f) in dev.items()}
    candidates = np.unique(np.concatenate(list(scores.values())).round(3))
    support_t = max(candidates, key=lambda t: min(balanced_accuracy(labels(dev[n][0]), s >= t)
                                                   for n, s in scores.items()))
    _, held = build(Path(args.nli))
    pairs = [p for name in ("snli", "mnli") for p in held[name]]
    unrelated = [(pairs[(n + 997) % len(pairs)].premise, p.hypothesis) for n, p in enumerate(pairs)
                 if pairs[(n + 997) % len(pairs)].premise != p.premise]
    nli_pairs = [(p.premise, p.hypothesis) for p in pairs] + unrelated
    raw = verifier.predict_raw(nli_pairs)
    overlaps = np.array([overlap(e, c) for e, c in nli_pairs])
    is_contra = np.array([p.label == 2 for p in pairs] + [False] * len(unrelated))

    def said(gate: float, t: float) -> np.ndarray:
        probs = combine(gate_contradiction(raw, overlaps, gate), overlaps, weight)
        return (probs[:, 0] < support_t) & (probs[:, 2] >= t) & (probs[:, 2] > probs[:, 0])

    def f1(gate: float, t: float) -> float:
        s = said(gate, t)
        return 2 * (s & is_contra).sum() / max(s.sum() + is_contra.sum(), 1)

    def precision_recall(gate: float, t: float) -> tuple[float, float]:
        s = said(gate, t)
        return (s & is_contra).sum() / max(s.sum(), 1), (s & is_contra).sum() / max(is_contra.sum(), 1)

    gate, contra_t = max(((g, t) for g in GATES for t in np.linspace(0.5, 0.95, 46)), key=lambda gt: f1(*gt))
    record.update({
        "overlap_weight": weight, "support_threshold": round(float(support_t), 4),
        "contradiction_threshold": round(float(contra_t), 4), "contradiction_min_overlap": gate,
        "chosen_on": {"grounding_calibration_halves": {n: len(r) for n, (r, _) in dev.items()},
                      "nli_held_out_pairs": len(pairs), "unrelated_pairs": len(unrelated)},
        "overlap_over": "the claim's whole evidence",
        "calibration_auc_by_overlap_weight": {str(w): {n: round(a, 4) for n, a in v.items()}
                                              for w, v in auc_by_weight.items()},
        "calibration_balanced_accuracy": {n: round(balanced_accuracy(labels(dev[n][0]), s >= support_t), 4)
                                          for n, s in scores.items()},
        "contradiction_f1_nli_held_out_and_unrelated": round(float(f1(gate, contra_t)), 4),
        "contradiction_precision_recall": [round(float(x), 4) for x in precision_recall(gate, contra_t)],
        "contradiction_precision_recall_without_gate": [round(float(x), 4) for x in precision_recall(0.0, contra_t)],
    })
    write_file(model / "calibration.json", json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
