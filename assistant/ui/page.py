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
from assistant.ui.i18n import headings, label, request_language, text, verdict_name, verifier_words
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
TITLE = text("title")
ALL_DOCUMENTS = ("all documents", "")  # the review filter's choice for no document filter


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
    # the words of the page: static ones by key (assistant/ui/i18n.py, the browser's language); what a
    # handler writes, in the language of its request
    with gr.Blocks(title=TITLE, delete_cache=(3600, 86400)) as demo:
        gr.Markdown(label("intro"))
        model_line = gr.Markdown(services.model_status(), elem_id="model-status")
        # while the model loads, its line says how far it has got, every two seconds
        ticker = gr.Timer(2.0, active=services.loading is not None)

        def tick(request: gr.Request):
            return services.model_status(request_language(request)), gr.Timer(
                active=services.loading is not None and services.loading.error is None)

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

        def current_documents(saved, chosen, request: gr.Request):
            """The page is built once; each visit shows today's documents, and the review filters
            this browser chose last time (a document filter only while that document exists), in
            the browser's language."""
            lang = request_language(request)
            choices = documents.choices(index, lang)
            verdict, state, doc_id, grouped = (saved if isinstance(saved, (list, tuple)) and len(saved) == 4
                                               else REVIEW_FILTERS)
            doc_id = doc_id if doc_id in {c[1] for c in choices} else ""
            return (gr.update(choices=choices, value=kept(chosen, choices)),
                    documents_table(index, lang), gr.update(choices=choices),  # in the order of reviews.filters:
                    verdict if verdict in review.VERDICTS else "all",
                    state if state in review.STATES else "unreviewed",
                    gr.update(choices=[(text("all_documents", lang), "")] + choices, value=doc_id), bool(grouped))

        demo.load(current_documents, [reviews.saved, scope], [scope, doc_table, doc_pick, *reviews.filters],
                  api_name=False)
        demo.load(chat.chats.refresh(page), chat.conversation, chat.chats.outputs, api_name=False)
        demo.load(None, None, None, js=SHORTCUTS, api_name=False)
        demo.load(None, None, None, js=READABLE_LABELS, api_name=False)
        demo.load(None, None, None, js=OPEN_CITATIONS, api_name=False)
        if services.checker is not None:  # the threshold's help names its value: in the browser's language
            demo.load(chat.settings.threshold_help(services), None, chat.settings.threshold, api_name=False)
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

    @staticmethod
    def threshold_help(services: Services):
        """A page-load handler: the threshold slider's help (it names the calibrated value) in the
        browser's language."""
        import gradio as gr

        def handler(request: gr.Request):
            checker = services.checker
            value = round(checker.support_threshold, 2)
            return gr.update(info=threshold_info(checker.verifier.name, value, request_language(request)))
        return handler


def settings_panel(page: Page) -> SettingsPanel:
    import gradio as gr

    services, checker, index = page.services, page.services.checker, page.services.index
    with gr.Accordion(label("settings"), open=False, elem_id="chat-settings"):
        k = index.cfg.top_k if index is not None and hasattr(index, "cfg") else 5
        passages = gr.Slider(1, 10, value=k, step=1, label=label("passages"))
        names = [v for v in VERIFIERS if v != "nli" or services.checker_config.nli_model]
        verifier = gr.Dropdown(names, value=checker.verifier.name if checker else None,
                               label=label("verifier"), interactive=checker is not None, elem_id="verifier")
        default_t = round(checker.support_threshold, 2) if checker else 0.5
        threshold = gr.Slider(0.05, 0.99, step=0.01, label=label("threshold"), value=default_t,
                              info=threshold_info(checker.verifier.name, default_t) if checker else label("no_checker"),
                              interactive=checker is not None, elem_id="threshold")
        max_tokens = gr.Slider(16, 1024, step=16, value=services.generation.max_new_tokens,
                               label=label("max_tokens"))
        with gr.Row():
            # what this machine has, to pick; any Hugging Face id, folder or .gguf can still be typed
            current = catalog.canonical(services.model_config.name)
            model_name = gr.Dropdown(model_choices(current), value=current,
                                     allow_custom_value=True, label=label("model"), scale=3, elem_id="model-name",
                                     info=label("model_info"))
            adapter_name = gr.Dropdown(adapter_choices(services.model_config.adapter),
                                       value=services.model_config.adapter, allow_custom_value=True,
                                       label=label("adapter"), scale=2, elem_id="adapter-name",
                                       info=label("adapter_info"))
            load_button = gr.Button(label("load_model"), scale=1, elem_id="load-model")
        calibrated = gr.State(default_t if checker is not None else None)

    @user_errors
    def verifier_changed(name, request: gr.Request, progress=gr.Progress()):
        # each verifier has its own calibrated threshold: the slider shows the one that will be used
        lang = request_language(request)
        progress(0.0, desc=text("loading_verifier", lang, name=name))
        value = round(services.checker_for(name).support_threshold, 2)
        return gr.update(value=value, info=threshold_info(name, value, lang)), value

    verifier.change(verifier_changed, verifier, [threshold, calibrated], api_name=False)
    return SettingsPanel(passages, verifier, threshold, max_tokens, model_name, adapter_name, load_button, calibrated)


