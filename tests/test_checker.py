"""The checker with a deterministic fake verifier: evidence, windows, thresholds, non-claims."""

import json

import numpy as np

from assistant.checking.checker import Checker, Evidence, contextualize
from core.config import CheckerConfig


class FakeVerifier:
    """Supported if the statement (lower-cased, without its full stop) is in the evidence;
    contradicted if the evidence holds it with 'not'; else unsupported."""

    name, version, window_words = "fake", "1", 40

    def __init__(self):
        self.calls = []

    def predict(self, pairs, batch_size=32):
        self.calls.append(list(pairs))
        out = []
        for evidence, statement in pairs:
            s = statement.lower().rstrip(".")
            e = evidence.lower()
            if s in e:
                out.append([0.9, 0.08, 0.02])
            elif s.replace(" is ", " is not ") in e:
                out.append([0.02, 0.08, 0.9])
            else:
                out.append([0.1, 0.8, 0.1])
        return np.array(out)


PASSAGES = [Evidence("Acme was founded in 1999. The head office is in Bergen. " + "Filler text goes here. " * 30,
                     "Acme", "d1", 1, 0, 900),
            Evidence("The canteen is not open on Sundays.", "Rules", "d2", None, 0, 35)]


def test_each_statement_gets_a_verdict_with_its_evidence():
    checker = Checker(FakeVerifier(), CheckerConfig())
    report = checker.check_answer("Hello! The head office is in Bergen. The canteen is open on Sundays. "
                                  "Acme makes rockets.", "Tell me about Acme", PASSAGES)
    labels = [(v.statement.text, v.label) for v in report.verdicts]
    assert labels == [("Hello!", "not_a_claim"), ("The head office is in Bergen.", "supported"),
                      ("The canteen is open on Sundays.", "contradicted"), ("Acme makes rockets.", "unsupported")]
    supported = report.verdicts[1]
    assert supported.score == 0.9 and supported.source.doc_id == "d1"
    assert "The head office is in Bergen." in supported.evidence
    a, b = supported.span
    assert supported.source.text[a:b] == supported.evidence  # the window's offsets inside its passage
    assert report.verdicts[2].source.title == "Rules"
    assert report.counts == {"supported": 1, "unsupported": 1, "contradicted": 1, "not_a_claim": 1}
    assert [v.statement.text for v in report.flagged] == ["The canteen is open on Sundays.", "Acme makes rockets."]
    json.dumps(report.as_dict())  # serialisable as it is


def test_statements_split_by_the_caller_are_the_ones_judged():
    from assistant.checking.statements import split_statements

    answer = "Hello! The head office is in Bergen. Acme makes rockets."
    statements = split_statements(answer)[:2]  # the caller (the chat page) split it already
    verifier = FakeVerifier()
    report = Checker(verifier).check_answer(answer, None, PASSAGES, statements)
    assert [(v.statement.text, v.label) for v in report.verdicts] == [
        ("Hello!", "not_a_claim"), ("The head office is in Bergen.", "supported")]
    assert {s for call in verifier.calls for _, s in call} == {"The head office is in Bergen."}


def test_long_passages_are_read_in_windows():
    verifier = FakeVerifier()
    Checker(verifier).check_answer("The head office is in Bergen.", None, PASSAGES[:1])
    windows = [e for e, _ in verifier.calls[0]]
    assert len(windows) > 1 and all(len(w.split()) <= 40 for w in windows)


def test_no_evidence_means_unsupported_not_skipped():
    report = Checker(FakeVerifier()).check_answer("The head office is in Bergen.", None, [])
    [verdict] = report.verdicts
    assert verdict.label == "unsupported" and verdict.score == 0.0 and verdict.source is None


def test_thresholds_decide_the_label():
    strict = Checker(FakeVerifier(), CheckerConfig(support_threshold=0.95, contradiction_threshold=0.95))
    labels = [v.label for v in strict.check_answer("The head office is in Bergen. The canteen is open on Sundays.",
                                                   None, PASSAGES).verdicts]
    assert labels == ["unsupported", "unsupported"]


