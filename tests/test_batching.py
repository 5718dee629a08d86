"""Concurrent requests decoded together with the real packaged model: same answers as one at a time,
each request's own limit, one cancelled without disturbing the others."""

import threading

import pytest

from assistant.chat.batching import BatchedChat
from core.config import GenerationConfig

pytestmark = pytest.mark.model

QUESTIONS = ["What is the capital of France?", "Name three colours of the rainbow.",
             "Write one sentence about the sea."]


def ask_together(batched, requests):
    """Start every request at once; returns each one's streamed pieces and completion."""
    out = [None] * len(requests)
    streams = [batched.stream(*r) for r in requests]

    def consume(n):
        out[n] = (list(streams[n]), streams[n].completion)

    threads = [threading.Thread(target=consume, args=(n,)) for n in range(len(streams))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return out


def test_requests_decoded_together_answer_as_they_would_alone(chat_model):
    gen = GenerationConfig(max_new_tokens=16)
    alone = [chat_model.complete([{"role": "user", "content": q}], gen).text for q in QUESTIONS]
    batched = BatchedChat(chat_model, max_batch=8, gather_s=0.2)
    together = ask_together(batched, [([{"role": "user", "content": q}], gen) for q in QUESTIONS])
    assert max(batched.batches) == 3  # one generate call for all three
    for (pieces, completion), text in zip(together, alone):
        assert "".join(pieces) == completion.text
        assert completion.text.split()[:5] == text.split()[:5]  # padding may move the last digits, not the words
        assert completion.completion_tokens <= 16 and completion.prompt_tokens > 0


def test_each_request_keeps_its_own_limit_and_a_cancelled_one_leaves_the_rest(chat_model):
    batched = BatchedChat(chat_model, max_batch=8, gather_s=0.2)
    cancelled = threading.Event()
    cancelled.set()
    out = ask_together(batched, [
        ([{"role": "user", "content": QUESTIONS[0]}], GenerationConfig(max_new_tokens=4)),
        ([{"role": "user", "content": QUESTIONS[2]}], GenerationConfig(max_new_tokens=24), cancelled),
        ([{"role": "user", "content": QUESTIONS[1]}], GenerationConfig(max_new_tokens=24)),
    ])
    short, stopped, full = (completion for _, completion in out)
    assert short.completion_tokens == 4 and short.finish_reason == "length"
    assert stopped.finish_reason == "cancelled" and stopped.completion_tokens == 0
    assert full.completion_tokens > 4 and full.text


def test_a_prompt_too_long_fails_alone(chat_model):
    from core.errors import InputError

    batched = BatchedChat(chat_model, max_batch=8, gather_s=0.2)
    huge = "word " * 20000
    out = {}

    def run(name, text):
        try:
            out[name] = batched.complete([{"role": "user", "content": text}], GenerationConfig(max_new_tokens=8)).text
        except InputError as err:
            out[name] = err

    threads = [threading.Thread(target=run, args=("huge", huge)), threading.Thread(target=run, args=("ok", "Hi!"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert isinstance(out["huge"], InputError) and isinstance(out["ok"], str) and out["ok"]
