"""The web page: one builder per tab (chat with its settings, documents, review, export, dashboard).

Wiring only: each builder lays out its tab's components and connects their events to the
plain handlers of ``assistant/ui/`` (one module per tab); the ``gr.*`` glue here only
unpacks Gradio's event data. Every handler's ``AssistantError`` reaches the person as an
escaped message (``errors.user_errors``). Gradio's copies of uploaded files are kept in
``<data home>/tmp`` (unless ``GRADIO_TEMP_DIR`` says otherwise) and removed after a day.
``app.py`` parses the command line and serves the page.
"""

# No ``from __future__ import annotations`` here: Gradio reads the handlers' annotations
# (gr.Request, gr.LikeData, gr.SelectData) as objects, and ``gr`` is imported inside functions.
import os
from dataclasses import dataclass
from typing import Any, Sequence

from assistant.chat import catalog
from assistant.flags import chats
from assistant.ui import chat as chat_ui
from assistant.ui import dashboard, documents, exports, highlight, review
from assistant.ui.errors import user_errors
from assistant.ui.services import Services
from core.config import VERIFIERS, CheckerConfig, ModelConfig
from core.errors import InputError
from core.home import subdir
from core.limits import LIMITS

USER_TEMP_DIR = os.environ.get("GRADIO_TEMP_DIR")  # set by the person running us: theirs to choose
# The page's styles: the verdict marks; on a phone's width the chat before the list of past chats, and
# the review table at a readable width, scrolled sideways inside its frame.
CSS = highlight.CSS + ("@media (max-width: 640px) { #chat-side { order: 2; }"
                       " #flags table { min-width: 860px; } }\n")
TITLE = "Grounded assistant"
ALL_DOCUMENTS = ("all documents", "")  # the review filter's choice for no document filter
EMPTY_CHAT = ("**Add your documents first** (the Documents tab: txt, md, html, pdf, docx), then ask about them "
              "here. Every statement of an answer is checked against them: \u2714 supported, ? unsupported, "
              "\u2716 contradicted.")


@dataclass
class Page:
    """What the tabs' builders share: the services, and who reviews everyone's flags."""

    services: Services
    reviewers: Sequence[str] = ()

    def who(self, request) -> review.Viewer:
        """The signed-in user of a page request, and whether they review everyone's flags."""
        return review.viewer(request, self.reviewers)


