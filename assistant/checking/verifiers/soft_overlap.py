"""Soft word overlap: how much of a statement its evidence mentions, by meaning rather than spelling.

BERTScore's precision (Zhang et al., 2020) with a small encoder: each content word-piece of the
statement is matched to its most similar token anywhere in the evidence (cosine of the encoder's
last-layer token vectors), and the matches are averaged, so "The firm was founded in 1998"
against "the company, established in 1998" scores high where the plain overlap (``overlap.py``)
finds only "1998". The trained verifier adds it to each window's support logit with a weight
chosen in calibration (``finetune/calibrate.py``). The default encoder is the packaged
all-MiniLM-L6-v2; when the checker's index uses that model its loaded embedder serves
(``SoftOverlap.from_embedder``, wired by ``make_checker``). Long evidence is read in pieces of
``PIECE`` word-pieces, so every token of an article has a vector.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from assistant.checking.verifiers.overlap import STOPWORDS
from core.device import choose_device, own_thread
from core.errors import ModelError, first_line
from index.embed import resolve_embedder

PIECE = 254  # word-pieces per encoder pass (plus [CLS] and [SEP])


def content_pieces(pieces: Sequence[str]) -> np.ndarray:
    """Which word-pieces count: those that start with a letter or digit and are not a stop word."""
    return np.array([bool(re.match(r"\w", p.lstrip("#"))) and p not in STOPWORDS for p in pieces], dtype=bool)


class SoftOverlap:
    @own_thread  # loads and batches run in threads of their own (see core.device.own_thread)
    def __init__(self, model: str = "minilm", device: str = "auto", batch_size: int = 16):
        """Load ``model`` (``minilm``: the packaged one; any id or folder of a BERT-like encoder)."""
        from transformers import AutoModel, AutoTokenizer

        try:
            path = resolve_embedder(model)
            self.tokenizer = AutoTokenizer.from_pretrained(path)
            self.model = AutoModel.from_pretrained(path).float().eval()
        except (OSError, ValueError, ModelError) as err:
            raise ModelError(f"cannot load the soft-overlap encoder {model!r}: {first_line(err)}") from None
        self.device = choose_device(device)
        self.model.to(self.device)
        self.batch_size = batch_size

    @classmethod
    def from_embedder(cls, embedder, batch_size: int = 16) -> "SoftOverlap":
        """The same measure on an already loaded ``index.embed.Embedder``'s encoder (its
        sentence-transformers model's first module): one copy of MiniLM in memory, not two."""
        soft = cls.__new__(cls)
        soft.tokenizer, soft.model = embedder.tokenizer, embedder.model[0].auto_model
        soft.device, soft.batch_size = embedder.model.device, batch_size
        return soft

    def _vectors(self, texts: list[str]) -> list[tuple[np.ndarray, list[str]]]:
        """Each text's unit-length token vectors ``[tokens, dim]`` and its word-pieces."""
        import torch

        ids = [self.tokenizer(t, add_special_tokens=False, verbose=False)["input_ids"] for t in texts]
        chunks = [(n, i[at:at + PIECE]) for n, i in enumerate(ids) for at in range(0, max(len(i), 1), PIECE)]
        parts: list[list[tuple[int, np.ndarray]]] = [[] for _ in texts]  # (chunk number, vectors)
        cls, sep, pad = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id, self.tokenizer.pad_token_id or 0
        order = sorted(range(len(chunks)), key=lambda k: len(chunks[k][1]))  # little padding
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                batch = [chunks[k] for k in order[start:start + self.batch_size]]
                width = max(len(piece) for _, piece in batch) + 2
                input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, (_, piece) in enumerate(batch):
                    input_ids[row, :len(piece) + 2] = torch.tensor([cls, *piece, sep])
                    mask[row, :len(piece) + 2] = 1
                hidden = self.model(input_ids=input_ids.to(self.device),
                                    attention_mask=mask.to(self.device)).last_hidden_state
                hidden = torch.nn.functional.normalize(hidden.float(), dim=-1).cpu().numpy()
                for row, (n, piece) in enumerate(batch):
                    parts[n].append((order[start + row], hidden[row, 1:len(piece) + 1]))
        out = []
        for n, text_ids in enumerate(ids):
            vectors = [v for _, v in sorted(parts[n], key=lambda kv: kv[0])]
            out.append((np.concatenate(vectors) if vectors else np.zeros((0, self.model.config.hidden_size)),
                        self.tokenizer.convert_ids_to_tokens(text_ids)))
        return out

    @own_thread
    def scores(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """For each (evidence, statement): the mean best cosine of the statement's content
        word-pieces against the evidence's tokens (0 for an empty side)."""
        evidence = sorted({e for e, _ in pairs})
        statements = sorted({s for _, s in pairs})
        e_vec = dict(zip(evidence, (v for v, _ in self._vectors(evidence))))
        s_vec = dict(zip(statements, self._vectors(statements)))
        out = np.zeros(len(pairs))
        for k, (e, s) in enumerate(pairs):
            (vectors, pieces), ev = s_vec[s], e_vec[e]
            if not len(vectors) or not len(ev):
                continue
            best = (vectors @ ev.T).max(axis=1)
            content = content_pieces(pieces)
            out[k] = float(best[content].mean() if content.any() else best.mean())
        return out
