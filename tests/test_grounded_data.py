"""finetune.grounded: what the synthetic grounded-QA rows teach the dialogue model to say."""

from assistant.chat.prompt import Passage
from finetune.grounded import SENTENCE_WORDS, answer_for


def test_a_short_sentence_holding_the_answer_is_the_answer_cited_by_its_passage():
    shown = [Passage("Oslo is the capital of Norway. It has 700,000 people."),
             Passage("… The bridge was finished in 1932. Its span is 503 metres. …")]
    assert answer_for("1932", shown) == "The bridge was finished in 1932 [2]."
    assert answer_for("700,000", shown) == "It has 700,000 people [1]."


def test_a_long_or_cut_sentence_gives_the_answer_alone_capitalised():
    long = " ".join(["word"] * SENTENCE_WORDS) + " and then the treaty was signed in Ghent in 1814."
    assert answer_for("Ghent", [Passage(long)]) == "Ghent [1]."
    cut = [Passage("The river … rises in the Alps near Andermatt. The lake is deep.")]
    assert answer_for("the Alps", cut) == "The Alps [1]."


def test_an_answer_no_shown_passage_holds_is_none():
    """Retrieval or the focus left it out: the row teaches the refusal instead."""
    assert answer_for("1814", [Passage("The treaty ended the war.")]) is None
    assert answer_for("Ghent", []) is None


def test_sentence_words_sets_how_long_a_sentence_may_be_to_be_the_answer():
    sentence = " ".join(["word"] * 30) + " and then the treaty was signed in Ghent in 1814"
    shown = [Passage(sentence + ".")]
    assert answer_for("Ghent", shown) == "Ghent [1]."  # 40 words: longer than the default 25
    assert answer_for("Ghent", shown, sentence_words=40) == f"{sentence} [1]."
    assert answer_for("Ghent", shown, sentence_words=39) == "Ghent [1]."
