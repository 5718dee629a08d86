"""Checker-guided repair: a suggested correction for a flagged answer (only a suggestion until accepted).

Two candidates, each re-checked by the same checker:

1. **trimmed**: the answer with its unsupported and contradicted statements cut out
   (the rest kept verbatim, so citations survive); if no claim is left, the
   no-answer sentence;
2. **regenerated** (when a chat model is given): the question answered again under a
   stricter grounded prompt that names the statements the checker could not find
   in the passages.

The suggestion is the candidate with the fewest flags, then the most supported
statements; ties go to the trimmed answer, which invents nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from assistant.chat.prompt import NO_ANSWER, Passage, build_messages, language_of, no_answer
from assistant.checking.checker import Checker, CheckReport, Evidence
from core.labels import CONTRADICTED, SUPPORTED, UNSUPPORTED

STRICT_SYSTEM = (
    "Answer the question using only facts stated in the numbered passages, in their words where you can. "
    "Cite the passage of every sentence like [1]. Do not add anything the passages do not say. "
    f"If the passages do not contain the answer, say: {NO_ANSWER}")


@dataclass
class Suggestion:
    text: str
    method: str  # "trimmed" or "regenerated"
    report: CheckReport

    @property
    def flags(self) -> int:
        return len(self.report.flagged)


def trim(report: CheckReport) -> str:
    """The answer without its flagged statements (the rest verbatim)."""
    keep = [v for v in report.verdicts if v.label not in (UNSUPPORTED, CONTRADICTED)]
    if not any(v.label == SUPPORTED for v in keep):
        return no_answer(language_of(report.question or ""))  # in the question's language
    return " ".join(v.statement.text.strip() for v in keep if v.statement.text.strip())


def suggest(checker: Checker, report: CheckReport, passages: Sequence[Evidence] = (), chat=None,
            max_new_tokens: int = 160) -> Suggestion | None:
    """A better answer for ``report``'s answer, or None when nothing in it was flagged."""
    if not report.flagged:
        return None
    question = report.question
    trimmed = trim(report)
    candidates = [Suggestion(trimmed, "trimmed", checker.check_answer(trimmed, question, passages))]
    if chat is not None and question and passages:
        flagged = "; ".join(f'"{v.statement.claim}"' for v in report.flagged)
        system = f"{STRICT_SYSTEM} These statements were not found in the passages; leave them out: {flagged}."
        messages = build_messages(question, [Passage(p.text, p.title, p.page) for p in passages], system=system)
        text = chat.complete(messages, chat.with_generation(max_new_tokens=max_new_tokens)).text.strip()
        if text:
            candidates.append(Suggestion(text, "regenerated", checker.check_answer(text, question, passages)))
    return min(candidates, key=lambda s: (s.flags, -s.report.counts[SUPPORTED], s.method != "trimmed"))
