"""SQLite helpers: connections with safe defaults, numbered migrations, transactions.

A write the disk refuses (full, a size limit, an I/O error) is rolled back and raised
as :class:`core.errors.StorageError` naming the database file.

A schema is a list of migration functions; migration ``n`` (1-based) is applied
once, in order, and recorded in the ``_migrations`` table, when the database is
opened. Each runs in its own ``BEGIN IMMEDIATE`` transaction, so two processes
opening a new database at once do not both apply it.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

from core.errors import storage_error

Migration = Callable[[sqlite3.Connection], None]


def connect(path: Path | str, migrations: Sequence[Migration] = ()) -> sqlite3.Connection:
    """Open (creating if needed) a database in WAL mode with foreign keys on, then migrate it.

    The connection is in autocommit mode: use :func:`transaction` for atomic groups of writes.
    """
    try:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=60, isolation_level=None, check_same_thread=False)
        if str(path) != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
    except (OSError, sqlite3.OperationalError) as err:  # a folder that cannot be made, a read-only disk
        raise storage_error(path, err) from err
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: a process crash loses no committed transaction
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=60000")
    migrate(conn, migrations)
    return conn


def select_in(conn: sqlite3.Connection, sql: str, ids: Sequence, size: int = 900) -> list[sqlite3.Row]:
    """The rows of ``sql`` (a query whose ``IN ({})`` takes the ids) for every id in ``ids``,
    asked ``size`` ids at a time: SQLite limits the variables one statement may bind."""
    ids = list(ids)
    rows: list[sqlite3.Row] = []
    for i in range(0, len(ids), size):
        part = ids[i:i + size]
        rows += conn.execute(sql.format(",".join("?" * len(part))), part).fetchall()
    return rows


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` if the block raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as err:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(err, sqlite3.OperationalError) and is_write_failure(err):
            raise storage_error(database_path(conn), err) from err
        raise


def is_write_failure(err: sqlite3.Error) -> bool:
    """An SQLite error that means the disk would not take the write (full, size limit, I/O, read-only)."""
    text = str(err).lower()
    return any(s in text for s in ("disk i/o error", "database or disk is full", "readonly database"))


def database_path(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA database_list").fetchone()
    return (row[2] if row and row[2] else ":memory:")


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Execute ``;``-separated statements one by one, inside the caller's transaction
    (``executescript`` would commit it first)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line.split("--", 1)[0] + ("\n" if "--" in line else "")
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement.strip()[:80]!r}")


def applied_migrations(conn: sqlite3.Connection) -> list[int]:
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                 "applied_at REAL NOT NULL)")
    return [row[0] for row in conn.execute("SELECT id FROM _migrations ORDER BY id")]


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> list[str]:
    """Apply the migrations not yet recorded; returns the names of those applied now."""
    done = set(applied_migrations(conn))
    applied = []
    for number, step in enumerate(migrations, start=1):
        if number in done:
            continue
        with transaction(conn):
            if conn.execute("SELECT 1 FROM _migrations WHERE id = ?", (number,)).fetchone():
                continue  # another process got there first
            step(conn)
            conn.execute("INSERT INTO _migrations (id, name, applied_at) VALUES (?, ?, ?)",
                         (number, step.__name__, time.time()))
        applied.append(step.__name__)
    return applied
