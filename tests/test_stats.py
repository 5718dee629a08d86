"""The dashboard's counts over a real flag log: the flagged share by day, flags by document, verdicts, totals."""

import time

import pytest

from assistant.checking.checker import Checker
from assistant.flags import stats
from assistant.flags.log import FlagLog
from core.db import transaction
from tests.test_checker import FakeVerifier
from tests.test_log import ANSWER, checked_turn

EARLIER = time.mktime((2020, 1, 2, 12, 0, 0, 0, 0, -1))  # noon, local time


def day_of(log: FlagLog, turn_id: str) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(log.turn(turn_id).created_at))


@pytest.fixture
def logged(database, tmp_path) -> tuple[FlagLog, str]:
    """Four answers: two checked against passages (one of them logged on an earlier day), one checked
    with no passages (every claim unsupported, no evidence), one not checked; two flags reviewed."""
    log = FlagLog(database or tmp_path / "log.sqlite")
    today = checked_turn(log)  # not_a_claim, supported, contradicted (Rules), unsupported (Acme)
    earlier = checked_turn(log, question="Again?")
    with transaction(log.db):  # as if asked on an earlier day
        log.db.execute("UPDATE turns SET created_at = ? WHERE id = ?", (EARLIER, earlier))
    report = Checker(FakeVerifier()).check_answer(ANSWER, "No passages?", [])
    bare = log.log_turn(session="s", question="No passages?", answer=ANSWER, model="m", generation={}, report=report)
    log.log_turn(session="s", question="Unchecked?", answer="Fine.", model="m", generation={})
    log.review(log.turn(today).flagged[0].id, "confirmed")
    log.review(log.turn(bare).flagged[0].id, "rejected")
    return log, day_of(log, today)


def test_totals(logged):
    log, _ = logged
    totals = stats.totals(log)
    assert totals == stats.Totals(turns=4, checked=9, flagged=7, turns_flagged=3, confirmed=1, rejected=1)
    assert totals.waiting == 5


def test_the_flagged_share_by_day_counts_checked_statements_only(logged):
    log, today = logged
    assert stats.rate_by_day(log) == [stats.DayRate("2020-01-02", pytest.approx(2 / 3), 3),
                                      stats.DayRate(today, pytest.approx(5 / 6), 6)]


def test_flags_by_document_most_first_and_flags_without_evidence_together(logged):
    log, _ = logged
    rows = stats.flags_by_document(log)
    assert rows[0] == stats.DocumentFlags(stats.NO_EVIDENCE, 3)
    assert sorted(rows[1:], key=lambda r: r.document) == [stats.DocumentFlags("Acme", 2),
                                                          stats.DocumentFlags("Rules", 2)]
    assert stats.flags_by_document(log, limit=1) == rows[:1]


def test_the_verdict_mix_counts_every_label_not_a_claim_included(logged):
    log, _ = logged
    assert stats.verdict_mix(log) == [stats.VerdictCount("contradicted", 2), stats.VerdictCount("not_a_claim", 3),
                                      stats.VerdictCount("supported", 2), stats.VerdictCount("unsupported", 5)]


def test_an_empty_log(database, tmp_path):
    log = FlagLog(database or tmp_path / "log.sqlite")
    assert stats.totals(log) == stats.Totals(0, 0, 0, 0, 0, 0)
    assert stats.rate_by_day(log) == stats.flags_by_document(log) == stats.verdict_mix(log) == []
