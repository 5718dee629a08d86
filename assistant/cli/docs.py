"""``assistant docs add|list|remove|search``: the document index from the terminal."""

from __future__ import annotations

import argparse
import json
import sys

from assistant.cli.options import add_common_options, config_from_args, open_index, progress_printer
from core.errors import EXIT_INPUT, EXIT_OK


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
    return EXIT_INPUT if report.skipped else EXIT_OK


def cmd_docs_list(args: argparse.Namespace) -> int:
    import time

    docs = open_index(config_from_args(args)).documents()
    if args.json:
        print(json.dumps([d.__dict__ for d in docs], ensure_ascii=False))
        return EXIT_OK
    if not docs:
        print("no documents; add some with `assistant docs add PATH`")
        return EXIT_OK
    print(f"{'id':12}  {'kind':8}  {'pages':>5}  {'chunks':>6}  {'added':16}  title")
    for d in docs:
        added = time.strftime("%Y-%m-%d %H:%M", time.localtime(d.added_at))
        print(f"{d.id:12}  {d.kind:8}  {d.pages if d.pages is not None else '-':>5}  {d.chunks:>6}  {added:16}  "
              f"{d.title}")
    return EXIT_OK


def cmd_docs_remove(args: argparse.Namespace) -> int:
    index = open_index(config_from_args(args))
    for key in args.ids:
        doc = index.remove(key)
        print(f"removed {doc.id} {doc.source} ({doc.chunks} chunks)")
    return EXIT_OK


def cmd_docs_search(args: argparse.Namespace) -> int:
    index = open_index(config_from_args(args))
    hybrid = None if args.mode is None else args.mode == "hybrid"
    hits = index.search(args.query, args.k, hybrid)
    if args.json:
        print(json.dumps([h.as_dict() for h in hits], ensure_ascii=False))
        return EXIT_OK
    if not hits:
        print("no results" + ("" if index.documents() else " (the index is empty)"))
    for rank, hit in enumerate(hits, start=1):
        sim = f"  cos {hit.similarity:.3f}" if hit.similarity is not None else ""
        print(f"{rank}. {hit.citation()}  score {hit.score:.4f}{sim}")
        print("   " + " ".join(hit.text.split())[:300])
    return EXIT_OK


def add_parsers(sub) -> None:
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