def build_demo(chat, index=None, checker=None, flag_log=None, checker_config=None, model_config=None,
               reviewers=(), limits=None):
    """The page. With a login, a signed-in user reviews the flags of their own answers; the users
    in ``reviewers`` see, review and export everyone's (see ``assistant.ui.review``)."""
    import gradio as gr

    services = Services(chat, index, flag_log, checker_config or CheckerConfig(), checker,
                        model_config=model_config or ModelConfig(), limits=limits or LIMITS)
    if not USER_TEMP_DIR:  # Gradio's own copies of uploads stay inside the data home too

        os.environ["GRADIO_TEMP_DIR"] = str(subdir("tmp"))
    page = Page(services, reviewers)
    # delete_cache: every hour, Gradio removes the upload copies it made over a day ago
    with gr.Blocks(title=TITLE, delete_cache=(3600, 86400)) as demo:
        gr.Markdown(f"## {TITLE}\nAnswers come from your documents; every statement is checked against them "
                    "and marked **\u2714 supported**, **? unsupported** or **\u2716 contradicted** (hover a "
                    "statement, or open \u201cEvidence for each statement\u201d under an answer, for its evidence).")
        model_line = gr.Markdown(services.model_status(), elem_id="model-status")
        # while the model loads, its line says how far it has got, every two seconds
        ticker = gr.Timer(2.0, active=services.loading is not None)

        def tick():
            return services.model_status(), gr.Timer(active=services.loading is not None and
                                                      services.loading.error is None)

        ticker.tick(tick, None, [model_line, ticker], api_name=False, show_progress="hidden")
        demo.load(tick, None, [model_line, ticker], api_name=False, show_progress="hidden")
        # outside the tabs: a tab's components load when it is first shown, after the page's load event
        saved_filters = gr.BrowserState(list(REVIEW_FILTERS), storage_key="review-filters")
        with gr.Tabs():
            chat = chat_tab(page)
            scope = chat.scope
            doc_table, doc_pick = documents_tab(page, scope)
            reviews = review_tab(page, saved_filters)
            export_tab(page)
            dashboard_tab(page)

        def current_documents(saved, chosen):
            """The page is built once; each visit shows today's documents, and the review filters
            this browser chose last time (a document filter only while that document exists)."""
            choices = documents.choices(index)
            verdict, state, doc_id, grouped = (saved if isinstance(saved, (list, tuple)) and len(saved) == 4
                                               else REVIEW_FILTERS)
            doc_id = doc_id if doc_id in {c[1] for c in choices} else ""
            return (gr.update(choices=choices, value=kept(chosen, choices)),
                    documents.table(index), gr.update(choices=choices),  # in the order of reviews.filters:
                    verdict if verdict in review.VERDICTS else "all",
                    state if state in review.STATES else "unreviewed",
                    gr.update(choices=[ALL_DOCUMENTS] + choices, value=doc_id), bool(grouped))

        demo.load(current_documents, [reviews.saved, scope], [scope, doc_table, doc_pick, *reviews.filters],
                  api_name=False)
        demo.load(chat.chats.refresh(page), chat.conversation, chat.chats.outputs, api_name=False)
        demo.load(None, None, None, js=SHORTCUTS, api_name=False)
        demo.load(None, None, None, js=READABLE_LABELS, api_name=False)
        demo.load(None, None, None, js=OPEN_CITATIONS, api_name=False)
    return demo


# -- chat ------------------------------------------------------------------------------------------

@dataclass
class SettingsPanel:
    """The chat tab's settings: per-session answer settings, and the model every session uses."""

    passages: Any
    verifier: Any
    threshold: Any
    max_tokens: Any
    model_name: Any
    adapter_name: Any
    load_button: Any
    calibrated: Any  # gr.State: the chosen verifier's calibrated threshold as the slider shows it; None without a checker
    scope: Any = None  # the chat's document picker (set by chat_tab)

    @property
    def answer_inputs(self) -> list:
        """The controls ``settings`` reads, in its order."""
        return [self.passages, self.verifier, self.threshold, self.max_tokens, self.calibrated, self.scope]

    def settings(self, passages, verifier, threshold, max_new_tokens, calibrated, scope) -> chat_ui.Settings:
        return chat_ui.settings_from_page(passages, verifier, threshold, max_new_tokens, calibrated, scope)


