"""Long evidence is judged in sentence-aligned windows; window scores are aggregated.

Aggregation, per statement, over the windows of its evidence:

- p(supported) is the **maximum** over windows: one passage that entails the
  statement is enough, wherever it sits in a long document;
- p(contradicted) is the maximum over the windows that contradict more than they
  support, and counts only when it reaches ``strong`` (default 0.5): a long text
  holds many sentences a classifier can read as "contradicting" an unrelated
  statement, so weak contradiction evidence is treated as no evidence;
- p(unsupported) is the rest. The best span is the window with the highest
  p(supported), or the contradicting window when the verdict is contradicted.
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from index.sentences import split_sentences


@dataclass(frozen=True)
class Window:
    text: str
    start: int  # character offsets into the evidence
    end: int


def make_windows(evidence: str, max_words: int = 160, stride_words: int = 120) -> list[Window]:
    """Windows of whole sentences of about ``max_words`` words, starting every ~``stride_words`` words."""
    sentences = split_sentences(evidence)
    if not sentences:
        return [Window(evidence, 0, len(evidence))]
    counts = [len(s.text.split()) for s in sentences]
    if sum(counts) <= max_words:
        return [Window(evidence[sentences[0].start:sentences[-1].end], sentences[0].start, sentences[-1].end)]
    out, i = [], 0
    while i < len(sentences):
        j, words = i, 0
        while j < len(sentences) and (j == i or words + counts[j] <= max_words):
            words += counts[j]
            j += 1
        out.append(Window(evidence[sentences[i].start:sentences[j - 1].end], sentences[i].start,
                          sentences[j - 1].end))
        if j >= len(sentences):
            break
        advanced = 0  # next window starts about stride_words further on, always at least one sentence
        k = i
        while k < j - 1 and advanced + counts[k] <= stride_words:
            advanced += counts[k]
            k += 1
        i = max(k, i + 1)
    return out


@dataclass(frozen=True)
class Aggregate:
    probs: np.ndarray  # [3]: supported, unsupported, contradicted
    best: int  # index of the window that decided


def aggregate(window_probs: np.ndarray, strong: float = 0.5) -> Aggregate:
    """Combine per-window probabilities ``[n_windows, 3]`` as the module docstring says."""
    s = window_probs[:, 0]
    c = window_probs[:, 2]
    p_support = float(s.max())
    contra = np.where(c > s, c, 0.0)
    p_contra = float(contra.max())
    if p_contra < strong:
        p_contra = 0.0
    p_contra = min(p_contra, 1.0 - p_support)
    probs = np.array([p_support, 1.0 - p_support - p_contra, p_contra])
    best = int(contra.argmax()) if p_contra > 0 and p_contra > p_support else int(s.argmax())
    return Aggregate(probs, best)


def windows_for(verifier, evidence: str) -> list[Window]:
    """The windows ``verifier`` reads ``evidence`` in: about ``verifier.window_words`` words each,
    three quarters of that apart; the whole text when the verifier has no window size."""
    size = getattr(verifier, "window_words", None)
    if not size:
        return [Window(evidence, 0, len(evidence))]
    return make_windows(evidence, size, max(1, size * 3 // 4))
