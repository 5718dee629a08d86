"""assistant/turn.py: the one turn (retrieve → generate → check → log) the page and ``assistant ask`` share."""

from types import SimpleNamespace

from assistant.chat.base import Completion, TextStream
from assistant.chat.prompt import NO_ANSWER
from assistant.checking.checker import Checker
from assistant.flags.log import FlagLog
from assistant.turn import WITHHELD, Turn
from core.config import CheckerConfig, GenerationConfig
from tests.test_checker import FakeVerifier


class ScriptedChat:
    """A chat whose real TextStream says ``pieces``; counts how often a stream is run."""

    name, generation = "scripted", GenerationConfig()

    def __init__(self, pieces):
        self.pieces, self.runs, self.refusals = pieces, 0, []

    def first_token(self, text):
        return 0

    def stream(self, messages, generation=None, stop=None, refusal=None):
        chat = self
        chat.refusals.append(refusal)

        class Scripted(TextStream):
            def _pieces(self):
                chat.runs += 1
                yield from chat.pieces
                self.completion = Completion("".join(chat.pieces), 7, len(chat.pieces), 0.1, 0.2, "stop")

        return Scripted(self, messages, generation or self.generation, None)


def indexed(doc_index, tmp_path):
    (tmp_path / "acme.md").write_text("# Acme\n\nThe head office is in Bergen. Acme was founded in 1999.")
    doc_index.add([tmp_path / "acme.md"])
    return doc_index


def test_a_turn_streams_checks_and_logs_once(doc_index, tmp_path):
    chat = ScriptedChat(["The head office is in Bergen [1]. ", "It has 9 staff. "])
    log = FlagLog(tmp_path / "log.sqlite")
    turn = Turn(chat, indexed(doc_index, tmp_path), "Where is the head office?")
    assert turn.hits and chat.refusals == [NO_ANSWER]  # grounded: the model may refuse
    assert "".join(turn) == "The head office is in Bergen [1]. It has 9 staff. "
    seen = []
    done = turn.finish(Checker(FakeVerifier()), log, "test", on_checking=seen.append)
    assert chat.runs == 1  # finishing does not run the model again
    assert seen == [2] and done.report.counts["supported"] == 1 and done.report.counts["unsupported"] == 1
    assert done.answer == done.reply == "The head office is in Bergen [1]. It has 9 staff."
    assert done.ending == "stop" and not done.withheld and done.cited == [1]
    logged = log.turn(done.turn_id)
    assert logged.answer == done.answer and logged.finish_reason == "stop" and logged.session == "test"
    assert logged.model == "scripted" and len(logged.statements) == 2


def test_finish_consumes_what_was_not_streamed(doc_index, tmp_path):
    chat = ScriptedChat(["Acme was founded in 1999."])
    done = Turn(chat, indexed(doc_index, tmp_path), "When was Acme founded?").finish(Checker(FakeVerifier()))
    assert done.answer == "Acme was founded in 1999." and done.report.counts["supported"] == 1
    assert done.turn_id is None and chat.runs == 1  # no flag log: nothing logged


def test_an_answer_with_flags_and_no_support_is_withheld_and_its_draft_logged(doc_index, tmp_path):
    chat = ScriptedChat(["The head office is in Oslo [1]."])
    log = FlagLog(tmp_path / "log.sqlite")
    checker = Checker(FakeVerifier(), CheckerConfig(withhold="no_support"))
    done = Turn(chat, indexed(doc_index, tmp_path), "Where is the head office?").finish(checker, log, "test")
    assert done.ending == WITHHELD and done.withheld and done.reply == NO_ANSWER
    assert done.answer == "The head office is in Oslo [1]."
    logged = log.turn(done.turn_id)
    assert logged.answer == done.answer and logged.finish_reason == WITHHELD
    kept = Turn(ScriptedChat(["The head office is in Oslo [1]."]), doc_index, "Where is the head office?")
    assert kept.finish(checker, withhold="off").reply == "The head office is in Oslo [1]."  # the rule, named


