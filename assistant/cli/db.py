"""``assistant db migrate|copy``: bring a store's schema up to date; move a data home's stores.

    assistant db migrate                                  # the stores storage.url names
    assistant db copy --from sqlite --to postgresql://app@db/assistant
    assistant db copy --from sqlite:/srv/old-home --to postgresql://...

A store is ``sqlite`` (this data home's files), ``sqlite:DIR`` (the files of the data home DIR)
or a ``postgresql://`` URL. ``copy`` copies the document index (documents, chunks with their
vectors) and the flag log (answers, statements, verdicts, reviews, corrections, chats,
sign-ins) into an empty destination, each in one transaction; the FAISS files are caches and
are rebuilt from the vectors where the destination is used.
"""

from __future__ import annotations

from pathlib import Path

from assistant.cli.options import add_common_options, config_from_args, progress_printer
from assistant.flags import log as flag_log
from core.copy import copy_store
from core.db import applied_migrations, connect, is_postgres_url, redacted
from core.errors import EXIT_OK, InputError
from core.home import data_home
from index import store

INDEX_TABLES = ["meta", "documents", "chunks"]
LOG_TABLES = ["meta", "chats", "turns", "passages", "statements", "reviews", "corrections", "sign_ins"]


def add_parsers(sub) -> None:
    db = sub.add_parser("db", help="the stores: migrate their schema, copy them to another database")
    dsub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    p = dsub.add_parser("migrate", help="apply the schema migrations the stores storage.url names lack")
    add_common_options(p)
    p.set_defaults(func=cmd_migrate)
    p = dsub.add_parser("copy", help="copy the index and the flag log into another (empty) database")
    p.add_argument("--from", dest="source", required=True, metavar="STORE",
                   help="sqlite (this data home), sqlite:DIR (another data home) or a postgresql:// URL")
    p.add_argument("--to", dest="destination", required=True, metavar="STORE", help="as --from")
    add_common_options(p)
    p.set_defaults(func=cmd_copy)


def targets(spec: str) -> tuple[str | Path, str | Path]:
    """(the index's database, the log's database) of a store named on the command line."""
    spec = spec.strip()
    if is_postgres_url(spec):
        return spec, spec
    if spec == "sqlite" or spec.startswith("sqlite:"):
        home = Path(spec[len("sqlite:"):]).expanduser() if spec != "sqlite" else data_home()
        return home / "index" / "index.sqlite", home / "log.sqlite"
    raise InputError(f"{redacted(spec)!r} is not a store: say sqlite, sqlite:DIR or a postgresql:// URL")


def open_both(spec: str):
    index_db, log_db = targets(spec)  # connect makes an SQLite file's folder
    return (connect(index_db, store.MIGRATIONS, schema=store.SCHEMA),
            connect(log_db, flag_log.MIGRATIONS, schema=flag_log.SCHEMA))


def cmd_migrate(args) -> int:
    config = config_from_args(args)
    spec = config.storage.database or "sqlite"
    for name, conn in zip(("index", "flag log"), open_both(spec)):  # opening applies what is missing
        print(f"{name}: at migration {max(applied_migrations(conn), default=0)} ({redacted(spec)})")
        conn.close()
    return EXIT_OK


def cmd_copy(args) -> int:
    config_from_args(args)  # applies --home
    say = progress_printer(args)
    if targets(args.source) == targets(args.destination):
        raise InputError("--from and --to name the same store")
    source_index, source_log = open_both(args.source)
    if not source_index.execute("SELECT count(*) FROM documents").fetchone()[0] and \
            not source_log.execute("SELECT count(*) FROM turns").fetchone()[0]:
        say(f"note: {redacted(args.source)} holds no documents and no answers")
    dest_index, dest_log = open_both(args.destination)

    def fresh_cache(conn) -> None:  # the destination's FAISS caches are its own: it names itself when opened
        conn.execute("DELETE FROM meta WHERE key = 'store_id'")

    index_rows = copy_store(source_index, dest_index, INDEX_TABLES, replace=["meta"], finish=fresh_cache,
                            progress=lambda m: say(f"index {m}"))
    log_rows = copy_store(source_log, dest_log, LOG_TABLES, replace=["meta"], progress=lambda m: say(f"log {m}"))
    for conn in (source_index, source_log, dest_index, dest_log):
        conn.close()
    print(f"copied {index_rows['documents']} documents ({index_rows['chunks']} chunks) and "
          f"{log_rows['turns']} answers ({log_rows['statements']} statements, {log_rows['reviews']} reviews) "
          f"from {redacted(args.source)} to {redacted(args.destination)}")
    return EXIT_OK
