"""Database helpers: connections with safe defaults, numbered migrations, transactions.

Two stores speak the same SQL here: **SQLite** (a file in the data home, the default) and
**PostgreSQL** (``storage.url = "postgresql://..."``, shared by several app replicas), through
psycopg 3. Callers write SQLite's dialect with ``?`` placeholders; a PostgreSQL connection
(:class:`PgConnection`) takes the same calls, turns the placeholders into psycopg's, and its
migrations get PostgreSQL's column types (:func:`run_script`). Each component (the document
index, the flag log) keeps its tables in a schema of its own on PostgreSQL, as it keeps a file
of its own on SQLite.

A write the disk refuses (full, a size limit, an I/O error) is rolled back and raised
as :class:`core.errors.StorageError` naming the database file (or server).

A schema is a list of migration functions; migration ``n`` (1-based) is applied
once, in order, and recorded in the ``_migrations`` table, when the database is
opened. Each runs in its own write transaction (:func:`transaction`), so two processes
opening a new database at once do not both apply it.

Writes are serialised as SQLite serialises them: a write transaction on PostgreSQL first takes
a transaction-level advisory lock of its schema, so the read-then-write steps inside one (the
document index's generation counter, a review's check of its statement) see no other writer.
Reads never wait for it.
"""

from __future__ import annotations

import re
import sqlite3
import time
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from core.errors import StorageError, first_line, storage_error

Migration = Callable[[Any], None]
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(target: Any) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def dialect(conn) -> str:
    """``"sqlite"`` or ``"postgresql"``: what a connection from :func:`connect` talks to."""
    return "postgresql" if isinstance(conn, PgConnection) else "sqlite"


def connect(target: Path | str, migrations: Sequence[Migration] = (), *, schema: str = "public"):
    """Open (creating if needed) a database, then migrate it.

    ``target`` is an SQLite file (WAL mode, foreign keys on) or a ``postgresql://`` URL, whose
    tables then live in ``schema`` (created if missing). The connection is in autocommit mode:
    use :func:`transaction` for atomic groups of writes.
    """
    if is_postgres_url(target):
        conn = PgConnection(str(target), schema)
        migrate(conn, migrations)
        return conn
    path = target
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
def transaction(conn) -> Iterator[Any]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (on PostgreSQL ``BEGIN`` and the schema's write lock),
    or ``ROLLBACK`` if the block raises."""
    if isinstance(conn, PgConnection):
        with conn.writing():
            yield conn
        return
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


def run_script(conn, script: str) -> None:
    """Execute ``;``-separated statements one by one, inside the caller's transaction
    (``executescript`` would commit it first). On PostgreSQL the script's SQLite column types
    become PostgreSQL's (:func:`postgres_ddl`)."""
    if isinstance(conn, PgConnection):
        script = postgres_ddl(script)
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line.split("--", 1)[0] + ("\n" if "--" in line else "")
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement.strip()[:80]!r}")


# SQLite's types in a migration, and PostgreSQL's for them: a row id that numbers itself, 64-bit
# integers (chunk ids), float8 for REAL (PostgreSQL's REAL is float4: a timestamp would lose its
# seconds), bytea for BLOB.
_PG_TYPES = [
    (re.compile(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"^(\s*id) INTEGER PRIMARY KEY\b", re.M), r"\1 BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
]


def postgres_ddl(script: str) -> str:
    """An SQLite migration script with PostgreSQL's column types."""
    for pattern, replacement in _PG_TYPES:
        script = pattern.sub(replacement, script)
    return script


def applied_migrations(conn) -> list[int]:
    run_script(conn, "CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                     "applied_at REAL NOT NULL);")
    return [row[0] for row in conn.execute("SELECT id FROM _migrations ORDER BY id")]


def migrate(conn, migrations: Sequence[Migration]) -> list[str]:
    """Apply the migrations not yet recorded; returns the names of those applied now."""
    if isinstance(conn, PgConnection):  # two replicas starting at once: one makes the table
        with transaction(conn):
            done = set(applied_migrations(conn))
    else:
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


# -- PostgreSQL -----------------------------------------------------------------------------------

class Row(tuple):
    """A result row read by position or by column name, as ``sqlite3.Row`` is (``dict(row)`` works)."""

    __slots__ = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor):
    names = [column.name for column in cursor.description or ()]
    cls = type("Row", (Row,), {"__slots__": (), "_index": {name: i for i, name in enumerate(names)}})
    return lambda values: cls(values)


