"""The document index as the rest of the product uses it: add, list, remove, search.

    idx = DocumentIndex(config.index)            # under <data home>/index
    idx.add(["papers/"])                         # -> IngestReport
    idx.search("where is the head office?")      # -> [Hit, ...]

The embedding model loads only when something needs vectors, so listing or
removing documents stays fast.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from core.config import IndexConfig
from core.errors import InputError
from core.home import subdir
from index.embed import AUTO, DEFAULT_EMBEDDER, Embedder
from index.ingest import IngestReport, Progress, ingest
from index.search import Hit, fused
from index.store import DocumentInfo, Store
from index.vectors import IndexSpec


def open_index(config) -> "DocumentIndex":
    """The index a :class:`core.config.Config` names: its ``index`` settings, kept where ``storage`` says."""
    return DocumentIndex(config.index, database=config.storage.database, uploads=config.storage.uploads_folder())


class DocumentIndex:
    def __init__(self, cfg: IndexConfig | None = None, root: Path | None = None, embedder: Embedder | None = None,
                 database: str | None = None, uploads: Path | None = None):
        """``root``: the folder of the SQLite database and the FAISS file (``<data home>/index``);
        ``database``: a ``postgresql://`` URL to keep documents in instead (``storage.url``);
        ``uploads``: where the page keeps uploaded files (``storage.uploads``; default
        ``<data home>/uploads``): their paths are the documents' sources, so every replica sharing
        a database must mount it at the same path."""
        self.cfg = cfg or IndexConfig()
        self.root = root or subdir("index")
        self.database = database
        self._uploads = uploads
        self._embedder = embedder
        self._store: Store | None = None
        self._opening = threading.RLock()  # threads asking at once load one embedder, open one store

    @property
    def spec(self) -> IndexSpec:
        return IndexSpec(self.cfg.ann_threshold, self.cfg.hnsw_m, self.cfg.hnsw_ef_search)

    @property
    def embedding_model(self) -> str:
        """The model ``index.embedding_model`` names; for ``auto``, the one the index was built with
        (``DEFAULT_EMBEDDER`` for an index that has no vectors yet)."""
        if self.cfg.embedding_model.strip().lower() != AUTO:
            return self.cfg.embedding_model
        if self._embedder is not None:  # given one: the vectors come from it
            return self._embedder.name
        return self.store.recorded_model() or DEFAULT_EMBEDDER

    @property
    def embedder(self) -> Embedder:
        with self._opening:
            if self._embedder is None:
                self._embedder = Embedder(self.embedding_model)
            if self._store is not None and self._store.dim is None:
                self._store.bind(self._embedder.dim)
            return self._embedder

    @property
    def store(self) -> Store:
        with self._opening:
            if self._store is None:
                dim = self._embedder.dim if self._embedder is not None else None
                name = self.cfg.embedding_model
                if name.strip().lower() == AUTO and self._embedder is not None:
                    name = self._embedder.name  # the embedder given is the one the vectors come from
                self._store = Store(self.root, name, self.spec, dim, self.database)
            return self._store

    @property
    def uploads(self) -> Path:
        return self._uploads if self._uploads is not None else subdir("uploads")

    def close(self) -> None:
        with self._opening:
            if self._store is not None:
                self._store.close()
                self._store = None

    # -- documents ---------------------------------------------------------------------------------
    def add(self, paths: Iterable[str | Path], progress: Progress | None = None,
            names: Mapping[str, str] | None = None) -> IngestReport:
        """Add files and folders; ``names`` maps a stored path to the name a person knows it by."""
        self.embedder  # load it, and bind the store to its dimension
        return ingest(self, paths, progress, names)

    def documents(self) -> list[DocumentInfo]:
        return self.store.documents()

    def remove(self, key: str) -> DocumentInfo:
        """Remove a document (by id, id prefix or source) and its chunks."""
        doc = self.store.resolve(key)
        if doc is None:
            raise InputError(f"no document {key!r} in the index (see `assistant docs list`)")
        self.store.remove(doc.id)
        if self.store.dim is not None:  # else the vectors were never loaded; the next open reconciles
            self.store.save()
        return doc

    def stats(self) -> dict:
        docs = self.store.documents()
        out = {"root": str(self.root), "database": self.store.where, "documents": len(docs), "chunks": sum(d.chunks for d in docs),
               "embedding_model": self.embedding_model}
        if self.store.dim is not None:
            out["vector_index"] = self.store.vectors.kind
            out["dim"] = self.store.dim
        return out

    def document_text(self, doc_id: str) -> str | None:
        """The whole text of a document, or None when it is not (or no longer) in the index."""
        return self.store.document_text(doc_id)

    def page_text(self, doc_id: str, page: int) -> tuple[str, int] | None:
        """(the text of a page of a paged document, its offset in the document's text), or None."""
        return self.store.page_text(doc_id, page)

    # -- searching ---------------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, hybrid: bool | None = None,
               doc_ids: Sequence[str] | None = None) -> list[Hit]:
        return self.search_many([query], k, hybrid, doc_ids)[0]

    def search_many(self, queries: Sequence[str], k: int | None = None, hybrid: bool | None = None,
                    doc_ids: Sequence[str] | None = None) -> list[list[Hit]]:
        """Top-``k`` chunks for each query: vector search, fused with BM25 keyword search if ``hybrid``;
        among the chunks of ``doc_ids`` only when given (a chat's scope; None: every document)."""
        k = k or self.cfg.top_k
        hybrid = self.cfg.hybrid if hybrid is None else hybrid
        if not queries:
            return []
        vectors = self.embedder.encode(list(queries), batch_size=self.cfg.batch_size, kind="query")
        fetch = k * 4 if hybrid else k
        scores, ids = (self.store.search(vectors, fetch) if doc_ids is None
                       else self.store.search_within(vectors, fetch, doc_ids))
        results = []
        for query, row_scores, row_ids in zip(queries, scores, ids):
            similarity = {int(i): float(s) for s, i in zip(row_scores, row_ids) if i >= 0}
            if hybrid:
                vector_rank = [int(i) for i in row_ids if i >= 0]
                keyword_rank = [i for i, _ in self.store.keyword_search(query, fetch, doc_ids)]
                ranked = fused([vector_rank, keyword_rank], k)
            else:
                ranked = list(similarity.items())[:k]
            chunks = self.store.chunks([i for i, _ in ranked])
            results.append([
                Hit(c.id, c.doc_id, c.title, c.source, c.text, c.page, c.start, c.end, score, similarity.get(i))
                for i, score in ranked if (c := chunks.get(i)) is not None
            ])
        return results