def settings_panel(page: Page) -> SettingsPanel:
    import gradio as gr

    services, checker, index = page.services, page.services.checker, page.services.index
    with gr.Accordion("Settings", open=False, elem_id="chat-settings"):
        k = index.cfg.top_k if index is not None and hasattr(index, "cfg") else 5
        passages = gr.Slider(1, 10, value=k, step=1, label="Passages per answer")
        names = [v for v in VERIFIERS if v != "nli" or services.checker_config.nli_model]
        verifier = gr.Dropdown(names, value=checker.verifier.name if checker else None,
                               label="Verifier", interactive=checker is not None, elem_id="verifier")
        default_t = round(checker.support_threshold, 2) if checker else 0.5
        threshold = gr.Slider(0.05, 0.99, step=0.01, label="Support threshold", value=default_t,
                              info=threshold_info(checker.verifier.name, default_t) if checker else "no checker",
                              interactive=checker is not None, elem_id="threshold")
        max_tokens = gr.Slider(16, 1024, step=16, value=services.generation.max_new_tokens,
                               label="Most tokens per answer")
        with gr.Row():
            # what this machine has, to pick; any Hugging Face id, folder or .gguf can still be typed
            current = catalog.canonical(services.model_config.name)
            model_name = gr.Dropdown(model_choices(current), value=current,
                                     allow_custom_value=True, label="Model", scale=3, elem_id="model-name",
                                     info="the models this machine has, or type a Hugging Face id, a folder or a "
                                          ".gguf file; loading one changes it for every session")
            adapter_name = gr.Dropdown(adapter_choices(services.model_config.adapter),
                                       value=services.model_config.adapter, allow_custom_value=True,
                                       label="LoRA adapter", scale=2, elem_id="adapter-name",
                                       info="none, one trained here (finetune), or type a folder")
            load_button = gr.Button("Load model", scale=1, elem_id="load-model")
        calibrated = gr.State(default_t if checker is not None else None)

    @user_errors
    def verifier_changed(name, progress=gr.Progress()):
        # each verifier has its own calibrated threshold: the slider shows the one that will be used
        progress(0.0, desc=f"loading the {name} verifier...")
        value = round(services.checker_for(name).support_threshold, 2)
        return gr.update(value=value, info=threshold_info(name, value)), value

    verifier.change(verifier_changed, verifier, [threshold, calibrated], api_name=False)
    return SettingsPanel(passages, verifier, threshold, max_tokens, model_name, adapter_name, load_button, calibrated)


def model_choices(current: str) -> list[tuple[str, str]]:
    """(label, name) of every model the machine has, with the one loaded now among them."""
    choices = [(m.label, m.name) for m in catalog.models()]
    if current and current not in {name for _, name in choices}:
        choices.insert(0, (current, current))
    return choices


def adapter_choices(current: str) -> list[tuple[str, str]]:
    names = catalog.adapters()
    return [("none", "")] + [(n, n) for n in names] + ([(current, current)] if current and current not in names else [])


def threshold_info(verifier: str | None, value: float) -> str:
    return (f"a statement is supported when its score reaches this; {value:.2f} is the {verifier} verifier's "
            "calibrated value")


def chat_tab(page: Page) -> "ChatTab":
    """The chat tab: past chats beside the chat; returns what every page load refreshes (the
    document picker, which every change of the documents refreshes too, and the chat list)."""
    import gradio as gr

    services = page.services
    with gr.Tab("Chat", id="chat"):
        conversation = gr.State(chat_ui.Conversation())
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=220, elem_id="chat-side"):  # past chats; below the chat on a phone
                chat_list = ChatList.build()
            with gr.Column(scale=4, min_width=320):
                chatbot = gr.Chatbot(height=460, label="Chat", elem_id="chatbot", buttons=["copy"],
                                     placeholder=EMPTY_CHAT)
                with gr.Row():
                    question = gr.Textbox(placeholder="Ask a question about your documents...", label="Question",
                                          scale=6, elem_id="question", autofocus=True)
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send", min_width=80)
                with gr.Row():
                    stop_button = gr.Button("Stop", size="sm", elem_id="stop", min_width=60)
                    retry_button = gr.Button("Retry", size="sm", elem_id="retry", min_width=60)
                chat_status = gr.Markdown(elem_id="chat-status")
                scope = gr.Dropdown(documents.choices(services.index), value=[], multiselect=True, elem_id="scope",
                                    label="Ask these documents",
                                    info="none chosen: every document; logged with each answer")
                panel = settings_panel(page)
                panel.scope = scope

    stops = chat_ui.Stops()

    # The chat's transcript is the server's (conversation); what the browser's chatbot holds is
    # never read back: a client could send any amount of it.
    @user_errors
    def ask(message, conv, p, v, t, m, c, d, request: gr.Request):
        session, owner = chat_ui.session_id(request), page.who(request).user
        stop = stops.start(session)
        try:
            for shown_now, conv_now, status in chat_ui.respond(services, message, conv,
                                                               panel.settings(p, v, t, m, c, d), session, stop,
                                                               owner=owner):
                yield shown_now, conv_now, status, ""
        finally:
            stops.end(session, stop)

    @user_errors
    def again(conv, p, v, t, m, c, d, request: gr.Request):
        session, owner = chat_ui.session_id(request), page.who(request).user
        stop = stops.start(session)
        try:
            yield from chat_ui.retry(services, conv, panel.settings(p, v, t, m, c, d), session, stop, owner)
        finally:
            stops.end(session, stop)

    def stop_answer(request: gr.Request):
        stops.stop(chat_ui.session_id(request))

    def thumbs(conv, data: gr.LikeData):
        index_ = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        up = data.liked is True or data.liked == "like"
        return chat_ui.feedback(services, conv, int(index_), up)

    chat_inputs = [conversation, *panel.answer_inputs]
    for event in (send.click, question.submit):
        event(ask, [question, *chat_inputs], [chatbot, conversation, chat_status, question],
              api_name="chat" if event == send.click else False).then(
            chat_list.refresh(page), conversation, chat_list.outputs, api_name=False)
    retry_button.click(again, chat_inputs, [chatbot, conversation, chat_status], api_name=False).then(
        chat_list.refresh(page), conversation, chat_list.outputs, api_name=False)
    stop_button.click(stop_answer, None, None, api_name=False, queue=False)  # not behind the answer it stops
    chatbot.like(thumbs, [conversation], chat_status, api_name=False)
    chat_list.wire(page, conversation, chatbot, chat_status)
    wire_model_loading(page, panel, chat_status)
    return ChatTab(scope, chat_list, conversation)


