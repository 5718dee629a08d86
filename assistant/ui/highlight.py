"""An answer as HTML with every statement marked by its verdict: colour *and* an icon and a label.

Everything that comes from an answer or a document goes through :func:`text_html` (text and
attributes): HTML, markdown and LaTeX markup are written as character references, so a
``<script>``, an ``onerror=``, a link ``[x](javascript:...)``, an image ``![](http://...)`` or a
bare URL in either shows as the characters it is, and nothing runs, links or loads. The evidence (span, document title, page, score) is in each
statement's tooltip and in a ``<details>`` block under the answer.
"""

from __future__ import annotations

import re

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


MARKS = {  # label -> (icon, words, css class)
    SUPPORTED: ("\u2714", SUPPORTED, "v-supported"),
    UNSUPPORTED: ("?", UNSUPPORTED, "v-unsupported"),
    CONTRADICTED: ("\u2716", CONTRADICTED, "v-contradicted"),
    NOT_A_CLAIM: ("", "not a claim", "v-none"),
}

# Text and background colours set together, for the light and the dark theme (Gradio follows the
# system's setting and puts .dark on the page): a mark keeps a contrast of 7:1 or more in both.
CSS = """
.v-supported{background:#e6f4ea;color:#0d2614;border-bottom:2px solid #188038}
.v-unsupported{background:#fef7e0;color:#2e1f00;border-bottom:2px dashed #b06000}
.v-contradicted{background:#fce8e6;color:#3b0907;border-bottom:2px solid #c5221f}
.dark .v-supported{background:#123d22;color:#e6f4ea;border-bottom-color:#81c995}
.dark .v-unsupported{background:#463300;color:#fef7e0;border-bottom-color:#fdd663}
.dark .v-contradicted{background:#5c1714;color:#fce8e6;border-bottom-color:#f28b82}
.v-mark{font-size:0.8em;font-weight:600;margin-left:2px}
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


def linked(html: str) -> str:
    """Escaped answer text with each "[n]" a reference a click opens (the page's script opens source n)."""
    # the number in a class: the chat's sanitizer drops data-* attributes
    return _CITE.sub(r'<span class="cite-ref cite-\1" role="button" tabindex="0">&#91;\1&#93;</span>', html)


def where(v) -> str:
    if v.source is None:
        return "the given evidence"
    parts = [v.source.title or "untitled"]
    if v.source.page is not None:
        parts.append(f"page {v.source.page}")
    return ", ".join(parts)


def statement_html(answer: str, report) -> str:
    """The answer's text with each statement wrapped in a marked ``<span>`` (text between them kept)."""
    out, at = [], 0
    for n, v in enumerate(report.verdicts, start=1):
        s = v.statement
        out.append(linked(text_html(answer[at:s.start])))
        icon, words, css = MARKS[v.label]
        if v.label == NOT_A_CLAIM:
            out.append(f'<span class="{css}" title="not checked: {text_html(s.reason or "not a claim")}">'
                       f"{linked(text_html(s.text))}</span>")
        else:
            tip = f"{words} (score {v.score:.2f})" if v.score is not None else words
            if v.evidence:
                tip += f"\nevidence from {where(v)}: {v.evidence}"
            title = text_html(tip).replace("\n", "&#10;")  # a line break inside the tooltip
            out.append(f'<span class="{css}" data-statement="{n}" data-label="{v.label}" title="{title}">'
                       f'{linked(text_html(s.text))}<sup class="v-mark" aria-label="{words}">{icon} {words}</sup></span>')
        at = s.end
    out.append(linked(text_html(answer[at:])))
    return "".join(out)


def score_meaning(threshold: float | None = None) -> str:
    """What a verdict's score means, in words."""
    rule = f"; a statement is supported from {threshold:.2f}" if threshold is not None else ""
    return ("The score is the verifier's confidence, from 0 to 1, that the passages say the statement" + rule +
            ". Supported: the passages say it. Unsupported: they do not say it (it may still be true). "
            "Contradicted: they say otherwise.")


def report_html(answer: str, report, style: bool = True, threshold: float | None = None) -> str:
    """The marked answer, a one-line summary, and the evidence of every checked statement, with
    what the scores mean (``threshold``: the one the check used, when known)."""
    counts = ", ".join(f"{n} {MARKS[label][1]}" for label, n in report.counts.items() if n)
    rows = []
    for n, v in enumerate(report.verdicts, start=1):
        if v.label == NOT_A_CLAIM:
            continue
        icon, words, _ = MARKS[v.label]
        evidence = text_html(v.evidence) if v.evidence else "<em>no evidence found</em>"
        rows.append(f"<li>{icon} <strong>{words}</strong> ({v.score:.2f}): {text_html(v.statement.text)}<br>"
                    f"<small>{text_html(where(v))}: {evidence}</small></li>")
    details = (f"<details class=\"verdicts\"><summary>Evidence for each statement</summary>"
               f"<p><small>{text_html(score_meaning(threshold))}</small></p><ol>{''.join(rows)}</ol></details>"
               if rows else "")
    marked = statement_html(answer, report).replace("\n", "<br>")
    return (f"{STYLE if style else ''}<div class=\"checked-answer\">{marked}</div>"
            f"<p><small>Checked by {text_html(report.verifier)}: {text_html(counts)}</small></p>{details}")
