"""Read reference documents into plain text with page offsets.

Supported: ``.txt``, ``.md``, ``.html``/``.htm``, ``.pdf`` (pypdf; page numbers kept),
``.docx`` (python-docx), ``.jsonl`` with one ``{"id", "text", ...metadata}``
record per line (each record is its own document), and plain text without an extension of its
own (``README``, Debian's ``Apache-2.0``). Every problem is a
:class:`DocumentError` naming the file and the reason, whatever the parser raised; nothing
here writes. The budgets (``core/limits.py``) checked here are a file's size, a .docx's
declared unpacked size and a file's characters of text; time and memory are the parsing
process's (``index/parse_worker.py``).
"""

from __future__ import annotations

import bisect
import hashlib
import html
import io
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

from core.errors import InputError, first_line
from core.limits import LIMITS, Limits
from core.words import CJK

TEXT_TYPES = {".txt": "text", ".md": "markdown", ".markdown": "markdown"}
HTML_TYPES = {".html": "html", ".htm": "html"}
SUPPORTED = sorted([*TEXT_TYPES, *HTML_TYPES, ".pdf", ".docx", ".jsonl"])
# what a file that made its parser fail "is", by type (text types: "cannot be read as text"), and its key
UNREADABLE = {".pdf": ("unreadable_pdf", "is not a readable PDF"),
              ".docx": ("unreadable_docx", "is not a readable .docx file"),
              ".jsonl": ("unreadable_jsonl", "is not a readable JSONL file"),
              **{suffix: ("unreadable_html", "is not readable HTML") for suffix in HTML_TYPES}}


class DocumentError(InputError):
    """A file that cannot be added; the message names the file and the reason.

    ``reason`` is English (the CLI, the logs); ``key`` and ``fields`` say the same for the page in
    its language: ``assistant/ui/i18n.py``'s words ``"doc_" + key``, filled in with ``fields``
    (plain strings, so they cross from the parsing process as JSON)."""

    def __init__(self, path: Path | str, reason: str, key: str | None = None, fields: dict[str, str] | None = None):
        self.path, self.reason = str(path), reason
        self.key, self.fields = key, dict(fields or {})
        super().__init__(f"{path}: {reason}")

    def __reduce__(self):
        return type(self), (self.path, self.reason, self.key, self.fields)


@dataclass
class Document:
    """One document's text, ready to chunk. ``pages`` maps page numbers to start offsets."""

    source: str  # where it came from: a file path, or "path#record-id" for a JSONL record
    title: str
    kind: str  # text, markdown, html, pdf, docx, jsonl
    text: str
    pages: list[tuple[int, int]] = field(default_factory=list)  # (page number, start offset), ascending
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def page_at(self, offset: int) -> int | None:
        """The page holding character ``offset`` (None for documents without pages, or before the first)."""
        at = bisect.bisect_right(self.pages, offset, key=lambda page: page[1])
        return self.pages[at - 1][0] if at else None


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:  # an odd number of bytes, a lone surrogate
            raise DocumentError(path, f"is not valid UTF-16 ({err.reason} at offset {err.start}); "
                                      "save it as UTF-8 and add it again",
                                "not_utf16", {"problem": err.reason, "offset": str(err.start)}) from None
    if b"\x00" in data[:8192]:
        raise DocumentError(path, "looks like a binary file (it contains NUL bytes), not text", "binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DocumentError(path, f"is not valid UTF-8 (bad byte 0x{data[err.start]:02x} at offset {err.start}); "
                                  "save it as UTF-8 and add it again",
                            "not_utf8", {"byte": f"{data[err.start]:02x}", "offset": str(err.start)}) from None


