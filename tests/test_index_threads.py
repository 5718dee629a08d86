"""One index store shared by threads, as the app shares it: one thread adds documents while
others search.

FAISS does not allow a search while vectors are added. Without the store's lock this race
put the same vectors in the index twice (searches returned a chunk twice, 37 to 508 times
in ~500 searches here; a duplicated chunk counts twice in the hybrid ranking, the likely cause
of the load test's failure on CI, an answer not marked supported from its own document)
and, with more threads, aborted the process with heap corruption. So the race runs in a
process of its own (a crash is a failed test, not a dead test run), with one-hot vectors
(document ``n`` is the axis ``n``), so every search has one right answer and hundreds of
them fit in a second.

    python -m tests.test_index_threads ROOT DOCS SEARCHERS   # prints the tallies as JSON
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def race(root: Path, docs: int, searchers: int) -> dict:
    import numpy as np

    from index.chunk import Chunk
    from index.load import Document
    from index.store import Store
    from index.vectors import IndexSpec

    store = Store(root, "one-hot", IndexSpec(threshold=10 * docs), dim=docs)
    added: list[int] = []
    tally = {"searches": 0, "wrong_top": 0, "duplicate_hits": 0, "errors": []}
    done = threading.Event()

    def add() -> None:
        for n in range(docs):
            text = f"document {n}"
            vector = np.zeros((1, docs), np.float32)
            vector[0, n] = 1.0
            store.add(Document(f"doc-{n}.txt", f"doc {n}", "text", text), [Chunk(0, text, 0, len(text), None, 2)], vector)
            added.append(n)
            # paced: at least one search after every add (on a busy machine the searchers
            # could otherwise fall behind), while the searchers keep going during the next add
            waited = time.monotonic()
            while tally["searches"] + len(tally["errors"]) <= n and time.monotonic() - waited < 5:
                time.sleep(0.0005)
        done.set()

    def search(seed: int) -> None:
        rng = np.random.default_rng(seed)
        while not done.is_set():
            if not added:
                continue
            n = added[int(rng.integers(len(added)))]
            query = np.zeros((1, docs), np.float32)
            query[0, n] = 1.0
            try:
                _, ids = store.search(query, 5)
                chunks = store.chunks([int(i) for i in ids[0] if i >= 0])
            except Exception as err:  # tallied: the test reports what went wrong, not only that it did
                tally["errors"].append(f"{type(err).__name__}: {err}")
                continue
            live = [int(i) for i in ids[0] if i >= 0]
            tally["searches"] += 1
            tally["duplicate_hits"] += len(live) != len(set(live))
            top = chunks.get(live[0]) if live else None
            tally["wrong_top"] += top is None or top.text != f"document {n}"

    threads = [threading.Thread(target=add)] + [threading.Thread(target=search, args=(s,)) for s in range(searchers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = store.vectors.ids().tolist()
    tally.update(vectors=len(ids), distinct_vectors=len(set(ids)), chunks=store.chunk_count())
    store.close()
    return tally


def test_searches_while_documents_are_added_see_each_document_once(tmp_path):
    docs = 300
    proc = subprocess.run([sys.executable, "-m", "tests.test_index_threads", str(tmp_path / "index"), str(docs), "4"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"the race ended the process (exit {proc.returncode}): {proc.stderr[-2000:]}"
    tally = json.loads(proc.stdout.strip().splitlines()[-1])
    assert tally["errors"] == []
    assert tally["searches"] >= docs  # the searches did run alongside the adds
    assert tally["wrong_top"] == 0 and tally["duplicate_hits"] == 0, tally
    assert tally["vectors"] == tally["distinct_vectors"] == tally["chunks"] == docs, tally


if __name__ == "__main__":
    print(json.dumps(race(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
