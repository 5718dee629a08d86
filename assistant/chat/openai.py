"""The dialogue model behind an OpenAI-compatible HTTP API (``model.backend = "openai"``).

vLLM, TGI, the llama.cpp server, Ollama and ``assistant serve`` all speak
``POST {base_url}/chat/completions``. :class:`RemoteChat` has the same surface as
:class:`assistant.chat.transformers.TransformersChat` (``stream``, ``complete``, ``with_generation``,
``name``, ``generation``, ``loaded.device`` / ``.dtype``), so the CLI, the page and the checker's
repair use either without knowing which.

Errors are translated here, once: the server down, a timeout, an HTTP error, or a
reply that is not what the API promises becomes a :class:`ModelError` naming the URL
and what went wrong. Connection errors and 5xx replies are retried (``model.retries``
times, with a short backoff) before the first piece of text; never after, so a
streamed answer is not repeated.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator, Sequence

from assistant.chat.base import Completion, TextStream, drain
from assistant.chat.prompt import Message
from assistant.chat.repetition import trim_repetition
from core.config import GenerationConfig, ModelConfig
from core.errors import ModelError


@dataclass(frozen=True)
class RemoteModel:
    """What the page and logs show about a served model."""

    name: str
    device: str  # "remote <url>"
    dtype: str = "as served"


def request_body(model: str, messages: Sequence[Message], gen: GenerationConfig, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": list(messages), "stream": stream,
                            "max_tokens": gen.max_new_tokens}
    if gen.do_sample:
        body.update(temperature=gen.temperature, top_p=gen.top_p)
        if gen.seed is not None:
            body["seed"] = gen.seed
    else:
        body["temperature"] = 0.0
    if stream:
        body["stream_options"] = {"include_usage": True}
    return body


def error_text(body: str) -> str:
    """The message of an error reply: OpenAI's ``{"error": {"message"}}``, FastAPI's ``{"detail"}``, or the text."""
    try:
        value = json.loads(body)
    except ValueError:
        return body[:300]
    if isinstance(value, dict):
        error = value.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if error or value.get("detail"):
            return str(error or value["detail"])[:300]
    return body[:300]


class RemoteStream(TextStream):
    """The openai backend's stream: the server's SSE chunks as text pieces."""

    def _pieces(self) -> Iterator[str]:
        chat = self._chat
        start = time.perf_counter()
        first: float | None = None
        pieces: list[str] = []
        usage: dict[str, Any] = {}
        finish = "stop"
        body = request_body(chat.name, self._messages, self._gen, stream=True)
        with chat._open(body) as response:
            for line in response.iter_lines():
                if self._stopping():
                    finish = "cancelled" if self._stop.is_set() else finish
                    break
                if not line.startswith("data:"):
                    continue  # SSE comments, keep-alives, event names
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                chunk = chat._json(data)
                usage = chunk.get("usage") or usage
                for choice in chunk.get("choices") or []:
                    if not isinstance(choice, dict):
                        raise chat._garbage(f"a choice that is not an object: {data[:200]}")
                    piece = (choice.get("delta") or {}).get("content") or ""
                    finish = choice.get("finish_reason") or finish
                    if piece:
                        if first is None:
                            first = time.perf_counter() - start
                        pieces.append(piece)
                        yield piece
        self.completion = Completion("".join(pieces), int(usage.get("prompt_tokens") or 0),
                                     int(usage.get("completion_tokens") or 0), first,
                                     time.perf_counter() - start, "length" if finish == "length" else
                                     "cancelled" if finish == "cancelled" else "stop")


class RemoteChat:
    """An OpenAI-compatible chat server as the dialogue model."""

    def __init__(self, cfg: ModelConfig, generation: GenerationConfig | None = None, transport=None):
        import httpx

        self.cfg = cfg
        self.generation = generation or GenerationConfig()
        self.base_url = cfg.base_url.rstrip("/")
        key = os.environ.get(cfg.api_key_env) if cfg.api_key_env else None
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, transport=transport,
                                  timeout=httpx.Timeout(cfg.timeout, connect=min(cfg.timeout, 10.0)))
        self.loaded = RemoteModel(cfg.name, f"remote {self.base_url}")

    @property
    def name(self) -> str:
        return self.cfg.name

    def close(self) -> None:
        self._http.close()

    # -- errors ---------------------------------------------------------------------------------------
    def _garbage(self, what: str) -> ModelError:
        return ModelError(f"the model server at {self.base_url} sent {what}; is it an OpenAI-compatible API?")

    def _json(self, text: str) -> dict[str, Any]:
        try:
            value = json.loads(text)
        except ValueError:
            raise self._garbage(f"something that is not JSON: {text[:200]!r}") from None
        if not isinstance(value, dict):
            raise self._garbage(f"JSON that is not an object: {text[:200]!r}")
        if "error" in value and not value.get("choices"):
            error = value["error"]
            message = error.get("message") if isinstance(error, dict) else error
            raise ModelError(f"the model server at {self.base_url} answered with an error: {message}")
        return value

    def _open(self, body: dict[str, Any]):
        """POST /chat/completions, retried on connection errors and 5xx; a context manager over the response."""
        import contextlib

        import httpx

        @contextlib.contextmanager
        def opened():
            attempt = 0
            while True:
                try:
                    request = self._http.build_request("POST", "/chat/completions", json=body)
                    response = self._http.send(request, stream=bool(body.get("stream")))
                except httpx.TimeoutException:
                    error = ModelError(f"the model server at {self.base_url} did not answer within "
                                       f"{self.cfg.timeout:g} s (model.timeout)")
                except httpx.TransportError as err:
                    error = ModelError(f"cannot reach the model server at {self.base_url}: {err or type(err).__name__}"
                                       " (is it running? see model.base_url)")
                else:
                    if response.status_code < 500:
                        break
                    response.read()
                    response.close()
                    error = ModelError(f"the model server at {self.base_url} failed: HTTP {response.status_code} "
                                       f"{error_text(response.text)}")
                if attempt >= self.cfg.retries:
                    raise error
                attempt += 1
                time.sleep(min(0.25 * 2 ** attempt, 4.0))
            try:
                if response.status_code >= 400:
                    response.read()
                    raise ModelError(f"the model server at {self.base_url} refused the request: HTTP "
                                     f"{response.status_code} {error_text(response.text)}")
                yield response
            except httpx.TimeoutException:
                raise ModelError(f"the model server at {self.base_url} stopped answering for {self.cfg.timeout:g} s "
                                 "(model.timeout)") from None
            except httpx.TransportError as err:
                raise ModelError(f"the connection to the model server at {self.base_url} broke: {err}") from None
            finally:
                response.close()

        return opened()

    # -- the ChatModel surface ------------------------------------------------------------------------
    def stream(self, messages: Sequence[Message], generation: GenerationConfig | None = None,
               stop: threading.Event | None = None, refusal: str | None = None) -> RemoteStream:
        """``refusal`` is not used: a server's chat API does not show the first step's logits, so
        a served model refuses only when it says so itself (``refusal_margin`` stays None)."""
        return RemoteStream(self, messages, generation or self.generation, stop)

    def complete(self, messages: Sequence[Message], generation: GenerationConfig | None = None,
                 on_text: Callable[[str], None] | None = None, stop: threading.Event | None = None,
                 refusal: str | None = None) -> Completion:
        if on_text is not None or stop is not None:  # the caller wants pieces as they come
            return drain(self.stream(messages, generation, stop), on_text)
        gen = generation or self.generation
        start = time.perf_counter()
        with self._open(request_body(self.name, messages, gen, stream=False)) as response:
            response.read()
            reply = self._json(response.text)
        try:
            choice = reply["choices"][0]
            text = choice["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise self._garbage(f"a reply without choices[0].message.content: {response.text[:200]}") from None
        usage = reply.get("usage") or {}
        seconds = time.perf_counter() - start
        text, looped = trim_repetition(text)
        return Completion(text, int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0),
                          seconds, seconds, "repetition" if looped else
                          "length" if choice.get("finish_reason") == "length" else "stop")

    def with_generation(self, **changes: Any) -> GenerationConfig:
        return replace(self.generation, **changes)

    def models(self) -> list[str]:
        """The ids ``GET /models`` lists."""
        with self._http_get("/models") as response:
            response.read()
            reply = self._json(response.text)
        data = reply.get("data")
        if not isinstance(data, list):
            raise self._garbage(f"a model list without data: {response.text[:200]}")
        return [m.get("id") for m in data if isinstance(m, dict)]

    def _http_get(self, path: str):
        import contextlib

        import httpx

        @contextlib.contextmanager
        def opened():
            try:
                response = self._http.send(self._http.build_request("GET", path), stream=True)
            except httpx.TransportError as err:
                raise ModelError(f"cannot reach the model server at {self.base_url}: {err}") from None
            try:
                yield response
            finally:
                response.close()

        return opened()
