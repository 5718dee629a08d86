"""The verifier trained the same way in float32 and in bfloat16 (``finetune.verifier --precision``):
seconds per step, the loss at every 50 steps and the held-out accuracies, written as JSON.

    ASSISTANT_HOME=... python bench/experiments/train_precision.py [--examples 19200] [--work DIR] [--out FILE]

Both runs start from the packaged MiniLM base with the same seed and data (the NLI recipe, the
first ``--examples`` pairs, 160 tokens, batches of 32). A run whose folder under ``--work``
already holds a ``training.json`` is read, not trained again. Run it on a quiet machine: the
seconds are the reference's only where nothing else ran beside either run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from contextlib import redirect_stderr
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

LOSS = re.compile(r"^step (\d+)/\d+  loss ([0-9.]+)", re.M)


def run(precision: str, examples: int, folder: Path) -> dict:
    """The training record of ``folder``, training it first if it has none; with its logged losses."""
    from finetune import verifier

    log = folder / "train.log"
    if not (folder / "training.json").is_file():
        buffer = StringIO()
        with redirect_stderr(buffer):
            code = verifier.main(["--max-examples", str(examples), "--eval-examples", "1000", "--max-length", "160",
                                  "--precision", precision, "--out", str(folder)])
        log.write_text(buffer.getvalue())
        if code:
            raise SystemExit(f"finetune.verifier --precision {precision} failed ({code}); see {log}")
    record = json.loads((folder / "training.json").read_text())
    text = log.read_text() if log.is_file() else ""
    return {"precision": record.get("precision", precision), "steps": record["steps"],
            "train_seconds": record["train_seconds"], "seconds_per_step": record["train_seconds"] / record["steps"],
            "loss_every_50_steps": {int(s): float(v) for s, v in LOSS.findall(text)},
            "held_out": {name: {k: v for k, v in scores.items() if k != "n"}
                         for name, scores in record["held_out"].items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=19_200)
    parser.add_argument("--work", default=None, help="where the two runs' folders go (default: a temp folder)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "train_precision.json"))
    args = parser.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="train-precision-"))
    runs = {p: run(p, args.examples, work / p) for p in ("float32", "bfloat16")}
    full, half = runs["float32"], runs["bfloat16"]
    result = {
        "examples": args.examples, "runs": runs,
        "speedup_vs_float32": full["seconds_per_step"] / half["seconds_per_step"],
        "largest_loss_difference": max(abs(full["loss_every_50_steps"][s] - half["loss_every_50_steps"][s])
                                       for s in full["loss_every_50_steps"] if s in half["loss_every_50_steps"]),
        "largest_held_out_accuracy_difference": max(
            abs(full["held_out"][name]["accuracy_3way"] - half["held_out"][name]["accuracy_3way"])
            for name in full["held_out"] if name in half["held_out"]),
    }
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"bfloat16 {result['speedup_vs_float32']:.2f}x as fast a step; losses within "
          f"{result['largest_loss_difference']:.4f}, held-out accuracies within "
          f"{result['largest_held_out_accuracy_difference']:.4f}; wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
