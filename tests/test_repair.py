"""Checker-guided repair with the deterministic fake verifier and a scripted chat model."""

from types import SimpleNamespace

from assistant.chat.prompt import NO_ANSWER
from assistant.checking.checker import Checker
from assistant.checking.repair import suggest, trim
from tests.test_checker import FakeVerifier
from tests.test_log import ANSWER, PASSAGES


class ScriptedChat:
    def __init__(self, reply):
        self.reply, self.messages = reply, []

    def with_generation(self, **changes):
        return changes

    def complete(self, messages, generation=None):
        self.messages.append(messages)
        return SimpleNamespace(text=self.reply)


def test_trimming_cuts_flagged_statements_and_keeps_the_rest_verbatim():
    checker = Checker(FakeVerifier())
    report = checker.check_answer(ANSWER, "Tell me about Acme", PASSAGES)
    assert trim(report) == "Hello! The head office is in Bergen [1]."
    suggestion = suggest(checker, report, PASSAGES)
    assert suggestion.method == "trimmed" and suggestion.flags == 0


def test_nothing_left_means_the_no_answer_sentence():
    checker = Checker(FakeVerifier())
    report = checker.check_answer("Acme has 9 staff.", "How many staff?", PASSAGES)
    assert trim(report) == NO_ANSWER


def test_a_regenerated_answer_wins_when_it_is_better_supported():
    checker = Checker(FakeVerifier())
    report = checker.check_answer("Acme has 9 staff.", "Tell me about Acme", PASSAGES)
    chat = ScriptedChat("Acme was founded in 1999 [1]. The head office is in Bergen [1].")
    suggestion = suggest(checker, report, PASSAGES, chat=chat)
    assert suggestion.method == "regenerated" and suggestion.report.counts["supported"] == 2
    system = chat.messages[0][0]["content"]
    assert '"Acme has 9 staff."' in system and "leave them out" in system


def test_a_regenerated_answer_with_new_flags_loses_to_the_trimmed_one():
    checker = Checker(FakeVerifier())
    report = checker.check_answer(ANSWER, "Tell me about Acme", PASSAGES)
    suggestion = suggest(checker, report, PASSAGES, chat=ScriptedChat("Acme sells rockets."))
    assert suggestion.method == "trimmed"


def test_no_flags_no_suggestion():
    checker = Checker(FakeVerifier())
    report = checker.check_answer("The head office is in Bergen.", None, PASSAGES)
    assert suggest(checker, report, PASSAGES) is None
