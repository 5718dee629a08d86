"""Long evidence is judged in sentence-aligned windows; window scores are aggregated.

Per statement, over the windows of its evidence: p(supported) is the **maximum** over windows
(one passage that entails the statement is enough, wherever it sits); p(contradicted) is the
maximum over the windows that contradict more than they support, and counts only when it
reaches ``strong`` (default 0.5), since a long text holds many sentences a classifier can read
as contradicting an unrelated statement; p(unsupported) is the rest. The best span is the
window with the highest p(supported), or the contradicting one when the verdict is
contradicted. ``assistant/checking/checker.py`` also bounds every backend: only the top
``checker.max_windows`` windows by words shared with the statement and its question are read
(``top_windows``), and a window sharing none of its content words cannot support it
(``shares_content``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from assistant.checking.verifiers.overlap import content_words
from core.sentences import Span, split_sentences
from core.words import stem, terms, word_count


@dataclass(frozen=True)
class Window:
    text: str
    start: int  # character offsets into the evidence
    end: int


def is_title(sentence: str) -> bool:
    """A line that names what follows rather than saying something: a few words and no closing
    punctuation ("nobody, nogroup", "Users and Groups")."""
    return 0 < word_count(sentence) <= TITLE_WORDS and sentence.rstrip()[-1] not in CLOSING


TITLE_WORDS = 8
CLOSING = ".!?:;)\"'。！？；：）」』”"  # what ends a sentence, or closes one


def title_flags(sentences: Sequence[Span]) -> list[bool]:
    """Which of ``sentences`` (``split_sentences``) open a section: titles (:func:`is_title`) standing
    first or after a finished sentence; after an unfinished one ("... the License at") the short line
    (a URL) completes it."""
    return [is_title(s.text) and (k == 0 or sentences[k - 1].text.rstrip()[-1] in CLOSING)
            for k, s in enumerate(sentences)]


def make_windows(evidence: str, max_words: int = 160, stride_words: int = 120) -> list[Window]:
    """Windows of whole sentences of about ``max_words`` words, starting every ~``stride_words`` words.

    A title (:func:`is_title`) is never taken in after other sentences: it belongs to the section
    it opens, so a window ends before it and the next one starts with it. (A window that joined one
    section's "they had uid/gid 41." to the next one's title, "nobody, nogroup", supported "the
    user id of nobody is 41".)"""
    sentences = split_sentences(evidence)
    if not sentences:
        return [Window(evidence, 0, len(evidence))]
    counts = [word_count(s.text) for s in sentences]
    titles = title_flags(sentences)
    if sum(counts) <= max_words and not any(titles[1:]):
        return [Window(evidence[sentences[0].start:sentences[-1].end], sentences[0].start, sentences[-1].end)]
    out, i = [], 0
    while i < len(sentences):
        j, words = i, 0
        while j < len(sentences) and (j == i or (words + counts[j] <= max_words and not titles[j])):
            words += counts[j]
            j += 1
        out.append(Window(evidence[sentences[i].start:sentences[j - 1].end], sentences[i].start,
                          sentences[j - 1].end))
        if j >= len(sentences):
            break
        if titles[j]:  # cut short by a title: the next window starts with it
            i = j
            continue
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


def shares_content(window: str, statement: str) -> bool:
    """Whether the window holds at least one of the statement's content words (always, for a
    statement without any: "It is." has nothing to look for)."""

    words = content_words(statement)
    if not words:
        return True
    have = set(terms(window))
    return any(w in have for w in words)


# Words that turn a sentence around. Not "nobody" or "nothing": they are also names ("the user nobody");
# not "without": "repeal it without replacing it" does not negate the repealing.
NEGATION = re.compile(r"\b(?:not|no|never|none|neither|nor|cannot)\b|n't\b", re.IGNORECASE)
# A reply that opens by answering a yes/no question ("No, ...", "Not really, ..."): not the claim's polarity.
REPLY_OPENING = re.compile(r"^\s*(?:no|nope|not really|not exactly|not quite)\s*[,.!;:]", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s*$")
# Where a sentence's clauses part: a negation in one says nothing of the others.
CLAUSE = re.compile(r"[;:,()\"]|\s[-–—]+\s|\b(?:and|but|who|which|although|though|whereas|while|however)\b",
                    re.IGNORECASE)


def negated(text: str) -> bool:
    return NEGATION.search(text) is not None


def polarity_conflict(window: str, statement: str) -> bool:
    """Whether the window says a clause of the statement the other way round: one negated, the other
    not ("The user nobody owns files on a system." against "no files on a system should be owned by
    this user", which the verifier reads as support). Both are cut into clauses (at ``; : , ( ) "``,
    dashes, "and", "but", "who", "although", ...); each clause of the statement with three content
    words or more is set against the window's clause holding most of them (by a crude stem), which
    must hold two thirds of them and three at least: a negation in a clause about something else
    says nothing. A reply's opening "No," or "Not really," is not the claim's. Only sentences (ending
    in ``. ! ?``) are read so: a short answer or a fragment ("Sir Isaac Newton") has no polarity of
    its own, its question has, and a question is often a chat message that negates other things."""
    if not SENTENCE_END.search(statement):
        return False
    window_clauses = [(clause, {stem(w) for w in re.findall(r"\w+", clause.lower())})
                      for sentence in split_sentences(window) for clause in CLAUSE.split(sentence.text)]
    for part in CLAUSE.split(REPLY_OPENING.sub("", statement, count=1)):
        words = {stem(w) for w in content_words(part)}
        if len(words) < 3:
            continue
        best, shared = None, 0
        for clause, bag in window_clauses:
            if len(words & bag) > shared:
                best, shared = clause, len(words & bag)
        if best is not None and shared >= 3 and 3 * shared >= 2 * len(words) and negated(best) != negated(part):
            return True
    return False


def top_windows(windows: Sequence[str], statement: str, question: str | None, k: int) -> list[int]:
    """Indices of the ``k`` windows most worth reading for ``statement`` (all of them, in order,
    when there are no more than ``k``): ranked by the statement's content words they hold, each
    weighted by its rarity among these windows (idf), the question's words counting half; ties
    keep document order. A cross-encoder then reads a bounded number of windows per statement,
    however long the evidence."""
    if not k or len(windows) <= k:
        return list(range(len(windows)))

    bags = [set(terms(w)) for w in windows]
    weights = {w: 1.0 for w in content_words(question or "")}
    weights.update({w: 2.0 for w in content_words(statement)})
    n = len(bags)
    idf = {t: math.log(1 + n / (1 + sum(t in bag for bag in bags))) for t in weights}
    score = [sum(weight * idf[t] for t, weight in weights.items() if t in bag) for bag in bags]
    best = sorted(range(n), key=lambda i: (-score[i], i))[:k]
    return sorted(best)
