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

from assistant.ui import chat as chat_ui
from assistant.ui import dashboard, documents, exports, review
from assistant.ui.errors import user_errors
from assistant.ui.services import Services
from core.config import VERIFIERS, CheckerConfig, ModelConfig
from core.home import subdir
from core.limits import LIMITS

USER_TEMP_DIR = os.environ.get("GRADIO_TEMP_DIR")  # set by the person running us: theirs to choose
TITLE = "Grounded assistant"
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
    with gr.Blocks(title=TITLE, delete_cache=(3600, 86400)) as demo:
        gr.Markdown(f"## {TITLE}\nModel `{chat.name}` on `{chat.loaded.device}`. Answers come from your "
                    "documents; every statement is checked against them and marked **\u2714 supported**, "
                    "**? unsupported** or **\u2716 contradicted** (hover a statement for its evidence).")
        with gr.Tabs():
            chat_tab(page)
            doc_table, doc_pick = documents_tab(page)
            doc_filter = review_tab(page)
            export_tab(page)
            dashboard_tab(page)

        def current_documents():  # the page is built once; each visit shows today's documents
            choices = documents.choices(index)
            return (documents.table(index), gr.update(choices=choices), gr.update(choices=[ALL_DOCUMENTS] + choices))

        demo.load(current_documents, None, [doc_table, doc_pick, doc_filter], api_name=False)
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
    default_threshold: float | None = None  # the checker's calibrated threshold; None without a checker

    @property
    def answer_inputs(self) -> list:
        """The controls ``settings`` reads, in its order."""
        return [self.passages, self.verifier, self.threshold, self.max_tokens]

    def settings(self, passages, verifier, threshold, max_new_tokens) -> chat_ui.Settings:
        return chat_ui.settings_from_page(passages, verifier, threshold, max_new_tokens, self.default_threshold)


def settings_panel(page: Page) -> SettingsPanel:
    import gradio as gr

    services, checker, index = page.services, page.services.checker, page.services.index
    with gr.Accordion("Settings", open=False):
        k = index.cfg.top_k if index is not None and hasattr(index, "cfg") else 5
        passages = gr.Slider(1, 10, value=k, step=1, label="Passages per answer")
        names = [v for v in VERIFIERS if v != "nli" or services.checker_config.nli_model]
        verifier = gr.Dropdown(names, value=checker.verifier.name if checker else None,
                               label="Verifier", interactive=checker is not None)
        default_t = round(checker.support_threshold, 2) if checker else 0.5
        threshold = gr.Slider(0.05, 0.99, step=0.01, label="Support threshold", value=default_t,
                              info="a statement is supported when its score reaches this; "
                                   "the verifier's calibrated value to start with",
                              interactive=checker is not None)
        max_tokens = gr.Slider(16, 1024, step=16, value=services.chat.generation.max_new_tokens,
                               label="Most tokens per answer")
        with gr.Row():
            model_name = gr.Textbox(services.model_config.name, label="Model", scale=3, elem_id="model-name",
                                    info="a Hugging Face id, a local folder, a .gguf file, or a packaged "
                                         "one (default, qwen2.5-coder-1.5b, smollm2); "
                                         "loading one changes it for every session")
            adapter_name = gr.Textbox(services.model_config.adapter, label="LoRA adapter", scale=2,
                                      info="a name under <data home>/adapters, or a folder")
            load_button = gr.Button("Load model", scale=1, elem_id="load-model")
    return SettingsPanel(passages, verifier, threshold, max_tokens, model_name, adapter_name, load_button,
                         default_t if checker is not None else None)


