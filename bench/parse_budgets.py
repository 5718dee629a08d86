"""What a hostile file costs the indexer now: time and peak memory of a batch that holds one
hostile file and one good file, against the good file alone. Writes JSON.

    python bench/parse_budgets.py [--cases xml-bomb.docx,shared-stream.pdf] [--out bench/results/parse_budgets.json]

Each batch runs in a fresh process (``DocumentIndex.add`` of a folder, the default
``IndexConfig``, the packaged embedder loaded before the clock starts), so the peak resident
memory is that batch's: the app's process, and the largest parsing worker it started. The
hostile files are ``tests/hostile.py``'s (a 3 MB .docx of 990 MB of XML; an 88 KB PDF whose
120 pages share one 70 MB content stream). Goal (issue 22): each under 30 s and 1.5 GB, the
good file added.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, ROOT, write_result  # noqa: E402

BATCH = r"""
import json, resource, sys, time
from pathlib import Path
from core.config import IndexConfig
from index.documents import DocumentIndex
folder = Path(sys.argv[1])
index = DocumentIndex(IndexConfig(), root=folder.parent / "index")
index.embedder  # loaded before the clock starts: the time is the batch's
start = time.monotonic()
report = index.add([folder])
print(json.dumps({
    "seconds": round(time.monotonic() - start, 2),
    "app_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "worker_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    "added": [Path(d.source).name for d in index.documents()],
    "skipped": [[Path(p).name, reason] for p, reason in report.skipped],
}))
"""


def batch(folder: Path) -> dict:
    run = subprocess.run([sys.executable, "-c", BATCH, str(folder)], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    if run.returncode != 0:
        raise SystemExit(f"the batch in {folder} failed: {run.stderr[-2000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="xml-bomb.docx,shared-stream.pdf")
    parser.add_argument("--out", default=str(RESULTS / "parse_budgets.json"))
    args = parser.parse_args()
    from core.limits import LIMITS
    from tests.hostile import UPLOADS

    work = Path(tempfile.mkdtemp(prefix="bench-parse-budgets-"))
    good = "# Pumps\n\nThe pump runs at 40 litres a minute."
    reference_folder = work / "reference" / "batch"
    reference_folder.mkdir(parents=True)
    (reference_folder / "good.md").write_text(good)
    reference = batch(reference_folder)
    result = {"limits": {"parse_seconds": LIMITS.parse_seconds, "parse_memory_mb": LIMITS.parse_memory_mb},
              "reference_good_file_alone": reference, "cases": {}}
    for name in args.cases.split(","):
        folder = work / name / "batch"
        folder.mkdir(parents=True)
        UPLOADS[name].make(folder / name)
        (folder / "good.md").write_text(good)
        measured = batch(folder)
        measured["file_bytes"] = (folder / name).stat().st_size
        measured["good_file_added"] = "good.md" in measured["added"]
        measured["peak_mb_vs_reference"] = round(max(measured["app_peak_mb"], measured["worker_peak_mb"])
                                                 / reference["app_peak_mb"], 2)
        result["cases"][name] = measured
        print(name, json.dumps(measured), file=sys.stderr, flush=True)
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
