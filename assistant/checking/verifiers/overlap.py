"""The floor every other backend must beat: the share of the statement's content words in the evidence.

It cannot tell *unsupported* from *contradicted* ("X is not Y" overlaps "X is Y"), so it
never says contradicted: p(supported) = overlap, p(unsupported) = 1 - overlap.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from assistant.checking.verifiers.base import Pair, answer_of
from core.words import terms

STOPWORDS = frozenset("""a an and are as at be been being but by can could did do does doing for from had has have
having he her hers him his how i if in into is it its itself me my no nor not of on or our ours she so some such than
that the their theirs them then there these they this those to too was we were what when where which while who whom
why will with would you your yours""".split())


def content_words(text: str) -> list[str]:
    """Lower-cased words less stop words; a Chinese or Japanese run as its character pairs (``core/words.py``)."""
    return [w for w in terms(text) if w not in STOPWORDS]


def overlap(evidence: str, statement: str) -> float:
    words = content_words(statement)
    if not words:
        return 0.0
    have = set(terms(evidence))
    return sum(w in have for w in words) / len(words)


class OverlapVerifier:
    name = "overlap"
    version = "1"
    window_words = None  # counts words over the whole evidence
    reads_questions = True  # a statement posed to a question: its answer's words are counted, not the question's

    def predict(self, pairs: Sequence[Pair], batch_size: int = 32) -> np.ndarray:
        scores = np.array([overlap(e, answer_of(s)) for e, s in pairs], dtype=np.float64)
        return np.stack([scores, 1.0 - scores, np.zeros_like(scores)], axis=1) if len(pairs) else np.zeros((0, 3))