def chat_tab(page: Page) -> None:
    import gradio as gr

    services = page.services
    with gr.Tab("Chat", id="chat"):
        conversation = gr.State(chat_ui.Conversation())
        chatbot = gr.Chatbot(height=460, label="Chat", elem_id="chatbot", buttons=["copy"])
        with gr.Row():
            question = gr.Textbox(placeholder="Ask a question about your documents...", label="Question",
                                  scale=6, elem_id="question", autofocus=True)
            send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
        with gr.Row():
            retry_button = gr.Button("Retry", size="sm", elem_id="retry")
            clear_button = gr.Button("Clear", size="sm", elem_id="clear")
        chat_status = gr.Markdown(elem_id="chat-status")
        panel = settings_panel(page)

    # The chat's transcript is the server's (conversation); what the browser's chatbot holds is
    # never read back: a client could send any amount of it.
    @user_errors
    def ask(message, conv, p, v, t, m, request: gr.Request):
        for shown_now, conv_now, status in chat_ui.respond(services, message, conv, panel.settings(p, v, t, m),
                                                           chat_ui.session_id(request)):
            yield shown_now, conv_now, status, ""

    @user_errors
    def again(conv, p, v, t, m, request: gr.Request):
        yield from chat_ui.retry(services, conv, panel.settings(p, v, t, m), chat_ui.session_id(request))

    def thumbs(conv, data: gr.LikeData):
        index_ = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        up = data.liked is True or data.liked == "like"
        return chat_ui.feedback(services, conv, int(index_), up)

    chat_inputs = [conversation, *panel.answer_inputs]
    for event in (send.click, question.submit):
        event(ask, [question, *chat_inputs], [chatbot, conversation, chat_status, question],
              api_name="chat" if event == send.click else False)
    retry_button.click(again, chat_inputs, [chatbot, conversation, chat_status], api_name=False)
    clear_button.click(lambda: ([], chat_ui.Conversation(), ""), None, [chatbot, conversation, chat_status],
                       api_name=False)
    chatbot.like(thumbs, [conversation], chat_status, api_name=False)
    wire_model_loading(page, panel, chat_status)


def wire_model_loading(page: Page, panel: SettingsPanel, status) -> None:
    """The settings' Load button: another model for every session, each step shown in ``status``."""
    import gradio as gr

    @user_errors
    def load_model(name, adapter, request: gr.Request, progress=gr.Progress()):
        # the model answers every session: with a login, only a reviewer may change it
        page.who(request).check_all("Loading a model")
        progress(0.0, desc=f"loading {name}...")  # a first load joins, converts and exports: minutes
        return page.services.switch_model(name, adapter, progress=lambda step: progress(None, desc=step))

    panel.load_button.click(load_model, [panel.model_name, panel.adapter_name], status, api_name=False)


# -- documents -------------------------------------------------------------------------------------

def documents_tab(page: Page) -> tuple[Any, Any]:
    """The documents tab; returns its table and picker, which every page load refreshes."""
    import gradio as gr

    index = page.services.index
    with gr.Tab("Documents", id="documents"):
        uploads = gr.File(file_count="multiple", label="Add documents (txt, md, html, pdf, docx)",
                          file_types=[".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"],
                          elem_id="uploads")
        add_button = gr.Button("Add to the index", variant="primary", elem_id="add-documents")
        add_result = gr.Markdown(elem_id="add-result")
        doc_table = gr.Dataframe(documents.table(index), headers=documents.COLUMNS, interactive=False,
                                 label="Indexed documents", elem_id="documents")
        with gr.Row():
            doc_pick = gr.Dropdown(documents.choices(index), label="Document", scale=4)
            delete_button = gr.Button("Delete", variant="stop", scale=1)

    @user_errors
    def add(files, progress=gr.Progress()):
        message = documents.add_uploads(index, files or [], lambda f, m: progress(f, desc=m))
        return message, documents.table(index), gr.update(choices=documents.choices(index)), None

    @user_errors
    def delete(doc_id):
        message = documents.delete(index, doc_id)
        return message, documents.table(index), gr.update(choices=documents.choices(index), value=None)

    add_button.click(add, uploads, [add_result, doc_table, doc_pick, uploads], api_name="add_documents")
    delete_button.click(delete, doc_pick, [add_result, doc_table, doc_pick], api_name=False)
    return doc_table, doc_pick


# -- review ----------------------------------------------------------------------------------------

