"""Two replicas of the page on one PostgreSQL database and one shared uploads folder.

Each replica is a process of its own (``tests/load_app.py``: the real page, index, embedder,
verifier and flag log; a fast fake model) with a data home of its own (its FAISS cache, its
Gradio temp files) and the same ``ASSISTANT_DATABASE_URL`` and ``storage.uploads``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MADE_UP = "Its founder was Napoleon Bonaparte in 1802."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def replicas(postgres_server, tmp_path):
    url = postgres_server.database("replicas")
    uploads = tmp_path / "shared-uploads"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATABASE_URL=url, ASSISTANT_STORAGE_UPLOADS=str(uploads), QUICK_CHAT_ADDS=MADE_UP,
               GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
    procs, urls = [], []
    for name in ("a", "b"):
        port = free_port()
        procs.append(subprocess.Popen([sys.executable, "-m", "tests.load_app", str(port)], cwd=ROOT,
                                      env={**env, "ASSISTANT_HOME": str(tmp_path / name)},
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        urls.append(f"http://127.0.0.1:{port}/")
    try:
        for proc in procs:
            line = proc.stdout.readline()
            assert line.strip() == "ready", proc.stderr.read()[-3000:] if proc.poll() is not None else line
        yield urls, url, uploads, tmp_path
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(timeout=30)


def ask(url: str, question: str) -> str:
    from gradio_client import Client

    from assistant.ui.chat import text_of

    shown = Client(url, verbose=False).predict(question, 5, None, 0.5, 64, api_name="/chat")[0]
    return text_of(shown[-1]["content"])


def test_a_document_added_on_one_replica_is_found_on_the_other_and_flags_land_in_one_log(replicas):
    from gradio_client import Client, handle_file

    (a, b), url, uploads, tmp_path = replicas
    # b answers once before the document exists: its vectors are loaded and cached
    assert "Bergen" not in ask(b, "Where is the head office of Zorblat Corp?")
    doc = tmp_path / "zorblat.md"
    doc.write_text("# Zorblat Corp\n\nZorblat Corp has its head office in Bergen, by the harbour.")
    added = Client(a, verbose=False).predict([handle_file(str(doc))], api_name="/add_documents")[0]
    assert added.startswith("**1 added"), added
    (stored,) = [p for p in uploads.iterdir()]  # the upload is in the shared folder, not in a's data home
    assert not (tmp_path / "a" / "uploads").exists() or not any((tmp_path / "a" / "uploads").iterdir())
    start = time.perf_counter()
    answer = ask(b, "Where is the head office of Zorblat Corp?")  # the first search on b after the add
    seconds = time.perf_counter() - start
    assert "Zorblat Corp has its head office in Bergen" in answer, answer
    print(f"b's first answer after a's upload, found: {seconds:.2f} s (checking included)")
    assert "Bergen" in ask(a, "Where is the head office of Zorblat Corp?")
    # both replicas' answers, and their flags, are in the one log
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATABASE_URL=url, ASSISTANT_HOME=str(tmp_path / "cli"))
    out = tmp_path / "kto.jsonl"
    done = subprocess.run([sys.executable, "-m", "assistant", "flags", "export", "--format", "kto", "--all",
                           "--out", str(out), "-q"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3 and all(MADE_UP in row["completion"][-1]["content"] for row in rows)
    listed = subprocess.run([sys.executable, "-m", "assistant", "flags", "list", "--json", "-q"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    flags = [json.loads(line) for line in listed.stdout.splitlines()]
    assert sum(MADE_UP in f["text"] for f in flags) == 3, flags  # the made-up sentence, flagged, on a and on b
