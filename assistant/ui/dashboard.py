"""The dashboard tab: the hallucination rate over time, flags by document, the verdict mix.

The counts come from ``assistant.flags.stats``; this module turns them into the tables
(pandas DataFrames) that Gradio's plots draw, and the markdown summary beside them.
The rate is the share of checked statements flagged (unsupported or contradicted), per day.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.flags import stats
from assistant.ui.i18n import text, verdict_name

RATE_COLUMNS = ["day", "flagged share", "statements"]
DOCUMENT_COLUMNS = ["document", "flags"]
MIX_COLUMNS = ["verdict", "statements"]
NOTHING_YET = text("nothing_yet")


@dataclass
class Dashboard:
    rate_by_day: "object"  # DataFrame: day, flagged share, statements
    flags_by_document: "object"  # DataFrame: document, flags
    verdict_mix: "object"  # DataFrame: verdict, statements
    summary: str  # markdown


def summary(totals: stats.Totals, lang: str = "en") -> str:
    """The numbers beside the plots, as a markdown list in ``lang``."""
    checked, flagged = totals.checked, totals.flagged
    return "\n".join([
        text("summary_answers", lang, turns=totals.turns, checked=checked),
        text("summary_flagged", lang, share=f"{flagged / checked:.1%}") if checked
        else text("summary_none_checked", lang),
        text("summary_answers_flagged", lang, share=f"{totals.turns_flagged / totals.turns:.1%}"),
        text("summary_reviewed", lang, confirmed=totals.confirmed, rejected=totals.rejected, waiting=totals.waiting),
    ])


def build(flag_log, lang: str = "en") -> Dashboard:
    """The dashboard of ``flag_log`` (an ``assistant.flags.log.FlagLog``, or None: no log); the summary
    and the verdicts' names in ``lang`` (the columns keep their names: the plots are wired to them)."""
    import pandas as pd

    totals = stats.totals(flag_log) if flag_log is not None else None
    if totals is None or not totals.turns:
        return Dashboard(pd.DataFrame({c: [] for c in RATE_COLUMNS}), pd.DataFrame({c: [] for c in DOCUMENT_COLUMNS}),
                         pd.DataFrame({c: [] for c in MIX_COLUMNS}), text("nothing_yet", lang))
    per_day = pd.DataFrame([(r.day, r.flagged_share, r.statements) for r in stats.rate_by_day(flag_log)],
                           columns=RATE_COLUMNS)
    by_document = pd.DataFrame([(r.document, r.flags) for r in stats.flags_by_document(flag_log)],
                               columns=DOCUMENT_COLUMNS)
    mix = pd.DataFrame([(verdict_name(r.verdict, lang), r.statements) for r in stats.verdict_mix(flag_log)],
                       columns=MIX_COLUMNS)
    return Dashboard(per_day, by_document, mix, summary(totals, lang))
