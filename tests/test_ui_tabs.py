"""The documents, review, export and dashboard tabs' handlers, without a browser."""

import json
import re
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.ui import dashboard, documents, exports, review
from core.errors import InputError
from tests import test_export
from tests.test_export import CORRECTED
from tests.test_log import checked_turn

reviewed_log = test_export.reviewed_log  # the fixture, shared


@pytest.mark.parametrize("name", [
    "report.pdf", "../../etc/passwd.txt", "/abs/path/notes.md", "..\\..\\win.txt", "a\x00b.txt", "..",
    "<script>.md", "x" * 500 + ".docx", "C:\\Windows\\evil.html",
])
def test_uploads_are_stored_under_generated_names(name):
    stored = documents.stored_name(name)
    assert re.fullmatch(r"[0-9a-f]{16}(\.[a-z]+)?", stored), stored
    assert stored == documents.stored_name(name)  # the same name lands in the same place


def test_display_names_keep_the_file_name_only():
    assert documents.display_name("../../etc/passwd.txt") == "passwd.txt"
    assert documents.display_name("C:\\x\\notes\x00.md") == "notes.md"
    assert documents.display_name("") == "upload"


def upload(tmp_path, name, data):
    """A file as Gradio hands it over: a temp path, and the name the user's file had."""
    folder = tmp_path / "gradio" / str(abs(hash(name)))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "blob").write_bytes(data)
    return SimpleNamespace(name=str(folder / "blob"), orig_name=name)


def test_uploads_are_indexed_one_line_a_file_and_a_bad_file_stops_nothing(doc_index, tmp_path):
    good = upload(tmp_path, "acme.md", b"# Acme\n\nThe head office is in Bergen.")
    bad = upload(tmp_path, "broken.pdf", b"%PDF-1.4 not really a pdf")
    steps = []
    message = documents.add_uploads(doc_index, [good, bad], lambda f, m: steps.append(f))
    assert message.startswith("**1 added, 0 replaced, 0 unchanged, 1 not added**")
    assert "- added: acme.md (1 chunks)" in unescape(message) and "**not added: broken.pdf**:" in unescape(message)
    assert steps[0] == 0.0 and steps[-1] == 1.0
    rows = documents.table(doc_index)
    assert [r[0] for r in rows] == ["Acme"] and rows[0][1] == "markdown" and rows[0][3] == 1
    assert documents.table(doc_index, "zh")[0][1] == "Markdown"  # the Chinese page names kinds in its words
    from assistant.ui.i18n import kind_words

    assert kind_words("text", "zh") == "纯文本" and kind_words("text", "en") == "text"
    uploads = Path(doc_index.documents()[0].source).parent
    assert sorted(p.name for p in uploads.iterdir()) == [documents.stored_name("acme.md")]  # the bad copy is gone


def test_a_broken_new_version_keeps_the_old_file_and_its_chunks(doc_index, tmp_path):
    documents.add_uploads(doc_index, [upload(tmp_path, "acme.md", b"# Acme\n\nThe head office is in Bergen.")])
    (doc,) = doc_index.documents()
    message = documents.add_uploads(doc_index, [upload(tmp_path, "acme.md", b"\x00\x01binary\x00" * 10)])
    assert "not added" in message
    assert doc_index.documents() == [doc]
    assert Path(doc.source).read_text() == "# Acme\n\nThe head office is in Bergen."


def test_an_index_failing_part_way_keeps_what_it_committed_and_puts_the_rest_back(doc_index, tmp_path, monkeypatch):
    from core.errors import StorageError

    documents.add_uploads(doc_index, [upload(tmp_path, "acme.md", b"# Acme\n\nThe head office is in Bergen.")])
    (old,) = doc_index.documents()
    real_add = doc_index.add

    def add_first_then_fail(paths, progress=None, names=None):
        real_add(paths[:1], progress, names)  # the first new file is committed, then the disk fills
        raise StorageError("cannot write index.sqlite: database or disk is full")

    monkeypatch.setattr(doc_index, "add", add_first_then_fail)
    with pytest.raises(StorageError):
        documents.add_uploads(doc_index, [upload(tmp_path, "pumps.md", b"# Pumps\n\nThe pump runs at 40 litres."),
                                          upload(tmp_path, "valves.md", b"# Valves\n\nNever indexed."),
                                          upload(tmp_path, "acme.md", b"# Acme\n\nA new version.")])
    uploads = Path(old.source).parent
    assert sorted(p.name for p in uploads.iterdir()) == sorted(
        [documents.stored_name("acme.md"), documents.stored_name("pumps.md")])  # valves.md not kept, nothing set aside
    assert Path(old.source).read_text() == "# Acme\n\nThe head office is in Bergen."  # the old version is back
    assert (uploads / documents.stored_name("pumps.md")).read_text().startswith("# Pumps")  # committed: kept
    assert sorted(d.title for d in doc_index.documents()) == ["Acme", "Pumps"]


