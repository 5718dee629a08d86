"""Past chats, per user: listed, opened (rebuilt from the flag log's turns), renamed, deleted.

A chat is a row of the flag log's ``chats`` table (migration 4) and the turns that name it. Its
owner is the signed-in user ('' without a login, where the page has one user); nobody opens,
renames or deletes another's chat. Deleting a chat removes it from the list and detaches its
turns: their answers and flags stay in the log for review and export, which is what they are for.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from assistant.flags.log import FlagLog, Turn
from core.db import transaction
from core.errors import InputError

TITLE_CHARS = 80


@dataclass(frozen=True)
class Chat:
    id: str
    title: str
    created_at: float
    updated_at: float
    turns: int


def title_of(question: str) -> str:
    """A chat's first title: its first question, on one line, cut at a word."""
    words = " ".join(question.split())
    if len(words) <= TITLE_CHARS:
        return words or "untitled chat"
    return words[:TITLE_CHARS].rsplit(" ", 1)[0] + "..."


def start(log: FlagLog, owner: str | None, title: str) -> str:
    """A new chat of ``owner``'s; its id."""
    chat_id, now = uuid.uuid4().hex, time.time()
    with transaction(log.db):
        log.db.execute("INSERT INTO chats (id, owner, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                       (chat_id, owner or "", title_of(title), now, now))
    return chat_id


def listed(log: FlagLog, owner: str | None, limit: int = 200) -> list[Chat]:
    """``owner``'s chats, the one used last first."""
    rows = log.db.execute(
        "SELECT c.id, c.title, c.created_at, c.updated_at, (SELECT count(*) FROM turns t WHERE t.chat_id = c.id) AS n "
        "FROM chats c WHERE c.owner = ? ORDER BY c.updated_at DESC, c.id LIMIT ?", (owner or "", limit)).fetchall()
    return [Chat(r["id"], r["title"], r["created_at"], r["updated_at"], r["n"]) for r in rows]


def _owned(log: FlagLog, chat_id: str, owner: str | None) -> None:
    row = log.db.execute("SELECT owner FROM chats WHERE id = ?", (chat_id,)).fetchone()
    if row is None or row["owner"] != (owner or ""):  # another user's chat is as good as missing
        raise InputError("no such chat (it was deleted, or it is another user's)")


def turns(log: FlagLog, chat_id: str, owner: str | None) -> list[Turn]:
    """The turns of one of ``owner``'s chats, in order."""
    _owned(log, chat_id, owner)
    ids = [r[0] for r in log.db.execute("SELECT id FROM turns WHERE chat_id = ? ORDER BY created_at, id",
                                        (chat_id,))]
    return [log.turn(turn_id) for turn_id in ids]


def rename(log: FlagLog, chat_id: str, title: str, owner: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise InputError("give the chat a title")
    if len(title) > TITLE_CHARS:
        raise InputError(f"a chat's title has at most {TITLE_CHARS} characters, this one {len(title)}")
    with transaction(log.db):
        _owned(log, chat_id, owner)
        log.db.execute("UPDATE chats SET title = ? WHERE id = ?", (title, chat_id))
    return title


def delete(log: FlagLog, chat_id: str, owner: str | None) -> None:
    """Remove the chat from ``owner``'s list; its turns stay in the log, detached."""
    with transaction(log.db):
        _owned(log, chat_id, owner)
        log.db.execute("UPDATE turns SET chat_id = NULL WHERE chat_id = ?", (chat_id,))
        log.db.execute("DELETE FROM chats WHERE id = ?", (chat_id,))