def test_short_answers_are_read_with_their_question():
    assert contextualize("Bergen.", "Where is the head office?") == "Where is the head office? Bergen."
    assert contextualize("The head office is in Bergen.", "Where?") == "The head office is in Bergen."
    assert contextualize("Bergen.", None) == "Bergen."


def test_evidence_is_also_retrieved_for_each_statement(doc_index, tmp_path):
    (tmp_path / "acme.md").write_text("# Acme\n\nThe head office is in Bergen.")
    doc_index.add([tmp_path / "acme.md"])
    report = Checker(FakeVerifier(), CheckerConfig(retrieve_k=2), doc_index).check_answer(
        "The head office is in Bergen.")
    [verdict] = report.verdicts
    assert verdict.label == "supported" and verdict.source.title == "Acme" and verdict.source.doc_id


def test_a_verifier_that_reads_contexts_gets_each_windows_whole_evidence():
    class ContextVerifier(FakeVerifier):
        reads_contexts = True

        def predict(self, pairs, batch_size=32, contexts=None):
            self.contexts = list(contexts)
            return super().predict(pairs, batch_size)

    verifier = ContextVerifier()
    long_passage = " ".join(f"Sentence number {n} is here." for n in range(40))
    evidence = [Evidence(long_passage), Evidence("The sky is blue.")]
    (verdict,) = Checker(verifier).judge(["The sky is blue."], [evidence])
    whole = long_passage + "\n\n" + "The sky is blue."
    assert len(verifier.calls[0]) > 2 and verifier.contexts == [whole] * len(verifier.calls[0])
    assert verdict.label == "supported"


class AlwaysSupports(FakeVerifier):
    """Says supported to everything: what a verifier fooled by shared topic words looks like."""

    def predict(self, pairs, batch_size=32):
        self.calls.append(list(pairs))
        return np.array([[0.99, 0.01, 0.0]] * len(pairs))


def test_a_window_sharing_none_of_the_claims_words_cannot_support_it():
    irc = Evidence("The IRC daemon listens on port 6667. Operators may kill connections to the server.")
    checker = Checker(AlwaysSupports(), CheckerConfig())
    unrelated, related = checker.judge(["Penguins eat krill.", "The daemon listens on port 6667."], [[irc], [irc]])
    assert unrelated.label == "unsupported" and unrelated.score == 0.0
    assert related.label == "supported"


def test_long_evidence_costs_a_bounded_number_of_verifier_calls():
    article = " ".join(f"Paragraph {n} talks about topic {n} at length." for n in range(2000))
    article += " The head office is in Bergen. " + " ".join(f"More about item {n}." for n in range(2000))
    verifier = FakeVerifier()
    (verdict,) = Checker(verifier, CheckerConfig(max_windows=6)).judge(["The head office is in Bergen."],
                                                                     [[Evidence(article)]])
    assert len(verifier.calls[0]) == 6  # of several hundred windows
    assert verdict.label == "supported" and "Bergen" in verdict.evidence  # the window that matters was read
    every = FakeVerifier()
    Checker(every, CheckerConfig(max_windows=0)).judge(["The head office is in Bergen."], [[Evidence(article)]])
    assert len(every.calls[0]) > 300


def test_a_verifier_trained_on_posed_answers_reads_every_claim_as_the_answer_to_its_question():
    from assistant.checking.verifiers.base import pose

    class Posed(FakeVerifier):
        reads_questions = True

    verifier = Posed()
    question = "Where is the head office?"
    Checker(verifier).check_answer("Bergen. The head office is in Bergen.", question, PASSAGES[:1])
    read = {s for call in verifier.calls for _, s in call}
    assert read == {pose("Bergen.", question), pose("The head office is in Bergen.", question)}
    plain = FakeVerifier()  # a verifier not trained on that form: the question in front of short answers only
    Checker(plain).check_answer("Bergen. The head office is in Bergen.", question, PASSAGES[:1])
    assert {s for call in plain.calls for _, s in call} == {"Where is the head office? Bergen.",
                                                            "The head office is in Bergen."}


