"""User-facing errors on the page: what the handlers raise for Gradio to show.

``page_error`` turns an error into a ``gr.Error`` with its text escaped; the ``user_errors``
decorator does that for every ``AssistantError`` a page handler raises, streaming or not.
Anything else is a bug and passes through untouched.
"""

from __future__ import annotations

import functools
import inspect
from html import escape
from typing import Callable, TypeVar

from core.errors import AssistantError

Handler = TypeVar("Handler", bound=Callable)


def page_error(err: BaseException | str):
    """A ``gr.Error`` for the page. Gradio shows an error's message as (sanitised) HTML, so a
    file or model name carrying markup would become elements: the message is escaped first."""
    import gradio as gr

    return gr.Error(escape(str(err)))


def user_errors(handler: Handler) -> Handler:
    """``handler``, raising ``page_error(err)`` for any ``AssistantError`` it raises.

    A generator stays a generator (Gradio streams those), and the wrapper keeps the handler's
    signature: Gradio reads it to pass ``gr.Request``, ``gr.Progress`` and event data."""
    if inspect.isgeneratorfunction(handler):
        @functools.wraps(handler)
        def stream(*args, **kwargs):
            try:
                yield from handler(*args, **kwargs)
            except AssistantError as err:
                raise page_error(err) from err

        return stream  # type: ignore[return-value]

    @functools.wraps(handler)
    def call(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except AssistantError as err:
            raise page_error(err) from err

    return call  # type: ignore[return-value]
