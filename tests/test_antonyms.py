"""assistant/checking/antonyms.py: a window that says the opposite word cannot support a statement."""

from assistant.checking.antonyms import OPPOSITES, asked_opposite, opposite_in, turned_phrase, without_phrase

CALTECH = ("The California Institute of Technology (commonly referred to as Caltech) is a private research "
           "university located in Pasadena, California, United States.")


def test_the_opposite_word_in_the_sentence_about_the_same_thing_is_found():
    assert opposite_in(CALTECH, "The California Institute of Technology is a public university.") == "public/private"
    assert opposite_in(CALTECH, "The California Institute of Technology is a private university.") is None


def test_a_short_answer_is_read_with_its_question():
    question = "What kind of university is the California Institute of Technology?"
    assert opposite_in(CALTECH, "public", question) == "public/private"
    assert opposite_in(CALTECH, "private", question) is None
    assert opposite_in(CALTECH, "public") is None  # nothing says what "public" is about


PATHOGEN = ("The success of any pathogen depends on its ability to elude host immune responses. Therefore, "
            "pathogens evolved several methods that allow them to successfully infect a host.")


def test_a_bare_answer_to_a_question_asked_the_other_way_round_is_found():
    # SQuAD 2.0 dev, unanswerable: supported at 0.996 before (session 39)
    asked = "What does the failure of a pathogen depend on?"
    answer = "ability to elude host immune responses"
    assert opposite_in(PATHOGEN, answer, asked) == "failure/success"
    assert opposite_in(PATHOGEN, answer, "What does the success of a pathogen depend on?") is None
    # the sentence must write the answer: another sentence's "success" says nothing about this one
    assert asked_opposite(PATHOGEN, "several methods", asked) is None


def test_a_question_asking_both_ways_or_a_degree_or_an_answer_saying_the_opposite_is_left_alone():
    assert asked_opposite(PATHOGEN, "ability to elude host immune responses",
                          "Does the success or failure of a pathogen depend on its ability?") is None
    weak = "The rule of law in most Asian countries is weak or nonexistent."
    assert asked_opposite(weak, "weak or nonexistent", "How strong is the rule of law in most Asian countries?") is None
    louder = "When the frequency in the treble rises, the recording amplitude decreased."
    assert asked_opposite(louder, "recording amplitude decreased",
                          "When frequency in the treble increases what happens to the recording amplitude?") is None
    assert asked_opposite(PATHOGEN, "Pathogens evolved several methods.", "What does the failure depend on?") is None


def test_the_clause_holding_the_answer_decides_and_one_writing_the_word_itself_wins():
    """A hostile run (session 39): "Jupiter" to "What is the largest planet ...?" was stopped by a sentence
    naming Mercury the smallest, and "a nonzero exit status" to "Which exit status indicates failure?" by
    the clause before the semicolon."""
    planets = ("Jupiter is more than 20 times as massive as Mercury, the smallest planet in the Solar System. "
               "Jupiter is the largest planet in the Solar System.")
    assert asked_opposite(planets, "Jupiter", "What is the largest planet in the Solar System?") is None
    status = ("An exit status of 0 indicates successful termination; a nonzero exit status indicates that an "
              "error occurred.")
    assert asked_opposite(status, "a nonzero exit status", "Which exit status indicates failure?") is None
    assert asked_opposite(status, "0", "Which exit status indicates failure?") == "failure/successful"


def test_a_sentence_about_something_else_or_holding_both_words_is_left_to_the_verifier():
    assert opposite_in(CALTECH, "Pasadena has a public library.") is None  # shares one word of three
    both = "The California Institute of Technology is a private institution with public lectures."
    assert opposite_in(both, "The California Institute of Technology is a public university.") is None


def test_a_phrase_the_passage_writes_only_with_the_opposite_word_turns_the_statement():
    # the answers benchmark (session 33): the question's "public day school" against a paragraph writing
    # "a private day school" (and "public charter schools"); a statement writing both words is about both
    passage = ("It operates the University of Chicago Laboratory Schools (a private day school for K-12 students "
               "and day care), and four public charter schools on the South Side of Chicago.")
    claim = "The University of Chicago Laboratory Schools is a public day school."
    assert opposite_in(passage, claim) is None  # the sentence writes both words: the sentence rule leaves it
    assert turned_phrase(passage, claim) == "public/private"
    question = "What is the name for the public day school and day care for K-12 students?"
    assert turned_phrase(passage, "University of Chicago Laboratory Schools", question) == "public/private"
    assert turned_phrase(passage, "The Laboratory Schools is a private day school.") is None
    assert turned_phrase(passage + " There is also a public day school.", claim) is None  # both phrases
    assert turned_phrase("He also has a private practice.", "He has private and public practice.") is None
    assert turned_phrase(passage, "The University of Chicago Laboratory Schools is not a public day school.") is None


