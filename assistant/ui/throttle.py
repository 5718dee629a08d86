"""Failed sign-ins slow the next ones down: per user name and per client address.

After ``free_failures`` failures in a row, a key (a user name, an address) must wait
``base_s`` seconds before its next try, twice as long after each further failure, up to
``lockout_s``: the lockout, which expires that long after the last failure (and the count
starts again). A success clears the user name's count, not the address's. Every failure is
a log line (user name and address; never the password). ``LoginRequired`` asks this before
the login route runs and answers 429 with ``Retry-After`` while a key must wait.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

log = logging.getLogger("assistant.login")


@dataclass
class LoginThrottle:
    free_failures: int = 3
    base_s: float = 1.0
    lockout_s: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)  # key -> (in a row, last at)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _wait(self, key: str, now: float) -> float:
        count, last = self._failures.get(key, (0, 0.0))
        if count < self.free_failures:
            return 0.0
        wait = min(self.base_s * 2 ** (count - self.free_failures), self.lockout_s)
        return max(0.0, last + wait - now)

    def wait_s(self, keys: Iterable[str]) -> float:
        """Seconds until any of ``keys`` may try again (0: now)."""
        now = self.clock()
        with self._lock:
            self._expire(now)
            return max((self._wait(k, now) for k in keys), default=0.0)

    def failed(self, user: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            self._expire(now)
            for key in keys(user, address):
                count, _ = self._failures.get(key, (0, now))
                self._failures[key] = (count + 1, now)
            count = self._failures[f"user:{user}"][0]
        log.warning("failed sign-in for user %r from %s (%d in a row for this user)", user, address, count)

    def succeeded(self, user: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{user}", None)

    def _expire(self, now: float) -> None:
        """Forget keys whose last failure is older than the lockout (so the table cannot grow for ever)."""
        stale = [k for k, (_, last) in self._failures.items() if now - last > self.lockout_s]
        for key in stale:
            del self._failures[key]


def keys(user: str, address: str) -> list[str]:
    return [f"user:{user}", f"address:{address}"]
