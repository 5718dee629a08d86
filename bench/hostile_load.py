"""Hostile load on ``assistant serve``: many clients, some of them rude, for a while; then is it
still well? Writes JSON.

    python bench/hostile_load.py [--clients 20] [--seconds 300] [--model smollm2]
                                 [--out bench/results/hostile_load.json]

Starts ``assistant serve`` (the packaged model named by ``--model``, with the checker) in a
process of its own, in a temporary data home that reuses the real one's converted and
exported models. Measures a normal request alone (the reference, three times), then runs
``--clients`` threads for ``--seconds``, each picking at random, again and again:

- ``chat``: a normal short chat completion, whole;
- ``stream``: the same, streamed to the end;
- ``leave_waiting`` / ``leave_streaming``: a streamed request whose client hangs up before
  the first piece, or after it;
- ``huge``: 10,000 messages, or 1 MB of evidence to ``/v1/check`` (413 expected);
- ``bad_json``: a body that is not JSON, or nested 100,000 deep (400 expected);
- ``check``: a normal ``/v1/check`` of two claims.

Every reply's status is counted per kind (503 means the line was full or the wait too long:
the server saying so, not failing). Afterwards the same normal request is timed again, and
the result says whether any 500 appeared, whether the server is still up, and the ratio of
the normal request's time after the load to before it (medians of 5, with the machine's load
average beside them: other jobs on the cores slow both).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, ROOT, free_port, write_result  # noqa: E402

QUESTION = {"role": "user", "content": "What is the capital of France? Answer in one sentence."}


def start_server(model: str, port: int, home: Path) -> subprocess.Popen:
    import httpx

    env = {**os.environ, "ASSISTANT_HOME": str(home)}
    server = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port), "--model", model,
                               "--max-new-tokens", "32", "--max-waiting", "16", "--max-wait", "60", "-q"],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 600
    while True:
        if server.poll() is not None:
            raise SystemExit(f"assistant serve exited: {server.stdout.read()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=5).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.time() > deadline:
            server.kill()
            raise SystemExit("assistant serve did not come up within 10 minutes")
        time.sleep(0.5)


def normal(url: str) -> float:
    import httpx

    start = time.perf_counter()
    reply = httpx.post(url + "/chat/completions", json={"model": "m", "messages": [QUESTION]}, timeout=300)
    reply.raise_for_status()
    return time.perf_counter() - start


def one(kind: str, url: str) -> str:
    """One request of ``kind``; its outcome as a short string (the status code, or what happened)."""
    import httpx

    chat = {"model": "m", "messages": [QUESTION]}
    try:
        if kind == "chat":
            return str(httpx.post(url + "/chat/completions", json=chat, timeout=120).status_code)
        if kind == "stream":
            with httpx.stream("POST", url + "/chat/completions", json={**chat, "stream": True}, timeout=120) as r:
                text = "".join(r.iter_text())
                return str(r.status_code) + ("" if "[DONE]" in text or r.status_code != 200 else " unfinished")
        if kind in ("leave_waiting", "leave_streaming"):
            with httpx.stream("POST", url + "/chat/completions", json={**chat, "stream": True}, timeout=120) as r:
                if kind == "leave_streaming":
                    for _ in r.iter_lines():
                        break
                return str(r.status_code)
        if kind == "huge":
            if random.random() < 0.5:
                body = {"model": "m", "messages": [QUESTION] * 10_000}
                return str(httpx.post(url + "/chat/completions", json=body, timeout=120).status_code)
            body = {"items": [{"id": 1, "claim": "Paris is in France.", "evidence": "France " * 150_000}]}
            return str(httpx.post(url + "/check", json=body, timeout=120).status_code)
        if kind == "bad_json":
            body = b"{not json" if random.random() < 0.5 else b'{"messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
            return str(httpx.post(url + "/chat/completions", content=body, timeout=120).status_code)
        if kind == "check":
            body = {"items": [{"id": 1, "claim": "Paris is the capital of France.",
                               "evidence": "Paris is the capital and largest city of France."},
                              {"id": 2, "claim": "Paris is in Spain.", "evidence": "Paris is a city in France."}]}
            return str(httpx.post(url + "/check", json=body, timeout=120).status_code)
    except httpx.TimeoutException:
        return "client timeout"
    except httpx.TransportError as err:
        return f"transport error: {type(err).__name__}"
    raise ValueError(kind)


KINDS = {"chat": 3, "stream": 2, "leave_waiting": 2, "leave_streaming": 2, "huge": 2, "bad_json": 2, "check": 2}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--model", default="smollm2", help="the served model (a small one keeps the load on the server)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "hostile_load.json"))
    args = parser.parse_args()

    from core.home import data_home

    home = Path(tempfile.mkdtemp(prefix="bench-hostile-load-"))
    shared = data_home() / "models"
    shared.mkdir(parents=True, exist_ok=True)  # a fresh machine has none yet: a link to nothing cannot be made a folder
    (home / "models").symlink_to(shared)
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    server = start_server(args.model, port, home)
    try:
        normal(url)  # warm-up
        load_before = os.getloadavg()[0]
        before = [normal(url) for _ in range(5)]
        outcomes: dict[str, Counter] = defaultdict(Counter)
        lock = threading.Lock()
        stop_at = time.time() + args.seconds
        kinds, weights = zip(*KINDS.items())

        def client(n: int) -> None:
            rng = random.Random(args.seed * 1000 + n)
            while time.time() < stop_at:
                kind = rng.choices(kinds, weights)[0]
                outcome = one(kind, url)
                with lock:
                    outcomes[kind][outcome] += 1

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.seconds + 300)
        ran = time.perf_counter() - start
        alive = server.poll() is None
        time.sleep(5)  # the last rude clients' answers wind down
        load_after = os.getloadavg()[0]
        after = [normal(url) for _ in range(5)] if alive else []
    finally:
        server.terminate()
        try:
            log = server.communicate(timeout=30)[0] or ""
        except subprocess.TimeoutExpired:
            server.kill()
            log = ""
    statuses = Counter()
    for counter in outcomes.values():
        statuses.update(counter)
    result = {
        "model": args.model, "clients": args.clients, "seconds": round(ran, 1), "weights": KINDS,
        "requests": sum(statuses.values()), "outcomes": {k: dict(v) for k, v in sorted(outcomes.items())},
        "errors_500": sum(n for s, n in statuses.items() if s.startswith("5") and s != "503"),
        "server_alive_after": alive,
        "normal_request_s_before": round(statistics.median(before), 3),
        "normal_request_s_after": round(statistics.median(after), 3) if after else None,
        "after_vs_before": round(statistics.median(after) / statistics.median(before), 2) if after else None,
        "server_log_tracebacks": log.count("Traceback"),
        "load_average_1min_before_after": [round(load_before, 2), round(load_after, 2)],  # other jobs on the machine
        "threads": len(os.sched_getaffinity(0)),
    }
    write_result(args.out, result)
    print(json.dumps(result, indent=2))
    return 0 if alive and result["errors_500"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
