"""One turn of the product: retrieve → generate → check → log, the same for the page and ``assistant ask``.

``Turn(chat, index, question, history)`` retrieves the passages and starts the grounded answer;
iterating it streams the answer's text; ``finish(checker, flag_log, ...)`` checks every statement
against the passages, withholds the answer when the checker's rule says so (the reply is then the
refusal and the log keeps the draft), logs the turn, and returns a :class:`Reply`.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from assistant.chat.base import ChatModel, Completion
from assistant.chat.grounding import cited_numbers, prepare
from assistant.chat.prompt import Message, language_of, no_answer
from assistant.checking.checker import CheckReport, Evidence, withheld
from assistant.checking.statements import Statement, split_statements
from core.config import GenerationConfig

WITHHELD = "withheld"  # a turn's finish_reason when the checker withheld its answer
WITHHELD_STOPPED = "withheld after stop"  # ... one the user had stopped: a reopened chat says both


def is_withheld(finish_reason: str | None) -> bool:
    """Whether a logged turn's ``finish_reason`` says the reader got the refusal in place of its answer."""
    return finish_reason in (WITHHELD, WITHHELD_STOPPED)


@dataclass
class Reply:
    """A finished turn: the model's answer (the draft, when withheld), what the user is told, why
    it ended, the passages it stood on and its check."""

    question: str
    answer: str
    hits: list[Any]  # index.search.Hit, numbered from 1 in this order
    completion: Completion | None
    report: CheckReport | None
    ending: str | None  # the completion's finish_reason, or WITHHELD / WITHHELD_STOPPED
    turn_id: str | None = None  # the flag log's id, when logged
    messages: list[Message] = field(default_factory=list)

    @property
    def withheld(self) -> bool:
        return is_withheld(self.ending)

    @property
    def reply(self) -> str:
        """What the user gets and later turns see: the refusal when withheld, else the answer."""
        return no_answer(language_of(self.question)) if self.withheld else self.answer

    @property
    def cited(self) -> list[int]:
        return cited_numbers(self.answer, len(self.hits))

    def as_dict(self) -> dict[str, Any]:
        hits, cited = self.hits, self.cited
        return {
            "question": self.question,
            "answer": self.answer,
            "grounded": bool(hits),  # False: no documents, the model answered from its own knowledge
            "passages": [{"number": n, **hit.as_dict()} for n, hit in enumerate(hits, start=1)],
            "citations": [{"number": n, "title": hits[n - 1].title, "page": hits[n - 1].page,
                           "doc_id": hits[n - 1].doc_id, "start": hits[n - 1].start, "end": hits[n - 1].end}
                          for n in cited],
            **({k: v for k, v in self.completion.as_dict().items() if k != "text"} if self.completion else {}),
        }


class Turn:
    """A turn under way: the passages are retrieved and the answer streams when iterated."""

    def __init__(self, chat: ChatModel, index, question: str, history: Iterable[Message] = (),
                 k: int | None = None, generation: GenerationConfig | None = None,
                 stop: threading.Event | None = None, scope: Sequence[str] | None = None,
                 words: int | None = None, reader=None):
        self.chat, self.question, self.generation = chat, question, generation
        self.scope = list(scope) if scope is not None else None  # the documents asked (None: all), logged
        prepared = prepare(index, question, history, k, self.scope, words, reader)
        self.messages, self.hits = prepared.messages, prepared.hits
        self.words = prepared.words  # logged with the turn
        self.answers = prepared.answers  # where the reader found the answer: shown first, logged
        refusal = no_answer(language_of(question)) if self.hits else None
        self.stream = (chat.stream(self.messages, generation, refusal=refusal) if stop is None
                       else chat.stream(self.messages, generation, stop, refusal=refusal))
        self._rest = iter(self.stream)
        self._pieces: list[str] = []
        self._split: tuple[str, list[Statement]] | None = None  # (the answer, its statements)

    def __iter__(self) -> Iterator[str]:
        for piece in self._rest:  # one pass over the stream, however often this is iterated
            self._pieces.append(piece)
            yield piece

    @property
    def completion(self) -> Completion | None:
        return getattr(self.stream, "completion", None)  # a stream's (tests' fakes may be plain iterators)

    @property
    def text(self) -> str:
        """The text streamed so far, as it came."""
        return "".join(self._pieces)

    @property
    def answer(self) -> str:
        """The answer once streamed (where a repetition guard stopped it, it ends where the repeat
        began), without surrounding blanks."""
        done = self.completion
        text = done.text if done is not None and done.finish_reason == "repetition" else "".join(self._pieces)
        return text.strip()

    @property
    def statements(self) -> list[Statement]:
        """The answer's statements, split once for each text it has (never a stale split of a part)."""
        answer = self.answer
        if self._split is None or self._split[0] != answer:
            self._split = answer, split_statements(answer)
        return self._split[1]

    def finish(self, checker=None, flag_log=None, session: str = "cli", withhold: str | None = None,
               logged_generation: dict[str, Any] | None = None,
               on_checking: Callable[[int], None] | None = None, chat_id: str | None = None) -> Reply:
        """Consume what is left of the answer, check it (``on_checking(n)`` first, with the number of
        statements to check), withhold it under ``withhold`` (default: the checker's rule), log it
        (in the chat ``chat_id``, when given)."""
        for _ in self:
            pass
        answer, done = self.answer, self.completion
        report = None
        if checker is not None:
            if on_checking is not None:
                on_checking(sum(s.checkable for s in self.statements))
            report = checker.check_answer(answer, self.question, [Evidence.from_hit(h) for h in self.hits],
                                          self.statements)
        ending = done.finish_reason if done is not None else None
        rule = withhold if withhold is not None else (checker.cfg.withhold if checker is not None else "off")
        if withheld(report, self.hits, ending, rule):
            # the log keeps the draft and its flags; the reader gets the refusal
            ending = WITHHELD_STOPPED if ending == "cancelled" else WITHHELD
        turn_id = None
        if flag_log is not None:
            generation = (logged_generation if logged_generation is not None
                          else asdict(self.generation or self.chat.generation))
            if self.words and self.hits:  # the prompt showed the passages focused: the export rebuilds it so
                generation = {**generation, "passage_words": self.words,
                              **({"reader_answers": self.answers} if self.answers else {})}
            turn_id = flag_log.log_turn(session=session, question=self.question, answer=answer, model=self.chat.name,
                                        generation=generation, passages=self.hits, report=report,
                                        finish_reason=ending, scope=self.scope, chat_id=chat_id)
        return Reply(self.question, answer, self.hits, done, report, ending, turn_id, self.messages)
