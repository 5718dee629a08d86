"""Metrics for the checker: ROC AUC of a score, balanced accuracy of a decision; a share's interval."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def roc_auc(positive: Sequence[bool], score: Sequence[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    y = np.asarray(positive, dtype=bool)
    s = np.asarray(score, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both positive and negative examples")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def balanced_accuracy(positive: Sequence[bool], predicted: Sequence[bool]) -> float:
    """Mean of the recall on positives and the recall on negatives."""
    y = np.asarray(positive, dtype=bool)
    p = np.asarray(predicted, dtype=bool)
    return float(((p & y).sum() / max(y.sum(), 1) + (~p & ~y).sum() / max((~y).sum(), 1)) / 2)


def best_threshold(positive: Sequence[bool], score: Sequence[float]) -> tuple[float, float]:
    """(threshold, balanced accuracy) maximising balanced accuracy of ``score >= threshold``."""
    s = np.asarray(score, dtype=np.float64)
    best = (0.5, -1.0)
    for t in np.unique(s):
        acc = balanced_accuracy(positive, s >= t)
        if acc > best[1]:
            best = (float(t), acc)
    return best


def auc_interval(positive: Sequence[bool], score: Sequence[float], resamples: int = 1000, level: float = 0.95,
                 seed: int = 0) -> tuple[float, float]:
    """A percentile bootstrap interval for ``roc_auc``: the rows resampled with replacement
    ``resamples`` times (draws holding one class only are drawn again)."""
    y = np.asarray(positive, dtype=bool)
    s = np.asarray(score, dtype=np.float64)
    if y.all() or not y.any():
        raise ValueError("ROC AUC needs both positive and negative examples")
    rng = np.random.default_rng(seed)
    values = []
    while len(values) < resamples:
        i = rng.integers(0, len(y), len(y))
        if y[i].any() and not y[i].all():
            values.append(roc_auc(y[i], s[i]))
    lo, hi = np.percentile(values, [(1 - level) / 2 * 100, (1 + level) / 2 * 100])
    return float(lo), float(hi)


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of the proportion ``hits / n`` (sound near 0 and 1, unlike the normal one)."""
    if n == 0:
        return (0.0, 1.0)
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (float(centre - half), float(centre + half))
