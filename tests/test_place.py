"""Where a passage answers a question, and an answer taken from elsewhere in it (assistant/checking/place.py)."""

import numpy as np

from assistant.checking.checker import Checker, Evidence
from assistant.checking.place import FAR, place_of
from core.config import CheckerConfig

FILLER = " The city has a harbour, two museums and a university founded in the nineteenth century." * 3
ACME = ("Acme Corporation makes garden tools and sells them in twelve countries. Its largest factory is in Oslo,"
        " where most of its tools have been made since 1950." + FILLER + " The head office of Acme is in Bergen,"
        " near the old harbour." + FILLER)
ALGORITHMS = ("RSA 由三位学者在1977年提出，名字取自三人姓氏的首字母。"
              + "它广泛用于网络通信，至今仍是人们最常用的公钥方案之一，许多协议都支持它。" * 2
              + "另一种算法 ElGamal 只能用作加密，它的安全性基于离散对数问题。")


def test_the_right_answer_stands_where_the_questions_words_gather():
    right = place_of("Where is the head office of Acme?", "Bergen", ACME)
    assert right is not None and not right.elsewhere and right.share > 0.8
    # the passage's own answer, to show: its sentence
    assert ACME[right.start:right.end] == "The head office of Acme is in Bergen, near the old harbour."


def test_another_span_of_the_same_passage_is_answered_elsewhere():
    for claim in ("Oslo", "The head office of Acme is in Oslo."):  # a bare answer, and a sentence restating it
        wrong = place_of("Where is the head office of Acme?", claim, ACME)
        assert wrong is not None and wrong.elsewhere and wrong.share < FAR, claim
        assert "head office of Acme is in Bergen" in ACME[wrong.start:wrong.end]


def test_a_stop_word_of_a_sentence_is_not_taken_for_its_answer():
    """Seen in session 26's browser trial on Debian's users-and-groups page: "that" was taken for the
    answer of "The user that some web servers run as is www-data.", found far from the question's
    words, and the right answer was withheld as given elsewhere."""
    passage = ("proxy Like daemon, this user and group is used by some daemons that don't have dedicated user ids "
               "and that need to own files." + FILLER + " www-data Some web servers run as www-data. Web content "
               "should not be owned by this user. Data written out by web servers will be owned by www-data.")
    place = place_of("Which user do some web servers run as?", "The user that some web servers run as is www-data.",
                     passage)
    assert place is not None and not place.elsewhere


def test_chinese_answers_are_read_by_character_pairs():
    question = "哪种算法只能用作加密？"
    right, wrong = place_of(question, "ElGamal", ALGORITHMS), place_of(question, "三位学者", ALGORITHMS)
    assert not right.elsewhere and wrong.elsewhere
    assert "ElGamal 只能用作加密" in ALGORITHMS[wrong.start:wrong.end]


def test_what_cannot_be_read_is_left_to_the_verifier():
    assert place_of(None, "Bergen", ACME) is None  # no question
    assert place_of("Where is the head office of Acme?", "Acme makes garden tools.", ACME) is None  # another topic
    assert place_of("Who painted the Mona Lisa?", "Bergen", ACME) is None  # the passage holds none of it
    assert place_of("Where is the head office of Acme?", "Trondheim", ACME) is None  # nowhere in the passage
    # a question put to the reader asks a view (BEGIN's dialogue turns: "did you get a document?")
    assert place_of("Where do you think the head office of Acme is?", "Oslo", ACME) is None
    assert place_of("你觉得哪种算法只能用作加密？", "三位学者", ALGORITHMS) is None


class AlwaysSupports:
    name, version, window_words = "always", "1", 40

    def predict(self, pairs, batch_size=32):
        return np.array([[0.99, 0.01, 0.0]] * len(pairs))


def test_the_checker_does_not_support_an_answer_its_passage_gives_elsewhere():
    passage = Evidence(ACME, "Acme", "d1")
    checker = Checker(AlwaysSupports(), CheckerConfig())
    right, wrong = checker.judge(["Bergen", "Oslo"], [[passage], [passage]], ["Where is the head office of Acme?"] * 2)
    assert right.label == "supported" and right.elsewhere is None
    assert wrong.label == "unsupported" and wrong.score == 0.0 and "Acme is in Bergen" in wrong.elsewhere
    assert wrong.as_dict()["elsewhere"] == wrong.elsewhere
    off = Checker(AlwaysSupports(), CheckerConfig(answer_place=False))
    assert off.judge(["Oslo"], [[passage]], ["Where is the head office of Acme?"])[0].label == "supported"


class PrefersOslosFactory:
    """Supports every window, the one about Acme's Oslo factory most."""
    name, version, window_words = "prefers", "1", 40

    def predict(self, pairs, batch_size=32):
        return np.array([[0.999, 0.001, 0.0] if "factory is in Oslo" in window else [0.98, 0.02, 0.0]
                         for window, _ in pairs])