def test_an_answer_whose_answer_to_the_question_is_flagged_is_withheld_though_another_claim_is_supported(
        doc_index, tmp_path):
    answer = "The head office is in Oslo [1]. Acme was founded in 1999 [1]."  # the second answers nothing asked
    checker = Checker(FakeVerifier(), CheckerConfig(withhold="answer"))
    done = Turn(ScriptedChat([answer]), indexed(doc_index, tmp_path), "Where is the head office?").finish(checker)
    assert done.report.counts == {"supported": 1, "unsupported": 1, "contradicted": 0, "not_a_claim": 0}
    assert [v.statement.claim for v in done.report.answering] == ["The head office is in Oslo."]
    assert done.report.answer_flagged and done.withheld and done.reply == NO_ANSWER
    kept = Turn(ScriptedChat([answer]), doc_index, "Where is the head office?").finish(checker, withhold="no_support")
    assert not kept.withheld and kept.reply == answer
    both = "The head office is in Oslo [1]. The head office is in Bergen [1]."  # one answer to it is supported
    shown = Turn(ScriptedChat([both]), doc_index, "Where is the head office?").finish(checker)
    assert shown.report.flagged and not shown.report.answer_flagged and not shown.withheld


def test_without_passages_the_model_answers_unchecked_and_is_never_withheld(tmp_path):
    chat = ScriptedChat(["Paris."])
    checker = Checker(FakeVerifier(), CheckerConfig(withhold="any_flag"))
    turn = Turn(chat, None, "What is the capital of France?")
    assert chat.refusals == [None] and turn.hits == []
    done = turn.finish(checker)
    assert done.reply == "Paris." and not done.withheld and done.report.counts["unsupported"] == 1


def test_the_logged_generation_is_the_one_used_unless_the_caller_names_it(doc_index, tmp_path):
    log = FlagLog(tmp_path / "log.sqlite")
    chat = ScriptedChat(["Bergen."])
    turn = Turn(chat, None, "Where?", generation=GenerationConfig(max_new_tokens=17))
    logged = log.turn(turn.finish(None, log, "test").turn_id)
    assert logged.generation["max_new_tokens"] == 17
    named = Turn(chat, None, "Where?").finish(None, log, "test", logged_generation={"from": "config"})
    assert log.turn(named.turn_id).generation == {"from": "config"}


def test_a_stream_without_a_completion_is_taken_as_it_came():
    chat = SimpleNamespace(name="plain", generation=GenerationConfig(),
                           stream=lambda messages, generation=None, refusal=None: iter([" Bergen. "]))
    done = Turn(chat, None, "Where?").finish()
    assert done.answer == "Bergen." and done.completion is None and done.ending is None


def test_an_answer_of_citations_only_is_withheld_unless_the_rule_is_off_or_the_user_stopped_it(doc_index, tmp_path):
    """The CMRC answers benchmark: 5 of 193 answers were only "[1] [2]"; the reader got nothing to read."""
    from assistant.checking.checker import withheld

    docs = indexed(doc_index, tmp_path)
    checker = Checker(FakeVerifier(), CheckerConfig(withhold="no_support"))
    for answer in ("[1] [2]", "出自第2段。", "The answer is:"):
        done = Turn(ScriptedChat([answer]), docs, "Where is the head office?").finish(checker)
        assert done.report.says_nothing and done.withheld and done.reply == NO_ANSWER, answer
        assert done.answer == answer  # the draft is kept
    kept = Turn(ScriptedChat(["[1] [2]"]), docs, "Where is the head office?").finish(checker, withhold="off")
    assert kept.reply == "[1] [2]"
    for answer in ("Hello!", "I don't know based on the provided documents.", "Which office?"):
        said = Turn(ScriptedChat([answer]), docs, "Where is the head office?").finish(checker)
        assert not said.report.says_nothing and not said.withheld, answer
    stopped = Turn(ScriptedChat(["[1]"]), docs, "Where is the head office?").finish(checker)
    assert not withheld(stopped.report, stopped.hits, "cancelled", "no_support")  # the user stopped it