def _clean(text: str) -> str:
    """Normalise line endings and drop control characters (keeps newlines and tabs) and lone
    surrogates (a PDF's text can hold them; they are not text, and UTF-8 cannot store them)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]", "", text)


# a first line that is a licence tag or a copyright notice names no document ("# SPDX-License-Identifier:
# LGPL-2.1-or-later" titled systemd's message catalogue)
_NOT_A_TITLE = re.compile(r"^(?:SPDX-[\w-]+:|Copyright\b|\(c\)|©)", re.IGNORECASE)


# The widest first line that is still a title (a CJK character counts two columns). Wider, it is the
# text's opening prose: a text file of paragraphs (bench/answers.py indexes SQuAD's so) was titled
# by its first 120 characters, cut mid-word ("... On Black Hammock Island in the na"), in every source
# list and in front of each of its passages in the prompt, ~28 tokens the model read again each time.
TITLE_COLUMNS = 100


# YAML front matter opening a Markdown file: its block of keys (``title:`` among them, or not)
_FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\n((?:(?!---)[^\n]*\n)*?)---[ \t]*(?:\n|\Z)")


def _columns(text: str) -> int:
    return len(text) + len(_CJK.findall(text))


def _first_heading(text: str) -> str | None:
    """The first line that can name the text (a Markdown heading's words), past licence tags,
    copyright notices and lines without a word; None when the first 50 lines hold none, or when that
    line is prose (wider than ``TITLE_COLUMNS``) rather than a title. A Markdown file's front matter
    gives its ``title:`` (systemd's UIDS-GIDS.md was titled "title: Users, Groups, UIDs and GIDs on
    systemd Systems" in every source list)."""
    front = _FRONT_MATTER.match(text[:10_000])
    if front:
        given = re.search(r"^title:[ \t]*(.+)$", front.group(1), re.MULTILINE)
        title = _unspaced(given.group(1).strip().strip("\"'")) if given else ""
        if title and _columns(title) <= TITLE_COLUMNS:
            return title
        text = text[front.end():]  # its other keys name nothing ("layout: default")
    for line in text.split("\n", 50)[:50]:  # not splitlines(): that splits the whole text at once
        line = _MODE_LINE.sub(" ", line[:1000])  # "GNU gzip NEWS  -*- outline -*-": Emacs's, not the title's
        heading = _unspaced(line.strip().lstrip("#").strip(_BORDER))  # a title is short: a 20 MB
        # one-line file is not split into words here
        if heading and re.search(r"\w", heading) and not _NOT_A_TITLE.match(heading):
            return heading if _columns(heading) <= TITLE_COLUMNS else None
    return None


# Emacs's file variables on a first line ("-*- outline -*-", "-*- mode: text; coding: utf-8 -*-")
_MODE_LINE = re.compile(r"-\*-.*?(?:-\*-|$)")
# A heading that names a part of any document, not this one: the file's name goes before it ("Introduction"
# titled httplib2's README.md in every source list, "Frequently Asked Questions" man-db's FAQ; session 39)
_GENERIC = re.compile(r"^(?:introduction|overview|read ?me|(?:table of )?contents|frequently asked questions|faqs?|"
                      r"abstract|preface|summary|about|description|synopsis|usage|installation|news|change ?log|"
                      r"changes|release notes|notes|documentation|help|getting started|quick ?start)[.:]?$",
                      re.IGNORECASE)


def titled(heading: str | None, stem: str) -> str:
    """A document's title: its heading, with the file's name before a heading any document might have
    ("httplib2-readme: Introduction"); the file's name where there is no heading."""
    if not heading:
        return stem
    generic = _GENERIC.match(heading.strip()) and heading.strip().lower() not in stem.lower()
    return f"{stem}: {heading}" if generic else heading  # "My notes" says "Notes" already


_BORDER = " \t=-*~_+|#"  # a banner's frame: "=   欢  迎  阅  读  《 V I M  教  程 》  =" (Vim's Chinese tutor)


_CJK = re.compile(f"[{CJK}\u3000-\u303f\uff00-\uffef]")  # the project's CJK letters, and CJK punctuation


def _unspaced(line: str) -> str:
    """A letter-spaced banner's words joined ("欢     迎     阅     读" -> "欢迎阅读", "W e l c o m e   t o" ->
    "Welcome to": a run of spaces parts its words), other lines with their runs of spaces made one; a
    line is letter-spaced when most of its space-parted pieces are one character."""
    pieces = line.split()
    if len(pieces) < 4 or sum(len(p) == 1 for p in pieces) < 0.6 * len(pieces):
        return " ".join(pieces)
    words = ["".join(group.split()) if all(len(p) == 1 for p in group.split()) else " ".join(group.split())
             for group in re.split(r"\s{2,}", line.strip())]
    out = words[0]
    for word in words[1:]:  # Chinese runs on without spaces; Latin words keep one
        out += word if _CJK.match(out[-1]) or _CJK.match(word[0]) else " " + word
    return out


class _HTMLText(HTMLParser):
    """Visible text of an HTML page; script/style/template contents are dropped, never run."""

    SKIP = {"script", "style", "template", "noscript", "head", "svg"}
    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
             "table", "ul", "ol", "pre", "blockquote", "hr", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.skip = 0
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        elif tag in self.SKIP:
            self.skip += 1
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        elif tag in self.SKIP and self.skip:
            self.skip -= 1
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        elif not self.skip:
            self.parts.append(data)


def _html_text(path: Path, raw: str) -> tuple[str, str | None]:
    parser = _HTMLText()
    parser.feed(raw)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\f\v]+", " ", text)
    text = re.sub(r" *\n[\n ]*\n *", "\n\n", text).strip()
    title = html.unescape(" ".join("".join(parser.title).split())) or None
    return text, title


def _pdf(path: Path, data: bytes, stem: str, limits: Limits) -> Document:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise DocumentError(path, "is an encrypted PDF; remove the password and add it again", "encrypted_pdf")
    if len(reader.pages) > limits.pages:
        raise DocumentError(path, f"has {len(reader.pages):,} pages, over the {limits.pages:,}-page limit "
                                  "(setting index.max_pages); not added",
                            "too_many_pages", {"pages": f"{len(reader.pages):,}", "limit": f"{limits.pages:,}"})
    meta_title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    pages, parts, offset = [], [], 0
    for number, page in enumerate(reader.pages, start=1):
        page_text = _clean(page.extract_text() or "").strip()
        pages.append((number, offset))
        parts.append(page_text)
        offset += len(page_text) + 2
        if offset > limits.text_chars:  # stop reading: the rest cannot be taken in anyway
            raise _too_much_text(path, limits)
    text = "\n\n".join(parts)
    return Document(str(path), str(meta_title or stem), "pdf", text, pages, {"page_count": len(pages)})


def _docx(path: Path, data: bytes, stem: str, max_unpacked: int) -> Document:
    import zipfile

    import docx

    with zipfile.ZipFile(io.BytesIO(data)) as z:  # a .docx is a zip: refuse one that unpacks to far more than it weighs
        unpacked = sum(info.file_size for info in z.infolist())
    if unpacked > max_unpacked:
        raise DocumentError(path, f"unpacks to {unpacked / 1e6:,.0f} MB, over the {max_unpacked / 1e6:,.0f} MB "
                                  "limit (a zip bomb? settings index.unpack_ratio, index.unpack_floor_mb); not read",
                            "unpacks_too_big", {"mb": f"{unpacked / 1e6:,.0f}", "limit_mb": f"{max_unpacked / 1e6:,.0f}"})
    d = docx.Document(io.BytesIO(data))  # what the parse costs past this is index.parse_memory_mb's
    blocks = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            blocks.append(" | ".join(cell.text.strip() for cell in row.cells))
    text = "\n\n".join(b.strip() for b in blocks if b.strip())
    title = d.core_properties.title or stem
    return Document(str(path), title, "docx", _clean(text))


def _jsonl(path: Path, raw: str) -> Iterator[Document | DocumentError]:
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield DocumentError(where, f"line {number} is not valid JSON ({err.msg})",
                                "jsonl_not_json", {"line": str(number), "problem": err.msg})
            continue
        except RecursionError:
            yield DocumentError(where, f"line {number} is nested too deeply", "jsonl_too_deep", {"line": str(number)})
            continue
        try:  # "\ud800" is valid JSON, but not text: the title, id and metadata could not be stored
            json.dumps(record, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as err:
            code = f"{ord(err.object[err.start]):04x}"
            yield DocumentError(where, f"line {number} holds a lone surrogate (\\u{code}), which is not text",
                                "jsonl_surrogate", {"line": str(number), "code": code})
            continue
        if not isinstance(record, dict):
            yield DocumentError(where, f"line {number} is not a JSON object", "jsonl_not_object", {"line": str(number)})
            continue
        rid, text = record.get("id"), record.get("text")
        if not isinstance(rid, (str, int)) or str(rid) == "":
            yield DocumentError(where, f"line {number} has no \"id\" (string or number)", "jsonl_no_id",
                                {"line": str(number)})
            continue
        if not isinstance(text, str) or not text.strip():
            yield DocumentError(where, f"line {number} has no non-empty \"text\"", "jsonl_no_text",
                                {"line": str(number)})
            continue
        meta = {k: v for k, v in record.items() if k not in ("id", "text")}
        title = str(meta.get("title") or rid)
        yield Document(f"{path}#{rid}", title, "jsonl", _clean(text).strip(), [], meta)


def plain_text_name(path: Path | str) -> bool:
    """A name that says no type of its own: no extension, or a version number as one (Debian's
    licences: ``Apache-2.0``, ``GPL-3``; ``README``, ``copyright``). Such a file is read as plain
    text, and refused if its bytes are not text."""
    suffix = Path(path).suffix
    return suffix == "" or suffix[1:].isdigit()


def type_problem(path: Path | str) -> DocumentError | None:
    """Why a file of this name's type cannot be added, or None."""
    suffix = Path(path).suffix.lower()
    if suffix in SUPPORTED or plain_text_name(path):
        return None
    return DocumentError(path, f"unsupported file type {suffix!r}; supported: {', '.join(SUPPORTED)}, "
                               "and plain text without an extension",
                         "unsupported_type", {"suffix": repr(suffix), "supported": ", ".join(SUPPORTED)})


def size_problem(path: Path | str, size: int, max_bytes: int) -> DocumentError | None:
    """Why a file of ``size`` bytes cannot be added, or None: the check made before reading a byte."""
    if size == 0:
        return DocumentError(path, "is empty", "empty")
    if size > max_bytes:
        return DocumentError(path, f"is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
                                   "(setting index.max_file_mb)",
                             "too_big", {"mb": f"{size / 1e6:.1f}", "limit_mb": f"{max_bytes / 1e6:.0f}"})
    return None


def _too_much_text(path: Path, limits: Limits) -> DocumentError:
    return DocumentError(path, f"has more than {limits.text_chars:,} characters of text "
                               "(setting index.max_text_chars); not added",
                         "too_much_text", {"limit": f"{limits.text_chars:,}"})


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, never more than ``max_bytes`` (it may have grown since its size was checked)."""
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentError(path, f"grew past the {max_bytes / 1e6:g} MB limit while it was read "
                                  "(setting index.max_file_mb)", "grew", {"limit_mb": f"{max_bytes / 1e6:g}"})
    return data


def _parse(path: Path, stem: str, max_bytes: int, limits: Limits) -> list[Document | DocumentError]:
    suffix = path.suffix.lower()
    data = _read_bytes(path, max_bytes)
    if suffix == ".pdf":
        return [_pdf(path, data, stem, limits)]
    if suffix == ".docx":
        return [_docx(path, data, stem, limits.unpacked_bytes(max_bytes))]
    raw = _clean(_decode(path, data))
    if suffix == ".jsonl":
        return list(_jsonl(path, raw))
    if suffix in HTML_TYPES:
        text, title = _html_text(path, raw)
        return [Document(str(path), titled(title, stem), "html", text)]
    return [Document(str(path), titled(_first_heading(raw), stem), TEXT_TYPES.get(suffix, "text"), raw.strip())]


def _out_of_memory(err: Exception) -> bool:
    """MemoryError, or libxml2's own (lxml reports an allocation that failed as a syntax error)."""
    if isinstance(err, MemoryError):
        return True
    if type(err).__module__ == "lxml.etree":
        from lxml.etree import ErrorTypes

        return getattr(err, "code", None) == ErrorTypes.ERR_NO_MEMORY
    return False


def read_failure(path: Path, err: Exception) -> DocumentError:
    """What any exception out of reading ``path`` says about it: the file's error, not the batch's."""
    if isinstance(err, OSError) and err.errno is not None:
        return _cannot_read(path, err)
    key, what = UNREADABLE.get(path.suffix.lower(), ("unreadable_text", "cannot be read as text"))
    error = f"{type(err).__name__}: {first_line(err)}"
    return DocumentError(path, f"{what} ({error})", key, {"error": error})


def _cannot_read(path: Path, err: OSError) -> DocumentError:
    reason = str(err.strerror or err)
    return DocumentError(path, f"cannot be read ({reason})", "cannot_be_read", {"reason": reason})


def load_path(path: Path, max_bytes: int, name: str | None = None,
              limits: Limits = LIMITS) -> Iterator[Document | DocumentError]:
    """The documents in one file, or errors saying why not (a JSONL file may give both).

    ``name`` is the file name a person knows the file by, when it is stored under another
    (uploads are stored under generated names): titles fall back to its stem, not the path's.
    Any exception while reading the file is its :class:`DocumentError`, except MemoryError,
    which the parsing process reports as its budget (``index/parse_worker.py``)."""
    stem = Path(name).stem if name else path.stem
    problem = type_problem(path)
    if problem is None:
        try:
            problem = size_problem(path, path.stat().st_size, max_bytes)
        except OSError as err:
            problem = _cannot_read(path, err)
    if problem is not None:
        yield problem
        return
    try:
        items = _parse(path, stem, max_bytes, limits)
    except DocumentError as err:
        yield err
        return
    except Exception as err:  # a parser's own failure (pypdf's limits, zipfile's, lxml's): this file's
        if _out_of_memory(err):
            raise MemoryError(f"parsing {path}") from err
        yield read_failure(path, err)
        return
    docs = [item for item in items if isinstance(item, Document)]
    if sum(len(doc.text) for doc in docs) > limits.text_chars:
        yield _too_much_text(path, limits)
        return
    for item in items:
        if isinstance(item, DocumentError):
            yield item
        elif not item.text.strip():
            yield (DocumentError(path, "has no text to index (a scanned PDF needs OCR first)", "no_text_pdf")
                   if item.kind == "pdf" else DocumentError(path, "has no text to index", "no_text"))
        else:
            yield item
