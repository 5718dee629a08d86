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

CSS = """
.v-supported{background:#e6f4ea;border-bottom:2px solid #188038}
.v-unsupported{background:#fef7e0;border-bottom:2px dashed #b06000}
.v-contradicted{background:#fce8e6;border-bottom:2px solid #c5221f}
.v-mark{font-size:0.8em;font-weight:600;margin-left:2px}
.sources ol{margin:0.2em 0 0 1.2em}
.citation{font-weight:600}
"""
STYLE = f"<style>{CSS}</style>"  # for standalone HTML; the page passes CSS to Gradio instead


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
        out.append(text_html(answer[at:s.start]))
        icon, words, css = MARKS[v.label]
        if v.label == NOT_A_CLAIM:
            out.append(f'<span class="{css}" title="not checked: {text_html(s.reason or "not a claim")}">'
                       f"{text_html(s.text)}</span>")
        else:
            tip = f"{words} (score {v.score:.2f})" if v.score is not None else words
            if v.evidence:
                tip += f"\nevidence from {where(v)}: {v.evidence}"
            title = text_html(tip).replace("\n", "&#10;")  # a line break inside the tooltip
            out.append(f'<span class="{css}" data-statement="{n}" data-label="{v.label}" title="{title}">'
                       f'{text_html(s.text)}<sup class="v-mark" aria-label="{words}">{icon} {words}</sup></span>')
        at = s.end
    out.append(text_html(answer[at:]))
    return "".join(out)


def report_html(answer: str, report, style: bool = True) -> str:
    """The marked answer, a one-line summary, and the evidence of every checked statement."""
    counts = ", ".join(f"{n} {MARKS[label][1]}" for label, n in report.counts.items() if n)
    rows = []
    for n, v in enumerate(report.verdicts, start=1):
        if v.label == NOT_A_CLAIM:
            continue
        icon, words, _ = MARKS[v.label]
        evidence = text_html(v.evidence) if v.evidence else "<em>no evidence found</em>"
        rows.append(f"<li>{icon} <strong>{words}</strong> ({v.score:.2f}): {text_html(v.statement.text)}<br>"
                    f"<small>{text_html(where(v))}: {evidence}</small></li>")
    details = (f"<details><summary>Evidence for each statement</summary><ol>{''.join(rows)}</ol></details>"
               if rows else "")
    marked = statement_html(answer, report).replace("\n", "<br>")
    return (f"{STYLE if style else ''}<div class=\"checked-answer\">{marked}</div>"
            f"<p><small>Checked by {text_html(report.verifier)}: {text_html(counts)}</small></p>{details}")
