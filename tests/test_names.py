"""The names and numbers an English claim states, and whether a passage writes them
(assistant/checking/names.py), and the checker's rule built on them."""

import numpy as np
import pytest

from assistant.checking.checker import Checker, Evidence
from assistant.checking.names import missing, names_in, numbers_in
from core.config import CheckerConfig
from tests.test_checker import AlwaysSupports


@pytest.mark.parametrize("claim, names", [
    ("The California Institute of Technology is a public university.", ["California Institute", "Technology"]),
    ("3,000 Protestants were slaughtered in Toulouse alone.", ["Protestants", "Toulouse"]),
    ("The gene CYP27B1 is expressed by the B-cell.", ["CYP27B1", "B-cell"]),  # capitals inside a word
    ("Temur Khan's Chinese-style name was Kublai Khan.", ["Temur Khan's Chinese-style", "Kublai Khan"]),
    ("Well Politically it is divided.", []),  # a reply's opening word is no name
    ("The 27-year-old won 28-24 in the 20th round.", []),  # numbers, not names
    ("Caltech is private.", []),  # a sentence's first word alone is not read: "The", "Based", or a name
    ("Based on the provided documents, the answer is Paris. It is in France.", ["Paris", "France"]),
    ('The composer used "Natural phenomena" in his music.', []),  # a quotation's first word opens it
    ("I don't know based on the provided documents.", []),
    ("The port is 6667.", []),
])
def test_the_names_of_a_claim(claim, names):
    assert names_in(claim) == names


def test_numbers_are_read_as_digits():
    assert numbers_in("3,000 people, 2.5 kg, the 19th century, in 1755.") == {"3000", "2.5", "19", "1755"}
    assert numbers_in("no digits here") == set()


def test_a_passage_writes_a_name_in_any_case_without_accents_or_with_a_short_ending():
    assert missing("There are 13 reserves near Czerniaków.", "13 natural reserves, such as czerniakow lake") == []
    assert missing("They were called Aboriginals by the settlers.", "the Aboriginal people") == []
    assert missing("They lived in Australian towns.", "towns of Australia") == []
    assert missing("It was founded by Larry Roberts.", "founded by Larry Robertson in 1975") == []  # 3 letters more
    assert missing("It was founded by Larry Roberts.", "founded by Larry Robertsonian") == []  # "Larry"
    assert missing("It was founded by Mr Roberts.", "founded by Mr Robertsonian") == ["Roberts"]
    # a name of several words: one of its words of four letters or more, or its initials
    assert missing("Elvis Presley was born in Tupelo.", "Presley was born in Tupelo") == []
    assert missing("It is in the United States.", "a network in the U.S. and Canada") == []
    assert missing("Antonis Samaras is part of the European Union.",
                   "The European Commission is ...") == ["Antonis Samaras"]
    # ... but not a word many names share: "United" of "United Nations" is not "United States" (the answers
    # benchmark, session 33: "The IPCC is under the control of the United States." was supported 0.96)
    ipcc = "The IPCC is a scientific intergovernmental body under the auspices of the United Nations."
    assert missing("The IPCC is under the control of the United States.", ipcc) == ["United States"]
    assert missing("The IPCC is a body of the United Nations.", ipcc) == []
    assert missing("The gardens lie above the Nile River.", "gardens on the banks of the Nile") == []
    # tokenised text: "3, 000" is 3,000
    assert missing("They sent 3,000 messages.", "as many as 3, 000 messages") == []
    assert missing("3,000 Protestants were slaughtered in Toulouse.",
                   "almost 25,000 Protestants had been massacred in Paris") == ["Toulouse", "3000"]


class TestTheRule:
    """A verifier that supports everything, as the shipped one supported the benchmark's answers below."""

    telenet = Evidence("Telenet was the first FCC-licensed public data network in the United States. It was founded "
                       "by former ARPA IPTO director Larry Roberts as a means of making ARPANET technology public.",
                       "paragraph-0609", "d1")
    caltech = Evidence("Southern California is home to many universities: the California Institute of Technology "
                       "is a private one.", "paragraph-0667", "d2")

    def test_a_passage_that_never_writes_the_claims_names_cannot_support_it(self):
        """Session 29's answers benchmark: "The California Institute of Technology is a public university."
        was supported 0.997 by the Telenet passage."""
        checker = Checker(AlwaysSupports(), CheckerConfig())
        claim = "The California Institute of Technology is a public university."
        (verdict,) = checker.judge([claim], [[self.telenet]])
        assert verdict.label == "unsupported" and verdict.score == 0.0
        assert verdict.unnamed == "California Institute"
        # a passage that writes them is read: the fake verifier supports all it reads (the passage's
        # "private" is read by the opposite-word rule, antonyms.py, for a "public" claim)
        private = claim.replace("public", "private")
        (verdict,) = checker.judge([private], [[self.telenet, self.caltech]])
        assert verdict.label == "supported" and verdict.source == self.caltech
        (verdict,) = checker.judge([claim], [[self.telenet, self.caltech]])
        assert verdict.label == "unsupported" and verdict.unnamed is None
        # off, the verifier alone decides
        assert Checker(AlwaysSupports(), CheckerConfig(name_rule=False)).judge([claim], [[self.telenet]])[0].label \
            == "supported"

    def test_a_number_the_passage_does_not_write_is_not_supported(self):
        paris = Evidence("By 17 September, almost 25,000 Protestants had been massacred in Paris alone.")
        checker = Checker(AlwaysSupports(), CheckerConfig())
        assert checker.judge(["25,000 Protestants were massacred in Paris."], [[paris]])[0].label == "supported"
        (wrong,) = checker.judge(["3,000 Protestants were massacred in Paris."], [[paris]])
        assert wrong.label == "unsupported" and wrong.unnamed == "3000"

    def test_a_chinese_claim_is_left_to_the_topic_rule(self):
        singer = Evidence("王若琳是生于台湾的创作歌手，生于1982年。", "王若琳")
        checker = Checker(AlwaysSupports(), CheckerConfig())
        assert checker.judge(["王若琳生于1983年。"], [[singer]])[0].label == "supported"