def model_choices(current: str) -> list[tuple[str, str]]:
    """(label, name) of every model the machine has, with the one loaded now among them."""
    choices = [(m.shown + " (" + label("model_note_" + m.note) + ")", m.name) for m in catalog.models()]  # the
    # note in the page's language (Gradio's frontend translates the marker inside the string)
    if current and current not in {name for _, name in choices}:
        choices.insert(0, (current, current))
    return choices


def adapter_choices(current: str) -> list[tuple[Any, str]]:
    names = catalog.adapters()
    return [(label("adapter_none"), "")] + [(n, n) for n in names] + ([(current, current)] if current and current not in names else [])


def threshold_info(verifier: str | None, value: float, lang: str = "en") -> str:
    return text("threshold_info", lang, value=f"{value:.2f}", verifier=verifier_words(verifier, lang))


def chat_tab(page: Page) -> "ChatTab":
    """The chat tab: past chats beside the chat; returns what every page load refreshes (the
    document picker, which every change of the documents refreshes too, and the chat list)."""
    import gradio as gr

    services = page.services
    with gr.Tab(label("tab_chat"), id="chat"):
        conversation = gr.State(chat_ui.Conversation())
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=220, elem_id="chat-side"):  # past chats; below the chat on a phone
                chat_list = ChatList.build()
            with gr.Column(scale=4, min_width=320):
                chatbot = gr.Chatbot(height=460, label=label("chat_window"), elem_id="chatbot", buttons=["copy"],
                                     placeholder=str(label("empty_chat")))
                with gr.Row():
                    question = gr.Textbox(placeholder=label("question_placeholder"), label=label("question"),
                                          scale=6, elem_id="question", autofocus=True)
                    send = gr.Button(label("send"), variant="primary", scale=1, elem_id="send", min_width=80)
                with gr.Row():
                    stop_button = gr.Button(label("stop"), size="sm", elem_id="stop", min_width=60)
                    retry_button = gr.Button(label("retry"), size="sm", elem_id="retry", min_width=60)
                chat_status = gr.Markdown(elem_id="chat-status")
                scope = gr.Dropdown(documents.choices(services.index), value=[], multiselect=True, elem_id="scope",
                                    label=label("scope"), info=label("scope_info"))
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
                                                               owner=owner, lang=request_language(request)):
                yield shown_now, conv_now, status, ""
        finally:
            stops.end(session, stop)

    @user_errors
    def again(conv, p, v, t, m, c, d, request: gr.Request):
        session, owner = chat_ui.session_id(request), page.who(request).user
        stop = stops.start(session)
        try:
            yield from chat_ui.retry(services, conv, panel.settings(p, v, t, m, c, d), session, stop, owner,
                                     request_language(request))
        finally:
            stops.end(session, stop)

    def stop_answer(request: gr.Request):
        stops.stop(chat_ui.session_id(request))

    def thumbs(conv, data: gr.LikeData, request: gr.Request):
        index_ = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        up = data.liked is True or data.liked == "like"
        return chat_ui.feedback(services, conv, int(index_), up, request_language(request))

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
    return ChatTab(scope, chat_list, conversation, panel)


