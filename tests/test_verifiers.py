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


@pytest.fixture(scope="module")
def tiny_nli_model(tmp_path_factory):
    """A small, randomly initialised BERT classifier with NLI label names and MiniLM's tokenizer."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from index.embed import packaged_embedder

    path = tmp_path_factory.mktemp("tiny-nli")
    tokenizer = AutoTokenizer.from_pretrained(packaged_embedder())
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, num_labels=3,
                        id2label={0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"},
                        label2id={"ENTAILMENT": 0, "NEUTRAL": 1, "CONTRADICTION": 2})
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.fixture
def backend_options(tiny_nli_model):
    return {"overlap": {}, "nli": {"model": tiny_nli_model}}


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_every_backend_honours_the_contract(name, backend_options):
    verifier = make_verifier(name, **backend_options[name])
    probs = verifier.predict(PAIRS)
    assert probs.shape == (3, len(LABELS))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    assert (probs >= 0).all()
    assert verifier.predict([]).shape == (0, 3)
    assert verifier.name == name and verifier.version


def test_word_overlap_ranks_a_copy_above_an_unrelated_statement():
    probs = make_verifier("overlap").predict(PAIRS)
    assert probs[0, 0] > probs[2, 0] and probs[2, 0] == 0.0


def test_nli_label_names_map_to_the_checker_labels():
    from assistant.errors import ModelError
    from assistant.verifiers.nli import label_columns

    assert label_columns({0: "ENTAILMENT", 1: "neutral", 2: "Contradiction"}) == [0, 1, 2]
    assert label_columns({"0": "consistent", "1": "inconsistent"}) == [0, 1]
    assert label_columns({0: "entailment", 1: "not_entailment"}) == [0, 1]
    with pytest.raises(ModelError, match="cannot map the model's label 'LABEL_1'"):
        label_columns({0: "entailment", 1: "LABEL_1"})


def test_a_missing_nli_model_is_a_clear_error(tmp_path):
    from assistant.errors import ModelError

    with pytest.raises(ModelError, match="cannot load verifier model"):
        make_verifier("nli", model=str(tmp_path / "nothing"))


def test_unknown_backend_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown verifier 'magic'; choose one of: nli, overlap"):
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
