"""Every input budget, named, with its default: how much any one input may cost.

An input from outside (an uploaded file, a request, a question) is refused, with the name of
the budget it broke, before it can cost more than this. Every budget is a setting
(``core/config.py``: ``index.*`` for files, ``requests.*`` for requests; ``Config.limits()``
gives them all as one :class:`Limits`) whose default is the value here, so this module is the
one place a default is written. Files are checked by ``index/load.py`` and
``index/parse_worker.py``; requests (``assistant serve``, the page's question box and chat
history, ``assistant check --input``) before any work, refused with a message naming the
field (HTTP 413 for size, 400 for shape).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Limits:
    # files to index
    # index.max_file_mb: larger files are refused before a byte is read
    file_mb: float = 50.0
    # index.unpack_ratio, index.unpack_floor_mb: a .docx (a zip) whose parts declare more than
    # max(unpack_ratio x the file limit, unpack_floor_mb) unpacked is refused unread
    unpack_ratio: float = 20.0
    unpack_floor_mb: float = 200.0
    # index.max_text_chars: a file whose text runs past this is refused; the text is chunked and
    # embedded in the app's own process, with no budget of its own. Split a longer text into files
    text_chars: int = 5_000_000
    # index.max_pages: a PDF with more pages is refused before a page is read
    pages: int = 5_000
    # index.parse_seconds: wall-clock time to parse one file (PDF, .docx, HTML, JSONL) in the
    # parsing process; past it the process is killed and the file skipped
    parse_seconds: float = 25.0
    # index.parse_memory_mb: address space of the parsing process, interpreter included; a parse
    # that needs more fails there, and the file is skipped
    parse_memory_mb: int = 1024
    # requests
    # requests.max_body_mb: a request body
    request_mb: float = 8.0
    # requests.max_messages, max_message_chars, max_chars: messages per chat request, characters
    # per message and for all of them (the model's context holds far less: a longer chat would
    # only be trimmed away). The page keeps its chat history within them too
    messages: int = 500
    message_chars: int = 100_000
    request_chars: int = 400_000
    # requests.max_question_chars: a question typed in the page, or given with a claim to check
    question_chars: int = 20_000
    # requests.max_tokens: the most tokens a request may ask an answer to have
    max_tokens: int = 4_096
    # requests.max_check_items, max_claim_chars, max_evidence_chars: items per /v1/check request,
    # characters per claim (a claim is one statement) and per item's evidence (the checker reads
    # at most checker.max_windows windows of it, but splitting and ranking them reads it all)
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
