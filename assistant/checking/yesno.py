"""A passage that asks a statement's own yes/no question and answers it with a bare "Yes." or "No."
contradicts the statement saying the other thing: a FAQ's "Q: Do XZ Utils support the .7z format?
A: No. Use 7-Zip ..." contradicts "Yes, XZ Utils support the .7z format.", which the verifier read as
supported (0.98) in a session 39 trial, every word of it being in the passage's question; and
Valgrind's "Is it possible to attach Valgrind to a program that is already running? No. ..."
contradicts "Yes, you can attach Valgrind to a program that is already running." (supported at 0.99
by another passage's "Valgrind can run any Java program").

A question of the passage (a sentence ending in "?", past a FAQ's "Q:" and its number, not itself
negated, with three content words or more, numbers included, and no comparison: "Is gzip slower than
bzip2?" reads the other way round with its words swapped) answers the statement when the two write
the same content words (past the statement's opening "Yes," or "No," and its negation; words that
only ask, "possible", "able", "can", do not count), so that "XZ Utils support the .xz format." is not
answered by the .7z question, nor "gzip supports --rsyncable" by "Did gzip 1.2.4 support
--rsyncable?". The reply is the next sentence when it opens with "Yes." or "No." alone (after "A:"):
"No, not without some preparation." and "No problem, ..." say something else. The statement says no
when it is negated, yes otherwise; an opening that disagrees with its own sentence ("Yes, it does not
...") is left alone.

The checker contradicts a statement with such a reply, and supports one whose reply agrees where its
windows do not. A statement that only opens with "Yes" or "No" ("Yes, use 7-Zip to handle .7z files.")
is left to the verifier: read against the user's question, such openings contradicted right answers and
supported wrong ones ("No, XZ Utils only support the .rar format.") in a hostile run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.checking.verifiers.overlap import content_words
from assistant.checking.windows import negated
from core.sentences import split_sentences
from core.words import stem, terms

OPENING = re.compile(r"^\s*(yes|yeah|yep|no|nope)\s*[,.!;:]\s*", re.IGNORECASE)
YES = ("yes", "yeah", "yep")
REPLY = re.compile(r"^\s*(?:(?:A|Answer)\s*[:.)]\s*)?(yes|no)\s*[.!](?:\s|$)", re.IGNORECASE)
NUMBERED = re.compile(r"^\s*(?:Q\s*[:.)]\s*)?(?:\d+(?:\.\d+)*[.)]?\s+)?")  # "Q:", "5.4. ": a FAQ's, not the question's
ASKING = frozenset(stem(w) for w in "q a possible possibly able can could way yes no".split())
TURNING = frozenset(stem(w) for w in "not no never cannot can't don doesn didn isn aren wasn won t".split())
MOST_WORDS = 3  # a question of fewer content words ("Is it thread-safe?") may be another document's
COMPARING = re.compile(r"\bthan\b", re.IGNORECASE)


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
    if opening and (opening.group(1).lower() in YES) != yes:
        return None, body  # "No, it supports only .xz", "Yes, it does not": no reading of it is safe
    return yes, body


def _same_words(text: str, question: str) -> bool:
    """Whether ``text`` and the passage's ``question`` write the same content words, numbers included
    (``MOST_WORDS`` at least; not those that only ask, nor a negation)."""
    said = {stem(w) for w in content_words(text)} - ASKING - TURNING
    asked = {stem(w) for w in content_words(question)} - ASKING
    return (len(asked) >= MOST_WORDS and asked <= {stem(w) for w in terms(text)}
            and said <= {stem(w) for w in terms(question)})


def answered(passage: str, statement: str) -> Answered | None:
    """The passage's yes/no question that ``statement`` restates and its bare reply (see the module's
    docstring), or None."""
    if "?" not in passage or COMPARING.search(statement):
        return None
    yes, body = _says_yes(statement)
    if yes is None:
        return None
    sentences = split_sentences(passage)
    for asked, reply in zip(sentences, sentences[1:]):
        question = asked.text[NUMBERED.match(asked.text).end():]
        if not question.rstrip().endswith("?") or negated(question) or COMPARING.search(question):
            continue
        match = REPLY.match(reply.text)
        if match is None or not _same_words(body, question):
            continue
        says_yes = match.group(1).lower() == "yes"
        return Answered(asked.start, reply.end, says_yes, says_yes == yes)
    return None
