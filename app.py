"""The web page: ``python app.py [--host H] [--port P] [--auth USER:PASSWORD | --auth-file FILE] [options]``.

The command line only: it opens the index, checker and flag log, starts loading the model in
the background (the page is up before it has loaded, and says how far it has got), builds the page
(``assistant/ui/page.py``, whose handlers live in ``assistant/ui/``) and serves it. Listens on 127.0.0.1:7860 by default;
``GRADIO_SERVER_NAME`` / ``GRADIO_SERVER_PORT`` and the flags override it. Gradio's analytics
are off. With ``--auth`` (or ``--auth-file``, one ``user:password`` a line) nothing (page, API,
files) is served before login (``assistant/ui/guard.py``).
"""

import argparse
import os
import sys

from assistant.chat.backends import load_chat_model
from assistant.checking.checker import make_checker
from assistant.cli.options import add_common_options, add_decoding_options, config_from_args, progress_printer
from assistant.flags.log import open_log
from assistant.serve import loopback
from assistant.ui.guard import LoginRequired
from assistant.ui.i18n import text, translations
from assistant.ui.loading import LoadingModel
from assistant.ui.page import CSS, build_demo
from assistant.ui.sessions import share_sign_ins
from core.device import cap_malloc_arenas
from core.errors import AssistantError, ConfigError, InputError
from index.documents import open_index


def serve(demo, host: str = "127.0.0.1", port: int | None = None, auth=None, **launch):
    """Queue and launch ``demo`` with the page's styles, its words in the browser's language (English
    or Chinese: ``assistant/ui/i18n.py``), and login when ``auth`` is given."""
    from starlette.middleware import Middleware

    cap_malloc_arenas()  # again for a caller that builds its page itself (no harm when main has)
    launch.setdefault("i18n", translations())
    return demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, auth=auth, css=CSS,
        auth_message=" / ".join(text("sign_in", lang) for lang in ("en", "zh")) if auth else None,  # before
        # signing in, the page cannot yet tell the browser's language
        # no "Runs" link: Gradio's run history keeps questions in the browser and has no Chinese words;
        # the page's own chat list is the history
        footer_links=["api", "gradio", "settings"],
        app_kwargs={"middleware": [Middleware(LoginRequired)]}, **launch)


def read_auth(pairs: list[str], file: str | None) -> list[tuple[str, str]] | None:
    """``user:password`` pairs from the flags and the file (one a line, ``#`` comments)."""
    from pathlib import Path

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
    cap_malloc_arenas()  # first, before loads start threads: the server's memory levels off (core.device)

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

        auth = read_auth(args.auth, args.auth_file)

        if not auth and not loopback(args.host) and not args.no_login:
            raise ConfigError(f"--host {args.host} opens the page to the network, and without a login anyone who "
                              "reaches it can read, add and delete documents and read the flag log: give it a "
                              "login (--auth-file FILE), or say --no-login to serve it open")
        config = config_from_args(args)
        index = open_index(config)
        # the judge of the llm verifier is the dialogue model: that checker is made once it has loaded
        checker = make_checker(config.checker, index) if config.checker.verifier != "llm" else None
        flag_log = open_log(config.storage)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code

    # The page is up at once; the model loads behind it (a first start converts it: minutes) and
    # the page says how far it has got.
    chat = LoadingModel(config.model.name, config.generation, lambda progress: load_chat_model(config, progress),
                        progress_printer(args), start=False)
    demo = build_demo(chat, index, checker, flag_log, config.checker, config.model, args.reviewer, config.limits())
    serve(demo, args.host, args.port, auth, prevent_thread_lock=True)
    if auth:  # every replica sharing the log's database knows each sign-in (assistant/ui/sessions.py)
        share_sign_ins(demo.server_app, flag_log)
    chat.start()  # after the page is up: a first start's conversion takes the CPUs for minutes
    demo.block_thread()
    return 0


if __name__ == "__main__":
    sys.exit(main())
