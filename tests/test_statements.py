import pytest

from assistant.checking.statements import read_titles, split_statements

ANSWER = ("Hello! Acme's head office is in Bergen [1], and it employs 450 people across three sites [2]. "
          "The CEO is Kari Nordmann; she was appointed in 2019 by the board. Is there anything else? "
          "I don't know based on the provided documents. I hope this helps.")


def test_offsets_point_into_the_answer():
    statements = split_statements(ANSWER)
    assert all(ANSWER[s.start:s.end] == s.text for s in statements)
    assert [s.start for s in statements] == sorted(s.start for s in statements)


def test_compound_sentences_split_and_citations_leave_the_claim():
    claims = [s.claim for s in split_statements(ANSWER) if s.checkable]
    assert claims == ["Acme's head office is in Bergen", "it employs 450 people across three sites.",
                      "The CEO is Kari Nordmann", "she was appointed in 2019 by the board."]


def test_a_citation_after_the_full_stop_belongs_to_its_sentence():
    """The Chinese answers of a trial put the marker after 。 ("...如 /etc/passwd。 [2]"): it stood
    as a statement of its own ("no content"), or opened the next one ("[1] 它始建于春秋。")."""
    for answer, texts in (("长城很长。[1] 它始建于春秋。[2][3]", ["长城很长。[1]", "它始建于春秋。[2][3]"]),
                          ("It is in Oslo. [2] It is big. [1, 3]", ["It is in Oslo. [2]", "It is big. [1, 3]"])):
        statements = split_statements(answer)
        assert [s.text for s in statements] == texts and all(s.checkable for s in statements)
        assert all("[" not in s.claim for s in statements)


def test_a_code_fence_is_not_part_of_what_a_statement_says():
    """A session 39 trial: the model put the FAQ's own sentence inside a broken ```bash block, and the
    fence went into the checked claim, which was flagged."""
    answer = ("Add it to a shell initialization script:\n\n```bash\nxz will then scale the compression settings "
              "down so that the given memory usage limit is not reached.\n```")
    statements = split_statements(answer)
    assert all(answer[s.start:s.end] == s.text for s in statements)
    assert statements[-1].claim == ("xz will then scale the compression settings down so that the given memory "
                                    "usage limit is not reached.")
    assert "```" in statements[-1].text  # the page still shows what the model wrote


def test_a_citation_standing_where_the_answer_should_be_is_not_a_claim():
    """Session 39's trial: "The command that an application must run ... is [1]." was checked as "... is."
    and supported (0.96); the answer never named the command."""
    [statement] = split_statements("The command that an application must run after it installs, uninstalls, or "
                                   "modifies its XML file in the packages directory is [1].")
    assert not statement.checkable and statement.reason == "a citation where its answer should be"
    assert [s.checkable for s in split_statements("It is called [2].")] == [False]
    # an answer before its citation is a claim; so is a sentence ending on a word after its citation
    assert [s.checkable for s in split_statements("The command is update-mime-database [1].")] == [True]
    assert [s.checkable for s in split_statements("The database is updated by it [1], as before.")] == [True]
    # answers that end on "A", "-a", "are", "Be" (a hostile run, session 39) are still checked
    for answer in ("Scurvy is caused by a deficiency of vitamin A [1].", "To list hidden files too, run ls -a [1].",
                   "The du command shows how large directories are [1].", "The final single was Let It Be [1]."):
        assert [s.checkable for s in split_statements(answer)] == [True], answer


def test_a_pointer_saying_what_its_source_is_about_is_not_a_claim():
    """Session 39's trial: "This information is found in the [1] passage, which describes the
    shared-mime-info-spec." ended every answer, flagged each time."""
    for pointer in ("This information is found in the [1] passage, which describes the shared-mime-info-spec.",
                    "This information is found in the [1] and [2] passages."):
        [statement] = split_statements(pointer)
        assert statement.reason == "points to its source", statement
    [claim] = split_statements("This is stated in passage [1], which describes that the weight is 50.")
    assert claim.checkable  # "describes that ...": the answer again, checked
    [claim] = split_statements("It is described in section 2, which covers the 20-byte gzip header.")
    assert claim.checkable  # a number says something of the answer's


def test_short_compounds_stay_whole():
    [statement] = split_statements("It is red, and blue.")
    assert statement.claim == "It is red, and blue."


