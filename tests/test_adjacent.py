"""Chunks of one document that meet are read as one passage (assistant/checking/adjacent.py)."""

from assistant.checking.adjacent import join_adjacent
from assistant.checking.checker import Evidence

DOC = ("In 1992 Armenia's largest institution of higher learning, Yerevan State University, had eighteen "
       "departments.\n\nIts faculty numbered about 1,300 teachers. The National Polytechnic University of Armenia "
       "is operating since 1933.")
CUT = DOC.index("Its faculty")


def chunk(doc: str, start: int, end: int, doc_id: str = "d1", page: int | None = None) -> Evidence:
    return Evidence(doc[start:end], "Armenia", doc_id, page, start, end)


def texts(doc_id: str, doc: str = DOC):
    return {"d1": doc}.get(doc_id)


def test_chunks_that_meet_are_one_passage_in_the_place_of_the_first():
    first, second = chunk(DOC, 0, CUT - 2), chunk(DOC, CUT, len(DOC))  # a blank line between them
    other = Evidence("Something else.", "Other", "d2", None, 0, 16)
    joined = join_adjacent([second, other, first], texts)
    assert [p.doc_id for p in joined] == ["d1", "d2"]
    assert joined[0].text == DOC and (joined[0].start, joined[0].end) == (0, len(DOC))


def test_overlapping_chunks_join_on_their_own_text_when_the_document_cannot_be_read():
    first, second = chunk(DOC, 0, CUT + 20), chunk(DOC, CUT, len(DOC))
    (joined,) = join_adjacent([first, second], lambda doc_id: None)
    assert joined.text == DOC
    apart = [chunk(DOC, 0, CUT - 2), chunk(DOC, CUT, len(DOC))]  # they only meet: the gap is not known
    assert join_adjacent(apart, lambda doc_id: None) == apart


def test_chunks_apart_on_other_pages_or_of_a_changed_document_stay_apart():
    far = [chunk(DOC, 0, 40), chunk(DOC, CUT, len(DOC))]
    assert join_adjacent(far, texts) == far
    pages = [chunk(DOC, 0, CUT - 2, page=1), chunk(DOC, CUT, len(DOC), page=2)]
    assert join_adjacent(pages, texts) == pages  # a citation names one page
    meeting = [chunk(DOC, 0, CUT - 2), chunk(DOC, CUT, len(DOC))]
    replaced = "A new version of the document. " + DOC  # the offsets no longer hold the chunks' text
    assert join_adjacent(meeting, lambda doc_id: replaced) == meeting
    unplaced = [Evidence(DOC[:CUT], "Armenia"), Evidence(DOC[CUT:], "Armenia")]  # no document, no offsets
    assert join_adjacent(unplaced, texts) == unplaced


def test_a_run_of_three_chunks_is_one_passage():
    a, b, c = chunk(DOC, 0, 50), chunk(DOC, 48, CUT - 2), chunk(DOC, CUT, len(DOC))
    (joined,) = join_adjacent([c, a, b], texts)
    assert joined.text == DOC and joined.start == 0


def test_the_page_marks_joined_evidence_in_each_passage_that_holds_part_of_it():
    from assistant.checking.checker import Verdict
    from assistant.checking.statements import Statement
    from assistant.ui.chat import evidence_in_hits

    first, second = chunk(DOC, 0, CUT - 2), chunk(DOC, CUT, len(DOC))
    (joined,) = join_adjacent([first, second], texts)
    start = DOC.index("Yerevan")
    end = DOC.index(" The National")
    claim = Statement("Yerevan State University had about 1,300 teachers.", 0, 50, "", "claim")
    verdict = Verdict(claim, "supported", 0.99, span=(start, end), source=joined)
    marked = evidence_in_hits(verdict, [first, second])
    assert [(n, DOC[s + [first, second][n - 1].start:e + [first, second][n - 1].start]) for n, (s, e) in marked] == [
        (1, DOC[start:CUT - 2]), (2, "Its faculty numbered about 1,300 teachers.")]
    own = Verdict(claim, "supported", 0.99, span=(0, 7), source=second)  # evidence from one passage: that one
    assert evidence_in_hits(own, [first, second]) == [(2, (0, 7))]


def test_chunks_of_two_versions_of_a_document_are_never_spliced_into_text_neither_holds():
    # a logged passage of the old upload beside one retrieved from the new (a review's re-check): the
    # old splice made "It employs 3000 people", which neither version says
    old = "The plant opened in 1990. It employs 300 people. The mayor visited in 2001."
    new = "The plant closed in 2015. It employed 900 people. The mayor visited in 2001."
    logged, fresh = chunk(old, 0, 40), chunk(new, 30, 76)
    assert join_adjacent([logged, fresh], lambda doc_id: new) == [logged, fresh]
    assert join_adjacent([logged, fresh], lambda doc_id: None) == [logged, fresh]
    inside, across = chunk(old, 5, 20), chunk(old, 30, len(old))  # one chunk inside another, then one past it
    (joined,) = join_adjacent([logged, inside, across], lambda doc_id: None)
    assert joined.text == old


def test_a_reopened_answer_marks_evidence_that_crosses_a_chunk_cut():
    from types import SimpleNamespace

    from assistant.ui.chat import evidence_in_hits
    from assistant.ui.review import logged_report

    first, second = chunk(DOC, 0, CUT + 20), chunk(DOC, CUT, len(DOC))  # they overlap, as the index cuts them
    evidence = DOC[DOC.index("Yerevan"):DOC.index(" The National")]  # the window the checker read, across the cut
    logged = [{"text": p.text, "title": p.title, "doc_id": p.doc_id, "page": p.page, "start": p.start, "end": p.end}
              for p in (first, second)]
    statement = SimpleNamespace(id=1, text="It had about 1,300 teachers.", start=0, end=28, claim="It had about 1,300 "
                                "teachers.", label="supported", reason=None, score=0.99, probs=None, evidence=evidence,
                                evidence_doc_id="d1", evidence_title="Armenia", evidence_page=None, unnamed=None,
                                elsewhere=None)
    turn = SimpleNamespace(passages=logged, statements=[statement], answer="It had about 1,300 teachers.",
                           question=None, verifier="fake", verifier_version="1", check_seconds=0.1, threshold=0.9)
    (verdict,) = logged_report(turn).verdicts
    (one, (a, b)), (two, (c, d)) = evidence_in_hits(verdict, [first, second])  # marked in both
    assert (one, two) == (1, 2)
    assert first.text[a:b] == DOC[DOC.index("Yerevan"):CUT + 20]
    assert second.text[c:d] == DOC[CUT:DOC.index(" The National")]
