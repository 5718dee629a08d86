"""Prompts: plain chat, and grounded answers from numbered evidence passages.

The grounded prompt numbers each passage ``[1]``, ``[2]``, ... and asks the model
to answer only from them, cite them by number, and say it does not know when
they do not hold the answer (after the question, where a small model reads it last).
Retrieval fills the passages; this module only formats them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

Message = dict[str, str]

NO_ANSWER = "I don't know based on the provided documents."

# How an answer cites passages, as the grounded prompt asks: [2], or several at once, [1, 3].
CITATION = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")

# The instruction comes after the passages and the question, in the user turn, where a small
# model reads it last. Of the layouts bench/answers.py compared on Qwen2.5-Coder-1.5B (12
# answerable and 12 unanswerable SQuAD 2.0 questions, --prompt), this one refused 4 of the
# 12 unanswerable ones and answered as many answerable ones right (9) as the instruction in
# the system turn, which refused 1; a "make sure a passage states it" wording refused none.
# It still answers questions the passages do not answer at times: that is what the checker
# is for.
GROUNDED_SYSTEM = "You answer questions from numbered passages and nothing else."
GROUNDED_USER = (  # the user turn: passages, the question, then how to answer
    "Passages:\n{passages}\n\nQuestion: {question}\n\n"
    "Answer from the passages only, in one or two sentences, citing them like [1]. "
    f"If they do not say the answer, reply only: {NO_ANSWER}"
)


@dataclass(frozen=True)
class Passage:
    """One piece of evidence shown to the model."""

    text: str
    title: str = ""
    page: int | None = None
    id: str | None = None  # the chunk id in the index, for citations

    def heading(self) -> str:
        parts = [self.title] if self.title else []
        if self.page is not None:
            parts.append(f"page {self.page}")
        return ", ".join(parts)


def format_passages(passages: Sequence[Passage], max_chars: int | None = None) -> str:
    """Number the passages ``[1]``.. in order; ``max_chars`` trims each passage's text."""
    blocks = []
    for number, passage in enumerate(passages, start=1):
        text = " ".join(passage.text.split())
        if max_chars is not None and len(text) > max_chars:
            text = text[:max_chars].rsplit(" ", 1)[0] + " ..."
        heading = passage.heading()
        blocks.append(f"[{number}] ({heading}) {text}" if heading else f"[{number}] {text}")
    return "\n\n".join(blocks)


def build_messages(
    question: str,
    passages: Sequence[Passage] = (),
    history: Iterable[Message] = (),
    *,
    system: str | None = None,
    max_passage_chars: int | None = None,
) -> list[Message]:
    """Chat messages for one turn.

    With passages, the grounded system prompt is used and the passages are put
    in the user turn above the question. Without passages it is a plain chat
    turn, and ``system=None`` leaves the system prompt to the model's chat
    template (its own default, which small chat models are tuned with).
    ``history`` holds earlier ``{"role", "content"}`` turns.
    """
    messages: list[Message] = []
    if passages:
        system = system or GROUNDED_SYSTEM
        user = GROUNDED_USER.format(passages=format_passages(passages, max_passage_chars), question=question.strip())
    else:
        user = question.strip()
    if system:
        messages.append({"role": "system", "content": system})
    for turn in history:
        if turn.get("role") in ("user", "assistant") and turn.get("content"):
            messages.append({"role": turn["role"], "content": str(turn["content"])})
    messages.append({"role": "user", "content": user})
    return messages


def defuse(messages: Iterable[Message], special_tokens: Iterable[str]) -> list[Message]:
    """The messages with every control token of the chat template (``<|im_start|>``,
    ``<|endoftext|>``, ...) written inside their text broken by a zero-width space.

    A document, a question or an earlier answer may contain such a token as text; the
    tokenizer would read it as the real token, so a document could open a system turn of
    its own. Defused, it stays visible text the model reads as text."""
    tokens = sorted({t for t in special_tokens if t and len(t) > 1}, key=len, reverse=True)
    if not tokens:
        return [dict(m) for m in messages]
    pattern = re.compile("|".join(re.escape(t) for t in tokens))

    def fix(text: str) -> str:
        return pattern.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], text)

    return [{**m, "content": fix(m["content"])} for m in messages]