@dataclass
class ChatTab:
    """What the page's load refreshes in the chat tab."""

    scope: Any
    chats: "ChatList"
    conversation: Any
    settings: SettingsPanel


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

        new = gr.Button(label("new_chat"), variant="secondary", elem_id="new-chat")
        listed = gr.Radio([], label=label("chat_list"), elem_id="chat-list", info=label("chat_list_info"))
        title = gr.Textbox(label=label("chat_title"), max_lines=1, elem_id="chat-title")
        with gr.Row():
            rename = gr.Button(label("rename"), size="sm", elem_id="rename-chat", min_width=60)
            delete = gr.Button(label("delete"), size="sm", variant="stop", elem_id="delete-chat", min_width=60)
        gr.Markdown(label("chat_delete_note"))
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
            lang = request_language(request)
            conv = chat_ui.reopen(services, chat_id, page.who(request).user, lang)
            return conv.shown, conv, text("chat_opened", lang, n=len(conv.turn_ids))

        @user_errors
        def rename(conv, title, request: gr.Request):
            lang = request_language(request)
            if conv is None or conv.chat_id is None:
                raise InputError(text("open_chat_first", lang))
            new = chats.rename(services.flag_log, conv.chat_id, title, page.who(request).user)
            return text("chat_renamed", lang, title=new)

        @user_errors
        def delete(conv, request: gr.Request):
            lang = request_language(request)
            if conv is None or conv.chat_id is None:
                raise InputError(text("open_a_chat_first", lang))
            chats.delete(services.flag_log, conv.chat_id, page.who(request).user)
            return [], chat_ui.Conversation(), text("chat_deleted", lang)

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
        lang = request_language(request)
        progress(0.0, desc=text("loading_model", lang, name=name))  # a first load joins, converts and exports: minutes
        message = page.services.switch_model(name, adapter, progress=lambda step: progress(None, desc=step),
                                             lang=lang)
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
    with gr.Tab(label("tab_documents"), id="documents"):
        # no file_types: Gradio would drop any other file with a passing toast, while our own check
        # names each file it refuses and why in the result, and reads plain text without an extension
        uploads = gr.File(file_count="multiple", label=label("uploads"), elem_id="uploads")
        add_button = gr.Button(label("add_documents"), variant="primary", elem_id="add-documents")
        add_result = gr.Markdown(elem_id="add-result")
        doc_table = gr.Dataframe(documents.table(index), headers=documents.COLUMNS, interactive=False,
                                 label=label("indexed_documents"), elem_id="documents")
        with gr.Row():
            # nothing chosen until someone chooses: Gradio would preselect the first document for Delete
            doc_pick = gr.Dropdown(documents.choices(index), value=None, label=label("document"), scale=4,
                                   elem_id="doc-pick")
            delete_button = gr.Button(label("delete"), variant="stop", scale=1)

    @user_errors
    def add(files, chosen, request: gr.Request, progress=gr.Progress()):
        lang = request_language(request)
        message = documents.add_uploads(index, files or [], lambda f, m: progress(f, desc=m), lang)
        choices = documents.choices(index, lang)
        return (message, documents_table(index, lang), gr.update(choices=choices), None,
                gr.update(choices=choices, value=kept(chosen, choices)))

    @user_errors
    def delete(doc_id, chosen, request: gr.Request):
        lang = request_language(request)
        message = documents.delete(index, doc_id, lang)
        choices = documents.choices(index, lang)
        return (message, documents_table(index, lang), gr.update(choices=choices, value=None),
                gr.update(choices=choices, value=kept(chosen, choices)))

    # one progress bar, on the result line (it was drawn on each of the outputs)
    add_button.click(add, [uploads, scope], [add_result, doc_table, doc_pick, uploads, scope],
                     api_name="add_documents", show_progress_on=[add_result])
    delete_button.click(delete, [doc_pick, scope], [add_result, doc_table, doc_pick, scope], api_name=False)
    return doc_table, doc_pick


