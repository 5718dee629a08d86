"""``assistant ask`` (one checked answer) and ``assistant chat`` (a conversation)."""

from __future__ import annotations

import argparse
import json
import os
import threading

from assistant.chat.backends import load_chat_model
from assistant.chat.prompt import build_messages
from assistant.checking.checker import make_checker, make_reader
from assistant.cli.check import verdict_notes
from assistant.cli.options import (
    add_common_options,
    add_decoding_options,
    config_from_args,
    open_index,
    progress_printer,
)
from assistant.flags.log import open_log
from assistant.turn import Turn
from assistant.ui.i18n import withheld_reply
from core.errors import EXIT_OK, AssistantError, InputError


def refusal_words(margin: float) -> str:
    """What a refusal's margin (its first token's logit less the best other token's) says, in words."""
    if margin >= 0:
        return f"the refusal was its first choice, {margin:.1f} logits ahead"
    return f"its refusal was {-margin:.1f} logits behind its first choice"


def cmd_ask(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    progress = progress_printer(args)
    index = None if args.no_docs else open_index(config)
    scope = None
    if args.doc and index is not None:  # a document by id, id prefix or source path; each must be found
        scope = []
        for key in args.doc:
            doc = index.store.resolve(key)
            if doc is None:
                raise InputError(f"--doc {key!r}: no document has that id, id prefix or source (assistant docs list)")
            scope.append(doc.id)
    if index is not None and not index.documents():
        progress("no documents in the index (add some with `assistant docs add PATH`); answering without evidence")
        index = None
    chat = load_chat_model(config, progress)  # after the arguments are known to be good: it takes seconds
    reader = make_reader(config.checker) if index is not None else None  # the checker's, shared with it
    turn = Turn(chat, index, args.question, k=args.k, scope=scope, reader=reader)
    for piece in turn:
        if not args.json:
            print(piece, end="", flush=True)
    checker = make_checker(config.checker, index, chat)  # loaded once the answer is on the screen
    done = turn.finish(checker, open_log(config.storage), f"cli-{os.getpid()}", logged_generation=config.as_dict()["generation"])
    report, turn_id = done.report, done.turn_id
    if args.json:
        print(json.dumps({**done.as_dict(), "withheld": done.withheld, "reply": done.reply,
                          "check": report.as_dict(), "turn_id": turn_id, "model": chat.name,
                          "device": str(chat.loaded.device), "dtype": str(chat.loaded.dtype).removeprefix("torch."),
                          "generation": config.as_dict()["generation"]}, ensure_ascii=False))
        return EXIT_OK
    print()
    print(f"\nChecked by {report.verifier}: " + ", ".join(f"{n} {label.replace('_', ' ')}"
                                                         for label, n in report.counts.items() if n))
    for v in report.verdicts:
        score = "" if v.score is None else f" ({v.score:.2f})"
        print(f"  [{v.label}]{score} {v.statement.text}")
        for note in verdict_notes(v):
            print(f"      {note}")
    if done.withheld:
        found = {"answer": "no support for what it says to the question",
                 "any_flag": "a statement of this answer flagged"}.get(
            report.withheld_because(), "no statement of this answer supported by the passages")
        print(f"\nWithheld: the checker found {found} (checker.withhold = {config.checker.withhold}). "
              f"Shown instead: {withheld_reply(done.question)}")
    print(f"Logged as turn {turn_id[:12]} (review with `assistant flags show {turn_id[:12]}`).")
    if done.hits:
        print("\nSources:" if done.cited else "\nSources (retrieved; the answer cites none):")
        for number, hit in enumerate(done.hits, start=1):
            if done.cited and number not in done.cited:
                continue
            print(f"  [{number}] {hit.citation()}")
    if done.completion and done.completion.finish_reason == "length":
        progress(f"answer cut at max_new_tokens={config.generation.max_new_tokens}")
    elif done.completion and done.completion.finish_reason == "repetition":
        progress("the answer began to repeat itself and was stopped there")
    elif done.completion and done.completion.finish_reason == "abstained":
        progress("the model was not sure enough that the passages answer this, so it did not guess ("
                 + refusal_words(done.completion.refusal_margin)
                 + f"; generation.abstain_bias={config.generation.abstain_bias:g})")
    return EXIT_OK


CHAT_HELP = "commands: /reset forgets the conversation, /quit (or Ctrl-D) leaves; Ctrl-C stops an answer"


def cmd_chat(args: argparse.Namespace) -> int:
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
            return EXIT_OK
        except KeyboardInterrupt:
            print()
            return EXIT_OK
        if not question:
            continue
        if question in ("/quit", "/exit"):
            return EXIT_OK
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


def add_parsers(sub) -> None:
    p = sub.add_parser("chat", help="chat in the terminal (streaming)")
    add_common_options(p)
    add_decoding_options(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("ask", help="answer one question from the documents, with citations")
    p.add_argument("question", help="the question")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of streaming text")
    p.add_argument("--no-docs", action="store_true", help="answer without retrieving documents")
    p.add_argument("-k", type=int, default=None, help="passages to retrieve (default: index.top_k)")
    p.add_argument("--doc", action="append", default=[], metavar="ID",
                   help="ask this document only (its id, an id prefix, or its source path; repeat for more)")
    add_common_options(p)
    add_decoding_options(p)
    p.set_defaults(func=cmd_ask)
