"""The dashboard tab: the hallucination rate over time, flags by document, the verdict mix.

Plain tables (pandas DataFrames) that Gradio's plots draw, plus the numbers
beside them. The rate is the share of checked statements flagged (unsupported or
contradicted), per day.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Dashboard:
    rate_by_day: "object"  # DataFrame: day, flagged share, statements
    flags_by_document: "object"  # DataFrame: document, flags
    verdict_mix: "object"  # DataFrame: verdict, statements
    summary: str  # markdown


def build(flag_log) -> Dashboard:
    import pandas as pd

    empty = Dashboard(pd.DataFrame({"day": [], "flagged share": [], "statements": []}),
                      pd.DataFrame({"document": [], "flags": []}),
                      pd.DataFrame({"verdict": [], "statements": []}), "No answers logged yet.")
    if flag_log is None:
        return empty
    db = flag_log.db
    per_day = pd.DataFrame(db.execute(
        "SELECT date(t.created_at, 'unixepoch', 'localtime') AS day, "
        "AVG(s.label IN ('unsupported', 'contradicted')) AS share, COUNT(*) AS n "
        "FROM statements s JOIN turns t ON t.id = s.turn_id WHERE s.label != 'not_a_claim' "
        "GROUP BY day ORDER BY day").fetchall(), columns=["day", "flagged share", "statements"])
    by_doc = pd.DataFrame(db.execute(
        "SELECT COALESCE(s.evidence_title, '(no evidence)') AS document, COUNT(*) AS flags FROM statements s "
        "WHERE s.label IN ('unsupported', 'contradicted') GROUP BY document ORDER BY flags DESC LIMIT 15"
    ).fetchall(), columns=["document", "flags"])
    mix = pd.DataFrame(db.execute(
        "SELECT label, COUNT(*) FROM statements GROUP BY label ORDER BY label").fetchall(),
        columns=["verdict", "statements"])
    counts = flag_log.counts()
    if not counts.get("turns"):
        return empty
    checked = sum(counts.get(k, 0) for k in ("supported", "unsupported", "contradicted"))
    flagged = counts.get("unsupported", 0) + counts.get("contradicted", 0)
    turns_flagged = db.execute("SELECT COUNT(DISTINCT turn_id) FROM statements "
                               "WHERE label IN ('unsupported', 'contradicted')").fetchone()[0]
    reviewed = db.execute("SELECT decision, COUNT(*) FROM reviews GROUP BY decision").fetchall()
    by_decision = {d: n for d, n in reviewed}
    summary = "\n".join([
        f"- **{counts['turns']}** answers logged, **{checked}** statements checked",
        f"- **{flagged / checked:.1%}** of statements flagged" if checked else "- no statements checked yet",
        f"- **{turns_flagged / counts['turns']:.1%}** of answers have a flag",
        f"- reviewed: {by_decision.get('confirmed', 0)} confirmed, {by_decision.get('rejected', 0)} rejected, "
        f"{flagged - sum(by_decision.values())} waiting",
    ])
    return Dashboard(per_day, by_doc, mix, summary)
