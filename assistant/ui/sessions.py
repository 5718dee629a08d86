"""Sign-ins every replica of the page knows: Gradio's session tokens kept in the flag log's database.

Gradio keeps who signed in as a dict in the process (``app.tokens``: token -> user name) under a
cookie whose name is random per process (``app.cookie_id``). Behind a load balancer a user signed
in on one replica would be a stranger to the next. :func:`share_sign_ins` gives the app a mapping
stored in the log's ``sign_ins`` table instead, and the cookie name the database keeps, so a
sign-in (and a sign-out) holds on every replica sharing the database, and survives a restart.
Only a SHA-256 of each token is stored: reading the table does not let anyone sign in.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, MutableMapping

from core.db import transaction


class _Stored(str):
    """A key as the table holds it (already hashed): what iterating the mapping gives back, so that
    Gradio's sign-out (``for token in tokens: if tokens[token] == user: del tokens[token]``) works."""


def _key(token: str) -> str:
    return token if isinstance(token, _Stored) else hashlib.sha256(token.encode("utf-8")).hexdigest()


class SharedSignIns(MutableMapping):
    """token -> user name, in the flag log's database (SQLite or PostgreSQL)."""

    def __init__(self, log):
        self.log = log

    def __getitem__(self, token: str) -> str:
        if not isinstance(token, str):  # Gradio asks for None when a request carries no cookie
            raise KeyError(token)
        row = self.log.db.execute("SELECT username FROM sign_ins WHERE token_hash = ?", (_key(token),)).fetchone()
        if row is None:
            raise KeyError(token)
        return row[0]

    def __setitem__(self, token: str, username: str) -> None:
        with transaction(self.log.db):
            self.log.db.execute(
                "INSERT INTO sign_ins (token_hash, username, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (token_hash) DO UPDATE SET username = excluded.username",
                (_key(token), username, time.time()))

    def __delitem__(self, token: str) -> None:
        with transaction(self.log.db):
            if not self.log.db.execute("DELETE FROM sign_ins WHERE token_hash = ?", (_key(token),)).rowcount:
                raise KeyError(token)

    def __iter__(self) -> Iterator[str]:
        return iter([_Stored(r[0]) for r in self.log.db.execute("SELECT token_hash FROM sign_ins")])

    def __len__(self) -> int:
        return self.log.db.execute("SELECT count(*) FROM sign_ins").fetchone()[0]


def cookie_id(log) -> str:
    """The name every replica gives the sign-in cookie (made once, by the log's migration 5)."""
    return log.db.execute("SELECT value FROM meta WHERE key = 'cookie_id'").fetchone()[0]


def share_sign_ins(app, log) -> None:
    """Make a launched Gradio app keep its sign-ins in ``log``'s database."""
    app.tokens = SharedSignIns(log)
    app.cookie_id = cookie_id(log)
