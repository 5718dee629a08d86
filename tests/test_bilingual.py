"""The trained backend routes Chinese pairs to the Chinese verifier and puts its thresholds on the English ones."""

import json

import numpy as np
import pytest

from assistant.checking.checker import Checker
from assistant.checking.verifiers.bilingual import BilingualVerifier, align, is_chinese, trained_verifier
from core.errors import ModelError

EN = {"support_threshold": 0.9, "contradiction_threshold": 0.7}
ZH = {"support_threshold": 0.6, "contradiction_threshold": 0.5}


class Fake:
    """A verifier that says ``support`` for every pair and records what it read."""

    def __init__(self, support: float, thresholds: dict):
        self.support, self.thresholds, self.read = support, thresholds, []
        self.window_words, self.reads_questions, self.device, self.version = 40, True, "cpu", "v1"

    def predict(self, pairs, batch_size=32, contexts=None):
        self.read += list(pairs)
        return np.array([[self.support, 1 - self.support, 0.0]] * len(pairs))


def test_align_moves_the_chinese_thresholds_onto_the_english_ones_and_keeps_the_order():
    probs = np.array([[0.6, 0.4, 0.0], [0.05, 0.45, 0.5], [0.95, 0.05, 0.0], [0.1, 0.9, 0.0], [0.5, 0.0, 0.5]])
    out = align(probs, ZH, EN)
    assert np.allclose(out.sum(1), 1) and (out >= 0).all()
    assert out[0, 0] == pytest.approx(0.9)  # at the Chinese threshold -> at the English one
    assert out[1, 2] == pytest.approx(0.7, abs=0.01)
    assert list(np.argsort(out[:, 0])) == list(np.argsort(probs[:, 0]))
    assert out[3, 2] == 0.0  # no contradiction stays none
    assert out[4, 0] > out[4, 2] and out[4, 1] == 0  # both moved up past 1: scaled back, in proportion


def test_chinese_pairs_go_to_the_chinese_model_and_english_ones_to_the_english(tmp_path):
    english, chinese = Fake(0.95, EN), Fake(0.6, ZH)
    (tmp_path / "calibration.json").write_text(json.dumps(ZH))
    verifier = BilingualVerifier(english, tmp_path)
    verifier._chinese = chinese
    pairs = [("The Great Wall is long.", "It is long."), ("长城很长。", "长城很长。"),
             ("The wall is in China.", "长城在中国。")]
    probs = verifier.predict(pairs)
    assert english.read == pairs[:1] and chinese.read == pairs[1:]
    assert probs[1, 0] == pytest.approx(0.9)  # the Chinese model at its threshold is at the checker's
    checker = Checker(verifier)
    assert checker.support_threshold == 0.9
    assert is_chinese("English evidence.", "Question? 中文的回答") and not is_chinese("English.", "Is it? Yes.")


def test_english_only_when_asked_and_a_missing_chinese_folder_is_named(tmp_path):
    assert type(trained_verifier(chinese="none")).__name__ == "TrainedVerifier"
    with pytest.raises(ModelError, match="trained_model_zh"):
        trained_verifier(chinese=str(tmp_path / "nowhere"))


def test_a_packed_verifier_keeps_only_the_tensors_training_changed():
    import torch

    from finetune.pack_verifier import changed

    base = {"embeddings.word": torch.ones(4, 2), "encoder.layer.0.w": torch.full((2, 2), 0.5),
            "encoder.layer.1.w": torch.zeros(2, 2)}
    trained = {"bert.embeddings.word": torch.ones(4, 2).half(), "bert.encoder.layer.0.w": torch.full((2, 2), 0.5).half(),
               "bert.encoder.layer.1.w": torch.full((2, 2), 0.25).half(), "classifier.weight": torch.ones(3, 2).half()}
    assert sorted(changed(trained, base, "bert")) == ["bert.encoder.layer.1.w", "classifier.weight"]
