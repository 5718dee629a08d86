"""Search results, and reciprocal-rank fusion of vector and keyword rankings."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

RRF_K = 60  # the constant from Cormack et al. (2009); damps the weight of top ranks


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk, with enough to cite it: document, page and character offsets."""

    chunk_id: int
    doc_id: str
    title: str
    source: str
    text: str
    page: int | None
    start: int
    end: int
    score: float  # what the ranking used: cosine similarity, or the fused RRF score in hybrid mode
    similarity: float | None = None  # cosine similarity to the query, when the vector search saw it

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def citation(self) -> str:
        page = f", page {self.page}" if self.page is not None else ""
        return f"{self.title}{page} [{self.doc_id}:{self.start}-{self.end}]"


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Fuse rankings (lists of ids, best first): score(id) = sum over lists of 1 / (k + rank)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def fused(rankings: Sequence[Sequence[int]], n: int, k: int = RRF_K) -> list[tuple[int, float]]:
    """The top ``n`` of :func:`rrf`, holding each ranking's first item: a chunk one search ranks first
    and the other misses gets half a fused score and could fall out (session 39: the only chunk of the
    libtasn1 manual saying "This version doesn't handle the REAL type." was the keyword search's first
    for "Does libtasn1 support the ASN.1 REAL type?", outside the vector search's 20, and fused 18th).
    A first item outside the top ``n`` takes the place of the lowest one that is no ranking's first."""
    ranked = rrf(rankings, k)
    score = dict(ranked)
    firsts = list(dict.fromkeys(r[0] for r in rankings if r))
    top = [i for i, _ in ranked[:n]]
    for first in firsts:
        others = [place for place, i in enumerate(top) if i not in firsts]
        if first not in top and others:
            top[others[-1]] = first
    return sorted(((i, score[i]) for i in top), key=lambda kv: (-kv[1], kv[0]))
