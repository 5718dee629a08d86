"""User-facing errors, and the exit codes the CLI maps them to.

Code raises these where it knows what went wrong; the edges (CLI, web UI)
turn them into one clear line (or a ``gr.Error``) instead of a traceback.

The exit codes are the ``EXIT_*`` constants below (the README's table says what each means).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BUG = 1  # an unexpected internal error
EXIT_USAGE = 2  # bad usage or configuration
EXIT_MODEL = 3  # a model could not be found or loaded
EXIT_INPUT = 4  # bad input (for ``docs add`` and ``check --input``: some files or lines were skipped)
EXIT_STORAGE = 5  # the data home cannot be written
EXIT_INTERRUPTED = 130  # Ctrl-C


class AssistantError(Exception):
    """Base class for errors a user can act on. ``str(err)`` is the message."""

    exit_code = EXIT_BUG


class ConfigError(AssistantError):
    """An unknown setting, or a value of the wrong type or range."""

    exit_code = EXIT_USAGE


class ModelError(AssistantError):
    """A model that cannot be found, downloaded or loaded."""

    exit_code = EXIT_MODEL


class InputError(AssistantError):
    """Input the assistant cannot use: a bad file, an over-long prompt, ..."""

    exit_code = EXIT_INPUT


class TooLarge(InputError):
    """Input over one of the budgets in ``core.limits`` (the API answers 413)."""


class Cancelled(Exception):
    """Work stopped part-way because whoever asked for it left (a client that hung up). Not an
    error to report: nobody is there to read it."""


class StorageError(AssistantError):
    """The data home cannot be written: a full disk, a file size limit, an I/O error.

    Raised after the write was undone: everything committed before is still there."""

    exit_code = EXIT_STORAGE


def first_line(err: BaseException) -> str:
    """The first line of what an exception says (libraries' load errors run to pages), or its type."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def storage_error(path, err: BaseException) -> StorageError:
    """A StorageError naming ``path`` and what the system said (an OSError or an SQLite error)."""
    import errno

    reason = getattr(err, "strerror", None) or str(err)
    if getattr(err, "errno", None) in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT) or "full" in reason:
        hint = "free some space (or raise the file size limit) and try again"
    else:
        hint = "check the disk and the permissions of the data home"
    return StorageError(f"cannot write {path}: {reason}; that write was undone and what was saved before is intact; {hint}")

