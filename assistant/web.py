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


MARK = {"supported": "\u2714", "unsupported": "?", "contradicted": "\u2716"}


def verdict_summary(report) -> str:
    """The check, as markdown under the answer: counts, then every flagged statement with its score."""
    counts = " \u00b7 ".join(f"{MARK.get(label, '')} {n} {label.replace('_', ' ')}".strip()
                              for label, n in report.counts.items() if n)
    lines = [f"\n\n**Checked by {report.verifier}:** {counts}"]
    for v in report.flagged:
        lines.append(f"- {MARK[v.label]} *{v.label}* ({v.score:.2f}): {v.statement.text.strip()}")
    return "\n".join(lines)


def session_id(request) -> str:
    """The log's session for a browser tab: Gradio's per-page-load session hash, with the
    signed-in user in front when there is one; ``"web"`` outside a request (tests, scripts)."""
    if request is None or not getattr(request, "session_hash", None):
        return "web"
    user = getattr(request, "username", None)
    return f"web:{user}:{request.session_hash}" if user else f"web:{request.session_hash}"


def respond(chat: ChatModel, index, message: str, history: list[Any], checker=None, flag_log=None,
            session: str = "web") -> Iterator[str]:
    """Stream the growing answer to ``message``, from the documents when there are any.

    With a ``checker`` the finished answer is checked (a status line says so while it
    runs) and the verdicts are shown under it; with a ``flag_log`` the turn is logged.
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
    report = None
    if checker is not None:
        from .checker import Evidence
        from .statements import split_statements

        claims = sum(s.checkable for s in split_statements(answer))
        yield answer + f"\n\n_checking {claims} statement{'s' if claims != 1 else ''}..._" + footer
        report = checker.check_answer(answer, question, [Evidence.from_hit(h) for h in hits])
    if flag_log is not None:
        from dataclasses import asdict

        flag_log.log_turn(session=session, question=question, answer=answer, model=chat.name,
                          generation=asdict(chat.generation), passages=hits, report=report)
    if report is not None or footer:
        yield answer + (verdict_summary(report) if report is not None else "") + footer
