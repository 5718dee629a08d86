"""Where a document binds a number to a name (a table's row, a titled section), evidence that writes
the number under another name cannot support a statement joining the two.

The verifier reads a window as one text and does not see which row or section a word is in:

- "The UID of the nobody user is 65535." was supported (0.99) by systemd's UID table, whose row
  "65534 | `nobody` user" sits just above "65535 | 16bit `(uid_t) -1`" (:func:`row_conflict`);
- "The user id of the user nobody is 41." was supported (0.96) by base-passwd's page, where "they had
  uid/gid 41" ends the section on gnats and the next one is titled "nobody, nogroup"
  (:func:`section_conflict`);
- "The default compression level of xz is 6." was supported (0.995) by the XZ FAQ's "The default block
  size increases when the compression level is increased. For example, xz -6 uses 8 MiB LZMA2
  dictionary ..." (:func:`default_conflict`: a default's number must be written in a sentence saying
  "default").

Both read units (rows; sections) and the words that tie a unit: for each number a clause of the
statement states, the units writing it must hold one of the clause's tying words when another unit
holds one. A clause is cut at ``; : ( )``, a comma before a space, dashes, "and", "but", "which", ...
("Root has UID 0 and nobody has 65534." is two); one with no word but its number ("It is 65535.")
takes its question's words.
A table's tying words are those some row with a number writes, in at most half of such rows (not a
header's word, nor one every row shares); a section's are the words of the passage's section titles.

A table row is a line with cell separators ``|`` (Markdown's ``| a | b |``; the parser writes a
.docx table's row as ``a | b``), in a run of at least two such lines with as many separators
(blank lines between them allowed); Markdown's rule line ``|---|---|`` is not a row. A line of a
shell pipeline (``ls | wc -l``) is seldom followed by another with as many bars. A section title is
what windows are cut at (``windows.title_flags``: a short line without closing punctuation, first or
after a finished sentence); text before a passage's first title is a section too, untitled.
"""

from __future__ import annotations

import re

from assistant.checking.definitions import definitions
from assistant.checking.names import numbers_in
from assistant.checking.topic import reads_as_sentence
from assistant.checking.verifiers.overlap import content_words
from assistant.checking.windows import title_flags
from core.sentences import split_sentences
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