@pytest.mark.parametrize("text,reason", [
    ("Hello!", "greeting or courtesy"),
    ("I hope this helps.", "greeting or courtesy"),
    ("Is there anything else?", "question"),
    ("I don't know based on the provided documents.", "says it does not know"),
    ("The passages do not mention the founder.", "says it does not know"),
    ("[3]", "no content"),
])
def test_non_claims_are_marked_with_a_reason(text, reason):
    [statement] = split_statements(text)
    assert statement.kind == "not_a_claim" and statement.reason == reason


def test_a_claim_that_starts_like_a_greeting_is_still_a_claim():
    [statement] = split_statements("Sure, the plant in Tromso makes 1200 valves a day and ships them to "
                                   "eleven countries in northern Europe every single week.")
    assert statement.checkable


def test_lead_ins_assert_nothing():
    for text in ("The answer is:", "Here is what I found.", "Here are the steps:", "Based on the provided documents:",
                 "The answer to your question is:", "The following versions are supported:"):
        [s] = split_statements(text)
        assert (s.kind, s.reason) == ("not_a_claim", "a lead-in to what follows"), text
    for text in ("The answer is 42.", "The answer is: Bergen.", "Velotron was founded in 1998.",
                 "According to the documents, the office is in Bergen."):
        assert [s.kind for s in split_statements(text)] == ["claim"], text


def test_a_sentence_that_only_points_to_its_source_is_not_a_claim():
    for text in ("This is stated in passage [1].", "This is stated in [1].", "This can be found in passage [2].",
                 "This can be seen in the passage [3].", "This information is mentioned in the provided documents.",
                 # a list of citations (seen in session 27's browser trial, called supported), a line of a passage
                 "This is mentioned in [1], [2], [3], [4], and [5].", "This can be seen in the line [3] [5].",
                 # a passage numbered in words, and the whole it is part of (session 28's answers benchmark: a
                 # right answer withheld for this sentence, checked as a claim and unsupported)
                 "This is mentioned in paragraph 2 of the provided documents.",
                 "This can be seen in passages 1 and 4.",
                 # what the answer gave, pointed to (session 33's browser trial: "The default value of CHUNK in
                 # zpipe.c is 16384." right, and withheld with this sentence checked as a claim)
                 "This value is defined in the first passage [1].", "The range is listed in passage [2].",
                 "This passage is from [1]."):
        (s,) = split_statements(text)
        assert not s.checkable and s.reason == "points to its source", text
    for text in ("This is found in Bergen.", "It was founded in 1998 [1].", "The passage [2] was written in 1998.",
                 "This is found in Bergen, and in Oslo [1].", "This is mentioned in 1998.",
                 "It was written in 1998 documents.", "This value is defined in RFC 2616.", "The passage is from 1998.",
                 "The value is set by the kernel."):
        assert all(s.checkable for s in split_statements(text)), text


def test_an_attribution_in_front_of_a_claim_is_left_out_of_what_is_checked():
    cases = {
        "Based on passage [1], about 60 schools converted.": "About 60 schools converted.",
        "This can be inferred from passage [4], which states that the Mongols sent administrators.":
            "The Mongols sent administrators.",
        "According to the documents, the pump runs at 40 litres.": "The pump runs at 40 litres.",
        "This passage directly states that Messiaen used prime numbers.": "Messiaen used prime numbers.",
        'This can be seen from the passage [1], which states that "The delta began 8,000 years ago."':
            "The delta began 8,000 years ago.",
        "This is stated in passage [2], where it mentions that Washington left with a small party.":
            "Washington left with a small party.",
        # session 33's answers benchmark: a right answer flagged for its second sentence, checked whole
        'This information is found in passage [1], which states: "Over 60 schools converted."':
            "Over 60 schools converted.",
    }
    for text, claim in cases.items():
        (s,) = split_statements(text)
        assert s.checkable and s.claim == claim and s.text == text, (text, s.claim)


