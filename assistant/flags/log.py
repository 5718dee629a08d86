"""The flag log: every answer, its statements and their verdicts, and people's reviews.

One database, ``<data home>/log.sqlite``, WAL mode, schema as numbered migrations
(``core/db.py``); or, with ``storage.url``, the same tables on a PostgreSQL server (schema
``assistant_log``) that every replica of the app writes to. A turn is written in one transaction with a snapshot of the
passages it was built from (ids *and* text), so deleting a document later does not
orphan its flags. Reviews are separate rows keyed by statement: *confirmed* (it is a
hallucination) or *rejected* (a false alarm), with an optional corrected answer
for the turn. Several processes may write at once; SQLite's write lock and the
busy timeout queue them, and nothing committed is lost.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

from core.db import connect, run_script, select_in, transaction
from core.errors import InputError
from core.home import data_home
from core.labels import FLAG_LABELS

Decision = Literal["confirmed", "rejected"]


SCHEMA = "assistant_log"  # the log's tables on PostgreSQL


def _m1_turns(conn) -> None:
    run_script(conn, """
        CREATE TABLE turns (
            id TEXT PRIMARY KEY,
            session TEXT NOT NULL,
            created_at REAL NOT NULL,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            model TEXT NOT NULL,
            generation TEXT NOT NULL,          -- JSON: the decoding settings
            verifier TEXT,
            verifier_version TEXT,
            check_seconds REAL,
            feedback INTEGER                   -- 1 thumbs up, -1 thumbs down, NULL none
        );
        CREATE INDEX turns_created ON turns(created_at);
        CREATE TABLE passages (
            turn_id TEXT NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,           -- as cited in the answer: [1], [2], ...
            doc_id TEXT,
            chunk_id INTEGER,
            title TEXT NOT NULL,
            page INTEGER,
            start INTEGER,
            "end" INTEGER,
            text TEXT NOT NULL,                -- snapshot: the flag survives the document's deletion
            PRIMARY KEY (turn_id, number)
        );
        CREATE TABLE statements (
            id INTEGER PRIMARY KEY,
            turn_id TEXT NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            claim TEXT NOT NULL,
            label TEXT NOT NULL CHECK (label IN ('supported', 'unsupported', 'contradicted', 'not_a_claim')),
            reason TEXT,
            score REAL,
            probs TEXT,                        -- JSON [supported, unsupported, contradicted]
            evidence TEXT,                     -- the best window
            evidence_doc_id TEXT,
            evidence_title TEXT,
            evidence_page INTEGER,
            UNIQUE (turn_id, position)
        );
        CREATE INDEX statements_label ON statements(label);
        CREATE TABLE reviews (
            statement_id INTEGER PRIMARY KEY REFERENCES statements(id) ON DELETE CASCADE,
            decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
            note TEXT,
            reviewer TEXT,
            reviewed_at REAL NOT NULL
        );
        CREATE TABLE corrections (
            turn_id TEXT PRIMARY KEY REFERENCES turns(id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            origin TEXT NOT NULL CHECK (origin IN ('person', 'suggestion')),
            reviewer TEXT,
            created_at REAL NOT NULL
        );
    """)


def _m2_finish_reason(conn) -> None:
    """Why each answer ended: stop, length, cancelled, or repetition (the guard stopped a loop).
    Turns logged before this column existed keep NULL."""
    run_script(conn, "ALTER TABLE turns ADD COLUMN finish_reason TEXT;")


def _m3_scope(conn) -> None:
    """The documents a turn asked (a JSON list of document ids; NULL: every document, as before)."""
    run_script(conn, "ALTER TABLE turns ADD COLUMN scope TEXT;")


def _m4_chats(conn) -> None:
    """Past chats, per user (``owner``: the signed-in name; '' without a login), and each turn's chat.
    Deleting a chat detaches its turns (they stay in the log for review and export)."""
    run_script(conn, """
        CREATE TABLE chats (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            title TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX chats_owner ON chats (owner, updated_at);
        ALTER TABLE turns ADD COLUMN chat_id TEXT REFERENCES chats(id) ON DELETE SET NULL;
        CREATE INDEX turns_chat ON turns (chat_id, created_at);
    """)


def _m5_sign_ins(conn) -> None:
    """The page's sign-ins (a hash of each session token, and whose it is) and the name of its cookie,
    kept here so that every replica of the app knows every signed-in user (``assistant.ui.sessions``)."""
    import secrets

    run_script(conn, """
        CREATE TABLE sign_ins (
            token_hash TEXT PRIMARY KEY,
            username TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """)
    conn.execute("INSERT INTO meta (key, value) VALUES ('cookie_id', ?)", (secrets.token_urlsafe(32),))


def _m6_unnamed(conn) -> None:
    """For a verdict no passage could decide, what its statement is about that none of them names
    (``assistant/checking/topic.py``). Statements logged before this column existed keep NULL."""
    run_script(conn, "ALTER TABLE statements ADD COLUMN unnamed TEXT;")


def _m7_threshold(conn) -> None:
    """The support threshold a turn's check used, so a reopened chat says what its scores meant.
    Turns logged before this column existed keep NULL (not known)."""
    run_script(conn, "ALTER TABLE turns ADD COLUMN threshold REAL;")


def _m8_elsewhere(conn) -> None:
    """For a statement the passage says but does not give as the answer to the question, where the
    passage answers it instead (``assistant/checking/place.py``). Older statements keep NULL."""
    run_script(conn, "ALTER TABLE statements ADD COLUMN elsewhere TEXT;")


MIGRATIONS = [_m1_turns, _m2_finish_reason, _m3_scope, _m4_chats, _m5_sign_ins, _m6_unnamed, _m7_threshold,
              _m8_elsewhere]


@dataclass
class LoggedStatement:
    id: int
    turn_id: str
    position: int
    text: str
    start: int
    end: int
    claim: str
    label: str
    reason: str | None
    score: float | None
    probs: list[float] | None
    evidence: str | None
    evidence_doc_id: str | None
    evidence_title: str | None
    evidence_page: int | None
    decision: str | None = None  # the review, if any
    note: str | None = None
    unnamed: str | None = None  # what the statement is about that no passage names (Verdict.unnamed)
    elsewhere: str | None = None  # where its passage answers the question instead (Verdict.elsewhere)


@dataclass
class Turn:
    id: str
    session: str
    created_at: float
    question: str
    answer: str
    model: str
    generation: dict[str, Any]
    verifier: str | None
    verifier_version: str | None
    check_seconds: float | None
    feedback: int | None
    finish_reason: str | None = None  # why the answer ended (assistant.chat.base.Completion)
    scope: list[str] | None = None  # the ids of the documents the turn asked; None: all of them
    chat_id: str | None = None  # the chat it belongs to (assistant.flags.chats), if any
    threshold: float | None = None  # the support threshold its check used (CheckReport.threshold)
    passages: list[dict[str, Any]] = field(default_factory=list)
    statements: list[LoggedStatement] = field(default_factory=list)
    correction: str | None = None
    correction_origin: str | None = None

    @property
    def flagged(self) -> list[LoggedStatement]:
        return [s for s in self.statements if s.label in FLAG_LABELS]


def _date_range(column: str, since: float | None, until: float | None) -> tuple[list[str], list[float]]:
    """SQL conditions (and their arguments) for ``since <= column < until``; either end may be open."""
    where, args = [], []
    if since is not None:
        where.append(f"{column} >= ?")
        args.append(since)
    if until is not None:
        where.append(f"{column} < ?")
        args.append(until)
    return where, args


def _passage_row(number: int, passage: Any) -> tuple:
    get = passage.get if isinstance(passage, dict) else (lambda k, d=None: getattr(passage, k, d))
    return (number, get("doc_id"), get("chunk_id"), get("title") or "", get("page"), get("start"), get("end"),
            get("text") or "")


def open_log(storage=None) -> "FlagLog":
    """The log a :class:`core.config.StorageConfig` names (None or ``url = "sqlite"``: the data home's file)."""
    return FlagLog(storage.database if storage is not None else None)


class FlagLog:
    """The log database. One instance per process, shared by threads: each thread gets its own
    connection to the file (SQLite serialises their writes; one connection cannot hold two
    threads' transactions at once). An in-memory log (``":memory:"``) has one connection."""

    def __init__(self, path: Path | str | None = None):
        """``path``: an SQLite file (default ``<data home>/log.sqlite``), ``":memory:"``, or a
        ``postgresql://`` URL (``storage.url``)."""
        if path is None:
            path = data_home() / "log.sqlite"
        self.path = path
        self._local = threading.local()
        self._connections: list = []
        self._guard = threading.Lock()
        self._shared = connect(path, MIGRATIONS, schema=SCHEMA)  # migrates once; this thread's connection
        self._local.conn = self._shared

    @property
    def db(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if str(self.path) == ":memory:":
                return self._shared
            conn = self._local.conn = connect(self.path, schema=SCHEMA)
            with self._guard:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        with self._guard:
            for conn in [self._shared, *self._connections]:
                conn.close()
            self._connections.clear()

    def log_turn(self, *, session: str, question: str, answer: str, model: str, generation: dict[str, Any],
                 passages: Sequence[Any] = (), report=None, finish_reason: str | None = None,
                 scope: Sequence[str] | None = None, chat_id: str | None = None) -> str:
        """Store one turn, its passages and (if checked) every statement's verdict; returns the turn id.
        ``finish_reason`` says why the answer ended (a ``Completion``'s); ``scope`` the documents it
        asked (None: all); ``chat_id`` the chat it continues (``assistant.flags.chats``)."""
        turn_id, now = uuid.uuid4().hex, time.time()
        with transaction(self.db):
            self.db.execute(
                "INSERT INTO turns (id, session, created_at, question, answer, model, generation, verifier, "
                "verifier_version, check_seconds, finish_reason, scope, chat_id, threshold) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (turn_id, session, now, question, answer, model, json.dumps(generation, sort_keys=True),
                 report.verifier if report else None, report.version if report else None,
                 report.seconds if report else None, finish_reason,
                 json.dumps(list(scope)) if scope is not None else None, chat_id,
                 report.threshold if report else None))
            if chat_id is not None:
                self.db.execute("UPDATE chats SET updated_at = ? WHERE id = ?", (now, chat_id))
            self.db.executemany(
                'INSERT INTO passages (turn_id, number, doc_id, chunk_id, title, page, start, "end", text) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(turn_id, *_passage_row(n, p)) for n, p in enumerate(passages, start=1)])
            for position, v in enumerate(report.verdicts if report else ()):
                s, src = v.statement, v.source
                self.db.execute(
                    'INSERT INTO statements (turn_id, position, text, start, "end", claim, label, reason, score, '
                    "probs, evidence, evidence_doc_id, evidence_title, evidence_page, unnamed, elsewhere) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (turn_id, position, s.text, s.start, s.end, s.claim, v.label, s.reason, v.score,
                     json.dumps(list(v.probs)) if v.probs else None, v.evidence,
                     src.doc_id if src else None, src.title if src else None, src.page if src else None,
                     v.unnamed, v.elsewhere))
        return turn_id

    def feedback(self, turn_id: str, up: bool) -> None:
        with transaction(self.db):
            if not self.db.execute("UPDATE turns SET feedback = ? WHERE id = ?", (1 if up else -1, turn_id)).rowcount:
                raise InputError(f"no turn {turn_id!r} in the log")

    def review(self, statement_id: int, decision: Decision, *, note: str | None = None,
               correction: str | None = None, origin: str = "person", reviewer: str | None = None) -> None:
        """Record a decision on a flagged statement (and optionally a corrected answer for its turn)."""
        with transaction(self.db):
            turn_id = self._review(statement_id, decision, note, reviewer)
            if correction is not None:
                self._correct(turn_id, correction, origin, reviewer)

    def review_many(self, statement_ids: Iterable[int], decision: Decision, *, note: str | None = None,
                    reviewer: str | None = None) -> None:
        """Record one decision on several flagged statements: all of them or, on an error, none."""
        with transaction(self.db):
            for statement_id in statement_ids:
                self._review(statement_id, decision, note, reviewer)

    def _review(self, statement_id: int, decision: Decision, note: str | None, reviewer: str | None) -> str:
        """Store a decision (inside the caller's transaction); the statement's turn id."""
        if decision not in ("confirmed", "rejected"):
            raise InputError(f"a review is confirmed or rejected, not {decision!r}")
        row = self.db.execute("SELECT turn_id, label FROM statements WHERE id = ?", (statement_id,)).fetchone()
        if row is None:
            raise InputError(f"no statement {statement_id} in the log")
        if row["label"] not in FLAG_LABELS:
            raise InputError(f"statement {statement_id} is {row['label']}, not flagged; only flags are reviewed")
        self.db.execute(
            "INSERT INTO reviews (statement_id, decision, note, reviewer, reviewed_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(statement_id) DO UPDATE SET decision = excluded.decision, note = excluded.note, "
            "reviewer = excluded.reviewer, reviewed_at = excluded.reviewed_at",
            (statement_id, decision, note, reviewer, time.time()))
        return row["turn_id"]

    def correct(self, turn_id: str, text: str, origin: str = "person", reviewer: str | None = None) -> None:
        with transaction(self.db):
            self._correct(turn_id, text, origin, reviewer)

    def _correct(self, turn_id: str, text: str, origin: str, reviewer: str | None) -> None:
        if not text.strip():
            raise InputError("a correction must not be empty")
        if origin not in ("person", "suggestion"):
            raise InputError(f"a correction comes from a person or an accepted suggestion, not {origin!r}")
        self.db.execute(
            "INSERT INTO corrections (turn_id, text, origin, reviewer, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(turn_id) DO UPDATE SET text = excluded.text, origin = excluded.origin, "
            "reviewer = excluded.reviewer, created_at = excluded.created_at",
            (turn_id, text.strip(), origin, reviewer, time.time()))

    def _statements(self, where: str, args: Iterable[Any]) -> list[LoggedStatement]:
        rows = self.db.execute(
            "SELECT s.*, r.decision, r.note FROM statements s LEFT JOIN reviews r ON r.statement_id = s.id "
            f"JOIN turns t ON t.id = s.turn_id WHERE {where} ORDER BY t.created_at, s.turn_id, s.position",
            tuple(args)).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["probs"] = json.loads(d["probs"]) if d["probs"] else None
            out.append(LoggedStatement(**d))
        return out

    def turn(self, turn_id: str) -> Turn:
        row = self.db.execute("SELECT * FROM turns WHERE id = ?", (turn_id,)).fetchone()
        if row is None:
            raise InputError(f"no turn {turn_id!r} in the log")
        d = dict(row)
        d["generation"] = json.loads(d["generation"])
        d["scope"] = json.loads(d["scope"]) if d["scope"] is not None else None
        turn = Turn(**d)
        turn.passages = [dict(p) for p in self.db.execute(
            "SELECT * FROM passages WHERE turn_id = ? ORDER BY number", (turn_id,))]
        turn.statements = self._statements("s.turn_id = ?", (turn_id,))
        fix = self.db.execute("SELECT text, origin FROM corrections WHERE turn_id = ?", (turn_id,)).fetchone()
        if fix:
            turn.correction, turn.correction_origin = fix["text"], fix["origin"]
        return turn

    def flags(self, *, label: str | None = None, reviewed: bool | None = None, since: float | None = None,
              until: float | None = None, doc_id: str | None = None, session_prefix: str | None = None
              ) -> list[LoggedStatement]:
        """Flagged statements (unsupported or contradicted), oldest first, filtered (``session_prefix``:
        only turns whose session starts so, e.g. one signed-in user's ``"web:ann:"``)."""
        where, args = ["s.label IN ('unsupported', 'contradicted')"], []
        if session_prefix is not None:
            where.append("substr(t.session, 1, ?) = ?")
            args += [len(session_prefix), session_prefix]
        if label is not None:
            if label not in FLAG_LABELS:
                raise InputError(f"a flag's verdict is unsupported or contradicted, not {label!r}")
            where.append("s.label = ?")
            args.append(label)
        if reviewed is not None:
            where.append("r.decision IS NOT NULL" if reviewed else "r.decision IS NULL")
        dates, date_args = _date_range("t.created_at", since, until)
        where += dates
        args += date_args
        if doc_id is not None:
            where.append("(s.evidence_doc_id = ? OR EXISTS (SELECT 1 FROM passages p WHERE p.turn_id = s.turn_id "
                         "AND p.doc_id = ?))")
            args += [doc_id, doc_id]
        return self._statements(" AND ".join(where), args)

    def turn_headings(self, turn_ids: Iterable[str]) -> dict[str, tuple[float, str]]:
        """``(created_at, question)`` of each turn, without loading the turns (for tables of many flags)."""
        rows = select_in(self.db, "SELECT id, created_at, question FROM turns WHERE id IN ({})",
                         dict.fromkeys(turn_ids))
        return {r[0]: (r[1], r[2]) for r in rows}

    def turn_ids(self, *, since: float | None = None, until: float | None = None) -> list[str]:
        where, args = _date_range("created_at", since, until)
        return [r[0] for r in self.db.execute(
            f"SELECT id FROM turns WHERE {' AND '.join(['TRUE', *where])} ORDER BY created_at", tuple(args))]

    def turn_of(self, statement_id: int) -> Turn:
        """The turn a statement belongs to."""
        row = self.db.execute("SELECT turn_id FROM statements WHERE id = ?", (int(statement_id),)).fetchone()
        if row is None:
            raise InputError(f"no statement {statement_id} in the log")
        return self.turn(row[0])

    def find_turn(self, prefix: str) -> Turn:
        """The one turn whose id starts with ``prefix`` (an error if none or several do)."""
        ids = [r[0] for r in self.db.execute("SELECT id FROM turns WHERE substr(id, 1, ?) = ? LIMIT 2",
                                             (len(prefix), prefix))]
        if len(ids) != 1:
            raise InputError(f"no turn {prefix!r} in the log" if not ids else f"turn id {prefix!r} is ambiguous")
        return self.turn(ids[0])

    def counts(self) -> dict[str, int]:
        out = {"turns": self.db.execute("SELECT COUNT(*) FROM turns").fetchone()[0]}
        for label, n in self.db.execute("SELECT label, COUNT(*) FROM statements GROUP BY label"):
            out[label] = n
        out["reviewed"] = self.db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        return out
