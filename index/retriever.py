"""The index as a LangChain retriever: ``IndexRetriever(index=DocumentIndex(...)).invoke("query")``."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


class IndexRetriever(BaseRetriever):
    """Wraps a :class:`index.documents.DocumentIndex`; each hit becomes a LangChain ``Document``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any
    k: int | None = None  # None: the index's configured top_k
    hybrid: bool | None = None  # None: the index's configured mode

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [
            Document(page_content=hit.text, id=str(hit.chunk_id), metadata={
                "doc_id": hit.doc_id, "title": hit.title, "source": hit.source, "page": hit.page,
                "start": hit.start, "end": hit.end, "score": hit.score, "similarity": hit.similarity,
            })
            for hit in self.index.search(query, self.k, self.hybrid)
        ]
