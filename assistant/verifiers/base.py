"""The one small interface every verifier backend implements."""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

LABELS = ("supported", "unsupported", "contradicted")

Pair = tuple[str, str]  # (evidence, statement)


class Verifier(Protocol):
    name: str
    version: str
    window_words: int | None  # evidence is judged in windows of about this many words; None: whole
    # A backend with ``reads_contexts = True`` also takes ``predict(pairs, contexts=[...])``: for each
    # pair, the whole evidence its window was cut from (the trained verifier measures word overlap there).

    def predict(self, pairs: Sequence[Pair], batch_size: int = 32) -> np.ndarray:
        """Probabilities of ``LABELS`` for each (evidence, statement) pair: shape [n, 3], rows sum to 1."""
        ...