@dataclass
class ChatTab:
    """What the page's load refreshes in the chat tab."""

    scope: Any
    chats: "ChatList"
    conversation: Any


@dataclass
class ChatList:
    """Past chats, the signed-in user's own (saved in the flag log): open one to continue it,
    rename it, delete it, or start a new one."""

    new: Any
    listed: Any
    title: Any
    rename: Any
    delete: Any

    @classmethod
    def build(cls) -> "ChatList":
        import gradio as gr

        new = gr.Button("New chat", variant="secondary", elem_id="new-chat")
        listed = gr.Radio([], label="Your chats", elem_id="chat-list", info="the one used last first")
        title = gr.Textbox(label="This chat's title", max_lines=1, elem_id="chat-title")
        with gr.Row():
            rename = gr.Button("Rename", size="sm", elem_id="rename-chat", min_width=60)
            delete = gr.Button("Delete", size="sm", variant="stop", elem_id="delete-chat", min_width=60)
        gr.Markdown("<small>Deleting a chat takes it off this list; its answers stay in the review log.</small>")
        return cls(new, listed, title, rename, delete)

    @property
    def outputs(self) -> list:
        return [self.listed, self.title]

    @staticmethod
    def refresh(page: Page):
        """A handler: the list, with ``conv``'s chat chosen and its title in the box."""
        import gradio as gr

        def handler(conv, request: gr.Request):
            log = page.services.flag_log
            if log is None:
                return gr.update(choices=[], value=None), ""
            mine = chats.listed(log, page.who(request).user)
            current = conv.chat_id if conv is not None else None
            title = next((c.title for c in mine if c.id == current), "")
            choices = [(f"{c.title} ({c.turns})", c.id) for c in mine]
            return gr.update(choices=choices, value=current if title else None), title
        return handler

    def wire(self, page: Page, conversation, chatbot, status) -> None:
        import gradio as gr

        services = page.services

        @user_errors
        def open_chat(chat_id, request: gr.Request):
            if not chat_id:
                return gr.update(), gr.update(), ""
            conv = chat_ui.reopen(services, chat_id, page.who(request).user)
            return conv.shown, conv, f"Opened a saved chat of {len(conv.turn_ids)} answers; ask on to continue it."

        @user_errors
        def rename(conv, title, request: gr.Request):
            if conv is None or conv.chat_id is None:
                raise InputError("open a chat first (a new chat is saved with its first answer)")
            new = chats.rename(services.flag_log, conv.chat_id, title, page.who(request).user)
            return f"Renamed to \u201c{new}\u201d."

        @user_errors
        def delete(conv, request: gr.Request):
            if conv is None or conv.chat_id is None:
                raise InputError("open a chat first")
            chats.delete(services.flag_log, conv.chat_id, page.who(request).user)
            return [], chat_ui.Conversation(), "Chat deleted (its answers stay in the review log)."

        listed = self.refresh(page)
        self.listed.input(open_chat, self.listed, [chatbot, conversation, status], api_name=False).then(
            listed, conversation, self.outputs, api_name=False)
        self.new.click(lambda: ([], chat_ui.Conversation(), ""), None, [chatbot, conversation, status],
                       api_name=False).then(listed, conversation, self.outputs, api_name=False)
        self.rename.click(rename, [conversation, self.title], status, api_name=False).then(
            listed, conversation, self.outputs, api_name=False)
        self.delete.click(delete, conversation, [chatbot, conversation, status], api_name=False).then(
            listed, conversation, self.outputs, api_name=False)