def documents_table(index, lang: str) -> dict:
    """The documents table's rows under headings in ``lang``."""
    return {"headers": headings(documents.COLUMNS, lang), "data": documents.table(index, lang)}


def kept(chosen, choices) -> list[str]:
    """The chosen document ids that still exist."""
    ids = {value for _, value in choices}
    return [d for d in (chosen or []) if d in ids]


# -- review ----------------------------------------------------------------------------------------

def named(values) -> list[tuple[Any, str]]:
    """A radio's choices: each value shown in the browser's language, chosen as itself."""
    return [(label(v), v) for v in values]


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
    // a label once made readable is kept in step with the text: Gradio may write the label before
    // its message's markdown renders, so the first text read can be an older one
    if (cut < 0 || !(el.__readable || /[<>]/.test(label))) return;
    el.__readable = true;
    // an answer's own words may hold "<" ("press <ESC>"): set the label only when it changes, or
    // each write wakes this observer again and the tab spins for ever; a message not laid out yet
    // has no text: wait for its words (their mutation sweeps again)
    const text = el.innerText.replace(/\\s+/g, ' ').trim();
    const readable = label.slice(0, cut + 12) + text;
    if (text && readable !== label) el.setAttribute('aria-label', readable);
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
    with gr.Tab(label("tab_review"), id="review") as tab:
        with gr.Row():
            verdict_filter = gr.Radio(named(review.VERDICTS), value="all", label=label("verdict"),
                                      elem_id="verdict-filter")
            state_filter = gr.Radio(named(review.STATES), value="unreviewed", label=label("review_state"),
                                    elem_id="state-filter")
            doc_filter = gr.Dropdown([ALL_DOCUMENTS] + documents.choices(page.services.index), value="",
                                     label=label("document"), elem_id="doc-filter")
            grouped = gr.Checkbox(True, label=label("grouped"), elem_id="grouped", info=label("grouped_info"))
            refresh = gr.Button(label("refresh"), size="sm")
        # wrapped, with room for the statement and the question (they were cut off)
        flag_table = gr.Dataframe(headers=review.COLUMNS, interactive=False, label=label("flagged_statements"),
                                  elem_id="flags", wrap=True, max_height=520,
                                  column_widths=["5%", "10%", "10%", "6%", "25%", "20%", "10%", "9%", "5%"])
        gr.Markdown(label("review_keys"), elem_id="review-keys")
        with gr.Row():
            picked = gr.Textbox(label=label("statement_id"), placeholder=label("statement_id_placeholder"),
                                max_lines=1, elem_id="statement-id")
            open_button = gr.Button(label("open"), size="sm", elem_id="open-flag")
        flag_question = gr.Markdown(elem_id="flag-question")
        flag_answer = gr.HTML(elem_id="flag-answer")
        flag_evidence = gr.HTML(elem_id="flag-evidence")
        flag_status = gr.Markdown(elem_id="flag-status")
        suggestion = gr.State("")
        correction = gr.Textbox(lines=4, label=label("correction"), elem_id="correction")
        note = gr.Textbox(label=label("note"), elem_id="review-note")
        with gr.Row():
            confirm_button = gr.Button(label("confirm"), variant="stop", elem_id="confirm")
            reject_button = gr.Button(label("reject"), elem_id="reject")
            regenerate_button = gr.Button(label("regenerate"), elem_id="regenerate")
        with gr.Row():
            confirm_alike = gr.Button(label("confirm_alike"), size="sm", elem_id="confirm-alike")
            reject_alike = gr.Button(label("reject_alike"), size="sm", elem_id="reject-alike")

    @user_errors
    def list_flags(v, s, d, g, request: gr.Request):
        lang = request_language(request)
        rows = review.rows(flag_log, v, s, d or None, page.who(request), grouped=bool(g))
        for row in rows:  # the verdict and the review state in words (the table's other cells are data)
            row[2], row[7] = verdict_name(row[2], lang), verdict_name(row[7], lang)
        return {"headers": headings(review.COLUMNS, lang), "data": rows}

    @user_errors
    def show(statement_id, request: gr.Request):
        lang = request_language(request)
        if statement_id in (None, ""):
            return "", "", "", text("pick_a_flag", lang), "", "", ""
        view = review.view(flag_log, statement_id, page.who(request), lang)
        # the note starts empty for each flag: a note is about one statement (it was kept, and stored on the next)
        return (view.question_html, view.answer_html, view.evidence_html, view.status, view.suggestion,
                view.suggestion, "")

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return str(row[0]) if row else ""

    def decide(decision):
        @user_errors
        def handler(statement_id, text, why, suggested, v, s, d, g, request: gr.Request):
            message = review.decide(flag_log, statement_id, decision, text, why, page.who(request), suggested,
                                    request_language(request))
            return message, list_flags(v, s, d, g, request)
        return handler

    def decide_alike(decision):
        @user_errors
        def handler(statement_id, why, v, s, d, g, request: gr.Request):
            message = review.decide_alike(flag_log, statement_id, decision, why, page.who(request),
                                          request_language(request))
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

    with gr.Tab(label("tab_export"), id="export"):
        fmt = gr.Radio(list(exports.FORMATS), value="sft", label=label("format"), info=label("format_info"))
        with gr.Row():
            verdict = gr.Radio(named(review.VERDICTS), value="all", label=label("export_verdict"))
            reviewed_only = gr.Checkbox(True, label=label("reviewed_only"), elem_id="reviewed-only",
                                        info=label("reviewed_only_info"))
            held_out = gr.Slider(0, 0.9, value=0.2, step=0.05, label=label("held_out"))
        with gr.Row():
            since = gr.Textbox(label=label("since"))
            until = gr.Textbox(label=label("until"))
        export_button = gr.Button(label("export"), variant="primary", elem_id="export-button")
        result = gr.Markdown(elem_id="export-result")
        file = gr.File(label=label("download"), interactive=False, elem_id="export-file")

    @user_errors
    def run_export(f, v, r, h, a, b, request: gr.Request):
        page.who(request).check_all("An export")
        path, summary = exports.run(page.services.flag_log, f, v, r, a, b, h, request_language(request))
        return summary, str(path)

    export_button.click(run_export, [fmt, verdict, reviewed_only, held_out, since, until], [result, file],
                        api_name=False)


