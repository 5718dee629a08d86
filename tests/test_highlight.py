"""Highlighted answers: every statement marked by label (not colour alone), everything escaped."""

import re

from assistant.checker import Checker, Evidence
from assistant.ui.highlight import report_html, statement_html
from tests.test_checker import FakeVerifier
from tests.test_log import ANSWER, PASSAGES


def test_each_statement_is_marked_with_a_label_and_its_evidence():
    report = Checker(FakeVerifier()).check_answer(ANSWER, "Tell me about Acme", PASSAGES)
    html = statement_html(ANSWER, report)
    assert re.findall(r'data-label="(\w+)"', html) == ["supported", "contradicted", "unsupported"]
    assert "\u2714 supported" in html and "\u2716 contradicted" in html and "? unsupported" in html
    assert 'title="not checked: greeting or courtesy"' in html
    assert "evidence from Rules: The canteen is not open on Sundays." in html
    assert re.sub(r"<[^>]+>|\u2714 supported|\u2716 contradicted|\? unsupported", "", html).replace(
        "&#x27;", "'") == ANSWER  # the text between marks is the answer, unchanged


def test_answers_and_documents_are_escaped():
    payload = 'Acme is <script>alert(1)</script> and <img src=x onerror="alert(2)">.'
    evidence = [Evidence('Acme is <script>alert(1)</script> and <img src=x onerror="alert(2)">.', "<b>t</b>")]
    report = Checker(FakeVerifier()).check_answer(payload, None, evidence)
    html = report_html(payload, report)
    assert "<script>" not in html and "<img" not in html and "<b>t</b>" not in html
    assert "&lt;script&gt;" in html and "onerror=&quot;" in html and "&lt;b&gt;t&lt;/b&gt;" in html