def redacted(url: str) -> str:
    """A database URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


class PgConnection:
    """A psycopg 3 connection that takes the calls this project makes of ``sqlite3`` connections:
    ``execute`` / ``executemany`` with ``?`` placeholders, rows read by position or name,
    ``in_transaction``, ``close``. In autocommit mode; :func:`transaction` groups writes."""

    def __init__(self, url: str, schema: str):
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
            raise ValueError(f"not a schema name: {schema!r}")
        self.url, self.schema = url, schema
        self.lock_key = zlib.crc32(schema.encode())  # this schema's write lock
        self._writing = False
        self.raw = self._open()
        with self.writing():  # two processes creating the schema at once: one does, under the lock
            self.raw.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")

    def _open(self):
        import psycopg

        try:
            raw = psycopg.connect(self.url, autocommit=True, row_factory=_row_factory, connect_timeout=10)
            raw.execute(f"SET search_path TO {self.schema}")
            return raw
        except psycopg.Error as err:
            raise StorageError(f"cannot connect to the database at {redacted(self.url)}: {first_line(err)}; "
                               "check storage.url (ASSISTANT_DATABASE_URL) and that the server is up") from err

    def _run(self, call):
        """``call(raw connection)``. Outside a write transaction a lost connection (the server
        restarted) is replaced: before the call when it is known lost, and once after a call that
        lost it; inside one, the error is raised (the transaction is gone). Errors come translated."""
        import psycopg

        retry = not self._writing
        if retry and (self.raw.closed or self.raw.broken):
            self.raw = self._open()
        try:
            return call(self.raw)
        except psycopg.OperationalError as err:
            if not (retry and self.raw.broken):
                raise self._translated(err) from err
        except Exception as err:
            raise self._translated(err) from err
        self.raw = self._open()
        try:
            return call(self.raw)
        except Exception as err:
            raise self._translated(err) from err

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()):
        return self._run(lambda raw: raw.execute(self._sql(sql), tuple(params)))

    def executemany(self, sql: str, rows):
        rows = [tuple(r) for r in rows]

        def many(raw):
            cursor = raw.cursor()
            cursor.executemany(self._sql(sql), rows)
            return cursor
        return self._run(many)

    def _translated(self, err: Exception) -> Exception:
        """A full disk or a lost server as a StorageError naming the database; anything else as it is."""
        import psycopg

        if isinstance(err, (psycopg.errors.DiskFull, psycopg.errors.OutOfMemory, psycopg.OperationalError)) \
                and not isinstance(err, psycopg.errors.LockNotAvailable):
            return StorageError(f"the database at {redacted(self.url)} failed: {first_line(err)}; a write in "
                                "progress was undone and what was saved before is intact")
        return err

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    @contextmanager
    def writing(self) -> Iterator["PgConnection"]:
        """One write transaction holding this schema's write lock; rolled back if the block raises."""
        self._run(lambda raw: raw.execute("BEGIN"))  # a connection lost while idle is replaced here
        self._writing = True
        try:
            self.execute("SELECT pg_advisory_xact_lock(?)", (self.lock_key,))
            yield self
            self.execute("COMMIT")
        except BaseException:
            if not (self.raw.closed or self.raw.broken) and self.in_transaction:
                self.raw.execute("ROLLBACK")
            raise
        finally:
            self._writing = False

    def close(self) -> None:
        self.raw.close()
