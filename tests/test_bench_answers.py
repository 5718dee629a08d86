"""bench/answers.py's scoring: what counts as right, as a refusal, as a copy of an earlier answer."""

import pytest

from assistant.chat.prompt import NO_ANSWER
from bench import answers


def test_right_means_the_gold_answer_is_in_the_answer_whatever_the_case_articles_and_punctuation():
    assert answers.normalize("The University of Chicago's Laboratory Schools.") == \
        "university of chicagos laboratory schools"
    assert answers.normalize("10th and 11th centuries") in answers.normalize("In the 10th and 11th centuries [1].")
    assert answers.normalize("the USSR") in answers.normalize("It was concerned about the USSR.")
    assert answers.normalize("Netherlands") not in answers.normalize("In Belgium.")


def test_refusals_are_recognised_in_the_shipped_wording_and_in_others():
    for text in (NO_ANSWER, "Based on the provided documents, I don't know based on the provided documents.",
                 "The passages do not mention his birthday.", "I cannot determine that from the documents.",
                 "That is not mentioned in the passages."):
        assert answers.refuses(text), text
    for text in ("Kublai attacked Xiangyang between 1268 and 1273 [1].", "The documents say it was 1998 [2].",
                 "No, the river flows north [1]."):
        assert not answers.refuses(text), text


def test_a_copy_repeats_most_of_an_earlier_answers_words():
    earlier = ["The Mule 7 carries up to 180 kilograms [2]."]
    assert answers.copies("The Mule 7 carries up to 180 kilograms.", earlier)
    assert not answers.copies("Velotron builds its frames in Lahti [2].", earlier)
    assert not answers.copies(NO_ANSWER, [NO_ANSWER])  # saying "I don't know" twice is not copying


@pytest.mark.skipif(not answers.DATA.is_file(), reason=f"the benchmark's data is not here ({answers.DATA})")
def test_the_question_sets_are_drawn_the_same_way_every_time():
    first = answers.load_rows(0, 3, 2, 1)
    again = answers.load_rows(0, 3, 2, 1)
    paragraphs, single, chats = first
    assert first == again and len(paragraphs) > 900
    assert [r["id"].rsplit("-", 1)[1] for r in single] == ["supported"] * 3 + ["plausible"] * 2
    assert len(chats) == 1 and len(chats[0]) == 3 and not {r["id"] for r in chats[0]} & {r["id"] for r in single}


def test_the_abstain_sweep_turns_answers_within_the_bias_into_refusals():
    single = [
        {"answerable": True, "right": True, "refused": False, "refusal_margin": -3.0, "flagged": False},
        {"answerable": True, "right": True, "refused": False, "refusal_margin": -0.8, "flagged": True},
        {"answerable": False, "right": False, "refused": False, "refusal_margin": -0.4, "flagged": False},
        {"answerable": False, "right": False, "refused": False, "refusal_margin": -2.5, "flagged": True},
    ]
    sweep = {row["abstain_bias"]: row for row in answers.abstain_sweep(single, 0.0)}
    assert sweep[0.0] == {"abstain_bias": 0.0, "right": 1.0, "abstained": 0.0, "abstained_answerable": 0.0,
                          "unanswerable_caught": 0.5}
    assert sweep[0.5]["abstained"] == 0.5 and sweep[0.5]["right"] == 1.0 and sweep[0.5]["unanswerable_caught"] == 1.0
    assert sweep[1.0]["right"] == 0.5 and sweep[1.0]["abstained_answerable"] == 0.5
    assert sweep[3.5]["right"] == 0.0 and sweep[3.5]["abstained"] == 1.0
    assert min(answers.abstain_sweep(single, 1.0), key=lambda r: r["abstain_bias"])["abstain_bias"] == 1.0


