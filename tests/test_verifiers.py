"""The verifier interface and its floor (word overlap); metrics used to measure every backend."""

import numpy as np
import pytest

from assistant.checking.verifiers import BACKENDS, make_verifier
from core.labels import LABELS
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


def backend_options(name, request) -> dict:
    """What each backend needs: the shipped model (trained), a tiny random NLI model (nli), the real
    packaged dialogue model (llm, loaded once per session), nothing (overlap)."""
    if name == "nli":
        return {"model": request.getfixturevalue("tiny_nli_model")}
    if name == "llm":
        return {"chat": request.getfixturevalue("chat_model")}
    return {}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.model) if n == "llm" else n
                                  for n in sorted(BACKENDS)])
def test_every_backend_honours_the_contract(name, request):
    verifier = make_verifier(name, **backend_options(name, request))
    probs = verifier.predict(PAIRS)
    assert probs.shape == (3, len(LABELS))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    assert (probs >= 0).all()
    assert verifier.predict([]).shape == (0, 3)
    assert verifier.name == name and verifier.version


def test_the_trained_verifier_gets_obvious_pairs_right():
    verifier = make_verifier("trained")
    pairs = [
        ("The head office of Acme is in Bergen, Norway. It employs 450 people.", "Acme employs 450 people."),
        ("Marie Curie was born in Warsaw in 1867. She won two Nobel prizes.", "Marie Curie won two Nobel prizes."),
        ("The head office of Acme is in Bergen, Norway. It employs 450 people.", "Acme does not employ 450 people."),
        ("The bridge was opened in 1932 and is 503 metres long.", "The bridge was opened in 1990."),
        ("The head office of Acme is in Bergen, Norway. It employs 450 people.", "Penguins live in Antarctica."),
        ("Marie Curie was born in Warsaw in 1867. She won two Nobel prizes.", "Trains in Japan run on time."),
    ]
    labels = [LABELS[i] for i in verifier.predict(pairs).argmax(axis=1)]
    assert labels == ["supported", "supported", "contradicted", "contradicted", "unsupported", "unsupported"]


def test_bfloat16_products_score_as_float32_does():
    """checker.precision: the shipped verifier in bfloat16 (autocast) gives float32's labels, its
    probabilities within 0.02 (bench/check.py measures the speed and a larger sample)."""
    pairs = PAIRS + [
        ("Marie Curie was born in Warsaw in 1867. She won two Nobel prizes.", "Marie Curie won two Nobel prizes."),
        ("The bridge was opened in 1932 and is 503 metres long.", "The bridge was opened in 1990."),
        ("The bridge was opened in 1932 and is 503 metres long.",
         "Question: When was the bridge opened?\nAnswer: 1932"),
    ]
    full = make_verifier("trained", precision="float32")
    half = make_verifier("trained", precision="bfloat16")
    exact, products = full.predict(pairs), half.predict(pairs)
    assert np.abs(exact - products).max() < 0.02
    assert (exact.argmax(axis=1) == products.argmax(axis=1)).all()
    support = full.thresholds["support_threshold"]
    assert ((exact[:, 0] >= support) == (products[:, 0] >= support)).all()
    assert full.version != half.version  # a logged verdict says which judged it


def test_auto_precision_is_bfloat16_only_on_a_cpu_that_has_it_natively(monkeypatch):
    import torch

    from core.device import encoder_autocast, resolved_precision
    from core.errors import ConfigError

    cpu = torch.device("cpu")
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert resolved_precision("auto", cpu) == "float32"  # emulated bfloat16 would be slower
    assert resolved_precision("bfloat16", cpu) == "bfloat16"
    with encoder_autocast("auto", cpu):
        assert not torch.is_autocast_enabled("cpu")
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert resolved_precision("auto", cpu) == "bfloat16"
    with encoder_autocast("auto", cpu):
        assert torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16
    assert resolved_precision("auto", torch.device("cuda")) == "float32"
    assert resolved_precision("float32", cpu) == "float32"
    with pytest.raises(ConfigError, match="'half'"):
        make_verifier("trained", precision="half")


def test_the_trained_verifier_carries_its_calibration():
    verifier = make_verifier("trained")
    assert 0 < verifier.thresholds["support_threshold"] < 1
    assert 0 < verifier.thresholds["contradiction_threshold"] < 1
    assert verifier.window_words and len(verifier.version) == 12


def test_a_directory_without_calibration_is_not_a_trained_verifier(tiny_nli_model):
    from core.errors import ModelError

    with pytest.raises(ModelError, match="has no calibration.json"):
        make_verifier("trained", model=tiny_nli_model)


def test_a_claim_longer_than_the_model_input_is_truncated_not_an_error(tiny_nli_model):
    verifier = make_verifier("nli", model=tiny_nli_model, max_length=32)
    probs = verifier.predict([("Short evidence.", "a very long claim " * 40)])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)


def test_the_llm_judge_reads_only_the_three_answer_words():
    from assistant.checking.verifiers.llm import answer_tokens

    class Tokenizer:  # each word's first token is its first letter; "Supported" and "supported" differ
        def encode(self, text, add_special_tokens=False):
            return [ord(text[0])]

    assert answer_tokens(Tokenizer()) == [[ord("S"), ord("s")], [ord("U"), ord("u")], [ord("C"), ord("c")]]

    class Clash(Tokenizer):
        def encode(self, text, add_special_tokens=False):
            return [1]

    with pytest.raises(ValueError, match="same first token"):
        answer_tokens(Clash())


