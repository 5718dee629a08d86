"""The verifier interface and its floor (word overlap); metrics used to measure every backend."""

import numpy as np
import pytest

from assistant.verifiers import BACKENDS, LABELS, make_verifier
from finetune.metrics import balanced_accuracy, best_threshold, roc_auc

PAIRS = [
    ("The head office of Acme is in Bergen, Norway.", "Acme's head office is in Bergen."),
    ("The head office of Acme is in Bergen, Norway.", "Acme's head office is in Oslo."),
    ("The head office of Acme is in Bergen, Norway.", "Penguins live in Antarctica."),
]


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_every_backend_honours_the_contract(name):
    verifier = make_verifier(name)
    probs = verifier.predict(PAIRS)
    assert probs.shape == (3, len(LABELS))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    assert (probs >= 0).all()
    assert probs[0, 0] > probs[2, 0]  # copied beats unrelated
    assert verifier.predict([]).shape == (0, 3)
    assert verifier.name == name and verifier.version


def test_unknown_backend_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown verifier 'magic'; choose one of: overlap"):
        make_verifier("magic")


def test_roc_auc_matches_hand_computed_values():
    assert roc_auc([True, False], [0.9, 0.1]) == 1.0
    assert roc_auc([True, False], [0.1, 0.9]) == 0.0
    assert roc_auc([True, False, True, False], [0.5, 0.5, 0.5, 0.5]) == 0.5  # ties count half
    # 3 positives, 2 negatives: pairs won 5 of 6
    assert roc_auc([True, True, True, False, False], [0.9, 0.8, 0.3, 0.5, 0.1]) == pytest.approx(5 / 6)
    with pytest.raises(ValueError):
        roc_auc([True, True], [0.1, 0.2])


def test_balanced_accuracy_and_best_threshold():
    y = [True, True, False, False, False, False]
    assert balanced_accuracy(y, [True, False, False, False, False, True]) == pytest.approx((0.5 + 0.75) / 2)
    threshold, acc = best_threshold(y, [0.9, 0.8, 0.7, 0.2, 0.1, 0.0])
    assert threshold == 0.8 and acc == 1.0
