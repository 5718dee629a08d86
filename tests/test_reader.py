"""The checker's reader (assistant/checking/reader.py) and its training data (finetune/reader.py)."""

import random

import numpy as np
import pytest

from assistant.checking.checker import Checker, Evidence, make_reader
from assistant.checking.reader import Reader, Reading
from core.config import CheckerConfig
from core.errors import ConfigError

ACME = ("Acme Corporation makes garden tools and sells them in twelve countries. Its largest factory is in Oslo, "
        "where most of its tools have been made since 1950. The head office of Acme is in Bergen, near the old "
        "harbour.")
QUESTION = "Where is the head office of Acme?"


class AlwaysSupports:
    name, version, window_words = "always", "1", 40

    def predict(self, pairs, batch_size=32):
        return np.array([[0.99, 0.01, 0.0]] * len(pairs))


class FakeReader:
    """Reads every claim the same way, and keeps what it was asked."""
    version, weight, shift = "fake", 1.0, 4.0
    penalty = Reader.penalty

    def __init__(self, reading: Reading | None):
        self.reading, self.asked = reading, []

    def read(self, items):
        self.asked += list(items)
        return [self.reading for _ in items]


def judge(reader, claims, question=QUESTION, passage=ACME):
    checker = Checker(AlwaysSupports(), CheckerConfig(answer_place=False), reader=reader)
    return checker.judge(claims, [[Evidence(passage, "Acme", "d1")] for _ in claims], [question] * len(claims))


def test_an_answer_far_below_the_readers_own_is_not_supported_and_the_readers_answer_is_shown():
    at = ACME.index("Bergen")
    reader = FakeReader(Reading(-9.0, at, at + len("Bergen")))
    (verdict,) = judge(reader, ["Oslo"])
    # 0.99 from the verifier, its logit lowered by 1.0 * (9 - 4): 0.40
    assert verdict.label == "unsupported" and verdict.score == pytest.approx(0.40, abs=0.01)
    assert sum(verdict.probs) == pytest.approx(1.0)
    assert verdict.elsewhere == "The head office of Acme is in Bergen, near the old harbour."
    (question, passage, spots), = reader.asked
    assert question == QUESTION and passage == ACME and [ACME[a:b] for a, b in spots] == ["Oslo"]


def test_a_claim_near_the_readers_answer_stays_supported():
    (verdict,) = judge(FakeReader(Reading(-3.5, 0, 4)), ["Bergen"])  # within the shift: untouched
    assert verdict.label == "supported" and verdict.score == pytest.approx(0.99) and verdict.elsewhere is None
    (lowered,) = judge(FakeReader(Reading(-6.0, 0, 4)), ["Bergen"])  # lowered, still supported: nothing shown
    assert lowered.label == "supported" and 0.5 < lowered.score < 0.99 and lowered.elsewhere is None


def test_a_question_the_reader_finds_no_answer_to_leaves_nothing_to_show():
    (verdict,) = judge(FakeReader(Reading(-12.0, -1, -1)), ["Oslo"])
    assert verdict.label == "unsupported" and verdict.elsewhere is None


def test_what_the_reader_cannot_read_is_left_to_the_verifier():
    reader = FakeReader(Reading(-20.0, -1, -1))
    # sentences (they say something of their own: the verifier judges them), a Chinese question, a question
    # put to the reader, no question at all
    assert judge(reader, ["Acme makes garden tools."])[0].label == "supported"
    assert judge(reader, ["The head office of Acme is in Oslo."])[0].label == "supported"
    assert judge(reader, ["Oslo"], question="Where do you think the head office of Acme is?")[0].label == "supported"
    assert judge(reader, ["Oslo"], question="Acme 的总部在哪里？")[0].label == "supported"
    assert judge(reader, ["Oslo"], question=None)[0].label == "supported"
    assert reader.asked == []
    none = FakeReader(None)  # no piece of the passage holds the claim's answer whole
    assert judge(none, ["Oslo"])[0].label == "supported" and len(none.asked) == 1


def test_unsupported_claims_are_not_read():
    class NeverSupports(AlwaysSupports):
        def predict(self, pairs, batch_size=32):
            return np.array([[0.01, 0.99, 0.0]] * len(pairs))

    reader = FakeReader(Reading(-9.0, -1, -1))
    checker = Checker(NeverSupports(), CheckerConfig(answer_place=False), reader=reader)
    assert checker.judge(["Oslo"], [[Evidence(ACME)]], [QUESTION])[0].label == "unsupported"
    assert reader.asked == []


