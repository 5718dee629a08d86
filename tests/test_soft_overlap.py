"""The soft overlap (packaged MiniLM's token vectors) and how the trained verifier weighs it in."""

import numpy as np
import pytest

from assistant.checking.verifiers.soft_overlap import SoftOverlap, content_pieces
from assistant.checking.verifiers.trained import SHIPPED, TrainedVerifier, combine
from core.errors import ModelError

EVIDENCE = "The company was established in 1998 by two brothers from Leeds."


@pytest.fixture(scope="module")
def soft():
    return SoftOverlap()


def test_meaning_counts_more_than_spelling(soft):
    paraphrase, unrelated, same = soft.scores([
        (EVIDENCE, "The firm was founded in 1998."),
        (EVIDENCE, "Bananas are a yellow fruit."),
        (EVIDENCE, EVIDENCE),
    ])
    assert same == pytest.approx(1.0, abs=1e-5)  # every piece finds itself
    assert paraphrase > 0.6 > 0.3 > unrelated


def test_long_evidence_is_read_to_its_end(soft):
    filler = " ".join(f"Row {n} of the ledger lists a routine payment." for n in range(60))  # 602 pieces
    claim = "The lighthouse keeper painted the tower red."
    found, head_only = soft.scores([(filler + " The lighthouse keeper painted the tower red.", claim),
                                    (filler, claim)])
    assert found > 0.8 > 0.2 > head_only  # found in the third piece (its context differs, so not 1.0)


def test_empty_sides_score_zero_and_stop_words_do_not_count(soft):
    assert soft.scores([("", "The tower is red."), (EVIDENCE, "")]).tolist() == [0.0, 0.0]
    assert content_pieces(["the", "tower", "##s", ",", "of"]).tolist() == [False, True, True, False, False]


def test_an_encoder_that_cannot_load_is_named(tmp_path):
    with pytest.raises(ModelError, match="soft-overlap encoder '/no/such/encoder': .*path not found"):
        SoftOverlap("/no/such/encoder")
    (tmp_path / "config.json").write_text("{}")  # looks like a model folder, is not one
    with pytest.raises(ModelError, match=f"soft-overlap encoder '{tmp_path}'"):
        SoftOverlap(str(tmp_path))


def test_the_shift_moves_only_support_and_probabilities_still_sum_to_one():
    probs = np.array([[0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
    up = combine(probs, np.array([0.5, 0.5]), 0.0, np.array([2.0, -2.0]))
    assert up[0, 0] > 0.5 > 0.2 > up[1, 0]
    assert np.allclose(up.sum(axis=1), 1.0)
    assert up[1, 2] / up[1, 1] == pytest.approx(3.0)  # the other two keep their ratio
    assert combine(probs, np.array([0.5, 0.5]), 0.0) is probs  # no weights: unchanged


class FixedSoft:
    def __init__(self, value):
        self.value, self.calls = value, []

    def scores(self, pairs):
        self.calls.append(list(pairs))
        return np.full(len(pairs), self.value)


def test_the_verifier_adds_the_weighted_soft_overlap_once_per_claim_and_context():
    calibration = {"window_words": 40, "support_threshold": 0.5, "contradiction_threshold": 0.5,
                   "overlap_weight": 0.0, "soft_overlap_weight": 10.0, "soft_overlap_center": 0.7}
    verifier = TrainedVerifier(str(SHIPPED), calibration=calibration)
    pairs = [("The tower is red. It is old.", "The tower is old."), ("Gulls nest there.", "The tower is old.")]
    raw = verifier.predict_raw(pairs)
    verifier._soft = high = FixedSoft(0.9)
    above = verifier.predict(pairs, contexts=["whole evidence"] * 2)
    assert high.calls == [[("whole evidence", "The tower is old.")]]  # both windows share the claim's context
    verifier._soft = FixedSoft(0.5)
    below = verifier.predict(pairs, contexts=["whole evidence"] * 2)
    assert (above[:, 0] > raw[:, 0]).all() and (below[:, 0] < raw[:, 0]).all()
    assert np.allclose(above.sum(axis=1), 1.0) and np.allclose(below.sum(axis=1), 1.0)


def test_the_shipped_calibration_loads_its_soft_overlap_encoder_only_when_weighed_in():
    verifier = TrainedVerifier(str(SHIPPED), calibration={"window_words": 40, "support_threshold": 0.5,
                                                         "contradiction_threshold": 0.5, "overlap_weight": 4.0})
    verifier.predict([("The tower is red.", "The tower is red.")])
    assert verifier._soft is None


def test_the_index_embedder_serves_as_the_encoder_and_scores_the_same(soft, embedder, doc_index):
    from assistant.checking.checker import make_checker
    from core.config import CheckerConfig

    pairs = [(EVIDENCE, "The firm was founded in 1998."), (EVIDENCE, "Bananas are a yellow fruit.")]
    shared = SoftOverlap.from_embedder(embedder)
    assert np.allclose(shared.scores(pairs), soft.scores(pairs), atol=1e-5)
    checker = make_checker(CheckerConfig(), doc_index)  # the shipped verifier, whose calibration names minilm
    assert checker.verifier.soft_overlap().model is embedder.model[0].auto_model  # one copy in memory


def test_another_embedding_model_is_not_borrowed():
    def never():
        raise AssertionError("the index's embedder was loaded for a different model")

    verifier = TrainedVerifier(str(SHIPPED))
    verifier.share_encoder(never, "/models/some-other-encoder")
    assert isinstance(verifier.soft_overlap(), SoftOverlap)
