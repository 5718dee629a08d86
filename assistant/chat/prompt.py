"""Prompts: plain chat, and grounded answers from numbered evidence passages.

The grounded prompt numbers each passage ``[1]``, ``[2]``, ... and asks the model
to answer only from them, cite them by number, and say it does not know when
they do not hold the answer. It is written in the question's language (English, or
Chinese for a question in Chinese: :func:`language_of`), so the model answers in it and
says "I don't know" in it (:func:`no_answer`).
Retrieval fills the passages; this module only formats them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from core.words import Language, language_of

Message = dict[str, str]

NO_ANSWER = "I don't know based on the provided documents."
# It opens with 我 ("I"), as the English one opens with "I": the abstain gate compares the refusal's
# first token with the model's first choice, and the first version's 根据 ("according to") opens most
# grounded Chinese answers too (bench/answers.py --data cmrc: its first two questions refused at the gate)
NO_ANSWER_ZH = "我不知道：提供的文档中没有这个问题的答案。"
NO_ANSWERS = (NO_ANSWER, NO_ANSWER_ZH)


def no_answer(language: Language = "en") -> str:
    """What the model is asked to say when the passages do not hold the answer, in ``language``."""
    return NO_ANSWER_ZH if language == "zh" else NO_ANSWER


# How an answer cites passages, as the grounded prompt asks: [2], or several at once, [1, 3]; and
# as Chinese answers often cite in words instead: 出自第3段 ("from paragraph 3"), 出自第[3]段, 出自[3], 见段落2,
# （第3段）, 这段文字出自第[3]段 ("this text is from paragraph 3"). Each form's numbers are in the first group that
# matched (``cited_in``).
_CITING_ZH = (r"(?:(?:这|该|此|以上|上述)(?:段|些|条|个)?(?:文字|内容|话|信息|资料|答案|回答)\s*)?"
              r"(?:出自|来自|引自|参见|见)")
CITATION = re.compile(rf"(?:{_CITING_ZH}\s*(?:段落\s*)?)?\[(\d+(?:\s*[,;，]\s*\d+)*)\]|"
                      rf"{_CITING_ZH}\s*(?:第\s*\[?(\d+)\]?\s*(?:个段落|段)|段落\s*(\d+))|"
                      r"[（(]\s*第\s*(\d+)\s*段\s*[）)]")


def cited_in(match: re.Match) -> list[int]:
    """The passage numbers a ``CITATION`` match cites."""
    numbers = next(group for group in match.groups() if group)
    return [int(part) for part in re.split(r"[,;，]", numbers)]


# A short instruction in the system turn, the passages and the question in the user turn.
# bench/answers.py compared layouts (--prompt; bench/results/answers_prompts.json; README,
# Benchmarks): this one answers more questions right but refuses few unanswerable ones; the
# instruction after the question ("after") refused more but answered fewer right and often
# answered with a bare "[1]": not shipped until reworded. A model that answers what the
# passages do not answer is what the checker is for.
GROUNDED_SYSTEM = (
    "Answer the question using only the numbered passages. "
    "Answer briefly, in one or two sentences, and cite the passage each sentence comes from like [1]. "
    f"If the passages do not contain the answer, say only: {NO_ANSWER}"
)
GROUNDED_USER = "Passages:\n{passages}\n\nQuestion: {question}"  # the user turn
# The same, for a question in Chinese.
GROUNDED_SYSTEM_ZH = (
    "只根据编号的段落回答问题，用中文回答。"
    "回答要简短，一两句话，并在每句话后注明它出自哪个段落，例如 [1]。"
    f"如果段落中没有答案，只说：{NO_ANSWER_ZH}"
)
GROUNDED_USER_ZH = "段落：\n{passages}\n\n问题：{question}"


def grounded_prompt(language: Language) -> tuple[str, str]:
    """(the grounded system prompt, the user turn's template) in ``language``."""
    return (GROUNDED_SYSTEM_ZH, GROUNDED_USER_ZH) if language == "zh" else (GROUNDED_SYSTEM, GROUNDED_USER)


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

    With passages, the grounded system prompt (in the question's language) is used
    and the passages are put in the user turn above the question. Without passages it is a plain chat
    turn, and ``system=None`` leaves the system prompt to the model's chat
    template (its own default, which small chat models are tuned with).
    ``history`` holds earlier ``{"role", "content"}`` turns; a refused one (:func:`is_refusal`) is left out.
    """
    messages: list[Message] = []
    if passages:
        grounded, template = grounded_prompt(language_of(question))
        system = system or grounded
        user = template.format(passages=format_passages(passages, max_passage_chars), question=question.strip())
    else:
        user = question.strip()
    if system:
        messages.append({"role": "system", "content": system})
    for turn in history:
        if turn.get("role") in ("user", "assistant") and turn.get("content"):
            if turn["role"] == "assistant" and is_refusal(str(turn["content"])):
                if messages and messages[-1]["role"] == "user":  # its question goes too
                    messages.pop()
                continue
            messages.append({"role": turn["role"], "content": str(turn["content"])})
    messages.append({"role": "user", "content": user})
    return messages


def is_refusal(reply: str) -> bool:
    """Whether ``reply`` is the grounded refusal (:func:`no_answer`, either language). A refused turn
    is left out of a later turn's history, question and all: after one refusal the model's first
    choice for the next answer is the refusal too (zlib's "What does def() return if ...?": 0.9
    logits behind the answer alone, 1.9 ahead of it after "I don't know ..." for another question)."""
    return reply.strip() in NO_ANSWERS


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
