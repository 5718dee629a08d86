"""The chat tab: ask, stream the answer, check it, show it highlighted, log the turn.

Each browser session keeps its own :class:`Conversation` (a ``gr.State``): the
plain-text turns the model sees next time, and the log id of each answer, so a
thumbs up / down lands on the right turn. The chatbot itself shows HTML built
here, with everything from the answer or the documents escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from assistant import inputs
from assistant.chat.prompt import NO_ANSWER, Message
from assistant.turn import Turn
from assistant.ui.errors import page_error
from assistant.ui.highlight import report_html, text_html
from core.errors import AssistantError, InputError, TooLarge


@dataclass
class Settings:
    """What a person may change from the page, per session."""

    passages: int | None = None  # None: the index's configured k
    verifier: str | None = None  # None: the configured verifier
    support_threshold: float | None = None  # None: the verifier's calibrated threshold
    max_new_tokens: int | None = None  # None: the model's configured limit

    def __post_init__(self) -> None:
        self.passages = _number(self.passages, "passages", 1, 20, whole=True)
        self.support_threshold = _number(self.support_threshold, "the support threshold", 0, 1, open_range=True)
        self.max_new_tokens = _number(self.max_new_tokens, "max new tokens", 1, 4096, whole=True)


def settings_from_page(passages, verifier, threshold, max_new_tokens, default_threshold: float | None) -> Settings:
    """The page's settings controls as :class:`Settings`; the threshold only counts when moved
    off the calibrated default (so the verifier's own calibration applies until someone changes it)."""
    threshold = _number(threshold, "the support threshold", 0, 1, open_range=True)
    moved = default_threshold is not None and threshold is not None and abs(threshold - default_threshold) > 1e-9
    return Settings(passages, verifier or None, threshold if moved else None, max_new_tokens)


def _number(value, what: str, low: float, high: float, whole: bool = False, open_range: bool = False):
    """``value`` as a finite number in [low, high] (open at both ends if asked), or an InputError saying so."""
    import math

    if value is None:
        return None
    kind = "a whole number" if whole else "a number"
    bounds = f"between {low} and {high}" + (" (not either end)" if open_range else "")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be {kind} {bounds}, got {value!r}") from None
    inside = low < number < high if open_range else low <= number <= high
    if not math.isfinite(number) or not inside or (whole and number != int(number)):
        raise InputError(f"{what} must be {kind} {bounds}, got {value!r}")
    return int(number) if whole else number


@dataclass
class Conversation:
    """A browser tab's chat, kept on the server (a ``gr.State``): the page never reads back the
    transcript the browser sends, which a client can make as large as it likes."""

    messages: list[Message] = field(default_factory=list)  # plain text, as the model sees the history
    turn_ids: list[str | None] = field(default_factory=list)  # log id of each answer, in order
    shown: list[dict] = field(default_factory=list)  # the chatbot's messages, as rendered

    def copy(self) -> "Conversation":
        return Conversation(list(self.messages), list(self.turn_ids), list(self.shown))


def text_of(content: Any) -> str:
    """The text of a Gradio chat message's content (a string, or a list of typed parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", "")) if content.get("type", "text") == "text" else ""
    if isinstance(content, (list, tuple)):
        return "".join(text_of(part) for part in content)
    return ""


def session_id(request) -> str:
    """The log's session for a browser tab: Gradio's per-page-load session hash, with the
    signed-in user in front when there is one; ``"web"`` outside a request (tests, scripts)."""
    if request is None or not getattr(request, "session_hash", None):
        return "web"
    user = getattr(request, "username", None)
    return f"web:{user}:{request.session_hash}" if user else f"web:{request.session_hash}"


def plain_html(text: str) -> str:
    """Text shown in the chat as text: escaped, line breaks kept."""
    return text_html(text).replace("\n", "<br>")


def sources_html(hits, cited: list[int]) -> str:
    """The numbered passages the answer drew on (cited ones, or all retrieved if none is cited)."""
    if not hits:
        return ""
    numbers = cited or list(range(1, len(hits) + 1))
    label = "Sources" if cited else "Retrieved passages (none cited)"
    items = "".join(f'<li value="{n}"><span class="citation">[{n}]</span> {text_html(hits[n - 1].title)}'
                    f'{text_html(f", page {hits[n - 1].page}") if hits[n - 1].page is not None else ""}</li>'
                    for n in numbers)
    return f'<div class="sources"><small><b>{label}:</b></small><ol>{items}</ol></div>'


ENDINGS = {  # why an answer ended, when the reader should know
    "repetition": "The answer began to repeat itself and was stopped there.",
    "length": "The answer reached the most tokens per answer and was cut there.",
    "abstained": ("The model was not sure enough that these passages answer the question, so it did not guess "
                  "(generation.abstain_bias). Ask it another way, or add a document that answers it."),
    "withheld": ("The checker found no statement of the model's answer supported by these passages, so the answer "
                 "is withheld (checker.withhold); its draft is below, as checked. Ask it another way, or add a "
                 "document that answers it."),
}


NO_PASSAGES = ("No passage was found for this question (add documents in the Documents tab): this answer is the "
               "model's own, and nothing here can support it.")


def answer_html(answer: str, hits, cited: list[int], report=None, finish_reason: str | None = None) -> str:
    """The finished answer: highlighted by verdict when checked, why it ended if it was cut,
    then its sources. A withheld answer shows the refusal, why, and the draft as checked."""
    if finish_reason == "withheld":
        return (f'<div class="checked-answer withheld-answer">{plain_html(NO_ANSWER)}</div>'
                f'<p class="answer-ending"><small>{ENDINGS["withheld"]}</small></p>'
                f'<details class="withheld-draft"><summary>The withheld draft</summary>'
                f'{report_html(answer, report, style=False)}</details>' + sources_html(hits, cited))
    body = (report_html(answer, report, style=False) if report is not None
            else f'<div class="checked-answer">{plain_html(answer)}</div>'
                 '<p><small>Not checked: no checker is configured.</small></p>')
    ending = ENDINGS.get(finish_reason or "")
    if ending:
        body += f'<p class="answer-ending"><small>{ending}</small></p>'
    if not hits:
        body += f'<p class="answer-ending"><small>{NO_PASSAGES}</small></p>'
    return body + sources_html(hits, cited)


def checking_status(n: int) -> str:
    return f"checking {n} statement{'s' if n != 1 else ''}..."


def verdict_status(report) -> str:
    if report is None:
        return "Answer not checked (no checker configured)."
    counts = ", ".join(f"{n} {label.replace('_', ' ')}" for label, n in report.counts.items() if n)
    return f"Checked by {report.verifier} in {report.seconds:.1f} s: {counts or 'no statements'}."


def respond(services, message: str, conversation: Conversation | None, settings: Settings | None = None,
            session: str = "web") -> Iterator[tuple[list, Conversation, str]]:
    """Stream ``(chatbot messages, conversation, status)`` while answering ``message``.

    The answer streams in as escaped text; when it is complete and a checker is
    configured, a status says how many statements are being checked, then the
    answer is replaced by its highlighted version with sources, and the turn is
    logged (when there is a flag log). User errors become ``gr.Error``.
    """
    import gradio as gr

    settings = settings or Settings()
    conversation = (conversation or Conversation()).copy()
    question = text_of(message).strip()
    if not question:
        raise gr.Error("Type a question first.")
    limits = services.limits
    try:
        inputs.question(question, limits)
    except TooLarge as err:
        raise gr.Error(f"T{str(err)[1:]}. Put long text in a document and ask about it.") from None
    except InputError:
        raise gr.Error("The question holds a broken character (a lone surrogate); type or paste it again.") from None
    shown = conversation.shown
    if len(shown) + 2 > limits.messages:
        raise gr.Error(f"This chat holds {len(shown):,} messages; a chat may hold at most {limits.messages:,} "
                       "(setting requests.max_messages). Start a new chat.")
    chat = services.chat
    shown = [*shown, {"role": "user", "content": plain_html(question)}, {"role": "assistant", "content": ""}]
    try:
        checker = services.checker_for(settings.verifier, settings.support_threshold)
        generation = (chat.with_generation(max_new_tokens=int(settings.max_new_tokens))
                      if settings.max_new_tokens else None)
        turn = Turn(chat, services.index, question, conversation.messages, settings.passages, generation)
        yield list(shown), conversation, "answering..."
        for _ in turn:
            shown[-1] = {"role": "assistant", "content": plain_html(turn.text)}
            yield list(shown), conversation, "answering..."
        if checker is not None:
            n = sum(s.checkable for s in turn.statements)
            shown[-1] = {"role": "assistant",
                         "content": plain_html(turn.answer) + f'<p class="checking"><em>{checking_status(n)}</em></p>'}
            yield list(shown), conversation, checking_status(n)
        done = turn.finish(checker, services.flag_log, session)
    except AssistantError as err:
        raise page_error(err) from err
    conversation.messages += [{"role": "user", "content": question}, {"role": "assistant", "content": done.reply}]
    conversation.turn_ids.append(done.turn_id)
    shown[-1] = {"role": "assistant", "content": answer_html(done.answer, done.hits, done.cited, done.report,
                                                             done.ending)}
    conversation.shown = shown
    yield list(shown), conversation, verdict_status(done.report) + (" The answer is withheld." if done.withheld else "")


def retry(services, conversation: Conversation | None, settings: Settings | None = None,
          session: str = "web") -> Iterator[tuple[list, Conversation, str]]:
    """Answer the last question again (the earlier answer stays in the log)."""
    import gradio as gr

    conversation = conversation or Conversation()
    if not conversation.messages:
        raise gr.Error("Nothing to retry yet.")
    question = conversation.messages[-2]["content"]
    shorter = Conversation(conversation.messages[:-2], conversation.turn_ids[:-1], conversation.shown[:-2])
    yield from respond(services, question, shorter, settings, session)


def feedback(services, conversation: Conversation | None, index: int, up: bool) -> str:
    """Log a thumbs up / down on the answer at chatbot position ``index``."""
    conversation = conversation or Conversation()
    shown = conversation.shown
    if not 0 <= index < len(shown):
        return "That message is not an answer that was logged."
    answers_before = sum(1 for m in shown[:index + 1] if m.get("role") == "assistant")
    if not 1 <= answers_before <= len(conversation.turn_ids) or shown[index].get("role") != "assistant":
        return "That message is not an answer that was logged."
    turn_id = conversation.turn_ids[answers_before - 1]
    if turn_id is None or services.flag_log is None:
        return "Answers are not logged here (no flag log)."
    services.flag_log.feedback(turn_id, up)
    return f"Thanks: thumbs {'up' if up else 'down'} logged for turn {turn_id[:8]}."
