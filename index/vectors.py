"""The FAISS side of the store: exact search while small, HNSW past a threshold.

Vectors are L2-normalised, so inner product is cosine similarity. IDs are the
chunk row ids of the SQLite store. The exact index (``IndexFlatIP`` in an
``IndexIDMap2``) removes vectors in place; HNSW cannot, so removed ids become
tombstones that searches skip, and the graph is rebuilt once they pass a
fifth of it. The SQLite database is the source of truth: this index is
rebuilt or reconciled from it whenever they disagree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import storage_error

REBUILD_FRACTION = 0.2


@dataclass(frozen=True)
class IndexSpec:
    threshold: int  # more live vectors than this -> HNSW
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    hnsw_ef_construction: int = 80


class VectorIndex:
    def __init__(self, dim: int, spec: IndexSpec, index=None, tombstones: set[int] | None = None):
        import faiss

        self.dim, self.spec = dim, spec
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self.tombstones: set[int] = tombstones or set()
        self._params = None  # search parameters, rebuilt after tombstones change
        self._configure()

    # -- what it is -------------------------------------------------------------------------------
    @property
    def approximate(self) -> bool:
        import faiss

        return isinstance(faiss.downcast_index(self.index.index), faiss.IndexHNSW)

    @property
    def kind(self) -> str:
        if self.approximate:
            return f"hnsw (approximate; M={self.spec.hnsw_m}, efSearch={self.spec.hnsw_ef_search})"
        return "flat (exact)"

    @property
    def live_count(self) -> int:
        return self.index.ntotal - len(self.tombstones)

    def ids(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    # -- building ---------------------------------------------------------------------------------
    @classmethod
    def build(cls, dim: int, spec: IndexSpec, ids: np.ndarray, vectors: np.ndarray) -> "VectorIndex":
        import faiss

        if len(ids) > spec.threshold:
            hnsw = faiss.IndexHNSWFlat(dim, spec.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = spec.hnsw_ef_construction
            index = faiss.IndexIDMap2(hnsw)
        else:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        built = cls(dim, spec, index)
        if len(ids):
            built.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
        return built

    def _configure(self) -> None:
        import faiss

        inner = faiss.downcast_index(self.index.index)
        if isinstance(inner, faiss.IndexHNSW):
            inner.hnsw.efSearch = self.spec.hnsw_ef_search

    def needs_rebuild(self) -> bool:
        """True when the kind no longer fits the size, or tombstones take too much of the graph."""
        live = self.live_count
        if self.approximate != (live > self.spec.threshold):
            # Switch up at the threshold; switch back down only well below it, to avoid flapping.
            return live > self.spec.threshold or live < self.spec.threshold // 2
        return self.approximate and len(self.tombstones) > REBUILD_FRACTION * max(self.index.ntotal, 1)

    # -- changing ---------------------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            if self.tombstones:
                self.tombstones.difference_update(int(i) for i in ids)
                self._params = None
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids) -> None:
        ids = np.asarray(list(ids), dtype=np.int64)
        if not len(ids):
            return
        if self.approximate:
            self.tombstones.update(int(i) for i in ids)
            self._params = None
        else:
            self.index.remove_ids(ids)

    # -- searching --------------------------------------------------------------------------------
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of shape [n_queries, k]; missing results have id -1."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if self.index.ntotal == 0:
            return np.full((len(queries), k), -np.inf, np.float32), np.full((len(queries), k), -1, np.int64)
        params = self._search_params()
        scores, ids = self.index.search(queries, min(k, self.index.ntotal), params=params)
        return pad(scores, ids, k)

    def _search_params(self):
        """HNSW breadth, and a selector that skips tombstones (rebuilt only when they change)."""
        import faiss

        if self._params is None:
            sel = None
            if self.tombstones:
                self._dead = np.fromiter(self.tombstones, dtype=np.int64)
                self._batch = faiss.IDSelectorBatch(self._dead)
                sel = faiss.IDSelectorNot(self._batch)  # holds no reference: keep _batch alive on self
            if self.approximate:
                self._params = faiss.SearchParametersHNSW(sel=sel, efSearch=self.spec.hnsw_ef_search)
            else:
                self._params = faiss.SearchParameters(sel=sel)
        return self._params

    # -- files ------------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write atomically: a temp file, fsync, then rename over the old one."""
        import faiss

        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            faiss.write_index(self.index, str(tmp))
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except (OSError, RuntimeError) as err:  # faiss reports a failed write as a RuntimeError
            tmp.unlink(missing_ok=True)
            raise storage_error(path, err) from err

    @classmethod
    def load(cls, path: Path, dim: int, spec: IndexSpec) -> "VectorIndex":
        import faiss

        index = faiss.read_index(str(path))  # already the concrete class, and owning its memory
        if index.d != dim:
            raise ValueError(f"{path} holds {index.d}-dimensional vectors, expected {dim}")
        if not isinstance(index, faiss.IndexIDMap2):
            raise ValueError(f"{path} is a {type(index).__name__}, not an IndexIDMap2")
        return cls(dim, spec, index)


def pad(scores: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if scores.shape[1] >= k:
        return scores[:, :k], ids[:, :k]
    missing = k - scores.shape[1]
    return (np.pad(scores, ((0, 0), (0, missing)), constant_values=-np.inf),
            np.pad(ids, ((0, 0), (0, missing)), constant_values=-1))

