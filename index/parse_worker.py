"""Parse files in a process of their own, under a time and a memory budget.

    with Parser(limits) as parser:       # one worker process for a batch, started when first needed
        parser.load(path, name)          # -> [Document | DocumentError, ...]

    python -m index.parse_worker LIMITS  # the worker (LIMITS: the Limits as JSON): one request at a time

PDF, .docx, HTML and JSONL are parsed by the worker, its address space capped at
``parse_memory_mb`` (RLIMIT_AS) and its wall-clock time per file at ``parse_seconds`` (killed from
here; an RLIMIT_CPU a few seconds past it stops a worker whose parent is gone). A file past either is
one DocumentError naming the budget, the batch goes on, and the next file gets a fresh worker,
started with ``subprocess``, never a bare fork (the app runs torch's and FAISS's threads). Plain
text (.txt, .md) is read here: its size was checked and decoding it is linear, so a worker would
only add its start. Requests and answers are frames (8 bytes of length, then JSON); the worker
is treated as hostile too: only JSON crosses back, and an answer that is not a worker's becomes
the file's error.
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from core.limits import Limits
from index.load import HTML_TYPES, Document, DocumentError, load_path, read_failure

WORKER_TYPES = {".pdf", ".docx", ".jsonl", *HTML_TYPES}
START_SECONDS = 60.0  # for the worker to import its parsers and say it is ready (far more than it takes)
ROOT = Path(__file__).resolve().parents[1]


class Parser:
    """Reads files into documents; everything but plain text in a worker process under ``limits``."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self._proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        """The worker's process id, while one runs."""
        return self._proc.pid if self._proc is not None else None

    def __enter__(self) -> Parser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def load(self, path: Path, name: str | None = None) -> list[Document | DocumentError]:
        """The documents in ``path`` and the errors for what could not be taken in; never raises for the file."""
        if path.suffix.lower() in WORKER_TYPES:
            return self._in_worker(path, name)
        try:
            return list(load_path(path, self.limits.file_bytes, name, self.limits))
        except Exception as err:  # MemoryError included: this file's failure, not the batch's
            return [read_failure(path, err)]

    def close(self) -> None:
        """Let the worker finish and exit (it exits when its input closes); kill it if it does not."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        proc.stdout.close()

    # -- the calling side ------------------------------------------------------------------------
    def _in_worker(self, path: Path, name: str | None) -> list[Document | DocumentError]:
        request = {"path": str(path), "name": name, "max_bytes": self.limits.file_bytes}
        for _ in range(2):  # a worker that went away while idle is replaced once
            if self._proc is None:
                problem = self._start(path)
                if problem is not None:
                    return [problem]
            try:
                _write_frame(self._proc.stdin, request)
                break
            except OSError:
                self._kill()
        else:
            return [DocumentError(path, "could not be parsed: the parsing process stopped taking files",
                                  "worker_stopped")]
        seconds = self.limits.parse_seconds
        try:
            answer = self._read_frame(time.monotonic() + seconds)
            if answer is None:
                return [_death(path, self._kill(), seconds)]
            if answer == {"memory": True}:
                self._kill()  # it exits by itself: a process that ran out of memory is not reused
                return [DocumentError(path, f"parsing needed more than {self.limits.parse_memory_mb} MB of memory "
                                            "(index.parse_memory_mb); the file was skipped",
                                      "parse_memory", {"mb": str(self.limits.parse_memory_mb)})]
            return [_item(entry) for entry in answer["items"]]
        except TimeoutError:
            self._kill()
            return [DocumentError(path, f"parsing took more than {seconds:g} s (index.parse_seconds); "
                                        "the file was skipped", "parse_seconds", {"seconds": f"{seconds:g}"})]
        except (KeyError, TypeError, ValueError) as err:  # not what a worker sends: it is not trusted further
            self._kill()
            return [DocumentError(path, f"could not be parsed: the parsing process answered nonsense ({err!r})",
                                  "worker_nonsense", {"error": repr(err)})]

    def _start(self, path: Path) -> DocumentError | None:
        """Start a worker and wait until it is ready; what went wrong (``path`` could not be parsed), or None."""
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "index.parse_worker", json.dumps(dataclasses.asdict(self.limits))],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, env=env, close_fds=True)
        except OSError as err:  # no memory or process slots left for it
            reason = str(err.strerror or err)
            return DocumentError(path, f"could not be parsed: the parsing process could not be started ({reason})",
                                 "worker_not_started", {"reason": reason})
        try:
            ready = self._read_frame(time.monotonic() + START_SECONDS)
        except TimeoutError:
            ready = None
        if ready == {"ready": True}:
            return None
        code = self._kill()
        return DocumentError(path, f"could not be parsed: the parsing process did not start (exit status {code}; "
                                   "its error is in the log)", "worker_did_not_start", {"code": str(code)})

    def _read_frame(self, deadline: float) -> dict | None:
        """The worker's next answer; None when it is gone; TimeoutError past ``deadline``."""
        header = self._read_exactly(8, deadline)
        if header is None:
            return None
        size = int.from_bytes(header, "big")
        if size > 4 * (self.limits.text_chars + self.limits.file_bytes) + (1 << 20):
            raise ValueError(f"an answer of {size:,} bytes")
        body = self._read_exactly(size, deadline)
        return None if body is None else json.loads(body.decode("utf-8", "surrogatepass"))

    def _read_exactly(self, size: int, deadline: float) -> bytes | None:
        fd, parts, left = self._proc.stdout.fileno(), [], size
        while left:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
            part = os.read(fd, min(left, 1 << 20))
            if not part:
                return None
            parts.append(part)
            left -= len(part)
        return b"".join(parts)

    def _kill(self) -> int | None:
        """Stop the worker now; its exit status (negative: the signal that ended it)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        proc.kill()
        code = proc.wait()
        proc.stdin.close()
        proc.stdout.close()
        return code


def _death(path: Path, code: int | None, seconds: float) -> DocumentError:
    if code == -signal.SIGXCPU:
        return DocumentError(path, f"parsing took more than {seconds:g} s of CPU (index.parse_seconds); "
                                   "the file was skipped", "parse_cpu_seconds", {"seconds": f"{seconds:g}"})
    return DocumentError(path, f"the parsing process died while reading it (exit status {code}); the file was skipped",
                         "worker_died", {"code": str(code)})


def _item(entry: dict) -> Document | DocumentError:
    if "error" in entry:
        where, reason = entry["error"]
        key, fields = entry.get("key"), entry.get("fields") or {}
        return DocumentError(str(where), str(reason), None if key is None else str(key),
                             {str(name): str(value) for name, value in dict(fields).items()})
    d = entry["document"]
    return Document(str(d["source"]), str(d["title"]), str(d["kind"]), str(d["text"]),
                    [(int(number), int(start)) for number, start in d["pages"]], dict(d["metadata"]))


def _write_frame(stream, message: dict) -> None:
    body = json.dumps(message, ensure_ascii=False).encode("utf-8", "surrogatepass")
    stream.write(len(body).to_bytes(8, "big") + body)
    stream.flush()


# -- the worker --------------------------------------------------------------------------------------
def _limit_cpu(seconds: float) -> None:
    """Stop this process (SIGXCPU) if the next parse uses a few seconds of CPU more than its budget."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _answer(request: dict, limits: Limits) -> dict:
    try:
        items = list(load_path(Path(request["path"]), int(request["max_bytes"]), request["name"], limits))
        return {"items": [{"error": [i.path, i.reason], "key": i.key, "fields": i.fields} if isinstance(i, DocumentError)
                          else {"document": dataclasses.asdict(i)} for i in items]}
    except MemoryError:
        return {"memory": True}


