"""The transformers backend: :class:`TransformersChat` decodes with ``model.generate`` in a worker
thread and streams its text through transformers' ``TextIteratorStreamer``.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from dataclasses import replace
from typing import Any, Callable, Iterator, Sequence

from assistant.chat.base import Completion, TextStream, drain
from assistant.chat.model import LoadedModel
from assistant.chat.prompt import Message, defuse
from core.config import GenerationConfig
from core.errors import InputError


def whole_characters_streamer(tokenizer):
    """A ``TextIteratorStreamer`` (prompt and special tokens left out) that never ends an answer in
    half a character: when ``max_new_tokens`` cuts a multi-byte character (Chinese, an emoji), the
    bytes it has decode to U+FFFD, and those are dropped."""
    from transformers import TextIteratorStreamer

    class WholeCharacters(TextIteratorStreamer):
        def on_finalized_text(self, text: str, stream_end: bool = False):
            super().on_finalized_text(text.rstrip("\ufffd") if stream_end else text, stream_end)

    return WholeCharacters(tokenizer, skip_prompt=True, skip_special_tokens=True)


class Stream(TextStream):
    """The transformers backend's stream: ``generate`` runs in a worker thread (its error is
    raised here)."""

    def _pieces(self) -> Iterator[str]:
        import torch
        from transformers import (
            LogitsProcessor,
            LogitsProcessorList,
            StoppingCriteria,
            StoppingCriteriaList,
        )

        loaded = self._chat.loaded
        tok = loaded.tokenizer
        input_ids, dropped = self._chat.encode(self._messages, self._gen.max_new_tokens)
        prompt_len = input_ids.shape[1]
        streamer = whole_characters_streamer(tok)
        stop, stopping = self._stop, self._stopping

        class _Stop(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return torch.full((input_ids.shape[0],), stopping(), dtype=torch.bool, device=input_ids.device)

        gate: dict[str, Any] = {}
        eos_id = next(iter(sorted(_eos_ids(loaded))))

        class _Gate(LogitsProcessor):  # at the first step: refuse (end at once), or go on
            def __call__(self, input_ids, scores):
                if input_ids.shape[1] == prompt_len and not gate:
                    gate["margin"], gate["refuse"] = gated(scores[0].float().cpu().numpy())
                    if gate["refuse"]:
                        scores = torch.full_like(scores, float("-inf"))
                        scores[:, eos_id] = 0.0
                return scores

        gated = self._gate
        result: dict[str, Any] = {}
        kwargs = generation_kwargs(self._gen)
        if self._refusal_id is not None:
            kwargs["logits_processor"] = LogitsProcessorList([_Gate()])
        exclusive: Any = contextlib.nullcontext()
        if loaded.compiled and prompt_len + self._gen.max_new_tokens <= STATIC_CACHE_TOKENS:
            kwargs.update(static_compiled_kwargs())
            exclusive = self._chat.static_lock  # the compiled step runs one answer at a time

        def work() -> None:
            try:
                if self._gen.do_sample and self._gen.seed is not None:
                    torch.manual_seed(self._gen.seed)
                with exclusive:
                    result["ids"] = loaded.model.generate(
                        input_ids=input_ids,
                        attention_mask=torch.ones_like(input_ids),
                        streamer=streamer,
                        stopping_criteria=StoppingCriteriaList([_Stop()]),
                        pad_token_id=tok.pad_token_id,
                        **kwargs,
                    )
            except BaseException as err:  # re-raised in the consuming thread below
                result["error"] = err
                streamer.end()

        start = time.perf_counter()
        ttft = None
        pieces: list[str] = []
        worker = threading.Thread(target=work, name="generate", daemon=True)
        worker.start()
        drained = False
        try:
            for piece in streamer:
                if not piece:
                    continue
                if ttft is None:
                    ttft = time.perf_counter() - start
                pieces.append(piece)
                yield piece
            drained = True
        finally:
            if not drained:  # the consumer stopped early (closed, or raised): stop the worker too
                stop.set()
            worker.join()
        if "error" in result:
            raise result["error"]
        seconds = time.perf_counter() - start
        if gate.get("refuse"):
            yield self._refusal or ""
            self.completion = Completion(self._refusal or "", prompt_len, 0, seconds, seconds, "abstained", dropped,
                                         gate["margin"])
            return
        new = result["ids"][0, prompt_len:]
        eos = _eos_ids(loaded)
        if stop.is_set():
            reason = "cancelled"
        elif len(new) >= self._gen.max_new_tokens and int(new[-1]) not in eos:
            reason = "length"
        else:
            reason = "stop"
        self.completion = Completion("".join(pieces), prompt_len, int(len(new)), ttft, seconds, reason, dropped,
                                     gate.get("margin"))


STATIC_CACHE_TOKENS = 1024  # one size for every answer (prompt + answer; longer ones run uncompiled), so the step compiles once


def static_compiled_kwargs() -> dict[str, Any]:
    """``generate`` arguments for a compiled decoding step over a fixed-size static cache (model.compile).

    transformers compiles only the one-token decoding step, on any device once told to;
    a cache of one size for every call keeps it from recompiling for each prompt length."""
    from transformers import CompileConfig

    config = CompileConfig()
    config._compile_all_devices = True  # transformers compiles on GPUs only unless asked
    return {"cache_implementation": "static", "compile_config": config, "max_cache_len": STATIC_CACHE_TOKENS}


def generation_kwargs(gen: GenerationConfig) -> dict[str, Any]:
    """The ``model.generate`` arguments for a decoding config (sampling knobs only when sampling)."""
    kwargs: dict[str, Any] = {
        "max_new_tokens": gen.max_new_tokens,
        "do_sample": gen.do_sample,
        "repetition_penalty": gen.repetition_penalty,
    }
    if gen.do_sample:
        kwargs.update(temperature=gen.temperature, top_p=gen.top_p, top_k=gen.top_k or None)
    else:  # the model's generation_config may carry sampling defaults; greedy ignores them
        kwargs.update(temperature=None, top_p=None, top_k=None)
    return kwargs


def _eos_ids(loaded: LoadedModel) -> set[int]:
    eos = loaded.model.generation_config.eos_token_id
    ids = set(eos) if isinstance(eos, (list, tuple)) else {eos}
    ids.add(loaded.tokenizer.eos_token_id)
    return {int(i) for i in ids if i is not None}


class TransformersChat:
    """A loaded model plus decoding defaults; one instance serves many threads."""

    def __init__(self, loaded: LoadedModel, generation: GenerationConfig | None = None):
        self.loaded = loaded
        self.generation = generation or GenerationConfig()
        self.static_lock = threading.Lock()  # with model.compile: one answer at a time through the compiled step

    @property
    def name(self) -> str:
        return self.loaded.name

    @functools.cached_property
    def special_tokens(self) -> list[str]:
        """The tokenizer's control tokens (its special tokens and any added token marked special)."""
        tok = self.loaded.tokenizer
        added = getattr(tok, "added_tokens_decoder", {}) or {}
        return sorted({*tok.all_special_tokens, *(t.content for t in added.values() if getattr(t, "special", False))})

    @functools.lru_cache(maxsize=8)
    def first_token(self, text: str) -> int:
        """The token an answer that is ``text`` would begin with."""
        return int(self.loaded.tokenizer.encode(text, add_special_tokens=False)[0])

    def encode(self, messages: Sequence[Message], max_new_tokens: int):
        """Token ids for ``messages`` via the tokenizer's chat template.

        If the prompt plus ``max_new_tokens`` does not fit the context, the oldest
        earlier turns are dropped (never the system prompt or the new question): the
        fewest that make it fit, found by halving (a long chat costs a few template
        passes, not one per turn). If even the question alone does not fit, that is an
        :class:`InputError`. Returns (ids of shape [1, n], number of turns dropped).
        """
        messages = defuse(messages, self.special_tokens)  # text in a message never becomes a control token
        context = self.loaded.context_length
        system = messages[:1] if messages and messages[0]["role"] == "system" else []
        earlier, last = messages[len(system):-1], messages[-1:]

        def ids_without(dropped: int):
            return self.loaded.tokenizer.apply_chat_template(
                system + earlier[dropped:] + last, add_generation_prompt=True, return_tensors="pt",
                return_dict=True)["input_ids"]

        ids = ids_without(0)
        if ids.shape[1] + max_new_tokens <= context:
            return ids.to(self.loaded.device), 0
        low, high = 1, len(earlier)  # the fewest dropped turns that fit lie in [low, high], if any do
        fits = None
        while low <= high:
            middle = (low + high) // 2
            trial = ids_without(middle)
            if trial.shape[1] + max_new_tokens <= context:
                fits, high = (middle, trial), middle - 1
            else:
                low = middle + 1
        if fits is None:
            alone = ids_without(len(earlier)) if earlier else ids
            raise InputError(
                f"the prompt is {alone.shape[1]} tokens; with max_new_tokens={max_new_tokens} it does not fit "
                f"the model's context of {context} tokens (shorten the question or the passages)")
        return fits[1].to(self.loaded.device), fits[0]

    def stream(self, messages: Sequence[Message], generation: GenerationConfig | None = None,
               stop: threading.Event | None = None, refusal: str | None = None) -> Stream:
        """The answer to ``messages``, streamed; with ``refusal``, the answer may be that text
        instead (see the module docstring)."""
        return Stream(self, messages, generation or self.generation, stop, refusal)

    def complete(self, messages: Sequence[Message], generation: GenerationConfig | None = None,
                 on_text: Callable[[str], None] | None = None, stop: threading.Event | None = None,
                 refusal: str | None = None) -> Completion:
        return drain(self.stream(messages, generation, stop, refusal), on_text)

    def with_generation(self, **changes: Any) -> GenerationConfig:
        """A copy of the decoding defaults with some fields changed (validated)."""
        return replace(self.generation, **changes)


