"""Counts over the flag log for the dashboard: the flagged share by day, flags by document, the
verdict mix, and the totals beside them (answers, statements checked, reviews).

Plain rows and dataclasses straight from the log's tables; drawing them is the page's
business (``assistant.ui.dashboard``). A statement is checked when it got one of the
verifier's labels, and flagged when that label is unsupported or contradicted.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.flags.log import FlagLog
from core.db import dialect
from core.labels import FLAG_LABELS, LABELS

NO_EVIDENCE = "(no evidence)"  # a flag's document when the checker found no evidence for it


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" * len(values))


@dataclass(frozen=True)
class DayRate:
    day: str  # YYYY-MM-DD, local time
    flagged_share: float  # of the day's checked statements
    statements: int  # checked that day


@dataclass(frozen=True)
class DocumentFlags:
    document: str  # the title of the flag's best evidence, or NO_EVIDENCE
    flags: int


@dataclass(frozen=True)
class VerdictCount:
    verdict: str  # a label, not_a_claim included
    statements: int


@dataclass(frozen=True)
class Totals:
    turns: int  # answers logged
    checked: int  # statements with a verifier's label
    flagged: int  # of those, unsupported or contradicted
    turns_flagged: int  # answers with at least one flag
    confirmed: int  # flags reviewed as hallucinations
    rejected: int  # flags reviewed as false alarms

    @property
    def waiting(self) -> int:
        """Flags no one has reviewed yet."""
        return self.flagged - self.confirmed - self.rejected


def rate_by_day(log: FlagLog) -> list[DayRate]:
    """The share of checked statements flagged, per day of their answer, oldest first."""
    day = ("to_char(to_timestamp(t.created_at), 'YYYY-MM-DD')" if dialect(log.db) == "postgresql"
           else "date(t.created_at, 'unixepoch', 'localtime')")  # the server's time zone / ours
    rows = log.db.execute(
        f"SELECT {day} AS day, AVG(CASE WHEN s.label IN ({_marks(FLAG_LABELS)}) THEN 1.0 ELSE 0.0 END), "
        f"COUNT(*) FROM statements s JOIN turns t ON t.id = s.turn_id WHERE s.label IN ({_marks(LABELS)}) "
        "GROUP BY day ORDER BY day", (*FLAG_LABELS, *LABELS)).fetchall()
    return [DayRate(day, float(share), n) for day, share, n in rows]  # PostgreSQL's AVG is a Decimal


def flags_by_document(log: FlagLog, limit: int = 15) -> list[DocumentFlags]:
    """The ``limit`` documents most often the best evidence of a flag, most flags first."""
    rows = log.db.execute(
        f"SELECT COALESCE(evidence_title, ?) AS document, COUNT(*) AS flags FROM statements "
        f"WHERE label IN ({_marks(FLAG_LABELS)}) GROUP BY document ORDER BY flags DESC LIMIT ?",
        (NO_EVIDENCE, *FLAG_LABELS, limit)).fetchall()
    return [DocumentFlags(document, n) for document, n in rows]


def verdict_mix(log: FlagLog) -> list[VerdictCount]:
    """How many statements got each label (not_a_claim included), by label."""
    rows = log.db.execute("SELECT label, COUNT(*) FROM statements GROUP BY label ORDER BY label").fetchall()
    return [VerdictCount(label, n) for label, n in rows]


def totals(log: FlagLog) -> Totals:
    """The dashboard's headline numbers."""
    counts = log.counts()
    turns_flagged = log.db.execute(f"SELECT COUNT(DISTINCT turn_id) FROM statements WHERE label IN "
                                   f"({_marks(FLAG_LABELS)})", FLAG_LABELS).fetchone()[0]
    decisions = dict(log.db.execute("SELECT decision, COUNT(*) FROM reviews GROUP BY decision").fetchall())
    return Totals(turns=counts["turns"], checked=sum(counts.get(label, 0) for label in LABELS),
                  flagged=sum(counts.get(label, 0) for label in FLAG_LABELS), turns_flagged=turns_flagged,
                  confirmed=decisions.get("confirmed", 0), rejected=decisions.get("rejected", 0))
