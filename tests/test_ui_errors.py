"""The page's error decorator: a user's error becomes an escaped gr.Error, plain or streaming; bugs pass through."""

import inspect

import gradio as gr
import pytest

from assistant.ui.errors import page_error, user_errors
from core.errors import InputError, StorageError

MARKUP = "no document <img src=x onerror=alert(1)> & co"
ESCAPED = "no document &lt;img src=x onerror=alert(1)&gt; &amp; co"


def test_page_error_escapes_the_message():
    err = page_error(InputError(MARKUP))
    assert isinstance(err, gr.Error) and err.message == ESCAPED


def test_a_plain_handlers_error_becomes_an_escaped_gr_error():
    @user_errors
    def handler(name):
        raise InputError(MARKUP.replace("document", name))

    with pytest.raises(gr.Error) as caught:
        handler("document")
    assert caught.value.message == ESCAPED
    assert isinstance(caught.value.__cause__, InputError)


def test_a_plain_handlers_value_comes_back_unchanged():
    @user_errors
    def handler(a, b=2):
        return a, b

    assert handler(1, b=3) == (1, 3)


def test_a_generator_handler_streams_then_its_error_becomes_an_escaped_gr_error():
    @user_errors
    def handler(n):
        yield from range(n)
        raise StorageError(MARKUP)

    stream = handler(2)
    assert inspect.isgeneratorfunction(handler)  # Gradio streams generator functions only
    assert [next(stream), next(stream)] == [0, 1]  # what came before the error still streams
    with pytest.raises(gr.Error) as caught:
        next(stream)
    assert caught.value.message == ESCAPED and isinstance(caught.value.__cause__, StorageError)


@pytest.mark.parametrize("streaming", [False, True])
def test_other_exceptions_pass_through_untouched(streaming):
    bug = ZeroDivisionError("a bug, not the user's doing")
    shown = gr.Error("already for the page: <b>kept</b>")

    def plain(err):
        raise err

    def stream(err):
        yield 1
        raise err

    handler = user_errors(stream if streaming else plain)
    for err in (bug, shown):
        with pytest.raises(type(err)) as caught:
            list(handler(err)) if streaming else handler(err)
        assert caught.value is err


def test_gradio_still_sees_the_handlers_signature():
    """Gradio passes gr.Request, gr.Progress and event data by reading the handler's parameters."""
    from gradio.utils import get_type_hints

    def handler(text, request: gr.Request, progress=gr.Progress()):
        yield text

    wrapped = user_errors(handler)
    assert wrapped.__name__ == "handler"
    assert list(inspect.signature(wrapped).parameters) == ["text", "request", "progress"]
    assert get_type_hints(wrapped)["request"] is gr.Request
    assert isinstance(inspect.signature(wrapped).parameters["progress"].default, gr.Progress)
