"""The flag log: migrations, one transaction per turn, reviews, filters, concurrent writers, SIGKILL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.checking.checker import Checker, Evidence
from assistant.flags.log import MIGRATIONS, FlagLog
from core.db import applied_migrations
from core.errors import InputError
from tests.test_checker import FakeVerifier

ROOT = Path(__file__).resolve().parents[1]
PASSAGES = [Evidence("Acme was founded in 1999. The head office is in Bergen.", "Acme", "d1", 2, 0, 56),
            Evidence("The canteen is not open on Sundays.", "Rules", "d2", None, 0, 35)]
ANSWER = "Hello! The head office is in Bergen [1]. The canteen is open on Sundays. Acme has 9 staff."


def checked_turn(log: FlagLog, session: str = "s1", question: str = "Tell me about Acme") -> str:
    report = Checker(FakeVerifier()).check_answer(ANSWER, question, PASSAGES)
    return log.log_turn(session=session, question=question, answer=ANSWER, model="fake-model",
                        generation={"max_new_tokens": 64, "do_sample": False}, passages=PASSAGES, report=report)


def test_migrations_apply_once_on_an_in_memory_database():
    log = FlagLog(":memory:")
    assert applied_migrations(log.db) == list(range(1, len(MIGRATIONS) + 1))
    tables = {r[0] for r in log.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"turns", "passages", "statements", "reviews", "corrections"} <= tables


def test_a_turn_is_stored_with_its_passages_statements_and_verdicts(database, tmp_path):
    log = FlagLog(database or tmp_path / "log.sqlite")
    turn = log.turn(checked_turn(log))
    assert turn.question == "Tell me about Acme" and turn.answer == ANSWER and turn.model == "fake-model"
    assert turn.generation == {"max_new_tokens": 64, "do_sample": False}
    assert turn.verifier == "fake" and turn.verifier_version == "1"
    assert [p["title"] for p in turn.passages] == ["Acme", "Rules"] and turn.passages[0]["page"] == 2
    assert "Bergen" in turn.passages[0]["text"]  # a snapshot, not a reference
    labels = [s.label for s in turn.statements]
    assert labels == ["not_a_claim", "supported", "contradicted", "unsupported"]
    for s in turn.statements:
        assert ANSWER[s.start:s.end] == s.text
    contradicted = turn.statements[2]
    assert contradicted.evidence_title == "Rules" and "not open" in contradicted.evidence
    assert abs(sum(contradicted.probs) - 1) < 1e-6
    assert [s.label for s in turn.flagged] == ["contradicted", "unsupported"]


def test_reviews_and_corrections(database, tmp_path):
    log = FlagLog(database or tmp_path / "log.sqlite")
    turn_id = checked_turn(log)
    contradicted, unsupported = log.flags()
    log.review(contradicted.id, "confirmed", correction="The head office is in Bergen [1].")
    log.review(unsupported.id, "rejected", note="the staff count is on the website")
    turn = log.turn(turn_id)
    assert [(s.label, s.decision) for s in turn.flagged] == [("contradicted", "confirmed"),
                                                             ("unsupported", "rejected")]
    assert turn.correction == "The head office is in Bergen [1]." and turn.correction_origin == "person"
    log.review(unsupported.id, "confirmed")  # a second review replaces the first
    assert log.turn(turn_id).flagged[1].decision == "confirmed"
    supported = next(s for s in turn.statements if s.label == "supported")
    with pytest.raises(InputError, match="not flagged"):
        log.review(supported.id, "confirmed")
    with pytest.raises(InputError, match="confirmed or rejected"):
        log.review(unsupported.id, "maybe")
    with pytest.raises(InputError, match="no statement 999"):
        log.review(999, "confirmed")


def test_flag_filters(database, tmp_path):
    log = FlagLog(database or tmp_path / "log.sqlite")
    checked_turn(log)
    middle = time.time()
    checked_turn(log, session="s2")
    assert len(log.flags()) == 4
    assert [f.label for f in log.flags(label="contradicted")] == ["contradicted"] * 2
    assert len(log.flags(since=middle)) == 2 and len(log.flags(until=middle)) == 2
    first = log.flags()[0]
    log.review(first.id, "confirmed")
    assert [f.id for f in log.flags(reviewed=True)] == [first.id]
    assert len(log.flags(reviewed=False)) == 3
    assert len(log.flags(doc_id="d2")) == 4  # every turn had d2 among its passages
    assert log.flags(doc_id="nope") == []
    with pytest.raises(InputError, match="not 'supported'"):
        log.flags(label="supported")


def test_feedback(database, tmp_path):
    log = FlagLog(database or tmp_path / "log.sqlite")
    turn_id = checked_turn(log)
    log.feedback(turn_id, up=False)
    assert log.turn(turn_id).feedback == -1
    with pytest.raises(InputError, match="no turn"):
        log.feedback("missing", up=True)


WRITER = """
import sys
from assistant.flags.log import FlagLog
from tests.test_log import checked_turn
log = FlagLog(sys.argv[1])
for n in range(int(sys.argv[2])):
    checked_turn(log, session=sys.argv[3])
    print(n, flush=True)
