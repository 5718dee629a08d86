"""How soon the page is up on a fresh data home, and how soon its model is ready. Writes JSON.

    python bench/startup.py [--model NAME] [--out bench/results/startup.json]

Starts ``python app.py`` (what ``make run`` runs) in an empty temporary data home, polls the
page until it answers (``page_up_s``), and reads the app's progress lines until the model says
it is loaded (``model_ready_s``: the join, conversion and export a first start does). Before
issue 24 the page was served only once the model had loaded, so ``model_ready_s`` is also what
a first visitor waited for the page then; ``page_up_vs_model_ready`` is the ratio. Goal: the
page up within 10 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, ROOT, free_port, write_result  # noqa: E402


def main() -> None:
    import httpx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="the model to name (default: the app's default)")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--out", default=str(RESULTS / "startup.json"))
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")},
           "ASSISTANT_HOME": str(home), "GRADIO_ANALYTICS_ENABLED": "False"}
    cmd = [sys.executable, "app.py", "--port", str(port)] + (["--model", args.model] if args.model else [])
    start = time.monotonic()
    app = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines: list[tuple[float, str]] = []
    ready = threading.Event()

    def read() -> None:
        for line in app.stderr:
            lines.append((time.monotonic() - start, line.rstrip()))
            if " is loaded (" in line or " did not load: " in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    page_up = None
    try:
        while page_up is None and time.monotonic() - start < args.timeout:
            if app.poll() is not None:
                raise SystemExit(f"app.py exited: {[line for _, line in lines][-20:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                    page_up = time.monotonic() - start
            except httpx.HTTPError:
                time.sleep(0.2)
        loaded_before_page = ready.is_set()
        ready.wait(args.timeout)
        model_ready = next((t for t, line in lines if " is loaded (" in line), None)
    finally:
        app.terminate()
        app.wait(30)
        shutil.rmtree(home, ignore_errors=True)
    result = {
        "model": args.model or "default",
        "page_up_s": round(page_up, 1) if page_up is not None else None,
        "model_ready_s": round(model_ready, 1) if model_ready is not None else None,
        "page_up_vs_model_ready": round(page_up / model_ready, 3) if page_up and model_ready else None,
        "model_loaded_before_page": loaded_before_page,
        "progress_lines": [f"{t:.1f} s {line}" for t, line in lines if line.startswith("[assistant]")][-30:],
        "goal_page_up_s": 10,
    }
    print(result)
    write_result(args.out, result)


if __name__ == "__main__":
    main()
