"""The hallucination evaluation: metrics, question files, rates over scripted answers."""


import pytest

from assistant.checking.checker import Checker
from core.errors import InputError
from finetune.evaluate import contains, evaluate, read_questions, token_f1
from tests.test_checker import FakeVerifier


def test_token_f1_and_containment():
    assert token_f1("The office is in Bergen [1].", "Bergen") == pytest.approx(0.4)  # P 1/4, R 1
    assert token_f1("Oslo", "Bergen") == 0.0
    assert contains("The head office is in Bergen, Norway [1].", "bergen norway")
    assert not contains("The head office is in Oslo.", "Bergen")


def test_question_files(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "A?", "answer": "a"}\n{"question": "B?", "split": "train"}\n\n'
                    '{"question": "C?", "split": "held_out"}\n')
    assert [r["question"] for r in read_questions(path)] == ["A?", "C?"]
    path.write_text('{"question": "A?"}\nnot json\n')
    with pytest.raises(InputError, match="line 2: not valid JSON"):
        read_questions(path)
    path.write_text('{"answer": "x"}\n')
    with pytest.raises(InputError, match="line 1: no \"question\" string"):
        read_questions(path)


class ScriptedChat:
    name = "scripted"

    def __init__(self, replies):
        self.replies = replies

    def stream(self, messages, generation=None, stop=None, refusal=None):
        return iter([self.replies[messages[-1]["content"]]])


def test_rates_count_statements_and_answers():
    chat = ScriptedChat({"Where?": "It is in Bergen. It has 9 staff.", "Who?": "I don't know based on the "
                         "provided documents."})
    result = evaluate(chat, None, Checker(FakeVerifier()), [{"question": "Where?", "answer": "Bergen"},
                                                             {"question": "Who?", "answer": "Kari"}])
    # no index: no evidence, so both claims of the first answer are unsupported; the second is no claim
    assert result.statements == 2 and result.statement_flag_rate == 1.0
    assert result.answer_flag_rate == 0.5 and result.no_answer_rate == 0.5
    assert result.accuracy == 0.5 and result.answers[0]["correct"] is True
