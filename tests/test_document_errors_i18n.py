"""Why a document is not added, in the page's language: every DocumentError the index raises carries
a key (``"doc_" + key`` in ``assistant/ui/i18n.py``) and fields whose English words are its reason,
word for word (the CLI, the logs and the tests read the reason), and the Chinese page's upload
report says it in Chinese."""

from __future__ import annotations

import ast
import json
import pickle
import re
import signal
from html import unescape
from pathlib import Path

import pytest

from assistant.ui.documents import add_uploads, refusal
from assistant.ui.i18n import STRINGS, text
from core.limits import LIMITS
from index import ingest, load, parse_worker
from index.load import DocumentError, load_path, read_failure, size_problem, type_problem
from tests.fixtures import make_docx, make_pdf
from tests.test_ui_tabs import upload

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
SOURCES = [Path(module.__file__) for module in (load, ingest, parse_worker)]


def _calls() -> list[tuple[str, ast.Call]]:
    """Every ``DocumentError(...)`` in the index's code, with where it is."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "DocumentError":
                found.append((f"{path.name}:{node.lineno}", node))
    return found


def _argument(call: ast.Call, at: int, name: str) -> ast.expr | None:
    if len(call.args) > at:
        return call.args[at]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _signature(node: ast.expr) -> tuple:
    """What a value shows as: (its expression, conversion, format spec), so that ``f"{x:.1f}"``, ``str(x)``
    and ``repr(x)`` in a field match ``{x:.1f}``, ``{x}`` and ``{x!r}`` in the reason."""
    if isinstance(node, ast.FormattedValue):
        return ast.unparse(node.value), node.conversion, ast.unparse(node.format_spec) if node.format_spec else None
    if isinstance(node, ast.JoinedStr) and len(node.values) == 1 and isinstance(node.values[0], ast.FormattedValue):
        return _signature(node.values[0])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("str", "repr"):
        return ast.unparse(node.args[0]), -1 if node.func.id == "str" else ord("r"), None
    return ast.unparse(node), -1, None


def _english_of(call: ast.Call) -> str:
    """The reason a call writes, its values replaced by the ``{fields}`` that hold them."""
    reason, fields = _argument(call, 1, "reason"), _argument(call, 3, "fields")
    names = {}
    if fields is not None:
        assert isinstance(fields, ast.Dict), ast.unparse(fields)
        names = {_signature(value): key.value for key, value in zip(fields.keys, fields.values)}
    if isinstance(reason, ast.Constant):
        return reason.value
    assert isinstance(reason, ast.JoinedStr), ast.unparse(reason)
    parts = []
    for part in reason.values:
        if isinstance(part, ast.Constant):
            parts.append(part.value)
        else:
            assert _signature(part) in names, f"{ast.unparse(part)} is not among the fields"
            parts.append("{" + names[_signature(part)] + "}")
    return "".join(parts)


def test_every_document_error_has_a_key_with_words_in_both_languages():
    calls = _calls()
    assert len(calls) >= 30
    constant_keys = set()
    for where, call in calls:
        key = _argument(call, 2, "key")
        assert key is not None, f"DocumentError at {where} has no key"
        if isinstance(key, ast.Constant):
            assert f"doc_{key.value}" in STRINGS, f"{where}: no words for doc_{key.value}"
            constant_keys.add(key.value)
    # the keys chosen at run time: a parser's failure by file type, and the worker's answer (any of the others)
    chosen = {key for key, _ in load.UNREADABLE.values()} | {read_failure(Path("a.txt"), LookupError("x")).key}
    assert {f"doc_{key}" for key in constant_keys | chosen} == {key for key in STRINGS if key.startswith("doc_")}


@pytest.mark.parametrize("where, call", [(w, c) for w, c in _calls()
                                         if isinstance(_argument(c, 2, "key"), ast.Constant)],
                         ids=lambda value: value if isinstance(value, str) else "")
def test_the_english_words_are_the_reason_the_code_writes(where, call):
    key = _argument(call, 2, "key").value
    assert STRINGS[f"doc_{key}"][0] == _english_of(call), where


def _errors(tmp_path: Path) -> list[DocumentError]:
    """Representative errors, made the way the index makes them."""

    def loaded(name: str, data: bytes, limits=LIMITS) -> list[DocumentError]:
        path = tmp_path / name
        path.write_bytes(data)
        return [item for item in load_path(path, limits.file_bytes, limits=limits) if isinstance(item, DocumentError)]

    bad_lines = b"\n".join([b"not json", b"[" * 100_000, b'{"id": "\\ud800", "text": "x"}', b"[1, 2]",
                            b'{"text": "no id"}', b'{"id": 7, "text": " "}'])
    errors = [type_problem("x.py"), size_problem("x.txt", 0, 10_000_000), size_problem("x.txt", 12_000_000, 10_000_000),
              *loaded("latin1.txt", "caf\u00e9".encode("latin-1")), *loaded("odd.txt", b"\xff\xfea"),
              *loaded("nul.txt", b"a\x00b"), *loaded("blank.md", b"  \n\n "), *loaded("kb.jsonl", bad_lines),
              *loaded("long.txt", b"x" * 600, LIMITS.with_changes(text_chars=500)),
              *loaded("locked.pdf", make_pdf(tmp_path / "p.pdf", ["Secret."], password="pw").read_bytes()),
              *loaded("long.pdf", make_pdf(tmp_path / "q.pdf", ["1", "2", "3"]).read_bytes(),
                      LIMITS.with_changes(pages=2)),
              *loaded("scan.pdf", make_pdf(tmp_path / "r.pdf", [""]).read_bytes()),
              *loaded("big.docx", make_docx(tmp_path / "d.docx", ["A memo."]).read_bytes(),
                      LIMITS.with_changes(unpack_ratio=0.001, unpack_floor_mb=0.0)),
              *loaded("broken.docx", b"PK not a zip"), *loaded("broken.pdf", b"%PDF-1.4 junk"),
              read_failure(tmp_path / "gone.txt", FileNotFoundError(2, "No such file or directory")),
              read_failure(tmp_path / "a.txt", LookupError("a codec went missing")),
              *(read_failure(tmp_path / f"a{suffix}", ValueError("bad")) for suffix in load.UNREADABLE),
              *ingest.iter_files([tmp_path / "nowhere", "/dev/null"]),
              parse_worker._death(tmp_path / "a.pdf", -signal.SIGXCPU, 3.0),
              parse_worker._death(tmp_path / "a.pdf", -9, 3.0)]
    grown = tmp_path / "grows.txt"
    grown.write_bytes(b"x" * 11)  # over the 10 bytes its size was checked against
    with pytest.raises(DocumentError) as caught:
        load._read_bytes(grown, 10)
    return [*errors, caught.value]


def test_a_document_errors_words_in_english_are_its_reason_and_in_chinese_are_chinese(tmp_path):
    errors = _errors(tmp_path)
    keys = {err.key for err in errors}
    assert None not in keys and len(keys) >= 25, keys
    for err in errors:
        assert refusal(err, "en") == text(f"doc_{err.key}", "en", **err.fields) == err.reason, err.key
        chinese = refusal(err, "zh")
        assert chinese != err.reason and CJK.search(chinese), (err.key, chinese)
    assert text("doc_unsupported_type", "zh", **type_problem("x.py").fields).startswith("不支持的文件类型 '.py'")


def test_the_key_and_fields_cross_from_the_parsing_process_and_survive_pickling(tmp_path):
    bad = tmp_path / "kb.jsonl"
    bad.write_text('not json\n{"id": 1}\n')
    with parse_worker.Parser(LIMITS) as parser:
        errors = parser.load(bad)
    assert [(e.key, e.fields.get("line")) for e in errors] == [("jsonl_not_json", "1"), ("jsonl_no_text", "2")]
    assert refusal(errors[0], "zh") == "第 1 行不是有效的 JSON（Expecting value）"
    again = pickle.loads(pickle.dumps(errors[0]))
    assert (again.path, again.reason, again.key, again.fields) == (errors[0].path, errors[0].reason,
                                                                   errors[0].key, errors[0].fields)
    skipped = ingest.Skipped(errors[1])
    assert skipped == (errors[1].path, errors[1].reason) and pickle.loads(pickle.dumps(skipped)).error.key == "jsonl_no_text"


@pytest.mark.parametrize("entry", [
    {"error": ["a.pdf", "is strange"], "key": "no_such_key", "fields": {}},  # a key the page has no words for
    {"error": ["a.pdf", "is strange"], "key": "too_big", "fields": {"mb": "3"}},  # a field missing
    {"error": ["a.pdf", "is strange"]},  # no key at all
])
def test_a_key_the_page_cannot_fill_in_shows_the_reason(entry):
    err = parse_worker._item(json.loads(json.dumps(entry)))
    assert refusal(err, "zh") == refusal(err, "en") == "is strange"


def test_the_chinese_upload_report_says_why_in_chinese(doc_index, tmp_path):
    files = [upload(tmp_path, "script.py", b"print(1)\n"), upload(tmp_path, "empty.txt", b""),
             upload(tmp_path, "latin1.txt", "caf\u00e9".encode("latin-1")),
             upload(tmp_path, "kb.jsonl", b'not json\n{"id": 1}\n'),
             upload(tmp_path, "acme.md", b"# Acme\n\nBergen."), upload(tmp_path, "acme copy.md", b"# Acme\n\nBergen.")]
    english = unescape(add_uploads(doc_index, files, lang="en"))
    chinese = unescape(add_uploads(doc_index, files, lang="zh"))
    reasons = [type_problem("script.py").reason, "is empty", "is not valid UTF-8 (bad byte 0xe9 at offset 3); save it "
               "as UTF-8 and add it again", "line 1 is not valid JSON (Expecting value)", 'line 2 has no non-empty "text"', "same content as "]
    for reason in reasons:  # the English page as before; none of it on the Chinese one
        assert reason in english, english
        assert reason not in chinese, chinese
    assert "unsupported file type" not in chinese and "is not valid" not in chinese and "line " not in chinese
    assert "- **未添加：script.py**：不支持的文件类型 '.py'；支持的类型：" in chinese, chinese
    assert "- **未添加：empty.txt**：是空文件" in chinese
    assert "- **未添加：latin1.txt**：不是有效的 UTF-8 编码（偏移 3 处有无效字节 0xe9）" in chinese
    assert "- **未添加：kb.jsonl:1**：第 1 行不是有效的 JSON（Expecting value）" in chinese
    assert '- **未添加：kb.jsonl:2**：第 2 行没有非空的 "text"' in chinese
    assert "- **未添加：acme copy.md**：内容与已添加的 " in chinese and "same content as" not in chinese