def test_a_passage_that_answers_elsewhere_leaves_the_others_to_support_the_claim():
    """Session 28's answers benchmark: a right answer's best window was in a passage whose answer to the
    question is another span, and the passage it cited, saying it nearly word for word, was never
    asked: the answer was flagged. Now that passage alone loses its say."""
    question = "Where is the head office of Acme?"
    moved = Evidence("In 2020 Acme moved. The head office of Acme is in Oslo now, beside the fjord.", "News", "d2")
    checker = Checker(PrefersOslosFactory(), CheckerConfig())
    (verdict,) = checker.judge(["Oslo"], [[Evidence(ACME, "Acme", "d1"), moved]], [question])
    assert verdict.label == "supported" and verdict.source is moved and verdict.elsewhere is None
    assert verdict.score == 0.98
    # no other passage gives Oslo as the answer: unsupported, shown with the best passage's own answer
    shop = Evidence("The head office of Acme is in Bergen." + FILLER + " Acme has a shop in Oslo.", "Shops", "d3")
    (verdict,) = checker.judge(["Oslo"], [[Evidence(ACME, "Acme", "d1"), shop]], [question])
    assert verdict.label == "unsupported" and verdict.score == 0.0 and verdict.source.doc_id == "d1"
    assert "Acme is in Bergen" in verdict.elsewhere and "factory is in Oslo" in verdict.evidence


def test_an_answer_given_elsewhere_is_shown_logged_and_reviewed_with_the_passages_own_answer(database, tmp_path):
    from html import unescape

    from assistant.flags.log import FlagLog
    from assistant.ui import review
    from assistant.ui.highlight import report_html, statement_html

    log = FlagLog(database or tmp_path / "log.sqlite")
    question, answer, passages = "Where is the head office of Acme?", "The head office of Acme is in Oslo.", [
        Evidence(ACME, "Acme", "d1", None, 0, len(ACME))]
    report = Checker(AlwaysSupports()).check_answer(answer, question, passages)
    (verdict,) = report.verdicts
    assert verdict.label == "unsupported" and "Acme is in Bergen" in verdict.elsewhere
    assert "answers the question elsewhere: “" in unescape(report_html(answer, report))
    assert "它对这个问题的回答在别处" in unescape(statement_html(answer, report, "zh"))  # the mark's tooltip
    turn = log.turn(log.log_turn(session="s1", question=question, answer=answer, model="fake-model",
                                 generation={}, passages=passages, report=report))
    (flagged,) = turn.flagged
    assert flagged.elsewhere == verdict.elsewhere
    view = review.view(log, flagged.id)
    assert "Acme is in Bergen" in unescape(view.evidence_html) and "elsewhere" in unescape(view.answer_html)


def test_a_sentence_that_only_says_the_question_back_is_no_answer():
    """Seen in session 26's browser trial on base-passwd's users-and-groups page: "The group owns the
    mail spool." was called supported (0.999) for "Which group owns the mail spool?"."""
    from assistant.checking.place import restates

    asked = "Which group owns the mail spool?"
    assert restates(asked, "The group owns the mail spool [1].")
    assert restates(asked, "According to the passage, the group owned the mail spool.")  # a source, a stem
    assert not restates(asked, "The mail group owns the mail spool [1].")  # "mail" twice: the answer is one
    assert not restates(asked, "The group that owns the mail spool is mail.")
    assert not restates(asked, "It is the mail group.")  # "mail" is a word of the question, not in this pair
    assert not restates(asked, "It is the mail.")  # one content word: no pair to match
    assert not restates(asked, "Mail.")
    assert not restates("Where is the Sunnyside Country Club?", "Sunnyside Country Club.")
    assert not restates("How many moons does Mars have?", "Mars has 2 moons.")
    # the answer may be a stop word: "itself" (SQuAD's gold answer; was not_a_claim in bench/answers.py)
    divisor = "What is the only divisor besides 1 that a prime number can have?"
    assert not restates(divisor, "The only divisor besides 1 that a prime number can have is itself.")
    assert restates(divisor, "The only divisor besides 1 that a prime number can have.")
    # a restatement answers a yes/no or either/or question; no question, or one in Chinese: never
    assert not restates("Does the mail group own the mail spool?", "The mail group owns the mail spool.")
    assert not restates("Which owns the mail spool, mail or root?", "The mail spool is owned by root or mail.")
    assert not restates(None, "The group owns the mail spool.")
    assert not restates("哪个组拥有邮件目录？", "这个组拥有邮件目录。")


def test_an_answer_that_only_restates_the_question_is_not_checked_and_gets_the_refusal():
    from assistant.checking.statements import REASON_RESTATES
    from tests.test_reader import AlwaysSupports

    checker = Checker(AlwaysSupports(), CheckerConfig(answer_place=False))
    evidence = [Evidence("The mail group owns the mail spool, /var/mail.", "base-passwd")]
    report = checker.check_answer("The group owns the mail spool [1].", "Which group owns the mail spool?", evidence)
    (verdict,) = report.verdicts
    assert verdict.label == "not_a_claim" and verdict.statement.reason == REASON_RESTATES
    assert report.says_nothing and report.withholds("no_support")
    both = checker.check_answer("The group owns the mail spool. It is the mail group [1].",
                                "Which group owns the mail spool?", evidence)
    assert [v.label for v in both.verdicts] == ["not_a_claim", "supported"] and not both.says_nothing
