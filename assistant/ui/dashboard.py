"""The dashboard tab: the hallucination rate over time, flags by document, the verdict mix.

The counts come from ``assistant.flags.stats``; this module turns them into the tables
(pandas DataFrames) that Gradio's plots draw, and the markdown summary beside them.
The rate is the share of checked statements flagged (unsupported or contradicted), per day.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.flags import stats

RATE_COLUMNS = ["day", "flagged share", "statements"]
DOCUMENT_COLUMNS = ["document", "flags"]
MIX_COLUMNS = ["verdict", "statements"]
NOTHING_YET = "No answers logged yet."


@dataclass
class Dashboard:
    rate_by_day: "object"  # DataFrame: day, flagged share, statements
    flags_by_document: "object"  # DataFrame: document, flags
    verdict_mix: "object"  # DataFrame: verdict, statements
    summary: str  # markdown


def summary(totals: stats.Totals) -> str:
    """The numbers beside the plots, as a markdown list."""
    checked, flagged = totals.checked, totals.flagged
    return "\n".join([
        f"- **{totals.turns}** answers logged, **{checked}** statements checked",
        f"- **{flagged / checked:.1%}** of statements flagged" if checked else "- no statements checked yet",
        f"- **{totals.turns_flagged / totals.turns:.1%}** of answers have a flag",
        f"- reviewed: {totals.confirmed} confirmed, {totals.rejected} rejected, {totals.waiting} waiting",
    ])


def build(flag_log) -> Dashboard:
    """The dashboard of ``flag_log`` (an ``assistant.flags.log.FlagLog``, or None: no log)."""
    import pandas as pd

    totals = stats.totals(flag_log) if flag_log is not None else None
    if totals is None or not totals.turns:
        return Dashboard(pd.DataFrame({c: [] for c in RATE_COLUMNS}), pd.DataFrame({c: [] for c in DOCUMENT_COLUMNS}),
                         pd.DataFrame({c: [] for c in MIX_COLUMNS}), NOTHING_YET)
    per_day = pd.DataFrame([(r.day, r.flagged_share, r.statements) for r in stats.rate_by_day(flag_log)],
                           columns=RATE_COLUMNS)
    by_document = pd.DataFrame([(r.document, r.flags) for r in stats.flags_by_document(flag_log)],
                               columns=DOCUMENT_COLUMNS)
    mix = pd.DataFrame([(r.verdict, r.statements) for r in stats.verdict_mix(flag_log)], columns=MIX_COLUMNS)
    return Dashboard(per_day, by_document, mix, summary(totals))
