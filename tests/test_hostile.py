"""The bad-input suite: each case of ``tests/hostile.py`` against its entry point.

Every test starts from the same stocked data home (documents uploaded through the page,
a reviewed flag log, an export) and checks two things: the input ends in a clear error
naming what is wrong, or is taken in harmlessly; and everything stored before is still
there, unchanged (files byte for byte, database tables row for row). ``pytest -m hostile``
runs only this suite; its count is printed at the end of the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest

from assistant.chat.prompt import Passage, build_messages, defuse
from assistant.flags.log import FlagLog
from assistant.ui import chat as chat_ui
from assistant.ui import exports
from assistant.ui.documents import add_uploads, display_name
from assistant.ui.highlight import text_html
from core.config import GenerationConfig, IndexConfig, load_config
from core.errors import ConfigError, InputError
from index.documents import DocumentIndex
from tests.hostile import CLAIM_LINES, INJECTION, SCRIPT, UPLOADS, write_corpus

pytestmark = pytest.mark.hostile

CONTROL_TOKENS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]  # SmolLM2's; the real tokenizer: test_generate
RAW_MARKUP = re.compile(r"<(script|img|a|iframe)\b", re.I)


# -- the stocked data home, and what "nothing stored changed" means ------------------------------------
@pytest.fixture(scope="module")
def stocked(tmp_path_factory, embedder):
    from tests.test_log import checked_turn

    home = tmp_path_factory.mktemp("stocked")
    previous = os.environ.get("ASSISTANT_HOME")
    os.environ["ASSISTANT_HOME"] = str(home)
    try:
        src = tmp_path_factory.mktemp("originals")
        (src / "acme.md").write_text("# Acme\n\nThe head office of Acme is in Bergen. It opened in 1987.")
        (src / "pumps.txt").write_text("The pump runs at 40 litres a minute and is serviced every May.")
        index = DocumentIndex(IndexConfig(batch_size=8), root=home / "index", embedder=embedder)
        assert add_uploads(index, [src / "acme.md", src / "pumps.txt"]).startswith("**2 added")
        index.close()
        log = FlagLog(home / "log.sqlite")
        flagged = checked_turn(log, question="Tell me about Acme")
        checked_turn(log, question="Anything else?")
        for statement in log.turn(flagged).flagged:
            log.review(statement.id, "confirmed", correction="Acme's head office is in Bergen.")
        exports.run(log, "sft")
        log.close()
    finally:
        if previous is None:
            os.environ.pop("ASSISTANT_HOME", None)
        else:
            os.environ["ASSISTANT_HOME"] = previous
    return home


@pytest.fixture
def home(stocked, assistant_home):
    shutil.copytree(stocked, assistant_home, dirs_exist_ok=True)
    return assistant_home


@pytest.fixture
def index(home, embedder):
    # a 5 s parse budget: the shared-stream PDF is cut off at it as it would be at the default 30 s, sooner
    idx = DocumentIndex(IndexConfig(batch_size=8, parse_seconds=5), root=home / "index", embedder=embedder)
    yield idx
    idx.close()


def stored(home: Path) -> dict[str, object]:
    """Everything the data home holds: each file's digest, and each SQLite table's rows."""
    state: dict[str, object] = {}
    for path in sorted(home.rglob("*")):
        rel = path.relative_to(home).as_posix()
        if not path.is_file() or rel.endswith(("-wal", "-shm", "-journal")):
            continue
        if path.suffix in (".sqlite", ".db"):
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                schema = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
                tables = [name for name, _ in schema]
                virtual = [name for name, sql in schema if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
                for table in tables:  # not SQLite's own bookkeeping: a counter, full-text shadow tables
                    if table == "sqlite_sequence" or any(table.startswith(v + "_") for v in virtual):
                        continue
                    rows = db.execute(f'SELECT * FROM "{table}"').fetchall()
                    if table == "meta":  # the index's change counter goes up with every change
                        rows = [r for r in rows if r[0] != "generation"]
                    state[f"{rel}:{table}"] = frozenset(map(repr, rows))
            finally:
                db.close()
        else:
            state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def assert_kept(before: dict, after: dict) -> None:
    """Every file is still there byte for byte, every row still there; new things may be added."""
    for key, value in before.items():
        assert key in after, f"{key} was lost"
        if isinstance(value, frozenset):
            assert value <= after[key], f"rows of {key} were changed or lost"
        elif not key.startswith("index/"):  # the vector file is rewritten when a document is added
            assert after[key] == value, f"{key} was changed"


# -- uploads through the page --------------------------------------------------------------------------
@pytest.mark.parametrize("key", list(UPLOADS), ids=[display_name(k)[:24] for k in UPLOADS])
def test_upload(home, index, tmp_path, key):
    case = UPLOADS[key]
    blob = tmp_path / "browser" / "blob"
    blob.parent.mkdir()
    case.make(blob)
    before, known = stored(home), {d.id for d in index.documents()}
    outside = sorted(p.name for p in home.parent.iterdir())
    message = add_uploads(index, [SimpleNamespace(name=str(blob), orig_name=case.name)])
    after = stored(home)
    assert sorted(p.name for p in home.parent.iterdir()) == outside  # nothing landed beside the data home
    assert not RAW_MARKUP.search(message)
    if case.refused:
        assert f"**not added: {text_html(display_name(case.name))}" in message, message
        assert text_html(case.refused) in message, message
        assert after == before
        return
    assert message.startswith("**1 added, 0 replaced, 0 unchanged, 0 not added**"), message
    assert_kept(before, after)
    new = [key for key in after.keys() - before.keys() if not key.endswith((".sqlite", ".faiss")) and ":" not in key]
    assert len(new) == 1 and re.fullmatch(r"uploads/[0-9a-f]{16}\.[a-z]+", new[0]), new
    (doc,) = [d for d in index.documents() if d.id not in known]
    assert Path(doc.source).parent == home / "uploads"
    if case.title is not None:
        assert doc.title == case.title
    hits = [h for h in index.search(doc.title or "vault", k=10) if h.title == doc.title] or index.search("vault", k=1)
    shown = chat_ui.sources_html(hits, [])
    assert not RAW_MARKUP.search(shown)
    messages = defuse(build_messages("What does it say?", [Passage(h.text, h.title) for h in hits]), CONTROL_TOKENS)
    assert not any(t in m["content"] for m in messages for t in CONTROL_TOKENS)


def test_the_same_name_twice_in_one_upload_keeps_the_first_and_names_the_second(home, index, tmp_path):
    before = stored(home)
    first, second = tmp_path / "a" / "blob", tmp_path / "b" / "blob"
    for path, text in ((first, "Version one."), (second, "Version two.")):
        path.parent.mkdir()
        path.write_text(text)
    message = add_uploads(index, [SimpleNamespace(name=str(first), orig_name="notes.txt"),
                                  SimpleNamespace(name=str(second), orig_name="notes.txt")])
    assert (f"**not added: {text_html('notes.txt')}**: "
            f"{text_html('another file in this upload has the same name')}") in message, message
    assert_kept(before, stored(home))
    (doc,) = [d for d in index.documents() if d.title.startswith("Version")]
    assert Path(doc.source).read_text() == "Version one."


# -- the command line: `assistant docs add` a folder of every file, `assistant check --input` -------------
def cli(capsys, *argv) -> tuple[int, str, str]:
    from assistant.cli.main import main

    code = main([*map(str, argv), "--home", os.environ["ASSISTANT_HOME"]])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_docs_add_names_every_bad_file_and_adds_the_rest(home, tmp_path, capsys):
    files = write_corpus(tmp_path / "corpus")
    before = stored(home)
    code, out, err = cli(capsys, "docs", "add", tmp_path / "corpus", "--set", "index.parse_seconds=5")
    assert code == InputError.exit_code, err  # some files were refused, the rest added
    assert "Traceback" not in err and "internal error" not in err
    lines = (out + err).splitlines()
    refused = [c for c in UPLOADS.values() if c.refused and (tmp_path / "corpus" / c.name) in files]
    assert len(refused) >= 15
    for case in refused:
        path = tmp_path / "corpus" / case.name
        assert any(f"skipped {path}" in line and case.refused in line for line in lines), (path, out)
    assert_kept(before, stored(home))


def test_check_input_names_each_bad_line_and_checks_the_rest(home, tmp_path, capsys):
    claims, out = tmp_path / "claims.jsonl", tmp_path / "out.jsonl"
    claims.write_text("\n".join(line for line, _ in CLAIM_LINES) + "\n")
    before = stored(home)
    code, _, err = cli(capsys, "check", "--input", claims, "--output", out)
    assert code == InputError.exit_code, err  # some lines were bad, the rest checked
    for number, (_, problem) in enumerate(CLAIM_LINES, start=1):
        named = f"line {number}:" in err
        assert named == (problem is not None), (number, err)
        if problem:
            assert problem in next(line for line in err.splitlines() if f"line {number}:" in line)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    expected = [json.loads(line.replace("NaN", "0"))["id"] for line, problem in CLAIM_LINES if problem is None]
    assert [r["id"] for r in rows] == expected
    assert all(r["label"] in ("supported", "unsupported", "contradicted") and 0 <= r["score"] <= 1 for r in rows)
    assert_kept(before, stored(home))


@pytest.mark.parametrize("case", ["missing", "binary", "directory output"])
def test_check_input_files_that_cannot_be_used(home, tmp_path, capsys, case):
    good = tmp_path / "claims.jsonl"
    good.write_text(CLAIM_LINES[0][0] + "\n")
    args = {"missing": (tmp_path / "nowhere.jsonl", tmp_path / "out.jsonl", "cannot read"),
            "binary": (tmp_path / "blob.jsonl", tmp_path / "out.jsonl", "is not UTF-8 text"),
            "directory output": (good, tmp_path, "cannot write")}[case]
    (tmp_path / "blob.jsonl").write_bytes(b"\xff\xfe\x00\x81" * 100)
    before = stored(home)
    code, _, err = cli(capsys, "check", "--input", args[0], "--output", args[1])
    (error,) = [line for line in err.splitlines() if line.startswith("error: ")]
    assert code == InputError.exit_code and args[2] in error and "Traceback" not in err, err
    assert stored(home) == before


# -- export filters, from the page and the command line -------------------------------------------------
EXPORT_FILTERS = {
    "unknown format": (dict(fmt="csv"), "choose a format"),
    "unknown verdict": (dict(verdict="maybe"), "unsupported or contradicted"),
    "date that is not a date": (dict(since="last tuesday"), "must be a date like"),
    "NaN date": (dict(since=float("nan")), "must be a date like"),
    "negative date": (dict(until=-5.0), "must be a date like"),
    "from after until": (dict(since="2026-12-01", until="2026-11-01"), "start date must be before"),
    "NaN held-out share": (dict(held_out=float("nan")), "held-out share"),
    "negative held-out share": (dict(held_out=-0.2), "held-out share"),
    "held-out share as text": (dict(held_out="lots"), "held-out share"),
}


@pytest.mark.parametrize("case", list(EXPORT_FILTERS))
def test_export_filters(home, case):
    kwargs, fragment = EXPORT_FILTERS[case]
    kwargs = {"fmt": "dpo", **kwargs}
    before = stored(home)
    log = FlagLog(home / "log.sqlite")
    try:
        with pytest.raises(InputError, match=re.escape(fragment)):
            exports.run(log, **kwargs)
    finally:
        log.close()
    assert stored(home) == before  # no half-written export either


def test_export_on_the_command_line_with_a_bad_date(home, capsys):
    before = stored(home)
    code, _, err = cli(capsys, "flags", "export", "--format", "sft", "--out", home / "x.jsonl", "--since", "soon")
    assert code == InputError.exit_code and "error: --since must be a date like" in err, err
    assert stored(home) == before


# -- settings: the page, --set, the environment, the config file -----------------------------------------
PAGE_SETTINGS = {
    "NaN threshold": ((5, None, float("nan"), 256), "support threshold"),
    "infinite threshold": ((5, None, float("inf"), 256), "support threshold"),
    "negative threshold": ((5, None, -0.3, 256), "support threshold"),
    "threshold as text": ((5, None, "high", 256), "support threshold"),
    "negative passages": ((-3, None, 0.5, 256), "passages"),
    "NaN passages": ((float("nan"), None, 0.5, 256), "passages"),
    "fractional passages": ((2.5, None, 0.5, 256), "passages"),
    "huge max tokens": ((5, None, 0.5, 10**9), "max new tokens"),
    "NaN max tokens": ((5, None, 0.5, float("nan")), "max new tokens"),
    "missing max tokens": ((5, None, 0.5, "") , "max new tokens"),
}


@pytest.mark.parametrize("case", list(PAGE_SETTINGS))
def test_page_settings(case):
    values, fragment = PAGE_SETTINGS[case]
    with pytest.raises(InputError, match=fragment):
        chat_ui.settings_from_page(*values, default_threshold=0.5)


CONFIG_VALUES = {
    "NaN threshold": ("checker.support_threshold", "nan", "finite number"),
    "negative passages": ("index.k", "-1", "index.k"),
    "negative max tokens": ("generation.max_new_tokens", "-5", "generation.max_new_tokens"),
    "infinite temperature": ("generation.temperature", "inf", "finite number"),
}


@pytest.mark.parametrize("where", ["--set", "environment", "config file"])
@pytest.mark.parametrize("case", list(CONFIG_VALUES))
def test_config_values(tmp_path, case, where):
    key, value, fragment = CONFIG_VALUES[case]
    section, name = key.split(".")
    if where == "--set":
        call = lambda: load_config({key: value}, environ={}, file=None)  # noqa: E731
    elif where == "environment":
        var = f"ASSISTANT_{section.upper()}_{name.upper()}"
        call = lambda: load_config(environ={var: value}, file=None)  # noqa: E731
    else:
        path = tmp_path / "config.toml"
        path.write_text(f"[{section}]\n{name} = {value}\n")  # TOML itself has nan and inf
        call = lambda: load_config(environ={}, file=path)  # noqa: E731
    with pytest.raises(ConfigError) as err:
        call()
    assert key in str(err.value) and fragment in str(err.value)


# -- chat: questions and answers carrying markup, control tokens, or nothing --------------------------------
class Scripted:
    """A fake model that answers with the given text (payloads included)."""

    name, generation, loaded = "scripted", GenerationConfig(), SimpleNamespace(device="cpu")

    def __init__(self, answer: str):
        self.answer, self.seen = answer, []

    def stream(self, messages, generation=None, stop=None, refusal=None):
        self.seen.append(messages)
        yield from self.answer.split(" ")[:1] + [" " + w for w in self.answer.split(" ")[1:]]

    def with_generation(self, **changes):
        return GenerationConfig(**changes)


CHAT = {
    "markup in the question": (SCRIPT, "The vault opens at nine.", None),
    "markup in the answer": ("When does the vault open?", f"It opens at nine. {SCRIPT}", None),
    "control tokens in the question": (INJECTION, "I don't know.", None),
    "control tokens in the answer": ("Hi", f"Sure. {INJECTION}", None),
    "empty question": ("  \n ", "", "Type a question first"),
    "question too long": ("why " * 6_000, "", "the limit is 20,000"),
}


@pytest.mark.parametrize("case", list(CHAT))
def test_chat(home, index, case):
    from assistant.checking.checker import Checker
    from assistant.ui.services import Services
    from tests.test_checker import FakeVerifier

    question, answer, refused = CHAT[case]
    log = FlagLog(home / "log.sqlite")
    before = stored(home)
    services = Services(Scripted(answer), index, log, checker=Checker(FakeVerifier()))
    try:
        if refused:
            with pytest.raises(gr.Error, match=refused):
                list(chat_ui.respond(services, question, chat_ui.Conversation()))
            assert stored(home) == before
            return
        outputs = list(chat_ui.respond(services, question, chat_ui.Conversation()))
        after = stored(home)
    finally:
        log.close()
    for shown, _, status in outputs:
        assert not any(RAW_MARKUP.search(m["content"]) for m in shown)
        assert not RAW_MARKUP.search(status)
    assert_kept(before, after)
    turns = after["log.sqlite:turns"] - before["log.sqlite:turns"]
    assert len(turns) == 1 and repr(question.strip())[1:-1][:40] in next(iter(turns))  # logged as it was asked


# -- loading another model from the page ---------------------------------------------------------------
MODEL_SETTINGS = {
    "empty name": ("  ", "", "name a model"),
    "a path out of the data home": ("../../../etc/passwd", "", "../../../etc/passwd"),
    "a file that is not a model": (__file__, "", "test_hostile.py"),
    "an adapter path out of the data home": ("smollm2", "../../../etc", "no LoRA adapter '../../../etc'"),
    "markup as a model name": ("<img src=x onerror=alert(1)>", "", "<img src=x onerror=alert(1)>"),
}


@pytest.mark.parametrize("case", list(MODEL_SETTINGS))
def test_loading_another_model(home, case):
    from assistant.ui.services import Services
    from core.errors import AssistantError

    name, adapter, fragment = MODEL_SETTINGS[case]
    chat = Scripted("unchanged")
    services = Services(chat)
    with pytest.raises(AssistantError) as err:
        services.switch_model(name, adapter)
    assert fragment in str(err.value)
    assert services.chat is chat  # the working model keeps answering
