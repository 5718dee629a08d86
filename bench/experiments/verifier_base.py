"""Two verifier folders side by side on the same rows: does a bigger base read evidence better?

    python bench/experiments/verifier_base.py --models assistant/checking/verifiers/minilm-nli DIR [--sample 150]
                                  [--out bench/results/verifier_base.json]

For each English grounding file (``../shared/data/grounding``), a seeded sample of its *test*
half (rows ``finetune.calibrate`` never chooses on) is read by each model the way the checker
reads it (each claim posed to its question, the top ``checker.max_windows`` windows, a window
sharing none of the claim's words cannot support it), before any calibration: ROC AUC of the
model alone (overlap weight 0) and with the shipped overlap weight (the shipped folder's
``calibration.json``), and on the SQuAD 2.0 QA rows, each kind of wrong answer against the right
ones. Also each model's reading speed on this machine (windows a second), the figure the
5-sentence check's time scales with. A new folder needs no ``calibration.json`` here: this
decides whether calibrating and shipping it is worth it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FILES = ("begin_dev", "qags_cnndm", "qags_xsum", "squad2_qa_dev", "wice_dev")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", required=True, help="verifier folders")
    parser.add_argument("--sample", type=int, default=150, help="rows per file (of its test half)")
    parser.add_argument("--files", default=",".join(FILES))
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "grounding"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "verifier_base.json"))
    args = parser.parse_args(argv)

    import torch

    from assistant.checking.verifiers.trained import SHIPPED, TrainedVerifier
    from finetune.calibrate import support_scores, window_features
    from finetune.data import half, load_rows
    from finetune.evaluate_checker import kind_of
    from finetune.metrics import roc_auc

    shipped = json.loads((SHIPPED / "calibration.json").read_text())
    weight = float(shipped["overlap_weight"])
    sets = {}
    for name in args.files.split(","):
        rows = [r for r in load_rows(Path(args.data) / f"{name}.jsonl") if half(str(r["id"])) == "test"]
        sets[name] = random.Random(args.seed).sample(rows, min(args.sample, len(rows)))
    out = {"sample": args.sample, "seed": args.seed, "torch_threads": torch.get_num_threads(),
           "shipped_overlap_weight": weight, "models": {}}
    for folder in args.models:
        provisional = {"window_words": shipped["window_words"], "max_length": shipped.get("max_length", 160),
                       "support_threshold": 0.5, "contradiction_threshold": 0.5, "overlap_weight": 0.0}
        verifier = TrainedVerifier(folder, calibration=provisional)
        record = json.loads((Path(folder) / "training.json").read_text())
        result = {"base_model": record.get("base_model"), "train_pairs": record.get("train_pairs"),
                  "train_seconds": record.get("train_seconds"), "files": {}}
        windows, seconds = 0, 0.0
        for name, rows in sets.items():
            start = time.perf_counter()
            features = window_features(verifier, rows)
            took = time.perf_counter() - start
            windows, seconds = windows + len(features["owner"]), seconds + took
            truth = np.array([r["label"] == "supported" for r in rows])
            alone = support_scores(features, 0.0, len(rows))
            weighted = support_scores(features, weight, len(rows))
            entry = {"rows": len(rows), "roc_auc_model_alone": roc_auc(truth, alone),
                     "roc_auc_with_overlap": roc_auc(truth, weighted), "seconds": round(took, 1)}
            kinds = np.array([kind_of(str(r["id"])) for r in rows])
            if "supported" in kinds:
                right = kinds == "supported"
                entry["by_kind"] = {kind: {"rows": int((kinds == kind).sum()),
                                           "roc_auc_model_alone": roc_auc(truth[right | (kinds == kind)],
                                                                          alone[right | (kinds == kind)]),
                                           "roc_auc_with_overlap": roc_auc(truth[right | (kinds == kind)],
                                                                           weighted[right | (kinds == kind)])}
                                    for kind in sorted(set(kinds) - {"supported"})}
            result["files"][name] = entry
            print(f"{Path(folder).name} {name}: alone {entry['roc_auc_model_alone']:.3f}, with overlap "
                  f"{entry['roc_auc_with_overlap']:.3f} ({took:.0f} s)", file=sys.stderr, flush=True)
        result["mean_roc_auc_model_alone"] = float(np.mean([f["roc_auc_model_alone"] for f in result["files"].values()]))
        result["mean_roc_auc_with_overlap"] = float(np.mean([f["roc_auc_with_overlap"] for f in result["files"].values()]))
        result["windows_per_s"] = windows / max(seconds, 1e-9)
        out["models"][folder] = result
    names = list(out["models"])
    if len(names) > 1:
        base = out["models"][names[0]]["windows_per_s"]
        for name in names:
            out["models"][name]["speed_vs_first"] = out["models"][name]["windows_per_s"] / base
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
