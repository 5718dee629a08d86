"""A value a manual or source file defines in code, said back in words.

The verifier was trained on prose; code it reads poorly. In the browser trials on Debian's zlib
example (sessions 32-34), "The default value of CHUNK in zpipe.c is 16384." scored 0.84 against
``#define CHUNK 16384`` (the support threshold is 0.935) and the right answer was withheld. A line
that defines a name, a C macro (``#define NAME VALUE``) or a setting written at the start of a line
(``NAME=VALUE``, ``NAME = VALUE``: a configuration file's or a manual's ``Storage=auto``), supports
a short claim that says the name is that value, and nothing more: its other content words are
words for "value" (``VALUE_WORDS``), or the passage or its document writes them ("zpipe.c"); no
number but the value's, and no negation. The checker asks this only of a claim the verifier left
unsupported, of a passage that writes all the claim's names and numbers (``names.py``).
"""

from __future__ import annotations

import re
from typing import Iterator

from assistant.checking.verifiers.overlap import content_words
from assistant.checking.windows import negated
from core.words import stem, word_count

# #define NAME VALUE (C preprocessor), or NAME=VALUE / NAME = VALUE opening a line (a setting)
# the whole line (a comment after it aside): "Storage= Controls where ..." of a manual is no setting
_DEFINITION = re.compile(r"^[ \t]*(?:#[ \t]*define[ \t]+(?P<macro>[A-Za-z_]\w*)[ \t]+(?P<macro_value>[^\s/]+)"
                         r"[ \t]*(?:/[/*].*)?"
                         r"|(?P<name>[A-Za-z_][\w.-]*)[ \t]*=[ \t]*(?P<value>[^\s;#]+)[ \t]*(?:[#;].*)?)$",
                         re.MULTILINE)
_NUMBER = re.compile(r"\d[\d,.]*")
MOST_WORDS = 16  # a longer claim says more than a definition can
# Words a claim may use for "the name is this value" that the definition does not write.
VALUE_WORDS = frozenset(stem(w) for w in (
    "value default defaults defined define set setting settings constant macro option options parameter "
    "variable equal equals size number").split())


def _numbers(text: str) -> set[str]:
    return {n.rstrip(".,").replace(",", "") for n in _NUMBER.findall(text)}


def definitions(text: str) -> Iterator[tuple[str, str, int, int]]:
    """(name, value, start, end of the line) for each definition in ``text``."""
    for m in _DEFINITION.finditer(text):
        name = m.group("macro") or m.group("name")
        value = (m.group("macro_value") or m.group("value")).strip("\"'")
        end = text.find("\n", m.start())
        yield name, value, m.start(), len(text) if end < 0 else end


def defined(claim: str, passage: str, document: str = "") -> tuple[int, int] | None:
    """The span of the line of ``passage`` that defines what ``claim`` says a name is (see the
    module's note; ``document``: the passage's whole document, where the claim's other words may
    stand), or None."""
    if word_count(claim) > MOST_WORDS or negated(claim):
        return None
    words = {w.rstrip(".") for w in re.findall(r"[\w.-]+", claim)}
    numbers = _numbers(claim)
    written = None
    for name, value, start, end in definitions(passage):
        if name not in words or value not in words:
            continue
        if numbers - _numbers(value):  # another number: another claim
            continue
        if written is None:
            written = {stem(w) for w in content_words(f"{passage}\n{document}")}
        named = {stem(w) for w in content_words(f"{name} {value}")}
        if all(t in VALUE_WORDS or t in written or t in named for t in map(stem, content_words(claim))):
            return start, end
    return None
