"""The project's own verifier, the offline default: a MiniLM cross-encoder trained here.

The weights ship in ``minilm-nli/`` (fp16) with ``training.json``, ``calibration.json`` (window
size, weights, thresholds) and a data card (``README.md``); ``python -m finetune.verifier`` trains
another, ``python -m finetune.calibrate --model DIR`` calibrates it, ``checker.trained_model`` names it.
Evidence is read in short sentence-aligned windows (``window_words``), so one sentence that entails
the statement can decide. Each window's support logit gets the statement's overlap with its *whole*
evidence (``contexts``, as ``Checker.judge`` passes them) added, ``logit(p') = logit(p) +
overlap_weight * (overlap - 0.5)``, plus ``soft_overlap_weight * (soft - soft_overlap_center)``
when calibration weighs in the soft overlap (``soft_overlap.py``); the other two probabilities fill
the rest. A window sharing fewer than ``contradiction_min_overlap`` of the statement's content words
cannot contradict it (the SNLI-trained model calls many unrelated pairs contradictions; data card).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from assistant.checking.verifiers.base import Pair, answer_of
from assistant.checking.verifiers.nli import NLIVerifier
from assistant.checking.verifiers.overlap import overlap
from assistant.checking.verifiers.soft_overlap import SoftOverlap
from core.errors import ModelError
from index.embed import resolve_embedder

SHIPPED = Path(__file__).resolve().parent / "minilm-nli"


def combine(probs: np.ndarray, overlaps: np.ndarray, weight: float, shift: np.ndarray | None = None) -> np.ndarray:
    """Window probabilities ``[n, 3]`` with the overlap added to the support logit (see the module
    docstring), and ``shift`` (per window, e.g. the weighted soft overlap) added too."""
    if (not weight and shift is None) or not len(probs):
        return probs
    p = np.clip(probs[:, 0], 1e-6, 1 - 1e-6)
    logit = np.log(p / (1 - p)) + weight * (overlaps - 0.5) + (0.0 if shift is None else shift)
    support = 1 / (1 + np.exp(-logit))
    rest = probs[:, 1:] / np.clip(probs[:, 1:].sum(axis=1, keepdims=True), 1e-12, None)
    return np.concatenate([support[:, None], rest * (1 - support)[:, None]], axis=1)


def soft_shift(soft, weight: float, center: float) -> np.ndarray | None:
    """The soft overlap's term on the support logit, ``weight * (soft - center)`` (``soft`` per
    window or per row); None when calibration did not weigh it in."""
    return weight * (np.asarray(soft, dtype=np.float64) - center) if weight else None


def gate_contradiction(probs: np.ndarray, overlaps: np.ndarray, min_overlap: float) -> np.ndarray:
    """Windows sharing fewer than ``min_overlap`` of the statement's content words cannot contradict it."""
    if not min_overlap or not len(probs):
        return probs
    off = overlaps < min_overlap
    out = probs.copy()
    out[off, 1] += out[off, 2]
    out[off, 2] = 0.0
    return out


