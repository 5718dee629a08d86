"""Command line: ``assistant chat``, ``ask``, ``docs``, ``info``.

Usage:
    assistant chat                       # interactive, streaming; /reset, /quit
    assistant ask "What is RAG?" [--json] [--no-docs]
    assistant docs add PATH... | list | remove ID... | search QUERY
    assistant info [--json]
    assistant db migrate | copy --from STORE --to STORE

Settings come from defaults, ``config.toml`` in the data home, ``ASSISTANT_*``
environment variables, and the flags below (``--set section.key=value`` for any).
Errors print one line on stderr and exit with the code documented in
``core/errors.py`` (2 usage/config, 3 model, 4 input, 130 interrupted).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from assistant.chat.backends import load_chat_model
from assistant.checking.checker import make_checker
from assistant.cli import ask, check, db, docs, flags
from assistant.cli.options import (
    add_common_options,
    add_decoding_options,
    config_from_args,
    open_index,
    progress_printer,
)
from assistant.info import collect_info, format_info
from assistant.serve import build_app, loopback
from core.errors import EXIT_BUG, EXIT_INTERRUPTED, EXIT_OK, AssistantError, ConfigError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="A chat assistant whose answers are checked "
                                     "against your documents.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for command in (ask, docs, check, flags, db):  # each command module adds its own parsers
        command.add_parsers(sub)
    for name, (_, help_text) in PASS_THROUGH.items():  # listed in --help; main() hands them over
        sub.add_parser(name, help=help_text, add_help=False)

    p = sub.add_parser("serve", help="the model (and checker) as an OpenAI-compatible HTTP server")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--no-checker", action="store_true", help="serve only the model, no /v1/check")
    p.add_argument("--max-waiting", type=int, default=64, help="requests that may wait their turn (then 503)")
    p.add_argument("--max-wait", type=float, default=600.0,
                   help="seconds a request may wait for its turn (then 503)")
    p.add_argument("--batch", type=int, default=1, metavar="N",
                   help="decode up to N concurrent requests together (default 1: one at a time)")
    p.add_argument("--api-key-env", metavar="NAME",
                   help="require the API key held in this environment variable (Authorization: Bearer KEY)")
    p.add_argument("--no-api-key", action="store_true",
                   help="serve a non-loopback --host without a key: anyone who reaches it can use the model and "
                        "read indexed passages through /v1/check")
    add_common_options(p)
    add_decoding_options(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("info", help="show configuration, device, model and versions")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_common_options(p)
    p.set_defaults(func=cmd_info)
    return parser


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    config = config_from_args(args)
    api_key = os.environ.get(args.api_key_env, "") if args.api_key_env else None
    if args.api_key_env and not api_key:
        raise ConfigError(f"--api-key-env {args.api_key_env}: that environment variable is not set or empty")

    if not api_key and not loopback(args.host) and not args.no_api_key:
        raise ConfigError(f"--host {args.host} opens the server to the network, and without a key anyone who "
                          "reaches it can use the model and read your documents' passages through /v1/check: "
                          "give it a key (--api-key-env NAME), or say --no-api-key to serve it open")
    backend = config.model.resolved().backend
    if args.batch > 1 and backend != "transformers":
        raise ConfigError(f"--batch {args.batch} batches the transformers backend's decoding; model.backend = "
                          f"{backend} answers one request at a time (leave --batch at 1, or set "
                          "--set model.backend=transformers)")
    progress = progress_printer(args)
    chat = load_chat_model(config, progress)
    checker = None if args.no_checker else make_checker(config.checker, open_index(config), chat)
    progress(f"serving {chat.name} on http://{args.host}:{args.port}/v1"
             + ("" if checker is None else f" (checker: {checker.verifier.name})"))
    app = build_app(chat, checker, args.max_waiting, args.batch, api_key, args.max_wait, config.limits())
    from core.device import cap_malloc_arenas

    cap_malloc_arenas()  # requests' checks run in threads of their own: the server's memory levels off
    uvicorn.run(app, host=args.host, port=args.port,
                log_level="warning" if args.quiet else "info")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    info = collect_info(config_from_args(args))
    print(json.dumps(info, indent=2) if args.json else format_info(info))
    return EXIT_OK


PASS_THROUGH = {  # commands that are the finetune modules' own command lines
    "finetune": ("finetune.train", "train a LoRA adapter on an export (see `assistant finetune --help`)"),
    "evaluate": ("finetune.evaluate", "hallucination rate of base (+ adapter) on held-out questions"),
    "demo": ("finetune.demo", "the whole loop on a generated collection, end to end"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in PASS_THROUGH:
        import importlib

        return importlib.import_module(PASS_THROUGH[argv[0]][0]).main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="[%(name)s] %(message)s", stream=sys.stderr)
    if not args.verbose:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        return args.func(args)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:  # the edge: a bug, reported in one line unless --debug
        if args.debug:
            raise
        print(f"internal error: {type(err).__name__}: {err} (run again with --debug for the traceback)",
              file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
