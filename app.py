"""The web page: ``python app.py [--host H] [--port P] [--auth USER:PASSWORD | --auth-file FILE] [options]``.

Wiring only: the handlers live in ``assistant/ui/`` (one module per tab: chat,
documents, review, exports, dashboard). Every answer is checked by the configured
verifier and logged in the flag log. Listens on 127.0.0.1:7860 by default;
``GRADIO_SERVER_NAME`` / ``GRADIO_SERVER_PORT`` and the flags override it.
Gradio's analytics are off. With ``--auth`` (or ``--auth-file``, one
``user:password`` a line) nothing (page, API, files) is served before login
(``assistant/ui/guard.py``). Gradio's copies of uploaded files are kept in
``<data home>/tmp`` (unless ``GRADIO_TEMP_DIR`` says otherwise) and removed after a day.
"""

import argparse
import os
import sys

USER_TEMP_DIR = os.environ.get("GRADIO_TEMP_DIR")  # set by the person running us: theirs to choose


def build_demo(chat, index=None, checker=None, flag_log=None, checker_config=None, model_config=None,
               reviewers=(), limits=None):
    """The page. With a login, a signed-in user reviews the flags of their own answers; the users
    in ``reviewers`` see, review and export everyone's (see ``assistant.ui.review``)."""
    import gradio as gr

    from assistant.ui import chat as chat_ui
    from assistant.ui import dashboard, documents, exports, review
    from assistant.ui.services import Services
    from core.config import VERIFIERS, CheckerConfig, ModelConfig
    from core.errors import AssistantError
    from core.limits import LIMITS

    services = Services(chat, index, flag_log, checker_config or CheckerConfig(), checker,
                        model_config=model_config or ModelConfig(), limits=limits or LIMITS)
    if not USER_TEMP_DIR:  # Gradio's own copies of uploads stay inside the data home too
        from core.home import subdir

        os.environ["GRADIO_TEMP_DIR"] = str(subdir("tmp"))

    from assistant.ui.errors import page_error

    shown_error = page_error  # escaped: Gradio shows error messages as HTML

    def who(request):  # the signed-in user of a page request, and whether they review everyone's flags
        return review.viewer(request, reviewers)

    # delete_cache: every hour, Gradio removes the upload copies it made over a day ago
    with gr.Blocks(title="Grounded assistant", delete_cache=(3600, 86400)) as demo:
        gr.Markdown(f"## Grounded assistant\nModel `{chat.name}` on `{chat.loaded.device}`. Answers come from your "
                    "documents; every statement is checked against them and marked **\u2714 supported**, "
                    "**? unsupported** or **\u2716 contradicted** (hover a statement for its evidence).")
        with gr.Tabs():
            # -- chat ------------------------------------------------------------------------------------
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
                    max_tokens = gr.Slider(16, 1024, step=16, value=chat.generation.max_new_tokens,
                                           label="Most tokens per answer")
                    with gr.Row():
                        model_name = gr.Textbox(services.model_config.name, label="Model", scale=3, elem_id="model-name",
                                                info="a Hugging Face id, a local folder, a .gguf file, or a packaged "
                                                     "one (default, qwen2.5-coder-1.5b, smollm2); "
                                                     "loading one changes it for every session")
                        adapter_name = gr.Textbox(services.model_config.adapter, label="LoRA adapter", scale=2,
                                                  info="a name under <data home>/adapters, or a folder")
                        load_button = gr.Button("Load model", scale=1, elem_id="load-model")

            def load_model(name, adapter, request: gr.Request, progress=gr.Progress()):
                try:  # each step shows on the page (a first load joins, converts and exports: minutes)
                    # the model answers every session: with a login, only a reviewer may change it
                    who(request).check_all("Loading a model")
                    progress(0.0, desc=f"loading {name}...")
                    return services.switch_model(name, adapter, progress=lambda step: progress(None, desc=step))
                except AssistantError as err:
                    raise shown_error(err) from err

            def settings(p, v, t, m):
                try:
                    return chat_ui.settings_from_page(p, v, t, m, default_t if checker is not None else None)
                except AssistantError as err:
                    raise shown_error(err) from err

            # The chat's transcript is the server's (conversation); what the browser's chatbot holds is
            # never read back: a client could send any amount of it.
            def ask(message, conv, p, v, t, m, request: gr.Request):
                for shown_now, conv_now, status in chat_ui.respond(services, message, conv, settings(p, v, t, m),
                                                                   chat_ui.session_id(request)):
                    yield shown_now, conv_now, status, ""

            def again(conv, p, v, t, m, request: gr.Request):
                yield from chat_ui.retry(services, conv, settings(p, v, t, m), chat_ui.session_id(request))

            def thumbs(conv, data: gr.LikeData):
                index_ = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
                up = data.liked is True or data.liked == "like"
                return chat_ui.feedback(services, conv, int(index_), up)

            chat_inputs = [conversation, passages, verifier, threshold, max_tokens]
            for event in (send.click, question.submit):
                event(ask, [question, *chat_inputs], [chatbot, conversation, chat_status, question],
                      api_name="chat" if event == send.click else False)
            retry_button.click(again, chat_inputs, [chatbot, conversation, chat_status], api_name=False)
            clear_button.click(lambda: ([], chat_ui.Conversation(), ""), None, [chatbot, conversation, chat_status],
                               api_name=False)
            chatbot.like(thumbs, [conversation], chat_status, api_name=False)
            load_button.click(load_model, [model_name, adapter_name], chat_status, api_name=False)

            # -- documents -------------------------------------------------------------------------------
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

            def add(files, progress=gr.Progress()):
                try:
                    message = documents.add_uploads(index, files or [], lambda f, m: progress(f, desc=m))
                except AssistantError as err:
                    raise shown_error(err) from err
                return message, documents.table(index), gr.update(choices=documents.choices(index)), None

            def delete(doc_id):
                try:
                    message = documents.delete(index, doc_id)
                except AssistantError as err:
                    raise shown_error(err) from err
                return message, documents.table(index), gr.update(choices=documents.choices(index), value=None)

            add_button.click(add, uploads, [add_result, doc_table, doc_pick, uploads], api_name="add_documents")
            delete_button.click(delete, doc_pick, [add_result, doc_table, doc_pick], api_name=False)

            # -- review ----------------------------------------------------------------------------------
            with gr.Tab("Review", id="review") as review_tab:
                with gr.Row():
                    verdict_filter = gr.Radio(list(review.VERDICTS), value="all", label="Verdict")
                    state_filter = gr.Radio(list(review.STATES), value="unreviewed", label="Review")
                    doc_filter = gr.Dropdown([("all documents", "")] + documents.choices(index), value="",
                                             label="Document")
                    refresh_flags = gr.Button("Refresh", size="sm")
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

            def list_flags(v, s, d, request: gr.Request):
                try:
                    return review.rows(flag_log, v, s, d or None, who(request))
                except AssistantError as err:
                    raise shown_error(err) from err

            def show(statement_id, request: gr.Request):
                if statement_id is None:
                    return "", "", "", "Pick a flag from the table.", "", ""
                try:
                    view = review.view(flag_log, statement_id, who(request))
                except AssistantError as err:
                    raise shown_error(err) from err
                return (view.question_html, view.answer_html, view.evidence_html, view.status, view.suggestion,
                        view.suggestion)

            def pick(evt: gr.SelectData):
                row = evt.row_value or []
                return row[0] if row else None

            def decide(decision):
                def handler(statement_id, text, why, suggested, v, s, d, request: gr.Request):
                    try:
                        message = review.decide(flag_log, statement_id, decision, text, why,
                                                who(request), suggested)
                    except AssistantError as err:
                        raise shown_error(err) from err
                    return message, list_flags(v, s, d, request)
                return handler

            def regenerate(statement_id, request: gr.Request):
                try:
                    return review.regenerate(services, statement_id, who(request))
                except AssistantError as err:
                    raise shown_error(err) from err

            filters = [verdict_filter, state_filter, doc_filter]
            shown_flag = [flag_question, flag_answer, flag_evidence, flag_status, correction, suggestion]
            for trigger in (refresh_flags.click, verdict_filter.change, state_filter.change, doc_filter.change,
                            review_tab.select):
                trigger(list_flags, filters, flag_table, api_name=False)
            flag_table.select(pick, None, picked, api_name=False).then(show, picked, shown_flag, api_name=False)
            open_button.click(show, picked, shown_flag, api_name=False)
            decided = [picked, correction, note, suggestion, *filters]
            confirm_button.click(decide("confirmed"), decided, [flag_status, flag_table], api_name=False)
            reject_button.click(decide("rejected"), decided, [flag_status, flag_table], api_name=False)
            regenerate_button.click(regenerate, picked, correction, api_name=False)

            # -- export ----------------------------------------------------------------------------------
            with gr.Tab("Export", id="export"):
                fmt = gr.Radio(list(exports.FORMATS), value="sft", label="Format",
                               info="; ".join(f"{k}: {v}" for k, v in exports.HELP.items()))
                with gr.Row():
                    export_verdict = gr.Radio(["all", "unsupported", "contradicted"], value="all",
                                              label="Flags of this verdict only")
                    reviewed_only = gr.Checkbox(True, label="Reviewed answers only")
                    held_out = gr.Slider(0, 0.9, value=0.2, step=0.05, label="Held-out share (by question)")
                with gr.Row():
                    since = gr.Textbox(label="From (YYYY-MM-DD, optional)")
                    until = gr.Textbox(label="Until (YYYY-MM-DD, optional)")
                export_button = gr.Button("Export", variant="primary", elem_id="export-button")
                export_result = gr.Markdown(elem_id="export-result")
                export_file = gr.File(label="Download", interactive=False, elem_id="export-file")

            def run_export(f, v, r, h, a, b, request: gr.Request):
                try:
                    who(request).check_all("An export")
                    path, summary = exports.run(flag_log, f, v, r, a, b, h)
                except AssistantError as err:
                    raise shown_error(err) from err
                return summary, str(path)

            export_button.click(run_export, [fmt, export_verdict, reviewed_only, held_out, since, until],
                                [export_result, export_file], api_name=False)

            # -- dashboard -------------------------------------------------------------------------------
            with gr.Tab("Dashboard", id="dashboard") as dashboard_tab:
                refresh_dashboard = gr.Button("Refresh", size="sm")
                summary = gr.Markdown(elem_id="dashboard-summary")
                with gr.Row():
                    rate_plot = gr.BarPlot(x="day", y="flagged share", title="Share of statements flagged, by day",
                                           y_lim=[0, 1])
                    mix_plot = gr.BarPlot(x="verdict", y="statements", title="Verdict mix")
                doc_plot = gr.BarPlot(x="document", y="flags", title="Flags by document (best evidence)")

            def board():
                d = dashboard.build(flag_log)

                def bars(frame, column):  # a y axis from zero, whatever the counts
                    top = float(frame[column].max()) if len(frame) else 1.0
                    return gr.BarPlot(value=frame, y_lim=[0, max(1.0, top * 1.15)])

                return d.summary, d.rate_by_day, bars(d.verdict_mix, "statements"), bars(d.flags_by_document, "flags")

            for trigger in (refresh_dashboard.click, dashboard_tab.select):
                trigger(board, None, [summary, rate_plot, mix_plot, doc_plot], api_name=False)

            def current_documents():  # the page is built once; each visit shows today's documents
                choices = documents.choices(index)
                return (documents.table(index), gr.update(choices=choices),
                        gr.update(choices=[("all documents", "")] + choices))

            demo.load(current_documents, None, [doc_table, doc_pick, doc_filter], api_name=False)
    return demo


