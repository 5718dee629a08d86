"""A question that names what the passages name otherwise: "Who intends to stop Ten Eyes from going
online?" against a passage about "Nine Eyes".

SQuAD 2.0's writers made questions the passage cannot answer by changing a word of a name in an
answerable one ("Radar Princess" for "Twilight Princess", "BBC Two" for "BBC One", "the Spanish
Parliament" for "the Scottish Parliament"). The model then answers with the passage's span, and the
verifier supports it: "Bond intends to stop Ten Eyes from going online." was supported 0.97
(session 34's answers benchmark), because ``names.writes_name`` reads a name of several words as
written where one of its longer words is ("Eyes"). Such a question asks about something the
documents do not name, so a claim that answers it, or that writes the swapped name, cannot be
supported by them (``checker.judge``).

A name of the question (two words or more, ``names.names_in``, its possessive and a sentence's
opening word left out) is *swapped* when the passages never write it, nor its initials, nor all its
words inside one of their names ("Canadian Forces" in "Canadian Armed Forces"), and one of their names
of as many words writes the same words at the same places, one of them not a word many names share
(``names.SHARED``: "Court" of "US Supreme Court" and "Special Clerical Court"), but the others
differently: each word that differs is no misspelling of another word they write (``SIMILAR``, for
words of five letters or more: "Acadamy", "Tehtys") nor a short form of the passage's word ("Ben" of
"Benjamin", "PS" of "PlayStation"). It may be written elsewhere: several passages write many words
("the final ten" beside "Nine Eyes", "Games Radar" beside "Twilight Princess").

Each question against its own paragraph (``bench/experiments/swapped_reach.py``): on SQuAD 2.0 train's
QA rows (``../shared/data/nli/squad2_qa_train.jsonl``) this holds for 29 of 348 unanswerable questions
and 47 of 15,989 answerable ones (0.3 %: "New Haven" asked of a paragraph that writes only "Fair
Haven", "Steven Spielberg" of one about "Arnold Spielberg", "Henry Vll"); on the dev set's, for 7 of
350 and 1 of 600. The checker also reads the passages' whole documents, which write more of the names
a question asks. One-word names are left alone: "Australia" asked for "Austria" is as often a
misspelling as a swap.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from assistant.checking.names import SHARED, _stems, fold, names_in

SIMILAR = 0.75  # a word this close (difflib's ratio) to one the passages write is a misspelling of it
_POSSESSIVE = re.compile(r"(?:'s|'|’s|’)$")
_DASHES = str.maketrans("‐‑‒–—", "-----")  # "Arab–Israeli War" asked as "Arab-Israeli War"
# words that open a sentence in front of a name without being part of it ("After Morsi left, ...")
_OPENING_WORDS = frozenset("""after before besides under during list name since while unlike like following
although despite in on at for from with without by as among between within throughout""".split())
_OPENS = re.compile(r"(?:^|[.!?:;]\s+|\n)$")  # where a sentence opens


def _names(text: str) -> list[list[str]]:
    """The names of ``text`` as lists of words, the possessive left out, and the first word left out of
    a name that opens a sentence with a word that is no name ("After Morsi", "List Gaddafi": names_in
    joins a sentence's first word to a name after it)."""
    out = []
    for name in names_in(text):
        words = _POSSESSIVE.sub("", name).split()
        if fold(words[0]) in _OPENING_WORDS and (at := text.find(name)) >= 0 and _OPENS.search(text[:at]):
            words = words[1:]
        out.append(words)
    return out


@lru_cache(maxsize=16)
def _read(text: str) -> tuple[str, frozenset[str], tuple]:
    """What the rule reads of the passages' ``text``, once however many claims and questions ask: the
    text folded, its words (``names._stems``) and its names of two words or more, as written and folded."""
    theirs = tuple((n, [fold(w) for w in n]) for n in _names(text) if len(n) >= 2)
    return " ".join(fold(text).split()), frozenset(_stems(text)), theirs


def _short_form(word: str, of: str) -> bool:
    """Whether ``word`` shortens ``of`` or is another form of it: its start ("ben" of "benjamin"), the
    same first three letters ("rican" of "rico", "naval" of "navy"), or its letters in order from the
    same first letter ("ps" of "playstation")."""
    if of.startswith(word) or (len(word) >= 3 and of[:3] == word[:3]):
        return True
    letters = "".join(c for c in word if c.isalpha())  # "ps" of "ps3"
    if not letters or len(letters) > 3 or letters[0] != of[0]:
        return False
    rest = iter(of)
    return all(c in rest for c in letters)


def _differs(word: str, other: str, stems: frozenset[str]) -> bool:
    """Whether the question's ``word`` stands where the passages write ``other`` as another word, not as
    the same one misspelt or shortened."""
    if _short_form(word, other) or _short_form(other, word):
        return False
    if len(word) < 5:  # "ten" is as close to "then" as a misspelling is to its word
        return True
    others = [s for s in stems if len(s) >= 3 and s != word]
    return not difflib.get_close_matches(word, others, n=1, cutoff=SIMILAR)


def swapped_name(question: str, text: str) -> tuple[str, str] | None:
    """(the question's name, the passages' name) where a name of ``question`` is swapped (module
    docstring) against ``text`` (the passages, their titles and documents, joined); else None."""
    if not question or not text:
        return None
    names = [n for n in _names(question.translate(_DASHES)) if len(n) >= 2]
    if not names:  # most questions: the passages need not be read
        return None
    folded, stems, theirs = _read(text.translate(_DASHES))
    for written in names:
        asked = [fold(w) for w in written]
        if " ".join(asked) in folded or "".join(w[0] for w in asked) in stems:
            continue
        if any(all(w in name for w in asked) for _, name in theirs):  # "Canadian Forces", "Canadian Armed Forces"
            continue
        for original, name in theirs:
            if len(name) != len(asked):
                continue
            differ = [(a, b) for a, b in zip(asked, name) if a != b]
            same = [a for a, b in zip(asked, name) if a == b]
            if (differ and any(w not in SHARED for w in same)  # "Court" of "US Supreme Court" and another
                    and all(_differs(a, b, stems) for a, b in differ)):
                return " ".join(written), " ".join(original)
    return None