@pytest.mark.parametrize("answer, last_kind", [
    ("The www-data user is used by web servers. The group", "not_a_claim"),  # cut off: seen in a browser trial
    ("The Apache 2.0 License is permissive. The Apache 2.0 License also", "not_a_claim"),
    ("It was founded in 1998 in", "not_a_claim"),  # one statement, ending on a word no sentence ends on
    ("Tampere", "claim"),  # a one-word answer is an answer
    ("Velotron was founded in 1998. Its founder was Aino Koskinen", "claim"),  # no full stop, but finished
    ("It was founded in 1998. In Tampere.", "claim"),
])
def test_an_answer_cut_mid_sentence_does_not_end_in_a_claim(answer, last_kind):
    last = split_statements(answer)[-1]
    assert last.kind == last_kind, last
    if last_kind == "not_a_claim":
        assert last.reason == "unfinished: the answer stops here"


def test_a_list_is_not_split_at_its_last_comma():
    text = "The licence grants a copyright license to make, use, distribute, and modify copies of the Work."
    assert [s.text for s in split_statements(text)] == [text]
    compound = "The licence grants a copyright license to the user, and the patent license is granted separately."
    assert len(split_statements(compound)) == 2


def test_an_attribution_to_a_bare_citation_is_left_out_of_the_claim():
    """Qwen's answer in a trial: 'This can be seen in [1], which states that "..."' (the citation is
    removed before the attribution is looked for, leaving 'seen in, which states')."""
    [statement] = split_statements('This can be seen in [1], which states that "each Contributor grants a '
                                   'patent license to make and use the Work."')
    assert statement.claim == "Each Contributor grants a patent license to make and use the Work."


def test_an_attribution_is_read_past_where_it_is_described_or_mentioned():
    """Session 28's answers benchmark: the pointer and the quote were checked as one claim, unsupported."""
    for text, claim in [
            ('This can be seen in passage [1] where it is described as "the tangential force, which accelerates '
             'the object".', "The tangential force, which accelerates the object"),
            ("This can be seen in passage [1] where it is mentioned that other measures include communication "
             "complexity.", "Other measures include communication complexity.")]:
        (s,) = split_statements(text)
        assert s.claim == claim, text
    (s,) = split_statements("This is found in Bergen, where it is said that the harbour is old.")
    assert s.claim == "This is found in Bergen, where it is said that the harbour is old."


def test_a_documents_title_is_read_as_the_passage_it_heads():
    titles = ["paragraph-0365", "paragraph-0510", "acme-notes"]
    read = [read_titles(s, titles) for text in (
        "This is stated in [1] paragraph-0365.", "It is mentioned in acme-notes of the provided documents.",
        "This is stated in [1] paragraph-0510, which mentions oxygen storage in tanks.",
        "According to acme-notes, the office is in Bergen.", "The acme-notes file was written in 1999.",
        "This is stated in paragraph-0999.", "This is mentioned in passage [1] [paragraph-0365].")
        for s in split_statements(text)]
    assert [(s.kind, s.reason, s.claim) for s in read] == [
        ("not_a_claim", "points to its source", "This is stated in paragraph-0365."),
        ("not_a_claim", "points to its source", "It is mentioned in acme-notes of the provided documents."),
        ("claim", None, "Oxygen storage in tanks."),
        ("claim", None, "The office is in Bergen."),
        ("claim", None, "The acme-notes file was written in 1999."),
        ("claim", None, "This is stated in paragraph-0999."),  # no passage has that title
        ("not_a_claim", "points to its source", "This is mentioned in passage [paragraph-0365].")]  # in brackets


def test_a_trailing_clause_naming_the_source_is_not_checked_and_this_thing_is_defined_in_a_passage_only_points():
    # the browser trial of session 34: "..., which is defined in the first passage [1]." read as part of the
    # claim scored it 0.92 (withheld); "This UID is defined in the first passage [1]." was flagged as a claim
    claims = [(s.claim, s.kind) for s in split_statements(
        "The default compression level used by zpipe.c is Z_DEFAULT_COMPRESSION, which is defined in the first "
        "passage [1]. Mr. Fingers was from Chicago, as stated in paragraph-0797. This UID is defined in the first "
        "passage [1]. The tower is 330 metres tall, as stated in the 1889 report. This function is defined in zlib.h.")]
    assert claims == [("The default compression level used by zpipe.c is Z_DEFAULT_COMPRESSION.", "claim"),
                      ("Mr. Fingers was from Chicago.", "claim"),
                      ("This UID is defined in the first passage.", "not_a_claim"),
                      ("The tower is 330 metres tall, as stated in the 1889 report.", "claim"),  # a source of its own
                      ("This function is defined in zlib.h.", "claim")]