def _bag(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


# Where a statement's clauses part ("Root has UID 0 and nobody has 65534."): a number is tied to the
# words of its own clause. A comma parts clauses only before a space: "65,534" is one number.
CLAUSE = re.compile(r"[;:()\"]|,\s|\s[-–—]+\s|\b(?:and|but|who|which|although|though|whereas|while|however)\b",
                    re.IGNORECASE)


def _clauses(statement: str, question: str | None) -> list[tuple[set[str], set[str]]]:
    """(numbers, words) of each clause of ``statement`` that states a number; a clause with no word
    but its number ("65535.", "It is 65535.") takes its question's words."""
    out = []
    for clause in CLAUSE.split(statement):
        numbers = numbers_in(clause)
        if not numbers:
            continue
        words = {stem(w) for w in content_words(clause) if not any(c.isdigit() for c in w)}
        if not words and question:
            words = {stem(w) for w in content_words(question) if not any(c.isdigit() for c in w)}
        out.append((numbers, words))
    return out


def _conflict(units: list[str], tie, statement: str, question: str | None, exempt: set[str] = frozenset()) -> bool:
    """Whether a clause of ``statement`` states a number (not one of ``exempt``) that ``units`` write only
    where none of the clause's tying words (``tie(words)``: those another unit holds) is."""
    bags = [_bag(unit) for unit in units]
    for numbers, words in _clauses(statement, question):
        tying = tie(words)
        if not tying:
            continue
        for number in numbers - exempt:
            holding = [bag for unit, bag in zip(units, bags) if number in numbers_in(unit)]
            if holding and not any(tying & bag for bag in holding):
                return True
    return False


def row_conflict(window: str, statement: str, question: str | None = None) -> bool:
    """Whether ``window``'s table writes a number of a clause of ``statement`` only in rows that hold
    none of the clause's row-tying words while another row holds one (the statement joins what the
    table keeps apart). A number the window also writes outside the table is left to the verifier."""
    if not numbers_in(statement):  # first: most statements state no number, and most windows are no table
        return False
    table = table_rows(window)
    if not table:
        return False
    rows = [row for row in table if numbers_in(row)]  # data rows: a header names columns, ties nothing
    bags = [_bag(row) for row in rows]
    in_table = set(table)
    prose = numbers_in("\n".join(line for line in window.splitlines() if line not in in_table))
    return _conflict(rows, lambda words: {w for w in words if 0 < sum(w in bag for bag in bags) <= len(bags) // 2},
                     statement, question, exempt=prose)


ITEM = re.compile(r"\s*(?:[-*•]\s|\d+[.)、]\s)")  # a list's item: the list goes on, no section begins


def sections(text: str) -> list[tuple[str, str]]:
    """``text``'s sections as (title, text with the title): cut before each title (``windows.title_flags``,
    as windows are cut; not a list's item); text before the first title is a section with the title ""."""
    spans = split_sentences(text)
    out: list[tuple[str, str]] = []
    start, title = 0, ""
    for k, (span, opens) in enumerate(zip(spans, title_flags(spans))):
        if opens and not ITEM.match(span.text):
            if k:
                out.append((title, text[start:span.start]))
            start, title = span.start, span.text
    out.append((title, text[start:]))
    return [(t, body) for t, body in out if body.strip()]


def section_conflict(passage: str, statement: str, question: str | None = None) -> bool:
    """Whether ``passage`` writes a number of a clause of ``statement`` only in sections that hold none
    of the clause's words that title another of its sections: "nobody" titles one, 41 is written only
    in the section before it, about gnats."""
    if not numbers_in(statement):
        return False
    found = sections(passage)
    titles = set().union(*(_bag(title) for title, _ in found if title))
    return bool(titles) and _conflict([body for _, body in found], lambda words: words & titles, statement, question)


DEFAULT = re.compile(r"\bdefault", re.IGNORECASE)  # default, defaults, defaulted
HEADING_WORDS = 6  # a line this short without a sentence's end heads what follows ("Defaults", "Default values")


def default_conflict(window: str, statement: str, question: str | None = None) -> bool:
    """Whether ``statement`` says a default and a number ("The default compression level of xz is 6.";
    a bare "6" to "What is the default compression level?") and ``window`` writes none of its numbers in
    a sentence saying "default" (or "defaults", "by default"): the window's default is another thing's,
    its number another's. A line defining the value in code or settings ("#define CHUNK 16384",
    ``definitions.py``) says it too: the browser trial's right "The default value of CHUNK in zpipe.c is
    16384." was contradicted without that; and a window whose "default" heads a table column or a section
    (a table's line, or a short line without a sentence's end) is left to the verifier (a hostile run's
    "| Setting | Default |")."""
    asked = question and DEFAULT.search(question) and not reads_as_sentence(statement)
    if not DEFAULT.search(statement) and not asked:
        return False
    numbers = numbers_in(statement)
    if not numbers:
        return False
    if any(numbers & numbers_in(value) for _, value, _, _ in definitions(window)):
        return False  # "#define CHUNK 16384": what the program uses unless told otherwise
    if any(DEFAULT.search(line) and ("|" in line or (len(line.split()) <= HEADING_WORDS
                                                     and not line.rstrip().endswith((".", "!", "?", ";", ","))))
           for line in window.splitlines()):
        return False  # a table's "Default" column, a "Defaults" heading: its rows and lines say defaults
    return not any(DEFAULT.search(s.text) and numbers & numbers_in(s.text) for s in split_sentences(window))