class TrainedVerifier(NLIVerifier):
    name = "trained"
    reads_contexts = True  # predict() takes the whole evidence each window came from

    def __init__(self, model: str | None = None, device: str = "auto", calibration: dict | None = None,
                 precision: str = "auto"):
        """``calibration`` in place of the folder's ``calibration.json`` (``finetune.calibrate``
        measures a folder before it has one)."""
        path = Path(model) if model else SHIPPED
        stored = path / "calibration.json"
        if calibration is not None:
            self.calibration = dict(calibration)
        elif not stored.is_file():
            raise ModelError(f"{path} has no calibration.json; calibrate it with `python -m finetune.calibrate "
                             f"--model {path}` (a verifier folder trained by `python -m finetune.verifier`; "
                             "use the nli backend for other models)")
        else:
            try:
                self.calibration = json.loads(stored.read_text(encoding="utf-8"))
            except ValueError as err:
                raise ModelError(f"{stored} is not valid JSON: {err}") from None
        super().__init__(str(path), device=device, max_length=int(self.calibration.get("max_length", 160)),
                         precision=precision)
        self.window_words = int(self.calibration["window_words"])
        self._soft = None
        self._shared: tuple[Callable[[], object], str] | None = None
        self.thresholds = {k: float(self.calibration[k]) for k in ("support_threshold", "contradiction_threshold")}
        import hashlib

        training = path / "training.json"
        trained_bytes = training.read_bytes() if training.is_file() else b""
        try:
            trained = json.loads(trained_bytes) if trained_bytes else {}
        except ValueError as err:
            raise ModelError(f"{training} is not valid JSON: {err}") from None
        # Trained on answers posed to their questions (``finetune.verifier --qa``): the checker poses them so.
        self.reads_questions = bool(trained.get("reads_questions", False))
        record = trained_bytes + (
            stored.read_bytes() if calibration is None else json.dumps(calibration, sort_keys=True).encode())
        if self.precision == "bfloat16":  # scores within 0.02 of float32's, not equal
            record += b"bfloat16"
        self.version = hashlib.sha256(record).hexdigest()[:12]  # changes with retraining or recalibration

    def predict_raw(self, pairs: Sequence[Pair], batch_size: int = 32) -> np.ndarray:
        """The model's own probabilities, before the overlap is combined in."""
        return super().predict(pairs, batch_size)

    def predict(self, pairs: Sequence[Pair], batch_size: int = 32,
                contexts: Sequence[str] | None = None) -> np.ndarray:
        """Window probabilities with the statement's overlap with ``contexts`` (the whole
        evidence of each pair; default the pair's own evidence) combined in. A statement posed
        to a question (``base.pose``) is read whole by the model; the overlaps count its
        answer's words only."""
        probs = self.predict_raw(pairs, batch_size)
        gate = float(self.calibration.get("contradiction_min_overlap", 0.0))
        if gate:
            probs = gate_contradiction(probs, np.array([overlap(e, answer_of(s)) for e, s in pairs]), gate)
        weight = float(self.calibration.get("overlap_weight", 0.0))
        soft_weight = float(self.calibration.get("soft_overlap_weight", 0.0))
        if not weight and not soft_weight:
            return probs
        texts = contexts if contexts is not None else [e for e, _ in pairs]
        if len(texts) != len(pairs):
            raise ValueError(f"{len(texts)} contexts for {len(pairs)} pairs")
        keys = list(zip(texts, (answer_of(s) for _, s in pairs)))  # the answer's words, not the question's
        unique = list(dict.fromkeys(keys))  # a claim's windows share one context
        plain = dict(zip(unique, (overlap(*key) for key in unique)))
        shift = None
        if soft_weight:
            soft = dict(zip(unique, self.soft_overlap().scores(unique)))
            shift = soft_shift([soft[key] for key in keys], soft_weight,
                               float(self.calibration.get("soft_overlap_center", 0.0)))
        return combine(probs, np.array([plain[key] for key in keys]), weight, shift)

    def share_encoder(self, embedder: Callable[[], object], name: str) -> None:
        """Offer an embedder (``embedder()`` returns a loaded ``index.embed.Embedder`` of the
        model ``name``) for the soft overlap: used when it is the model calibration named."""
        self._shared = (embedder, name)

    def soft_overlap(self):
        """The encoder that measures the soft overlap (``soft_overlap.py``), loaded at first use,
        or the index's embedder when that is the same model (``share_encoder``)."""
        if self._soft is None:

            wanted = self.calibration.get("soft_overlap_model", "minilm")
            try:
                same = self._shared is not None and resolve_embedder(self._shared[1]) == resolve_embedder(wanted)
            except ModelError:  # a path that is not there: the load below names it
                same = False
            if same:
                self._soft = SoftOverlap.from_embedder(self._shared[0]())
            else:
                self._soft = SoftOverlap(wanted, device=str(self.device))
        return self._soft