def test_lead_ins_are_not_claims_and_are_not_checked():
    verifier = FakeVerifier()
    report = Checker(verifier).check_answer("The answer is:\nHere is what I found. The head office is in Bergen.",
                                            None, PASSAGES[:1])
    assert [(v.statement.text, v.label) for v in report.verdicts] == [
        ("The answer is:", "not_a_claim"), ("Here is what I found.", "not_a_claim"),
        ("The head office is in Bergen.", "supported")]
    assert report.verdicts[0].statement.reason == "a lead-in to what follows"


def test_the_question_a_message_asks_is_its_last_asking_sentence():
    from assistant.checking.checker import question_in

    assert question_in("Where is the head office?") == "Where is the head office?"
    assert question_in("I read the report. Where is the head office? Thanks!") == "Where is the head office?"
    assert question_in("Name the three sites") == "Name the three sites"
    assert question_in("i love cheerleading! it is such a popular sport.") is None  # a remark asks nothing
    assert question_in(None) is None and question_in("  ") is None


def test_a_chinese_question_is_found_with_or_without_its_question_mark():
    """CMRC 2018's questions end in a full-width mark, or in none ("...类似于什么的旗帜"): each is
    the question a Chinese answer is posed to; a Chinese remark asks nothing."""
    from assistant.checking.checker import contextualize, question_in

    assert question_in("我读了手册。减少幻觉有哪些方法？谢谢！") == "减少幻觉有哪些方法？"
    assert question_in("玛丽莲曼森会在台上挂上一面类似于什么的旗帜") == "玛丽莲曼森会在台上挂上一面类似于什么的旗帜"
    assert question_in("请列出 ls 的选项") == "请列出 ls 的选项" and question_in("这是真的吗") == "这是真的吗"
    assert question_in("长城很长。") is None and question_in("我几乎读完了。") is None
    assert contextualize("1368年", "明朝是哪一年建立的？") == "明朝是哪一年建立的？ 1368年"
    assert contextualize("长城是中国古代的军事防御工程。", "长城是什么？") == "长城是中国古代的军事防御工程。"


def test_a_remark_is_not_posed_as_a_question():
    from assistant.checking.verifiers.base import pose

    class Posed(FakeVerifier):
        reads_questions = True

    verifier = Posed()
    Checker(verifier).check_answer("The head office is in Bergen.", "i visited acme last year. lovely place!",
                                   PASSAGES[:1])
    assert {s for call in verifier.calls for _, s in call} == {"The head office is in Bergen."}
    verifier = Posed()
    Checker(verifier).check_answer("Bergen.", "Lovely place. Where is its head office", PASSAGES[:1])
    assert {s for call in verifier.calls for _, s in call} == {pose("Bergen.", "Where is its head office")}


def test_a_check_is_grouped_so_that_a_stop_is_looked_at_often():
    from assistant.checking.checker import CHECK_GROUP, CHECK_GROUP_CHARS, check_groups

    short = [{"id": n, "claim": "c", "evidence": "e"} for n in range(19)]
    assert [len(g) for g in check_groups(short)] == [CHECK_GROUP, CHECK_GROUP, 3]
    long = {"id": "l", "claim": "c", "evidence": "x" * CHECK_GROUP_CHARS}
    mixed = [short[0], long, short[1], short[2], {**long, "evidence": "x" * (3 * CHECK_GROUP_CHARS)}, short[3]]
    assert [[i["id"] for i in g] for g in check_groups(mixed)] == [[0], ["l"], [1, 2], ["l"], [3]]
    assert list(check_groups([])) == []


