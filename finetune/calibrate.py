"""Choose the trained verifier's thresholds (and overlap weight) on development data; write calibration.json.

    python -m finetune.calibrate [--model assistant/checking/verifiers/minilm-nli] [--window-words 40]

Development data only, never the rows scores are reported on: each grounding file
(``../shared/data/grounding``, less ``--skip``: by default the Chinese set, which the English
base cannot read) is cut in two by a hash of the row id, and its *calibration* half chooses
(``finetune.evaluate_checker`` reports on the *test* half). ``overlap_weight`` and
``soft_overlap_weight`` (``assistant/checking/verifiers/trained.py``) maximise the mean ROC AUC
over the calibration halves, ties (within 0.0025) going to the smaller weights so the model,
not the word counts, decides where the data cannot tell; ``support_threshold`` maximises the
*worst* balanced accuracy over the halves, so one threshold serves every kind of evidence;
``contradiction_threshold`` and ``contradiction_min_overlap`` maximise F0.5 of *contradicted*
(precision first) on held-out SNLI / MNLI pairs plus as many *unrelated* pairs, which keep
statements about something else from being called contradicted. The folder's
``calibration.json`` is replaced whole only when the new one is chosen, so a run that fails or
is stopped leaves it as it was.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from assistant.checking.checker import Checker
from assistant.checking.verifiers.overlap import overlap
from assistant.checking.verifiers.soft_overlap import SoftOverlap
from assistant.checking.verifiers.trained import SHIPPED, TrainedVerifier, combine, gate_contradiction, soft_shift
from assistant.checking.windows import polarity_conflict, shares_content, top_windows, windows_for
from core.atomic import write_file
from core.config import CheckerConfig
from core.errors import EXIT_INPUT, EXIT_OK, AssistantError
from core.labels import SUPPORTED
from finetune.data import half, load_rows
from finetune.metrics import balanced_accuracy, roc_auc

ROOT = Path(__file__).resolve().parents[1]
GATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
WEIGHTS = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 12.0, 16.0, 24.0)
SOFT_WEIGHTS = (0.0, 2.5, 5.0, 10.0, 15.0, 20.0)


def window_features(verifier, rows: list[dict], soft=None, max_windows: int | None = None) -> dict:
    """Per-window model probabilities for each row, read as the checker reads evidence (each
    claim posed to its row's ``question`` when the verifier reads questions, the top
    ``max_windows`` windows, default the checker's), each window's row's overlap (the claim's
    content words found anywhere in its evidence), whether the window shares any of them, and,
    with ``soft`` (a ``SoftOverlap``), the claim's soft overlap with that evidence."""

    cfg = CheckerConfig() if max_windows is None else CheckerConfig(max_windows=max_windows)
    checker = Checker(verifier, cfg)
    pairs, owner, about = [], [], []
    for n, row in enumerate(rows):
        windows = windows_for(verifier, row["evidence"])
        statement = checker.statement_for(row["claim"], row.get("question"))
        for i in top_windows([w.text for w in windows], row["claim"], row.get("question"), cfg.max_windows):
            pairs.append((windows[i].text, statement))
            owner.append(n)
            about.append(shares_content(windows[i].text, row["claim"])  # the checker's rules
                         and not polarity_conflict(windows[i].text, row["claim"]))
    whole = np.array([overlap(row["evidence"], row["claim"]) for row in rows])
    soft_whole = soft.scores([(row["evidence"], row["claim"]) for row in rows]) if soft else np.zeros(len(rows))
    return {"probs": verifier.predict_raw(pairs), "owner": np.array(owner), "overlap": whole[owner],
            "soft": soft_whole[owner], "soft_rows": soft_whole, "about": np.array(about, dtype=bool)}


