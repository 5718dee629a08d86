"""Load: 20 browser sessions at once, each uploading a document and asking about it, over HTTP.

The page runs in this process with a fast fake model (so this measures the app, not the
model: ``python bench/load.py`` does the same against ``app.py`` with the real one), the
real index and embedder, the shipped verifier, and a real flag log. Two waves of 20
sessions: no errors, every turn logged once under its own session, every document
indexed, and the second wave does not grow memory the way a leak would.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from assistant.config import GenerationConfig, IndexConfig
from assistant.log import FlagLog
from bench.load import rss_mb, wave
from index.documents import DocumentIndex

SESSIONS, QUESTIONS, WAVES = 20, 2, 2


class QuickChat:
    """Answers from the passages it was given (the first one's first sentence), streamed in pieces."""

    name, generation, loaded = "quick", GenerationConfig(), SimpleNamespace(device="cpu")

    def stream(self, messages, generation=None):
        user = messages[-1]["content"]
        passage = user.split("[1] ", 1)[1].split("\n")[0] if "[1] " in user else "I don't know."
        answer = passage.split(") ", 1)[-1].split(". ")[0] + ". [1]"
        for word in answer.split(" "):
            time.sleep(0.002)
            yield word + " "

    def with_generation(self, **changes):
        return GenerationConfig(**changes)


@pytest.mark.load
def test_twenty_sessions_with_uploads_at_once(tmp_path, embedder, assistant_home):
    from app import build_demo, serve
    from assistant.checker import make_checker
    from assistant.config import CheckerConfig
    from tests.test_ui_chat import free_port

    index = DocumentIndex(IndexConfig(batch_size=8), root=assistant_home / "index", embedder=embedder)
    log = FlagLog(assistant_home / "log.sqlite")
    checker = make_checker(CheckerConfig(), index)
    demo = build_demo(QuickChat(), index, checker, log, CheckerConfig())
    port = free_port()
    serve(demo, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        waves, memory = [], [rss_mb()]
        for number in range(WAVES):
            result = wave(url, tmp_path, number, SESSIONS, QUESTIONS)
            waves.append(result)
            memory.append(rss_mb())
    finally:
        demo.close()
    print(f"load: waves {[r['wall_s'] for r in waves]} s, p95 {[r['latency_p95_s'] for r in waves]} s, "
          f"rss {[round(m) for m in memory]} MB")
    for result in waves:
        assert result["errors"] == [] and result["turns"] == SESSIONS * QUESTIONS
        for session in result["results"]:
            assert session["added"].startswith("**1 added"), session["added"]
    # each session's answers came from its own document, checked and marked supported
    for result in waves:
        for session in result["results"]:
            assert all(session["expected"] in a and 'class="v-supported"' in a for a in session["answers"])
    # every turn logged once, each under its own browser session
    turns = [log.turn(t) for t in log.turn_ids()]
    assert len(turns) == WAVES * SESSIONS * QUESTIONS
    sessions = {t.session for t in turns}
    assert len(sessions) == WAVES * SESSIONS and all(s.startswith("web:") for s in sessions)
    assert len(index.documents()) == WAVES * SESSIONS
    # memory: the first wave warms caches; the second must not add as much again
    first, second = memory[1] - memory[0], memory[2] - memory[1]
    assert second < max(0.5 * first, 64), memory
    log.close()
    index.close()
