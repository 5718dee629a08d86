"""Add files and folders to the index: load, chunk, embed, store, and report what happened.

One bad file never stops the others: it is skipped with its reason. Files are
read and chunked in a background thread while the previous batch is embedded, and
parsed (but for plain text) in a worker process under a time and memory budget
(``index/parse_worker.py``);
batches span documents (small files would otherwise make small, slow batches);
each document is stored in its own transaction.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from core.progress import Progress
from index.chunk import Chunk, chunk_document
from index.load import Document, DocumentError
from index.parse_worker import Parser
from index.store import DocumentInfo


class Skipped(tuple[str, str]):
    """A file not added: the pair ``(file, reason)``, the reason in English (the CLI's report, the
    tests), and the :class:`DocumentError` it came from (``error.key`` and ``error.fields`` let the
    page say the reason in its language)."""

    error: DocumentError

    def __new__(cls, error: DocumentError) -> Skipped:
        pair = super().__new__(cls, (error.path, error.reason))
        pair.error = error
        return pair

    def __getnewargs__(self) -> tuple[DocumentError]:
        return (self.error,)


@dataclass
class IngestReport:
    added: list[DocumentInfo] = field(default_factory=list)
    replaced: list[DocumentInfo] = field(default_factory=list)  # an earlier version from the same source
    unchanged: list[str] = field(default_factory=list)  # sources already stored with the same content
    skipped: list[Skipped] = field(default_factory=list)  # (file, reason), and the error
    chunks: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [f"added {len(self.added)}, replaced {len(self.replaced)}, unchanged {len(self.unchanged)}, "
                 f"skipped {len(self.skipped)} ({self.chunks} chunks in {self.seconds:.1f} s)"]
        lines += [f"  skipped {path}: {reason}" for path, reason in self.skipped]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "added": [d.source for d in self.added], "replaced": [d.source for d in self.replaced],
            "unchanged": self.unchanged, "skipped": [{"file": p, "reason": r} for p, r in self.skipped],
            "chunks": self.chunks, "seconds": round(self.seconds, 3),
        }


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path | DocumentError]:
    """Files named, and files under folders named (recursively, sorted, hidden ones left out)."""
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if child.is_file() and not any(part.startswith(".") for part in rel.parts):
                    yield child
        elif path.is_file():
            yield path
        elif path.exists():
            yield DocumentError(path, "is not a regular file", "not_a_file")
        else:
            yield DocumentError(path, "not found", "not_found")


@dataclass(frozen=True)
class _Unchanged:
    source: str


def _prepare(paths, known: dict[str, str], parser: Parser, tokenizer, size: int, overlap: int,
             names: Mapping[str, str]):
    """Load and chunk each document; runs in a background thread (touches no database)."""
    for item in iter_files(paths):
        for doc in [item] if isinstance(item, DocumentError) else parser.load(item, names.get(str(item))):
            if isinstance(doc, DocumentError):
                yield doc
            elif known.get(doc.source) == doc.sha256:
                yield _Unchanged(doc.source)
            else:
                yield doc, chunk_document(doc, tokenizer, size, overlap)


_DONE = object()


def _in_background(iterator, depth: int = 16):
    """Run a generator in a thread, `depth` items ahead, so reading and chunking overlap embedding."""
    import queue
    import threading

    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in iterator:
                while not stop.is_set():
                    try:
                        items.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put(("done", _DONE))
        except BaseException as err:  # handed to the consuming thread, which raises it
            items.put(("error", err))

    thread = threading.Thread(target=work, name="ingest-prepare", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = items.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


def ingest(index, paths: Iterable[str | Path], progress: Progress | None = None,
           names: Mapping[str, str] | None = None) -> IngestReport:
    """Add everything under ``paths`` to ``index`` (a :class:`index.documents.DocumentIndex`).

    ``names`` maps a stored path to the file name a person gave it (titles fall back to it)."""
    progress = progress or (lambda message: None)
    names = names or {}

    def shown(source: str) -> str:  # the name a person gave the file, where they gave one
        return names.get(source, source)

    cfg = index.cfg
    store = index.store
    report = IngestReport()
    start = time.perf_counter()
    pending: list[tuple[Document, list[Chunk]]] = []
    pending_chunks = 0
    target = cfg.batch_size * 8

    def flush() -> None:
        nonlocal pending, pending_chunks
        if not pending:
            return
        texts = [c.text for _, chunks in pending for c in chunks]
        progress(f"embedding {len(texts)} chunks of {', '.join(shown(d.source) for d, _ in pending)}...")
        vectors = index.embedder.encode(texts, batch_size=cfg.batch_size)
        at = 0
        for doc, chunks in pending:
            info, replaced = store.add(doc, chunks, vectors[at:at + len(chunks)])
            at += len(chunks)
            (report.replaced if replaced else report.added).append(info)
            report.chunks += len(chunks)
            progress(f"{'replaced' if replaced else 'added'} {shown(doc.source)} ({len(chunks)} chunks)")
        pending, pending_chunks = [], 0

    known = {d.source: d.sha256 for d in store.documents()}
    seen_hashes: dict[str, str] = {}
    # The chunker gets its own tokenizer: a fast tokenizer's padding state is not safe to share
    # with the embedding thread (seen: batches built with the wrong lengths).
    tokenizer = copy.deepcopy(index.embedder.tokenizer)
    parser = Parser(cfg.limits())
    prepared = _prepare(paths, known, parser, tokenizer, cfg.chunk_tokens, cfg.chunk_overlap, names)
    with parser:  # the worker process lives as long as the batch
        for item in _in_background(prepared):
            if isinstance(item, DocumentError):
                report.skipped.append(Skipped(item))
                progress(f"skipped {shown(str(item.path))}: {item.reason}")
                continue
            if isinstance(item, _Unchanged):
                report.unchanged.append(item.source)
                progress(f"unchanged {shown(item.source)}")
                continue
            doc, chunks = item
            digest = doc.sha256
            twin = seen_hashes.get(digest) or (None if doc.source in known else _twin(store, digest))
            if twin is not None and twin != doc.source:
                report.skipped.append(Skipped(DocumentError(doc.source, f"same content as {twin}, already added",
                                                            "same_content", {"other": twin})))
                progress(f"skipped {shown(doc.source)}: same content as {shown(twin)}, already added")
                continue
            seen_hashes[digest] = doc.source
            pending.append((doc, chunks))
            pending_chunks += len(chunks)
            if pending_chunks >= target:
                flush()
    flush()
    if report.added or report.replaced:
        store.save()
    report.seconds = time.perf_counter() - start
    return report


def _twin(store, digest: str) -> str | None:
    other = store.find_by_hash(digest)
    return other.source if other else None
