"""Chunks of one document that meet, read as one passage.

The index cuts a document into chunks of about 192 tokens at sentence ends (``index/chunk.py``); a
statement may need the sentence either side of a cut: "Yerevan State University had about 1,300
teachers in 1992." stands on "In 1992 Armenia's largest institution of higher learning, Yerevan
State University, had eighteen departments ..." at the end of one chunk and "Its faculty numbered
about 1,300 teachers ..." at the start of the next. Retrieved both, each was judged alone and
neither supported it (session 34's answers benchmark on SQuAD train: a right answer withheld). The
checker reads such chunks as one passage: the document's text from the first one's start to the
last one's end.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence, TypeVar

GAP = 4  # characters between two chunks that still meet: the space or blank line between two sentences

E = TypeVar("E")  # checker.Evidence: text, doc_id, page, start, end


def documents_of(index) -> Callable[[str], str | None]:
    """A document's text by its id from ``index`` (None: no index), each document read once."""
    texts: dict[str, str | None] = {}

    def document_text(doc_id: str) -> str | None:
        if doc_id not in texts:
            texts[doc_id] = index.document_text(doc_id) if index is not None else None
        return texts[doc_id]

    return document_text


def join_adjacent(passages: Sequence[E], document_text: Callable[[str], str | None]) -> list[E]:
    """``passages`` with each run of chunks of one document and page that overlap or meet (at most
    ``GAP`` characters apart) made one passage, in the place of its first; its text is the document's
    (``document_text``, e.g. ``documents_of(index)``, which reads each once; where it cannot be read,
    chunks that overlap and agree are joined on their own text and chunks that only meet are left
    apart; see ``_one``). Passages without a document or offsets are left as they are."""
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(passages):
        if p.doc_id is not None and p.start is not None and p.end is not None:
            groups.setdefault((p.doc_id, p.page), []).append(i)
    joined: dict[int, E] = {}  # the first passage of a run -> the run as one passage
    dropped: set[int] = set()
    for (doc_id, _), members in groups.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (passages[i].start, passages[i].end))
        run = [members[0]]
        for i in members[1:] + [None]:
            last = max(run, key=lambda j: passages[j].end)
            if i is not None and passages[i].start <= passages[last].end + GAP:
                run.append(i)
                continue
            if len(run) > 1:
                one = _one(passages, run, document_text(doc_id))
                if one is not None:
                    first = min(run)
                    joined[first] = one
                    dropped.update(j for j in run if j != first)
            run = [i]
    return [joined.get(i, p) for i, p in enumerate(passages) if i not in dropped]


def _one(passages, run: list[int], whole: str | None):
    """The chunks ``run`` (sorted by start) as one passage, or None where their text cannot be had
    for certain: a document whose text no longer holds the chunks at their offsets (uploaded again
    since they were retrieved, or a logged passage beside a fresh one) joins nothing, and without the
    document only chunks whose overlaps agree join, on their own text."""
    start = passages[run[0]].start
    end = max(passages[j].end for j in run)
    if whole is not None:
        if not all(whole[passages[j].start:passages[j].end] == passages[j].text for j in run):
            return None
        return replace(passages[min(run)], text=whole[start:end], start=start, end=end)
    text, reach = passages[run[0]].text, passages[run[0]].end
    if len(text) != reach - start:
        return None
    for j in run[1:]:
        p = passages[j]
        if p.start > reach or len(p.text) != p.end - p.start:
            return None
        overlap = min(reach, p.end) - p.start
        if text[p.start - start:p.start - start + overlap] != p.text[:overlap]:
            return None  # the overlap says two things: not one document's text
        text += p.text[reach - p.start:] if p.end > reach else ""
        reach = max(reach, p.end)
    return replace(passages[min(run)], text=text, start=start, end=end)