def wire_model_loading(page: Page, panel: SettingsPanel, status) -> None:
    """The settings' Load button: another model for every session, each step shown in ``status``."""
    import gradio as gr

    @user_errors
    def load_model(name, adapter, request: gr.Request, progress=gr.Progress()):
        # the model answers every session: with a login, only a reviewer may change it
        page.who(request).check_all("Loading a model")
        progress(0.0, desc=f"loading {name}...")  # a first load joins, converts and exports: minutes
        message = page.services.switch_model(name, adapter, progress=lambda step: progress(None, desc=step))
        loaded = catalog.canonical(page.services.model_config.name)  # a GGUF loaded the first time is listed now
        return message, gr.update(choices=model_choices(loaded), value=loaded)

    panel.load_button.click(load_model, [panel.model_name, panel.adapter_name], [status, panel.model_name],
                            api_name=False, show_progress_on=[status])


# -- documents -------------------------------------------------------------------------------------

def documents_tab(page: Page, scope) -> tuple[Any, Any]:
    """The documents tab; returns its table and picker, which every page load refreshes. Adding or
    deleting a document refreshes the chat's document picker (``scope``) too."""
    import gradio as gr

    index = page.services.index
    with gr.Tab("Documents", id="documents"):
        # no file_types: Gradio would drop any other file with a passing toast, while our own check
        # names each file it refuses and why in the result, and reads plain text without an extension
        uploads = gr.File(file_count="multiple", label="Add documents (txt, md, html, pdf, docx, or plain text)",
                          elem_id="uploads")
        add_button = gr.Button("Add to the index", variant="primary", elem_id="add-documents")
        add_result = gr.Markdown(elem_id="add-result")
        doc_table = gr.Dataframe(documents.table(index), headers=documents.COLUMNS, interactive=False,
                                 label="Indexed documents", elem_id="documents")
        with gr.Row():
            doc_pick = gr.Dropdown(documents.choices(index), label="Document", scale=4, elem_id="doc-pick")
            delete_button = gr.Button("Delete", variant="stop", scale=1)

    @user_errors
    def add(files, chosen, progress=gr.Progress()):
        message = documents.add_uploads(index, files or [], lambda f, m: progress(f, desc=m))
        choices = documents.choices(index)
        return (message, documents.table(index), gr.update(choices=choices), None,
                gr.update(choices=choices, value=kept(chosen, choices)))

    @user_errors
    def delete(doc_id, chosen):
        message = documents.delete(index, doc_id)
        choices = documents.choices(index)
        return (message, documents.table(index), gr.update(choices=choices, value=None),
                gr.update(choices=choices, value=kept(chosen, choices)))

    # one progress bar, on the result line (it was drawn on each of the outputs)
    add_button.click(add, [uploads, scope], [add_result, doc_table, doc_pick, uploads, scope],
                     api_name="add_documents", show_progress_on=[add_result])
    delete_button.click(delete, [doc_pick, scope], [add_result, doc_table, doc_pick, scope], api_name=False)
    return doc_table, doc_pick


