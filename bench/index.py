"""Benchmark the document index and write JSON.

    python bench/index.py [--out bench/results/index.json] [--docs 300] [--sizes 100000,1000000]
                          [--queries 500] [--corpus ../shared/data/grounding]
                          [--stores] [--postgres URL]

1. Ingest: real articles (the ``evidence`` texts of the grounding sets, one .txt file
   each) go through ``DocumentIndex.add`` end to end (read, chunk, embed, store, FAISS
   file). The same chunks are then embedded by a bare ``SentenceTransformer.encode``
   call in the same run; the ratio of the two throughputs (chunks/s) is reported.
   A second ratio uses the bare encode at ingest's own batch size, isolating what
   reading, chunking and storing cost on top of the embedding itself.
2. Search: structured synthetic vectors (points around 2,000 random centres, 384
   dimensions, normalised like MiniLM embeddings) at each size, indexed the way the
   store would index them (exact up to the threshold, HNSW above it; here both are
   measured at every size). Query latency p50/p95 (one query at a time) and recall@10
   against exact numpy search. Peak memory (RSS) is reported throughout.
3. Stores (``--stores``): the same articles, chunked and embedded once, written document by
   document into SQLite and into PostgreSQL (a throwaway server with PostgreSQL's default,
   durable settings, or ``--postgres URL``), then searched through the index on each: vector
   search, keyword search (FTS5 BM25 / PostgreSQL full-text search), hybrid search with the
   query's embedding, and a second replica's first search after the first one added a document
   (it catches up from the database). Medians, and PostgreSQL's time over SQLite's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, ROOT, write_result  # noqa: E402


def rss_mb() -> float:
    """Current resident memory of this process, in MB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def write_corpus(folder: Path, source: Path, n_docs: int) -> int:
    """One .txt file per distinct evidence text from the grounding sets; returns the character count."""
    seen, chars = set(), 0
    for path in sorted(source.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line).get("evidence", "").strip()
            if len(text) < 400 or text in seen:
                continue
            seen.add(text)
            (folder / f"doc{len(seen):05d}.txt").write_text(text, encoding="utf-8")
            chars += len(text)
            if len(seen) >= n_docs:
                return chars
    return chars


def bench_ingest(n_docs: int, source: Path, repeats: int) -> dict:
    """End-to-end ingest vs a bare encode of the same chunks, alternated ``repeats`` times (medians)."""
    from core.config import IndexConfig
    from index.documents import DocumentIndex
    from index.embed import Embedder

    embedder = Embedder("minilm")
    embedder.encode(["warm up the model"] * 8)
    cfg = IndexConfig()
    ingest_times, bare_times, same_batch_times = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        chars = write_corpus(folder, source, n_docs)
        for run in range(repeats):
            index = DocumentIndex(cfg, root=Path(tmp) / f"index{run}", embedder=embedder)
            start = time.perf_counter()
            report = index.add([folder])
            ingest_times.append(time.perf_counter() - start)
            texts = [row[0] for row in index.store.db.execute("SELECT text FROM chunks ORDER BY id")]
            index.close()
            start = time.perf_counter()
            embedder.model.encode(texts)  # sentence-transformers' defaults (batch_size=32), nothing else
            bare_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            embedder.model.encode(texts, batch_size=cfg.batch_size)  # the batch size ingest uses
            same_batch_times.append(time.perf_counter() - start)
    ingest_s, bare_s = statistics.median(ingest_times), statistics.median(bare_times)
    ingest_rate, bare_rate = len(texts) / ingest_s, len(texts) / bare_s
    return {
        "documents": len(report.added), "chars": chars, "chunks": len(texts), "skipped": len(report.skipped),
        "chunk_tokens": cfg.chunk_tokens, "chunk_overlap": cfg.chunk_overlap, "batch_size": cfg.batch_size,
        "repeats": repeats, "ingest_seconds": ingest_times, "bare_encode_seconds": bare_times,
        "ingest_chunks_per_s": ingest_rate, "bare_encode_chunks_per_s": bare_rate,
        "ratio_to_bare_encode": ingest_rate / bare_rate,
        # the same comparison with the bare encode at ingest's batch size: what the pipeline itself costs
        "bare_encode_same_batch_seconds": same_batch_times,
        "ratio_to_bare_encode_same_batch": statistics.median(same_batch_times) / ingest_s,
    }


