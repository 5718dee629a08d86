"""Answering a question from the document index: retrieve, prompt, generate, cite.

``answer(chat, index, question)`` retrieves the top passages, builds the grounded
prompt with them numbered ``[1]..[k]``, generates, and returns an :class:`Answer`
that knows which passages the text cites. With no index (or an empty one) it is
a plain chat turn, and says so (``grounded=False``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from assistant.chat.base import ChatModel, Completion
from assistant.chat.prompt import CITATION, NO_ANSWER, Message, Passage, build_messages


@dataclass
class Answer:
    question: str
    text: str
    passages: list[Any]  # index.search.Hit, numbered from 1 in this order
    cited: list[int]  # passage numbers the text cites, in order of first citation
    grounded: bool  # False: no documents were available, the model answered from its own knowledge
    completion: Completion | None = None
    messages: list[Message] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "grounded": self.grounded,
            "passages": [{"number": n, **hit.as_dict()} for n, hit in enumerate(self.passages, start=1)],
            "citations": [{"number": n, "title": self.passages[n - 1].title, "page": self.passages[n - 1].page,
                           "doc_id": self.passages[n - 1].doc_id, "start": self.passages[n - 1].start,
                           "end": self.passages[n - 1].end} for n in self.cited],
            **({k: v for k, v in self.completion.as_dict().items() if k != "text"} if self.completion else {}),
        }


def cited_numbers(text: str, available: int) -> list[int]:
    """Passage numbers cited as ``[2]`` or ``[1, 3]`` in ``text``, first-seen order, within 1..available."""
    seen: list[int] = []
    for match in CITATION.finditer(text):
        for part in re.split(r"[,;]", match.group(1)):
            n = int(part)
            if 1 <= n <= available and n not in seen:
                seen.append(n)
    return seen


def retrieve(index, question: str, k: int | None = None) -> list[Any]:
    """Top passages for ``question``, or [] when there is no index or it holds no documents."""
    if index is None or not index.documents():
        return []
    return index.search(question, k)


def prepare(index, question: str, history: Iterable[Message] = (), k: int | None = None):
    """(messages, passages) for one turn."""
    hits = retrieve(index, question, k)
    passages = [Passage(h.text, h.title, h.page, str(h.chunk_id)) for h in hits]
    return build_messages(question, passages, history), hits


def answer(chat: ChatModel, index, question: str, history: Iterable[Message] = (), k: int | None = None,
           on_text: Callable[[str], None] | None = None, stop=None) -> Answer:
    messages, hits = prepare(index, question, history, k)
    done = chat.complete(messages, on_text=on_text, stop=stop, refusal=NO_ANSWER if hits else None)
    text = done.text.strip()
    return Answer(question, text, hits, cited_numbers(text, len(hits)), bool(hits), done, messages)
