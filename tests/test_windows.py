import numpy as np

from assistant.checking.checker import Checker, Evidence
from assistant.checking.verifiers import make_verifier
from assistant.checking.windows import aggregate, make_windows, windows_for

LONG = " ".join(f"Sentence {i} is about topic number {i} and nothing else at all." for i in range(60))


def test_short_evidence_is_one_window():
    [w] = make_windows("One sentence. Two sentences.", max_words=50)
    assert w.text == "One sentence. Two sentences." and (w.start, w.end) == (0, 28)


def test_windows_are_sentence_aligned_overlapping_and_cover_everything():
    windows = make_windows(LONG, max_words=40, stride_words=30)
    assert len(windows) > 5
    assert all(LONG[w.start:w.end] == w.text for w in windows)
    assert all(len(w.text.split()) <= 40 for w in windows)
    assert windows[0].start == 0 and windows[-1].end == len(LONG)
    assert all(b.start < a.end for a, b in zip(windows, windows[1:]))  # they overlap
    assert all(w.text.startswith("Sentence") and w.text.endswith(".") for w in windows)


def test_support_is_the_best_window_and_weak_contradiction_is_ignored():
    probs = np.array([[0.1, 0.6, 0.3], [0.8, 0.15, 0.05], [0.2, 0.4, 0.4]])
    agg = aggregate(probs, strong=0.5)
    assert agg.best == 1 and agg.probs[0] == 0.8 and agg.probs[2] == 0.0
    np.testing.assert_allclose(agg.probs.sum(), 1.0)


def test_strong_contradiction_wins_over_weak_support():
    probs = np.array([[0.2, 0.7, 0.1], [0.05, 0.05, 0.9]])
    agg = aggregate(probs, strong=0.5)
    assert agg.best == 1 and agg.probs[2] == 0.8 and agg.probs[0] == 0.2  # capped so the three sum to 1
    np.testing.assert_allclose(agg.probs.sum(), 1.0)


def test_a_verifier_without_a_window_size_reads_the_whole_evidence():
    overlap = make_verifier("overlap")
    assert len(windows_for(overlap, LONG)) == 1  # word overlap reads the whole evidence
    [verdict] = Checker(overlap).judge(["Sentence 42 is about topic number 42."], [[Evidence(LONG)]])
    assert verdict.probs[0] == 1.0 and verdict.evidence == LONG


def test_shared_content_is_found_inside_text_written_without_spaces():
    from assistant.checking.windows import shares_content

    assert shares_content("北上车站是一个位于日本岩手县的铁路车站。", "岩手县")
    assert not shares_content("北上车站是一个位于日本岩手县的铁路车站。", "长城")
    assert shares_content("The daemon listens on port 6667.", "It listens on 6667.")
    assert not shares_content("The daemon listens on port 6667.", "Penguins eat krill.")
    assert shares_content("Anything at all.", "It is.")  # nothing to look for


def test_a_clause_saying_the_statement_the_other_way_round_is_a_conflict():
    from assistant.checking.windows import polarity_conflict

    rule = "Thus, no files on a system should be owned by this user or group."
    assert polarity_conflict(rule, "The user nobody owns files on a system.")
    assert not polarity_conflict(rule, "No files should be owned by the user nobody.")  # both negated
    assert not polarity_conflict("It has almost no atmosphere.", "The Moon has almost no atmosphere.")
    # a negation in another sentence, or another clause, is about something else
    assert not polarity_conflict("The Moon has an atmosphere. It does not have water.",
                                 "The Moon has an atmosphere made of gas.")
    assert not polarity_conflict("They are no longer created by default; they had uid 41.", "They had uid 41.")
    assert polarity_conflict("Smoking is not allowed in the building.", "Smoking is allowed in the building.")
    # a reply's "No," or "Not really," answers a question; it does not negate the claim
    assert not polarity_conflict("A programming language is a formal language.", "Not really, programming is a formal language.")
    assert polarity_conflict("Programming is not a formal language of instructions.",
                             "No, programming is a formal language of instructions.")
    # a fragment (a short answer) has no polarity of its own
    assert not polarity_conflict("Newton formulated laws of motion that were not improved on.", "Sir Isaac Newton")
    # short answers are the verifier's: their polarity is in the question
    assert not polarity_conflict("Smoking is not allowed.", "Smoking allowed")
    # a clause of the statement is matched with a clause of the window, each with its own polarity
    assert not polarity_conflict("It is not known who fired the fatal shots.", "It is not known who fired the fatal shots.")
