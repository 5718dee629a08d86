"""The chat tab: ask, stream the answer, check it, show it highlighted, log the turn.

Each browser session keeps its own :class:`Conversation` (a ``gr.State``): the
plain-text turns the model sees next time, and the log id of each answer, so a
thumbs up / down lands on the right turn. The chatbot itself shows HTML built
here, with everything from the answer or the documents escaped.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Iterator

from assistant import inputs
from assistant.chat.grounding import cited_numbers, phantom_numbers
from assistant.chat.prompt import Message, language_of, no_answer
from assistant.checking.checker import Evidence
from assistant.flags import chats
from assistant.turn import WITHHELD_STOPPED, Turn, is_withheld
from assistant.ui.errors import page_error
from assistant.ui.highlight import report_html, text_html
from assistant.ui.i18n import text, text_n, verifier_words, withheld_reply
from assistant.ui.review import logged_report
from core.errors import AssistantError, InputError, TooLarge

MAX_SCOPE = 1000  # documents one chat may choose (past that, asking every document is the same thing)


@dataclass
class Settings:
    """What a person may change from the page, per session."""

    passages: int | None = None  # None: the index's configured k
    verifier: str | None = None  # None: the configured verifier
    support_threshold: float | None = None  # None: the verifier's calibrated threshold
    max_new_tokens: int | None = None  # None: the model's configured limit
    scope: tuple[str, ...] | None = None  # the ids of the documents to ask; None (or none chosen): all

    def __post_init__(self) -> None:
        self.scope = tuple(str(d) for d in self.scope) if self.scope else None
        if self.scope is not None and len(self.scope) > MAX_SCOPE:
            raise InputError(f"a chat may ask at most {MAX_SCOPE} chosen documents (none chosen asks every one)")
        self.passages = _number(self.passages, "passages", 1, 20, whole=True)
        self.support_threshold = _number(self.support_threshold, "the support threshold", 0, 1, open_range=True)
        self.max_new_tokens = _number(self.max_new_tokens, "max new tokens", 1, 4096, whole=True)


def settings_from_page(passages, verifier, threshold, max_new_tokens, default_threshold: float | None,
                       scope=None) -> Settings:
    """The page's settings controls as :class:`Settings`; the threshold only counts when moved
    off the calibrated default (so the verifier's own calibration applies until someone changes it)."""
    threshold = _number(threshold, "the support threshold", 0, 1, open_range=True)
    moved = default_threshold is not None and threshold is not None and abs(threshold - default_threshold) > 1e-9
    return Settings(passages, verifier or None, threshold if moved else None, max_new_tokens, scope or None)


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
    chat_id: str | None = None  # the saved chat it continues (assistant.flags.chats), once it has one

    def copy(self) -> "Conversation":
        return Conversation(list(self.messages), list(self.turn_ids), list(self.shown), self.chat_id)


class Stops:
    """The Stop button's events, one per browser tab: an answer under way registers the event its
    stream watches; Stop sets it, and the stream ends where it is (``finish_reason`` "cancelled").
    The stopped answer is still checked and logged: what was shown is judged like any other."""

    def __init__(self) -> None:
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def start(self, session: str) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._events[session] = event
        return event

    def stop(self, session: str) -> bool:
        """Stop ``session``'s answer; False when none is under way."""
        with self._lock:
            event = self._events.get(session)
        if event is None or event.is_set():
            return False
        event.set()
        return True

    def end(self, session: str, event: threading.Event) -> None:
        with self._lock:
            if self._events.get(session) is event:
                del self._events[session]


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


def passage_html(passage: str, spans: list[tuple[int, int, str, int]], lang: str = "en") -> str:
    """A passage as text, each evidence span ``(start, end, label, statement number)`` marked (label
    "passage": where a passage lies on its page)."""
    out, at = [], 0
    for start, end, label, n in sorted(spans):
        if start < at or not 0 <= start < end <= len(passage):
            continue  # overlapping windows: the first one is marked
        out.append(text_html(passage[at:start]))
        css, tip = (("passage-range ev-passage", text("the_passage", lang)) if label == "passage"
                    else (f"evidence-span ev-{label}",
                          text("evidence_for", lang, n=n, label=text(label, lang) if lang != "en" else label)))
        out.append(f'<mark class="{css}" title="{tip}">{text_html(passage[start:end])}</mark>')
        at = end
    out.append(text_html(passage[at:]))
    return "".join(out).replace("\n", "<br>")


def page_texts(index, hits) -> dict[tuple[str, int], tuple[str, int]]:
    """The whole page of each paged source (a PDF's), as the index holds its text: {(doc id, page):
    (text, its offset in the document)}. A document deleted since is left out."""
    out: dict[tuple[str, int], tuple[str, int]] = {}
    for hit in hits if index is not None else ():
        key = (hit.doc_id, hit.page)
        if hit.page is not None and hit.doc_id and key not in out:
            found = index.page_text(hit.doc_id, hit.page)
            if found is not None:
                out[key] = found
    return out


def evidence_in_hits(verdict, hits) -> list[tuple[int, tuple[int, int]]]:
    """(passage number, span in its text) where ``verdict``'s evidence stands among ``hits``: the passage
    it came from; else, for evidence read from chunks of one document joined where they meet
    (``checking/adjacent.py``), each passage holding part of it, by their offsets in the document."""
    src, span = verdict.source, verdict.span
    if not span or src is None:
        return []
    for n, hit in enumerate(hits, start=1):
        if (src.doc_id, src.start, src.end) == (hit.doc_id, hit.start, hit.end):
            return [(n, span)]
    if src.doc_id is None or src.start is None:
        return []
    a, b = src.start + span[0], src.start + span[1]
    return [(n, (max(a, hit.start) - hit.start, min(b, hit.end) - hit.start))
            for n, hit in enumerate(hits, start=1)
            if hit.doc_id == src.doc_id and hit.page == src.page and hit.start is not None and hit.end is not None
            and max(a, hit.start) < min(b, hit.end)]


def sources_html(hits, cited: list[int], report=None,
                 pages: dict[tuple[str, int], tuple[str, int]] | None = None, lang: str = "en") -> str:
    """The numbered passages the answer drew on (cited ones, or all retrieved if none is cited), each
    opening (a click or a tap) on its text with the evidence the check found in it marked; a PDF's
    passage opens on its whole page too (``pages``, from :func:`page_texts`), the passage and its
    evidence marked on it. A passage the checker took evidence from but the answer did not cite is
    listed apart, so a reader can tell."""
    if not hits:
        return ""
    spans: dict[int, list[tuple[int, int, str, int]]] = {}
    for k, v in enumerate(report.verdicts if report is not None else [], start=1):
        for n, span in evidence_in_hits(v, hits):
            spans.setdefault(n, []).append((*span, v.label, k))
    numbers = cited or list(range(1, len(hits) + 1))
    uncited = [n for n in sorted(spans) if n not in numbers]

    def item(n: int) -> str:
        hit = hits[n - 1]
        where = text_html(hit.title) + (text_html(text("page", lang, page=hit.page)) if hit.page is not None else "")
        marked = len(spans.get(n, []))
        note = f" <small>{text_n('evidence_spans', marked, lang)}</small>" if marked else ""
        return (f'<li value="{n}"><details class="source source-{n}"><summary><span class="citation">[{n}]</span> '
                f'{where}{note}</summary><blockquote class="passage">{passage_html(hit.text, spans.get(n, []), lang)}'
                f"</blockquote>{page_html(hit, spans.get(n, []))}</details></li>")

    def page_html(hit, marks) -> str:
        page = (pages or {}).get((hit.doc_id, hit.page))
        if page is None or hit.start is None:
            return ""
        whole, offset = page
        at = hit.start - offset  # the passage's place on the page
        on_page = [(at + a, at + b, label, k) for a, b, label, k in marks] or [(at, at + len(hit.text), "passage", 0)]
        return (f'<details class="page"><summary>{text("whole_page", lang, page=hit.page)}</summary>'
                f'<blockquote class="page-text">{passage_html(whole, on_page, lang)}</blockquote></details>')

    heading = text("sources" if cited else "retrieved_passages", lang)
    out = (f'<div class="sources"><small><b>{heading}</b>{text("open_for_text", lang)}</small>'
           f'<ol>{"".join(map(item, numbers))}</ol>')
    if uncited:
        out += (f'<small><b>{text("also_checked", lang)}</b>{text("not_cited", lang)}</small>'
                f'<ol>{"".join(map(item, uncited))}</ol>')
    return out + "</div>"


ENDINGS = ("cancelled", "repetition", "length", "abstained", "withheld")  # why an answer ended, when the
# reader should know: the words are i18n's ending_<reason>
NO_PASSAGES = text("no_passages")


def ending_note(finish_reason: str | None, lang: str = "en") -> str | None:
    """Why the answer ended, in ``lang``; None when the reader need not know."""
    return text(f"ending_{finish_reason}", lang) if finish_reason in ENDINGS else None


def answer_html(answer: str, hits, cited: list[int], report=None, finish_reason: str | None = None,
                threshold: float | None = None, pages: dict | None = None, refusal: str | None = None,
                lang: str = "en", stopped: bool = False) -> str:
    """The finished answer: highlighted by verdict when checked, why it ended if it was cut,
    then its sources, the page's words in ``lang``. A withheld answer shows ``refusal`` (that there is
    no supported answer, in the question's language: :func:`withheld_reply`), why, and the draft as checked;
    ``stopped`` (or ``finish_reason`` WITHHELD_STOPPED, as logged): the user stopped it before it was
    withheld, which it says too."""
    phantom = " ".join(f"[{n}]" for n in phantom_numbers(answer, len(hits)))  # "[3]" when 2 were given
    cites_nothing = (f'<p class="answer-ending"><small>'
                     f'{text_html(text_n("phantom_citation", len(hits), lang, numbers=phantom))}</small></p>'
                     if phantom else "")
    if is_withheld(finish_reason):
        stopped = stopped or finish_reason == WITHHELD_STOPPED
        why = {"says_nothing": "ending_withheld_empty", "answer": "ending_withheld_answer",
               "any_flag": "ending_withheld_flag"}.get(report.withheld_because() if report else "", "ending_withheld")
        stop = f'<p class="answer-ending"><small>{ending_note("cancelled", lang)}</small></p>' if stopped else ""
        return (f'<div class="checked-answer withheld-answer">{plain_html(refusal or withheld_reply(""))}</div>'
                f'{stop}<p class="answer-ending"><small>{text(why, lang)}</small></p>'
                f'<details class="withheld-draft"><summary>{text("withheld_draft", lang)}</summary>'
                f'{report_html(answer, report, style=False, threshold=threshold, lang=lang)}{cites_nothing}</details>'
                + sources_html(hits, cited, report, pages, lang))
    body = (report_html(answer, report, style=False, threshold=threshold, lang=lang) if report is not None
            else f'<div class="checked-answer">{plain_html(answer)}</div>'
                 f'<p><small>{text("not_checked_note", lang)}</small></p>')
    ending = ending_note(finish_reason, lang)
    if ending:
        body += f'<p class="answer-ending"><small>{ending}</small></p>'
    if not hits:
        body += f'<p class="answer-ending"><small>{text("no_passages", lang)}</small></p>'
    return body + cites_nothing + sources_html(hits, cited, report, pages, lang)


def checking_status(n: int, lang: str = "en") -> str:
    return text_n("checking", n, lang)


def verdict_status(report, checker=None, lang: str = "en") -> str:
    """What the check found, and the threshold it used (the one the settings show)."""
    if report is None:
        return text("not_checked_status", lang)
    counts = text("list_sep", lang).join(
        text("count", lang, n=n, label=text(label, lang) if lang != "en" else label.replace("_", " "))
        for label, n in report.counts.items() if n)
    rule = (text("support_rule", lang, threshold=f"{checker.support_threshold:.2f}") if checker is not None else "")
    return text("checked_status", lang, verifier=verifier_words(report.verifier, lang), seconds=f"{report.seconds:.1f}",
                counts=counts or text("no_statements", lang), rule=rule)


def respond(services, message: str, conversation: Conversation | None, settings: Settings | None = None,
            session: str = "web", stop: threading.Event | None = None, resample: bool = False,
            owner: str | None = None, lang: str = "en") -> Iterator[tuple[list, Conversation, str]]:
    """Stream ``(chatbot messages, conversation, status)`` while answering ``message``.

    The answer streams in as escaped text; when it is complete and a checker is
    configured, a status says how many statements are being checked, then the
    answer is replaced by its highlighted version with sources, and the turn is
    logged (when there is a flag log). User errors become ``gr.Error``. A set ``stop`` ends the
    answer where it is (then checked as it stands); ``resample`` samples instead of decoding
    greedily, so that asking again gives another answer. With a flag log the chat is saved as
    ``owner``'s (the signed-in user; None without a login) from its first answer on. The page's
    words (statuses, notes, errors) are in ``lang``; the answer is in the question's language.
    """
    import gradio as gr

    settings = settings or Settings()
    conversation = (conversation or Conversation()).copy()
    question = text_of(message).strip()
    if not question:
        raise gr.Error(text("type_a_question", lang))
    limits = services.limits
    try:
        inputs.question(question, limits)
    except TooLarge as err:
        raise gr.Error(text("question_too_long", lang, reason=f"T{str(err)[1:]}")) from None
    except InputError:
        raise gr.Error(text("broken_character", lang)) from None
    shown = conversation.shown
    if len(shown) + 2 > limits.messages:
        raise gr.Error(text("chat_full", lang, n=f"{len(shown):,}", most=f"{limits.messages:,}"))
    shown = [*shown, {"role": "user", "content": plain_html(question)}, {"role": "assistant", "content": ""}]
    try:
        for step in services.waiting_for_model(lang):  # a first start loads the model while the page is up
            yield list(shown), conversation, step
        chat = services.chat
        checker = services.checker_for(settings.verifier, settings.support_threshold)
        changes: dict[str, Any] = {}
        if settings.max_new_tokens:
            changes["max_new_tokens"] = int(settings.max_new_tokens)
        if resample:  # greedy decoding would give the very answer again
            changes.update(do_sample=True, seed=None)
        generation = chat.with_generation(**changes) if changes else None
        turn = Turn(chat, services.index, question, conversation.messages, settings.passages, generation, stop,
                    settings.scope, reader=checker.reader if checker is not None else None)
        working = text("answering_again" if resample else "answering", lang)
        yield list(shown), conversation, working
        for _ in turn:
            shown[-1] = {"role": "assistant", "content": plain_html(turn.text)}
            yield list(shown), conversation, working
        if checker is not None:
            n = sum(s.checkable for s in turn.statements)
            shown[-1] = {"role": "assistant",
                         "content": plain_html(turn.answer) + f'<p class="checking"><em>{checking_status(n, lang)}</em></p>'}
            yield list(shown), conversation, checking_status(n, lang)
        if services.flag_log is not None and conversation.chat_id is None:
            conversation.chat_id = chats.start(services.flag_log, owner, question)
        done = turn.finish(checker, services.flag_log, session, chat_id=conversation.chat_id)
    except AssistantError as err:
        raise page_error(err) from err
    conversation.messages += [{"role": "user", "content": question}, {"role": "assistant", "content": done.reply}]
    conversation.turn_ids.append(done.turn_id)
    stopped = done.completion is not None and done.completion.finish_reason == "cancelled"
    shown[-1] = {"role": "assistant", "content": answer_html(done.answer, done.hits, done.cited, done.report,
                                                             done.ending, checker.support_threshold if checker else None,
                                                             page_texts(services.index, done.hits),
                                                             withheld_reply(question), lang, stopped=stopped)}
    conversation.shown = shown
    status = verdict_status(done.report, checker, lang) + (text("withheld_status", lang) if done.withheld else "")
    yield list(shown), conversation, status


def retry(services, conversation: Conversation | None, settings: Settings | None = None,
          session: str = "web", stop: threading.Event | None = None,
          owner: str | None = None, lang: str = "en") -> Iterator[tuple[list, Conversation, str]]:
    """Answer the last question again, sampled, so the answer can differ (the earlier one stays in the log)."""
    import gradio as gr

    conversation = conversation or Conversation()
    if not conversation.messages:
        raise gr.Error(text("nothing_to_retry", lang))
    question = conversation.messages[-2]["content"]
    shorter = Conversation(conversation.messages[:-2], conversation.turn_ids[:-1], conversation.shown[:-2],
                           conversation.chat_id)
    yield from respond(services, question, shorter, settings, session, stop, resample=True, owner=owner, lang=lang)


def reopen(services, chat_id: str, owner: str | None = None, lang: str = "en") -> Conversation:
    """One of ``owner``'s saved chats as it was shown, rebuilt from the log (no re-checking), to continue."""
    if services.flag_log is None:
        raise InputError("chats are saved in the flag log, and there is none here")
    conversation = Conversation(chat_id=chat_id)
    for turn in chats.turns(services.flag_log, chat_id, owner):
        hits = [Evidence.from_logged(p) for p in turn.passages]
        reply = no_answer(language_of(turn.question)) if is_withheld(turn.finish_reason) else turn.answer
        conversation.messages += [{"role": "user", "content": turn.question}, {"role": "assistant", "content": reply}]
        conversation.turn_ids.append(turn.id)
        report = logged_report(turn) if turn.verifier else None
        conversation.shown += [{"role": "user", "content": plain_html(turn.question)},
                               {"role": "assistant", "content": answer_html(
                                   turn.answer, hits, cited_numbers(turn.answer, len(hits)), report,
                                   turn.finish_reason, report.threshold if report else None,
                                   pages=page_texts(services.index, hits), refusal=withheld_reply(turn.question),
                                   lang=lang)}]
    return conversation


def feedback(services, conversation: Conversation | None, index: int, up: bool, lang: str = "en") -> str:
    """Log a thumbs up / down on the answer at chatbot position ``index``."""
    conversation = conversation or Conversation()
    shown = conversation.shown
    if not 0 <= index < len(shown):
        return text("not_a_logged_answer", lang)
    answers_before = sum(1 for m in shown[:index + 1] if m.get("role") == "assistant")
    if not 1 <= answers_before <= len(conversation.turn_ids) or shown[index].get("role") != "assistant":
        return text("not_a_logged_answer", lang)
    turn_id = conversation.turn_ids[answers_before - 1]
    if turn_id is None or services.flag_log is None:
        return text("not_logged", lang)
    services.flag_log.feedback(turn_id, up)
    return text("thanks_up" if up else "thanks_down", lang, turn=turn_id[:8])
