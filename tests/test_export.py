"""Exports: every format checked against its schema and loaded with ``datasets``; filters; the split."""

import json

import pytest

from assistant.checking.checker import Checker
from assistant.flags.export import FORMATS, export, split_of
from assistant.flags.log import FlagLog
from core.errors import InputError
from tests.test_checker import FakeVerifier
from tests.test_log import ANSWER, PASSAGES, checked_turn

CORRECTED = "The head office is in Bergen [1]. The canteen is not open on Sundays [2]."


@pytest.fixture
def reviewed_log(database, tmp_path):
    """Three turns: one with both flags confirmed and a correction, one with both rejected, one unreviewed."""
    log = FlagLog(database or tmp_path / "log.sqlite")
    bad = checked_turn(log, question="Tell me about Acme")
    good = checked_turn(log, question="What do we know about Acme's offices?")
    checked_turn(log, question="Anything else?")
    for s in log.turn(bad).flagged:
        log.review(s.id, "confirmed", correction=CORRECTED)
    for s in log.turn(good).flagged:
        log.review(s.id, "rejected")
    return log


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def is_message_list(value, roles):
    return (isinstance(value, list) and [m["role"] for m in value] == roles
            and all(isinstance(m["content"], str) and m["content"] for m in value))


def test_sft_rows_are_conversations_ending_in_a_good_answer(reviewed_log, tmp_path):
    report = export(reviewed_log, "sft", tmp_path / "sft.jsonl")
    rows = read(tmp_path / "sft.jsonl")
    assert report.rows == len(rows) == 2 and report.turns_read == 3
    for row in rows:
        assert is_message_list(row["messages"], ["system", "user", "assistant"])
        assert "Passages:" in row["messages"][1]["content"] and "[1] (Acme, page 2)" in row["messages"][1]["content"]
    assert sorted(r["messages"][-1]["content"] for r in rows) == sorted([CORRECTED, ANSWER])


def test_dpo_pairs_the_correction_with_the_flagged_original(reviewed_log, tmp_path):
    export(reviewed_log, "dpo", tmp_path / "dpo.jsonl")
    (row,) = read(tmp_path / "dpo.jsonl")
    assert is_message_list(row["prompt"], ["system", "user"]) and "Tell me about Acme" in row["prompt"][1]["content"]
    assert row["chosen"] == [{"role": "assistant", "content": CORRECTED}]
    assert row["rejected"] == [{"role": "assistant", "content": ANSWER}]


def test_kto_rows_are_unpaired_and_labelled(reviewed_log, tmp_path):
    export(reviewed_log, "kto", tmp_path / "kto.jsonl")
    rows = read(tmp_path / "kto.jsonl")
    assert sorted((r["label"], r["completion"][0]["content"]) for r in rows) == [
        (False, ANSWER), (True, ANSWER), (True, CORRECTED)]
    assert all(is_message_list(r["prompt"], ["system", "user"]) for r in rows)


def test_nli_pairs_come_from_reviewed_statements(reviewed_log, tmp_path):
    export(reviewed_log, "nli", tmp_path / "nli.jsonl")
    rows = read(tmp_path / "nli.jsonl")
    assert sorted(r["label"] for r in rows) == ["contradiction", "entailment", "entailment", "neutral"]
    assert all(r["premise"] and r["hypothesis"] for r in rows)


def test_unreviewed_flags_count_when_asked(reviewed_log, tmp_path):
    export(reviewed_log, "kto", tmp_path / "all.jsonl", reviewed_only=False)
    assert sum(not r["label"] for r in read(tmp_path / "all.jsonl")) == 2


def clean_turn(log, question):
    """A turn whose every claim the checker supported: nothing for a reviewer to look at."""
    answer = "The head office is in Bergen."
    report = Checker(FakeVerifier()).check_answer(answer, question, PASSAGES)
    assert [v.label for v in report.verdicts] == ["supported"]
    return log.log_turn(session="s1", question=question, answer=answer, model="fake-model", generation={},
                        passages=PASSAGES, report=report)


def test_reviewed_only_means_a_person_looked_at_the_answer(database, tmp_path):
    """Issue 24: answers the checker found clean but nobody reviewed came out as SFT targets with
    "Reviewed answers only" ticked. Now a clean answer is a target once a person gave it a thumbs up;
    a thumbs down makes an answer a bad one whatever the checker said."""
    log = FlagLog(database or tmp_path / "log.sqlite")
    unseen = clean_turn(log, "Where is the head office?")
    liked = clean_turn(log, "Where is Acme's office?")
    disliked = clean_turn(log, "Which city is Acme in?")
    log.feedback(liked, True)
    log.feedback(disliked, False)

    def answered(fmt, **kw):
        export(log, fmt, tmp_path / f"{fmt}.jsonl", **kw)
        rows = read(tmp_path / f"{fmt}.jsonl")
        return sorted((r["turn_id"], r.get("label", True)) for r in rows)

    assert answered("sft") == [(liked, True)]
    assert answered("kto") == sorted([(liked, True), (disliked, False)])
    assert answered("sft", reviewed_only=False) == sorted([(unseen, True), (liked, True)])
    assert answered("kto", reviewed_only=False) == sorted([(unseen, True), (liked, True), (disliked, False)])


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_loads_with_datasets(reviewed_log, tmp_path, fmt):
    from datasets import load_dataset

    path = tmp_path / f"{fmt}.jsonl"
    report = export(reviewed_log, fmt, path)
    data = load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "cache"))
    assert len(data) == report.rows > 0
    assert set(data.column_names) >= {"turn_id", "split"}


def test_filters_and_bad_arguments(reviewed_log, tmp_path):
    assert export(reviewed_log, "sft", tmp_path / "none.jsonl", since=2e9).rows == 0
    assert export(reviewed_log, "nli", tmp_path / "c.jsonl", verdict="contradicted").rows == 2
    with pytest.raises(InputError, match="unknown export format 'csv'"):
        export(reviewed_log, "csv", tmp_path / "x")
    with pytest.raises(InputError, match="does not exist"):
        export(reviewed_log, "sft", tmp_path / "missing" / "x.jsonl")
    with pytest.raises(InputError, match="is a directory"):
        export(reviewed_log, "sft", tmp_path)
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_split_is_by_question():
    assert split_of("Where is the office?", 0.5) == split_of("  where is the OFFICE? ", 0.5)
    shares = [split_of(f"question {n}", 0.2) == "held_out" for n in range(2000)]
    assert 0.15 < sum(shares) / len(shares) < 0.25
    assert split_of("anything", 0.0) == "train"
