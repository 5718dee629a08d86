"""Every input budget, named, with its default: how much any one input may cost.

An input from outside (an uploaded file, a request, a question) is refused, with the name of
the budget it broke, before it can cost more than this. Every budget is a setting
(``core/config.py``: ``index.*`` for files, ``requests.*`` for requests; ``Config.limits()``
gives them all as one :class:`Limits`) whose default is the value here, so this module is the
one place a default is written.

Files to index (``index/load.py`` reads them, ``index/parse_worker.py`` runs the parsers):

- ``file_mb`` (``index.max_file_mb``): larger files are refused before a byte is read.
- ``unpack_ratio`` and ``unpack_floor_mb`` (``index.unpack_ratio``, ``index.unpack_floor_mb``):
  a .docx (a zip) whose parts declare more than ``max(unpack_ratio x the file limit,
  unpack_floor_mb)`` unpacked is refused unread.
- ``pages`` (``index.max_pages``): a PDF with more pages is refused before a page is read.
- ``text_chars`` (``index.max_text_chars``): a file whose text runs past this many characters
  is refused. The text is chunked and embedded in the app's own process, without a budget of
  its own: 5 million characters are about 6,000 chunks, minutes of embedding on 2 cores (a
  hostile run's 28 KB .docx of 20 million characters took 3.4 GB and would have embedded for
  over an hour under the earlier 100 million). Split a longer text into several files.
- ``parse_seconds`` (``index.parse_seconds``): wall-clock time to parse one file (PDF, .docx,
  HTML, JSONL) in the parsing process; past it the process is killed and the file skipped.
- ``parse_memory_mb`` (``index.parse_memory_mb``): address space of the parsing process,
  interpreter included; a parse that needs more fails there, and the file is skipped.

Requests (``assistant serve``; the page's question box and chat history; ``assistant check
--input``), checked before any work, refused with a message naming the field (HTTP 413 for
size, 400 for shape):

- ``request_mb`` (``requests.max_body_mb``): a request body;
- ``messages``, ``message_chars``, ``request_chars`` (``requests.max_messages``,
  ``requests.max_message_chars``, ``requests.max_chars``): messages per chat request,
  characters per message and for all of them (the model's context holds far less: a longer
  chat would only be trimmed away). The page keeps its chat history within them too;
- ``question_chars`` (``requests.max_question_chars``): a question typed in the page, or
  given with a claim to check;
- ``max_tokens`` (``requests.max_tokens``): the most tokens a request may ask an answer to have;
- ``check_items``, ``claim_chars``, ``evidence_chars`` (``requests.max_check_items``,
  ``requests.max_claim_chars``, ``requests.max_evidence_chars``): items per ``/v1/check``
  request, characters per claim (a claim is one statement) and per item's evidence (the
  checker reads at most ``checker.max_windows`` windows of it, but splitting and ranking them
  reads it all).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Limits:
    # files to index
    file_mb: float = 50.0
    unpack_ratio: float = 20.0
    unpack_floor_mb: float = 200.0
    text_chars: int = 5_000_000
    pages: int = 5_000
    parse_seconds: float = 25.0
    parse_memory_mb: int = 1024
    # requests
    request_mb: float = 8.0
    messages: int = 500
    message_chars: int = 100_000
    request_chars: int = 400_000
    question_chars: int = 20_000
    max_tokens: int = 4_096
    check_items: int = 64
    claim_chars: int = 5_000
    evidence_chars: int = 100_000

    @property
    def file_bytes(self) -> int:
        return int(self.file_mb * 1e6)

    def unpacked_bytes(self, file_bytes: int) -> int:
        """Most bytes a .docx may declare its parts unpack to, under a file limit of ``file_bytes``."""
        return int(max(self.unpack_ratio * file_bytes, self.unpack_floor_mb * 1e6))

    def with_changes(self, **changes) -> Limits:
        return replace(self, **changes)


LIMITS = Limits()
