"""Torch work in threads of its own (``core.device.own_thread``): results and errors come
back to the caller, nested calls run inline, and model loads, embedding and verifying never
run on the caller's thread (which would keep an OpenMP team there: ``bench/experiments/omp_teams.py``)."""

from __future__ import annotations

import threading

import pytest

from core.device import own_thread


def test_the_result_comes_back_and_the_work_ran_elsewhere():
    seen = []

    @own_thread
    def work(x, y=1):
        seen.append(threading.current_thread())
        return x + y

    assert work(2, y=3) == 5
    assert seen[0] is not threading.current_thread() and seen[0].name == "torch:work"
    assert not seen[0].is_alive()  # ended: no OpenMP team left behind


def test_an_error_is_raised_in_the_caller_with_its_type():
    @own_thread
    def fail():
        raise KeyError("no such row")

    with pytest.raises(KeyError, match="no such row"):
        fail()


def test_nested_calls_run_inline_in_the_same_worker():
    threads = []

    @own_thread
    def inner():
        threads.append(threading.current_thread())

    @own_thread
    def outer():
        threads.append(threading.current_thread())
        inner()

    outer()
    assert len(threads) == 2 and threads[0] is threads[1] and threads[0].name == "torch:outer"


def test_embedding_and_verifying_run_off_the_callers_thread(embedder, monkeypatch):
    from sentence_transformers import SentenceTransformer

    from assistant.checking.verifiers.trained import TrainedVerifier

    where = []
    encode = SentenceTransformer.encode
    monkeypatch.setattr(SentenceTransformer, "encode",
                        lambda self, *a, **k: where.append(threading.current_thread().name) or encode(self, *a, **k))
    vectors = embedder.encode(["The head office is in Bergen."])
    assert vectors.shape == (1, embedder.dim) and where == ["torch:encode"]

    verifier = TrainedVerifier()
    forward = type(verifier.model).forward
    monkeypatch.setattr(type(verifier.model), "forward",
                        lambda self, *a, **k: where.append(threading.current_thread().name) or forward(self, *a, **k))
    probs = verifier.predict([("The head office is in Bergen.", "The office is in Bergen.")])
    assert probs.shape == (1, 3) and probs[0, 0] > 0.5
    assert where[1:] == ["torch:predict"]


def test_the_dialogue_model_loads_off_the_callers_thread(monkeypatch, tmp_path):
    from assistant.chat import model as model_module
    from core.config import ModelConfig
    from core.errors import ModelError

    where = []

    def refuse(ref, cfg, dtype, label):  # stands in for from_pretrained: records where the load ran
        where.append(threading.current_thread().name)
        raise ModelError(f"cannot load model {label!r}: stopped here")

    monkeypatch.setattr(model_module, "_from_pretrained", refuse)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError, match="stopped here"):
        model_module.load_model(ModelConfig(name=str(tmp_path)))
    assert where == ["torch:_load_model"]


def test_the_servers_cap_mallocs_arenas_unless_the_environment_has(monkeypatch):
    """core.device.cap_malloc_arenas: glibc's mallopt takes it; a MALLOC_ARENA_MAX already set is left
    to decide (tests/test_load.py measures what it saves)."""
    import ctypes.util

    from core.device import cap_malloc_arenas

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    glibc = ctypes.util.find_library("c") == "libc.so.6"
    assert cap_malloc_arenas() is glibc
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert cap_malloc_arenas() is False
