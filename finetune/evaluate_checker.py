"""Measure verifier backends on the human-labelled grounding sets.

    python -m finetune.evaluate_checker [--backends trained,overlap] [--data ../shared/data/grounding]
                                        [--threshold T] [--out bench/results/checker.json]

Every backend judges every ``*.jsonl`` file (``{"evidence", "claim", "label", ...}`` per line) the
way the checker does (each claim posed to its ``question``, evidence in windows). Per file: ROC
AUC of the supported score with a 95 % bootstrap interval (the sets are small); balanced accuracy
at the checker's threshold (the calibrated one unless ``--threshold``) on the whole file and on
its *test* half (the rows ``finetune/calibrate.py`` did not choose on), and, for reference only,
at the best threshold for that file, which a real system cannot know; for QA sets, each kind of
wrong answer against the right ones. Then precision and recall of *contradicted* on
FEVER-Symmetric test (``../shared/data/nli``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from assistant.chat.backends import load_chat_model
from assistant.checking.checker import Checker, Evidence, make_reader
from assistant.checking.verifiers import make_verifier
from core.config import CheckerConfig, load_config
from core.device import PRECISIONS
from core.errors import EXIT_INPUT, EXIT_OK, AssistantError
from core.labels import CONTRADICTED, SUPPORTED
from finetune.data import GROUNDING_KEYS, NLI_KEYS, half, load_rows
from finetune.metrics import auc_interval, balanced_accuracy, best_threshold, roc_auc

ROOT = Path(__file__).resolve().parents[1]


def evaluate(checker, rows: list[dict]) -> dict:
    import numpy as np

    start = time.perf_counter()
    verdicts = checker.judge([r["claim"] for r in rows], [[Evidence(r["evidence"])] for r in rows],
                             [r.get("question") for r in rows])
    seconds = time.perf_counter() - start
    supported = np.array([r["label"] == SUPPORTED for r in rows])
    score = np.array([v.probs[0] for v in verdicts])
    said = np.array([v.label == SUPPORTED for v in verdicts])
    test = np.array([half(str(r["id"])) == "test" for r in rows])
    oracle_t, oracle_acc = best_threshold(supported, score)
    by_kind = {}
    kinds = np.array([kind_of(str(r["id"])) for r in rows])
    if SUPPORTED in kinds and len(set(kinds)) > 1:  # QA sets: each kind of wrong answer against the right ones
        right = kinds == SUPPORTED
        by_kind[SUPPORTED] = {"rows": int(right.sum()), "flagged": float((~said[right]).mean())}
        for kind in sorted(set(kinds) - {"supported"}):
            rows_of_kind = kinds == kind
            pick = right | rows_of_kind
            by_kind[kind] = {"rows": int(rows_of_kind.sum()), "roc_auc": roc_auc(supported[pick], score[pick]),
                             "roc_auc_interval_95": auc_interval(supported[pick], score[pick]),
                             "said_supported": float(said[rows_of_kind].mean())}
    return {
        "rows": len(rows), "supported_share": float(supported.mean()),
        "roc_auc": roc_auc(supported, score), "roc_auc_interval_95": auc_interval(supported, score),
        "roc_auc_test_half": roc_auc(supported[test], score[test]),
        "threshold": checker.support_threshold, "balanced_accuracy": balanced_accuracy(supported, said),
        "balanced_accuracy_test_half": balanced_accuracy(supported[test], said[test]),
        "oracle_threshold": oracle_t, "oracle_balanced_accuracy": oracle_acc,
        "seconds": seconds, **({"by_kind": by_kind} if by_kind else {}),
    }


def kind_of(row_id: str) -> str:
    """The kind a QA row's id ends with (``squad2-<id>-plausible``); '' for other ids."""
    kind = row_id.rsplit("-", 1)[-1]
    return kind if kind in (SUPPORTED, "plausible", "distractor", "other", "altered") else ""


