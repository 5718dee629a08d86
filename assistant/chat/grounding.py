"""The grounded prompt: the passages retrieved for a question, numbered ``[1]..[k]`` in the prompt
(``prepare``), and the numbers an answer cites (``cited_numbers``). With no index, or an empty
one, there are no passages and the prompt is a plain chat turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from assistant.chat.focus import fits, focus
from assistant.chat.prompt import CITATION, Message, Passage, build_messages, cited_in
from core.words import language_of


def cited_numbers(text: str, available: int) -> list[int]:
    """Passage numbers cited as ``[2]``, ``[1, 3]`` or in Chinese words (``出自第2段``) in ``text``,
    first-seen order, within 1..available."""
    return [n for n in _all_cited(text) if 1 <= n <= available]


def phantom_numbers(text: str, available: int) -> list[int]:
    """Passage numbers ``text`` cites that no passage has (``[3]`` when 2 were given), first-seen order."""
    return [n for n in _all_cited(text) if not 1 <= n <= available]


def _all_cited(text: str) -> list[int]:
    seen: list[int] = []
    for match in CITATION.finditer(text):
        for n in cited_in(match):
            if n not in seen:
                seen.append(n)
    return seen


def retrieve(index, question: str, k: int | None = None, scope: Sequence[str] | None = None) -> list[Any]:
    """Top passages for ``question`` (from the documents in ``scope`` only, when given), or [] when
    there is no index or it holds no documents."""
    if index is None or not index.documents():
        return []
    return index.search(question, k) if scope is None else index.search(question, k, doc_ids=scope)


def passage_words(index, read: bool = True) -> int:
    """The most words of the passages the model reads, as the index is set: ``index.passage_words``
    where the reader chose what comes first (``read``), else ``index.passage_words_unread``; 0 (whole)
    without an index."""
    if index is None:
        return 0
    return index.cfg.passage_words if read else index.cfg.passage_words_unread


Answers = list[tuple[float, int, int]]  # per passage: how sure the reader is of its answer, its characters


def reader_answers(reader, question: str, passages: Sequence[Passage], words: int) -> Answers | None:
    """Where the checker's reader (``checking/reader.py``) finds ``question``'s answer in each passage,
    for ``focus`` to show first; None where it is not asked: no reader, passages shown whole, or a
    question not in English (the shipped reader's language)."""
    if reader is None or fits(passages, words) or language_of(question) != "en":
        return None
    return [(round(a.over_none, 3), a.start, a.end) for a in reader.locate(question, [p.text for p in passages])]


@dataclass
class Prepared:
    """One turn's prompt, the passages behind it (whole: the checker reads them so), where the reader
    found the answer in each (what the focused prompt showed first; None: not asked), the most
    words of them the prompt showed (0: whole) and the passages as shown (focused)."""
    messages: list[Message]
    hits: list[Any]
    answers: Answers | None = None
    words: int = 0
    shown: list[Passage] = field(default_factory=list)


def prepare(index, question: str, history: Iterable[Message] = (), k: int | None = None,
            scope: Sequence[str] | None = None, words: int | None = None, reader=None) -> Prepared:
    """The prompt for one turn; ``scope``: the ids of the documents to ask (None: all); ``words``: the
    most words of the passages the prompt shows (``focus``; None: the index's, ``passage_words``);
    ``reader``: the checker's reader, whose answers ``focus`` shows first (None, or a question it does
    not read: the question's words alone choose, within ``index.passage_words_unread``)."""
    hits = retrieve(index, question, k, scope)
    passages = [Passage(h.text, h.title, h.page, str(h.chunk_id)) for h in hits]
    answers = reader_answers(reader, question, passages, passage_words(index) if words is None else words)
    if words is None:
        words = passage_words(index, read=answers is not None)
    shown = list(focus(passages, question, words, answers))
    return Prepared(build_messages(question, shown, history), hits, answers, words, shown)
