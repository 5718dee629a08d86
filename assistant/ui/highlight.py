"""An answer as HTML with every statement marked by its verdict: colour *and* an icon and a label.

Everything that comes from an answer or a document goes through :func:`text_html` (text and
attributes): HTML, markdown and LaTeX markup are written as character references, so a
``<script>``, an ``onerror=``, a link ``[x](javascript:...)``, an image ``![](http://...)`` or a
bare URL in either shows as the characters it is, and nothing runs, links or loads. The evidence (span, document title, page, score) is in each
statement's tooltip and in a ``<details>`` block under the answer.
"""

from __future__ import annotations

import re

from assistant.ui.i18n import reason_words, text, verifier_words
from core.labels import CONTRADICTED, NOT_A_CLAIM, SUPPORTED, UNSUPPORTED

# Every character that HTML, markdown (Gradio renders a chat message as markdown: links, images,
# autolinked URLs, emphasis, code) or its LaTeX delimiters could read as markup.
_MARKUP = {c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+-.!|~$:="}


_INDENT = re.compile(r"(^|\n)([ \t]+)")


def text_html(text: str) -> str:
    """``text`` to show as text in HTML that a markdown renderer reads first: each markup character
    as a character reference (the browser shows the character; no renderer sees syntax), and the
    blanks that open a line too (four of them would start a code block, inside which the page's own
    HTML after it showed as text: seen with a licence's indented URL in the evidence)."""
    escaped = "".join(_MARKUP.get(c, c) for c in text)
    return _INDENT.sub(lambda m: m.group(1) + "&#32;" * len(m.group(2)), escaped)


MARKS = {  # label -> (icon, words, css class); the words in English (:func:`mark` gives them in a language)
    SUPPORTED: ("\u2714", SUPPORTED, "v-supported"),
    UNSUPPORTED: ("?", UNSUPPORTED, "v-unsupported"),
    CONTRADICTED: ("\u2716", CONTRADICTED, "v-contradicted"),
    NOT_A_CLAIM: ("", "not a claim", "v-none"),
}


def mark(label: str, lang: str = "en") -> tuple[str, str, str]:
    """``MARKS[label]`` with its words in ``lang``."""
    icon, words, css = MARKS[label]
    return icon, text(label, lang) if lang != "en" else words, css


# Text and background colours set together, for the light and the dark theme (Gradio follows the
# system's setting and puts .dark on the page): a mark keeps a contrast of 7:1 or more in both.
CSS = """
.v-supported{background:#e6f4ea;color:#0d2614;border-bottom:2px solid #188038}
.v-unsupported{background:#fef7e0;color:#2e1f00;border-bottom:2px dashed #b06000}
.v-contradicted{background:#fce8e6;color:#3b0907;border-bottom:2px solid #c5221f}
.dark .v-supported{background:#123d22;color:#e6f4ea;border-bottom-color:#81c995}
.dark .v-unsupported{background:#463300;color:#fef7e0;border-bottom-color:#fdd663}
.dark .v-contradicted{background:#5c1714;color:#fce8e6;border-bottom-color:#f28b82}
.v-mark{font-size:0.8em;font-weight:600;margin:0 0.35em 0 0.15em;white-space:nowrap;vertical-align:baseline}
.sources ol{margin:0.2em 0 0 1.2em}
.citation{font-weight:600}
.cite-ref{cursor:pointer;text-decoration:underline dotted}
details.source>summary{cursor:pointer}
details.source.flash{outline:2px solid #1a73e8;border-radius:4px}
.passage{margin:0.3em 0 0.6em 0;padding:0.3em 0.6em;border-left:3px solid #9aa0a6;font-size:0.92em}
mark.evidence-span{background:#fff3b0;color:#1f1a00;padding:0 1px}
mark.ev-supported{background:#ceead6;color:#0d2614}
mark.ev-contradicted{background:#fad2cf;color:#3b0907}
mark.ev-passage{background:#e8eaed;color:#202124}
details.page>summary{cursor:pointer;font-size:0.9em}
.dark mark.evidence-span{background:#5c4d00;color:#fff8d6}
.dark mark.ev-passage{background:#3c4043;color:#e8eaed}
.dark mark.ev-supported{background:#1e5631;color:#e6f4ea}
.dark mark.ev-contradicted{background:#6e1f1b;color:#fce8e6}
"""
STYLE = f"<style>{CSS}</style>"  # for standalone HTML; the page passes CSS to Gradio instead


_CITE = re.compile(r"&#91;(\d{1,2})&#93;")  # "[3]" as text_html writes it


# Markdown's inline code as the model writes commands ("`apt-cdrom`"), once text_html has escaped it
_CODE = re.compile(r"&#96;((?:(?!&#96;)[^\n<])+)&#96;")


def linked(html: str) -> str:
    """Escaped answer text with each "[n]" a reference a click opens (the page's script opens source n),
    and `inline code` shown as code, not between backticks."""
    html = _CODE.sub(r"<code>\1</code>", html)
    # the number in a class: the chat's sanitizer drops data-* attributes
    return _CITE.sub(r'<span class="cite-ref cite-\1" role="button" tabindex="0">&#91;\1&#93;</span>', html)


def where(v, lang: str = "en") -> str:
    if v.source is None:
        return text("the_given_evidence", lang)
    parts = [v.source.title or text("untitled", lang)]
    if v.source.page is not None:
        parts.append(text("page_of", lang, page=v.source.page))
    return text("list_sep", lang).join(parts)


def statement_html(answer: str, report, lang: str = "en") -> str:
    """The answer's text with each statement wrapped in a marked ``<span>`` (text between them kept);
    the marks' words and tooltips in ``lang``."""
    out, at = [], 0
    for n, v in enumerate(report.verdicts, start=1):
        s = v.statement
        out.append(linked(text_html(answer[at:s.start])))
        icon, words, css = mark(v.label, lang)
        if v.label == NOT_A_CLAIM:
            tip = text("not_checked_tip", lang, reason=text_html(reason_words(s.reason, lang) if s.reason else words))
            out.append(f'<span class="{css}" title="{tip}">{linked(text_html(s.text))}</span>')
        else:
            tip = text("score_tip", lang, label=words, score=f"{v.score:.2f}") if v.score is not None else words
            if v.unnamed:
                tip += "\n" + text("unnamed_topic", lang, topic=v.unnamed)
            if v.elsewhere:
                tip += "\n" + text("answered_elsewhere", lang, place=v.elsewhere)
            if v.evidence:
                tip += "\n" + text("evidence_tip", lang, where=where(v, lang), evidence=v.evidence)
            title = text_html(tip).replace("\n", "&#10;")  # a line break inside the tooltip
            out.append(f'<span class="{css}" data-statement="{n}" data-label="{v.label}" title="{title}">'
                       f'{linked(text_html(s.text))}<sup class="v-mark" aria-label="{words}">{icon} {words}</sup></span>')
        at = s.end
    out.append(linked(text_html(answer[at:])))
    return "".join(out)


def score_meaning(threshold: float | None = None, lang: str = "en") -> str:
    """What a verdict's score means, in words."""
    rule = text("score_rule", lang, threshold=f"{threshold:.2f}") if threshold is not None else ""
    return text("score_meaning", lang, rule=rule)


def report_html(answer: str, report, style: bool = True, threshold: float | None = None, lang: str = "en") -> str:
    """The marked answer, a one-line summary, and the evidence of every checked statement, with
    what the scores mean (``threshold``: the one the check used, when known); the page's words in ``lang``."""
    counts = text("list_sep", lang).join(text("count", lang, n=n, label=mark(label, lang)[1])
                                         for label, n in report.counts.items() if n)
    rows = []
    for n, v in enumerate(report.verdicts, start=1):
        if v.label == NOT_A_CLAIM:
            continue
        icon, words, _ = mark(v.label, lang)
        evidence = text_html(v.evidence) if v.evidence else f"<em>{text('no_evidence_found', lang)}</em>"
        row = text("verdict_row", lang, icon=icon, label=words, score=f"{v.score:.2f}",
                   statement=text_html(v.statement.text))
        if v.unnamed:
            row += f"<br><small>{text_html(text('unnamed_topic', lang, topic=v.unnamed))}</small>"
        if v.elsewhere:
            row += f"<br><small>{text_html(text('answered_elsewhere', lang, place=v.elsewhere))}</small>"
        rows.append(f"<li>{row}<br><small>{text('evidence_row', lang, where=text_html(where(v, lang)), evidence=evidence)}"
                    "</small></li>")
    details = (f"<details class=\"verdicts\"><summary>{text('evidence_for_each', lang)}</summary>"
               f"<p><small>{text_html(score_meaning(threshold, lang))}</small></p><ol>{''.join(rows)}</ol></details>"
               if rows else "")
    marked = statement_html(answer, report, lang).replace("\n", "<br>")
    checked = text("checked_by", lang, verifier=text_html(verifier_words(report.verifier, lang)),
                   counts=text_html(counts))
    return (f"{STYLE if style else ''}<div class=\"checked-answer\">{marked}</div>"
            f"<p><small>{checked}</small></p>{details}")