def main(argv: list[str] | None = None) -> int:
    import resource

    argv = sys.argv[1:] if argv is None else argv
    limits = Limits(**json.loads(argv[0]))
    out = os.fdopen(os.dup(1), "wb")  # answers only: anything a library prints goes to stderr
    os.dup2(2, 1)
    import docx  # noqa: F401  loaded before the budget: the parsers' own code is not a file's cost
    import lxml.etree  # noqa: F401
    import pypdf  # noqa: F401

    cap, hard = limits.parse_memory_mb << 20, resource.getrlimit(resource.RLIMIT_AS)[1]
    cap = cap if hard == resource.RLIM_INFINITY else min(cap, hard)  # a lower cap set from outside stays
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ValueError, OSError) as err:  # macOS does not enforce it: said once, and the time budget still holds
        print(f"index.parse_worker: cannot cap memory here ({err}); index.parse_memory_mb is not enforced",
              file=sys.stderr)
    _write_frame(out, {"ready": True})
    requests = sys.stdin.buffer
    while (header := requests.read(8)):
        request = json.loads(requests.read(int.from_bytes(header, "big")).decode("utf-8", "surrogatepass"))
        _limit_cpu(limits.parse_seconds)
        answer = _answer(request, limits)
        try:
            _write_frame(out, answer)
        except MemoryError:
            answer = {"memory": True}
            _write_frame(out, answer)
        if answer.get("memory"):
            return 0  # after a MemoryError the parsers' state is anyone's guess: the next file gets a new process
    return 0


if __name__ == "__main__":
    sys.exit(main())
