"""Highlighted answers: every statement marked by label (not colour alone), everything escaped."""

import re
from html import unescape

from assistant.checking.checker import Checker, Evidence
from assistant.ui.highlight import report_html, statement_html
from tests.test_checker import FakeVerifier
from tests.test_log import ANSWER, PASSAGES


def test_each_statement_is_marked_with_a_label_and_its_evidence():
    report = Checker(FakeVerifier()).check_answer(ANSWER, "Tell me about Acme", PASSAGES)
    html = statement_html(ANSWER, report)
    assert re.findall(r'data-label="(\w+)"', html) == ["supported", "contradicted", "unsupported"]
    assert "\u2714 supported" in html and "\u2716 contradicted" in html and "? unsupported" in html
    assert 'title="not checked: greeting or courtesy"' in unescape(html)
    assert "evidence from Rules: The canteen is not open on Sundays." in unescape(html)
    assert unescape(re.sub(r"<[^>]+>|\u2714 supported|\u2716 contradicted|\? unsupported", "", html)) == ANSWER
    # the text between marks is the answer, unchanged


def test_why_a_statement_is_not_checked_is_said_in_the_pages_language():
    from assistant.checking.statements import REASONS
    from assistant.ui.i18n import reason_words

    assert all(reason_words(r, "en") == r for r in REASONS)
    assert all(re.search(r"[\u4e00-\u9fff]", reason_words(r, "zh")) for r in REASONS)  # none left in English
    answer = "你好！长城很长。"
    report = Checker(FakeVerifier()).check_answer(answer, "长城有多长？", [Evidence("长城很长。")])
    assert 'title="未核查：问候或客套话"' in unescape(statement_html(answer, report, "zh"))


def test_answers_and_documents_are_escaped():
    payload = 'Acme is <script>alert(1)</script> and <img src=x onerror="alert(2)">.'
    evidence = [Evidence('Acme is <script>alert(1)</script> and <img src=x onerror="alert(2)">.', "<b>t</b>")]
    report = Checker(FakeVerifier()).check_answer(payload, None, evidence)
    html = report_html(payload, report)
    assert "<script>" not in html and "<img" not in html and "<b>t</b>" not in html
    assert "<script>alert(1)</script>" in unescape(html) and 'onerror="alert(2)"' in unescape(html)
    assert "<b>t</b>" in unescape(html)  # shown as the characters they are


def test_markdown_in_answers_and_documents_shows_as_text():
    """The chat renders messages as markdown: a document's link, image, autolinked URL or formula
    must reach the browser as characters, not syntax (no live link, no image fetched from outside)."""
    from tests.hostile import MARKDOWN as payload

    evidence = [Evidence(payload, "[t](http://attacker.example)")]
    report = Checker(FakeVerifier()).check_answer(payload, None, evidence)
    html = report_html(payload, report)
    for syntax in ("](", "![", "http://", "www.", "$$", "javascript:"):
        assert syntax not in html, syntax
    assert payload in unescape(html) and "[t](http://attacker.example)" in unescape(html)


def test_an_indented_line_in_the_evidence_does_not_open_a_code_block():
    """A browser trial: the Apache licence's indented URL ("       http://www.apache.org/...") made the
    chat's markdown start a code block in the evidence, inside which the rest of the answer's HTML
    (the ending note, the sources) showed as raw text."""
    import markdown_it

    licence = ("You may obtain a copy of the License at\n\n       http://www.apache.org/licenses/LICENSE-2.0\n"
               "\tand a tabbed line\n")
    evidence = [Evidence(licence, "Apache License")]
    report = Checker(FakeVerifier()).check_answer("You may obtain a copy of the License.", None, evidence)
    html = report_html("You may obtain a copy of the License.", report) + '<p class="answer-ending">end</p>'
    rendered = markdown_it.MarkdownIt("commonmark").render(html)
    assert "<pre>" not in rendered and "<code>" not in rendered
    assert '<p class="answer-ending">end</p>' in rendered  # the page's own HTML stays HTML
    assert licence.split("\n")[2].strip() in unescape(html)  # the URL is still shown, as text


def test_an_answer_no_passage_names_the_subject_of_says_so_in_both_languages():
    from tests.test_checker import AlwaysSupports

    answer = "她的母亲范中芬是一位作词者。"
    singer = [Evidence("王若琳是创作歌手。她的父亲是王治平，母亲范中芬是一位作词者。", "王若琳")]
    report = Checker(AlwaysSupports()).check_answer(answer, "永昌大君的母亲是谁？", singer)
    (verdict,) = report.verdicts
    assert verdict.label == "unsupported" and verdict.unnamed == "永昌大君"
    assert verdict.as_dict()["unnamed"] == "永昌大君"
    assert "没有一段证据提到此处所说的“永昌大君”" in unescape(statement_html(answer, report, "zh"))
    assert "none of the passages names “永昌大君”" in unescape(report_html(answer, report))
    named = Checker(AlwaysSupports()).check_answer(answer, "王若琳的母亲是谁？", singer)
    assert named.verdicts[0].unnamed is None and "names" not in unescape(report_html(answer, named))


def test_inline_code_in_an_answer_shows_as_code_not_backticks():
    """A trial's English answers showed "`apt-cdrom`" with its backticks; the command is code, escaped."""
    answer = "Use `apt-cdrom` [1]. Then run `<b>x</b>` and `half"
    report = Checker(FakeVerifier()).check_answer(answer, "Which tool?", [Evidence("apt-cdrom adds a CD-ROM.")])
    html = statement_html(answer, report)
    assert [unescape(c) for c in re.findall(r"<code>([^<]*)</code>", html)] == ["apt-cdrom", "<b>x</b>"]
    assert "<b>" not in html and "&#96;half" in html  # an unpaired backtick stays a character
