"""Command line: ``assistant chat``, ``ask``, ``docs``, ``info``.

Usage:
    assistant chat                       # interactive, streaming; /reset, /quit
    assistant ask "What is RAG?" [--json] [--no-docs]
    assistant docs add PATH... | list | remove ID... | search QUERY
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
from .limits import LIMITS, Limits

# flag dest -> config key
FLAG_KEYS = {
    "model": "model.name",
    "adapter": "model.adapter",
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
    g.add_argument("--adapter", help="a LoRA adapter to merge in: a name under <home>/adapters, or a folder")
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

    p = sub.add_parser("ask", help="answer one question from the documents, with citations")
    p.add_argument("question", help="the question")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of streaming text")
    p.add_argument("--no-docs", action="store_true", help="answer without retrieving documents")
    p.add_argument("-k", type=int, default=None, help="passages to retrieve (default: index.top_k)")
    add_common_options(p)
    add_decoding_options(p)
    p.set_defaults(func=cmd_ask)

    docs = sub.add_parser("docs", help="reference documents: add, list, remove, search")
    dsub = docs.add_subparsers(dest="docs_command", required=True, metavar="ACTION")
    p = dsub.add_parser("add", help="add files or folders (.txt .md .html .pdf .docx .jsonl)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_common_options(p)
    p.set_defaults(func=cmd_docs_add)
    p = dsub.add_parser("list", help="list the documents in the index")
    p.add_argument("--json", action="store_true")
    add_common_options(p)
    p.set_defaults(func=cmd_docs_list)
    p = dsub.add_parser("remove", help="remove a document and its chunks")
    p.add_argument("ids", nargs="+", metavar="ID", help="document id (or a unique prefix of it), or its source path")
    add_common_options(p)
    p.set_defaults(func=cmd_docs_remove)
    p = dsub.add_parser("search", help="search the index")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=None, help="how many results (default: index.top_k)")
    p.add_argument("--mode", choices=["hybrid", "vector"], default=None,
                   help="hybrid (vector + keyword, fused) or vector only (default: index.hybrid)")
    p.add_argument("--json", action="store_true")
    add_common_options(p)
    p.set_defaults(func=cmd_docs_search)

    p = sub.add_parser("check", help="fact-check claims (batch JSONL) or one answer")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--input", metavar="IN.jsonl", help='lines of {"id", "claim", "evidence"?, "question"?}')
    src.add_argument("--answer", metavar="TEXT", help="an answer to split into statements and check")
    p.add_argument("--output", metavar="OUT.jsonl", help="with --input: where to write results (default: stdout)")
    p.add_argument("--question", help="with --answer: the question it answers")
    p.add_argument("--json", action="store_true", help="with --answer: print the report as JSON")
    p.add_argument("--batch-size", type=int, default=64, help="claims judged together")
    add_common_options(p)
    p.set_defaults(func=cmd_check)

    from .cli_flags import add_flags_parser

    add_flags_parser(sub, add_common_options)
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


def refusal_words(margin: float) -> str:
    """What a refusal's margin (its first token's logit less the best other token's) says, in words."""
    if margin >= 0:
        return f"the refusal was its first choice, {margin:.1f} logits ahead"
    return f"its refusal was {-margin:.1f} logits behind its first choice"


