"""``assistant serve``: the built-in model, and the checker, behind an OpenAI-compatible HTTP API.

- ``GET /v1/models``: the served model;
- ``POST /v1/chat/completions``: OpenAI's request and reply, streamed as server-sent
  events with ``"stream": true`` (then ``data: [DONE]``), usage included;
- ``POST /v1/check``: ``{"items": [{"id", "claim", "evidence"?, "question"?}, ...]}`` ->
  ``{"results": [{"id", "label", "score", "evidence"}, ...]}``, ``assistant check``'s batch format.

Requests take the model one at a time in arrival order, or with ``--batch N`` are decoded
together (``assistant/chat/batching.py``); at most ``max_waiting`` wait, each at most
``max_wait_s``, beyond that 503. A client that goes away gives its place up and stops its
generation. Bad requests get a 400 in OpenAI's error shape; with ``--api-key-env NAME`` (the key
read from that variable, never the command line) requests without the key get a 401.
"""

import json
import logging
import math
import threading
import time
import uuid
from typing import Any

from assistant.chat.batching import BatchedChat
from assistant.checking.checker import check_claims
from assistant.inputs import claim_item, listed, text_field
from core.config import MIN_TEMPERATURE  # a request's temperature below it decodes greedily
from core.errors import AssistantError, Cancelled, InputError, TooLarge
from core.limits import LIMITS, Limits

ROLES = ("system", "user", "assistant")
log = logging.getLogger(__name__)


def loopback(host: str) -> bool:
    """Whether ``host`` is an address only this machine reaches (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def parse_messages(value: Any, limits: Limits = LIMITS) -> list[dict[str, str]]:
    listed(value, "messages", limits.messages, "requests.max_messages")
    out, total = [], 0
    for n, m in enumerate(value):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise InputError(f"messages[{n}] must be an object with role system, user or assistant")
        content = m.get("content")
        if isinstance(content, list):  # typed parts: text only (an image or a file would be dropped unread)
            if not content:
                raise InputError(f"messages[{n}].content is an empty list of parts")
            for k, part in enumerate(content):
                if not isinstance(part, dict) or part.get("type") != "text":
                    kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                    raise InputError(f"messages[{n}].content[{k}] is a {kind!s:.40} part; this server reads "
                                     'text parts only ({"type": "text", "text": ...})')
            content = "".join(text_field(part.get("text"), f"messages[{n}].content[{k}].text")
                              for k, part in enumerate(content))
        if not isinstance(content, str):
            raise InputError(f"messages[{n}].content must be a string (or a list of text parts)")
        if len(content) > limits.message_chars:
            raise TooLarge(f"messages[{n}].content is {len(content):,} characters; the limit is "
                           f"{limits.message_chars:,} (setting requests.max_message_chars)")
        total += len(content)
        if total > limits.request_chars:
            raise TooLarge(f"the messages run past {limits.request_chars:,} characters (at messages[{n}]; setting "
                           "requests.max_chars); the model could read only the end of them")
        out.append({"role": m["role"], "content": text_field(content, f"messages[{n}].content")})
    return out


def _number(value: Any) -> bool:
    """A finite JSON number (true and false are not numbers, whatever Python's bool says; an
    integer of 400 digits is not a float)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def parse_generation(chat, body: dict[str, Any], limits: Limits = LIMITS):
    """The request's decoding settings over the server's defaults. A field given as null is
    unset, as OpenAI's API reads it (``max_completion_tokens: null`` leaves ``max_tokens``)."""
    changes: dict[str, Any] = {}
    name = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
    tokens = body.get(name)
    if tokens is not None:
        if not isinstance(tokens, int) or isinstance(tokens, bool) or not 1 <= tokens <= limits.max_tokens:
            raise InputError(f"{name} must be an integer between 1 and {limits.max_tokens} "
                             f"(setting requests.max_tokens), got {tokens!r}")
        changes["max_new_tokens"] = tokens
    temperature = body.get("temperature")
    if temperature is not None:
        if not _number(temperature) or not 0 <= temperature <= 2:
            raise InputError(f"temperature must be a number between 0 and 2, got {temperature!r}")
        changes["do_sample"] = temperature >= MIN_TEMPERATURE
        if changes["do_sample"]:
            changes["temperature"] = float(temperature)
    top_p = body.get("top_p")
    if top_p is not None:
        if not _number(top_p) or not 0 < top_p <= 1:
            raise InputError(f"top_p must be in (0, 1], got {top_p!r}")
        changes["top_p"] = float(top_p)
    seed = body.get("seed")
    if seed is not None:
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
            raise InputError(f"seed must be an integer from 0 to 2**32 - 1, got {seed!r}")
        changes["seed"] = seed
    return chat.with_generation(**changes)


class LineFull(Exception):
    """``--max-waiting`` requests already wait their turn (the API answers 503)."""


class ClientGone(Cancelled):
    """The client hung up while its request waited for the model."""


