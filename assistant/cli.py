"""Command line: ``assistant chat``, ``assistant ask "question"``, ``assistant info``.

Usage:
    assistant chat                       # interactive, streaming; /reset, /quit
    assistant ask "What is RAG?" [--json]
    assistant info [--json]

Settings come from defaults, ``config.toml`` in the data home, ``ASSISTANT_*``
environment variables, and the flags below (``--set section.key=value`` for any).
Errors print one line on stderr and exit with the code documented in
``assistant/errors.py`` (2 usage/config, 3 model, 4 input, 130 interrupted).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from typing import Any, Callable

from .errors import EXIT_INTERRUPTED, AssistantError

# flag dest -> config key
FLAG_KEYS = {
    "model": "model.name",
    "device": "model.device",
    "dtype": "model.dtype",
    "threads": "model.threads",
    "max_new_tokens": "generation.max_new_tokens",
    "temperature": "generation.temperature",
    "top_p": "generation.top_p",
    "top_k": "generation.top_k",
    "repetition_penalty": "generation.repetition_penalty",
    "seed": "generation.seed",
    "do_sample": "generation.do_sample",
}


def add_common_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("common options")
    g.add_argument("--home", metavar="DIR", help="data directory (default: $ASSISTANT_HOME or a per-user data dir)")
    g.add_argument("--config", metavar="FILE", help="settings file (default: config.toml in the data home)")
    g.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="any setting, e.g. --set generation.top_k=20 (repeatable)")
    g.add_argument("--model", help="model: smollm2 (packaged), a Hugging Face id, a directory or a .gguf file")
    g.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    g.add_argument("--dtype", help="auto, float32, bfloat16 or float16")
    g.add_argument("--threads", help="CPU threads for torch (0 = default)")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    g.add_argument("-v", "--verbose", action="store_true", help="log details (device choice, timings)")
    g.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")


def add_decoding_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("decoding")
    g.add_argument("--max-new-tokens", help="most tokens in an answer")
    mode = g.add_mutually_exclusive_group()
    mode.add_argument("--sample", dest="do_sample", action="store_const", const="true", help="sample")
    mode.add_argument("--greedy", dest="do_sample", action="store_const", const="false",
                      help="greedy decoding (deterministic; the default)")
    g.add_argument("--temperature", help="sampling temperature")
    g.add_argument("--top-p", help="nucleus sampling mass")
    g.add_argument("--top-k", help="sample among the k likeliest tokens (0 = all)")
    g.add_argument("--repetition-penalty", help="> 1 discourages repetition")
    g.add_argument("--seed", help="random seed for sampling")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="A chat assistant whose answers are checked "
                                     "against your documents.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("chat", help="chat in the terminal (streaming)")
    add_common_options(p)
    add_decoding_options(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question", help="the question")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of streaming text")
    add_common_options(p)
    add_decoding_options(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("info", help="show configuration, device, model and versions")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_common_options(p)
    p.set_defaults(func=cmd_info)
    return parser


def config_from_args(args: argparse.Namespace):
    from .config import load_config, parse_assignment

    if args.home:
        os.environ["ASSISTANT_HOME"] = args.home
    overrides: dict[str, Any] = dict(parse_assignment(s) for s in args.settings)
    for dest, key in FLAG_KEYS.items():
        value = getattr(args, dest, None)
        if value is not None:
            overrides[key] = value
    file: Any = True
    if args.config:
        from pathlib import Path

        from .errors import ConfigError

        file = Path(args.config).expanduser()
        if not file.is_file():
            raise ConfigError(f"config file not found: {args.config}")
    return load_config(overrides, file=file)


def progress_printer(args: argparse.Namespace) -> Callable[[str], None]:
    if args.quiet:
        return lambda message: None
    return lambda message: print(f"[assistant] {message}", file=sys.stderr, flush=True)


def cmd_ask(args: argparse.Namespace) -> int:
    from .generate import load_chat_model
    from .prompt import build_messages

    config = config_from_args(args)
    chat = load_chat_model(config, progress_printer(args))
    messages = build_messages(args.question)
    if args.json:
        done = chat.complete(messages)
        print(json.dumps({
            "question": args.question,
            "answer": done.text.strip(),
            "model": chat.name,
            "device": str(chat.loaded.device),
            "dtype": str(chat.loaded.dtype).removeprefix("torch."),
            "generation": config.as_dict()["generation"],
            **{k: v for k, v in done.as_dict().items() if k != "text"},
        }, ensure_ascii=False))
    else:
        done = chat.complete(messages, on_text=lambda t: print(t, end="", flush=True))
        print()
        if done.finish_reason == "length":
            progress_printer(args)(f"answer cut at max_new_tokens={config.generation.max_new_tokens}")
    return 0


CHAT_HELP = "commands: /reset forgets the conversation, /quit (or Ctrl-D) leaves; Ctrl-C stops an answer"


def cmd_chat(args: argparse.Namespace) -> int:
    from .generate import load_chat_model
    from .prompt import build_messages

    config = config_from_args(args)
    progress = progress_printer(args)
    chat = load_chat_model(config, progress)
    progress(CHAT_HELP)
    history: list[dict[str, str]] = []
    while True:
        try:
            question = input("you> ").strip()
        except EOFError:
            print()
            return 0
        except KeyboardInterrupt:
            print()
            return 0
        if not question:
            continue
        if question in ("/quit", "/exit"):
            return 0
        if question == "/reset":
            history.clear()
            progress("conversation cleared")
            continue
        if question.startswith("/"):
            progress(f"unknown command {question.split()[0]}; {CHAT_HELP}")
            continue
        stop = threading.Event()
        print("assistant> ", end="", flush=True)
        try:
            done = chat.complete(build_messages(question, history=history),
                                 on_text=lambda t: print(t, end="", flush=True), stop=stop)
        except KeyboardInterrupt:
            print("\n[stopped]")
            continue
        except AssistantError as err:  # e.g. a question too long for the context: say so, keep chatting
            print()
            progress(f"error: {err}")
            continue
        print()
        if done.dropped_turns:
            progress(f"left out the {done.dropped_turns} oldest messages to fit the model's context")
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": done.text.strip()}]


def cmd_info(args: argparse.Namespace) -> int:
    from .info import collect_info, format_info

    info = collect_info(config_from_args(args))
    print(json.dumps(info, indent=2) if args.json else format_info(info))
    return 0


def main(argv: list[str] | None = None) -> int:
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
        return 1


if __name__ == "__main__":
    sys.exit(main())
