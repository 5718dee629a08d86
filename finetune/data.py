"""What the evaluation and calibration scripts share: the benchmark files' rows, and the fixed split
of each file into a calibration half and a test half."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.jsonl import read_jsonl

GROUNDING_KEYS = ("id", "evidence", "claim", "label")  # a row of ../shared/data/grounding/
NLI_KEYS = ("premise", "hypothesis", "label")  # a row of ../shared/data/nli/


def load_rows(path: Path, keys: tuple[str, ...] = GROUNDING_KEYS) -> list[dict]:
    """The rows of a JSON-lines file; a line that is not a JSON object holding ``keys`` is an
    ``InputError`` naming the file and line (a typo in a benchmark file, not a crash mid-run)."""

    def check(row: Any) -> None:
        missing = [k for k in keys if not isinstance(row, dict) or k not in row]
        if missing:
            raise InputError(f"a row needs {', '.join(keys)}; this one has no {', '.join(missing)}")

    return read_jsonl(path, check)


def half(row_id: str) -> str:
    """'calibration' or 'test', fixed by the row id (so every run splits the same way)."""
    return "calibration" if hashlib.sha256(row_id.encode()).digest()[0] % 2 == 0 else "test"