def contradiction_scores(checker, rows: list[dict]) -> dict:
    """Precision and recall of *contradicted* on NLI-style rows (premise, hypothesis, label)."""

    verdicts = checker.judge([r["hypothesis"] for r in rows], [[Evidence(r["premise"])] for r in rows])
    truth = [r["label"] == "contradiction" for r in rows]
    said = [v.label == CONTRADICTED for v in verdicts]
    hits = sum(t and s for t, s in zip(truth, said))
    return {"rows": len(rows), "contradictions": sum(truth), "said_contradicted": sum(said),
            "precision": hits / sum(said) if any(said) else 0.0, "recall": hits / max(sum(truth), 1),
            "threshold": checker.contradiction_threshold}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="trained,overlap", help="comma-separated backend names")
    parser.add_argument("--nli-model", default=None, help="model id or path for the nli backend")
    parser.add_argument("--trained-model", default=None, help="a retrained verifier directory (default: shipped)")
    parser.add_argument("--trained-model-zh", default=None,
                        help="the verifier directory that reads Chinese pairs (default: shipped e5-nli; none: the "
                             "English one reads them)")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "grounding"))
    parser.add_argument("--fever", default=str(ROOT.parent / "shared" / "data" / "nli" / "fever_symmetric_test.jsonl"))
    parser.add_argument("--threshold", type=float, default=None,
                        help="supported when p(supported) >= this (default: the backend's calibrated threshold)")
    parser.add_argument("--sample", type=int, default=0,
                        help="judge a seeded sample of this many rows per file (0: all), for slow backends")
    parser.add_argument("--answer-place", choices=("on", "off"), default="on",
                        help="checker.answer_place: a supported answer the passage gives elsewhere is not supported")
    parser.add_argument("--name-rule", choices=("on", "off"), default="on",
                        help="checker.name_rule: a passage that never writes a claim's names or numbers "
                             "cannot support it")
    parser.add_argument("--reader", default="shipped",
                        help="checker.reader for the trained backend: shipped, a folder from finetune.reader, or none")
    parser.add_argument("--precision", choices=PRECISIONS, default="auto",
                        help="checker.precision: what the trained verifier and the reader compute in")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "checker.json"))
    args = parser.parse_args(argv)

    import random

    def rows_of(path: Path, keys: tuple[str, ...] = GROUNDING_KEYS) -> list[dict]:
        rows = load_rows(path, keys)
        return random.Random(0).sample(rows, args.sample) if 0 < args.sample < len(rows) else rows

    files = sorted(Path(args.data).glob("*.jsonl"))
    if not files:
        print(f"error: no .jsonl files in {args.data}", file=sys.stderr)
        return EXIT_INPUT
    try:  # every file read before any model loads: a bad line stops the run at once, naming itself
        data = {path.stem: rows_of(path) for path in files}
        fever = rows_of(Path(args.fever), NLI_KEYS) if Path(args.fever).is_file() else None
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    options = {"nli": {"model": args.nli_model, "precision": args.precision},
               "trained": {"model": args.trained_model, "chinese": args.trained_model_zh, "precision": args.precision}}
    if "llm" in args.backends.split(","):

        options["llm"] = {"chat": load_chat_model(load_config(file=False))}
    results = measure(args.backends.split(","), data, fever, options, args.threshold, args.sample or "all",
                      answer_place=args.answer_place == "on", reader=args.reader,
                      name_rule=args.name_rule == "on", precision=args.precision)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


def measure(backends: list[str], data: dict[str, list[dict]], fever: list[dict] | None, options: dict,
            threshold: float | None, sample, answer_place: bool = True, reader: str = "none",
            name_rule: bool = True, precision: str = "auto") -> dict:
    """Every backend on every file (and on FEVER-Symmetric), printing each line as it is measured;
    ``reader`` (``checker.reader``) joins the trained backend only: the others are floors."""

    results: dict = {}
    for name in backends:
        backend = make_verifier(name, **options.get(name, {}))
        cfg = CheckerConfig(verifier=name, support_threshold=threshold, answer_place=answer_place, name_rule=name_rule,
                            reader=reader if name == "trained" else "none", precision=precision)
        checker = Checker(backend, cfg, reader=make_reader(cfg))
        results[name] = {"version": checker.version, "sample": sample, "answer_place": answer_place,
                         "precision": precision,
                         "name_rule": name_rule,
                         "reader": cfg.reader}
        for stem, rows in data.items():
            numbers = evaluate(checker, rows)
            results[name][stem] = numbers
            lo, hi = numbers["roc_auc_interval_95"]
            print(f"{name:8s} {stem:12s} AUC {numbers['roc_auc']:.3f} ({lo:.3f}-{hi:.3f})  balanced acc "
                  f"{numbers['balanced_accuracy']:.3f} at {numbers['threshold']:.3f}, test half "
                  f"{numbers['balanced_accuracy_test_half']:.3f} (best possible {numbers['oracle_balanced_accuracy']:.3f})"
                  f"  {numbers['seconds']:.0f} s", flush=True)
            for kind, k in numbers.get("by_kind", {}).items():
                print(f"{'':8s} {'':12s} {kind:10s} {k['rows']:4d} rows  " + (
                      f"flagged {k['flagged']:.3f}" if kind == SUPPORTED else
                      f"AUC vs supported {k['roc_auc']:.3f} ({k['roc_auc_interval_95'][0]:.3f}-"
                      f"{k['roc_auc_interval_95'][1]:.3f}), said supported {k['said_supported']:.3f}"), flush=True)
        if fever is not None:
            numbers = contradiction_scores(checker, fever)
            results[name]["fever_symmetric_test_contradicted"] = numbers
            print(f"{name:8s} FEVER-Symmetric test: contradicted precision {numbers['precision']:.3f} "
                  f"recall {numbers['recall']:.3f} ({numbers['said_contradicted']} said, "
                  f"{numbers['contradictions']} true)", flush=True)
    return results


if __name__ == "__main__":
    sys.exit(main())
