"""Faults: a full disk under every kind of write, and SIGKILL in the middle of exports, adapter
saves and uploads (SIGKILL mid-ingest and mid-flag-write: ``test_index_crash.py``, ``test_log.py``).

Each scenario runs in a child process (``tests/faults.py``); after the fault, everything is
opened afresh, as after a restart, and checked: nothing committed before is lost or changed,
and what was being written is either whole or absent.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WRITES = ["upload", "docs add", "flag write", "review", "export", "adapter save"]


def child(*args: str, **kwargs) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return subprocess.Popen([sys.executable, "-m", "tests.faults", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def tmpfs_works(where: Path) -> bool:
    """Whether this machine lets us mount a small tmpfs in a private mount namespace (root in a container)."""
    if shutil.which("unshare") is None:
        return False
    where.mkdir(parents=True, exist_ok=True)
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs {where}"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.parametrize("mode", ["tmpfs", "fsize"])
def test_a_full_disk_refuses_every_write_clearly_and_keeps_everything(tmp_path, mode):
    home = tmp_path / "disk" / "home"
    home.mkdir(parents=True)
    if mode == "tmpfs":  # a real full disk: ENOSPC
        if not tmpfs_works(tmp_path / "probe"):
            pytest.skip("cannot mount a tmpfs here (needs root in a private mount namespace); "
                        "the fsize case injects the same failures through the file size limit")
        python = " ".join(map(str, [sys.executable, "-m", "tests.faults", "full", home, mode]))
        cmd = ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=32m tmpfs {home} && exec {python}"]
    else:  # RLIMIT_FSIZE = 0: every write fails with EFBIG, on any machine
        cmd = [sys.executable, "-m", "tests.faults", "full", str(home), mode]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    full = "No space left on device" if mode == "tmpfs" else "File too large"
    for write in WRITES:
        kind, message = report["outcomes"][write]
        assert kind == "StorageError", (write, kind, message)
        assert message.startswith(f"cannot write {home}/") and "that write was undone" in message, message
        assert full in message or "disk" in message, message
    assert report["before"]["turns"] and report["before"]["documents"]
    assert report["kept"], (report["before"], report["after"])  # all documents, turns, reviews, files
    assert report["adapter_version"] == 1  # the old adapter, whole
    assert report["searchable"]
    assert report["after_freeing"] == {"docs add": ["ok", ""], "flag write": ["ok", ""]}
    assert report["leftovers"] == []


def kill_repeatedly(args: list[str], rounds: int, check, seed: int = 7, window=(0.05, 0.8)) -> None:
    rng = random.Random(seed)
    for round_ in range(rounds):
        proc = child(*args)
        try:
            line = proc.stdout.readline()
            assert line.strip() == "ready", proc.stderr.read()[-3000:]
            time.sleep(rng.uniform(*window))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        check(round_)


def test_sigkill_during_export_leaves_the_old_file_whole_and_the_next_export_tidies_up(tmp_path):
    from assistant.flags.export import export, remove_stale_temp_files
    from assistant.flags.log import FlagLog
    from tests.test_log import checked_turn

    home = tmp_path / "home"
    (home / "exports").mkdir(parents=True)
    log = FlagLog(home / "log.sqlite")
    for i in range(300):
        checked_turn(log, question=f"Question {i} about Acme?")
    reference = export(log, "kto", tmp_path / "reference.jsonl", reviewed_only=False)
    out = home / "exports" / "loop.jsonl"
    stale = []

    def check(round_: int) -> None:
        if out.exists():
            rows = [json.loads(line) for line in out.read_text().splitlines()]
            assert len(rows) == reference.rows
        stale.extend(remove_stale_temp_files(out))
        assert [p.name for p in out.parent.iterdir()] in ([], [out.name])

    kill_repeatedly(["export-loop", str(home)], rounds=6, check=check)
    assert out.exists() and stale  # exports finished, and kills landed mid-write (and were tidied)


def test_sigkill_during_adapter_saving_leaves_one_whole_version(tmp_path):
    from core.atomic import recover_folder

    out = tmp_path / "adapters" / "a1"
    versions = []

    def check(round_: int) -> None:
        recover_folder(out)  # what a reader does before loading
        parts = sorted(out.iterdir())
        assert [p.name for p in parts] == [f"part-{i}.bin" for i in range(6)]
        tags = {p.read_bytes().split(b"\n", 1)[0] for p in parts}
        assert len(tags) == 1, tags  # every file from the same version
        versions.append(int(tags.pop()))

    kill_repeatedly(["adapter-loop", str(out)], rounds=8, check=check)
    assert len(set(versions)) > 1  # the kills landed at different points of the loop


def test_sigkill_during_upload_keeps_the_document_and_a_whole_file(tmp_path):
    from assistant.ui.documents import recover_uploads
    from core.config import IndexConfig
    from index.documents import DocumentIndex
    from tests.faults import UPLOAD_VERSIONS

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)

    def check(round_: int) -> None:
        recover_uploads(home / "uploads")
        (stored,) = [p for p in (home / "uploads").iterdir()]
        assert stored.read_text() in UPLOAD_VERSIONS
        index = DocumentIndex(IndexConfig(embedding_model="minilm"), root=home / "index")
        try:
            (doc,) = index.documents()
            assert doc.title == "Acme" and doc.source == str(stored)
        finally:
            index.close()

    kill_repeatedly(["upload-loop", str(home)], rounds=3, check=check, window=(0.1, 2.0))