def support_scores(features: dict, weight: float, n_rows: int, soft_weight: float = 0.0,
                   center: float = 0.0) -> np.ndarray:
    """Each row's p(supported): the maximum over its windows of the combined window score."""

    p = combine(features["probs"], features["overlap"], weight, soft_shift(features["soft"], soft_weight, center))[:, 0]
    if "about" in features:  # a window sharing none of the claim's words cannot support it (the checker's rule)
        p = np.where(features["about"], p, 0.0)
    out = np.zeros(n_rows)
    np.maximum.at(out, features["owner"], p)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(SHIPPED))
    parser.add_argument("--window-words", type=int, default=40)
    parser.add_argument("--max-length", type=int, default=160)
    parser.add_argument("--grounding", default=str(ROOT.parent / "shared" / "data" / "grounding"))
    parser.add_argument("--nli", default=str(ROOT.parent / "shared" / "data" / "nli"))
    parser.add_argument("--skip", default="cmrc2018_qa_dev",
                        help="comma-separated grounding files not to choose on (default: the Chinese set, which "
                             "the English MiniLM base cannot read)")
    parser.add_argument("--soft-overlap-model", default="minilm",
                        help="encoder for the soft overlap (minilm: the packaged one; any id or folder), "
                             "or none to calibrate without it")
    args = parser.parse_args(argv)

    from finetune.verifier_data import build, check_data

    model = Path(args.model)
    record = {"window_words": args.window_words, "max_length": args.max_length,
              "support_threshold": 0.5, "contradiction_threshold": 0.5, "overlap_weight": 0.0}
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    grounding = sorted(p for p in Path(args.grounding).glob("*.jsonl") if p.stem not in skip)
    if not grounding:
        print(f"error: no development data: {args.grounding} holds no *.jsonl grounding files", file=sys.stderr)
        return EXIT_INPUT
    try:  # read before any model loads: a bad line stops the run at once, naming itself
        check_data(Path(args.nli))
        halves = {path.stem: [r for r in load_rows(path) if half(str(r["id"])) == "calibration"] for path in grounding}
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    if not (model / "config.json").is_file():
        print(f"error: {model} is not a verifier folder (no config.json); train one with "
              "`python -m finetune.verifier --out DIR`", file=sys.stderr)
        return EXIT_INPUT
    verifier = TrainedVerifier(str(model), calibration=record)  # the folder's own calibration.json stays
    # until the new one is chosen: a run that fails leaves the folder as it was
    soft_model = None if args.soft_overlap_model.strip().lower() == "none" else args.soft_overlap_model
    try:
        soft = SoftOverlap(soft_model, device=str(verifier.device)) if soft_model else None
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    dev = {}
    for stem, rows in halves.items():
        dev[stem] = (rows, window_features(verifier, rows, soft))
        print(f"{stem}: {len(rows)} calibration rows", file=sys.stderr, flush=True)

    def labels(rows):
        return [r["label"] == SUPPORTED for r in rows]

    center = float(np.median(np.concatenate([f["soft_rows"] for _, f in dev.values()]))) if soft else 0.0
    grid = [(w, s) for s in (SOFT_WEIGHTS if soft else (0.0,)) for w in WEIGHTS]
    auc_by_weights = {(w, s): {name: roc_auc(labels(rows), support_scores(f, w, len(rows), s, center))
                               for name, (rows, f) in dev.items()} for w, s in grid}
    mean_auc = {ws: float(np.mean(list(v.values()))) for ws, v in auc_by_weights.items()}
    weight, soft_weight = min((ws for ws in grid if mean_auc[ws] >= max(mean_auc.values()) - 0.0025),
                              key=lambda ws: (ws[0] + ws[1], ws[1]))
    scores = {name: support_scores(f, weight, len(rows), soft_weight, center) for name, (rows, f) in dev.items()}
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
    shift = soft_shift(soft.scores(nli_pairs), soft_weight, center) if soft_weight else None  # no encoder pass when it has no weight
    is_contra = np.array([p.label == 2 for p in pairs] + [False] * len(unrelated))

    def said(gate: float, t: float) -> np.ndarray:
        probs = combine(gate_contradiction(raw, overlaps, gate), overlaps, weight, shift)
        return (probs[:, 0] < support_t) & (probs[:, 2] >= t) & (probs[:, 2] > probs[:, 0])

    def f1(gate: float, t: float, beta: float = 1.0) -> float:
        s = said(gate, t)
        hits = (s & is_contra).sum()
        return (1 + beta ** 2) * hits / max(s.sum() + beta ** 2 * is_contra.sum(), 1)

    def precision_recall(gate: float, t: float) -> tuple[float, float]:
        s = said(gate, t)
        return (s & is_contra).sum() / max(s.sum(), 1), (s & is_contra).sum() / max(is_contra.sum(), 1)

    # precision first: F0.5 counts precision twice as much as recall (a wrong "the documents say otherwise"
    # does more harm than a contradiction called merely unsupported)
    gate, contra_t = max(((g, t) for g in GATES for t in np.linspace(0.5, 0.95, 46)),
                         key=lambda gt: f1(*gt, beta=0.5))
    record.update({
        "overlap_weight": weight, "soft_overlap_weight": soft_weight,
        **({"soft_overlap_center": round(center, 4), "soft_overlap_model": soft_model} if soft_weight else {}),
        "support_threshold": round(float(support_t), 4),
        "contradiction_threshold": round(float(contra_t), 4), "contradiction_min_overlap": gate,
        "chosen_on": {"grounding_calibration_halves": {n: len(r) for n, (r, _) in dev.items()},
                      "nli_held_out_pairs": len(pairs), "unrelated_pairs": len(unrelated)},
        "overlap_over": "the claim's whole evidence",
        "calibration_auc": {n: round(a, 4) for n, a in auc_by_weights[weight, soft_weight].items()},
        "calibration_auc_by_overlap_weight": {str(w): {n: round(a, 4) for n, a in auc_by_weights[w, 0.0].items()}
                                              for w in WEIGHTS},
        **({"calibration_auc_by_soft_overlap_weight": {
            str(s): {n: round(a, 4) for n, a in auc_by_weights[weight, s].items()} for s in SOFT_WEIGHTS}}
           if soft else {}),
        "calibration_balanced_accuracy": {n: round(balanced_accuracy(labels(dev[n][0]), s >= support_t), 4)
                                          for n, s in scores.items()},
        "contradiction_f1_nli_held_out_and_unrelated": round(float(f1(gate, contra_t)), 4),
        "contradiction_f05_nli_held_out_and_unrelated": round(float(f1(gate, contra_t, beta=0.5)), 4),
        "contradiction_precision_recall": [round(float(x), 4) for x in precision_recall(gate, contra_t)],
        "contradiction_precision_recall_without_gate": [round(float(x), 4) for x in precision_recall(0.0, contra_t)],
    })
    write_file(model / "calibration.json", json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
