"""A table binds each number to its row: a window of several rows cannot support a statement that ties
a number to a name the table writes in another row.

The verifier reads a window of table rows as one text and does not see which row a word is in:
"The UID of the nobody user is 65535." was supported (0.99) by systemd's UID table, whose row
"65534 | `nobody` user" sits just above "65535 | 16bit `(uid_t) -1`". :func:`row_conflict` reads
the rows: for each number the statement states, the rows writing it must hold one of the
statement's words that tie a row (words some row with a number writes, at most half of those: not
a header's word, nor one every row shares), when the table writes such a word elsewhere.

A table row is a line with cell separators ``|`` (Markdown's ``| a | b |``; the parser writes a
.docx table's row as ``a | b``), in a run of at least two such lines with as many separators
(blank lines between them allowed); Markdown's rule line ``|---|---|`` is not a row. A line of a
shell pipeline (``ls | wc -l``) is seldom followed by another with as many bars.
"""

from __future__ import annotations

import re

from assistant.checking.names import numbers_in
from assistant.checking.verifiers.overlap import content_words
from core.words import stem

RULE = re.compile(r"^[\s|:\-+]+$")  # |---|:--:|


def table_rows(text: str) -> list[str]:
    """The lines of ``text`` that are table rows (see the module's docstring), in order."""
    lines = [line for line in text.splitlines() if line.strip() and not RULE.match(line)]
    rows: list[str] = []
    run: list[str] = []
    for line in lines + [""]:  # a last empty line ends the last run
        bars = line.count("|")
        if bars and run and run[0].count("|") == bars:
            run.append(line)
            continue
        if len(run) >= 2:
            rows += run
        run = [line] if bars else []
    return rows


def row_conflict(window: str, statement: str, question: str | None = None) -> bool:
    """Whether ``window``'s table writes a number of ``statement`` only in rows that hold none of the
    statement's row-tying words while another row holds one (the statement joins what the table keeps
    apart). ``question``'s words tie too (a short answer, "65535.", to "What is the UID of nobody?"),
    its numbers do not. A number the window also writes outside the table is left to the verifier."""
    table = table_rows(window)
    numbers = numbers_in(statement)
    if not table or not numbers:
        return False
    rows = [row for row in table if numbers_in(row)]  # data rows: a header names columns, ties nothing
    bags = [{stem(w) for w in content_words(row)} for row in rows]
    words = {stem(w) for w in content_words(f"{statement} {question or ''}") if not any(c.isdigit() for c in w)}
    tying = {w for w in words if 0 < sum(w in bag for bag in bags) <= len(bags) // 2}
    if not tying:
        return False
    prose = "\n".join(line for line in window.splitlines() if line not in set(table))
    written_in_prose = numbers_in(prose)
    for number in numbers - written_in_prose:
        holding = [bag for row, bag in zip(rows, bags) if number in numbers_in(row)]
        if holding and not any(tying & bag for bag in holding):
            return True
    return False