def serve(demo, host: str = "127.0.0.1", port: int | None = None, auth=None, **launch):
    """Queue and launch ``demo`` with the page's styles (and login, when ``auth`` is given)."""
    from starlette.middleware import Middleware

    from assistant.ui.guard import LoginRequired
    from assistant.ui.highlight import CSS

    return demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, auth=auth, css=CSS,
        auth_message="Sign in to use the grounded assistant." if auth else None,
        app_kwargs={"middleware": [Middleware(LoginRequired)]}, **launch)


def read_auth(pairs: list[str], file: str | None) -> list[tuple[str, str]] | None:
    """``user:password`` pairs from the flags and the file (one a line, ``#`` comments)."""
    from pathlib import Path

    from core.errors import InputError

    lines = list(pairs or [])
    if file:
        try:
            lines += [ln.strip() for ln in Path(file).read_text(encoding="utf-8").splitlines()
                      if ln.strip() and not ln.strip().startswith("#")]
        except OSError as err:
            raise InputError(f"cannot read the users file {file}: {err.strerror or err}") from None
    users = []
    for line in lines:
        user, sep, password = line.partition(":")
        if not sep or not user or not password:
            raise InputError(f"a login is USER:PASSWORD, got {line.split(':')[0]!r}... without both parts")
        users.append((user, password))
    return users or None


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from assistant.cli.options import add_common_options, add_decoding_options, config_from_args, progress_printer
    from core.errors import AssistantError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=os.environ.get("GRADIO_SERVER_PORT", "7860"))
    parser.add_argument("--auth", action="append", default=[], metavar="USER:PASSWORD",
                        help="require this login (repeat for more users)")
    parser.add_argument("--auth-file", help="a file of USER:PASSWORD lines")
    parser.add_argument("--reviewer", action="append", default=[], metavar="USER",
                        help="with a login: this user sees, reviews and exports every user's flags (repeat for "
                             "more); others see their own")
    parser.add_argument("--no-login", action="store_true",
                        help="serve a non-loopback --host without a login: anyone who reaches the page can read "
                             "and change its documents")
    add_common_options(parser)
    add_decoding_options(parser)
    args = parser.parse_args(argv)
    try:
        from assistant.chat.backends import load_chat_model
        from assistant.checking.checker import make_checker
        from assistant.flags.log import FlagLog
        from index.documents import DocumentIndex

        auth = read_auth(args.auth, args.auth_file)
        from assistant.serve import loopback
        from core.errors import ConfigError

        if not auth and not loopback(args.host) and not args.no_login:
            raise ConfigError(f"--host {args.host} opens the page to the network, and without a login anyone who "
                              "reaches it can read, add and delete documents and read the flag log: give it a "
                              "login (--auth-file FILE), or say --no-login to serve it open")
        config = config_from_args(args)
        chat = load_chat_model(config, progress_printer(args))
        index = DocumentIndex(config.index)
        checker = make_checker(config.checker, index, chat)
        flag_log = FlagLog()
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    demo = build_demo(chat, index, checker, flag_log, config.checker, config.model, args.reviewer, config.limits())
    serve(demo, args.host, args.port, auth)
    return 0


if __name__ == "__main__":
    sys.exit(main())
