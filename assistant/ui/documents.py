"""The documents tab: upload many files at once, list what is indexed, delete.

Uploads are copied into the index's uploads folder (``storage.uploads``, by default
``<data home>/uploads/``; a folder every replica mounts when several share a database) under a **generated** name: a hash of
the name the file had, and its extension when that is a supported type. Nothing a
browser sends can choose where a file lands (``../``, absolute paths, NUL, 500-character
names all end as 16 hex digits), the same name always lands in the same place (so
uploading a new version of a file replaces the old one), and the title shown is still
the file's own name. Every file gets its own line in the result: added, replaced,
unchanged, or skipped *with the reason*; one bad file never stops the others.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import time
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import Callable, Sequence

from assistant.ui.highlight import text_html
from assistant.ui.i18n import STRINGS, fields_of, kind_words, text
from core.errors import InputError, storage_error
from core.progress import under_way
from index.load import DocumentError, size_problem, type_problem

COLUMNS = ["title", "type", "pages", "chunks", "added", "id"]


def display_name(name: str) -> str:
    """The last part of a browser-supplied file name, without control characters (for titles and reports)."""
    base = Path(str(name).replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    if len(base) > 200:  # cut the stem, keep the extension (it says what type the file is)
        stem, suffix = base[:-len(Path(base).suffix) or None], Path(base).suffix[:20]
        base = stem[:180] + suffix
    return base or "upload"


def stored_name(name: str) -> str:
    """The generated name an upload is kept under: 16 hex digits of a hash of its name, and its
    extension (only files of a type the index reads are ever stored)."""
    shown = display_name(name)
    digest = hashlib.sha256(shown.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return digest + Path(shown).suffix.lower()


def table(index, lang: str = "en") -> list[list]:
    """One row per document, newest first, its kind in ``lang``."""
    if index is None:
        return []
    docs = sorted(index.documents(), key=lambda d: d.added_at, reverse=True)
    return [[d.title, kind_words(d.kind, lang), d.pages if d.pages is not None else "", d.chunks,
             time.strftime("%Y-%m-%d %H:%M", time.localtime(d.added_at)), d.id[:12]] for d in docs]


def choices(index, lang: str = "en") -> list[tuple[str, str]]:
    """(label, id) for a document picker, the label in ``lang``."""
    if index is None:
        return []
    return [(text("document_choice", lang, title=d.title, kind=kind_words(d.kind, lang), chunks=d.chunks), d.id)
            for d in index.documents()]


def refusal(error: DocumentError, lang: str = "en") -> str:
    """Why a file is not added, in ``lang``: the words of ``"doc_" + error.key`` filled in with its
    fields; its (English) reason where the page has no words for it (an error without a key, or a key
    or fields the page does not know: they may come from the parsing process)."""
    words = STRINGS.get(f"doc_{error.key}")
    if error.key is None or words is None or not fields_of(words[0]) <= error.fields.keys():
        return error.reason
    return text(f"doc_{error.key}", lang, **error.fields)


def upload_path(original: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder / stored_name(original)


def settle(paths: Sequence[Path], backups: dict[str, Path], taken: Sequence[str]) -> None:
    """After an upload: keep the stored copy of each file the index took (a document from it,
    or from one of its JSONL records, in ``taken``) and drop its set-aside earlier version;
    for every other file put the earlier version back, or remove the copy if there was none."""
    for dest in map(str, paths):
        kept = any(source == dest or source.startswith(dest + "#") for source in taken)
        if dest in backups:
            backups[dest].unlink() if kept else backups[dest].replace(dest)
        elif not kept:
            Path(dest).unlink(missing_ok=True)


_UPLOADING = threading.Lock()  # one upload at a time: each may set aside and restore earlier versions


def recover_uploads(folder: Path) -> list[Path]:
    """Earlier versions an upload killed half-way set aside (``.previous-NAME``): put back where
    the new version never arrived, removed where it did. Returns the files put back."""
    restored = []
    for backup in folder.glob(".previous-*"):
        current = backup.with_name(backup.name[len(".previous-"):])
        if current.exists():
            backup.unlink()
        else:
            restored.append(backup.rename(current))
    return restored


def add_uploads(index, files: Sequence, progress: Callable[[float, str], None] | None = None,
                lang: str = "en") -> str:
    """Copy the uploaded files into the data home and index them; a markdown report, one line a file,
    in ``lang`` (a file's refusal reason too, where the page has words for it: :func:`refusal`).

    ``files`` are paths (or objects with ``.name`` / ``.orig_name``, as Gradio passes them)."""
    if index is None:
        raise InputError(text("no_index", lang))
    if not files:
        raise InputError(text("choose_files", lang))
    folder = Path(index.uploads)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise storage_error(folder, err) from err
    with _UPLOADING, _folder_lock(folder):
        return _add_uploads(index, files, progress, folder, lang)


@contextmanager
def _folder_lock(folder: Path):
    """The uploads folder itself locked (flock on the directory: no lock file among the uploads)
    while an upload sets aside and restores earlier versions: another replica sharing the folder
    waits its turn."""
    import fcntl
    import os

    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _add_uploads(index, files: Sequence, progress: Callable[[float, str], None] | None, folder: Path,
                 lang: str = "en") -> str:
    recover_uploads(folder)
    max_bytes = int(index.cfg.max_file_mb * 1e6)
    paths, names, backups = [], {}, {}
    refused: list[tuple[str, str]] = []  # (name, reason): files turned away before a byte is copied
    for item in files:
        src = Path(item) if isinstance(item, (str, PathLike)) else Path(getattr(item, "name", None) or item.path)
        original = display_name(getattr(item, "orig_name", None) or src.name)
        try:
            problem = type_problem(original) or size_problem(original, src.stat().st_size, max_bytes)
        except OSError as err:
            refused.append((original, text("cannot_be_read", lang, reason=err.strerror or err)))
            continue
        if problem is not None:
            refused.append((original, refusal(problem, lang)))
            continue
        dest = upload_path(original, folder)
        if str(dest) in names:
            refused.append((original, text("same_name", lang)))
            continue
        paths.append(dest)
        if src.resolve() != dest.resolve():
            try:
                if dest.exists():  # kept until the new version is in: a bad new file must not lose the old one
                    backups[str(dest)] = dest.rename(dest.with_name(f".previous-{dest.name}"))
                shutil.copyfile(src, dest)
            except OSError as err:  # a full disk: put back what was there, add nothing
                settle(paths, backups, taken=[])
                raise storage_error(dest, err) from err
        names[str(dest)] = original
    done = [0]

    def step(message: str) -> None:
        done[0] += not under_way(message)  # a file done moves the bar a file's width
        if progress is not None:  # read and chunked, being embedded: half of that width (it sat at 0 %)
            half = 0.5 if message.startswith("embedding") else 0.0
            progress(min((done[0] + half) / len(paths), 1.0), message)

    if progress is not None and paths:
        listed = text("list_sep", lang).join(names[str(p)] for p in paths[:3])
        if len(paths) > 3:
            listed = text("and_more", lang, names=listed, n=len(paths) - 3)
        progress(0.0, text("reading_files", lang, names=listed))
    started = time.time()
    try:
        report = index.add(paths, progress=step, names=names)
    except BaseException:  # what the index committed before it failed stays; the rest is put back
        settle(paths, backups, taken=[d.source for d in index.documents() if d.added_at >= started])
        raise
    settle(paths, backups, taken=[d.source for d in report.added] + list(report.unchanged))

    def shown(source: str) -> str:
        """The name a person gave the file (a JSONL record's line or id kept after it)."""
        for stored, name in names.items():
            if source == stored or source.startswith((stored + ":", stored + "#")):
                return text_html(name + source[len(stored):])
        return text_html(Path(source).name)

    lines = [text("upload_summary", lang, added=len(report.added), replaced=len(report.replaced),
                  unchanged=len(report.unchanged), refused=len(report.skipped) + len(refused), chunks=report.chunks,
                  seconds=f"{report.seconds:.1f}")]
    replaced = {d.source for d in report.replaced}
    lines += [text("upload_replaced" if d.source in replaced else "upload_added", lang, name=shown(d.source),
                   chunks=d.chunks) for d in report.added]
    lines += [text("upload_unchanged", lang, name=shown(s)) for s in report.unchanged]
    lines += [text("upload_not_added", lang, name=shown(s.error.path), reason=text_html(refusal(s.error, lang)))
              for s in report.skipped]
    lines += [text("upload_not_added", lang, name=text_html(name), reason=text_html(reason)) for name, reason in refused]
    return "\n".join(lines)


def delete(index, doc_id: str | None, lang: str = "en") -> str:
    if index is None:
        raise InputError(text("no_index", lang))
    if not doc_id:
        raise InputError(text("choose_document", lang))
    doc = index.remove(doc_id)
    return text("deleted", lang, title=text_html(doc.title), chunks=doc.chunks)
