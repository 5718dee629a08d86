"""`assistant serve` and the openai backend against it, on loopback: streamed and not, concurrent
requests, bad requests, a server that is down or sends garbage."""

import socket
import threading
import time

import pytest

from assistant.chat.openai import RemoteChat
from assistant.serve import build_app
from core.config import GenerationConfig, ModelConfig
from core.errors import ModelError
from tests.test_ui_chat import FakeChat


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """A FastAPI app served by uvicorn in a thread."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            assert time.time() < deadline, "the server did not start"
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def close(self):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def serve():
    servers = []

    def start(app):
        servers.append(Served(app))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def client(url, **changes):
    return RemoteChat(ModelConfig(name="fake", backend="openai", base_url=url, **changes), GenerationConfig())


class SlowChat(FakeChat):
    """Answers slowly, and notes how many answers ran at once."""

    def __init__(self):
        super().__init__()
        self.running, self.most = 0, 0
        self.lock = threading.Lock()

    def stream(self, messages, generation=None, stop=None):
        return SlowStream(self, messages)

    def complete(self, messages, generation=None, on_text=None, stop=None):
        stream = self.stream(messages, generation, stop)
        for _ in stream:
            pass
        return stream.completion


class SlowStream:
    def __init__(self, chat, messages, stop=None):
        self.chat, self.messages, self.completion, self.stop = chat, messages, None, stop

    def __iter__(self):
        from assistant.chat.base import Completion

        with self.chat.lock:
            self.chat.running += 1
            self.chat.most = max(self.chat.most, self.chat.running)
        pieces = getattr(self, "pieces", None) or ["You ", "asked: ", self.messages[-1]["content"]]
        said = []
        try:
            for piece in pieces:
                if self.stop is not None and self.stop.is_set():
                    break
                time.sleep(0.1)
                said.append(piece)
                yield piece
        finally:  # also when the consumer stops early
            with self.chat.lock:
                self.chat.running -= 1
        self.completion = Completion("".join(said), 5, len(said), 0.1, 0.3, "stop")


def test_streamed_and_whole_answers_match(serve):
    server = serve(build_app(SlowChat()))
    remote = client(server.url)
    stream = remote.stream([{"role": "user", "content": "hi"}])
    pieces = list(stream)
    assert pieces == ["You ", "asked: ", "hi"]
    assert stream.completion.text == "You asked: hi" and stream.completion.completion_tokens == 3
    whole = remote.complete([{"role": "user", "content": "hi"}])
    assert whole.text == "You asked: hi" and whole.prompt_tokens == 5 and whole.finish_reason == "stop"
    assert remote.models() == ["fake"]


def test_concurrent_requests_are_queued_and_all_answered(serve):
    chat = SlowChat()
    server = serve(build_app(chat))
    remote = client(server.url)
    answers = {}

    def ask(n):
        if n % 2:
            answers[n] = "".join(remote.stream([{"role": "user", "content": f"q{n}"}]))
        else:
            answers[n] = remote.complete([{"role": "user", "content": f"q{n}"}]).text

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert answers == {n: f"You asked: q{n}" for n in range(4)}
    assert chat.most == 1  # one at a time on the model


def test_bad_requests_get_a_400_that_says_what_is_wrong(serve):
    import httpx

    server = serve(build_app(FakeChat()))
    cases = [({"messages": []}, "messages must be a non-empty list"),
             ({"messages": [{"role": "robot", "content": "x"}]}, "role system, user or assistant"),
             ({"messages": [{"role": "user", "content": "x"}], "max_tokens": -3}, "max_tokens must be"),
             ({"messages": [{"role": "user", "content": "x"}], "temperature": "hot"}, "temperature must be"),
             ({"messages": [{"role": "user", "content": "x"}], "stream": "no"}, "stream must be true or false")]
    for body, message in cases:
        reply = httpx.post(server.url + "/chat/completions", json=body)
        assert reply.status_code == 400 and message in reply.json()["error"]["message"], body
    reply = httpx.post(server.url + "/chat/completions", content=b"{not json")
    assert reply.status_code == 400 and "not JSON" in reply.json()["error"]["message"]
    with pytest.raises(ModelError, match="refused the request: HTTP 400 messages\\[0\\] must be an object with role"):
        client(server.url).complete([{"role": "robot", "content": "x"}])


def test_a_server_that_is_down_is_a_clear_error():
    remote = client(f"http://127.0.0.1:{free_port()}/v1", retries=1)
    start = time.perf_counter()
    with pytest.raises(ModelError, match=r"cannot reach the model server at http://127\.0\.0\.1:\d+/v1.*is it running"):
        list(remote.stream([{"role": "user", "content": "hi"}]))
    assert time.perf_counter() - start < 10  # one retry with a short backoff, then the error


def test_garbage_and_errors_from_the_server_are_clear(serve):
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse, PlainTextResponse

    app = FastAPI()
    calls = {"n": 0}

    @app.post("/v1/chat/completions")
    async def junk():
        return PlainTextResponse("hello, I am not an API")

    @app.get("/v1/models")
    async def models():
        return JSONResponse({"unexpected": True})

    garbage = serve(app)
    with pytest.raises(ModelError, match="not JSON.*OpenAI-compatible"):
        client(garbage.url).complete([{"role": "user", "content": "hi"}])
    with pytest.raises(ModelError, match="model list without data"):
        client(garbage.url).models()

    failing = FastAPI()

    @failing.post("/v1/chat/completions")
    async def boom():
        calls["n"] += 1
        return JSONResponse({"error": "overloaded"}, status_code=503)

    server = serve(failing)
    with pytest.raises(ModelError, match="failed: HTTP 503"):
        client(server.url, retries=2).complete([{"role": "user", "content": "hi"}])
    assert calls["n"] == 3  # tried, then retried twice


def test_the_checker_is_served_too(serve):
    import httpx

    from assistant.checking.checker import Checker
    from tests.test_checker import FakeVerifier

    server = serve(build_app(FakeChat(), Checker(FakeVerifier())))
    reply = httpx.post(server.url + "/check", json={"items": [
        {"id": "a", "claim": "The sky is blue.", "evidence": "The sky is blue."},
        {"id": 2, "claim": "The sky is green.", "evidence": "The sky is blue."}]})
    assert reply.status_code == 200
    results = reply.json()["results"]
    assert [(r["id"], r["label"]) for r in results] == [("a", "supported"), ("2", "unsupported")]
    bad = httpx.post(server.url + "/check", json={"items": [{"id": "a"}]})
    assert bad.status_code == 400 and "items[0] has no non-empty \"claim\"" in bad.json()["error"]["message"]


@pytest.mark.model
def test_the_real_model_served_and_used_through_the_openai_backend(chat_model, serve):
    server = serve(build_app(chat_model))
    remote = client(server.url)
    question = [{"role": "user", "content": "What is the capital of France?"}]
    stream = remote.stream(question)
    pieces = list(stream)
    assert len(pieces) >= 2 and "Paris" in "".join(pieces)
    assert stream.completion.completion_tokens > 0 and stream.completion.ttft_s is not None
    whole = remote.complete(question)
    assert whole.text == "".join(pieces)  # greedy: the same answer either way


def test_the_openai_backend_is_chosen_by_config_and_checked():
    from assistant.chat.backends import load_chat_model
    from assistant.checking.verifiers.llm import LLMVerifier
    from core.config import Config, ConfigError

    chat = load_chat_model(Config(model=ModelConfig(name="served", backend="openai",
                                                    base_url="http://127.0.0.1:1/v1")))
    assert isinstance(chat, RemoteChat) and chat.name == "served" and chat.loaded.device.startswith("remote ")
    with pytest.raises(ConfigError, match="needs a model loaded here"):
        LLMVerifier(chat)
    with pytest.raises(ConfigError, match="model.base_url"):
        ModelConfig(backend="openai", base_url="localhost:8000")
    with pytest.raises(ConfigError, match="model.backend"):
        ModelConfig(backend="grpc")


@pytest.mark.model
def test_assistant_serve_in_its_own_process_answers_the_cli(loaded_model, model_home, tmp_path):
    """`assistant serve` as a separate process; `assistant ask` in another, with model.backend = openai."""
    import os
    import subprocess
    import sys

    import httpx

    port = free_port()
    env = {**os.environ, "ASSISTANT_HOME": str(model_home)}
    server = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port), "--no-checker",
                               "--max-new-tokens", "24", "-q"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 180
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/models").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.time() < deadline, "assistant serve did not come up"
            time.sleep(0.5)
        home = tmp_path / "client-home"
        ask = subprocess.run([sys.executable, "-m", "assistant", "ask", "What is the capital of France?", "--json",
                              "--home", str(home), "--set", "model.backend=openai",
                              "--set", f"model.base_url=http://127.0.0.1:{port}/v1", "--set", "checker.verifier=overlap"],
                             env={**os.environ, "ASSISTANT_HOME": str(home)}, capture_output=True, text=True,
                             timeout=300)
        assert ask.returncode == 0, ask.stderr[-2000:]
        assert "Paris" in ask.stdout
    finally:
        server.terminate()
        server.wait(30)


@pytest.mark.model
def test_the_server_batches_concurrent_requests(chat_model, serve):
    app = build_app(chat_model, max_batch=4)
    app.state.chat.gather_s = 0.3  # let the three requests below land in one batch
    server = serve(app)
    remote = client(server.url)
    answers = {}

    def ask(n, question):
        gen = GenerationConfig(max_new_tokens=12)
        answers[n] = (remote.complete([{"role": "user", "content": question}], gen).text if n % 2 else
                      "".join(remote.stream([{"role": "user", "content": question}], gen)))

    questions = ["What is the capital of France?", "Say hello.", "Name a fruit."]
    threads = [threading.Thread(target=ask, args=(n, q)) for n, q in enumerate(questions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert len(answers) == 3 and all(answers.values())
    assert "Paris" in answers[0]
    assert max(app.state.chat.batches) >= 2  # decoded together, not one after another


def test_with_an_api_key_requests_without_it_get_a_401(serve, monkeypatch):
    import httpx

    served = serve(build_app(SlowChat(), api_key="k-123"))
    body = {"messages": [{"role": "user", "content": "hi"}]}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "k-123"}):
        for method, path, payload in (("GET", "/models", None), ("POST", "/chat/completions", body),
                                      ("POST", "/check", {"items": []})):
            response = httpx.request(method, served.url + path, json=payload, headers=headers)
            assert response.status_code == 401, (headers, path)
            assert response.json()["error"]["type"] == "invalid_api_key"
    monkeypatch.setenv("SERVE_KEY", "k-123")
    answer = "".join(client(served.url, api_key_env="SERVE_KEY").stream(body["messages"]))
    assert answer == "You asked: hi"  # the openai backend sends the key it is configured with
    with pytest.raises(ModelError, match="401"):
        "".join(client(served.url).stream(body["messages"]))


def test_serve_refuses_an_api_key_variable_that_is_not_set(tmp_path, capsys, monkeypatch):
    from assistant.cli.main import main

    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    assert main(["serve", "--api-key-env", "NO_SUCH_KEY_VAR", "--home", str(tmp_path)]) == 2
    assert "NO_SUCH_KEY_VAR: that environment variable is not set or empty" in capsys.readouterr().err


class LongChat(SlowChat):
    """Answers in 20 pieces, 0.1 s apart."""

    def stream(self, messages, generation=None, stop=None):
        stream = SlowStream(self, messages, stop)
        stream.pieces = [f"w{n} " for n in range(20)]
        return stream


def test_a_client_that_leaves_while_it_waits_does_not_keep_the_model(serve):
    import httpx

    app = build_app(LongChat())
    server = serve(app)
    body = {"model": "fake", "stream": True, "messages": [{"role": "user", "content": "first"}]}
    first = threading.Thread(target=lambda: httpx.post(server.url + "/chat/completions", json=body, timeout=30))
    first.start()
    time.sleep(0.3)  # the first answer holds the model
    with httpx.stream("POST", server.url + "/chat/completions", timeout=30,
                      json={**body, "messages": [{"role": "user", "content": "second"}]}) as waiting:
        assert waiting.status_code == 200
        time.sleep(0.3)  # queued behind the first; then its client goes away
    first.join(30)
    start = time.perf_counter()
    answer = client(server.url, timeout=10).complete([{"role": "user", "content": "third"}])
    assert answer.text.endswith("third") or "w19" in answer.text
    assert time.perf_counter() - start < 8
    deadline = time.time() + 5
    while (app.state.turns.waiting, app.state.turns.busy) != (0, 0):
        assert time.time() < deadline, (app.state.turns.waiting, app.state.turns.busy)
        time.sleep(0.05)


def test_a_client_that_leaves_mid_stream_stops_its_answer_and_frees_the_model(serve):
    import httpx

    chat = LongChat()
    app = build_app(chat)
    server = serve(app)
    body = {"model": "fake", "stream": True, "messages": [{"role": "user", "content": "first"}]}
    with httpx.stream("POST", server.url + "/chat/completions", json=body, timeout=30) as leaving:
        for line in leaving.iter_lines():
            if "w2" in line:
                break  # three pieces in, the client goes away
    start = time.perf_counter()
    answer = client(server.url, timeout=10).complete([{"role": "user", "content": "second"}])
    assert "w19" in answer.text and time.perf_counter() - start < 3.5  # not after the first's whole 2 s + its own
    assert chat.most == 1


def test_a_request_that_waits_too_long_gets_a_503(serve):
    import httpx

    server = serve(build_app(LongChat(), max_wait_s=0.5))
    body = {"model": "fake", "messages": [{"role": "user", "content": "first"}]}
    first = threading.Thread(target=lambda: httpx.post(server.url + "/chat/completions", json=body, timeout=30))
    first.start()
    time.sleep(0.3)
    late = httpx.post(server.url + "/chat/completions", json=body, timeout=30)
    streamed = httpx.post(server.url + "/chat/completions", json={**body, "stream": True}, timeout=30)
    first.join(30)
    assert late.status_code == 503 and "waited more than 0.5 s" in late.json()["error"]["message"]
    assert "waited more than 0.5 s" in streamed.text


def test_text_that_is_not_text_and_json_nested_too_deep_get_a_400_naming_the_field(serve):
    import httpx

    from assistant.checking.checker import Checker

    server = serve(build_app(FakeChat(), checker=Checker(None)))
    user = '{"role": "user", "content": %s}'
    cases = [
        ('{"messages": [%s]}' % (user % '"\\ud800 hi"'), "messages[0].content holds a lone surrogate"),
        ('{"messages": [%s]}' % (user % '[{"type": "text", "text": 5}]'), "messages[0].content[0].text must be a string"),
        ('{"messages": %s}' % ("[" * 100_000 + "]" * 100_000), "nests too deeply"),
    ]
    for body, message in cases:
        reply = httpx.post(server.url + "/chat/completions", content=body.encode(), timeout=30)
        assert reply.status_code == 400 and message in reply.json()["error"]["message"], (body[:80], reply.text[:200])
    reply = httpx.post(server.url + "/check", content=b'{"items": [{"id": 1, "claim": "x", "evidence": "\\udfff"}]}')
    assert reply.status_code == 400 and "items[0].evidence holds a lone surrogate" in reply.json()["error"]["message"]
    reply = httpx.post(server.url + "/check", content=b'{"items": [{"id": "\\ud800", "claim": "x"}]}')
    assert reply.status_code == 400 and "items[0].id holds a lone surrogate" in reply.json()["error"]["message"]
    for seed in (2**32, -1):
        reply = httpx.post(server.url + "/chat/completions", json={
            "messages": [{"role": "user", "content": "hi"}], "temperature": 0.5, "seed": seed})
        assert reply.status_code == 400 and "seed must be an integer from 0" in reply.json()["error"]["message"]


def test_requests_over_a_budget_get_a_413_naming_it_before_any_work(serve):
    import httpx

    from assistant.checking.checker import Checker
    from core.limits import LIMITS
    from tests.hostile import huge_evidence, many_messages
    from tests.test_checker import FakeVerifier

    chat = SlowChat()
    server = serve(build_app(chat, Checker(FakeVerifier())))
    cases = [
        ("/chat/completions", many_messages(10_000), "messages holds 10,000 messages; at most 500"),
        ("/chat/completions", {"messages": [{"role": "user", "content": "x" * 100_001}]},
         "messages[0].content is 100,001 characters; the limit is 100,000"),
        ("/chat/completions", {"messages": [{"role": "user", "content": "x" * 90_000}] * 5},
         "the messages run past 400,000 characters (at messages[4]; setting requests.max_chars)"),
        ("/check", {"items": [{"id": n, "claim": "x"} for n in range(LIMITS.check_items + 1)]}, "items holds 65 items"),
        ("/check", huge_evidence(1_000_000), "items[0].evidence is 1,000,000 characters; the limit is 100,000"),
        ("/check", {"items": [{"id": 1, "claim": "x" * 5_001}]}, "items[0].claim is 5,001 characters"),
    ]
    for path, body, message in cases:
        start = time.perf_counter()
        reply = httpx.post(server.url + path, json=body, timeout=30)
        assert reply.status_code == 413 and message in reply.json()["error"]["message"], (path, reply.text[:200])
        assert time.perf_counter() - start < 5, path  # refused before any work
    huge = httpx.post(server.url + "/check", content=b'{"items": "' + b"x" * 9_000_000 + b'"}', timeout=30)
    assert huge.status_code == 413 and "the limit is 8,000,000" in huge.json()["error"]["message"]
    assert chat.most == 0  # the model never started


def test_checks_wait_in_the_same_line_as_answers(serve):
    import httpx

    from assistant.checking.checker import Checker
    from tests.test_checker import FakeVerifier

    server = serve(build_app(LongChat(), Checker(FakeVerifier()), max_wait_s=0.5))
    first = threading.Thread(target=lambda: httpx.post(
        server.url + "/chat/completions", json={"messages": [{"role": "user", "content": "q"}]}, timeout=30))
    first.start()
    time.sleep(0.3)  # an answer holds the model
    check = httpx.post(server.url + "/check", json={"items": [{"id": 1, "claim": "a", "evidence": "a"}]}, timeout=30)
    first.join(30)
    assert check.status_code == 503 and "waited more than 0.5 s" in check.json()["error"]["message"]
    again = httpx.post(server.url + "/check", json={"items": [{"id": 1, "claim": "a", "evidence": "a"}]}, timeout=30)
    assert again.status_code == 200


def test_a_whole_answer_whose_client_hangs_up_is_stopped_and_frees_the_model(serve):
    import httpx

    chat = LongChat()
    server = serve(build_app(chat))
    body = {"model": "fake", "messages": [{"role": "user", "content": "first"}]}
    with pytest.raises(httpx.ReadTimeout):  # the client gives up after 0.5 s of a 2 s answer
        httpx.post(server.url + "/chat/completions", json=body, timeout=0.5)
    start = time.perf_counter()
    answer = client(server.url, timeout=10).complete([{"role": "user", "content": "second"}])
    assert "w19" in answer.text and time.perf_counter() - start < 3.2  # not behind the first's remaining 1.5 s


def test_the_budgets_are_the_settings_and_odd_generation_fields_are_read_as_openai_reads_them(serve):
    import httpx

    from assistant.checking.checker import Checker
    from core.config import load_config
    from tests.test_checker import FakeVerifier

    limits = load_config(file=False, environ={"ASSISTANT_REQUESTS_MAX_MESSAGES": "2",
                                              "ASSISTANT_REQUESTS_MAX_TOKENS": "64",
                                              "ASSISTANT_REQUESTS_MAX_CHECK_ITEMS": "1"}).limits()
    chat = SlowChat()
    server = serve(build_app(chat, Checker(FakeVerifier()), limits=limits))
    user = {"role": "user", "content": "q"}
    too_many = httpx.post(server.url + "/chat/completions", json={"messages": [user] * 3})
    assert too_many.status_code == 413
    assert "at most 2 are read (setting requests.max_messages)" in too_many.json()["error"]["message"]
    cases = [({"max_tokens": 65}, "max_tokens must be an integer between 1 and 64 (setting requests.max_tokens)"),
             ({"max_completion_tokens": 1000}, "max_completion_tokens must be an integer between 1 and 64"),
             ({"temperature": True}, "temperature must be a number between 0 and 2, got True"),
             ({"top_p": True}, "top_p must be in (0, 1], got True")]
    for extra, message in cases:
        reply = httpx.post(server.url + "/chat/completions", json={"messages": [user], **extra})
        assert reply.status_code == 400 and message in reply.json()["error"]["message"], extra
    assert chat.most == 0
    # null is unset: max_tokens applies (an over-budget max_tokens is refused, so it was read)
    reply = httpx.post(server.url + "/chat/completions",
                       json={"messages": [user], "max_completion_tokens": None, "max_tokens": 65})
    assert reply.status_code == 400 and "max_tokens must be" in reply.json()["error"]["message"]
    fine = httpx.post(server.url + "/chat/completions",
                      json={"messages": [user], "max_completion_tokens": None, "max_tokens": 64}, timeout=30)
    assert fine.status_code == 200
    two = httpx.post(server.url + "/check", json={"items": [{"id": 1, "claim": "a"}, {"id": 2, "claim": "b"}]})
    assert two.status_code == 413 and "(setting requests.max_check_items)" in two.json()["error"]["message"]


def test_a_check_whose_client_leaves_stops_between_groups_and_frees_the_model(serve):
    import httpx

    from assistant.checking.checker import CHECK_GROUP, Checker, check_claims
    from core.errors import Cancelled
    from tests.test_checker import FakeVerifier

    class SlowVerifier(FakeVerifier):
        def predict(self, pairs, batch_size=32):
            time.sleep(0.4)
            return super().predict(pairs, batch_size)

    items = [{"id": n, "claim": f"The pump runs at {n}.", "evidence": f"The pump runs at {n}."} for n in range(40)]
    verifier = SlowVerifier()
    stop = threading.Event()
    threading.Timer(0.6, stop.set).start()
    with pytest.raises(Cancelled, match=f"checking stopped after {2 * CHECK_GROUP} of 40 claims"):
        check_claims(Checker(verifier), items, stop)
    assert len(verifier.calls) == 2  # the third group was never judged
    assert [r.label for r in check_claims(Checker(FakeVerifier()), items)] == ["supported"] * 40  # no stop: all

    verifier = SlowVerifier()
    server = serve(build_app(SlowChat(), Checker(verifier)))
    with pytest.raises(httpx.ReadTimeout):  # 5 groups of 0.4 s; the client gives up after 0.5 s
        httpx.post(server.url + "/check", json={"items": items}, timeout=0.5)
    start = time.perf_counter()
    answer = client(server.url, timeout=10).complete([{"role": "user", "content": "next"}])
    assert answer.text and time.perf_counter() - start < 1.5  # not behind the check's other 1.6 s
    assert len(verifier.calls) <= 3


def test_batched_serving_keeps_the_line_too():
    from assistant.serve import LineFull, Turns

    turns = Turns(max_waiting=3, slots=2, max_wait_s=0.2)
    first, second, third = turns.reserve(), turns.reserve(), turns.reserve()
    with pytest.raises(LineFull):  # --max-waiting holds with --batch
        turns.reserve()
    assert turns.enter(first) and turns.enter(second)  # two decode together
    start = time.perf_counter()
    with pytest.raises(TimeoutError):  # --max-wait holds: the third waits for a slot, then gives up
        turns.enter(third)
    assert 0.2 <= time.perf_counter() - start < 1.0 and turns.waiting == 0
    turns.close(first)
    fourth = turns.reserve()
    assert turns.enter(fourth) and turns.busy == 2 and turns.busy_max == 2
    turns.close(second), turns.close(fourth), turns.close(fourth)  # closing twice gives nothing back twice
    assert (turns.busy, turns.waiting) == (0, 0)
    assert turns.enter(turns.reserve()) and turns.enter(turns.reserve())


@pytest.mark.parametrize("host, opens", [("127.0.0.1", False), ("127.0.0.5", False), ("::1", False),
                                         ("[::1]", False), ("localhost", False), ("0.0.0.0", True),
                                         ("192.168.1.4", True), ("::", True), ("my-server.example", True)])
def test_the_loopback_test_of_a_host(host, opens):
    from assistant.serve import loopback

    assert loopback(host) is not opens


def test_the_server_and_the_page_refuse_the_network_without_a_key_or_login_unless_told(tmp_path, capsys):
    import app
    from assistant.cli.main import main

    assert main(["serve", "--host", "0.0.0.0", "--home", str(tmp_path)]) == 2
    assert "--host 0.0.0.0 opens the server to the network" in capsys.readouterr().err
    assert app.main(["--host", "0.0.0.0", "--home", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--host 0.0.0.0 opens the page to the network" in err and "--no-login" in err
    assert not (tmp_path / "models").exists()  # refused before any model was loaded


class RecordingChat(SlowChat):
    """Notes the decoding settings each request was given."""

    def __init__(self):
        super().__init__()
        self.given = []

    def stream(self, messages, generation=None, stop=None):
        self.given.append(generation)
        return super().stream(messages, generation, stop)


def test_a_hostile_runs_numbers_and_parts_get_a_400_or_decode_greedily(serve):
    """Found by a hostile run: a temperature of 1e-45 crashed the sampler (500, and a stream that
    ended silently), a 401-digit temperature was answered "server busy" (the overflow met the full
    line's handler), and non-text content parts were dropped and an empty turn answered."""
    import httpx

    chat = RecordingChat()
    server = serve(build_app(chat))
    user = {"role": "user", "content": "hi"}
    huge = int("1" + "0" * 400)
    for extra, field in [({"temperature": huge}, "temperature"), ({"temperature": -huge}, "temperature"),
                         ({"top_p": huge}, "top_p")]:
        reply = httpx.post(server.url + "/chat/completions", json={"messages": [user], **extra})
        assert reply.status_code == 400 and f"{field} must be" in reply.json()["error"]["message"], reply.text[:200]
    parts = [([[{"type": "text", "text": "hi"}]], "messages[0].content[0] is a list part"),
             ([{"type": "image_url", "image_url": {"url": "http://x"}}], "content[0] is a image_url part"),
             (["hi", 5, None], "messages[0].content[0] is a str part"),
             ([], "messages[0].content is an empty list of parts")]
    for content, message in parts:
        reply = httpx.post(server.url + "/chat/completions", json={"messages": [{"role": "user", "content": content}]})
        assert reply.status_code == 400 and message in reply.json()["error"]["message"], reply.text[:200]
    assert chat.most == 0  # no work started
    for stream in (False, True):
        reply = httpx.post(server.url + "/chat/completions", timeout=30,
                           json={"messages": [user], "temperature": 1e-45, "stream": stream})
        assert reply.status_code == 200 and ("[DONE]" in reply.text if stream else reply.json()["choices"])
    assert [g.do_sample for g in chat.given] == [False, False]  # below 0.01: greedy, not a sampler underflow
    both = httpx.post(server.url + "/chat/completions", timeout=30,
                      json={"messages": [{"role": "user", "content": [{"type": "text", "text": "a"},
                                                                      {"type": "text", "text": "b"}]}]})
    assert both.status_code == 200 and both.json()["choices"][0]["message"]["content"].endswith("ab")


def test_a_bug_in_a_stream_is_an_error_event_not_a_silent_end(serve, caplog):
    import httpx

    class Broken(SlowChat):
        def stream(self, messages, generation=None, stop=None):
            raise RuntimeError("probability tensor contains either inf, nan or element < 0")

    server = serve(build_app(Broken()))
    reply = httpx.post(server.url + "/chat/completions", timeout=30,
                       json={"messages": [{"role": "user", "content": "hi"}], "stream": True})
    assert reply.status_code == 200 and "the answer failed (an internal error, logged on the server)" in reply.text
    assert any("a streamed answer failed" in r.message and r.exc_info for r in caplog.records)
    again = client(server.url, timeout=10)
    with pytest.raises(ModelError):  # the model stays broken, but the line is free: answered at once
        again.complete([{"role": "user", "content": "next"}])