def cmd_ask(args: argparse.Namespace) -> int:
    from .answer import answer
    from .generate import load_chat_model

    config = config_from_args(args)
    progress = progress_printer(args)
    from .checker import Evidence, make_checker, withheld

    chat = load_chat_model(config, progress)
    index = None if args.no_docs else open_index(config)
    if index is not None and not index.documents():
        progress("no documents in the index (add some with `assistant docs add PATH`); answering without evidence")
        index = None
    on_text = None if args.json else (lambda t: print(t, end="", flush=True))
    result = answer(chat, index, args.question, k=args.k, on_text=on_text)
    checker = make_checker(config.checker, index, chat)
    report = checker.check_answer(result.text, args.question, [Evidence.from_hit(h) for h in result.passages])
    from .log import FlagLog
    from .prompt import NO_ANSWER

    ending = result.completion.finish_reason if result.completion else None
    if withheld(report, result.passages, ending, config.checker.withhold):
        ending = "withheld"  # as the page does: the log keeps the draft, the reply is the refusal
    turn_id = FlagLog().log_turn(session=f"cli-{os.getpid()}", question=args.question, answer=result.text,
                                 model=chat.name, generation=config.as_dict()["generation"],
                                 passages=result.passages, report=report, finish_reason=ending)
    if args.json:
        print(json.dumps({**result.as_dict(), "withheld": ending == "withheld",
                          "reply": NO_ANSWER if ending == "withheld" else result.text,
                          "check": report.as_dict(), "turn_id": turn_id, "model": chat.name,
                          "device": str(chat.loaded.device), "dtype": str(chat.loaded.dtype).removeprefix("torch."),
                          "generation": config.as_dict()["generation"]}, ensure_ascii=False))
        return 0
    print()
    print(f"\nChecked by {report.verifier}: " + ", ".join(f"{n} {label.replace('_', ' ')}"
                                                         for label, n in report.counts.items() if n))
    for v in report.verdicts:
        score = "" if v.score is None else f" ({v.score:.2f})"
        print(f"  [{v.label}]{score} {v.statement.text}")
    if ending == "withheld":
        print(f"\nWithheld: the checker found no statement of this answer supported by the passages "
              f"(checker.withhold = {config.checker.withhold}). The reply is: {NO_ANSWER}")
    print(f"Logged as turn {turn_id[:12]} (review with `assistant flags show {turn_id[:12]}`).")
    if result.passages:
        print("\nSources:" if result.cited else "\nSources (retrieved; the answer cites none):")
        for number, hit in enumerate(result.passages, start=1):
            if result.cited and number not in result.cited:
                continue
            print(f"  [{number}] {hit.citation()}")
    if result.completion and result.completion.finish_reason == "length":
        progress(f"answer cut at max_new_tokens={config.generation.max_new_tokens}")
    elif result.completion and result.completion.finish_reason == "repetition":
        progress("the answer began to repeat itself and was stopped there")
    elif result.completion and result.completion.finish_reason == "abstained":
        progress("the model was not sure enough that the passages answer this, so it did not guess ("
                 + refusal_words(result.completion.refusal_margin)
                 + f"; generation.abstain_bias={config.generation.abstain_bias:g})")
    return 0


def open_index(config):
    from index.documents import DocumentIndex

    return DocumentIndex(config.index)


