"""Where the checker's binding rules and quoted-name rule reach, without a model (seconds).

    python bench/experiments/binding_reach.py [--out bench/results/binding_reach.json]

1. The grounding files (``../shared/data/grounding/*.jsonl``): how many evidences hold a table or
   titled sections, how many (claim, evidence) rows ``binding.row_conflict`` / ``section_conflict``
   would stop, how many claims quote an account's name (``names.kind_names``). None of them: the
   rules cannot move ``finetune.evaluate_checker``'s figures.
2. The documents Debian installs (``/usr/share/doc``, ``/usr/share/common-licenses``, Markdown in the
   venv): made-up statements from tables (windows of 30 lines with three rows or more that write one
   number each) and from passages of 8 paragraphs with two titled sections or more that write a
   number: a row's (a section title's) first content words with its own number must not be stopped,
   with another unit's number should be.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.checking.binding import row_conflict, section_conflict, sections, table_rows  # noqa: E402
from assistant.checking.names import kind_names, numbers_in  # noqa: E402
from assistant.checking.verifiers.overlap import content_words  # noqa: E402
from bench.common import RESULTS, write_result  # noqa: E402

GROUNDING = ROOT.parent / "shared" / "data" / "grounding"


def grounding() -> dict:
    out = {}
    for path in sorted(GROUNDING.glob("*.jsonl")):
        counts = dict.fromkeys(["rows", "tables", "titled_sections", "stopped", "quoted_account_names"], 0)
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            evidence, claim, question = row["evidence"], row["claim"], row.get("question")
            counts["rows"] += 1
            counts["tables"] += bool(table_rows(evidence))
            counts["titled_sections"] += any(title for title, _ in sections(evidence))
            counts["stopped"] += row_conflict(evidence, claim, question) or section_conflict(evidence, claim, question)
            counts["quoted_account_names"] += bool(kind_names(claim))
        out[path.name] = counts
    return out


def _read(path: str) -> str | None:
    try:
        if path.endswith(".gz"):
            return gzip.open(path, "rt", errors="ignore").read()
        return open(path, errors="ignore").read()
    except (OSError, EOFError, UnicodeError):
        return None  # a directory, a link to nowhere, a broken archive: not a document to read


def _statements(units: list[tuple[str, str]], rng: random.Random):
    """(label, title words + number) for each unit: its own number (right), another unit's (wrong)."""
    for k, (title, body) in enumerate(units):
        words = [w for w in content_words(title) if not any(c.isdigit() for c in w)][:3]
        if not words:
            continue
        own = sorted(numbers_in(body))[0]
        yield "right", f"{' '.join(words)} is {own}."
        other = units[rng.choice([j for j in range(len(units)) if j != k])]
        number = sorted(numbers_in(other[1]))[0]
        if number not in numbers_in(body):
            yield "wrong", f"{' '.join(words)} is {number}."


def documents() -> dict:
    rng = random.Random(0)
    venv_markdown = ROOT / ".venv" / "lib" / "python3*" / "site-packages" / "**" / "*.md"
    files = sorted(glob.glob("/usr/share/doc/**/*", recursive=True) + glob.glob("/usr/share/common-licenses/*")
                   + glob.glob(str(venv_markdown), recursive=True))
    counts = {"files": 0, "table_windows": 0, "section_passages": 0,
              "rows": {"right": 0, "right_stopped": 0, "wrong": 0, "wrong_stopped": 0},
              "sections": {"right": 0, "right_stopped": 0, "wrong": 0, "wrong_stopped": 0}}
    for path in files:
        if not path.endswith((".md", ".md.gz", ".txt", ".txt.gz", ".html", "README", "README.Debian")) \
                and "common-licenses" not in path:
            continue
        text = _read(path)
        if not text:
            continue
        counts["files"] += 1
        lines = text.splitlines()
        for i in range(0, len(lines), 30):
            window = "\n".join(lines[i:i + 30])
            rows = [r for r in table_rows(window) if len(numbers_in(r)) == 1]
            if len(rows) < 3:
                continue
            counts["table_windows"] += 1
            for label, statement in _statements([(r, r) for r in rows], rng):
                counts["rows"][label] += 1
                counts["rows"][f"{label}_stopped"] += row_conflict(window, statement)
        paragraphs = text.split("\n\n")
        for i in range(0, len(paragraphs), 8):
            passage = "\n\n".join(paragraphs[i:i + 8])
            units = [(t, b) for t, b in sections(passage) if t and numbers_in(b)]
            if len(units) < 2:
                continue
            counts["section_passages"] += 1
            for label, statement in _statements(units, rng):
                counts["sections"][label] += 1
                counts["sections"][f"{label}_stopped"] += section_conflict(passage, statement)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(RESULTS / "binding_reach.json"))
    args = parser.parse_args()
    write_result(Path(args.out), {"grounding": grounding(), "debian_documents": documents()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