def kept(chosen, choices) -> list[str]:
    """The chosen document ids that still exist."""
    ids = {value for _, value in choices}
    return [d for d in (chosen or []) if d in ids]


# -- review ----------------------------------------------------------------------------------------

@dataclass
class ReviewTab:
    """What the page's load refreshes in the review tab: the document filter's choices, and the
    filters a browser saved (kept across reloads)."""

    doc_filter: Any
    filters: list
    saved: Any  # gr.BrowserState: [verdict, review state, document, grouped]


REVIEW_FILTERS = ("all", "unreviewed", "", True)  # verdict, review state, document, grouped: a first visit's


# Keys for the review tab when no text box has the focus: c confirm, r reject, shift+c / shift+r
# the same for every flag alike, n open the next flag (the table's first row).
SHORTCUTS = """() => {
  document.addEventListener('keydown', e => {
    const t = e.target, typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
    const review = document.querySelector('#flags');
    if (typing || e.ctrlKey || e.metaKey || e.altKey || !review || review.offsetParent === null) return;
    const ids = {c: '#confirm', r: '#reject', C: '#confirm-alike', R: '#reject-alike'};
    const target = e.key === 'n' ? review.querySelector('[data-testid="cell-0-4"]') : ids[e.key] && document.querySelector(ids[e.key]);
    if (target) { e.preventDefault(); target.click(); }
  });
}"""


# Gradio labels each chat message for screen readers with its content as given: for an answer,
# the page's HTML (spans, tooltips, the sources list). A screen reader reads the message's text.
READABLE_LABELS = """() => {
  const fix = el => {
    const label = el.getAttribute('aria-label') || '';
    const cut = label.indexOf("'s message: ");
    if (cut < 0 || !/[<>]/.test(label)) return;
    el.setAttribute('aria-label', label.slice(0, cut + 12) + el.innerText.replace(/\\s+/g, ' ').trim());
  };
  const sweep = () => document.querySelectorAll('[aria-label*="s message: "]').forEach(fix);
  new MutationObserver(sweep).observe(document.body, {subtree: true, childList: true, characterData: true,
                                                      attributes: true, attributeFilter: ['aria-label']});
  sweep();
}"""


# A click (or Enter) on a "[n]" in an answer opens that answer's source n, with its evidence marked.
OPEN_CITATIONS = """() => {
  const open = ref => {
    const message = ref.closest('.message') || document;
    const n = [...ref.classList].find(c => /^cite-[0-9]+$/.test(c));  // the sanitizer keeps classes, not data-*
    const source = n && message.querySelector(`details.source.source-${n.slice(5)}`);
    if (!source) return;
    source.open = true;
    source.scrollIntoView({block: 'nearest'});
    source.classList.add('flash');
    setTimeout(() => source.classList.remove('flash'), 1500);
  };
  document.addEventListener('click', e => { const ref = e.target.closest('.cite-ref'); if (ref) open(ref); });
  document.addEventListener('keydown', e => {
    const ref = e.key === 'Enter' && e.target.closest && e.target.closest('.cite-ref');
    if (ref) { e.preventDefault(); open(ref); }
  });
}"""