# -- dashboard -------------------------------------------------------------------------------------

def dashboard_tab(page: Page) -> None:
    import gradio as gr

    with gr.Tab(label("tab_dashboard"), id="dashboard") as tab:
        refresh = gr.Button(label("refresh"), size="sm")
        summary = gr.Markdown(elem_id="dashboard-summary")
        with gr.Row():
            rate_plot = gr.BarPlot(x="day", y="flagged share", title=label("rate_plot"), y_lim=[0, 1],
                                   x_title=label("axis_day"), y_title=label("axis_flagged_share"))
            mix_plot = gr.BarPlot(x="verdict", y="statements", title=label("mix_plot"),
                                  x_title=label("axis_verdict"), y_title=label("axis_statements"))
        doc_plot = gr.BarPlot(x="document", y="flags", title=label("document_plot"),
                              x_title=label("axis_document"), y_title=label("axis_flags"))

    def bars(frame, column):  # a y axis from zero, whatever the counts
        top = float(frame[column].max()) if len(frame) else 1.0
        return gr.BarPlot(value=frame, y_lim=[0, max(1.0, top * 1.15)])

    def board(request: gr.Request):
        d = dashboard.build(page.services.flag_log, request_language(request))
        return d.summary, d.rate_by_day, bars(d.verdict_mix, "statements"), bars(d.flags_by_document, "flags")

    for trigger in (refresh.click, tab.select):
        trigger(board, None, [summary, rate_plot, mix_plot, doc_plot], api_name=False)
