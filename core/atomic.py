"""Replace a folder (or a file) so that a reader never sees half of it, even if the writer is killed.

``replace_folder(out, write)`` has ``write`` fill a temp folder beside ``out``, then moves
the old folder aside, renames the new one in and removes the old one. Killed at any
moment, it leaves ``out`` complete (old or new version) or, in the instant between the
two renames, the old version under ``.<name>.old``; :func:`recover_folder` (called by
every reader and by the next write) puts that back. A write the disk refuses leaves the
old folder and raises :class:`core.errors.StorageError`.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Callable, Iterator

from core.errors import storage_error


def _aside(out: Path, what: str) -> Path:
    return out.with_name(f".{out.name}.{what}")


def recover_folder(out: Path, tidy: bool = False) -> Path:
    """Undo what a killed :func:`replace_folder` left: the old version back in place if the new
    one never arrived. With ``tidy`` (the writer itself, before writing) leftovers are removed
    too; a reader leaves them, as a writer may be at work on them. Returns ``out``."""
    old, tmp = _aside(out, "old"), _aside(out, "tmp")
    if old.exists() and not out.exists():
        old.rename(out)
    if tidy:
        if old.exists():  # killed after the new version went in: the old one is garbage
            shutil.rmtree(old)
        if tmp.exists():  # killed while writing: never became anything
            shutil.rmtree(tmp)
    return out


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_folder(out: Path, write: Callable[[Path], None]) -> Path:
    """Write a new version of the folder ``out`` with ``write(temp_folder)``, then swap it in."""
    out.parent.mkdir(parents=True, exist_ok=True)
    recover_folder(out, tidy=True)
    old, tmp = _aside(out, "old"), _aside(out, "tmp")
    try:
        tmp.mkdir()
        write(tmp)
        for file in tmp.rglob("*"):
            if file.is_file():
                with open(file, "rb") as fh:
                    os.fsync(fh.fileno())
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)  # what little was written; the error below says why
        raise storage_error(out, err) from err
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    _sync_dir(out.parent)
    if old.exists():
        shutil.rmtree(old)
    return out


def temp_beside(path: Path) -> Path:
    """The temp file a writer of ``path`` in this process uses (``.<name>.<pid>.tmp``; the pid
    lets a later writer tell a dead process's leftover from a live writer's)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextmanager
def replacing(path: Path) -> Iterator[IO[str]]:
    """A text file to write the new ``path`` into: when the block ends it is fsynced and
    renamed over ``path``; if the block raises, the temp file goes and ``path`` is as it was
    (an ``OSError`` raised as a :class:`~core.errors.StorageError` naming ``path``)."""
    tmp = temp_beside(path)
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise storage_error(path, err) from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_file(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` whole or not at all (see :func:`replacing`)."""
    with replacing(path) as fh:
        fh.write(text)
    return path
