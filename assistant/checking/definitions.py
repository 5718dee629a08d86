"""A value a manual or source file defines in code, said back in words.

The verifier was trained on prose; code it reads poorly. In the browser trials on Debian's zlib
example (sessions 32-34), "The default value of CHUNK in zpipe.c is 16384." scored 0.84 against
``#define CHUNK 16384`` (the support threshold is 0.935) and the right answer was withheld. A line
that defines a name, a C macro (``#define NAME VALUE``) or a setting written at the start of a line
(``NAME=VALUE``, ``NAME = VALUE``: a configuration file's or a manual's ``Storage=auto``), supports
a short claim that says the name is that value, and nothing more: its other content words are
words for "value" (``VALUE_WORDS``) or the passage's, or a file's name its document writes
("zpipe.c"); no number but the value's, no other definition's name or value, and no negation. The
checker asks this only of a claim the verifier left unsupported (not contradicted), of a passage
that writes all the claim's names and numbers (``names.py``) and does not say it the other way round.
"""

from __future__ import annotations

import re
from typing import Iterator

from assistant.checking.names import numbers_in
from assistant.checking.verifiers.overlap import STOPWORDS, content_words
from assistant.checking.windows import negated
from core.words import stem, word_count

# #define NAME VALUE (C preprocessor), or NAME=VALUE / NAME = VALUE opening a line (a setting)
# the whole line (a comment after it aside): "Storage= Controls where ..." of a manual is no setting
_DEFINITION = re.compile(r"^[ \t]*(?:#[ \t]*define[ \t]+(?P<macro>[A-Za-z_]\w*)[ \t]+(?P<macro_value>[^\s/]+)"
                         r"[ \t]*(?:/[/*].*)?"
                         r"|(?P<name>[A-Za-z_][\w.-]*)[ \t]*=[ \t]*(?P<value>[^\s;#]+)[ \t]*(?:[#;].*)?)\r?$",
                         re.MULTILINE)
MOST_WORDS = 16  # a longer claim says more than a definition can
# Words a claim may use for "the name is this value" that the definition does not write.
VALUE_WORDS = frozenset(stem(w) for w in (
    "value default defaults defined define set setting settings constant macro option options parameter "
    "variable equal equals size number").split())


def _tokens(text: str) -> list[str]:
    """Words with their inner dots, dashes and underscores ("zpipe.c", "4G", "Z_OK"), a closing dot left out."""
    return [t.rstrip(".") for t in re.findall(r"[\w.-]+", text) if t.rstrip(".")]


def definitions(text: str) -> Iterator[tuple[str, str, int, int]]:
    """(name, value, start, end of the line) for each definition in ``text``; a name must be two
    characters or more and no common word ("a = 5" of a worked example is not one)."""
    for m in _DEFINITION.finditer(text):
        name = m.group("macro") or m.group("name")
        if len(name) < 2 or name.lower() in STOPWORDS:
            continue
        value = (m.group("macro_value") or m.group("value")).strip("\"'")
        end = text.find("\n", m.start())
        yield name, value, m.start(), (len(text) if end < 0 else end)


def defined(claim: str, passage: str, document: str = "") -> tuple[int, int] | None:
    """The span of the line of ``passage`` that defines what ``claim`` says a name is (see the
    module's note; ``document``: the passage's whole document, where a file's name the claim gives,
    "zpipe.c", may stand), or None. A name the passage defines twice with two values, or a claim
    that also names another definition's name or value ("Compress is yes and Seal is yes."), is
    left to the verifier."""
    if word_count(claim) > MOST_WORDS:
        return None
    tokens = set(_tokens(claim))
    numbers = numbers_in(claim)
    found = list(definitions(passage))
    values: dict[str, set[str]] = {}
    for name, value, _, _ in found:
        values.setdefault(name, set()).add(value)
    written = None
    for name, value, start, end in found:
        if name not in tokens or value not in tokens or len(values[name]) > 1:
            continue
        if numbers - numbers_in(value):  # another number: another claim
            continue
        if negated(re.sub(rf"(?<![\w.-]){re.escape(value)}(?![\w-])", " ", claim)):  # "Seal is no." is not negated
            continue
        others = {w for n, v, _, _ in found if n != name for w in (n, v)}
        if tokens & others:
            continue
        if written is None:
            written = {stem(w) for w in content_words(passage)}
            files = {t for t in _tokens(document) if re.search(r"\w[._]\w", t)}
        rest = {t for t in tokens if t not in (name, value) and content_words(t)}
        if all(t in files or all(stem(w) in VALUE_WORDS or stem(w) in written for w in content_words(t))
               for t in rest):
            return start, end
    return None