def test_the_checkers_version_names_its_reader():
    plain = Checker(AlwaysSupports(), CheckerConfig())
    assert plain.version == "1"
    assert Checker(AlwaysSupports(), CheckerConfig(), reader=FakeReader(None)).version == "1+fake"


def test_the_reader_in_bfloat16_finds_float32s_answers():
    """checker.precision: the shipped reader's spans are float32's, its margins within 0.3 of a logit."""
    questions = [QUESTION, "Where is Acme's largest factory?", "Since when have its tools been made in Oslo?",
                 "How many countries sell Acme's tools?", "Who founded Acme?"]
    full, half = Reader(precision="float32"), Reader(precision="bfloat16")
    exact = [full.locate(q, [ACME])[0] for q in questions]
    products = [half.locate(q, [ACME])[0] for q in questions]
    assert [(a.start, a.end) for a in exact] == [(a.start, a.end) for a in products]
    assert max(abs(a.over_none - b.over_none) for a, b in zip(exact, products)) < 0.3
    assert full.version != half.version


def test_checker_reader_none_and_a_folder_that_is_not_a_reader(tmp_path):
    assert make_reader(CheckerConfig(reader="none")) is None
    with pytest.raises(ConfigError, match="not a reader folder"):
        make_reader(CheckerConfig(reader=str(tmp_path)))
    with pytest.raises(ConfigError, match="checker.reader"):
        CheckerConfig(reader=" ")


def rows():
    paragraph = ("The 2008 Sichuan earthquake, measured at 8.0 Ms, occurred on May 12 in Sichuan province and killed "
                 "69,197 people.")
    other = "Sichuan is a province in Southwest China; its capital is Chengdu."
    return [
        {"id": "squad1.1-train-Sichuan-0-0", "premise": paragraph, "hypothesis": "May 12", "kind": "supported",
         "question": "When did the earthquake in Sichuan occur?", "label": "entailment"},
        {"id": "squad1.1-train-Sichuan-0-1", "premise": paragraph, "hypothesis": "69,197", "kind": "supported",
         "question": "How many people did the earthquake kill?", "label": "entailment"},
        {"id": "squad1.1-train-Sichuan-1-0", "premise": other, "hypothesis": "Chengdu", "kind": "supported",
         "question": "What is the capital of Sichuan?", "label": "entailment"},
        {"id": "squad1.1-train-Sichuan-0-2", "premise": paragraph, "hypothesis": "May 12", "kind": "distractor",
         "question": "How strong was the earthquake?", "label": "neutral"},
        {"id": "squad2-train-5ad2", "premise": paragraph, "hypothesis": "8.0 Ms", "kind": "plausible",
         "question": "How strong was the 2009 earthquake?", "label": "neutral"},
    ]


def test_reader_examples_locate_answers_and_make_unanswerable_questions():
    from finetune.reader import article_of, examples

    assert article_of("squad1.1-train-2008_Sichuan_earthquake-0-3") == "2008_Sichuan_earthquake"
    made = examples(rows(), random.Random(0), unanswerable=3, other_paragraph=3)
    answered = [e for e in made if e.origin == "answered"]
    assert sorted(e.context[e.start:e.end] for e in answered) == ["69,197", "Chengdu", "May 12"]
    assert not any(e.origin == "answered" and "strong" in e.question for e in made)  # distractors are not answers
    unanswerable = [e for e in made if e.origin != "answered"]
    assert unanswerable and all(e.start == e.end == -1 for e in unanswerable)
    assert {e.origin for e in unanswerable} >= {"plausible", "other-paragraph"}
    for e in unanswerable:
        if e.origin == "other-paragraph":  # the question put to the other paragraph of its article
            assert e.context not in {a.context for a in answered if a.question == e.question}
        if e.origin == "changed-question":
            assert e.question not in {a.question for a in answered}