"""


def test_concurrent_writers_lose_no_turns(database, tmp_path):
    path = database or tmp_path / "log.sqlite"
    FlagLog(path).close()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), "25", f"p{n}"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for n in range(4)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    log = FlagLog(path)
    assert log.counts()["turns"] == 100
    sessions = [r[0] for r in log.db.execute("SELECT session FROM turns")]
    assert sorted(set(sessions)) == ["p0", "p1", "p2", "p3"] and all(sessions.count(s) == 25 for s in set(sessions))
    assert log.db.execute("SELECT COUNT(*) FROM statements").fetchone()[0] == 100 * 4


def test_sigkill_while_writing_keeps_every_committed_turn(database, tmp_path):
    path = database or tmp_path / "log.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), "100000", "killed"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    committed = -1
    for line in proc.stdout:  # each printed number is a committed turn
        committed = int(line)
        if committed >= 40:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    log = FlagLog(path)
    if database is None:
        assert log.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    turns = log.counts()["turns"]
    assert turns >= committed + 1  # every turn reported committed is there (one more may have landed)
    # and every stored turn is whole: its four statements and two passages
    assert log.db.execute("SELECT COUNT(*) FROM statements").fetchone()[0] == 4 * turns
    assert log.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0] == 2 * turns


def test_threads_sharing_one_log_lose_no_turns(database, tmp_path):
    """The web page logs from several worker threads through one FlagLog."""
    import threading

    log = FlagLog(database or tmp_path / "log.sqlite")
    errors = []

    def write(n):
        try:
            for i in range(5):
                checked_turn(log, session=f"t{n}", question=f"q{n}-{i}")
                log.counts()
        except Exception as err:  # collected, asserted below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(log.turn_ids()) == 30
    log.close()


def test_turn_headings_read_many_turns_in_chunks_without_loading_them(database, tmp_path):
    log = FlagLog(database or tmp_path / "log.sqlite")
    ids = [checked_turn(log, question=f"Question {n}") for n in range(620)]
    headings = log.turn_headings([*ids, ids[0]])
    assert len(headings) == 620 and headings[ids[619]][1] == "Question 619"
    assert headings[ids[3]][0] == log.turn(ids[3]).created_at
    assert log.turn_headings([]) == {}


def test_select_in_asks_in_chunks_and_misses_no_row():
    import sqlite3

    from core.db import select_in

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(n, f"v{n}") for n in range(10)])
    asked = []
    conn.set_trace_callback(asked.append)
    rows = select_in(conn, "SELECT id, v FROM t WHERE id IN ({})", [1, 3, 4, 8, 9, 42], size=4)
    assert sorted(rows) == [(1, "v1"), (3, "v3"), (4, "v4"), (8, "v8"), (9, "v9")]
    assert len([q for q in asked if q.startswith("SELECT")]) == 2
    assert select_in(conn, "SELECT id FROM t WHERE id IN ({})", []) == []
