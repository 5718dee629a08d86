"""Handlers for the web page: plain functions, importable and testable without a browser.

``app.py`` only wires these to Gradio components.
"""

from __future__ import annotations

from typing import Any, Iterator

from .errors import AssistantError
from .generate import ChatModel
from .prompt import Message, build_messages


def text_of(content: Any) -> str:
    """The text of a Gradio chat message's content (a string, or a list of typed parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", "")) if content.get("type", "text") == "text" else ""
    if isinstance(content, (list, tuple)):
        return "".join(text_of(part) for part in content)
    return ""


def history_to_messages(history: list[Any]) -> list[Message]:
    """Gradio's chat history (openai-style dicts) as plain ``{"role", "content"}`` text turns."""
    out: list[Message] = []
    for turn in history or []:
        role = turn.get("role") if isinstance(turn, dict) else getattr(turn, "role", None)
        content = turn.get("content") if isinstance(turn, dict) else getattr(turn, "content", None)
        text = text_of(content).strip()
        if role in ("user", "assistant") and text:
            out.append({"role": role, "content": text})
    return out


def sources_footer(hits, cited: list[int]) -> str:
    """The passages an answer drew on, as a short markdown list (cited ones, or all if none is cited)."""
    if not hits:
        return ""
    numbers = cited or list(range(1, len(hits) + 1))
    label = "Sources" if cited else "Retrieved passages (none cited)"
    lines = [f"{n}. {hits[n - 1].citation()}" for n in numbers]
    return f"\n\n**{label}:**\n" + "\n".join(lines)


def respond(chat: ChatModel, index, message: str, history: list[Any]) -> Iterator[str]:
    """Stream the growing answer to ``message``, from the documents when there are any.

    Errors become ``gr.Error`` (shown in the page).
    """
    import gradio as gr

    from .answer import cited_numbers, prepare

    question = text_of(message).strip()
    if not question:
        raise gr.Error("Type a question first.")
    answer = ""
    try:
        messages, hits = prepare(index, question, history_to_messages(history))
        for piece in chat.stream(messages):
            answer += piece
            yield answer
    except AssistantError as err:
        raise gr.Error(str(err)) from err
    footer = sources_footer(hits, cited_numbers(answer, len(hits)))
    if footer:
        yield answer + footer
