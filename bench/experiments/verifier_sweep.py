"""Train several verifier recipes side by side on one GPU, calibrate and measure each; keep the best.

    python bench/experiments/verifier_sweep.py --work DIR --out DIR [--base minilm] [--nli ../shared/data/nli]
                                   [--grounding ../shared/data/grounding] [--recipes a,b] [--deadline 420] [--quick]

Each recipe is one ``python -m finetune.verifier`` run (all at once: a 22M-parameter encoder
leaves a GPU mostly idle), then, for each window size, ``python -m finetune.calibrate`` on a
copy of the folder and ``python -m finetune.evaluate_checker`` on it. The recipe and window
with the best mean ROC AUC on the grounding *calibration* halves (at the overlap weight
calibration chose) is the pick; the test halves and FEVER-Symmetric are only reported.

Writes to ``--out`` (few files, as the GPU machine returns at most eight): ``sweep.json``
(every recipe's settings, held-out NLI accuracy, calibration and grounding scores, the pick),
``log.txt`` (the tail of every run's log), and the pick's ``model.safetensors`` in parts
of 15 MB (``model.safetensors.part0`` ...; ``cat`` them back together) with its
``config.json``, ``training.json`` and ``calibration.json`` inside ``sweep.json``.
Runs still going at ``--deadline`` seconds are stopped; what finished is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# name: (finetune.verifier arguments, [(window words, max tokens), ...] to calibrate and measure at)
RECIPES = {
    "shipped": (["--epochs", "1.6", "--max-length", "128", "--lr", "5e-5"], [(40, 160)]),
    "long": (["--epochs", "3", "--max-length", "256", "--lr", "5e-5", "--max-distractors", "8"],
             [(40, 160), (100, 256)]),
    "summary": (["--epochs", "3", "--max-length", "256", "--lr", "5e-5", "--max-distractors", "8",
                 "--summary-style"], [(40, 160), (100, 256)]),
    "summary-more": (["--epochs", "2", "--max-length", "256", "--lr", "5e-5", "--max-distractors", "8",
                      "--summary-style", "--hidden", "16000", "--synthetic", "32000"], [(40, 160), (100, 256)]),
    "summary-5ep": (["--epochs", "5", "--max-length", "256", "--lr", "5e-5", "--max-distractors", "8",
                     "--summary-style"], [(40, 160), (100, 256)]),
}
QUICK = ["--max-examples", "64", "--eval-examples", "20"]
PART = 15 * 1024 * 1024


def run(cmd: list[str], log: Path, deadline: float) -> bool:
    """Run ``cmd`` appending to ``log``; False when it failed or ran into the deadline."""
    left = deadline - time.monotonic()
    if left < 5:
        with log.open("a") as f:
            f.write(f"skipped (deadline): {' '.join(cmd)}\n")
        return False
    with log.open("a") as f:
        f.write(f"$ {' '.join(cmd)}\n")
        f.flush()
        try:
            done = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT, timeout=left)
        except subprocess.TimeoutExpired:
            f.write("stopped at the deadline\n")
            return False
        f.write(f"exit {done.returncode}\n")
    return done.returncode == 0


def recipe(name: str, args, deadline: float) -> list[dict]:
    """Train one recipe, then calibrate and measure it at each window size; one result per window."""
    train_args, windows = RECIPES[name]
    work, py = Path(args.work), sys.executable
    folder, log = work / name, work / f"{name}.log"
    extra = QUICK if args.quick else []
    trained = run([py, "-m", "finetune.verifier", "--base", args.base, "--data", args.nli, "--device", args.device,
                   "--out", str(folder), *train_args, *extra], log, deadline)
    results = []
    for words, tokens in windows:
        result = {"recipe": name, "train_args": train_args, "window_words": words, "max_length": tokens,
                  "trained": trained}
        results.append(result)
        if not trained:
            continue
        variant = work / f"{name}-w{words}"
        shutil.rmtree(variant, ignore_errors=True)
        shutil.copytree(folder, variant, copy_function=os.link)
        result["folder"] = str(variant)
        result["calibrated"] = run([py, "-m", "finetune.calibrate", "--model", str(variant), "--window-words",
                                    str(words), "--max-length", str(tokens), "--grounding", args.grounding,
                                    "--nli", args.nli, "--soft-overlap-model", args.soft_overlap_model],
                                   log, deadline)
        if not result["calibrated"]:
            continue
        measured = work / f"{name}-w{words}.eval.json"
        result["measured"] = run([py, "-m", "finetune.evaluate_checker", "--backends", "trained", "--trained-model",
                                  str(variant), "--data", args.grounding, "--fever",
                                  str(Path(args.nli) / "fever_symmetric_test.jsonl"), "--out", str(measured)],
                                 log, deadline)
        calibration = json.loads((variant / "calibration.json").read_text())
        aucs = calibration["calibration_auc"]  # at the weights calibration chose
        result["calibration"] = calibration
        result["calibration_mean_auc"] = sum(aucs.values()) / len(aucs)
        result["training"] = json.loads((variant / "training.json").read_text())
        if result["measured"]:
            result["grounding"] = json.loads(measured.read_text())["trained"]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="minilm", help="what finetune.verifier --base takes (folder, id, minilm)")
    parser.add_argument("--nli", default=str(ROOT.parent / "shared" / "data" / "nli"))
    parser.add_argument("--grounding", default=str(ROOT.parent / "shared" / "data" / "grounding"))
    parser.add_argument("--work", required=True, help="scratch folder for the trained models and logs")
    parser.add_argument("--out", required=True, help="folder for sweep.json, log.txt and the pick's weights")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--soft-overlap-model", default="minilm",
                        help="finetune.calibrate's encoder for the soft overlap (a folder where the packaged "
                             "MiniLM is not installed; set calibration.json's soft_overlap_model back to "
                             "minilm when the pick comes home)")
    parser.add_argument("--recipes", default=",".join(RECIPES))
    parser.add_argument("--deadline", type=float, default=420, help="seconds; later runs are stopped")
    parser.add_argument("--quick", action="store_true", help="64 training pairs: a smoke test (with a small --grounding)")
    args = parser.parse_args(argv)
    names = args.recipes.split(",")
    unknown = [n for n in names if n not in RECIPES]
    if unknown:
        parser.error(f"unknown recipe {', '.join(unknown)}; known: {', '.join(RECIPES)}")
    start = time.monotonic()
    deadline = start + args.deadline
    work, out = Path(args.work), Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(len(names)) as pool:
        results = [r for rs in pool.map(lambda n: recipe(n, args, deadline), names) for r in rs]
    done = [r for r in results if "calibration_mean_auc" in r]
    pick = max(done, key=lambda r: r["calibration_mean_auc"], default=None)
    report = {"seconds": time.monotonic() - start, "results": results,
              "pick": pick and {"recipe": pick["recipe"], "window_words": pick["window_words"]}}
    if pick:
        folder = Path(pick["folder"])
        data = (folder / "model.safetensors").read_bytes()
        report["pick"]["parts"] = []
        for n, at in enumerate(range(0, len(data), PART)):
            (out / f"model.safetensors.part{n}").write_bytes(data[at:at + PART])
            report["pick"]["parts"].append(f"model.safetensors.part{n}")
        report["pick"]["config"] = json.loads((folder / "config.json").read_text())
    for r in results:
        r.pop("folder", None)
    (out / "sweep.json").write_text(json.dumps(report, indent=2) + "\n")
    with (out / "log.txt").open("w") as f:
        for name in names:
            lines = (work / f"{name}.log").read_text(errors="replace").splitlines() if (work / f"{name}.log").exists() else []
            f.write(f"== {name} ({len(lines)} lines; last 60)\n" + "\n".join(lines[-60:]) + "\n")
    for r in results:
        g = r.get("grounding", {})
        print(f"{r['recipe']:13s} w{r['window_words']:<4d} calibration mean AUC {r.get('calibration_mean_auc', float('nan')):.4f}"
              + "".join(f"  {k} {g[k]['roc_auc']:.3f}" for k in sorted(g) if isinstance(g[k], dict) and "roc_auc" in g[k]))
    print(f"pick: {report['pick'] and {k: report['pick'][k] for k in ('recipe', 'window_words')}}  "
          f"{report['seconds']:.0f} s")
    return 0 if pick else 1


if __name__ == "__main__":
    sys.exit(main())
