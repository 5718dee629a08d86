"""Concurrent requests decoded together: one ``generate`` call for several users.

Decoding is bound by reading the weights, once per step whatever the batch, so
sequences decoded together cost little more than one (GPU and CPU alike).
:class:`BatchedChat` wraps a loaded :class:`~assistant.chat.transformers.TransformersChat` with the
same surface: each ``stream()`` puts a request in a queue; one worker thread takes
whatever is waiting (up to ``max_batch``, after a short ``gather_s`` pause), groups
requests with the same decoding settings, left-pads them into one batch, and runs
``generate`` once, routing each step's new token of every row to its own request.
A row stops contributing at its end-of-sequence token or its own token limit; a
request whose consumer stops (or whose ``stop`` event is set) is cancelled without
stopping the others, and the batch ends early once every row is done or cancelled.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator, Sequence

from assistant.chat.base import Completion, drain
from assistant.chat.prompt import Message
from assistant.chat.transformers import TransformersChat, _eos_ids, generation_kwargs
from core.config import GenerationConfig

_DONE = object()


@dataclass
class _Request:
    messages: list[Message]
    gen: GenerationConfig
    stop: threading.Event
    out: queue.Queue = field(default_factory=queue.Queue)  # text pieces, then _DONE or an exception
    ids: list[int] = field(default_factory=list)
    text: str = ""
    finished: bool = False
    prompt_tokens: int = 0
    dropped: int = 0
    start: float = field(default_factory=time.perf_counter)
    first: float | None = None
    reason: str = "stop"


class BatchedStream:
    def __init__(self, request: _Request):
        self._request = request
        self.completion: Completion | None = None

    def __iter__(self) -> Iterator[str]:
        r = self._request
        pieces = []
        try:
            while True:
                item = r.out.get()
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                pieces.append(item)
                yield item
        finally:
            r.stop.set()  # a consumer that stopped early cancels its row
        self.completion = Completion("".join(pieces), r.prompt_tokens, len(r.ids), r.first,
                                     time.perf_counter() - r.start, r.reason, r.dropped)


class BatchedChat:
    """A chat model that decodes concurrent requests together (see the module docstring)."""

    def __init__(self, chat: TransformersChat, max_batch: int = 8, gather_s: float = 0.02):
        self.chat, self.max_batch, self.gather_s = chat, max_batch, gather_s
        self.loaded, self.generation = chat.loaded, chat.generation
        self.batches: list[int] = []  # sizes of the batches run, for tests and stats
        self._queue: queue.Queue[_Request] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="batched-generate", daemon=True)
        self._worker.start()

    @property
    def name(self) -> str:
        return self.chat.name

    def with_generation(self, **changes: Any) -> GenerationConfig:
        return self.chat.with_generation(**changes)

    def stream(self, messages: Sequence[Message], generation: GenerationConfig | None = None,
               stop: threading.Event | None = None) -> BatchedStream:
        request = _Request(list(messages), generation or self.generation, stop or threading.Event())
        self._queue.put(request)
        return BatchedStream(request)

    def complete(self, messages: Sequence[Message], generation: GenerationConfig | None = None,
                 on_text=None, stop: threading.Event | None = None) -> Completion:
        return drain(self.stream(messages, generation, stop), on_text)

    # -- the worker ------------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            waiting = [self._queue.get()]
            time.sleep(self.gather_s)  # let requests that arrive together share the batch
            while len(waiting) < self.max_batch:
                try:
                    waiting.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            groups: dict[tuple, list[_Request]] = {}
            for r in waiting:  # one generate call per set of decoding settings
                key = tuple(sorted((k, v) for k, v in asdict(r.gen).items() if k != "max_new_tokens"))
                groups.setdefault(key, []).append(r)
            for group in groups.values():
                try:
                    self._generate(group)
                except BaseException as err:  # every waiting consumer gets the error, the worker lives on
                    for r in group:
                        if not r.finished:
                            r.finished = True
                            r.out.put(err)

    def _generate(self, group: list[_Request]) -> None:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        loaded = self.loaded
        tok = loaded.tokenizer
        eos = _eos_ids(loaded)
        rows = []
        for r in group:
            try:
                ids, r.dropped = self.chat.encode(r.messages, r.gen.max_new_tokens)
            except Exception as err:  # a prompt that does not fit fails alone
                r.finished = True
                r.out.put(err)
                continue
            r.prompt_tokens = ids.shape[1]
            rows.append((r, ids[0]))
        if not rows:
            return
        self.batches.append(len(rows))
        width = max(len(ids) for _, ids in rows)
        pad = tok.pad_token_id
        input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for n, (_, ids) in enumerate(rows):  # left padding: every row's next token is at the end
            input_ids[n, width - len(ids):] = ids.cpu()
            mask[n, width - len(ids):] = 1
        requests = [r for r, _ in rows]

        def route(step_ids) -> None:
            for r, token in zip(requests, step_ids.reshape(-1).tolist()):
                if r.finished:
                    continue
                if r.stop.is_set():
                    r.finished, r.reason = True, "cancelled"
                    r.out.put(_DONE)
                    continue
                if token in eos:
                    r.finished = True
                    r.out.put(_DONE)
                    continue
                r.ids.append(token)
                text = tok.decode(r.ids, skip_special_tokens=True)
                if text.endswith("\ufffd"):
                    continue  # half a character: wait for the rest of its bytes
                piece, r.text = text[len(r.text):], text
                if piece:
                    if r.first is None:
                        r.first = time.perf_counter() - r.start
                    r.out.put(piece)
                if len(r.ids) >= r.gen.max_new_tokens:
                    r.finished, r.reason = True, "length"
                    r.out.put(_DONE)

        class Router:  # generate's streamer: put() gets the prompt once, then each step's tokens
            prompt_seen = False

            def put(self, value):
                if not self.prompt_seen:
                    self.prompt_seen = True
                    return
                route(value)

            def end(self):
                pass

        class AllDone(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                done = all(r.finished or r.stop.is_set() for r in requests)
                return torch.full((input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device)

        gen = requests[0].gen
        if gen.do_sample and gen.seed is not None:
            torch.manual_seed(gen.seed)
        kwargs = generation_kwargs(gen)
        kwargs["max_new_tokens"] = max(r.gen.max_new_tokens for r in requests)
        with torch.inference_mode():
            loaded.model.generate(input_ids=input_ids.to(loaded.device), attention_mask=mask.to(loaded.device),
                                  streamer=Router(), stopping_criteria=StoppingCriteriaList([AllDone()]),
                                  pad_token_id=pad, **kwargs)
        for r in requests:  # rows the batch ended without closing (nothing left to say)
            if not r.finished:
                r.finished = True
                r.reason = "cancelled" if r.stop.is_set() else r.reason
                r.out.put(_DONE)