def test_reader_features_mark_the_answers_tokens():
    from transformers import AutoTokenizer

    from finetune.reader import Example, features
    from index.embed import packaged_embedder

    tokenizer = AutoTokenizer.from_pretrained(str(packaged_embedder()))
    context = "Filler words come first. " * 30 + "The capital of Sichuan is Chengdu." + " More filler follows." * 30
    at = context.index("Chengdu")
    batch = [Example("What is the capital of Sichuan?", context, at, at + 7, "answered"),
             Example("What is the capital of Sichuan?", context, -1, -1, "other-paragraph")]
    enc, owner, starts, ends, keep = features(tokenizer, batch, max_length=64, stride=16, train=True)
    assert owner.count(0) > 1  # a long passage is read in pieces
    kept = [f for f, k in enumerate(keep) if k]
    assert [owner[f] for f in kept] == [0, 1]  # one piece each: the one holding the answer, the first for none
    f = kept[0]
    assert tokenizer.decode(enc["input_ids"][f][starts[f]:ends[f] + 1]).lower() == "chengdu"
    assert starts[kept[1]] == ends[kept[1]] == 0


def test_a_long_passage_is_read_in_a_bounded_excerpt_that_keeps_the_answer_and_the_questions_place():
    from assistant.checking.reader import LONG, PIECE_WORDS, PIECES, excerpt

    filler = "".join(f"Paragraph {i} talks about rivers, hills and the weather of the coast. " for i in range(400))
    passage = filler + ACME + " " + filler + "Oslo has a famous opera house. " + filler
    assert len(passage) > LONG
    oslo = [(m, m + 4) for m in range(len(passage)) if passage.startswith("Oslo", m)]
    text, spots, places = excerpt(QUESTION, passage, oslo)
    assert len(text.split()) <= PIECES * (PIECE_WORDS + 20)
    assert "The head office of Acme is in Bergen" in text  # where the question's words gather
    assert spots and all(text[a:b] == "Oslo" for a, b in spots)
    assert all(passage[places[a]:places[a] + 4] == "Oslo" for a, _ in spots)  # back to the passage's characters
    at = text.index("Bergen")
    assert passage[places[at]:places[at] + 6] == "Bergen"
    short = excerpt(QUESTION, ACME, [(0, 4)])
    assert short[0] == ACME and short[1] == [(0, 4)]


def test_a_passage_about_something_else_than_the_question_is_not_read():
    from assistant.checking.reader import spots_to_read

    assert spots_to_read(QUESTION, "Oslo", ACME) == [(ACME.index("Oslo"), ACME.index("Oslo") + 4)]
    assert spots_to_read("Is it appropriate for kids?", "Oslo", ACME) == []  # a chat's remark, not about Acme
    assert spots_to_read(QUESTION, "The head office of Acme is in Oslo.", ACME) == []  # a sentence


def test_training_a_reader_writes_a_folder_the_checker_reads(tmp_path):
    import json

    from finetune.reader import main

    data = tmp_path / "qa.jsonl"
    many = [dict(r, id=f"squad1.1-train-{title}-{r['id'].rsplit('-', 2)[-2]}-{r['id'].rsplit('-', 1)[-1]}")
            for title in ("A", "B", "C", "D") for r in rows()[:3]]
    data.write_text("\n".join(json.dumps(r) for r in many) + "\n")
    out = tmp_path / "reader"
    assert main(["--qa", str(data), "--out", str(out), "--epochs", "1", "--batch-size", "4", "--held-out", "0.25",
                 "--unanswerable", "2", "--other-paragraph", "2", "--device", "cpu", "--precision", "bfloat16"]) == 0
    record = json.loads((out / "training.json").read_text())
    assert record["precision"] == "bfloat16"
    assert record["continued_from"] == "assistant/checking/verifiers/minilm-nli" and record["steps"] >= 1
    assert record["held_out"]["answerable"] >= 1 and 0 <= record["held_out"]["f1"] <= 1
    reader = make_reader(CheckerConfig(reader=str(out)))
    passage = rows()[0]["premise"]
    (reading,) = reader.read([("When did the earthquake occur?", passage, [(passage.index("May 12"),
                                                                            passage.index("May 12") + 6)])])
    assert reading is not None and np.isfinite(reading.margin)
    assert (reader.weight, reader.shift) == (0.5, 4.0)  # no calibration.json yet: the defaults


def test_a_reader_folder_that_cannot_load_says_which_and_why(tmp_path):
    from core.errors import ModelError

    (tmp_path / "config.json").write_text("{}")
    reader = make_reader(CheckerConfig(reader=str(tmp_path)))  # found: loaded on first use
    with pytest.raises(ModelError, match=f"cannot load the checker's reader from {tmp_path}"):
        reader.read([(QUESTION, ACME, [(0, 4)])])
