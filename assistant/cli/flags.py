"""``assistant flags list|show|review|export``: the flag log from the terminal."""

from __future__ import annotations

import argparse
import json

from assistant.chat.backends import load_chat_model
from assistant.checking.checker import Evidence, make_checker
from assistant.checking.repair import suggest
from assistant.cli.options import add_common_options, config_from_args, open_index
from assistant.flags.export import export
from assistant.flags.log import open_log
from assistant.inputs import when
from core.errors import EXIT_OK
from core.labels import CONTRADICTED, UNSUPPORTED


def add_parsers(sub) -> None:
    flags = sub.add_parser("flags", help="the flag log: list, show, review, export")
    fsub = flags.add_subparsers(dest="flags_command", required=True, metavar="ACTION")

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--verdict", choices=[UNSUPPORTED, CONTRADICTED], help="only this verdict")
        p.add_argument("--since", help="from this date (ISO, UTC)")
        p.add_argument("--until", help="before this date (ISO, UTC)")

    p = fsub.add_parser("list", help="flagged statements, oldest first")
    filters(p)
    state = p.add_mutually_exclusive_group()
    state.add_argument("--reviewed", dest="reviewed", action="store_const", const=True, help="reviewed only")
    state.add_argument("--unreviewed", dest="reviewed", action="store_const", const=False, help="not yet reviewed")
    p.add_argument("--doc", help="only flags whose evidence or passages came from this document id")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    add_common_options(p)
    p.set_defaults(func=cmd_flags_list)

    p = fsub.add_parser("show", help="one turn: question, answer, statements with verdicts, passages")
    p.add_argument("turn", help="turn id (as printed by ask and flags list)")
    p.add_argument("--json", action="store_true")
    add_common_options(p)
    p.set_defaults(func=cmd_flags_show)

    p = fsub.add_parser("review", help="confirm (a hallucination) or reject (a false alarm) a flag")
    p.add_argument("statement", type=int, help="statement id (from flags list)")
    p.add_argument("decision", choices=["confirm", "reject"])
    p.add_argument("--correction", help="a corrected answer for the whole turn")
    p.add_argument("--note", help="why")
    p.add_argument("--reviewer", help="who reviewed")
    add_common_options(p)
    p.set_defaults(func=cmd_flags_review)

    p = fsub.add_parser("suggest", help="a suggested correction: flagged statements cut, or the answer "
                        "regenerated under a stricter prompt, re-checked")
    p.add_argument("turn", help="turn id (or a unique prefix)")
    p.add_argument("--regenerate", action="store_true", help="also try regenerating with the dialogue model")
    p.add_argument("--accept", action="store_true", help="store the suggestion as the turn's correction")
    add_common_options(p)
    p.set_defaults(func=cmd_flags_suggest)

    p = fsub.add_parser("export", help="training data: sft, dpo, kto (TRL formats) or nli pairs")
    p.add_argument("--format", required=True, choices=["sft", "dpo", "kto", "nli"])
    p.add_argument("--out", required=True, help="the JSONL file to write")
    filters(p)
    p.add_argument("--all", action="store_true",
                   help="take the checker's word where no person reviewed: unreviewed flags make bad answers, "
                        "answers it found clean good ones")
    p.add_argument("--held-out", type=float, default=0.2, help="share of questions marked held_out (default 0.2)")
    add_common_options(p)
    p.set_defaults(func=cmd_flags_export)


def _log(args):
    return open_log(config_from_args(args).storage)  # config_from_args applies --home


def cmd_flags_list(args) -> int:
    log = _log(args)
    rows = log.flags(label=args.verdict, reviewed=args.reviewed, since=when(args.since, "--since"),
                     until=when(args.until, "--until"), doc_id=args.doc)
    for s in rows:
        if args.json:
            print(json.dumps(s.__dict__, ensure_ascii=False))
        else:
            review = s.decision or "unreviewed"
            score = "" if s.score is None else f" {s.score:.2f}"
            print(f"{s.id:6d}  {s.label:12s}{score}  [{review}]  turn {s.turn_id[:12]}  {s.text}")
    if not args.json:
        print(f"{len(rows)} flag(s)")
    return EXIT_OK


def cmd_flags_show(args) -> int:
    turn = _log(args).find_turn(args.turn)
    if args.json:
        print(json.dumps({**turn.__dict__, "statements": [s.__dict__ for s in turn.statements]}, ensure_ascii=False))
        return EXIT_OK
    print(f"turn {turn.id}  session {turn.session}  model {turn.model}  verifier {turn.verifier}")
    print(f"Q: {turn.question}\nA: {turn.answer}\n")
    for s in turn.statements:
        review = f" [{s.decision}]" if s.decision else ""
        print(f"  {s.id:6d} [{s.label}]{review} {s.text}")
        if s.label in (UNSUPPORTED, CONTRADICTED) and s.evidence:
            print(f"         evidence ({s.evidence_title or 'given'}): {s.evidence[:200]}")
    if turn.correction:
        print(f"\ncorrection ({turn.correction_origin}): {turn.correction}")
    for p in turn.passages:
        print(f"  [{p['number']}] {p['title']}" + (f", page {p['page']}" if p["page"] is not None else ""))
    return EXIT_OK


def cmd_flags_review(args) -> int:
    log = _log(args)
    decision = {"confirm": "confirmed", "reject": "rejected"}[args.decision]
    log.review(args.statement, decision, note=args.note, correction=args.correction, reviewer=args.reviewer)
    print(f"statement {args.statement}: {decision}" + (" (correction stored)" if args.correction else ""))
    return EXIT_OK


def cmd_flags_suggest(args) -> int:
    config = config_from_args(args)
    log = _log(args)
    turn = log.find_turn(args.turn)
    passages = [Evidence.from_logged(p) for p in turn.passages]
    chat = None
    if args.regenerate or config.checker.verifier == "llm":

        chat = load_chat_model(config)
    checker = make_checker(config.checker, open_index(config), chat)
    report = checker.check_answer(turn.answer, turn.question, passages)
    suggestion = suggest(checker, report, passages, chat if args.regenerate else None)
    if suggestion is None:
        print("nothing in this answer is flagged; no suggestion")
        return EXIT_OK
    print(f"suggested ({suggestion.method}, {suggestion.flags} flag(s) left): {suggestion.text}")
    if args.accept:
        log.correct(turn.id, suggestion.text, origin="suggestion")
        print("stored as the turn's correction")
    return EXIT_OK


def cmd_flags_export(args) -> int:
    from pathlib import Path

    report = export(_log(args), args.format, Path(args.out).expanduser(), since=when(args.since, "--since"),
                    until=when(args.until, "--until"), verdict=args.verdict, reviewed_only=not args.all,
                    held_out_share=args.held_out)
    print(f"wrote {report.rows} {report.format} rows to {report.path} ({report.train} train, "
          f"{report.held_out} held out) from {report.turns_read} turns")
    return EXIT_OK
