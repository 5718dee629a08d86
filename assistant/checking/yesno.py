"""A passage that asks a statement's own yes/no question and answers it says whether the statement
holds: a FAQ's "Q: Do XZ Utils support the .7z format? A: No. Use 7-Zip ..." contradicts "Yes, XZ
Utils support the .7z format.", which the verifier read as supported (0.98) in a session 39 trial,
every word of it being in the passage's question; and Valgrind's "Is it possible to attach Valgrind
to a program that is already running? No. ..." contradicts "Yes, you can attach Valgrind to a
program that is already running." (supported at 0.99 by another passage's "Valgrind can run any
Java program").

A question of the passage (a sentence ending in "?", not itself negated) answers the statement
when the two write the same content words (two at least; past the statement's opening "Yes," or
"No," and its negation), so that "XZ Utils support the .xz format." is not answered by the .7z
question; words that only ask ("possible", "able", "can") do not count. The question's answer is the next
sentence, opening with "Yes" or "No" (after "A:" or "Answer:"). The statement says no when it is
negated ("No, XZ Utils do not support ..."), yes otherwise; an opening that disagrees with its own
sentence ("Yes, it does not ...") is left alone. A statement opening with "Yes" or "No" also answers
the user's question where that question and the passage's write the same content words ("Yes, use
7-Zip to handle .7z files." to "Do XZ Utils support the .7z format?": the model's reply in that
trial once the FAQ's answer was shown to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.checking.verifiers.overlap import content_words
from assistant.checking.windows import negated
from core.sentences import split_sentences
from core.words import stem, terms

OPENING = re.compile(r"^\s*(yes|yeah|yep|no|nope)\b\s*[,.!;:]?\s*", re.IGNORECASE)
YES = ("yes", "yeah", "yep")
REPLY = re.compile(r"^\s*(?:(?:A|Answer)\s*[:.)]\s*)?(yes|no)\b(?!-)", re.IGNORECASE)
ASKING = frozenset(stem(w) for w in "q a possible possibly able can could way yes no".split())
TURNING = frozenset(stem(w) for w in "not no never cannot can't don doesn didn isn aren wasn won t".split())


@dataclass(frozen=True)
class Answered:
    """A passage's yes/no question that a statement answers, with its reply: ``text[start:end]``."""

    start: int
    end: int
    says_yes: bool
    agrees: bool  # the passage's reply is the statement's


def _says_yes(statement: str) -> tuple[bool | None, str]:
    """(whether the statement says yes, or None where its opening and its sentence disagree; the
    statement past its opening)."""
    opening = OPENING.match(statement)
    body = statement[opening.end():] if opening else statement
    yes = not negated(body)
    if opening and opening.group(1).lower() not in YES and yes:
        return None, body  # "No, it supports only .xz": no reading of it is safe
    if opening and opening.group(1).lower() in YES and not yes:
        return None, body
    return yes, body


def _same_words(text: str, question: str) -> bool:
    """Whether ``text`` and the passage's ``question`` write the same content words (two at least;
    not those that only ask, nor a negation)."""
    said = {stem(w) for w in content_words(text)} - ASKING - TURNING
    asked = {stem(w) for w in content_words(question) if not w.isdigit()} - ASKING
    return (len(asked) >= 2 and asked <= {stem(w) for w in terms(text)}
            and said <= {stem(w) for w in terms(question)})


def answered(passage: str, statement: str, question: str | None = None) -> Answered | None:
    """The passage's yes/no question that ``statement`` answers and its reply (see the module's
    docstring), or None. A statement opening with "Yes" or "No" answers the user's ``question`` too:
    "Yes, use 7-Zip to handle .7z files." says yes to "Do XZ Utils support the .7z format?"."""
    if "?" not in passage:
        return None
    yes, body = _says_yes(statement)
    opening = OPENING.match(statement)
    replying = question if question and opening and not negated(question) else None
    if yes is None and replying is None:
        return None
    sentences = split_sentences(passage)
    for asked, reply in zip(sentences, sentences[1:]):
        if not asked.text.rstrip().endswith("?") or negated(asked.text):
            continue
        match = REPLY.match(reply.text)
        if match is None:
            continue
        says_yes = match.group(1).lower() == "yes"
        if replying and _same_words(replying, asked.text):  # "No. Use 7-Zip ...": its opening answers
            if yes is None and _same_words(body, asked.text):
                return None  # "No, XZ Utils support the .7z format.": which does it say?
            return Answered(asked.start, reply.end, says_yes, says_yes == (opening.group(1).lower() in YES))
        if yes is not None and _same_words(body, asked.text):
            return Answered(asked.start, reply.end, says_yes, says_yes == yes)
    return None
