"""Fault scenarios run in a child process by ``tests/test_faults.py``.

    python -m tests.faults full HOME tmpfs|fsize   # a full disk under every write; prints a JSON report
    python -m tests.faults export-loop HOME        # export again and again (to be SIGKILLed)
    python -m tests.faults adapter-loop FOLDER     # replace an adapter folder again and again (ditto)
    python -m tests.faults upload-loop HOME        # upload new versions of one file again and again (ditto)

``full`` stocks HOME (documents uploaded through the page, a reviewed flag log, an export, an
adapter), then fills the disk (``tmpfs``: a ballast file fills the small tmpfs HOME is
mounted on, so writes fail with ENOSPC; ``fsize``: the file size limit drops to 0, so every
write fails with EFBIG), tries each kind of write, frees the disk, opens everything afresh,
and reports what each write said and whether what was stored before is all still there.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path

# The packaged MiniLM, read from its package: these faults are the store's and the disk's, and the
# default embedder (e5) would first be converted into each scenario's own small data home.
EMBEDDER = "minilm"


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def tiny_adapter_writer(version: int):
    """A real PEFT save (a tiny random Llama with LoRA), tagged with ``version``."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(version)
    base = LlamaForCausalLM(LlamaConfig(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                        num_attention_heads=4, num_key_value_heads=4))
    model = get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))

    def write(folder: Path) -> None:
        model.save_pretrained(folder)
        (folder / "adapter_card.json").write_text(json.dumps({"version": version}))
    return write


def stock(home: Path) -> dict:
    """Documents, a reviewed flag log, an export and an adapter in ``home``; returns handles."""
    from assistant.flags.log import FlagLog
    from assistant.ui import exports
    from assistant.ui.documents import add_uploads
    from core.atomic import replace_folder
    from core.config import IndexConfig
    from index.documents import DocumentIndex
    from tests.test_log import checked_turn

    src = home.parent / "originals"
    src.mkdir(exist_ok=True)
    (src / "acme.md").write_text("# Acme\n\nThe head office of Acme is in Bergen.")
    (src / "pumps.txt").write_text("The pump runs at 40 litres a minute.")
    index = DocumentIndex(IndexConfig(batch_size=8, embedding_model=EMBEDDER), root=home / "index")
    add_uploads(index, [src / "acme.md", src / "pumps.txt"])
    log = FlagLog(home / "log.sqlite")
    turn = checked_turn(log, question="Tell me about Acme")
    checked_turn(log, question="Anything else?")
    flagged = log.turn(turn).flagged
    log.review(flagged[0].id, "confirmed", correction="Acme's head office is in Bergen.")
    exports.run(log, "sft")
    replace_folder(home / "adapters" / "a1", tiny_adapter_writer(1))
    return {"index": index, "log": log, "unreviewed": [s.id for s in flagged[1:]], "src": src}


def state(home: Path, index, log) -> dict:
    """What is stored, as plain data: documents, turns, reviews, and every file outside the databases."""
    files = {k: v for k, v in digests(home).items()
             if not k.startswith("index/") and not k.endswith((".sqlite", "-wal", "-shm"))}
    return {"documents": sorted((d.id, d.sha256, d.chunks) for d in index.documents()),
            "turns": sorted(log.turn_ids()), "reviews": sorted(map(list, log.db.execute(
                "SELECT statement_id, decision FROM reviews").fetchall())), "files": files}


def attempt(fn) -> list:
    try:
        fn()
    except Exception as err:  # the report names whatever came out; the test judges it
        return [type(err).__name__, str(err)]
    return ["ok", ""]


