"""Copy a data home's stores from one database to another (``assistant db copy``).

    copy_store(source, destination, tables, progress)

``source`` and ``destination`` are open connections (``core.db.connect``: SQLite or
PostgreSQL) whose migrations have run. Tables are copied in the order given (parents before
children, as the foreign keys need), rows as they are, ids kept (the flag log's reviews point at
statement ids, FAISS at chunk ids); columns the destination computes itself (PostgreSQL's
full-text ``words``, SQLite's FTS5 index filled by its triggers) are left to it. All of it in
one transaction of the destination: a copy that fails half-way leaves it as it was. The
destination must be empty: a copy never merges two histories.
"""

from __future__ import annotations

from typing import Callable, Sequence

from core.db import dialect, transaction
from core.errors import InputError

BATCH = 500


def columns(conn, table: str) -> list[str]:
    """The columns of ``table`` that take values (not those the database generates)."""
    if dialect(conn) == "postgresql":
        return [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "AND is_generated = 'NEVER' ORDER BY ordinal_position", (conn.schema, table))]
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def copy_store(source, destination, tables: Sequence[str], *, replace: Sequence[str] = (),
               finish: Callable[[object], None] | None = None,
               progress: Callable[[str], None] = lambda message: None) -> dict[str, int]:
    """Copy ``tables`` from ``source`` into the empty ``destination``; {table: rows copied}.

    ``replace`` names tables the destination's migrations filled (a ``meta`` table): their rows
    are replaced by the source's rather than counted as history. ``finish`` runs last, inside the
    copy's transaction, on the destination."""
    held = {t: count(destination, t) for t in tables if t not in replace}
    if any(held.values()):
        raise InputError(f"the destination already holds data ({', '.join(f'{t}: {n} rows' for t, n in held.items() if n)}); "
                         "copy into an empty database")
    copied = {}
    with transaction(destination):
        for table in tables:
            takes = set(columns(destination, table))
            names = [c for c in columns(source, table) if c in takes]
            quoted = ", ".join(f'"{c}"' for c in names)
            if table in replace:
                destination.execute(f"DELETE FROM {table}")
            rows = source.execute(f"SELECT {quoted} FROM {table}").fetchall()
            insert = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * len(names))})"
            for i in range(0, len(rows), BATCH):
                destination.executemany(insert, [tuple(r) for r in rows[i:i + BATCH]])
            copied[table] = len(rows)
            progress(f"{table}: {len(rows)} rows")
        if dialect(destination) == "postgresql":  # ids given explicitly: move each id counter past them
            for table in tables:
                if "id" in columns(destination, table) and destination.execute(
                        "SELECT pg_get_serial_sequence(?, 'id')", (table,)).fetchone()[0]:
                    destination.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"GREATEST((SELECT max(id) FROM {table}), 1))")
        if finish is not None:
            finish(destination)
    return copied
