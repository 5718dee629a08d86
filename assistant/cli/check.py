"""``assistant check``: claims from a JSON-lines file, or one answer, fact-checked."""

from __future__ import annotations

import argparse
import json
import sys

from assistant.chat.backends import load_chat_model
from assistant.checking.checker import check_claims, make_checker
from assistant.cli.options import add_common_options, config_from_args, open_index, progress_printer
from assistant.inputs import claim_item
from core.errors import EXIT_INPUT, EXIT_OK, InputError
from core.jsonl import read_jsonl
from core.limits import LIMITS, Limits
from core.progress import Progress


def read_claims(path: str, progress: Progress, limits: Limits = LIMITS) -> tuple[list[dict], int]:
    """Valid items of a claims JSONL file, and the number of bad lines (each reported by line number)."""

    bad = []

    def skip(number: int, problem: str) -> None:
        bad.append(number)
        progress(f"{path}: line {number}: {problem}; skipped")

    return read_jsonl(path, lambda item: claim_item(item, limits, "item"), skip), len(bad)


def verdict_notes(verdict) -> list[str]:
    """What a verdict says besides its label, for the terminal: what no passage names ("Ten Eyes"), and
    where the passage answers the question instead ('assistant check' and 'assistant ask' print them)."""
    notes = []
    if verdict.unnamed:
        notes.append(f"none of the passages names “{verdict.unnamed}”")
    if verdict.elsewhere:
        notes.append(f"the passage answers the question elsewhere: “{' '.join(verdict.elsewhere.split())[:240]}”")
    return notes


def cmd_check(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    progress = progress_printer(args)
    index = open_index(config)
    chat = None
    if config.checker.verifier == "llm":

        chat = load_chat_model(config, progress)
    checker = make_checker(config.checker, index, chat)
    if args.answer is not None:
        report = checker.check_answer(args.answer, args.question)
        if args.json:
            print(json.dumps(report.as_dict(), ensure_ascii=False))
            return EXIT_OK
        print(f"verifier {report.verifier} ({report.version}); {report.counts}")
        for v in report.verdicts:
            score = "" if v.score is None else f" p(supported)={v.score:.2f}"
            print(f"[{v.label}]{score} {v.statement.text}")
            if v.statement.reason:
                print(f"    not checked: {v.statement.reason}")
                continue
            for note in verdict_notes(v):
                print(f"    {note}")
            if v.evidence:
                where = f" ({v.source.title})" if v.source and v.source.title else ""
                print(f"    evidence{where}: {' '.join(v.evidence.split())[:240]}")
        return EXIT_OK

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
    return EXIT_INPUT if bad else EXIT_OK


def add_parsers(sub) -> None:
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