def full(home: Path, mode: str) -> dict:
    from assistant.flags.log import FlagLog
    from assistant.ui import exports
    from assistant.ui.documents import add_uploads
    from core.atomic import replace_folder
    from core.config import IndexConfig
    from index.documents import DocumentIndex
    from tests.test_log import checked_turn

    os.environ["ASSISTANT_HOME"] = str(home)
    h = stock(home)
    index, log, src = h["index"], h["log"], h["src"]
    before = state(home, index, log)
    (src / "acme.md").write_text("# Acme\n\nA new version that must not replace the old one.")
    (src / "new.txt").write_text("A new document " * 2000)
    writer = tiny_adapter_writer(2)

    ballast = home / "ballast"
    if mode == "tmpfs":
        with open(ballast, "wb", buffering=0) as f:
            for size in (1 << 20, 4096, 512):  # until not even 512 bytes fit
                while True:
                    try:
                        f.write(b"\0" * size)
                    except OSError:  # ENOSPC: the disk is full now, which is the point
                        break
    else:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing us
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))

    outcomes = {
        "upload": attempt(lambda: add_uploads(index, [src / "acme.md", src / "new.txt"])),
        "docs add": attempt(lambda: index.add([src / "new.txt"])),
        "flag write": attempt(lambda: checked_turn(log, question="Logged on a full disk?")),
        "review": attempt(lambda: log.review(h["unreviewed"][0], "rejected")),
        "export": attempt(lambda: exports.run(log, "dpo")),
        "adapter save": attempt(lambda: replace_folder(home / "adapters" / "a1", writer)),
    }

    if mode == "tmpfs":
        ballast.unlink()
    else:
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    index.close()
    log.close()
    index, log = DocumentIndex(IndexConfig(batch_size=8, embedding_model=EMBEDDER), root=home / "index"), FlagLog(home / "log.sqlite")
    after = state(home, index, log)
    card = json.loads((home / "adapters" / "a1" / "adapter_card.json").read_text())
    searchable = bool(index.search("head office of Acme", k=1))
    again = {"docs add": attempt(lambda: index.add([src / "new.txt"])),
             "flag write": attempt(lambda: checked_turn(log, question="And after the disk is freed?"))}
    return {"mode": mode, "outcomes": outcomes, "kept": before == after, "before": before, "after": after,
            "adapter_version": card["version"], "searchable": searchable, "after_freeing": again,
            "leftovers": sorted(p.name for p in home.rglob(".*") if p.name.endswith((".tmp", ".old")))}


def export_loop(home: Path) -> None:
    from assistant.flags.export import export
    from assistant.flags.log import FlagLog

    log = FlagLog(home / "log.sqlite")
    print("ready", flush=True)
    while True:
        export(log, "kto", home / "exports" / "loop.jsonl", reviewed_only=False)


def adapter_loop(out: Path) -> None:
    from core.atomic import replace_folder

    def writer(version: int):
        def write(folder: Path) -> None:
            for i in range(6):  # six files of 1 MB, each saying which version it belongs to
                (folder / f"part-{i}.bin").write_bytes(f"{version}\n".encode() + os.urandom(1 << 20))
        return write

    version = 0
    replace_folder(out, writer(version))
    print("ready", flush=True)
    while True:
        version += 1
        replace_folder(out, writer(version))
        time.sleep(0.001)


UPLOAD_VERSIONS = [f"# Acme\n\nVersion {v}: the head office of Acme is in Bergen. " + "Filler text. " * 3000
                   for v in ("one", "two")]


def upload_loop(home: Path) -> None:
    from assistant.ui.documents import add_uploads
    from core.config import IndexConfig
    from index.documents import DocumentIndex

    os.environ["ASSISTANT_HOME"] = str(home)
    index = DocumentIndex(IndexConfig(batch_size=8, embedding_model=EMBEDDER), root=home / "index")
    src = home.parent / "browser"
    src.mkdir(exist_ok=True)
    for round_ in range(10**9):
        (src / "acme.md").write_text(UPLOAD_VERSIONS[round_ % 2])
        add_uploads(index, [src / "acme.md"])
        if round_ == 0:
            print("ready", flush=True)


def main(argv: list[str]) -> int:
    command, path = argv[0], Path(argv[1])
    if command == "full":
        print(json.dumps(full(path, argv[2])))
    elif command == "export-loop":
        export_loop(path)
    elif command == "adapter-loop":
        adapter_loop(path)
    elif command == "upload-loop":
        upload_loop(path)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