def test_word_overlap_ranks_a_copy_above_an_unrelated_statement():
    probs = make_verifier("overlap").predict(PAIRS)
    assert probs[0, 0] > probs[2, 0] and probs[2, 0] == 0.0


def test_nli_label_names_map_to_the_checker_labels():
    from assistant.checking.verifiers.nli import label_columns
    from core.errors import ModelError

    assert label_columns({0: "ENTAILMENT", 1: "neutral", 2: "Contradiction"}) == [0, 1, 2]
    assert label_columns({"0": "consistent", "1": "inconsistent"}) == [0, 1]
    assert label_columns({0: "entailment", 1: "not_entailment"}) == [0, 1]
    with pytest.raises(ModelError, match="cannot map the model's label 'LABEL_1'"):
        label_columns({0: "entailment", 1: "LABEL_1"})


def test_a_missing_nli_model_is_a_clear_error(tmp_path):
    from core.errors import ModelError

    with pytest.raises(ModelError, match="cannot load verifier model"):
        make_verifier("nli", model=str(tmp_path / "nothing"))


def test_unknown_backend_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown verifier 'magic'; choose one of: llm, nli, overlap, trained"):
        make_verifier("magic")


def test_roc_auc_matches_hand_computed_values():
    assert roc_auc([True, False], [0.9, 0.1]) == 1.0
    assert roc_auc([True, False], [0.1, 0.9]) == 0.0
    assert roc_auc([True, False, True, False], [0.5, 0.5, 0.5, 0.5]) == 0.5  # ties count half
    # 3 positives, 2 negatives: pairs won 5 of 6
    assert roc_auc([True, True, True, False, False], [0.9, 0.8, 0.3, 0.5, 0.1]) == pytest.approx(5 / 6)
    with pytest.raises(ValueError):
        roc_auc([True, True], [0.1, 0.2])


def test_auc_interval_brackets_the_estimate_and_narrows_with_more_rows():
    from finetune.metrics import auc_interval

    rng = np.random.default_rng(7)

    def sample(n):  # positives score one standard deviation higher: true AUC about 0.76
        y = rng.random(n) < 0.5
        return y, rng.normal(size=n) + y

    y, s = sample(120)
    lo, hi = auc_interval(y, s)
    assert lo < roc_auc(y, s) < hi and 0.1 < hi - lo < 0.3  # 120 rows: wide
    assert auc_interval(y, s) == (lo, hi)  # seeded: the same interval every run
    big_lo, big_hi = auc_interval(*sample(2000))
    assert big_hi - big_lo < (hi - lo) / 2 and big_lo < 0.76 < big_hi
    with pytest.raises(ValueError):
        auc_interval([True, True, True], [0.1, 0.2, 0.3])


def test_balanced_accuracy_and_best_threshold():
    y = [True, True, False, False, False, False]
    assert balanced_accuracy(y, [True, False, False, False, False, True]) == pytest.approx((0.5 + 0.75) / 2)
    threshold, acc = best_threshold(y, [0.9, 0.8, 0.7, 0.2, 0.1, 0.0])
    assert threshold == 0.8 and acc == 1.0


def test_the_trained_verifier_counts_overlap_over_the_whole_evidence():
    """Window by window the model reads one span; the overlap is measured over the whole evidence."""
    verifier = make_verifier("trained")
    window = "The company was founded in Bergen."
    claim = "The company, founded in Bergen, makes ship engines."
    whole = window + " Its factories make ship engines for ferries."
    alone, in_context = verifier.predict([(window, claim)]), verifier.predict([(window, claim)], contexts=[whole])
    assert in_context[0, 0] > alone[0, 0]
    np.testing.assert_allclose(in_context.sum(axis=1), 1.0, atol=1e-6)
    with pytest.raises(ValueError, match="1 contexts for 2 pairs"):
        verifier.predict([(window, claim)] * 2, contexts=[whole])


def test_posed_answers_round_trip_and_the_overlap_floor_counts_the_answers_words_only():
    from assistant.checking.verifiers.base import answer_of, pose
    from assistant.checking.verifiers.overlap import OverlapVerifier

    posed = pose("Rollo", "Who led the  Norse raiders\nto Normandy?")
    assert posed == "Question: Who led the Norse raiders to Normandy?\nAnswer: Rollo"
    assert answer_of(posed) == "Rollo" and answer_of("Rollo led them.") == "Rollo led them."
    assert pose("Rollo", None) == "Rollo" and pose("Rollo", "  ") == "Rollo"
    evidence = "The Norse raiders came to Normandy under their leader."
    [[p_wrong, _, _], [p_right, _, _]] = OverlapVerifier().predict(
        [(evidence, pose("Rollo", "Who led the Norse raiders to Normandy?")),
         (evidence + " Rollo led them.", pose("Rollo", "Who led the Norse raiders to Normandy?"))])
    assert p_wrong == 0.0 and p_right == 1.0  # the question's words are in the evidence either way

