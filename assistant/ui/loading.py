"""The dialogue model loading in a thread of its own, so that the page is up at once.

A first start joins, converts and exports the default model: minutes on a CPU. The page is
served before that and says what the load is doing (``step``, the last progress line); a
question asked meanwhile waits, its status showing the same line, and is answered once the
model is there. A load that fails says why in the page and leaves Settings' *Load model* to
name another.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from core.errors import AssistantError
from core.progress import Progress

log = logging.getLogger(__name__)


class LoadingModel:
    """A model on its way: ``name`` and ``generation`` (decoding defaults) are known at once,
    the model itself once ``load(progress)`` returns in the background."""

    def __init__(self, name: str, generation: Any, load: Callable[[Progress], Any],
                 progress: Progress | None = None, start: bool = True):
        self.name, self.generation = name, generation
        self.step = f"loading {name}..."
        self.chat: Any = None
        self.error: str | None = None
        self.started = time.monotonic()  # reset when the load starts
        self._progress = progress
        self._done = threading.Event()
        self._listeners: list[Callable[[Any], None]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, args=(load,), name="model-load", daemon=True)
        if start:
            self.start()

    def start(self) -> None:
        """Begin loading (once): ``app.py`` starts it once the page is served, so that a first
        start's conversion does not slow the page's own start."""
        if not self._thread.is_alive() and not self._done.is_set():
            self.started = time.monotonic()  # "N s so far" counts the load, not the wait for the page
            self._thread.start()

    def _run(self, load: Callable[[Progress], Any]) -> None:
        try:
            chat = load(self._say)
        except AssistantError as err:
            self._fail(str(err))
            return
        except Exception as err:  # a bug: logged with its traceback, and the page says the load failed
            log.exception("loading %s failed", self.name)
            self._fail(f"internal error: {type(err).__name__}: {err}")
            return
        with self._lock:
            self.chat, listeners = chat, list(self._listeners)
        for listener in listeners:
            listener(chat)
        self._say(f"{self.name} is loaded ({time.monotonic() - self.started:.0f} s)")
        self._done.set()

    def _say(self, line: str) -> None:
        self.step = line
        if self._progress is not None:
            self._progress(line)

    def _fail(self, reason: str) -> None:
        self.error = reason
        self.step = f"{self.name} did not load: {reason}"
        if self._progress is not None:
            self._progress(self.step)
        self._done.set()

    def when_loaded(self, listener: Callable[[Any], None]) -> None:
        """Call ``listener(chat)`` once the model is loaded (at once if it already is)."""
        with self._lock:
            if self.chat is None:
                self._listeners.append(listener)
                return
        listener(self.chat)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the load has ended (loaded or failed) within ``timeout`` seconds."""
        return self._done.wait(timeout)

    def status(self) -> str:
        """One line for the page: what the load is doing, and for how long."""
        if self.error is not None or self.chat is not None:
            return self.step
        return f"{self.step} ({time.monotonic() - self.started:.0f} s so far)"