class Ticket:
    """One request's place in the line: waiting, then on the model, then done (exactly once)."""

    def __init__(self) -> None:
        self.entered = False
        self.done = False


class Turns:
    """One model, ``slots`` requests on it at a time (1; ``--batch N``: the N the batcher decodes
    together), the others waiting their turn: a bounded number, each for a bounded time.

    ``reserve()`` (never blocks) takes a place in the line or raises :class:`LineFull`;
    ``enter(ticket, stop)`` then waits for the model, giving up when ``stop`` is set (the
    client left) or after ``max_wait_s`` (TimeoutError); ``close(ticket)`` gives back whatever
    the ticket holds, from any thread, any number of times. A request's ``finally`` closes its
    ticket, so a client that leaves at any point (queued, streaming) frees its place."""

    POLL_S = 0.05  # how often a waiting request looks whether its client is still there

    def __init__(self, max_waiting: int = 64, slots: int = 1, max_wait_s: float = 600.0):
        self._model = threading.BoundedSemaphore(slots)
        self._count = threading.Lock()
        self.max_waiting = max_waiting
        self.max_wait_s = max_wait_s
        self.waiting = 0
        self.busy = 0
        self.busy_max = 0  # most requests ever on the model at once: never more than slots

    def reserve(self) -> Ticket:
        with self._count:
            if self.waiting >= self.max_waiting:
                raise LineFull
            self.waiting += 1
        return Ticket()

    def enter(self, ticket: Ticket, stop: threading.Event | None = None) -> bool:
        """Wait for the model; True once on it, False if the request was closed or ``stop`` set."""
        deadline = time.monotonic() + self.max_wait_s
        while True:
            if ticket.done or (stop is not None and stop.is_set()):
                self.close(ticket)
                return False
            if self._model.acquire(timeout=self.POLL_S):
                with self._count:
                    if not ticket.done:
                        ticket.entered = True
                        self.waiting -= 1
                        self.busy += 1
                        self.busy_max = max(self.busy_max, self.busy)
                        return True
                self._model.release()  # closed while a slot came free: hand it on
                return False
            if time.monotonic() > deadline:
                self.close(ticket)
                raise TimeoutError

    def close(self, ticket: Ticket) -> None:
        with self._count:
            if ticket.done:
                return
            ticket.done = True
            if ticket.entered:
                self.busy -= 1
            else:
                self.waiting -= 1
        if ticket.entered:
            self._model.release()


def parse_items(value: Any, limits: Limits = LIMITS) -> list[dict[str, Any]]:
    listed(value, "items", limits.check_items, "requests.max_check_items",
           ' of {"id", "claim", "evidence"?, "question"?}')
    return [claim_item(item, limits, f"items[{n}]") for n, item in enumerate(value)]