def test_a_chunk_whose_document_writes_the_name_supports_the_claim(doc_index, tmp_path):
    """A later chunk may say "the institute" for a name only the document's first chunk writes."""
    filler = "The campus has many gardens and a library that is open every day of the week. " * 30
    (tmp_path / "caltech.txt").write_text("About\n\nThe California Institute of Technology was founded in 1891. "
                                          + filler + "The institute is a private university.")
    doc_index.add([tmp_path / "caltech.txt"])
    hits = doc_index.search("Is the institute a private university?", 10)
    later = [Evidence.from_hit(h) for h in hits if "California" not in h.text and "private" in h.text]
    assert later, "the test needs a chunk that does not write the name"
    checker = Checker(AlwaysSupports(), CheckerConfig(), index=doc_index)
    claim = "The California Institute of Technology is a private university."
    assert checker.judge([claim], [later])[0].label == "supported"
    assert Checker(AlwaysSupports(), CheckerConfig()).judge([claim], [later])[0].label == "unsupported"


def test_a_number_must_be_in_the_supporting_window_not_only_somewhere_in_the_passage():
    """Session 29's browser trial on systemd's UIDS-GIDS.md: "The UID of the nobody user is 65535." was
    supported 0.994 by the window "65534 -> The nobody UID ...", in a document that writes 65535 elsewhere."""
    filler = "Various subsystems map users in their own ways and the rules differ between systems. " * 6
    doc = Evidence("The ID 65535 is not a valid user ID: it is the 16-bit minus one. " + filler
                   + "The ID 65534 is the nobody UID, also called the overflow UID.", "UIDS-GIDS.md")

    class ReadsWhoNotWhich(AlwaysSupports):  # supports any window about nobody, whatever its number
        def predict(self, pairs, batch_size=32):
            return np.array([[0.99, 0.01, 0.0] if "nobody" in window else [0.01, 0.99, 0.0] for window, _ in pairs])

    checker = Checker(ReadsWhoNotWhich(), CheckerConfig())
    wrong, right = checker.judge(["The UID of the nobody user is 65535.", "The UID of the nobody user is 65534."],
                                 [[doc], [doc]])
    assert wrong.label == "unsupported" and right.label == "supported" and "65534" in right.evidence
    off = Checker(ReadsWhoNotWhich(), CheckerConfig(name_rule=False))
    assert off.judge(["The UID of the nobody user is 65535."], [[doc]])[0].label == "supported"


def test_a_number_the_passage_s_title_writes_need_not_be_in_the_window():
    """The answers benchmark (session 31): "According to the passage [1] from paragraph 0676, Warsaw University of
    Technology is the second academic school of technology in the country." was withheld, right: the document is
    paragraph-0676, and no window of it writes 0676 again. So with "According to RFC 2616, ..."."""
    filler = "Various subsystems map users in their own ways and the rules differ between systems. " * 6
    doc = Evidence(filler + "Warsaw University of Technology is the second academic school of technology.",
                   "paragraph-0676")
    checker = Checker(AlwaysSupports(), CheckerConfig())
    said = "According to paragraph 0676, Warsaw University of Technology is the second academic school of technology."
    assert checker.judge([said], [[doc]])[0].label == "supported"
    assert checker.judge([said.replace("0676", "0677")], [[doc]])[0].label == "unsupported"  # another document's


def test_a_common_word_quoted_as_a_kind_s_name_must_be_named_so():
    """A browser trial's 'The group "user" was created by the operator user.' (supported 1.00 against a
    passage about the operator account): every word is there, no group called "user" is."""
    from assistant.checking.names import kind_names

    passage = "The operator user is no longer created. Mailing list archives are owned by this user and group."
    assert kind_names('The group "user" was created.') == ['group "user"']
    assert kind_names("The `nobody` user owns nothing.") == ['"nobody" user']
    assert kind_names('Use "apt" to install it.') == [] and kind_names("The users' files are kept.") == []
    assert missing('The group "user" was created.', passage) == ['group "user"']
    assert missing('The "operator" user is no longer created.', passage) == []  # beside its kind
    assert missing('The "list" group owns the archives.', "list\n\nMailing list archives are owned by it.") == []
    assert missing('The "list" group owns the archives.', 'The group is called "list".') == []  # quoted
    assert missing('The "list" group owns the archives.', "the mailing lists group archives") == ['"list" group']
