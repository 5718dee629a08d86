"""SIGKILL in the middle of an ingest: the index reopens consistent, and re-running completes it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from core.config import IndexConfig
from index.chunk import chunk_document
from index.documents import DocumentIndex
from index.load import load_path

SETTINGS = ["--set", "index.batch_size=2", "--set", "index.chunk_tokens=48", "--set", "index.chunk_overlap=8",
            "--set", "index.embedding_model=minilm"]  # the fixture's embedder checks what it wrote


def make_corpus(folder: Path, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        body = " ".join(f"Document {i} sentence {j} mentions item {i * 31 + j} of the catalogue." for j in range(12))
        (folder / f"doc{i:03d}.txt").write_text(body)


def test_sigkill_mid_ingest_leaves_every_document_whole_or_absent(tmp_path, embedder, database):
    """On SQLite, and on a PostgreSQL server that outlives the killed process."""
    folder, home = tmp_path / "corpus", tmp_path / "home"
    make_corpus(folder, 60)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    if database:
        env["ASSISTANT_DATABASE_URL"] = database
    cmd = [sys.executable, "-m", "assistant", "docs", "add", str(folder), "--home", str(home), *SETTINGS]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    added = 0
    deadline = time.monotonic() + 180
    for line in proc.stderr:  # progress lines: "[assistant] added .../docNNN.txt (k chunks)"
        if "] added " in line:
            added += 1
            if added == 5:
                proc.send_signal(signal.SIGKILL)
                break
        assert time.monotonic() < deadline, "ingest made no progress"
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    cfg = IndexConfig(batch_size=2, chunk_tokens=48, chunk_overlap=8, embedding_model="minilm")
    idx = DocumentIndex(cfg, root=home / "index", embedder=embedder, database=database)
    docs = idx.documents()
    assert 5 <= len(docs) < 60  # killed part-way
    for doc in docs:  # each stored document has exactly the chunks a complete ingest gives it
        [loaded] = list(load_path(Path(doc.source), 10**8))
        assert doc.chunks == len(chunk_document(loaded, embedder.tokenizer, 48, 8)), doc.source
        assert doc.sha256 == loaded.sha256
    assert idx.store.vectors.live_count == idx.store.chunk_count()
    first = docs[0]
    hit = idx.search(f"Document {Path(first.source).stem[3:].lstrip('0') or '0'} sentence 3", k=1, hybrid=False)
    assert hit and hit[0].doc_id in {d.id for d in docs}

    report = idx.add([folder])
    assert not report.skipped
    assert len(report.unchanged) == len(docs) and len(report.added) == 60 - len(docs)
    assert len(idx.documents()) == 60
    assert idx.store.vectors.live_count == idx.store.chunk_count()
    idx.close()
