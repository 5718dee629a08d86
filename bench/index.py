"""Benchmark the document index and write JSON.

    python bench/index.py [--out bench/results/index.json] [--docs 300] [--sizes 100000,1000000]
                          [--queries 500] [--corpus ../shared/data/grounding]

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(RESULTS / "index.json"))
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "grounding"))
    parser.add_argument("--repeats", type=int, default=3, help="ingest / bare-encode runs, alternated")
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args()

    import faiss
    import torch

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    result: dict = {"machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                                "torch_threads": torch.get_num_threads(), "faiss": faiss.__version__,
                                "faiss_threads": faiss.omp_get_max_threads()}}
    if not args.skip_ingest:
        result["ingest"] = bench_ingest(args.docs, Path(args.corpus), args.repeats)
        i = result["ingest"]
        print(f"ingest {i['chunks']} chunks: {i['ingest_chunks_per_s']:.1f}/s end to end, bare encode "
              f"{i['bare_encode_chunks_per_s']:.1f}/s, ratio {i['ratio_to_bare_encode']:.3f}", file=sys.stderr)
    result["search"] = [bench_search(int(n), args.queries) for n in args.sizes.split(",") if n]
    result["peak_rss_mb"] = peak_rss_mb()
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
