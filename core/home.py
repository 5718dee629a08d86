"""Where the assistant keeps its data: one function, one environment variable.

Everything the assistant writes (converted model caches, the document index,
the flag log, adapters) lives under :func:`data_home`.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "ASSISTANT_HOME"
APP_NAME = "grounded-assistant"


def data_home() -> Path:
    """The data directory: ``$ASSISTANT_HOME`` if set, else a per-user data dir.

    The directory is created if missing. The CLI's ``--home DIR`` sets the
    environment variable, so child processes and threads agree on it.
    """
    env = os.environ.get(HOME_ENV)
    if env:
        path = Path(env).expanduser()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def subdir(name: str) -> Path:
    """A named folder inside the data home (``models``, ``index``, ...), created if missing."""
    path = data_home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path
