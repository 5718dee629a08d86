"""The one small interface every verifier backend implements."""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

Pair = tuple[str, str]  # (evidence, statement)

# How a statement is read as the answer to a question, by verifiers trained on that form
# (``reads_questions = True``): the question, then the answer, one on each line. The same form
# for "Delhi." and for "The head office is in Delhi.", so both are judged the same way.
QUESTION = "Question: "
ANSWER = "\nAnswer: "


def pose(statement: str, question: str | None) -> str:
    """``statement`` as the answer to ``question`` (unchanged when there is no question)."""
    question = " ".join((question or "").split())  # one line, so the answer's mark is unambiguous
    return f"{QUESTION}{question}{ANSWER}{statement}" if question else statement


def is_posed(statement: str) -> bool:
    """Whether ``statement`` was made by :func:`pose` (an answer with its question)."""
    return statement.startswith(QUESTION) and ANSWER in statement


def answer_of(statement: str) -> str:
    """The answer part of a statement made by :func:`pose` (the statement itself otherwise): what
    word-overlap terms count, so the question's own words never count as support."""
    if is_posed(statement):
        return statement.split(ANSWER, 1)[1]
    return statement


class Verifier(Protocol):
    name: str
    version: str
    window_words: int | None  # evidence is judged in windows of about this many words; None: whole
    # A backend with ``reads_contexts = True`` also takes ``predict(pairs, contexts=[...])``: for each
    # pair, the whole evidence its window was cut from (the trained verifier measures word overlap there).
    # A backend with ``reads_questions = True`` was trained on statements posed as answers (``pose``);
    # the checker gives it every statement of an answer that way. Others get short answers with the
    # question in front (``assistant.checking.checker.contextualize``).

    def predict(self, pairs: Sequence[Pair], batch_size: int = 32) -> np.ndarray:
        """Probabilities of ``LABELS`` for each (evidence, statement) pair: shape [n, 3], rows sum to 1."""
        ...