def review_tab(page: Page) -> Any:
    """The review tab; returns its document filter, which every page load refreshes."""
    import gradio as gr

    flag_log = page.services.flag_log
    with gr.Tab("Review", id="review") as tab:
        with gr.Row():
            verdict_filter = gr.Radio(list(review.VERDICTS), value="all", label="Verdict")
            state_filter = gr.Radio(list(review.STATES), value="unreviewed", label="Review")
            doc_filter = gr.Dropdown([ALL_DOCUMENTS] + documents.choices(page.services.index), value="",
                                     label="Document")
            refresh = gr.Button("Refresh", size="sm")
        flag_table = gr.Dataframe(headers=review.COLUMNS, interactive=False, label="Flagged statements",
                                  elem_id="flags")
        with gr.Row():
            picked = gr.Number(None, label="Statement id", precision=0, elem_id="statement-id")
            open_button = gr.Button("Open", size="sm")
        flag_question = gr.Markdown()
        flag_answer = gr.HTML(elem_id="flag-answer")
        flag_evidence = gr.HTML(elem_id="flag-evidence")
        flag_status = gr.Markdown(elem_id="flag-status")
        suggestion = gr.State("")
        correction = gr.Textbox(lines=4, label="Corrected answer (prefilled with the suggested correction; "
                                "stored when you confirm)", elem_id="correction")
        note = gr.Textbox(label="Note (optional)")
        with gr.Row():
            confirm_button = gr.Button("Confirm: a hallucination", variant="stop", elem_id="confirm")
            reject_button = gr.Button("Reject: a false alarm", elem_id="reject")
            regenerate_button = gr.Button("Regenerate the suggestion", elem_id="regenerate")

    @user_errors
    def list_flags(v, s, d, request: gr.Request):
        return review.rows(flag_log, v, s, d or None, page.who(request))

    @user_errors
    def show(statement_id, request: gr.Request):
        if statement_id is None:
            return "", "", "", "Pick a flag from the table.", "", ""
        view = review.view(flag_log, statement_id, page.who(request))
        return (view.question_html, view.answer_html, view.evidence_html, view.status, view.suggestion,
                view.suggestion)

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return row[0] if row else None

    def decide(decision):
        @user_errors
        def handler(statement_id, text, why, suggested, v, s, d, request: gr.Request):
            message = review.decide(flag_log, statement_id, decision, text, why, page.who(request), suggested)
            return message, list_flags(v, s, d, request)
        return handler

    @user_errors
    def regenerate(statement_id, request: gr.Request):
        return review.regenerate(page.services, statement_id, page.who(request))

    filters = [verdict_filter, state_filter, doc_filter]
    shown_flag = [flag_question, flag_answer, flag_evidence, flag_status, correction, suggestion]
    for trigger in (refresh.click, verdict_filter.change, state_filter.change, doc_filter.change, tab.select):
        trigger(list_flags, filters, flag_table, api_name=False)
    flag_table.select(pick, None, picked, api_name=False).then(show, picked, shown_flag, api_name=False)
    open_button.click(show, picked, shown_flag, api_name=False)
    decided = [picked, correction, note, suggestion, *filters]
    confirm_button.click(decide("confirmed"), decided, [flag_status, flag_table], api_name=False)
    reject_button.click(decide("rejected"), decided, [flag_status, flag_table], api_name=False)
    regenerate_button.click(regenerate, picked, correction, api_name=False)
    return doc_filter


# -- export ----------------------------------------------------------------------------------------

def export_tab(page: Page) -> None:
    import gradio as gr

    with gr.Tab("Export", id="export"):
        fmt = gr.Radio(list(exports.FORMATS), value="sft", label="Format",
                       info="; ".join(f"{k}: {v}" for k, v in exports.HELP.items()))
        with gr.Row():
            verdict = gr.Radio(list(review.VERDICTS), value="all", label="Flags of this verdict only")
            reviewed_only = gr.Checkbox(True, label="Reviewed answers only")
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
