"""Cut a document into overlapping, sentence-aligned chunks that know where they came from.

Chunks are packed from whole sentences up to ``size`` tokens (counted with the
embedding model's tokenizer), the next chunk repeating up to ``overlap`` tokens
of trailing sentences. A sentence longer than ``size`` is cut at token
boundaries. Chunks never span two PDF pages, so a citation names one page.
Each chunk's ``text`` is exactly ``document.text[start:end]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.sentences import split_sentences
from index.load import Document


@dataclass(frozen=True)
class Chunk:
    seq: int  # position in its document, from 0
    text: str
    start: int  # character offsets into the document text
    end: int
    page: int | None
    tokens: int


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    tokens: int
    page: int | None


def _pieces(doc: Document, tokenizer, size: int, overlap: int) -> list[_Piece]:
    spans = split_sentences(doc.text)
    if not spans:
        return []
    enc = tokenizer([s.text for s in spans], add_special_tokens=False, return_offsets_mapping=True)
    pieces = []
    for span, offsets in zip(spans, enc["offset_mapping"]):
        n = len(offsets)
        page = doc.page_at(span.start)
        if n <= size:
            pieces.append(_Piece(span.start, span.end, max(n, 1), page))
            continue
        step = max(size - overlap, 1)
        for first in range(0, n, step):
            window = offsets[first:first + size]
            start, end = span.start + window[0][0], span.start + window[-1][1]
            pieces.append(_Piece(start, end, len(window), doc.page_at(start)))
            if first + size >= n:
                break
    return pieces


def chunk_document(doc: Document, tokenizer, size: int, overlap: int) -> list[Chunk]:
    """Chunks of ``doc`` of at most ``size`` tokens, consecutive ones sharing up to ``overlap``."""
    if size < 8 or not 0 <= overlap < size:
        raise ValueError(f"chunk size {size} and overlap {overlap} are not usable")  # config validates first
    pieces = _pieces(doc, tokenizer, size, overlap)
    chunks: list[Chunk] = []
    i = 0
    while i < len(pieces):
        j, total = i, 0
        while j < len(pieces) and total + pieces[j].tokens <= size and pieces[j].page == pieces[i].page:
            total += pieces[j].tokens
            j += 1
        start, end = pieces[i].start, pieces[j - 1].end
        chunks.append(Chunk(len(chunks), doc.text[start:end], start, end, pieces[i].page, total))
        if j >= len(pieces):
            break
        # Step back over trailing sentences worth at most `overlap` tokens, on the same page.
        k, shared = j, 0
        while k - 1 > i and shared + pieces[k - 1].tokens <= overlap and pieces[k - 1].page == pieces[j].page:
            k -= 1
            shared += pieces[k].tokens
        i = k
    return chunks
