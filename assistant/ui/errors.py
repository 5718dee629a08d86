"""User-facing errors on the page: what the handlers raise for Gradio to show."""

from __future__ import annotations

from html import escape


def page_error(err: BaseException | str):
    """A ``gr.Error`` for the page. Gradio shows an error's message as (sanitised) HTML, so a
    file or model name carrying markup would become elements: the message is escaped first."""
    import gradio as gr

    return gr.Error(escape(str(err)))