def test_uploaded_html_names_and_reasons_are_escaped(doc_index, tmp_path):
    message = documents.add_uploads(doc_index, [upload(tmp_path, "<img src=x onerror=alert(1)>.pdf", b"junk")])
    assert "<img" not in message


def test_delete_and_its_errors(doc_index, tmp_path):
    documents.add_uploads(doc_index, [upload(tmp_path, "acme.md", b"# Acme\n\nBergen.")])
    (label, doc_id), = documents.choices(doc_index)
    assert label == "Acme (markdown, 1 chunks)"
    assert documents.delete(doc_index, doc_id).startswith("Deleted Acme")
    assert documents.table(doc_index) == []
    with pytest.raises(InputError, match="choose a document"):
        documents.delete(doc_index, "")
    with pytest.raises(InputError, match="no document"):
        documents.delete(doc_index, "nope")
    with pytest.raises(InputError, match="choose one or more files"):
        documents.add_uploads(doc_index, [])


def test_review_table_filters(reviewed_log):
    everything = review.rows(reviewed_log, "all", "all")
    assert len(everything) == 6 and {r[2] for r in everything} == {"unsupported", "contradicted"}
    waiting = review.rows(reviewed_log, "all", "unreviewed")
    assert len(waiting) == 2 and {r[7] for r in waiting} == {"unreviewed"}
    assert {r[2] for r in review.rows(reviewed_log, "contradicted", "all")} == {"contradicted"}
    with pytest.raises(InputError):
        review.rows(reviewed_log, "maybe", "all")


def test_alike_flags_are_one_row_and_are_decided_together(tmp_path):
    """Issue 24: one looping answer gave dozens of identical rows, with no grouping and no bulk action.
    Four answers say the same two wrong things: two rows, each counted 4 times; deciding one group
    decides its 4 flags in one go and leaves the other group waiting."""
    from assistant.flags.log import FlagLog

    log = FlagLog(tmp_path / "log.sqlite")
    turns = [log.turn(checked_turn(log, question=f"Tell me about Acme, take {n}")) for n in range(4)]
    assert len(review.rows(log, "all", "all")) == 8
    rows = review.rows(log, "all", "all", grouped=True)
    assert len(rows) == 2 and [r[8] for r in rows] == [4, 4]
    assert rows[0][0] in {s.id for s in turns[-1].flagged}  # the newest of each group stands for it
    contradicted = next(r for r in rows if r[2] == "contradicted")
    view = review.view(log, contradicted[0])
    assert view.alike == 4 and "3 more flags alike this one wait for review" in view.status
    message = review.decide_alike(log, contradicted[0], "confirmed", "the canteen's hours are wrong")
    assert message.startswith("4 flags alike")
    after = review.rows(log, "all", "all", grouped=True)
    assert sorted((r[2], r[7], r[8]) for r in after) == [("contradicted", "confirmed", 4), ("unsupported", "unreviewed", 4)]
    assert len(review.rows(log, "all", "unreviewed", grouped=True)) == 1
    # one mixed group once a member is decided apart from the others
    unsupported = next(r for r in after if r[2] == "unsupported")
    review.decide(log, unsupported[0], "rejected")
    assert {r[7] for r in review.rows(log, "unsupported", "all", grouped=True)} == {"mixed"}
    notes = {s.note for t in turns for s in log.turn(t.id).flagged if s.label == "contradicted"}
    assert notes == {"the canteen's hours are wrong"}


def test_a_flag_is_shown_highlighted_with_its_evidence_and_a_suggestion(tmp_path):
    from assistant.flags.log import FlagLog

    log = FlagLog(tmp_path / "log.sqlite")
    turn = log.turn(checked_turn(log))
    flagged = turn.flagged[0]
    view = review.view(log, flagged.id)
    assert 'class="v-contradicted"' in view.answer_html and 'class="v-supported"' in view.answer_html
    assert "Tell me about Acme" in view.question_html and "not reviewed yet" in view.status
    assert flagged.text not in view.suggestion and turn.statements[1].text.strip() in view.suggestion
    with pytest.raises(InputError, match="no statement"):
        review.view(log, 99999)


