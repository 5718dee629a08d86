"""Load: 20 browser sessions at once, each uploading a document and asking about it, over HTTP.

The page runs in a process of its own (``tests/load_app.py``: a fast fake model, so this
measures the app, not the model; ``python bench/load.py`` does the same against
``app.py`` with the real one), with the real index and embedder, the shipped verifier and
a real flag log. Three waves of 20 sessions: no errors, every turn logged once under its
own session, every document indexed, each answer drawn from its own session's document;
and the server's memory levels off (a leak grows by the same amount every wave; warming
up only in the first).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.flags.log import FlagLog
from bench.load import rss_mb, wave
from tests.test_ui_chat import free_port

SESSIONS, QUESTIONS, WAVES = 20, 2, 3
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.load
def test_twenty_sessions_with_uploads_at_once(tmp_path, assistant_home):
    port = free_port()
    env = {**os.environ, "ASSISTANT_HOME": str(assistant_home)}
    server = subprocess.Popen([sys.executable, "-m", "tests.load_app", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready", server.stderr.read()[-3000:]
        url = f"http://127.0.0.1:{port}/"
        waves, memory = [], [rss_mb(server.pid)]
        for number in range(WAVES):
            waves.append(wave(url, tmp_path, number, SESSIONS, QUESTIONS))
            memory.append(rss_mb(server.pid))
    finally:
        server.terminate()
        server.wait(timeout=60)
    print(f"load: waves {[r['wall_s'] for r in waves]} s, p95 {[r['latency_p95_s'] for r in waves]} s, "
          f"server rss {[round(m) for m in memory]} MB")
    for result in waves:
        assert result["errors"] == [] and result["turns"] == SESSIONS * QUESTIONS
        for session in result["results"]:
            assert session["added"].startswith("**1 added"), session["added"]
            # the answers came from this session's own document, checked and marked supported
            for answer in session["answers"]:
                assert session["expected"] in answer and 'class="v-supported"' in answer, (session["expected"], answer)
    # every turn logged once, each under its own browser session
    log = FlagLog(assistant_home / "log.sqlite")
    turns = [log.turn(t) for t in log.turn_ids()]
    log.close()
    assert len(turns) == WAVES * SESSIONS * QUESTIONS
    sessions = {t.session for t in turns}
    assert len(sessions) == WAVES * SESSIONS and all(s.startswith("web:") for s in sessions)
    db = sqlite3.connect(assistant_home / "index" / "index.sqlite")
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == WAVES * SESSIONS
    db.close()
    # memory levels off: the last wave adds well under what the first did
    first, last = memory[1] - memory[0], memory[-1] - memory[-2]
    assert last < 0.5 * first + 32, memory