def structured_vectors(rng, n: int, dim: int, centres: np.ndarray, batch: int = 200_000) -> np.ndarray:
    out = np.empty((n, dim), dtype=np.float32)
    for at in range(0, n, batch):
        m = min(batch, n - at)
        labels = rng.integers(0, len(centres), m)
        x = centres[labels] + rng.standard_normal((m, dim), dtype=np.float32) * (1.4 / np.sqrt(dim))
        out[at:at + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def exact_top10(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    out = np.empty((len(queries), 10), dtype=np.int64)
    for at in range(0, len(queries), 100):
        sims = queries[at:at + 100] @ vectors.T
        top = np.argpartition(-sims, 10, axis=1)[:, :10]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1)
        out[at:at + 100] = np.take_along_axis(top, order, axis=1)
    return out


def bench_search(n: int, n_queries: int, seed: int = 0) -> dict:
    from core.config import IndexConfig
    from index.vectors import IndexSpec, VectorIndex

    cfg = IndexConfig()
    dim = 384
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((2000, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    before = rss_mb()
    vectors = structured_vectors(rng, n, dim, centres)
    queries = structured_vectors(rng, n_queries, dim, centres)
    ids = np.arange(n, dtype=np.int64)
    truth = exact_top10(vectors, queries)
    out: dict = {"chunks": n, "dim": dim, "queries": n_queries, "vectors_mb": vectors.nbytes / 1e6}
    kinds = {"flat": IndexSpec(threshold=n + 1)}
    kinds["hnsw"] = IndexSpec(threshold=0, hnsw_m=cfg.hnsw_m, hnsw_ef_search=cfg.hnsw_ef_search)
    for name, spec in kinds.items():
        start = time.perf_counter()
        index = VectorIndex.build(dim, spec, ids, vectors)
        build_s = time.perf_counter() - start
        index.search(queries[:5], 10)
        latencies, found = [], []
        for q in queries:
            t = time.perf_counter()
            _, got = index.search(q[None, :], 10)
            latencies.append((time.perf_counter() - t) * 1000)
            found.append(got[0])
        recall = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))
        out[name] = {"kind": index.kind, "build_seconds": build_s, "p50_ms": statistics.median(latencies),
                     "p95_ms": float(np.percentile(latencies, 95)), "recall_at_10": recall,
                     "rss_mb_after_build": rss_mb() - before}
        print(f"{n:>9} {name:5s} build {build_s:7.1f} s  p50 {out[name]['p50_ms']:7.2f} ms  "
              f"p95 {out[name]['p95_ms']:7.2f} ms  recall@10 {recall:.3f}", file=sys.stderr)
        del index
    return out


def _timed(fn, repeats: int) -> float:
    """The median seconds of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_stores(n_docs: int, source: Path, postgres: str | None, n_queries: int) -> dict:
    """Writing and searching the same chunks on SQLite and on PostgreSQL, side by side."""
    from core.config import IndexConfig
    from index.chunk import chunk_document
    from index.documents import DocumentIndex
    from index.embed import Embedder
    from index.load import load_path

    embedder = Embedder("minilm")
    cfg = IndexConfig()
    server = None
    if postgres is None:
        from tests.postgres import Server

        server = Server.start(durable=True)
        if server is None:
            return {"skipped": f"no PostgreSQL server: {Server.missing}"}
        postgres = server.database("bench_index")
    out: dict = {"postgres": "throwaway server, PostgreSQL's default settings" if server else "given --postgres"}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "corpus"
            folder.mkdir()
            write_corpus(folder, source, n_docs)
            prepared = []  # (document, chunks, vectors): embedded once, stored on each side
            for path in sorted(folder.iterdir()):
                [doc] = list(load_path(path, 10**8))
                chunks = chunk_document(doc, embedder.tokenizer, cfg.chunk_tokens, cfg.chunk_overlap)
                prepared.append((doc, chunks, embedder.encode([c.text for c in chunks], batch_size=cfg.batch_size)))
            questions = [" ".join(c.text.split()[:12]) for _, chunks, _ in prepared for c in chunks[:1]][:n_queries]
            query_vectors = embedder.encode(questions, batch_size=32)
            for name, database in (("sqlite", None), ("postgresql", postgres)):
                index = DocumentIndex(cfg, root=Path(tmp) / name, embedder=embedder, database=database)
                store = index.store
                start = time.perf_counter()
                for doc, chunks, vectors in prepared:
                    store.add(doc, chunks, vectors)
                write_s = time.perf_counter() - start
                n_chunks = store.chunk_count()
                vector_ms, keyword_ms, hybrid_ms = [], [], []
                for question, vector in zip(questions, query_vectors):
                    vector_ms.append(_timed(lambda: store.search(vector[None, :], 20), 1) * 1000)
                    keyword_ms.append(_timed(lambda: store.keyword_search(question, 20), 1) * 1000)
                    hybrid_ms.append(_timed(lambda: index.search(question, k=5), 1) * 1000)
                # a second process sees a new document: on SQLite one sharing the data home; on PostgreSQL a
                # replica with a data home (and FAISS file) of its own
                other_root = Path(tmp) / (name if database is None else f"{name}-replica")
                other = DocumentIndex(cfg, root=other_root, embedder=embedder, database=database)
                other.search("warm up", k=5)
                doc, chunks, vectors = prepared[0]
                store.remove(store.find(doc.source).id)
                store.add(doc, chunks, vectors)
                catch_up_s = _timed(lambda: other.store.search(query_vectors[:1], 5), 1)
                steady_s = _timed(lambda: other.store.search(query_vectors[:1], 5), 5)
                out[name] = {"documents": len(prepared), "chunks": n_chunks, "write_seconds": write_s,
                             "write_chunks_per_s": n_chunks / write_s,
                             "vector_search_p50_ms": statistics.median(vector_ms),
                             "keyword_search_p50_ms": statistics.median(keyword_ms),
                             "hybrid_search_p50_ms": statistics.median(hybrid_ms),
                             "replica_first_search_after_a_change_ms": catch_up_s * 1000,
                             "replica_steady_search_ms": steady_s * 1000}
                print(f"{name:10s} write {n_chunks / write_s:7.1f} chunks/s  vector p50 "
                      f"{out[name]['vector_search_p50_ms']:.2f} ms  keyword {out[name]['keyword_search_p50_ms']:.2f} ms  "
                      f"hybrid {out[name]['hybrid_search_p50_ms']:.2f} ms  replica catch-up {catch_up_s * 1000:.1f} ms",
                      file=sys.stderr)
                other.close()
                index.close()
        out["postgres_over_sqlite"] = {key: out["postgresql"][key] / out["sqlite"][key] for key in out["sqlite"]
                                       if key.endswith(("_ms", "seconds"))}
    finally:
        if server is not None:
            server.stop()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="default bench/results/index.json (index_stores.json with --stores)")
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "grounding"))
    parser.add_argument("--repeats", type=int, default=3, help="ingest / bare-encode runs, alternated")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--stores", action="store_true", help="only the stores: SQLite and PostgreSQL side by side")
    parser.add_argument("--postgres", metavar="URL", help="the PostgreSQL database to use (default: a throwaway server)")
    args = parser.parse_args()

    import faiss
    import torch

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    result: dict = {"machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                                "torch_threads": torch.get_num_threads(), "faiss": faiss.__version__,
                                "faiss_threads": faiss.omp_get_max_threads()}}
    if args.stores:
        result["stores"] = bench_stores(args.docs, Path(args.corpus), args.postgres, args.queries)
        write_result(args.out or RESULTS / "index_stores.json", result)
        return 0
    if not args.skip_ingest:
        result["ingest"] = bench_ingest(args.docs, Path(args.corpus), args.repeats)
        i = result["ingest"]
        print(f"ingest {i['chunks']} chunks: {i['ingest_chunks_per_s']:.1f}/s end to end, bare encode "
              f"{i['bare_encode_chunks_per_s']:.1f}/s, ratio {i['ratio_to_bare_encode']:.3f}", file=sys.stderr)
    result["search"] = [bench_search(int(n), args.queries) for n in args.sizes.split(",") if n]
    result["peak_rss_mb"] = peak_rss_mb()
    write_result(args.out or RESULTS / "index.json", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
