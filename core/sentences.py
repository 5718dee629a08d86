"""Split text into sentences, keeping character offsets into the original.

A rule-based splitter: a sentence ends at ``.``, ``!`` or ``?`` (plus closing
quotes/brackets) followed by whitespace and an upper-case letter, digit or
opening quote, or at a blank line / a line that opens an item (a bullet, a numbered
item, a table row led by its number, a command-line option). Common abbreviations
("e.g.", "Dr.", "U.S.") and decimals ("3.5") do not end a sentence. Chinese and
Japanese sentences, written without spaces, end at ``。！？；`` (and ``！？；`` in
their ASCII forms after a CJK character) with their closing quotes, whatever follows. Citation
markers right after a sentence's end (``"It is in Oslo. [2]"``) belong to that sentence.
Used by the chunker (chunks end at sentence boundaries) and by the fact-checker
(statements).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.words import CJK

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "cf", "al", "fig", "no",
    "vol", "pp", "approx", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "e.u", "a.m", "p.m", "dept", "est", "min", "max",
}

_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_CJK_END = re.compile(r"(?:[。！？；]+|(?<=[" + CJK + r"])[!?;]+)[”’」』）》〉\"')\]]*")
# A blank line, or a line break before a line that opens an item: a bullet, a number with a mark
# ("2." "3)" "4、") or a table's column gap ("5   File formats"), a Markdown table's row ("| 65534 | nobody |":
# a chunk cut inside a row gave one row's name and the next row's number, session 29), a command-line
# option ("-a, --all").
_BREAK = re.compile(r"\n\s*\n|\n(?=[ \t]*(?:"
                    r"[-*•]\s|\d+[.)、]\s|\d{1,3}[ \t]{2,}\S|\||"  # a bullet, a numbered item, a table row
                    r"--?[A-Za-z][\w-]*(?:[ \t]*,|[ \t]{2,}|=\S*[ \t]*\n|[ \t]*\n)))")  # an option

# Citation markers right after a sentence's end ("... in Oslo. [2]", "长城很长。[1][3]") are the sentence's.
_TRAILING_CITATIONS = re.compile(r"(?:[ \t]*\[\d+(?:\s*[,;，]\s*\d+)*\])+")


@dataclass(frozen=True)
class Span:
    """A piece of text and where it lies in the source: ``source[start:end] == text``."""

    text: str
    start: int
    end: int


# Words that open a sentence and never a name: after one, a capital letter and its dot end a sentence
# ("... built during World War I. This information is found in ...", session 35) rather than an initial.
_OPENERS = re.compile(r"\s+(?:The|This|That|These|Those|It|He|She|They|We|There|However)\b")


def _is_abbreviation(text: str, dot: int, openers: bool = False) -> bool:
    """Whether the ``.`` at ``dot`` ends an abbreviation or an initial rather than a sentence; with
    ``openers``, a capital letter before a word that only opens a sentence (``_OPENERS``) ends one."""
    word_start = dot
    while word_start > 0 and not text[word_start - 1].isspace() and text[word_start - 1] not in "([\"'":
        word_start -= 1
    word = text[word_start:dot]
    if word.lower() in ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isupper() and not (openers and _OPENERS.match(text, dot + 1))  # "J. Smith"


def split_sentences(text: str, openers: bool = False) -> list[Span]:
    """Sentences of ``text`` with offsets; whitespace between sentences belongs to none. With
    ``openers`` (an answer's statements), "War I. This ..." ends a sentence after "I."; without it
    (chunks, training data: the shipped verifier's recipe rebuilds its pairs from this splitter), an
    initial."""
    cuts = {0, len(text)}
    for match in _BREAK.finditer(text):
        cuts.add(match.start())
        cuts.add(match.end())
    ends = []
    for match in _END.finditer(text):
        dot = match.start()
        if text[dot] == "." and _is_abbreviation(text, dot, openers):
            continue
        ends.append(match.end())
    ends += [match.end() for match in _CJK_END.finditer(text)]
    for end in ends:
        cited = _TRAILING_CITATIONS.match(text, end)
        cuts.add(cited.end() if cited else end)
    spans = []
    bounds = sorted(cuts)
    for a, b in zip(bounds, bounds[1:]):
        piece = text[a:b]
        stripped = piece.strip()
        if not stripped:
            continue
        start = a + (len(piece) - len(piece.lstrip()))
        spans.append(Span(stripped, start, start + len(stripped)))
    return spans