def review_tab(page: Page, saved) -> ReviewTab:
    """The review tab: flags (alike ones grouped), one opened at a time, decided alone or with
    every flag alike it; keyboard shortcuts; the filters a browser chose kept across reloads."""
    import gradio as gr

    flag_log = page.services.flag_log
    with gr.Tab("Review", id="review") as tab:
        with gr.Row():
            verdict_filter = gr.Radio(list(review.VERDICTS), value="all", label="Verdict", elem_id="verdict-filter")
            state_filter = gr.Radio(list(review.STATES), value="unreviewed", label="Review", elem_id="state-filter")
            doc_filter = gr.Dropdown([ALL_DOCUMENTS] + documents.choices(page.services.index), value="",
                                     label="Document", elem_id="doc-filter")
            grouped = gr.Checkbox(True, label="Group alike flags", elem_id="grouped",
                                  info="one row for a statement flagged many times")
            refresh = gr.Button("Refresh", size="sm")
        # wrapped, with room for the statement and the question (they were cut off)
        flag_table = gr.Dataframe(headers=review.COLUMNS, interactive=False, label="Flagged statements",
                                  elem_id="flags", wrap=True, max_height=520,
                                  column_widths=["5%", "10%", "10%", "6%", "25%", "20%", "10%", "9%", "5%"])
        gr.Markdown("Keys, outside a text box: **c** confirm, **r** reject, **shift+c** / **shift+r** the same for "
                    "every flag alike, **n** the next flag.", elem_id="review-keys")
        with gr.Row():
            picked = gr.Textbox(label="Statement id", placeholder="click a row, or type its id", max_lines=1,
                                elem_id="statement-id")
            open_button = gr.Button("Open", size="sm", elem_id="open-flag")
        flag_question = gr.Markdown(elem_id="flag-question")
        flag_answer = gr.HTML(elem_id="flag-answer")
        flag_evidence = gr.HTML(elem_id="flag-evidence")
        flag_status = gr.Markdown(elem_id="flag-status")
        suggestion = gr.State("")
        correction = gr.Textbox(lines=4, label="Corrected answer (prefilled with the suggested correction; "
                                "stored when you confirm)", elem_id="correction")
        note = gr.Textbox(label="Note (optional)", elem_id="review-note")
        with gr.Row():
            confirm_button = gr.Button("Confirm: a hallucination", variant="stop", elem_id="confirm")
            reject_button = gr.Button("Reject: a false alarm", elem_id="reject")
            regenerate_button = gr.Button("Regenerate the suggestion", elem_id="regenerate")
        with gr.Row():
            confirm_alike = gr.Button("Confirm it and every flag alike", size="sm", elem_id="confirm-alike")
            reject_alike = gr.Button("Reject it and every flag alike", size="sm", elem_id="reject-alike")

    @user_errors
    def list_flags(v, s, d, g, request: gr.Request):
        return review.rows(flag_log, v, s, d or None, page.who(request), grouped=bool(g))

    @user_errors
    def show(statement_id, request: gr.Request):
        if statement_id in (None, ""):
            return "", "", "", "Pick a flag from the table.", "", "", ""
        view = review.view(flag_log, statement_id, page.who(request))
        # the note starts empty for each flag: a note is about one statement (it was kept, and stored on the next)
        return (view.question_html, view.answer_html, view.evidence_html, view.status, view.suggestion,
                view.suggestion, "")

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return str(row[0]) if row else ""

    def decide(decision):
        @user_errors
        def handler(statement_id, text, why, suggested, v, s, d, g, request: gr.Request):
            message = review.decide(flag_log, statement_id, decision, text, why, page.who(request), suggested)
            return message, list_flags(v, s, d, g, request)
        return handler

    def decide_alike(decision):
        @user_errors
        def handler(statement_id, why, v, s, d, g, request: gr.Request):
            message = review.decide_alike(flag_log, statement_id, decision, why, page.who(request))
            return message, list_flags(v, s, d, g, request)
        return handler

    @user_errors
    def regenerate(statement_id, request: gr.Request):
        return review.regenerate(page.services, statement_id, page.who(request))

    filters = [verdict_filter, state_filter, doc_filter, grouped]
    shown_flag = [flag_question, flag_answer, flag_evidence, flag_status, correction, suggestion, note]
    for trigger in (refresh.click, verdict_filter.change, state_filter.change, doc_filter.change, grouped.change,
                    tab.select):
        trigger(list_flags, filters, flag_table, api_name=False)
    for control in filters:  # this browser's choice, for the next visit
        control.change(lambda *values: list(values), filters, saved, api_name=False, queue=False)
    flag_table.select(pick, None, picked, api_name=False).then(show, picked, shown_flag, api_name=False)
    open_button.click(show, picked, shown_flag, api_name=False)
    decided = [picked, correction, note, suggestion, *filters]
    confirm_button.click(decide("confirmed"), decided, [flag_status, flag_table], api_name=False)
    reject_button.click(decide("rejected"), decided, [flag_status, flag_table], api_name=False)
    confirm_alike.click(decide_alike("confirmed"), [picked, note, *filters], [flag_status, flag_table], api_name=False)
    reject_alike.click(decide_alike("rejected"), [picked, note, *filters], [flag_status, flag_table], api_name=False)
    regenerate_button.click(regenerate, picked, correction, api_name=False)
    return ReviewTab(doc_filter, filters, saved)


