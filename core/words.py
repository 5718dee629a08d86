"""Words, for text with spaces between them and for Chinese and Japanese, which has none.

A Chinese sentence is one ``\\w+`` run, so everything that counts or matches words (window
sizes, overlap, keyword search, the checker's shared-word rules) reads CJK runs as their
overlapping character pairs instead (``长城是中国`` -> ``长城 城是 是中 中国``; a lone character is
itself): most Chinese words are two characters, and a longer one shows as all its pairs, with no
dictionary to ship. Sizes count a CJK character as two thirds of a word (a Chinese word is about
1.5 characters), so a window of 40 words holds about 60 Chinese characters.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["en", "zh"]
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"  # kana, han, hangul
CJK_RUN = re.compile(f"[{CJK}]+")  # a run of CJK characters
_PIECE = re.compile(f"[{CJK}]+|[^\\W{CJK}]+")
CHARS_PER_WORD = 1.5


def has_cjk(text: str) -> bool:
    return CJK_RUN.search(text) is not None


def pairs(run: str) -> list[str]:
    """A CJK run's overlapping character pairs; a lone character is itself."""
    return [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]


def terms(text: str) -> list[str]:
    """Lower-cased words of ``text``, in order: ``\\w+`` runs, and a CJK run's character pairs."""
    out: list[str] = []
    for piece in _PIECE.findall(text.lower()):
        out.extend(pairs(piece) if CJK_RUN.fullmatch(piece) else [piece])
    return out


def stem(word: str) -> str:
    """A crude stem, enough to meet "owns" and "owned", "files" and "file"."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def word_count(text: str) -> float:
    """Words in ``text``: space-separated words, a CJK character counting 1/``CHARS_PER_WORD``."""
    cjk = sum(len(run) for run in CJK_RUN.findall(text))
    if not cjk:
        return len(text.split())
    return len(CJK_RUN.sub(" ", text).split()) + cjk / CHARS_PER_WORD


def language_of(text: str) -> Language:
    """``zh`` when at least a fifth of the letters of ``text`` are CJK characters (a Chinese question
    naming "RAG" or "Python" is still Chinese), else ``en``."""
    letters = sum(c.isalpha() for c in text)
    cjk = sum(len(run) for run in CJK_RUN.findall(text))
    return "zh" if letters and cjk * 5 >= letters else "en"
