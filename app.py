"""The web page: ``python app.py [--host H] [--port P] [--model NAME] [--home DIR]``.

Wiring only: handlers live in ``assistant/web.py``. Every answer is checked by the
configured verifier and logged in the flag log. Listens on 127.0.0.1:7860 by
default; ``GRADIO_SERVER_NAME`` / ``GRADIO_SERVER_PORT`` and the flags override it.
Gradio's analytics are off.
"""

import argparse
import os
import sys


def build_demo(chat, index=None, checker=None, flag_log=None):
    import gradio as gr

    from assistant.web import respond, session_id

    def answer(message: str, history: list, request: gr.Request):  # a real annotation: Gradio fills it
        yield from respond(chat, index, message, history, checker=checker, flag_log=flag_log,
                           session=session_id(request))

    with gr.Blocks(title="Grounded assistant") as demo:
        gr.Markdown(f"## Grounded assistant\nModel: `{chat.name}` on `{chat.loaded.device}`. Answers come "
                    "from the documents added with `assistant docs add` when there are any.")
        gr.ChatInterface(
            fn=answer,
            chatbot=gr.Chatbot(height=480, label="Chat"),
            textbox=gr.Textbox(placeholder="Ask a question...", label="Question", submit_btn=True),
            api_name="chat",
        )
    return demo


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from assistant.cli import add_common_options, add_decoding_options, config_from_args, progress_printer
    from assistant.errors import AssistantError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=os.environ.get("GRADIO_SERVER_PORT", "7860"))
    add_common_options(parser)
    add_decoding_options(parser)
    args = parser.parse_args(argv)
    try:
        from assistant.checker import make_checker
        from assistant.generate import load_chat_model
        from assistant.log import FlagLog

        from index.documents import DocumentIndex

        config = config_from_args(args)
        chat = load_chat_model(config, progress_printer(args))
        index = DocumentIndex(config.index)
        checker = make_checker(config.checker, index, chat)
        flag_log = FlagLog()
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    demo = build_demo(chat, index, checker, flag_log)
    demo.queue(default_concurrency_limit=4).launch(server_name=args.host, server_port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