def build_app(chat, checker=None, max_waiting: int = 64, max_batch: int = 1, api_key: str | None = None,
              max_wait_s: float = 600.0, limits: Limits = LIMITS):
    """The server. With ``api_key``, every request must carry ``Authorization: Bearer <api_key>``
    (401 otherwise), the way OpenAI's clients send their key. ``limits``: what one request may
    ask (``Config.limits()``)."""
    import hmac

    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, Response, StreamingResponse

    app = FastAPI(title="grounded-assistant", docs_url=None, redoc_url=None, openapi_url=None)
    if max_batch > 1:

        chat = BatchedChat(chat, max_batch)
    app.state.chat = chat
    turns = Turns(max_waiting, slots=max(1, max_batch), max_wait_s=max_wait_s)
    app.state.turns = turns

    def error(status: int, message: str, kind: str) -> JSONResponse:
        return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)

    async def body_of(request: Request) -> dict[str, Any]:
        most = int(limits.request_mb * 1e6)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > most:
            raise TooLarge(f"the request body is {int(declared):,} bytes; the limit is {most:,} "
                           "(setting requests.max_body_mb)")
        raw = bytearray()
        async for part in request.stream():  # read no further than the limit, whatever the headers said
            raw += part
            if len(raw) > most:
                raise TooLarge(f"the request body runs past {most:,} bytes (setting requests.max_body_mb)")
        try:
            body = json.loads(bytes(raw))
        except ValueError as err:
            raise InputError(f"the request body is not JSON ({err})") from None
        except RecursionError:
            raise InputError("the request body nests too deeply to be a request") from None
        if not isinstance(body, dict):
            raise InputError("the request body must be a JSON object")
        return body

    if api_key:
        expected = f"Bearer {api_key}".encode()

        @app.middleware("http")
        async def key_required(request: Request, call_next):
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return error(401, "a valid API key is required (Authorization: Bearer ...)", "invalid_api_key")
            return await call_next(request)

    @app.exception_handler(InputError)
    async def bad_request(request, err: InputError):
        return error(413 if isinstance(err, TooLarge) else 400, str(err), "invalid_request_error")

    @app.exception_handler(AssistantError)
    async def failed(request, err: AssistantError):
        return error(500, str(err), "server_error")

    @app.exception_handler(LineFull)
    async def full(request, err):
        return error(503, f"{turns.max_waiting} requests are already waiting; try again shortly", "server_busy")

    def waited() -> str:
        return f"waited more than {turns.max_wait_s:g} s for the model; try again shortly"

    @app.exception_handler(TimeoutError)
    async def waited_too_long(request, err):
        return error(503, waited(), "server_busy")

    @app.exception_handler(Cancelled)  # ClientGone too
    async def gone(request, err):
        return Response(status_code=499)  # nobody reads it: the client hung up

    @app.get("/v1/models")
    def models():
        return {"object": "list", "data": [{"id": chat.name, "object": "model", "created": 0, "owned_by": "local"}]}

    @app.post("/v1/chat/completions")
    async def completions(request: Request):
        body = await body_of(request)
        messages = parse_messages(body.get("messages"), limits)
        gen = parse_generation(chat, body, limits)
        rid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if body.get("stream") not in (None, True, False):
            raise InputError(f"stream must be true or false, got {body['stream']!r:.40}")
        if body.get("stream"):
            return StreamingResponse(streamed(messages, gen, rid, created, turns.reserve()),
                                     media_type="text/event-stream")
        done = await on_the_model(turns.reserve(), lambda stop: chat.complete(messages, gen, stop=stop), request)
        return {"id": rid, "object": "chat.completion", "created": created, "model": chat.name,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": done.text},
                             "finish_reason": done.finish_reason}], "usage": usage(done)}

    async def on_the_model(ticket: Ticket, work, request: Request | None = None):
        """``work(stop)`` run in a worker thread once the request's turn comes; the ticket is
        closed however this ends. With ``request``, a client that hangs up sets ``stop`` (looked
        for every quarter second), so the waiting or the generation in the thread gives up."""
        import asyncio

        from starlette.concurrency import run_in_threadpool

        stop = threading.Event()

        async def watch() -> None:
            while not stop.is_set():
                if await request.is_disconnected():
                    stop.set()
                    return
                await asyncio.sleep(0.25)

        watcher = asyncio.create_task(watch()) if request is not None else None

        def run():
            if not turns.enter(ticket, stop):
                raise ClientGone
            try:
                return work(stop)
            finally:
                turns.close(ticket)

        try:
            return await run_in_threadpool(run)
        finally:
            stop.set()
            if watcher is not None:
                watcher.cancel()
            turns.close(ticket)

    async def streamed(messages, gen, rid: str, created: int, ticket: Ticket):
        """Server-sent events of one answer. An async generator: when the client leaves,
        Starlette cancels it at an ``await``, and its ``finally`` frees the ticket (a plain
        generator abandoned in a worker thread never ran its ``finally``, and kept the model)."""
        from starlette.concurrency import run_in_threadpool

        head = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": chat.name}
        stop = threading.Event()
        pieces = None
        try:
            try:
                if not await run_in_threadpool(turns.enter, ticket, stop):
                    return
            except TimeoutError:
                yield event({"error": {"message": waited(), "type": "server_busy"}})
                return
            yield event({**head, "choices": [{"index": 0, "delta": {"role": "assistant"}}]})
            stream = chat.stream(messages, gen, stop)
            pieces = iter(stream)
            while (piece := await run_in_threadpool(next, pieces, None)) is not None:
                yield event({**head, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
            pieces = None  # exhausted
            done = stream.completion
            yield event({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": done.finish_reason}],
                         "usage": usage(done)})
            yield "data: [DONE]\n\n"
        except AssistantError as err:  # after the 200 went out: the error travels in the stream
            yield event({"error": {"message": str(err), "type": "server_error"}})
        except Exception:  # a bug; the 200 went out, so the client hears of it in the stream, and the log has it
            log.exception("a streamed answer failed")
            yield event({"error": {"message": "the answer failed (an internal error, logged on the server)",
                                   "type": "server_error"}})
        finally:
            stop.set()  # a client that left stops the generation
            if pieces is None:
                turns.close(ticket)
            else:  # left mid-answer: the model is free once the stream has wound down (not awaited:
                threading.Thread(target=wind_down, args=(pieces, ticket), daemon=True).start()  # cancelled here)

    def wind_down(pieces, ticket: Ticket) -> None:
        try:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()
        finally:
            turns.close(ticket)

    @app.post("/v1/check")
    async def check(request: Request):
        """Claims checked in the same line as answers (one at a time, at most ``max_waiting`` waiting)."""

        if checker is None:
            raise InputError("this server runs no checker (start it without --no-checker)")
        items = parse_items((await body_of(request)).get("items"), limits)
        results = await on_the_model(turns.reserve(), lambda stop: check_claims(checker, items, stop), request)
        return {"verifier": checker.verifier.name, "version": checker.version,
                "results": [r.as_dict() for r in results]}

    return app


def event(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data)}\n\n"


def usage(done) -> dict[str, int]:
    return {"prompt_tokens": done.prompt_tokens, "completion_tokens": done.completion_tokens,
            "total_tokens": done.prompt_tokens + done.completion_tokens}
