"""What every dialogue backend shares: the :class:`ChatModel` protocol, the :class:`TextStream` every
``stream`` returns, and the :class:`Completion` it ends with.

Every backend's stream passes through a :class:`~assistant.chat.repetition.RepetitionGuard`: a
stream that starts repeating itself is stopped, the repeat never shown, and ``finish_reason``
says "repetition". Asked with a ``refusal`` (a grounded answer's "I don't know based on the
provided documents."), a stream first looks at the model's choice for the answer's first token:
when the refusal's first token is within ``generation.abstain_bias`` logits of the top choice,
the answer is the refusal (``finish_reason`` "abstained"), and that margin is kept either way
(``Completion.refusal_margin``).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable, Iterator, Literal, Protocol, Sequence

from assistant.chat.prompt import Message
from assistant.chat.repetition import RepetitionGuard
from core.config import GenerationConfig


@dataclass
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    ttft_s: float | None  # time to the first streamed text; None if nothing was produced
    seconds: float
    finish_reason: Literal["stop", "length", "cancelled", "repetition", "abstained"]
    dropped_turns: int = 0  # earlier turns left out so the prompt fits the context
    # asked with a refusal: its first token's logit minus the best other token's, at the first step
    refusal_margin: float | None = None
    cached_tokens: int = 0  # the prompt's first tokens the model had read for an earlier answer (not read again)

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tokens_per_s": round(self.tokens_per_s, 2)}


class TextStream:
    """What every backend's ``stream`` returns: iterate for text pieces; afterwards ``completion``
    is set. A set ``stop`` event ends it early (``finish_reason`` "cancelled"); a stream that
    repeats itself is ended by its guard (``finish_reason`` "repetition").

    A backend implements ``_pieces``: its raw text pieces, ending soon after ``_stopping()``
    turns true, and setting ``completion`` once done."""

    def __init__(self, chat: Any, messages: Sequence[Message], gen: GenerationConfig,
                 stop: threading.Event | None, refusal: str | None = None):
        self._chat = chat
        self._messages = list(messages)
        self._gen = gen
        self._refusal = refusal
        self._refusal_id = chat.first_token(refusal) if refusal else None
        self._stop = stop or threading.Event()
        self._halt = threading.Event()  # set by the repetition guard
        self.completion: Completion | None = None

    def _stopping(self) -> bool:
        return self._stop.is_set() or self._halt.is_set()

    def _pieces(self) -> Iterator[str]:
        raise NotImplementedError

    def _gate(self, logits: Any) -> tuple[float | None, bool]:
        """(the refusal's margin in these first-step logits, whether the answer is the refusal)."""
        if self._refusal_id is None:
            return None, False
        margin = refusal_margin(logits, self._refusal_id)
        return margin, margin + self._gen.abstain_bias > 0

    def __iter__(self) -> Iterator[str]:
        guard = RepetitionGuard()
        for piece in self._pieces():
            shown = guard.feed(piece)
            if shown:
                yield shown
            if guard.looped:
                self._halt.set()
        rest = guard.finish()
        if rest:
            yield rest
        if guard.looped and self.completion is not None:
            self.completion = replace(self.completion, text=guard.answer, finish_reason="repetition")


class ChatModel(Protocol):
    """What every backend is (transformers, ONNX Runtime GenAI, an OpenAI-compatible server, the
    batching wrapper): a name, decoding defaults, and answers streamed or whole."""

    generation: GenerationConfig

    @property
    def name(self) -> str: ...

    def stream(self, messages: Sequence[Message], generation: GenerationConfig | None = None,
               stop: threading.Event | None = None, refusal: str | None = None) -> TextStream: ...

    def complete(self, messages: Sequence[Message], generation: GenerationConfig | None = None,
                 on_text: Callable[[str], None] | None = None, stop: threading.Event | None = None,
                 refusal: str | None = None) -> Completion: ...

    def with_generation(self, **changes: Any) -> GenerationConfig: ...


def refusal_margin(logits: Any, token: int) -> float:
    """How far ``token``'s logit is below (< 0) or above (> 0) the best other token's, in a
    one-step row of logits (any shape with one row: a numpy array or a list)."""
    import numpy as np

    row = np.asarray(logits, dtype=np.float64).reshape(-1).copy()
    chosen = row[token]
    row[token] = -np.inf
    return float(chosen - row.max())


def drain(stream, on_text: Callable[[str], None] | None = None) -> Completion:
    """Consume a stream (handing each piece to ``on_text``); its completion."""
    for piece in stream:
        if on_text is not None:
            on_text(piece)
    assert stream.completion is not None  # set when the stream is exhausted
    return stream.completion
