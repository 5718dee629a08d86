"""The one reader of JSON-lines files (claims to check, questions to ask, benchmark rows).

A file that cannot be read, or is not UTF-8, is an :class:`InputError` naming it. Each line is
one JSON value, checked by the caller's ``check`` (which raises ``InputError`` saying what is
wrong); a bad line either stops the read (an ``InputError`` naming ``path:line``) or, given
``skip``, is reported to it with its line number and left out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from core.errors import InputError


def read_jsonl(path: str | Path, check: Callable[[Any], None] | None = None,
               skip: Callable[[int, str], None] | None = None) -> list[Any]:
    """The values of the non-blank lines of ``path`` that parse and pass ``check``."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise InputError(f"{path} is not UTF-8 text (byte offset {err.start})") from None
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if check is not None:
                check(row)
        except json.JSONDecodeError as err:
            problem = f"not valid JSON ({err.msg})"
        except InputError as err:
            problem = str(err)
        else:
            rows.append(row)
            continue
        if skip is None:
            raise InputError(f"{path}: line {number}: {problem}")
        skip(number, problem)
    return rows