def test_a_long_quote_of_a_passage_is_supported_though_no_window_holds_it_whole():
    """Qwen quoted the Apache licence's 80-word patent grant; the verifier reads 40-word windows, none
    of which held the whole quote: "unsupported (0.92)"."""
    grant = ("Each Contributor hereby grants to You a perpetual, worldwide, non-exclusive, no-charge, royalty-free, "
             "irrevocable patent license to make, have made, use, offer to sell, sell, import, and otherwise "
             "transfer the Work.")
    passage = Evidence("3. Grant of Patent License. Subject to the terms and conditions of this License,\n"
                       + grant.replace(" worldwide,", "\n   worldwide,") + " Other terms follow.", "Apache License")
    checker = Checker(FakeVerifier())
    quote = '"' + grant.lower() + '"'
    [verdict] = checker.judge([quote], [[passage]])
    assert verdict.label == "supported" and verdict.score == 1.0
    assert verdict.evidence.startswith("Each Contributor hereby grants") and verdict.evidence.endswith("the Work")
    changed = grant.replace("perpetual", "temporary")
    short = "Each Contributor hereby grants a patent license."  # short claims are left to the verifier
    assert [v.label for v in checker.judge([changed, short], [[passage], [passage]])] == ["unsupported"] * 2


def test_a_chinese_quote_may_begin_inside_a_run_of_characters_but_not_after_a_negation():
    """A new user's trial (session 22): "在 /etc/systemd/journald.conf 中设定 RateLimitIntervalSec= 以及
    RateLimitBurst = 的值以控制丢弃信息的限制。", word for word from systemd's catalogue ("可以在 ..."), was
    called unsupported (0.79) and withheld: the quote began inside "可以在", where no word boundary is."""
    catalogue = Evidence("可以在 /etc/systemd/journald.conf 中设定 RateLimitIntervalSec= 以及 RateLimitBurst = "
                         "的值以控制丢弃信息的限制。 请参见 journald.conf(5) 以了解详情。", "systemd.zh_CN.txt")

    class Doubting(FakeVerifier):  # what the verifier said: unsupported
        def predict(self, pairs, batch_size=32):
            return np.array([[0.1, 0.8, 0.1]] * len(pairs))

    checker = Checker(Doubting())
    quote = "在 /etc/systemd/journald.conf 中设定 RateLimitIntervalSec= 以及 RateLimitBurst = 的值以控制丢弃信息的限制。"
    [verdict] = checker.judge([quote], [[catalogue]])
    assert verdict.label == "supported" and verdict.score == 1.0 and verdict.evidence.startswith("在 /etc")
    negated = Evidence("不可以在 /etc/systemd/journald.conf 中设定 RateLimitIntervalSec= 以及 RateLimitBurst = "
                       "的值以控制丢弃信息的限制。")
    assert checker.judge(["可" + quote], [[negated]])[0].label == "unsupported"  # "不可以..." is not quoted
    assert checker.judge([quote.replace("丢弃", "保留")], [[catalogue]])[0].label == "unsupported"
    span = quote.rstrip("。")  # as long, but no full stop
    assert checker.judge([span], [[catalogue]])[0].label == "unsupported"  # a phrase, not a sentence: the verifier's
    # a quote from a passage that never names what the question asks about does not count either
    asked = checker.judge([quote], [[catalogue]], ["永昌大君在哪里设定限制？"])[0]
    assert asked.label == "unsupported" and asked.unnamed == "永昌大君"


def test_a_passage_that_never_names_what_a_chinese_question_asks_about_cannot_support_the_answer():
    """CMRC answers benchmark (session 20): "永昌大君的母亲是谁？" answered from another paragraph, "她的
    母亲范中芬是一位作词者。", was supported at 0.996 by a paragraph about the singer 王若琳."""
    singer = Evidence("王若琳（，），生于台湾并成长于美国的创作歌手。她的父亲是音乐制作人王治平，母亲范中芬是一位作词者。",
                      "王若琳", "d1")
    prince = Evidence("永昌大君（），名李㼁，朝鲜宣祖的嫡长子，由仁穆王后所生。", "永昌大君", "d2")
    checker = Checker(AlwaysSupports(), CheckerConfig())
    answer = "她的母亲范中芬是一位作词者。"
    (wrong,) = checker.judge([answer], [[singer]], ["永昌大君的母亲是谁？"])
    assert wrong.label == "unsupported" and wrong.score == 0.0
    (right,) = checker.judge([answer], [[singer]], ["王若琳的母亲是谁？"])
    assert right.label == "supported"
    # the passage that names the subject is still read, and it decides
    (named,) = checker.judge(["她的母亲是仁穆王后。"], [[singer, prince]], ["永昌大君的母亲是谁？"])
    assert named.label == "supported" and named.source == prince
    # a title counts as naming: a later chunk of a document may call its subject only "她"
    later = Evidence("她的父亲是音乐制作人王治平，母亲范中芬是一位作词者。", "王若琳", "d1", None, 30, 60)
    assert checker.judge([answer], [[later]], ["王若琳的母亲是谁？"])[0].label == "supported"
    # English questions are not read for a topic
    (english,) = checker.judge(["Maria Berg."], [[Evidence("The singer's mother is Maria Berg.")]],
                               ["Who was the mother of Prince Yeongchang?"])
    assert english.label == "supported"


