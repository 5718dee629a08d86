"""The page is up before the model has loaded (issue 24): a question waits, saying how far the load
has got, and is answered once the model is there; a failed load says why and another can be loaded."""

import threading
from types import SimpleNamespace

import gradio as gr
import pytest

from assistant.ui.chat import Conversation, respond
from assistant.ui.loading import LoadingModel
from assistant.ui.services import Services
from core.config import GenerationConfig, ModelConfig
from core.errors import ModelError
from tests.test_ui_chat import FakeChat


def slow_load(release: threading.Event, said: threading.Event, chat=None, error=None):
    def load(progress):
        progress("converting the GGUF weights...")
        said.set()
        release.wait(30)
        if error is not None:
            raise error
        return chat or FakeChat(["Bergen."])
    return load


def test_a_question_asked_while_the_model_loads_waits_and_says_how_far_it_has_got():
    release, said = threading.Event(), threading.Event()
    loading = LoadingModel("packaged-model", GenerationConfig(max_new_tokens=99), slow_load(release, said))
    services = Services(loading)
    assert said.wait(10)
    assert services.chat is None and services.generation.max_new_tokens == 99
    assert services.model_status().startswith("Model `packaged-model`: converting the GGUF weights... (")
    answers = respond(services, "Where is the head office?", Conversation())
    statuses = [next(answers)[2], next(answers)[2]]
    assert all(s.startswith("waiting for the model: converting the GGUF weights...") for s in statuses), statuses
    release.set()
    *_, (shown, conversation, status) = answers
    assert "Bergen&#46;" in shown[-1]["content"] and conversation.messages[-1]["content"] == "Bergen."
    assert services.loading is None and services.chat.name == "fake"
    assert services.model_status() == "Model `fake` on `cpu`."


def test_a_failed_load_says_why_and_another_model_can_be_loaded():
    release, said = threading.Event(), threading.Event()
    release.set()
    loading = LoadingModel("broken-model", GenerationConfig(), slow_load(release, said, error=ModelError("no such file")))
    services = Services(loading, model_config=ModelConfig(backend="transformers"))
    assert loading.wait(10) and loading.error == "no such file"
    assert services.model_status() == "Model `broken-model`: broken-model did not load: no such file"
    with pytest.raises(gr.Error, match="did not load: no such file"):
        list(respond(services, "Where?", Conversation()))
    loaded = SimpleNamespace(name="loaded:another", device="cpu", model=None, tokenizer=None)
    services.switch_model("another", loader=lambda cfg: loaded)
    assert services.loading is None and services.chat.name == "loaded:another"


def test_a_bug_in_the_load_is_logged_and_said_not_swallowed(caplog):
    release, said = threading.Event(), threading.Event()
    release.set()
    loading = LoadingModel("buggy", GenerationConfig(), slow_load(release, said, error=KeyError("tensor")))
    assert loading.wait(10)
    assert loading.error == "internal error: KeyError: 'tensor'"
    assert "loading buggy failed" in caplog.text and "Traceback" in caplog.text