def cmd_docs_add(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    index = open_index(config)
    progress = progress_printer(args)
    bar = None
    if not args.quiet and sys.stderr.isatty():  # a live bar for people; plain lines for logs and pipes
        from tqdm import tqdm

        bar = tqdm(unit=" docs", desc="adding", file=sys.stderr)

        def progress(message: str) -> None:
            bar.update(1)
            if not message.startswith(("added", "unchanged")):
                bar.write(f"[assistant] {message}", file=sys.stderr)
    try:
        report = index.add(args.paths, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps({**report.as_dict(), "index": index.stats()}, ensure_ascii=False))
    else:
        print(report.summary())
        stats = index.stats()
        print(f"index: {stats['documents']} documents, {stats['chunks']} chunks, "
              f"{stats.get('vector_index', 'no vectors')} search")
    return 4 if report.skipped else 0


def cmd_docs_list(args: argparse.Namespace) -> int:
    import time

    docs = open_index(config_from_args(args)).documents()
    if args.json:
        print(json.dumps([d.__dict__ for d in docs], ensure_ascii=False))
        return 0
    if not docs:
        print("no documents; add some with `assistant docs add PATH`")
        return 0
    print(f"{'id':12}  {'kind':8}  {'pages':>5}  {'chunks':>6}  {'added':16}  title")
    for d in docs:
        added = time.strftime("%Y-%m-%d %H:%M", time.localtime(d.added_at))
        print(f"{d.id:12}  {d.kind:8}  {d.pages if d.pages is not None else '-':>5}  {d.chunks:>6}  {added:16}  "
              f"{d.title}")
    return 0


def cmd_docs_remove(args: argparse.Namespace) -> int:
    index = open_index(config_from_args(args))
    for key in args.ids:
        doc = index.remove(key)
        print(f"removed {doc.id} {doc.source} ({doc.chunks} chunks)")
    return 0


def cmd_docs_search(args: argparse.Namespace) -> int:
    index = open_index(config_from_args(args))
    hybrid = None if args.mode is None else args.mode == "hybrid"
    hits = index.search(args.query, args.k, hybrid)
    if args.json:
        print(json.dumps([h.as_dict() for h in hits], ensure_ascii=False))
        return 0
    if not hits:
        print("no results" + ("" if index.documents() else " (the index is empty)"))
    for rank, hit in enumerate(hits, start=1):
        sim = f"  cos {hit.similarity:.3f}" if hit.similarity is not None else ""
        print(f"{rank}. {hit.citation()}  score {hit.score:.4f}{sim}")
        print("   " + " ".join(hit.text.split())[:300])
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


def read_claims(path: str, progress: Callable[[str], None], limits: Limits = LIMITS):
    """Valid items of a claims JSONL file, and the number of bad lines (each reported by line number)."""
    from .errors import InputError
    from .inputs import claim_item

    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise InputError(f"{path} is not UTF-8 text (byte offset {err.start})") from None
    items, bad = [], 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            item, problem = None, f"not valid JSON ({err.msg})"
        else:
            try:
                claim_item(item, limits, "item")
                problem = None
            except InputError as err:
                problem = str(err)
        if problem:
            bad += 1
            progress(f"{path}: line {number}: {problem}; skipped")
        else:
            items.append(item)
    return items, bad


def cmd_check(args: argparse.Namespace) -> int:
    from .checker import check_claims, make_checker

    config = config_from_args(args)
    progress = progress_printer(args)
    index = open_index(config)
    chat = None
    if config.checker.verifier == "llm":
        from .generate import load_chat_model

        chat = load_chat_model(config, progress)
    checker = make_checker(config.checker, index, chat)
    if args.answer is not None:
        report = checker.check_answer(args.answer, args.question)
        if args.json:
            print(json.dumps(report.as_dict(), ensure_ascii=False))
            return 0
        print(f"verifier {report.verifier} ({report.version}); {report.counts}")
        for v in report.verdicts:
            score = "" if v.score is None else f" p(supported)={v.score:.2f}"
            print(f"[{v.label}]{score} {v.statement.text}")
            if v.statement.reason:
                print(f"    not checked: {v.statement.reason}")
            elif v.evidence:
                where = f" ({v.source.title})" if v.source and v.source.title else ""
                print(f"    evidence{where}: {' '.join(v.evidence.split())[:240]}")
        return 0
    from .errors import InputError

    items, bad = read_claims(args.input, progress, config.limits())
    try:
        out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    except OSError as err:
        raise InputError(f"cannot write {args.output}: {err.strerror or err}") from None
    try:
        for at in range(0, len(items), max(1, args.batch_size)):
            for result in check_claims(checker, items[at:at + args.batch_size]):
                out.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
            out.flush()
    finally:
        if out is not sys.stdout:
            out.close()
    progress(f"checked {len(items)} claims" + (f"; {bad} bad lines skipped" if bad else ""))
    return 4 if bad else 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .checker import make_checker
    from .errors import ConfigError
    from .generate import load_chat_model
    from .serve import build_app

    config = config_from_args(args)
    api_key = os.environ.get(args.api_key_env, "") if args.api_key_env else None
    if args.api_key_env and not api_key:
        raise ConfigError(f"--api-key-env {args.api_key_env}: that environment variable is not set or empty")
    from .serve import loopback

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
    uvicorn.run(app, host=args.host, port=args.port,
                log_level="warning" if args.quiet else "info")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from .info import collect_info, format_info

    info = collect_info(config_from_args(args))
    print(json.dumps(info, indent=2) if args.json else format_info(info))
    return 0


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
        return 1


if __name__ == "__main__":
    sys.exit(main())