def test_a_chunk_that_calls_its_subject_she_supports_an_answer_when_its_document_names_her(doc_index, tmp_path):
    """The index holds the whole document: a later chunk of a document that named its singer once,
    under a title that does not, still speaks of her; for another subject it does not."""
    filler = "她在成长过程中大量接触到各种西洋经典流行音乐。" * 12
    (tmp_path / "paragraph-1.txt").write_text("歌手简介\n\n王若琳是生于台湾的创作歌手。" + filler + "她的母亲范中芬是一位作词者。")
    doc_index.add([tmp_path / "paragraph-1.txt"])
    chunks = doc_index.search("她的母亲范中芬是一位作词者", k=5)
    later = next(h for h in chunks if "范中芬" in h.text)
    assert "王若琳" not in later.text and later.title == "歌手简介"  # the case: the chunk names no one
    checker = Checker(AlwaysSupports(), CheckerConfig(), doc_index)
    evidence = [Evidence.from_hit(later)]
    assert checker.judge(["她的母亲范中芬是一位作词者。"], [evidence], ["王若琳的母亲是谁？"])[0].label == "supported"
    assert checker.judge(["她的母亲范中芬是一位作词者。"], [evidence], ["永昌大君的母亲是谁？"])[0].label == "unsupported"
    reads = []
    doc_index.document_text = lambda doc_id: reads.append(doc_id) or type(doc_index).document_text(doc_index, doc_id)
    claims = ["她的母亲范中芬是一位作词者。", "她的母亲是作词者。", "范中芬是她的母亲。"]
    judged = checker.judge(claims, [evidence] * 3, ["王若琳的母亲是谁？"] * 3)
    assert [v.label for v in judged] == ["supported"] * 3 and reads == [later.doc_id]  # the document read once


def test_a_sentence_naming_its_passage_by_the_documents_title_is_not_checked():
    """Session 28's answers benchmark: with a text file titled by its file name ("(paragraph-0365)" heads
    its passages in the prompt), the model wrote "This is stated in [1] paragraph-0365." and the page
    checked it as a claim: unsupported, flagged. It only says where the answer came from."""
    verifier = FakeVerifier()
    notes = Evidence("The head office is in Bergen.", "acme-notes", "d1")
    report = Checker(verifier, CheckerConfig()).check_answer(
        "The head office is in Bergen. This is stated in [1] acme-notes. It is mentioned in acme-notes of the "
        "provided documents. The acme-notes file was written in 1999.", "Where is the head office?", [notes])
    assert [(v.statement.text, v.label, v.statement.reason) for v in report.verdicts] == [
        ("The head office is in Bergen.", "supported", None),
        ("This is stated in [1] acme-notes.", "not_a_claim", "points to its source"),
        ("It is mentioned in acme-notes of the provided documents.", "not_a_claim", "points to its source"),
        ("The acme-notes file was written in 1999.", "unsupported", None)]
    other = Checker(FakeVerifier(), CheckerConfig()).check_answer("This is stated in acme-notes.", None,
                                                                 [Evidence("The head office is in Bergen.", "Acme")])
    assert [v.label for v in other.verdicts] == ["unsupported"]  # no passage has that title: a claim