# -- export ----------------------------------------------------------------------------------------

def export_tab(page: Page) -> None:
    import gradio as gr

    with gr.Tab("Export", id="export"):
        fmt = gr.Radio(list(exports.FORMATS), value="sft", label="Format",
                       info="; ".join(f"{k}: {v}" for k, v in exports.HELP.items()))
        with gr.Row():
            verdict = gr.Radio(list(review.VERDICTS), value="all", label="Flags of this verdict only")
            reviewed_only = gr.Checkbox(True, label="Reviewed answers only", elem_id="reviewed-only",
                                        info="a correction, a decision on each flag, or a thumbs up or down")
            held_out = gr.Slider(0, 0.9, value=0.2, step=0.05, label="Held-out share (by question)")
        with gr.Row():
            since = gr.Textbox(label="From (YYYY-MM-DD, optional)")
            until = gr.Textbox(label="Until (YYYY-MM-DD, optional)")
        export_button = gr.Button("Export", variant="primary", elem_id="export-button")
        result = gr.Markdown(elem_id="export-result")
        file = gr.File(label="Download", interactive=False, elem_id="export-file")

    @user_errors
    def run_export(f, v, r, h, a, b, request: gr.Request):
        page.who(request).check_all("An export")
        path, summary = exports.run(page.services.flag_log, f, v, r, a, b, h)
        return summary, str(path)

    export_button.click(run_export, [fmt, verdict, reviewed_only, held_out, since, until], [result, file],
                        api_name=False)


# -- dashboard -------------------------------------------------------------------------------------

def dashboard_tab(page: Page) -> None:
    import gradio as gr

    with gr.Tab("Dashboard", id="dashboard") as tab:
        refresh = gr.Button("Refresh", size="sm")
        summary = gr.Markdown(elem_id="dashboard-summary")
        with gr.Row():
            rate_plot = gr.BarPlot(x="day", y="flagged share", title="Share of statements flagged, by day",
                                   y_lim=[0, 1])
            mix_plot = gr.BarPlot(x="verdict", y="statements", title="Verdict mix")
        doc_plot = gr.BarPlot(x="document", y="flags", title="Flags by document (best evidence)")

    def bars(frame, column):  # a y axis from zero, whatever the counts
        top = float(frame[column].max()) if len(frame) else 1.0
        return gr.BarPlot(value=frame, y_lim=[0, max(1.0, top * 1.15)])

    def board():
        d = dashboard.build(page.services.flag_log)
        return d.summary, d.rate_by_day, bars(d.verdict_mix, "statements"), bars(d.flags_by_document, "flags")

    for trigger in (refresh.click, tab.select):
        trigger(board, None, [summary, rate_plot, mix_plot, doc_plot], api_name=False)
