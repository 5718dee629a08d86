"""Parsing under a budget: one hostile file costs its own parse and its own line in the report.

Each file of ``tests/hostile.py`` that broke a batch (an exception out of a parser, a .docx
that took the machine's memory, a PDF that took minutes of CPU) is added in one batch beside
a good file: the good file is added, the bad one is skipped, named, with its reason, and the
parse cost the app's own process nothing it would notice.
"""

from __future__ import annotations

import resource
import time

import pytest

from core.config import IndexConfig
from core.errors import ConfigError
from core.limits import LIMITS
from index.documents import DocumentIndex
from index.parse_worker import Parser
from tests.hostile import UPLOADS, xml_bomb_docx

# hostile upload: (IndexConfig changes, what the reason must say)
BREAKS = {
    "odd-utf16.txt": ({}, "is not valid UTF-16 (truncated data at offset 68); save it as UTF-8"),
    "encrypted.docx": ({}, "is not a readable .docx file (RuntimeError: File 'word/document.xml' is encrypted"),
    "deflate64.docx": ({}, "is not a readable .docx file (NotImplementedError: That compression method is not"),
    "xref.pdf": ({}, "is not a readable PDF (LimitReachedError: Declared size 99999999 exceeds"),
    "deep.jsonl": ({}, "line 1 is nested too deeply"),
    "surrogate.jsonl": ({}, "line 1 holds a lone surrogate (\\ud800), which is not text"),
    "xml-bomb.docx": ({}, "parsing needed more than 1024 MB of memory (index.parse_memory_mb); the file was skipped"),
    "shared-stream.pdf": ({"parse_seconds": 3.0},
                          "parsing took more than 3 s (index.parse_seconds); the file was skipped"),
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("name", list(BREAKS))
def test_a_hostile_file_is_skipped_and_the_good_file_beside_it_added(tmp_path, embedder, name):
    changes, reason = BREAKS[name]
    folder = tmp_path / "batch"
    folder.mkdir()
    bad, good = folder / name, folder / "zz-good.md"
    UPLOADS[name].make(bad)
    good.write_text("# Pumps\n\nThe pump runs at 40 litres a minute.")
    idx = DocumentIndex(IndexConfig(batch_size=8, **changes), root=tmp_path / "index", embedder=embedder)
    before, start = peak_rss_mb(), time.monotonic()
    report = idx.add([folder])
    seconds, grew = time.monotonic() - start, peak_rss_mb() - before
    skipped = report.skipped[0][0].split(":")[0] if name.endswith(".jsonl") else report.skipped[0][0]
    assert len(report.skipped) == 1 and skipped == str(bad), report.summary()
    assert reason in report.skipped[0][1], report.skipped
    assert f"skipped {report.skipped[0][0]}: " in report.summary()
    assert [d.source for d in report.added] == [str(good)]
    assert [d.title for d in idx.documents()] == ["Pumps"]
    assert grew < 300, f"the app's own process grew by {grew:.0f} MB"  # the parse ran elsewhere
    assert seconds < changes.get("parse_seconds", LIMITS.parse_seconds) + 15, seconds
    idx.close()


def _html(folder, name: str, text: str):
    path = folder / name
    path.write_text(f"<html><head><title>{text}</title></head><body><p>{text}</p></body></html>")
    return path


def test_one_worker_serves_a_batch_and_a_new_one_follows_a_file_that_killed_it(tmp_path):
    first, second = _html(tmp_path, "a.html", "First page"), _html(tmp_path, "b.html", "Second page")
    slow = tmp_path / "slow.pdf"
    UPLOADS["shared-stream.pdf"].make(slow)
    with Parser(LIMITS.with_changes(parse_seconds=2.0)) as parser:
        [a] = parser.load(first)
        pid = parser.pid
        [b] = parser.load(second)
        assert parser.pid == pid and (a.title, b.title) == ("First page", "Second page")
        start = time.monotonic()
        [refused] = parser.load(slow)
        assert time.monotonic() - start < 10
        assert (refused.path, refused.reason) == (
            str(slow), "parsing took more than 2 s (index.parse_seconds); the file was skipped")
        [again] = parser.load(first)
        assert again.text == "First page" and parser.pid != pid
    assert parser.pid is None  # closed with the batch


def test_memory_that_runs_out_inside_libxml2_is_named_as_the_memory_budget(tmp_path):
    path = tmp_path / "tree.docx"
    xml_bomb_docx(150_000_000)(path)  # its XML fits in the budget, its tree does not: lxml says ERR_NO_MEMORY
    with Parser(LIMITS) as parser:
        [error] = parser.load(path)
    assert error.reason == "parsing needed more than 1024 MB of memory (index.parse_memory_mb); the file was skipped"


def test_plain_text_is_read_here_and_other_types_in_the_worker(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nRead without a worker.")
    with Parser(LIMITS) as parser:
        [doc] = parser.load(notes, name="My notes.md")
        assert (doc.title, doc.kind, parser.pid) == ("Notes", "markdown", None)
        [page] = parser.load(_html(tmp_path, "c.html", "Read by the worker"))
        assert page.title == "Read by the worker" and parser.pid is not None


@pytest.mark.parametrize("text", ["ab\n" * 7_000_000, "word " * 4_000_000, "\u6f22\u5b57" * 3_500_000],
                         ids=["short lines", "one line", "CJK"])
def test_plain_text_read_here_costs_a_few_times_its_size(tmp_path, text):
    import tracemalloc

    from index.load import load_path

    path = tmp_path / "big.md"
    path.write_text(text)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        [doc] = load_path(path, LIMITS.file_bytes, limits=LIMITS.with_changes(text_chars=10**8))  # as big as allowed
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert doc.text == text.strip()
    assert peak < 5 * size, f"{peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"


@pytest.mark.parametrize("kind", ["md", "pdf"])
def test_a_file_with_more_text_than_the_budget_is_refused(tmp_path, kind):
    from index.load import load_path
    from tests.fixtures import make_pdf

    path = tmp_path / f"long.{kind}"
    page = "The pump runs at forty litres a minute. " * 5  # 200 characters
    if kind == "pdf":
        make_pdf(path, [page] * 3)
    else:
        path.write_text(page * 3)
    [error] = load_path(path, LIMITS.file_bytes, limits=LIMITS.with_changes(text_chars=500))
    assert error.reason == "has more than 500 characters of text (setting index.max_text_chars); not added"
    [doc] = load_path(path, LIMITS.file_bytes, limits=LIMITS.with_changes(text_chars=700))
    assert len(doc.text) > 500


def test_a_file_that_grows_after_its_size_was_checked_is_read_no_further_than_the_limit(tmp_path):
    from index.load import DocumentError, _read_bytes

    path = tmp_path / "growing.txt"
    path.write_text("x" * 2_000)  # checked at 1,000 bytes or less, 2,000 by the time it is read
    with pytest.raises(DocumentError, match=r"grew past the 0.001 MB limit while it was read \(setting index.max_"):
        _read_bytes(path, 1_000)


def test_any_exception_while_reading_text_is_that_files_error(tmp_path, monkeypatch):
    import index.load as load

    def broken(path, data):
        raise LookupError("a codec went missing")

    path = tmp_path / "notes.txt"
    path.write_text("Some notes.")
    monkeypatch.setattr(load, "_decode", broken)
    with Parser(LIMITS) as parser:
        [error] = parser.load(path)
    assert (error.path, error.reason) == (str(path), "cannot be read as text (LookupError: a codec went missing)")


@pytest.mark.parametrize("key, value, message", [
    ("parse_seconds", 0.0, "must be > 0"),
    ("parse_seconds", float("nan"), "must be > 0"),
    ("parse_memory_mb", 64, "must be at least 256"),
])
def test_parse_budgets_are_checked(key, value, message):
    with pytest.raises(ConfigError, match=f"index.{key}.*{message}"):
        IndexConfig(**{key: value})


def test_the_config_defaults_are_the_limits_modules_and_every_budget_is_a_setting():
    from core.config import load_config

    assert load_config(file=False, environ={}).limits() == LIMITS
    env = {"ASSISTANT_INDEX_MAX_PAGES": "7", "ASSISTANT_INDEX_MAX_TEXT_CHARS": "900",
           "ASSISTANT_INDEX_UNPACK_RATIO": "3", "ASSISTANT_INDEX_UNPACK_FLOOR_MB": "1",
           "ASSISTANT_REQUESTS_MAX_BODY_MB": "0.5", "ASSISTANT_REQUESTS_MAX_MESSAGES": "9",
           "ASSISTANT_REQUESTS_MAX_MESSAGE_CHARS": "99", "ASSISTANT_REQUESTS_MAX_CHARS": "999",
           "ASSISTANT_REQUESTS_MAX_QUESTION_CHARS": "88", "ASSISTANT_REQUESTS_MAX_TOKENS": "77",
           "ASSISTANT_REQUESTS_MAX_CHECK_ITEMS": "6", "ASSISTANT_REQUESTS_MAX_CLAIM_CHARS": "55",
           "ASSISTANT_REQUESTS_MAX_EVIDENCE_CHARS": "444"}
    limits = load_config(file=False, environ=env).limits()
    assert (limits.pages, limits.text_chars, limits.unpack_ratio, limits.unpack_floor_mb) == (7, 900, 3.0, 1.0)
    assert (limits.request_mb, limits.messages, limits.message_chars, limits.request_chars, limits.question_chars,
            limits.max_tokens, limits.check_items, limits.claim_chars, limits.evidence_chars) == (
        0.5, 9, 99, 999, 88, 77, 6, 55, 444)
    # every field of Limits is reachable from a setting
    changed = {f for f in LIMITS.__dataclass_fields__ if getattr(limits, f) != getattr(LIMITS, f)}
    untouched = set(LIMITS.__dataclass_fields__) - changed
    assert untouched == {"file_mb", "parse_seconds", "parse_memory_mb"}  # index.max_file_mb etc., tested above
    with pytest.raises(ConfigError, match="requests.max_tokens must be at most 32768"):
        load_config(file=False, environ={"ASSISTANT_REQUESTS_MAX_TOKENS": "40000"})
    with pytest.raises(ConfigError, match="requests.max_check_items must be >= 1"):
        load_config(file=False, environ={"ASSISTANT_REQUESTS_MAX_CHECK_ITEMS": "0"})


def test_a_pdf_with_more_pages_than_the_budget_is_refused_before_a_page_is_read(tmp_path, embedder, monkeypatch):
    from pypdf import PageObject

    from tests.fixtures import make_pdf

    folder = tmp_path / "batch"
    folder.mkdir()
    make_pdf(folder / "manual.pdf", [f"Page {n} of the pump manual." for n in range(1, 6)])
    (folder / "notes.md").write_text("# Notes\n\nThe pump runs at 40 litres a minute.")
    idx = DocumentIndex(IndexConfig(batch_size=8, max_pages=4), root=tmp_path / "index", embedder=embedder)
    report = idx.add([folder])
    assert report.skipped == [(str(folder / "manual.pdf"),
                               "has 5 pages, over the 4-page limit (setting index.max_pages); not added")]
    assert [d.title for d in idx.documents()] == ["Notes"]
    read = []
    monkeypatch.setattr(PageObject, "extract_text", lambda self, *a, **k: read.append(1) or "")
    from index.load import load_path

    list(load_path(folder / "manual.pdf", LIMITS.file_bytes, limits=LIMITS.with_changes(pages=4)))
    assert read == []  # refused from the page count, not after reading them


def test_page_at_finds_the_page_of_an_offset():
    from index.load import Document

    doc = Document("m.pdf", "m", "pdf", "x" * 100, [(1, 0), (2, 10), (3, 10), (4, 55)])
    assert [doc.page_at(o) for o in (0, 9, 10, 54, 55, 99)] == [1, 1, 3, 3, 4, 4]
    assert Document("m.md", "m", "markdown", "x").page_at(0) is None
