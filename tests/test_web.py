"""Web handlers without a browser (a fake model), and the page wired to the real model."""

import socket
import threading

import gradio as gr
import pytest

from assistant.errors import InputError
from assistant.web import history_to_messages, respond, text_of


class FakeStream:
    def __init__(self, pieces, error=None):
        self.pieces, self.error = pieces, error

    def __iter__(self):
        yield from self.pieces
        if self.error:
            raise self.error


class FakeChat:
    """Deterministic stand-in: echoes the question back in pieces, records the messages it saw."""

    def __init__(self, error=None):
        self.error, self.seen = error, []

    def stream(self, messages):
        self.seen.append(messages)
        return FakeStream(["You ", "asked: ", messages[-1]["content"]], self.error)


def test_text_of_handles_strings_and_typed_parts():
    assert text_of("a") == "a"
    assert text_of([{"type": "text", "text": "a"}, {"type": "file", "path": "x"}, "b"]) == "ab"
    assert text_of(None) == ""


def test_history_becomes_plain_text_turns():
    history = [{"role": "user", "content": [{"type": "text", "text": "hi"}]},
               {"role": "assistant", "content": "hello"}, {"role": "assistant", "content": {"path": "x.png"}}]
    assert history_to_messages(history) == [{"role": "user", "content": "hi"},
                                            {"role": "assistant", "content": "hello"}]


def test_respond_streams_the_growing_answer_with_history():
    chat = FakeChat()
    out = list(respond(chat, None, "why?", [{"role": "user", "content": "a"},
                                            {"role": "assistant", "content": "b"}]))
    assert out == ["You ", "You asked: ", "You asked: why?"]
    assert [m["content"] for m in chat.seen[0]] == ["a", "b", "why?"]


def test_respond_rejects_an_empty_question():
    with pytest.raises(gr.Error, match="Type a question"):
        list(respond(FakeChat(), None, "   ", []))


def test_user_errors_become_gradio_errors():
    with pytest.raises(gr.Error, match="too long"):
        list(respond(FakeChat(error=InputError("too long")), None, "q", []))


def test_respond_answers_from_documents_and_lists_sources(doc_index, tmp_path):
    (tmp_path / "acme.md").write_text("# Acme\n\nAcme's head office is in Bergen.")
    doc_index.add([tmp_path / "acme.md"])

    class CitingChat(FakeChat):
        def stream(self, messages):
            self.seen.append(messages)
            return FakeStream(["Bergen ", "[1]."])

    chat = CitingChat()
    out = list(respond(chat, doc_index, "Where is the head office?", []))
    assert out[:2] == ["Bergen ", "Bergen [1]."]
    assert out[-1].startswith("Bergen [1].\n\n**Sources:**\n1. Acme [")
    assert "Passages:\n[1] (Acme)" in chat.seen[0][-1]["content"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.model
def test_page_streams_a_real_answer_over_http(chat_model):
    from gradio_client import Client

    from app import build_demo

    demo = build_demo(chat_model)
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        job = client.submit("What is the capital of France?", api_name="/chat")
        updates = list(job)
        assert len(updates) >= 2  # streamed, not one final message
        assert updates[-1] == job.result() and "Paris" in job.result()
        assert all(updates[-1].startswith(u) for u in updates)
    finally:
        demo.close()


def test_respond_checks_and_logs_the_finished_answer(doc_index, tmp_path):
    from assistant.checker import Checker
    from assistant.config import GenerationConfig
    from assistant.log import FlagLog
    from tests.test_checker import FakeVerifier

    (tmp_path / "acme.md").write_text("# Acme\n\nThe head office is in Bergen.")
    doc_index.add([tmp_path / "acme.md"])

    class CitingChat(FakeChat):
        name, generation = "fake", GenerationConfig()

        def stream(self, messages):
            return FakeStream(["The head office is in Bergen [1]. ", "It has 9 staff."])

    log = FlagLog(tmp_path / "log.sqlite")
    out = list(respond(CitingChat(), doc_index, "Where is the head office?", [], Checker(FakeVerifier()), log))
    assert "_checking 2 statements..._" in out[-2]
    assert "**Checked by fake:** \u2714 1 supported \u00b7 ? 1 unsupported" in out[-1]
    assert "- ? *unsupported* (0.10): It has 9 staff." in out[-1] and "**Sources:**" in out[-1]
    (turn_id,) = log.turn_ids()
    turn = log.turn(turn_id)
    assert turn.session == "web" and [s.label for s in turn.statements] == ["supported", "unsupported"]
    assert turn.passages[0]["title"] == "Acme"


def test_each_browser_session_is_logged_under_its_own_id(tmp_path):
    """Two clients (two page loads) chatting at once: each turn carries its own session id."""
    from types import SimpleNamespace

    from gradio_client import Client

    from app import build_demo
    from assistant.config import GenerationConfig
    from assistant.log import FlagLog

    chat = FakeChat()
    chat.name, chat.generation, chat.loaded = "fake", GenerationConfig(), SimpleNamespace(device="cpu")
    log = FlagLog(tmp_path / "log.sqlite")
    demo = build_demo(chat, flag_log=log)
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        first, second = (Client(f"http://127.0.0.1:{port}/", verbose=False) for _ in range(2))
        jobs = [first.submit("one", api_name="/chat"), second.submit("two", api_name="/chat"),
                first.submit("three", api_name="/chat")]
        assert [j.result() for j in jobs] == ["You asked: one", "You asked: two", "You asked: three"]
    finally:
        demo.close()
    sessions = {log.turn(t).question: log.turn(t).session for t in log.turn_ids()}
    assert sessions["one"] == sessions["three"] != sessions["two"]
    assert all(s.startswith("web:") for s in sessions.values())
