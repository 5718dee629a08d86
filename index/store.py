"""Documents, chunks and their vectors: the database is the truth, FAISS a derived index.

Layout under ``<data home>/index/``: ``index.sqlite`` (documents, chunks with their float32
vectors, an FTS5 keyword index over each chunk's words and, for CJK text, its character
pairs (``index/keywords.py``), meta) and ``vectors.faiss``. With ``storage.url`` a PostgreSQL
server holds the same tables (schema ``assistant_index``; keyword search by its full-text
search) for every replica, and each replica keeps its own FAISS file, ``vectors-<store>.faiss``
under its data home, as a local cache of the shared vectors. A document and all its chunks are
written in one transaction, so after a crash each is fully present or absent. The FAISS
file is written atomically but may lag the database; on open, and whenever another process
changed the database (the ``generation`` counter in ``meta``), it is reconciled: vectors it
lacks are added from their stored copies, vectors of deleted chunks removed. One ``Store``
serves every thread of the app; FAISS does not allow a search while vectors are added (it
duplicated vectors and corrupted the heap), so every method that touches the SQLite
connection or the FAISS index holds the store's lock.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from core.db import connect, dialect, is_postgres_url, redacted, run_script, select_in, transaction
from core.errors import ConfigError, StorageError
from index.chunk import Chunk
from index.embed import AUTO, DEFAULT_EMBEDDER
from index.keywords import keyword_text, query_words
from index.load import Document
from index.vectors import IndexSpec, VectorIndex, pad

log = logging.getLogger(__name__)


def _m1_initial(conn) -> None:
    run_script(conn, """
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            text TEXT NOT NULL,
            pages INTEGER,
            metadata TEXT NOT NULL DEFAULT '{}',
            added_at REAL NOT NULL);
        CREATE INDEX documents_sha256 ON documents (sha256);
        -- AUTOINCREMENT: a chunk id is never reused, so a stale FAISS id can never point at a new chunk.
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            page INTEGER,
            tokens INTEGER NOT NULL,
            text TEXT NOT NULL,
            vector BLOB NOT NULL);
        CREATE INDEX chunks_doc ON chunks (doc_id, seq);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta (key, value) VALUES ('generation', '0');
    """)
    if dialect(conn) == "postgresql":  # keyword search: PostgreSQL's full-text search, English stemming
        conn.execute("ALTER TABLE chunks ADD COLUMN words tsvector "
                     "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED")
        conn.execute("CREATE INDEX chunks_words ON chunks USING gin (words)")
        return
    conn.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5 (text, content='chunks', content_rowid='id', "
                 "tokenize='porter unicode61')")
    conn.execute("CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN "
                 "INSERT INTO chunks_fts (rowid, text) VALUES (new.id, new.text); END")
    conn.execute("CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN "
                 "INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text); END")


def _m2_cjk_keywords(conn) -> None:
    """Keyword search finds Chinese and Japanese words: each chunk's ``keywords`` (its CJK runs as
    character pairs, ``index/keywords.py``; NULL for other text) is what is indexed."""
    conn.execute("ALTER TABLE chunks ADD COLUMN keywords TEXT")
    for chunk_id, text in conn.execute("SELECT id, text FROM chunks").fetchall():
        if (words := keyword_text(text)) is not None:
            conn.execute("UPDATE chunks SET keywords = ? WHERE id = ?", (words, chunk_id))
    if dialect(conn) == "postgresql":
        conn.execute("DROP INDEX chunks_words")
        conn.execute("ALTER TABLE chunks DROP COLUMN words")
        conn.execute("ALTER TABLE chunks ADD COLUMN words tsvector "
                     "GENERATED ALWAYS AS (to_tsvector('english', COALESCE(keywords, text))) STORED")
        conn.execute("CREATE INDEX chunks_words ON chunks USING gin (words)")
        return
    for statement in ("DROP TRIGGER chunks_ai", "DROP TRIGGER chunks_ad", "DROP TABLE chunks_fts",
                      "CREATE VIEW chunks_keywords AS SELECT id, COALESCE(keywords, text) AS text FROM chunks",
                      "CREATE VIRTUAL TABLE chunks_fts USING fts5 (text, content='chunks_keywords', "
                      "content_rowid='id', tokenize='porter unicode61')",
                      "CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN INSERT INTO chunks_fts (rowid, text) "
                      "VALUES (new.id, COALESCE(new.keywords, new.text)); END",
                      "CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN INSERT INTO chunks_fts "
                      "(chunks_fts, rowid, text) VALUES ('delete', old.id, COALESCE(old.keywords, old.text)); END",
                      "INSERT INTO chunks_fts (chunks_fts) VALUES ('rebuild')"):
        conn.execute(statement)


MIGRATIONS = [_m1_initial, _m2_cjk_keywords]


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    source: str
    title: str
    kind: str
    sha256: str
    pages: int | None
    chunks: int
    chars: int
    added_at: float
    metadata: dict[str, Any]


@dataclass(frozen=True)
class StoredChunk:
    id: int
    doc_id: str
    seq: int
    text: str
    start: int
    end: int
    page: int | None
    title: str
    source: str


def document_id(source: str) -> str:
    """A short, stable id for a source (a path, or path#record)."""
    import hashlib

    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


def _serialized(method):
    """Run ``method`` holding the store's lock (reentrant: locked methods call each other)."""
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return locked


SCHEMA = "assistant_index"  # the store's tables on PostgreSQL


class Store:
    def __init__(self, root: Path, embedder_name: str, spec: IndexSpec, dim: int | None = None,
                 database: str | None = None):
        """Open (or create) the store. ``dim`` may be left out to only list or remove documents.
        ``database``: a ``postgresql://`` URL, or None for ``root/index.sqlite``."""
        root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.root, self.spec, self.embedder_name = root, spec, embedder_name
        self.db = connect(database or root / "index.sqlite", MIGRATIONS, schema=SCHEMA)
        self.where = redacted(database) if is_postgres_url(database) else str(root / "index.sqlite")
        self.faiss_path = root / "vectors.faiss"
        if dialect(self.db) == "postgresql":  # a cache of this database's vectors: never another's
            self.faiss_path = root / f"vectors-{self._identity()}.faiss"
        self.dim: int | None = None
        self._vectors: VectorIndex | None = None
        self._generation: int | None = None  # the database generation the vectors reflect
        self.bind(dim)

    def _identity(self) -> str:
        """A random name the database keeps for itself (made once): which vectors a FAISS file caches."""
        import uuid

        with transaction(self.db):
            row = self.db.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
            if row is None:
                row = (uuid.uuid4().hex[:16],)
                self.db.execute("INSERT INTO meta (key, value) VALUES ('store_id', ?)", row)
        return row[0]

    @_serialized
    def recorded_model(self) -> str | None:
        """The embedding model the index was built with (None before its first vectors)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'embedding_model'").fetchone()
        return row[0] if row else None

    @_serialized
    def bind(self, dim: int | None) -> None:
        """Check (or, for a new index, record) the embedding model and its dimension. A store opened
        for ``auto`` takes the model the index records, or records ``DEFAULT_EMBEDDER``."""
        with transaction(self.db):
            meta = {r["key"]: r["value"] for r in self.db.execute("SELECT key, value FROM meta")}
            if self.embedder_name.strip().lower() == AUTO:
                self.embedder_name = meta.get("embedding_model", DEFAULT_EMBEDDER)
            if "embedding_model" not in meta:
                if dim is not None:
                    self.db.execute("INSERT INTO meta (key, value) VALUES ('embedding_model', ?), ('dim', ?)",
                                    (self.embedder_name, str(dim)))
                    self.dim = dim
                return
        if meta["embedding_model"] != self.embedder_name or (dim is not None and int(meta["dim"]) != dim):
            raise ConfigError(
                f"the index in {self.where} was built with embedding model {meta['embedding_model']!r} "
                f"({meta['dim']} dimensions), not {self.embedder_name!r}; set index.embedding_model back, "
                f"or use another data home")
        self.dim = int(meta["dim"])

    @_serialized
    def close(self) -> None:
        self.db.close()

    # -- generation and the vector index ---------------------------------------------------------------
    def _db_generation(self) -> int:
        return int(self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    def _bump(self) -> int:
        """Inside a write transaction: advance the generation; returns the new one."""
        new = int(self.db.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                                  "WHERE key = 'generation' RETURNING value").fetchone()[0])
        if new - 1 != self._generation:
            self._generation = None  # someone else wrote since we last looked: reconcile after this
        return new

    @property
    @_serialized
    def vectors(self) -> VectorIndex:
        """The FAISS index, reconciled with the database if it may be out of date.

        Only for reading what it is: searching it goes through :meth:`search`, under the lock."""
        if self.dim is None:
            raise RuntimeError("the store was opened without an embedding dimension")  # a bug in the caller
        generation = self._db_generation()
        if self._vectors is None or self._generation != generation:
            self._reconcile(generation)
        assert self._vectors is not None
        return self._vectors

    @_serialized
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, chunk ids) of the ``k`` nearest vectors to each query (see :meth:`VectorIndex.search`)."""
        return self.vectors.search(queries, k)

    @_serialized
    def search_within(self, queries: np.ndarray, k: int, doc_ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(scores, chunk ids) of the ``k`` nearest chunks of ``doc_ids`` only: an exact search over
        those documents' vectors, read from SQLite (a chat's chosen documents are a small share)."""
        ids, vectors = self._vectors_of(select_in(
            self.db, "SELECT id, vector FROM chunks WHERE doc_id IN ({}) ORDER BY id", list(doc_ids)))
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        scores = queries @ vectors.T  # the vectors are normalised: inner product is cosine, as in the FAISS index
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return pad(np.take_along_axis(scores, order, axis=1), ids[order], k)  # none found: all -1

    def _all_vectors(self, ids: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        if ids is None:
            rows = self.db.execute("SELECT id, vector FROM chunks ORDER BY id").fetchall()
        else:
            rows = select_in(self.db, "SELECT id, vector FROM chunks WHERE id IN ({})", ids)
        return self._vectors_of(rows)

    def _vectors_of(self, rows) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, their vectors as one float32 matrix) of ``SELECT id, vector`` rows."""
        out_ids = np.array([r["id"] for r in rows], dtype=np.int64)
        vecs = (np.frombuffer(b"".join(r["vector"] for r in rows), dtype=np.float32).reshape(len(rows), self.dim)
                if rows else np.zeros((0, self.dim), np.float32))
        return out_ids, vecs

    def _reconcile(self, generation: int) -> None:
        start = time.perf_counter()
        vectors = self._vectors
        if vectors is None and self.faiss_path.exists():
            try:
                vectors = VectorIndex.load(self.faiss_path, self.dim, self.spec)
            except (RuntimeError, ValueError) as err:  # unreadable or foreign file: rebuild from the database
                log.warning("rebuilding %s: %s", self.faiss_path, err)
                vectors = None
        db_ids = {r[0] for r in self.db.execute("SELECT id FROM chunks")}
        if vectors is None:
            ids, vecs = self._all_vectors()
            vectors = VectorIndex.build(self.dim, self.spec, ids, vecs)
        else:
            have = set(vectors.ids().tolist()) - vectors.tombstones
            vectors.remove(have - db_ids)
            missing = sorted(db_ids - have)
            if missing:
                vectors.add(*self._all_vectors(missing))
            if vectors.needs_rebuild():
                ids, vecs = self._all_vectors()
                vectors = VectorIndex.build(self.dim, self.spec, ids, vecs)
        self._vectors, self._generation = vectors, generation
        log.info("vector index ready: %d vectors, %s, %.2f s", vectors.live_count, vectors.kind,
                 time.perf_counter() - start)

    @_serialized
    def save(self) -> None:
        """Write the FAISS file (atomically), so the next open needs little reconciling.

        The file is a cache of the vectors in the database: when the disk will not take it,
        that is logged and the old file stays; the next open brings it up to date."""

        try:
            self.vectors.save(self.faiss_path)
        except StorageError as err:
            log.warning("%s (the vector file is rebuilt from the database when the index is next opened)", err)

    # -- documents -----------------------------------------------------------------------------------
    def find(self, source: str) -> DocumentInfo | None:
        docs = self.documents(where="d.source = ?", args=(source,))
        return docs[0] if docs else None

    def find_by_hash(self, sha256: str) -> DocumentInfo | None:
        docs = self.documents(where="d.sha256 = ?", args=(sha256,))
        return docs[0] if docs else None

    @_serialized
    def documents(self, where: str = "TRUE", args: Sequence[Any] = ()) -> list[DocumentInfo]:
        rows = self.db.execute(
            f"SELECT d.id, d.source, d.title, d.kind, d.sha256, d.pages, d.added_at, d.metadata, "
            f"length(d.text) AS chars, (SELECT count(*) FROM chunks c WHERE c.doc_id = d.id) AS n "
            f"FROM documents d WHERE {where} ORDER BY d.added_at, d.id", tuple(args)).fetchall()
        return [DocumentInfo(r["id"], r["source"], r["title"], r["kind"], r["sha256"], r["pages"], r["n"],
                             r["chars"], r["added_at"], json.loads(r["metadata"])) for r in rows]

    def resolve(self, key: str) -> DocumentInfo | None:
        """A document by id, unique id prefix, or source."""
        docs = self.documents(where="d.id = ? OR d.source = ?", args=(key, key))
        if not docs and len(key) >= 4:
            docs = self.documents(where="d.id LIKE ?", args=(key + "%",))
        return docs[0] if len(docs) == 1 else None

    @_serialized
    def add(self, doc: Document, chunks: Sequence[Chunk], vectors: np.ndarray) -> tuple[DocumentInfo, bool]:
        """Store a document with its chunks, replacing any earlier version from the same source.

        Returns (info, replaced). One transaction: all of it is stored, or none.
        """
        if self.dim is None or vectors.shape[1:] != (self.dim,):
            raise ValueError(f"vectors of shape {vectors.shape} for a {self.dim}-dimensional index")
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        doc_id = document_id(doc.source)
        blobs = np.ascontiguousarray(vectors, dtype=np.float32)
        with transaction(self.db):
            old_ids = [r[0] for r in self.db.execute("SELECT c.id FROM chunks c JOIN documents d ON c.doc_id = d.id "
                                                     "WHERE d.source = ?", (doc.source,))]
            replaced = self.db.execute("DELETE FROM documents WHERE source = ?", (doc.source,)).rowcount > 0
            self.db.execute(
                "INSERT INTO documents (id, source, title, kind, sha256, text, pages, metadata, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc_id, doc.source, doc.title, doc.kind, doc.sha256, doc.text,
                 doc.metadata.get("page_count"), json.dumps(doc.metadata, ensure_ascii=False, default=str),
                 time.time()))
            new_ids = []
            for chunk, vector in zip(chunks, blobs):
                new_ids.append(self.db.execute(
                    "INSERT INTO chunks (doc_id, seq, start_char, end_char, page, tokens, text, keywords, vector) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (doc_id, chunk.seq, chunk.start, chunk.end, chunk.page, chunk.tokens, chunk.text,
                     keyword_text(chunk.text), vector.tobytes())).fetchone()[0])
            generation = self._bump()
        self._apply(generation, removed=old_ids, added=(np.array(new_ids, dtype=np.int64), blobs))
        info = self.find(doc.source)
        assert info is not None
        return info, replaced

    @_serialized
    def remove(self, doc_id: str) -> bool:
        with transaction(self.db):
            old_ids = [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))]
            removed = self.db.execute("DELETE FROM documents WHERE id = ?", (doc_id,)).rowcount > 0
            generation = self._bump() if removed else None
        if generation is not None:
            self._apply(generation, removed=old_ids, added=None)
        return removed

    def _apply(self, generation: int, removed: Sequence[int], added: tuple[np.ndarray, np.ndarray] | None) -> None:
        """Mirror a committed write in the in-memory vectors (or mark them for reconciling)."""
        if self._vectors is None or self._generation is None or self._generation != generation - 1:
            self._generation = None  # the next use reconciles with the database
            return
        self._vectors.remove(removed)
        if added is not None:
            self._vectors.add(*added)
        if self._vectors.needs_rebuild():
            self._vectors = VectorIndex.build(self.dim, self.spec, *self._all_vectors())
        self._generation = generation

    # -- reading chunks ------------------------------------------------------------------------------
    @_serialized
    def chunks(self, ids: Sequence[int]) -> dict[int, StoredChunk]:
        out: dict[int, StoredChunk] = {}
        rows = select_in(self.db, "SELECT c.id, c.doc_id, c.seq, c.text, c.start_char, c.end_char, c.page, "
                         "d.title, d.source FROM chunks c JOIN documents d ON c.doc_id = d.id WHERE c.id IN ({})",
                         [int(i) for i in ids if int(i) >= 0])
        for r in rows:
            out[r["id"]] = StoredChunk(r["id"], r["doc_id"], r["seq"], r["text"], r["start_char"],
                                       r["end_char"], r["page"], r["title"], r["source"])
        return out

    @_serialized
    def page_text(self, doc_id: str, page: int) -> tuple[str, int] | None:
        """The text of one page of a document (what its chunks of that page cover) and where it
        starts in the document's text; None when the document or page is not there."""
        span = self.db.execute("SELECT min(start_char), max(end_char) FROM chunks WHERE doc_id = ? AND page = ?",
                               (doc_id, int(page))).fetchone()
        if span is None or span[0] is None:
            return None
        start, end = span
        row = self.db.execute("SELECT substr(text, ?, ?) FROM documents WHERE id = ?",
                              (start + 1, end - start, doc_id)).fetchone()
        return (row[0], start) if row is not None else None

    @_serialized
    def document_text(self, doc_id: str) -> str | None:
        """The whole text of a document, or None when it is not there."""
        row = self.db.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return row[0] if row is not None else None

    @_serialized
    def chunk_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    @_serialized
    def keyword_search(self, query: str, k: int, doc_ids: Sequence[str] | None = None) -> list[tuple[int, float]]:
        """(chunk id, BM25 score; higher is better) for chunks matching any word of ``query`` (of
        ``doc_ids`` only, when given)."""
        words = query_words(query)
        if not words:
            return []
        if dialect(self.db) == "postgresql":
            return self._keyword_search_postgres(words, k, doc_ids)
        match = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
        within, args = "", [match]
        if doc_ids is not None:
            within = f" AND rowid IN (SELECT id FROM chunks WHERE doc_id IN ({', '.join('?' * len(doc_ids))}))"
            args += list(doc_ids)
        rows = self.db.execute(f"SELECT rowid, bm25(chunks_fts) AS s FROM chunks_fts WHERE chunks_fts MATCH ?{within} "
                               "ORDER BY s LIMIT ?", (*args, k)).fetchall()
        return [(r[0], -r[1]) for r in rows]

    def _keyword_search_postgres(self, words: list[str], k: int, doc_ids: Sequence[str] | None) -> list[tuple[int, float]]:
        """PostgreSQL's full-text search: chunks matching any of ``words`` (English stems), ranked by
        ``ts_rank_cd`` (higher is better, as BM25 is here)."""
        query = " | ".join(words)  # \w+ words: nothing for to_tsquery to read as an operator but these
        within, args = "", [query]
        if doc_ids is not None:
            within = f" AND doc_id IN ({', '.join('?' * len(doc_ids))})"
            args += list(doc_ids)
        rows = self.db.execute(
            "SELECT id, ts_rank_cd(words, q) AS s FROM chunks, to_tsquery('english', ?) AS q "
            f"WHERE words @@ q{within} ORDER BY s DESC, id LIMIT ?", (*args, k)).fetchall()
        return [(r[0], float(r[1])) for r in rows]
