"""``assistant db migrate`` and ``assistant db copy``: a data home's stores moved to PostgreSQL and back."""

from __future__ import annotations

import pytest

from assistant.cli.main import main
from assistant.flags.export import export
from assistant.flags.log import FlagLog
from core.config import IndexConfig
from index.documents import DocumentIndex
from tests.test_log import checked_turn


@pytest.fixture
def filled_home(assistant_home, embedder, tmp_path):
    """A data home on SQLite with two documents, three answers and a review."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "acme.md").write_text("# Acme Corp\n\nAcme Corp was founded in 1999 in Oslo. Its head office is in Bergen.")
    (docs / "moon.txt").write_text("The Moon orbits the Earth every 27.3 days.")
    index = DocumentIndex(IndexConfig(), root=assistant_home / "index", embedder=embedder)
    index.add([docs])
    index.close()
    log = FlagLog(assistant_home / "log.sqlite")
    turns = [checked_turn(log, session=f"web:ann:{n}") for n in range(3)]
    flagged = log.turn(turns[0]).flagged[0]
    log.review(flagged.id, "confirmed", correction="Acme's head office is in Bergen.", reviewer="ann")
    log.close()
    return assistant_home


def test_a_data_home_copied_to_postgresql_and_back_keeps_everything(filled_home, postgres_server, embedder,
                                                                     tmp_path, capsys):
    url = postgres_server.database("copy_target")
    assert main(["db", "copy", "--from", "sqlite", "--to", url, "-q"]) == 0
    assert "copied 2 documents" in capsys.readouterr().out
    # a replica with a data home of its own reads the copy: search, the log, its review, the export
    replica = DocumentIndex(IndexConfig(), root=tmp_path / "replica" / "index", embedder=embedder, database=url)
    assert replica.search("where is the head office?", k=1)[0].title == "Acme Corp"
    assert sorted(d.title for d in replica.documents()) == ["Acme Corp", "The Moon orbits the Earth every 27.3 days."]
    before, after = FlagLog(filled_home / "log.sqlite"), FlagLog(url)
    assert after.counts() == before.counts()
    (mine,) = [s for s in after.flags(reviewed=True)]
    assert mine.decision == "confirmed" and after.turn(mine.turn_id).correction == "Acme's head office is in Bergen."
    assert export(after, "dpo", tmp_path / "pg.jsonl").rows == export(before, "dpo", tmp_path / "sq.jsonl").rows == 1
    assert (tmp_path / "pg.jsonl").read_text() == (tmp_path / "sq.jsonl").read_text()
    # new rows after the copy get new ids (the id counters moved past the copied ones)
    checked_turn(after, session="web:bob:1")
    assert after.counts()["turns"] == 4
    # a second copy into the same database is refused and changes nothing
    assert main(["db", "copy", "--from", "sqlite", "--to", url, "-q"]) == 4
    assert "already holds data" in capsys.readouterr().err and FlagLog(url).counts()["turns"] == 4
    # and back to a new data home on SQLite
    assert main(["db", "copy", "--from", url, "--to", f"sqlite:{tmp_path / 'back'}", "-q"]) == 0
    back = DocumentIndex(IndexConfig(), root=tmp_path / "back" / "index", embedder=embedder)
    assert back.search("Bergen", k=1)[0].title == "Acme Corp"
    assert FlagLog(tmp_path / "back" / "log.sqlite").counts()["turns"] == 4


def test_migrate_brings_a_new_database_to_the_last_migration(postgres_server, capsys, monkeypatch):
    url = postgres_server.database("migrate_target")
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    assert main(["db", "migrate"]) == 0
    out = capsys.readouterr().out
    from assistant.flags.log import MIGRATIONS
    from index.store import MIGRATIONS as INDEX_MIGRATIONS
    assert f"index: at migration {len(INDEX_MIGRATIONS)}" in out and f"flag log: at migration {len(MIGRATIONS)}" in out
    assert "postgresql://postgres@/migrate_target" in out


def test_a_store_that_is_not_one_is_named(capsys):
    assert main(["db", "copy", "--from", "mysql://x", "--to", "sqlite", "-q"]) == 4
    assert "'mysql://x' is not a store" in capsys.readouterr().err


def test_a_server_that_is_not_there_is_named_without_its_password():
    from core.errors import StorageError

    with pytest.raises(StorageError, match=r"cannot connect to the database at postgresql://ann:\*\*\*@/nowhere") as err:
        FlagLog("postgresql://ann:s3cret@/nowhere?host=/nonexistent-socket-dir")
    assert "s3cret" not in str(err.value)


def test_a_replica_outlives_a_restart_of_the_server(postgres_server, tmp_path):
    url = postgres_server.database("restarted")
    log = FlagLog(url)
    checked_turn(log)
    postgres_server.restart()
    assert log.counts()["turns"] == 1  # the lost connection is replaced, the read asked again
    checked_turn(log)  # and writes go on
    assert FlagLog(url).counts()["turns"] == 2


def test_info_on_postgresql_names_the_server_not_its_password(postgres_server, capsys, monkeypatch):
    import json

    url = postgres_server.database("info_target").replace("postgres@", "postgres:s3cret@")  # trust: any password
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    assert main(["info", "--json"]) == 0
    out = capsys.readouterr().out
    info = json.loads(out)
    assert "s3cret" not in out
    assert info["settings"]["storage"]["url"] == {"value": url.replace("s3cret", "***"),
                                                  "from": "env:ASSISTANT_DATABASE_URL"}
    assert info["index"]["database"] == url.replace("s3cret", "***") and info["index"]["documents"] == 0
