"""Retrieval quality by embedding model, English and Chinese, and write JSON.

    python bench/retrieval.py [--models minilm,e5] [--sets squad2_qa_dev,cmrc2018_qa_dev]
                              [--data ../shared/data/grounding] [--out bench/results/retrieval.json]

For each question-answering set, the distinct paragraphs (``evidence``) are written one
``.txt`` file each and indexed through ``DocumentIndex.add`` end to end (the app's chunker,
its settings, each model's own tokenizer); every distinct question is then searched as the
app searches (``search_many``, top 5), and a question is a hit when a chunk of the paragraph it
was written on is among the 5. Reported per model and set: the hit rate with a 95 % Wilson
interval, for hybrid search (the app's default: vector and keyword, fused) and vector search
alone, the mean rank of the paragraph's first chunk, ingest chunks/s and query ms (each model
against the first one listed, measured in the same run). The sets: SQuAD 2.0's dev paragraphs
(934 English Wikipedia paragraphs, 1,600 questions) and CMRC 2018's (299 Chinese Wikipedia
paragraphs, 1,000 questions); neither trains anything here.

A model may be a packaged name (``minilm``, ``e5``), a sentence-transformers id or a folder, or
``name=path`` to report it under a short name.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, ROOT, write_result  # noqa: E402
from finetune.metrics import wilson  # noqa: E402


def load_set(path: Path) -> tuple[list[str], list[tuple[str, int]]]:
    """The distinct paragraphs and the distinct (question, paragraph number) pairs of a QA set."""
    paragraphs: dict[str, int] = {}
    questions: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        number = paragraphs.setdefault(row["evidence"], len(paragraphs))
        questions.setdefault(row["question"].strip(), number)
    return list(paragraphs), list(questions.items())


def measure(model: str, ref: str, paragraphs: list[str], questions: list[tuple[str, int]], k: int = 5) -> dict:
    from core.config import IndexConfig
    from index.documents import DocumentIndex
    from index.embed import Embedder

    embedder = Embedder(ref)
    embedder.encode(["warm up"] * 4)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        for n, text in enumerate(paragraphs):
            (folder / f"p{n:04d}.txt").write_text(text, encoding="utf-8")
        index = DocumentIndex(IndexConfig(embedding_model=ref), root=Path(tmp) / "index", embedder=embedder)
        start = time.perf_counter()
        index.add([folder])
        ingest_s = time.perf_counter() - start
        chunks = index.stats()["chunks"]
        texts = [q for q, _ in questions]
        out = {"model": model, "ref": ref, "paragraphs": len(paragraphs), "questions": len(texts),
               "chunks": chunks, "ingest_chunks_per_s": chunks / ingest_s}
        for mode, hybrid in (("hybrid", True), ("vector", False)):
            start = time.perf_counter()
            found = index.search_many(texts, k=k, hybrid=hybrid)
            elapsed = time.perf_counter() - start
            ranks = []
            for (_, number), hits in zip(questions, found):
                names = [Path(h.source).name for h in hits]
                ranks.append(names.index(f"p{number:04d}.txt") + 1 if f"p{number:04d}.txt" in names else None)
            hit = sum(r is not None for r in ranks)
            low, high = wilson(hit, len(ranks))
            out[mode] = {f"hit_at_{k}": hit / len(ranks), "interval": [low, high],
                         "hit_at_1": sum(r == 1 for r in ranks) / len(ranks),
                         "mean_rank_when_found": statistics.mean(r for r in ranks if r) if hit else None,
                         "query_ms": 1000 * elapsed / len(texts)}
        index.close()
    print(f"{model:>8} {len(paragraphs):4d} paragraphs: hybrid hit@{k} {out['hybrid'][f'hit_at_{k}']:.3f}, "
          f"vector {out['vector'][f'hit_at_{k}']:.3f}, ingest {out['ingest_chunks_per_s']:.1f} chunks/s",
          file=sys.stderr)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="minilm,e5")
    parser.add_argument("--sets", default="squad2_qa_dev,cmrc2018_qa_dev")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "grounding")
    parser.add_argument("--out", type=Path, default=RESULTS / "retrieval.json")
    args = parser.parse_args()
    import torch

    models = [(m.split("=", 1)[0], m.split("=", 1)[-1]) for m in args.models.split(",")]
    result = {"machine": {"torch_threads": torch.get_num_threads()}, "k": 5, "sets": {}}
    for name in args.sets.split(","):
        paragraphs, questions = load_set(args.data / f"{name}.jsonl")
        rows = [measure(model, ref, paragraphs, questions) for model, ref in models]
        first = rows[0]
        for row in rows:
            row["ingest_speed_vs_first"] = row["ingest_chunks_per_s"] / first["ingest_chunks_per_s"]
            row["query_time_vs_first"] = row["hybrid"]["query_ms"] / first["hybrid"]["query_ms"]
        result["sets"][name] = rows
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