def test_confirm_with_a_correction_and_reject(tmp_path):
    from assistant.flags.log import FlagLog

    log = FlagLog(tmp_path / "log.sqlite")
    first, second = log.turn(checked_turn(log)), log.turn(checked_turn(log, question="Again?"))
    view = review.view(log, first.flagged[0].id)
    # the untouched suggestion, stored: origin "suggestion"
    review.decide(log, view.statement_id, "confirmed", view.suggestion, suggested=view.suggestion)
    assert log.turn(first.id).correction_origin == "suggestion"
    review.decide(log, second.flagged[0].id, "confirmed", "My own fix.", note="wrong", suggested="x")
    again = log.turn(second.id)
    assert again.correction == "My own fix." and again.correction_origin == "person"
    review.decide(log, second.flagged[1].id, "rejected")
    assert [s.decision for s in log.turn(second.id).flagged] == ["confirmed", "rejected"]
    with pytest.raises(InputError, match="pick a flag"):
        review.decide(log, None, "confirmed")


def test_export_writes_a_file_the_page_can_hand_over(reviewed_log):
    path, summary = exports.run(reviewed_log, "dpo", held_out=0.0)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert summary.startswith(f"**{len(rows)} row{'s' if len(rows) != 1 else ''}** (") and rows and rows[0]["chosen"][0]["content"] == CORRECTED
    assert path.parent.name == "exports"
    _, none = exports.run(reviewed_log, "sft", since="2999-01-01")
    assert none.startswith("**0 rows**") and "Nothing matched" in none
    with pytest.raises(InputError, match="from must be a date"):
        exports.run(reviewed_log, "sft", since="yesterday")
    with pytest.raises(InputError, match="choose a format"):
        exports.run(reviewed_log, "csv")


def test_dashboard_numbers(reviewed_log):
    board = dashboard.build(reviewed_log)
    assert "**3** answers logged" in board.summary and "**9** statements checked" in board.summary
    assert "**66.7%** of statements flagged" in board.summary
    assert "2 confirmed, 2 rejected, 2 waiting" in board.summary
    assert list(board.rate_by_day.columns) == ["day", "flagged share", "statements"]
    assert board.rate_by_day["statements"].sum() == 9
    assert dict(zip(board.verdict_mix.verdict, board.verdict_mix.statements))["contradicted"] == 3
    assert list(board.flags_by_document.columns) == ["document", "flags"]
    flags = list(board.flags_by_document["flags"])
    assert sum(flags) == 6 and flags == sorted(flags, reverse=True)
    assert dashboard.build(None).summary == "No answers logged yet."


def test_an_empty_log_has_an_empty_dashboard(tmp_path):
    from assistant.flags.log import FlagLog

    board = dashboard.build(FlagLog(tmp_path / "log.sqlite"))
    assert board.summary == "No answers logged yet."
    assert len(board.rate_by_day) == len(board.flags_by_document) == len(board.verdict_mix) == 0
    assert list(board.verdict_mix.columns) == ["verdict", "statements"]


def test_with_a_login_each_user_reviews_their_own_flags_and_reviewers_everyones(tmp_path):
    from types import SimpleNamespace

    from assistant.flags.log import FlagLog
    from tests.test_log import checked_turn

    log = FlagLog(tmp_path / "log.sqlite")
    ann = log.turn(checked_turn(log, session="web:ann:tab1", question="Ann's private question?"))
    bob = log.turn(checked_turn(log, session="web:bob:tab7", question="Bob's private question?"))
    log.turn(checked_turn(log, session="web:annette:tab2", question="Annette's?"))  # a prefix of no one else's
    as_ann = review.viewer(SimpleNamespace(username="ann"), reviewers=["carol"])
    as_carol = review.viewer(SimpleNamespace(username="carol"), reviewers=["carol"])
    alone = review.viewer(SimpleNamespace(username=None))  # no login: the one user of the page
    assert {r[5] for r in review.rows(log, "all", "all", who=as_ann)} == {"Ann's private question?"}
    assert len({r[5] for r in review.rows(log, "all", "all", who=as_carol)}) == 3
    assert len({r[5] for r in review.rows(log, "all", "all", who=alone)}) == 3
    assert "Ann's private" in unescape(review.view(log, ann.flagged[0].id, as_ann).question_html)
    with pytest.raises(InputError, match="another user's answer"):
        review.view(log, bob.flagged[0].id, as_ann)
    with pytest.raises(InputError, match="another user's answer"):
        review.decide(log, bob.flagged[0].id, "rejected", who=as_ann)
    assert log.turn(bob.id).flagged[0].decision is None
    review.decide(log, bob.flagged[0].id, "rejected", who=as_carol)
    assert log.turn(bob.id).flagged[0].decision == "rejected"
    with pytest.raises(InputError, match="only reviewers"):
        as_ann.check_all("An export")
    with pytest.raises(InputError, match="Loading a model concerns every user"):
        as_ann.check_all("Loading a model")
    as_carol.check_all("An export")


