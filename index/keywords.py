"""What keyword search indexes and looks for: words, and for Chinese and Japanese, pairs of characters.

SQLite's FTS5 (``unicode61``) and PostgreSQL's parser cut text at spaces and punctuation, so a
Chinese sentence, written without spaces, is one "word" to them and a question never matches it.
As Lucene's CJK analyser does, each run of CJK characters is indexed as its overlapping pairs
(``core/words.py``: ``长城是中国`` -> ``长城 城是 是中 中国``), which finds two-character words
(most Chinese words) and longer ones (all their pairs) without a dictionary; questions are cut
the same way. Other text is indexed as it is (the ``text`` column; ``keywords`` is NULL for it).
"""

from __future__ import annotations

import re

from core.words import CJK_RUN, pairs

# Left out of keyword queries (unless a query has nothing else): they match nearly every chunk.
STOPWORDS = frozenset("""a an and are as at be been but by can could did do does for from had has have how i if in
into is it its me my no not of on or our she so than that the their them then there these they this to was we
were what when where which who whom why will with would you your""".split())


def _pairs(match: re.Match) -> str:
    return " " + " ".join(pairs(match.group())) + " "


def keyword_text(text: str) -> str | None:
    """``text`` with every CJK run written as its character pairs, or None when it has no CJK."""
    return CJK_RUN.sub(_pairs, text) if CJK_RUN.search(text) else None


def query_words(query: str) -> list[str]:
    """The distinct words a keyword search looks for, stop words left out unless nothing else is left."""
    every = re.findall(r"\w+", (keyword_text(query) or query).lower())
    words = [w for w in every if w not in STOPWORDS] or every
    return list(dict.fromkeys(words))