def test_inflections_count_and_every_pair_goes_both_ways():
    window = "Exports of grain from the port decreased sharply in 1921."
    assert opposite_in(window, "Exports of grain from the port increased in 1921.") == "increased/decreased"
    assert all(word in OPPOSITES[other] for word, others in OPPOSITES.items() for other in others)


def test_converses_and_set_phrases_are_not_read_as_opposites():
    # "A after B" says "B before A"; "at least" is no "most"
    assert opposite_in("The treaty was signed before the war ended.",
                       "The war ended after the treaty was signed.") is None
    assert opposite_in("A worker with family earnings of at least $5,000 could contribute up to $1,000.",
                       "Most workers could contribute up to $1,000.") is None


def test_a_negation_on_either_side_turns_the_opposite_into_agreement():
    # BEGIN dev: "not allowed" against "forbidden" is support, not the opposite
    window = "New Orleans Saints cheerleaders are forbidden from eating in the same restaurant as any NFL player."
    assert opposite_in(window, "Cheerleaders are not allowed to eat in the same restaurant as the players.") is None
    assert opposite_in(window, "Cheerleaders are allowed to eat in the same restaurant as the players.") == \
        "allowed/forbidden"


def test_a_phrase_reads_converses_and_names_that_a_sentence_may_write_apart():
    passage = "Southern Nevada borders Arizona. Most of its imports come from North America."
    assert turned_phrase(passage, "Its imports come from South America.") == "south/north"
    assert opposite_in(passage, "Its imports come from South America.") is None  # not a sentence-rule pair
    assert turned_phrase(passage + " Some come from South America.", "Its imports come from South America.") is None
    # before/after is not read: "hired after Stewart" is "before Stewart" said of the other man
    assert turned_phrase("Smith was hired before Stewart left.", "Stewart left after Smith was hired.") is None


# The Mozilla Public License's disclaimer (section 6, as Debian installs it in /usr/share/common-licenses)
MPL_DISCLAIMER = ("Covered Software is provided under this License on an \"as is\" basis, without warranty of any "
                  "kind, either expressed, implied, or statutory, including, without limitation, warranties that the "
                  "Covered Software is free of defects, merchantable, fit for a particular purpose or non-infringing.")


def test_what_a_passage_writes_only_without_is_not_what_a_statement_says_comes_with_it():
    assert without_phrase(MPL_DISCLAIMER, "The software is provided with a warranty.") == "with/without warranty"
    assert without_phrase(MPL_DISCLAIMER, "It comes with warranties.") == "with/without warranty"
    assert without_phrase("The flat was let with no garden.", "The flat comes with a garden.") == "with/without garden"
    # the statement saying it without, or not with; a passage writing both; a thing the passage never lacks
    assert without_phrase(MPL_DISCLAIMER, "The software is provided without warranty.") is None
    assert without_phrase(MPL_DISCLAIMER, "The software is not provided with a warranty.") is None
    assert without_phrase("Sold with or without a garden.", "The house comes with a garden.") is None
    assert without_phrase("It has a garden and no garage.", "The house comes with a garden.") is None
    assert without_phrase(MPL_DISCLAIMER, "The software is provided with the source code.") is None


class AlwaysSupports:
    name, version, window_words = "always", "1", 40

    def predict(self, pairs, batch_size=32):
        import numpy as np

        return np.array([[0.99, 0.01, 0.0]] * len(pairs))


def test_a_thing_the_evidence_writes_only_without_blocks_every_passage_of_the_claim():
    """A session 38 trial: the disclaimer's "without warranty" stood in one retrieved passage, and another
    section's "disclaimers of warranty" supported "provided with a warranty" (0.98): the rule reads the
    claim's evidence whole."""
    from assistant.checking.checker import Checker, Evidence
    from core.config import CheckerConfig

    checker = Checker(AlwaysSupports(), CheckerConfig(answer_place=False, name_rule=False), reader=None)
    notices = Evidence("You may not remove or alter the substance of any license notices (including copyright "
                       "notices, patent notices, disclaimers of warranty) of the Covered Software.", "MPL", "mpl")
    claim = "The Covered Software is provided with a warranty."
    (alone,) = checker.judge([claim], [[notices]])
    (both,) = checker.judge([claim], [[Evidence(MPL_DISCLAIMER, "MPL", "mpl"), notices]])
    assert alone.label == "supported" and both.label == "unsupported"