def test_a_flag_of_a_withheld_answer_says_the_reader_was_not_shown_it(tmp_path):
    from assistant.checking.checker import Checker
    from assistant.flags.log import FlagLog
    from tests.test_checker import FakeVerifier
    from tests.test_log import ANSWER, PASSAGES

    log = FlagLog(tmp_path / "log.sqlite")
    report = Checker(FakeVerifier()).check_answer(ANSWER, "Tell me about Acme", PASSAGES)
    held = log.log_turn(session="s", question="Tell me about Acme", answer=ANSWER, model="m", generation={},
                        passages=PASSAGES, report=report, finish_reason="withheld")
    shown = log.log_turn(session="s", question="Again?", answer=ANSWER, model="m", generation={},
                         passages=PASSAGES, report=report, finish_reason="stop")
    assert "this answer was withheld (checker.withhold): the reader was told there was no supported answer" in (
        review.view(log, log.turn(held).flagged[0].id).status)
    assert "withheld" not in review.view(log, log.turn(shown).flagged[0].id).status


def test_upload_progress_names_each_file_and_moves_while_it_is_embedded(doc_index, tmp_path):
    """Issue 24: the bar sat at 0 % and named the server's upload path. Now: what is read, what is
    embedded (half a file's width), what is added, by the names the person gave the files."""
    seen = []
    files = [upload(tmp_path, "first notes.md", b"# First\n\nThe pier opens at six."),
             upload(tmp_path, "second notes.md", b"# Second\n\nThe pier closes at ten.")]
    documents.add_uploads(doc_index, files, lambda fraction, message: seen.append((round(fraction, 2), message)))
    assert seen[0] == (0.0, "reading first notes.md, second notes.md...")
    assert (0.25, "embedding 2 chunks of first notes.md, second notes.md...") in seen
    assert seen[-2:] == [(0.5, "added first notes.md (1 chunks)"), (1.0, "added second notes.md (1 chunks)")]
    assert not any("uploads/" in message for _, message in seen)


def test_a_flag_no_passage_names_the_subject_of_is_logged_and_reviewed_with_that_reason(database, tmp_path):
    from assistant.checking.checker import Checker, Evidence
    from assistant.flags.log import FlagLog
    from tests.test_checker import AlwaysSupports

    log = FlagLog(database or tmp_path / "log.sqlite")
    question, answer = "永昌大君的母亲是谁？", "她的母亲范中芬是一位作词者。"
    singer = [Evidence("王若琳是创作歌手。她的父亲是王治平，母亲范中芬是一位作词者。", "王若琳", "d1", None, 0, 31)]
    report = Checker(AlwaysSupports()).check_answer(answer, question, singer)
    turn = log.turn(log.log_turn(session="s1", question=question, answer=answer, model="fake-model",
                                 generation={}, passages=singer, report=report))
    (flagged,) = turn.flagged
    assert flagged.label == "unsupported" and flagged.unnamed == "永昌大君"
    view = review.view(log, flagged.id, lang="zh")
    assert "没有一段证据提到此处所说的“永昌大君”" in unescape(view.evidence_html)
    assert "没有一段证据提到此处所说的“永昌大君”" in unescape(view.answer_html)  # the verdict rows of the answer


def test_no_document_is_chosen_for_delete_until_someone_chooses_one(doc_index, tmp_path):
    """A new user's trial (session 22): the Documents tab's picker came up with the first document chosen
    (Gradio picks the first choice when given no value), so one click on Delete removed a document
    nobody chose."""
    from assistant.ui.page import build_demo
    from tests.test_ui_chat import FakeChat

    (tmp_path / "apache.md").write_text("# Apache License\n\nGrant of Patent License.")
    doc_index.add([tmp_path / "apache.md"])
    demo = build_demo(FakeChat(), doc_index)
    (pick,) = [c for c in demo.blocks.values() if getattr(c, "elem_id", None) == "doc-pick"]
    assert pick.choices and pick.value is None
    with pytest.raises(InputError):
        documents.delete(doc_index, pick.value)  # Delete with nothing chosen removes nothing
    assert len(doc_index.documents()) == 1
