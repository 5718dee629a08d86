"""A question naming what the passages name otherwise (assistant/checking/swapped.py)."""

from assistant.checking.swapped import swapped_name
from tests.fixtures import FixedVerifier

SPECTRE = ("Bond and his allies intend to arrest C and stop Nine Eyes from going online. C has been creating a "
           "need for the Nine Eyes programme. Several members of the cast appeared on BBC One.")
ZELDA = "The Legend of Zelda: Twilight Princess received Game of the Year awards from GameTrailers and GameSpy."


def test_a_question_with_one_word_of_a_name_changed_is_swapped():
    assert swapped_name("Who intends to stop Ten Eyes from going online?", SPECTRE) == ("Ten Eyes", "Nine Eyes")
    assert swapped_name("On what date did the cast appear on BBC Two?", SPECTRE) == ("BBC Two", "BBC One")
    assert swapped_name("What accolade did Radar Princess's release receive?", ZELDA) == \
        ("Radar Princess", "Twilight Princess")


def test_a_name_written_otherwise_misspelt_shortened_or_abbreviated_is_not():
    assert swapped_name("Who intends to stop Nine Eyes from going online?", SPECTRE) is None  # written
    assert swapped_name("Who intends to stop the Nine Eyes programme?", SPECTRE.replace("Nine", "NINE")) is None
    assert swapped_name("When did Brigham Young Acadamy open?", "Brigham Young Academy opened in 1875.") is None
    assert swapped_name("What was Ben Franklin disabled by?", "Benjamin Franklin was disabled by gout.") is None
    assert swapped_name("What did the 60 GB PS3 cost?", "The 60 GB PlayStation 3 cost $599.") is None
    assert swapped_name("When did the United States adopt it?", "The US adopted it in 1918; the United Kingdom "
                        "in 1916.") is None  # its initials
    assert swapped_name("How many serve in the Canadian Forces?", "The Canadian Armed Forces have 68,000 "
                        "members; the Armed Forces of Norway fewer.") is None  # its words inside one name
    assert swapped_name("When was the Puerto Rican constitution written?", "Puerto Rico's constitution was "
                        "written in 1952.") is None  # another form of the word
    # the differing word may be written elsewhere: a passage about "Nine Eyes" may say "the final ten"
    assert swapped_name("Who stops Ten Eyes?", SPECTRE + " It lost in the final ten.") == ("Ten Eyes", "Nine Eyes")


def test_a_name_that_opens_a_sentence_loses_its_first_word_and_one_word_names_are_left_alone():
    # "After Morsi": a sentence's first word joined to a name
    assert swapped_name("After Morsi left, what did Egypt do?", "Mohamed Morsi was removed in 2013.") is None
    assert swapped_name("Who travels to Australia to find Mr. White?", "Bond travels to Austria.") is None
    assert swapped_name("", SPECTRE) is None and swapped_name("Who stops Ten Eyes?", "") is None


def test_the_checker_does_not_support_an_answer_to_a_question_about_a_swapped_name():
    from assistant.checking.checker import Checker, Evidence
    from core.config import CheckerConfig

    checker = Checker(FixedVerifier([0.97, 0.02, 0.01]), CheckerConfig(reader="none"))
    passage = [Evidence(SPECTRE, "Spectre")]
    asked = "Who intends to stop Ten Eyes from going online?"
    for answer in ("Bond intends to stop Ten Eyes from going online.",  # the question's name
                   "Bond intends to stop Nine Eyes from going online.",  # the passage's, answering
                   "Bond."):  # a short answer
        report = checker.check_answer(answer, asked, passage)
        assert [(v.label, v.unnamed) for v in report.verdicts] == [("unsupported", "Ten Eyes")], answer
        assert report.withholds("answer")
    # what does not answer the question nor write its name stays the verifier's
    other = checker.check_answer("Several members of the cast appeared on BBC One.", asked, passage)
    assert [v.label for v in other.verdicts] == ["supported"]
    same = checker.check_answer("Bond intends to stop Nine Eyes from going online.",
                                "Who intends to stop Nine Eyes from going online?", passage)
    assert [v.label for v in same.verdicts] == ["supported"]
    off = Checker(FixedVerifier([0.97, 0.02, 0.01]), CheckerConfig(reader="none", name_rule=False))
    assert [v.label for v in off.check_answer("Bond.", asked, passage).verdicts] == ["supported"]


def test_the_terminal_says_which_name_no_passage_writes():
    from assistant.checking.checker import Checker, Evidence
    from assistant.cli.check import verdict_notes
    from core.config import CheckerConfig

    checker = Checker(FixedVerifier([0.97, 0.02, 0.01]), CheckerConfig(reader="none"))
    report = checker.check_answer("Bond.", "Who intends to stop Ten Eyes from going online?",
                                  [Evidence(SPECTRE, "Spectre")])
    assert verdict_notes(report.verdicts[0]) == ["none of the passages names “Ten Eyes”"]
    kept = checker.check_answer("Bond.", "Who intends to stop Nine Eyes from going online?",
                                [Evidence(SPECTRE, "Spectre")])
    assert verdict_notes(kept.verdicts[0]) == []
