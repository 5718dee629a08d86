"""The packaged default dialogue model, as a user gets it: named by nothing (``ModelConfig()``),
exported once for the session and asked through the real ask path.

The document is made up here (no model knows its facts from training), so a right answer
comes from the passages, and a question the document does not answer must be refused.
"""

from __future__ import annotations

import pytest

from assistant.chat.prompt import NO_ANSWER
from assistant.turn import Turn

pytestmark = pytest.mark.model

VELOTRON = """# Velotron Inc.

Velotron Inc. is a maker of cargo bicycles. It was founded in 1998 in Tampere, Finland, by
Aino Koskinen, who ran it until 2015.

Velotron's best-known model is the Mule 7, a three-wheeled cargo bike that carries up to
180 kilograms. The company employs 412 people and builds its frames in Lahti.

In 2021 Velotron opened a second factory, in Porto, Portugal, for its electric models.
"""


@pytest.fixture
def velotron(doc_index, tmp_path):
    (tmp_path / "velotron.md").write_text(VELOTRON, encoding="utf-8")
    doc_index.add([tmp_path / "velotron.md"])
    return doc_index


def test_the_default_is_the_packaged_qwen_exported_for_the_cpu(default_chat):
    from core.config import ONNX_DEFAULT, ModelConfig

    assert "qwen2.5-coder-1.5b-instruct" in default_chat.name
    if ModelConfig().resolved().backend == "onnx":  # no GPU here
        assert f"[onnx {ONNX_DEFAULT}]" in default_chat.name


def test_a_plain_question_gets_the_answer_not_a_loop(default_chat):
    done = default_chat.complete([{"role": "user",
                                   "content": "Answer in one word: what colour is a clear daytime sky?"}])
    assert "blue" in done.text.lower() and len(done.text.split()) <= 5
    assert done.finish_reason == "stop"


def test_an_answer_from_the_document_is_right_and_cites_it(default_chat, velotron):
    result = Turn(default_chat, velotron, "In which city was Velotron founded?").finish()
    assert "Tampere" in result.answer and result.cited == [1], result.answer
    assert result.completion.finish_reason == "stop"


def test_a_question_the_document_does_not_answer_is_refused(default_chat, velotron):
    """The reader gets the refusal: the model says it, or the checker withholds what it said
    instead (``checker.withhold``), as the page and ``assistant ask`` do; a right answer is kept."""
    from assistant.checking.checker import make_checker
    from core.config import CheckerConfig

    checker = make_checker(CheckerConfig(), velotron)
    for question, answerable in (("What is the name of Velotron's chief financial officer?", False),
                                 ("In which city was Velotron founded?", True)):
        result = Turn(default_chat, velotron, question).finish(checker)
        assert result.completion.refusal_margin is not None  # the gate looked at the first token
        refused = NO_ANSWER.rstrip(".").lower() in result.reply.lower()  # said, or withheld
        assert refused is not answerable, (question, result.answer, result.report.counts)


def test_three_questions_in_one_chat_get_three_different_right_answers(default_chat, velotron):
    history: list[dict] = []
    answers = []
    for question, right in (("Who founded Velotron?", "Koskinen"),
                            ("How much can the Mule 7 carry?", "180"),
                            ("Where does Velotron build its frames?", "Lahti")):
        result = Turn(default_chat, velotron, question, history).finish()
        assert right in result.answer, (question, result.answer)
        answers.append(result.answer)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": result.answer}]
    assert len(set(answers)) == 3
