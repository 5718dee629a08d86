import pytest

from assistant.chat.base import Completion, refusal_margin
from assistant.chat.grounding import cited_numbers
from assistant.chat.prompt import NO_ANSWER


def test_cited_numbers_in_order_and_in_range():
    assert cited_numbers("Bergen [2], founded 1999 [1, 2]; see [7] and [3;1].", 3) == [2, 1, 3]
    assert cited_numbers("no citations", 3) == []


def test_a_chinese_answer_that_cites_in_words_cites_and_its_claim_leaves_the_citation_out():
    """bench/answers.py on CMRC 2018: "《悬崖》出自第3段。" (Precipice, from paragraph 3) was checked
    whole, "from paragraph 3" and all, found unsupported (0.08) and withheld; the bare answer 0.996."""
    from assistant.checking.statements import split_statements

    assert cited_numbers("《悬崖》出自第3段。它于1869年出版（第2段）。见段落1。", 3) == [3, 2, 1]
    assert cited_numbers("长城很长[1，2]。", 3) == [1, 2]
    assert [s.claim for s in split_statements("可作为观赏鱼。出自[3]。")] == ["可作为观赏鱼。", "。"]  # "出自" goes too
    assert [s.kind for s in split_statements("可作为观赏鱼。出自[3]。")] == ["claim", "not_a_claim"]
    assert [s.claim for s in split_statements("《悬崖》出自第3段。它于1869年出版（第 2 段）。")] == [
        "《悬崖》。", "它于1869年出版。"]
    assert cited_numbers("根据第3段规定，罚款。第 5 章节包含游戏。", 5) == []  # a document's own "paragraph 3"
    # the CMRC benchmark, session 20: "出自第[2]段。" and "这段文字出自第[3]段。" were checked as claims
    # and session 21: "这段信息出自第[1]段。" (this information is from paragraph [1]) was flagged
    for answer in ("花序为圆锥花序或总状花序。出自第[2]段。", "吴音从南朝传入日本。这段文字出自第[2]段。",
                   "银河的主要水量由白银乡河和鹿地塘河提供。这段信息出自第[2]段。", "硼砂是白色粉末。以上答案来自[2]。"):
        assert cited_numbers(answer, 3) == [2]
        assert [s.kind for s in split_statements(answer)] == ["claim", "not_a_claim"], split_statements(answer)


class FakeChat:
    name, generation = "fake", None

    def __init__(self, reply):
        self.reply, self.seen = reply, None

    def stream(self, messages, generation=None, stop=None, refusal=None):
        self.seen, self.refusal = messages, refusal
        return Said(self.reply)


class Said:
    """A stream that says one reply, then holds its completion."""

    def __init__(self, reply):
        self.reply, self.completion = reply, None

    def __iter__(self):
        yield self.reply
        self.completion = Completion(self.reply, 10, 3, 0.1, 0.2, "stop")


def answer(chat, index, question, k=None):
    from assistant.turn import Turn

    return Turn(chat, index, question, k=k).finish()


def test_answer_uses_retrieved_passages_and_reports_citations(doc_index, tmp_path):
    (tmp_path / "a.md").write_text("# Acme\n\nAcme's head office is in Bergen.")
    (tmp_path / "b.md").write_text("# Moon\n\nThe Moon has no atmosphere.")
    doc_index.add([tmp_path / "a.md", tmp_path / "b.md"])
    chat = FakeChat("It is in Bergen [1].")
    result = answer(chat, doc_index, "Where is Acme's head office?", k=2)
    assert result.as_dict()["grounded"] and result.cited == [1] and result.answer == "It is in Bergen [1]."
    assert chat.refusal == NO_ANSWER  # a grounded answer may be the refusal (generation.abstain_bias)
    assert result.hits[0].title == "Acme"
    assert "[1] (Acme) # Acme Acme's head office is in Bergen." in chat.seen[-1]["content"]
    data = result.as_dict()
    assert data["citations"][0]["title"] == "Acme" and data["passages"][1]["number"] == 2


def test_without_documents_it_is_a_plain_answer(doc_index):
    chat = FakeChat("Paris.")
    result = answer(chat, doc_index, "Capital of France?")
    assert chat.refusal is None  # a plain chat turn is never turned into "I don't know based on the documents"
    assert not result.as_dict()["grounded"] and result.hits == [] and chat.seen == [
        {"role": "user", "content": "Capital of France?"}]


def test_refusal_margin_is_the_tokens_lead_over_the_best_other():
    assert refusal_margin([[1.0, 3.5, 2.0]], 1) == pytest.approx(1.5)
    assert refusal_margin([1.0, 3.5, 2.0], 0) == pytest.approx(-2.5)