@pytest.mark.skipif(not answers.TRAIN.is_file(), reason=f"the training data is not here ({answers.TRAIN})")
def test_train_rows_are_squad_train_questions_on_the_indexed_paragraphs_never_dev_ones():
    paragraphs, single, _ = answers.load_rows(0, 4, 4, 0, data="train")
    assert len(paragraphs) == answers.TRAIN_PARAGRAPHS
    assert all(r["evidence"] in set(paragraphs) for r in single)
    assert [r["id"].rsplit("-", 1)[1] for r in single] == ["supported"] * 4 + ["plausible"] * 4
    assert all(r["id"].startswith(("squad1.1-train", "squad2-train")) for r in single)


def test_a_stopped_run_goes_on_from_its_journal_under_the_same_settings_only(tmp_path):
    journal = answers.journal_path(str(tmp_path / "answers_cmrc.json"))
    assert journal.name == "answers_cmrc.journal.jsonl"
    settings = {"data": "cmrc", "seed": 0, "k": None}
    other = {**settings, "k": 3}
    right = {"id": "q1", "answer": "It is 33 cm [1].", "gold": "33 cm"}
    lines = [{"variant": "qwen:onnx:int8", "settings": settings, **right},
             {"variant": "qwen:onnx:int8", "settings": other, "id": "q2", "answer": "No.", "gold": "33 cm"},
             {"variant": "smollm2:onnx:int8", "settings": settings, "id": "q1", "answer": "3 m.", "gold": "33 cm"}]
    journal.write_text("".join(answers.json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    done = answers.read_journal(journal, settings)
    assert set(done) == {("qwen:onnx:int8", "q1"), ("smollm2:onnx:int8", "q1")}  # q2 was asked with other settings
    assert done[("qwen:onnx:int8", "q1")]["right"] and not done[("smollm2:onnx:int8", "q1")]["right"]
    assert answers.read_journal(tmp_path / "none.jsonl", settings) == {}


def test_a_journal_row_is_scored_again_when_read(tmp_path):
    """Session 21: "1991年：提供的文档中没有这个问题的答案。" (the year, then "the documents do not
    hold the answer") was scored right when the refusal pattern missed its second half; rows
    keep the scores of the run that wrote them unless they are scored again."""
    journal = tmp_path / "answers_cmrc.journal.jsonl"
    settings = {"data": "cmrc"}
    row = {"variant": "v", "settings": settings, "id": "q1", "gold": "1991年", "withheld": False,
           "answer": "1991年：提供的文档中没有这个问题的答案。", "right": True, "right_as_generated": True, "refused": False}
    held = {**row, "id": "q2", "answer": "1991年[1]。", "withheld": True}
    journal.write_text("".join(answers.json.dumps(line, ensure_ascii=False) + "\n" for line in (row, held)),
                       encoding="utf-8")
    done = answers.read_journal(journal, settings)
    assert not done[("v", "q1")]["right_as_generated"] and done[("v", "q1")]["refused"]
    assert done[("v", "q2")]["right_as_generated"] and not done[("v", "q2")]["right"] and done[("v", "q2")]["refused"]
    assert answers.read_journal(tmp_path / "none.jsonl", settings) == {}


def test_a_journal_keeps_the_last_line_of_each_answer(tmp_path):
    journal = tmp_path / "answers_cmrc.journal.jsonl"
    settings, other = {"data": "cmrc", "k": None}, {"data": "cmrc", "k": 3}
    said = {"answer": "33 cm.", "gold": "33 cm"}
    lines = [{"variant": "v", "settings": settings, "id": "q1", "verdicts": "first", **said},
             {"variant": "v", "settings": settings, "id": "q2", "verdicts": "only", **said},
             {"variant": "v", "settings": other, "id": "q1", "verdicts": "another run", **said},
             {"variant": "v", "settings": settings, "id": "q1", "verdicts": "checked again", **said}]
    journal.write_text("".join(answers.json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert answers.compact_journal(journal) == 1
    kept = [answers.json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    assert [k["verdicts"] for k in kept] == ["checked again", "only", "another run"]
    assert answers.read_journal(journal, settings)[("v", "q1")]["verdicts"] == "checked again"
    assert answers.compact_journal(journal) == 0 and answers.compact_journal(tmp_path / "none.jsonl") == 0


def test_the_summary_gives_the_share_right_with_its_interval():
    rows = [{"answerable": True, "right": i < 7, "refused": False, "cites": True, "finish_reason": "stop",
             "decode_tokens_per_s": 10.0, "ttft_s": 1.0, "seconds": 2.0, "prompt_tokens": 100, "tokens": 20,
             "retrieval_hit": True, "answer": "It is 33 cm [1]."} for i in range(10)]
    summary = answers.summarize(rows, [])
    assert summary["answerable_questions"] == 10 and summary["right"] == 0.7
    low, high = summary["right_interval_95"]
    assert 0.39 < low < 0.7 < high < 0.92


def test_a_loop_the_reader_would_see_is_counted_apart_from_one_the_guard_stopped():
    rows = [{"answerable": True, "right": True, "refused": False, "cites": True, "finish_reason": reason,
             "decode_tokens_per_s": 10.0, "ttft_s": 1.0, "seconds": 2.0, "prompt_tokens": 100, "tokens": 20,
             "retrieval_hit": True, "answer": answer}
            for reason, answer in [("repetition", "贴扎的原理是提供组织较好的环境。"),
                                   ("length", "The uid is 37. The uid is 37. The uid is 37."),
                                   ("stop", "The uid is 37, and the gid is 37 too.")]]
    summary = answers.summarize(rows, [])
    assert summary["loops"] == 1 and summary["loops_shown"] == 1


def test_a_chinese_answer_holds_its_gold_answer_whatever_the_spaces():
    assert answers.contains_gold("他在 1993 年主演了《唐太宗李世民》[1]。", "1993年")
    assert answers.contains_gold("第 5 章节包含文件格式和规范。", "文件格式和规范")
    assert not answers.contains_gold("他在 1996 年退出娱乐圈。", "1993年")
    assert not answers.contains_gold("The answer is 10 [1].", "1 0")  # English keeps its spaces


def test_an_answer_judged_by_another_checker_is_checked_again_not_asked_again(monkeypatch):
    """A long run keeps its answers across checker changes: the journal row keeps the answer as
    generated, and its verdicts, withholding and "right" are today's checker's."""
    from types import SimpleNamespace

    from assistant import turn
    from assistant.checking.checker import CheckReport, Verdict
    from assistant.checking.statements import split_statements

    hits = [SimpleNamespace(text="线蚓鳗……水深3至25公尺。……体长可达33公分。", title="eel", doc_id="d", page=None,
                            start=0, end=24)]
    from assistant.chat.grounding import Prepared

    monkeypatch.setattr(turn, "prepare", lambda index, question, history, k, scope: Prepared([], hits))
    asked = []

    class Checker:
        verifier = SimpleNamespace(version="new")
        cfg = SimpleNamespace(withhold="no_support")

        def check_answer(self, answer, question, passages):
            asked.append((answer, question, [p.text for p in passages]))
            return CheckReport(answer, question, [Verdict(s, "unsupported", 0.2) for s in split_statements(answer)],
                               "trained", "new", 0.0)

    entry = {"id": "q", "question": "线蚓鳗的体长是多少？", "answer": "线蚓鳗的体长是3至25公尺。", "gold": "33公分",
             "right": False, "right_as_generated": False, "refused": False, "finish_reason": "stop",
             "verdicts": {"supported": 1}, "flagged": False, "withheld": False}
    again = answers.check_again(entry, None, Checker())
    assert asked == [(entry["answer"], entry["question"], [hits[0].text])]  # the passages the question retrieves
    assert again["answer"] == entry["answer"] and again["checker_version"] == answers.checker_version(Checker())
    assert answers.checker_version(Checker()) != answers.checker_version(
        SimpleNamespace(verifier=SimpleNamespace(version="old")))  # another verifier, another checker
    assert again["withheld"] and again["refused"] and again["flagged"] and not again["right"]
    assert again["verdicts"]["unsupported"] == 1 and again["verdicts"]["supported"] == 0
    right = answers.check_again({**entry, "answer": "体长可达33公分。", "right_as_generated": True}, None, Checker())
    assert not right["right"] and right["right_as_generated"]  # right as generated, withheld as read
