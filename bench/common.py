"""Shared by the benchmark scripts: where the repository is, writing a result file, a free port."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
GROUNDING = ROOT.parent / "shared" / "data" / "grounding"
NLI = ROOT.parent / "shared" / "data" / "nli"
# held-out NLI sets the rule-reach experiments read (no verifier was trained on them)
HELD_OUT_NLI = ("snli_test", "mnli_dev_matched", "fever_symmetric_dev", "fever_symmetric_test", "sick_test_annotated",
                "anli_r1_dev")


def write_result(path: str | Path, result: dict) -> None:
    """Write ``result`` as indented JSON (creating the folder) and say where."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}", file=sys.stderr)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (for a server the benchmark starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
