"""Load on the browser app: concurrent chat sessions, each uploading a document and asking
about it, over HTTP on loopback; writes JSON.

    python bench/load.py [--sessions 20] [--questions 2] [--waves 2] [--max-new-tokens 32]
                         [--url URL] [--out bench/results/load.json]

Without ``--url`` it starts ``app.py`` (the real packaged model, the trained verifier) on a
free port with a fresh data home, and also reads the server's memory (VmRSS) after each
wave. Every session is its own client (its own Gradio session): it uploads a document
through the page's ``add_documents`` endpoint, then asks ``--questions`` questions through
``chat``. Reported: errors (there should be none), turns answered, per-question latency
percentiles, upload latency, and the server's memory after each wave (the second wave
should not grow it much: nothing per session is kept past the session).
``tests/test_load.py`` runs the same driver against an in-process page with a fast fake
model, so the test is about the app's concurrency, not the model's speed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, ROOT, free_port, write_result  # noqa: E402

NAMES = [a + b + c for c in ("", "ika", "ossa") for a in ("Zor", "Kel", "Vam", "Tru", "Pex", "Mor", "Lin", "Qua", "Dov", "Sil")
         for b in ("blat", "dranix", "vexor", "tiquel", "sornet")]  # 150 made-up companies
CITIES = ["Bergen", "Lyon", "Porto", "Graz", "Turku", "Ghent", "Brno"]


def document(folder: Path, wave: int, number: int) -> tuple[Path, str, str]:
    """A small document only this session knows about, a question it answers, and the answer's key word."""
    at = wave * 20 + number
    name, city = NAMES[at % len(NAMES)] + ("" if at < len(NAMES) else f" {at // len(NAMES)}"), CITIES[at % 7]
    path = folder / f"company-{wave}-{number}.txt"
    path.write_text(f"{name} Industries\n\nThe head office of {name} Industries is in {city}. "
                    f"{name} employs {40 + number} people and opened in {1990 + number}.")
    return path, f"Where is the head office of {name} Industries?", f"{name} Industries is in {city}"


def session(url: str, path: Path, questions: list[str], auth=None) -> dict:
    from gradio_client import Client, handle_file

    from assistant.ui.chat import text_of

    client = Client(url, verbose=False, auth=auth)
    start = time.perf_counter()
    added = client.predict([handle_file(str(path))], api_name="/add_documents")[0]
    upload_s = time.perf_counter() - start
    latencies, answers = [], []
    for question in questions:
        start = time.perf_counter()
        shown = client.predict(question, 5, None, 0.5, 64, api_name="/chat")[0]
        latencies.append(time.perf_counter() - start)
        answers.append(text_of(shown[-1]["content"]) if shown else "")
    return {"added": added, "upload_s": upload_s, "latencies": latencies, "answers": answers}


def wave(url: str, folder: Path, number: int, sessions: int, questions: int, auth=None) -> dict:
    """``sessions`` clients at once; each uploads its document and asks ``questions`` questions."""
    jobs, errors, results = [], [], []
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        for i in range(sessions):
            path, question, city = document(folder, number, i)
            jobs.append((city, pool.submit(session, url, path, [question] * questions, auth)))
        for city, job in jobs:
            try:
                results.append({**job.result(timeout=900), "expected": city})
            except Exception as err:  # counted and reported: a load test's result is its errors
                errors.append(f"{type(err).__name__}: {err}")
    latencies = sorted(x for r in results for x in r["latencies"])
    uploads = sorted(r["upload_s"] for r in results)

    def pct(values, q):
        return round(values[min(len(values) - 1, int(q * len(values)))], 3) if values else None

    grounded = sum(r["expected"] in a for r in results for a in r["answers"])
    return {"sessions": sessions, "turns": len(latencies), "errors": errors, "grounded_answers": grounded, "wall_s": round(time.perf_counter() - start, 2),
            "latency_p50_s": pct(latencies, 0.5), "latency_p95_s": pct(latencies, 0.95),
            "latency_max_s": pct(latencies, 1.0), "upload_p50_s": pct(uploads, 0.5),
            "upload_max_s": pct(uploads, 1.0), "results": results}


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def start_app(home: Path, max_new_tokens: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "ASSISTANT_HOME": str(home), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port),
                             "--max-new-tokens", str(max_new_tokens)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    import httpx

    url = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited: {proc.stderr.read()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("app.py did not start in 300 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--questions", type=int, default=2)
    parser.add_argument("--waves", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--url", help="an app already running (no memory figures then)")
    parser.add_argument("--out", default=str(RESULTS / "load.json"))
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    proc, url = (None, args.url) if args.url else start_app(folder / "home", args.max_new_tokens)
    try:
        memory = [rss_mb(proc.pid)] if proc else []
        waves = []
        for number in range(args.waves):
            result = wave(url, folder, number, args.sessions, args.questions)
            result.pop("results")
            waves.append(result)
            if proc:
                memory.append(rss_mb(proc.pid))
            print(f"wave {number}: {result['turns']} turns, {len(result['errors'])} errors, "
                  f"p50 {result['latency_p50_s']} s, p95 {result['latency_p95_s']} s", file=sys.stderr)
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=60)
    write_result(args.out, {
        "sessions_per_wave": args.sessions, "questions_per_session": args.questions,
        "max_new_tokens": args.max_new_tokens, "waves": waves,
        "server_rss_mb": [round(m, 1) for m in memory], "errors": sum(len(w["errors"]) for w in waves),
        "median_turn_s": statistics.median([w["latency_p50_s"] for w in waves if w["latency_p50_s"] is not None])
        if waves else None,
    })
    return 1 if any(w["errors"] for w in waves) else 0


if __name__ == "__main__":
    sys.exit(main())
