"""The export tab: write a training file from the reviewed log and hand it to the browser."""

from __future__ import annotations

import time
from pathlib import Path

from assistant.flags.export import export
from assistant.inputs import when
from core.errors import InputError
from core.home import subdir

FORMATS = ("sft", "dpo", "kto", "nli")
HELP = {"sft": "conversations ending in the verified or corrected answer (TRL SFTTrainer)",
        "dpo": "prompt, chosen (corrected) and rejected (flagged) answer (TRL DPOTrainer)",
        "kto": "prompt and one answer labelled good or bad (TRL KTOTrainer)",
        "nli": "premise / hypothesis / label pairs from reviewed statements, to retrain the verifier"}


def run(flag_log, fmt: str, verdict: str = "all", reviewed_only: bool = True, since=None, until=None,
        held_out: float = 0.2) -> tuple[Path, str]:
    """Write the export under ``<data home>/exports/``; (path, a one-line summary)."""

    if flag_log is None:
        raise InputError("there is no flag log to export")
    if fmt not in FORMATS:
        raise InputError(f"choose a format: {', '.join(FORMATS)}")
    try:
        share = float(held_out)
    except (TypeError, ValueError):
        raise InputError(f"the held-out share must be a number in [0, 1), got {held_out!r}") from None
    start, end = when(since, "from"), when(until, "until")
    out = subdir("exports") / f"{fmt}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    report = export(flag_log, fmt, out, since=start, until=end,
                    verdict=None if verdict in ("all", None, "") else verdict, reviewed_only=bool(reviewed_only),
                    held_out_share=share)
    summary = (f"**{report.rows} row{'s' if report.rows != 1 else ''}** ({report.train} train, {report.held_out} held out) from {report.turns_read} "
               f"turns, written to `{out.name}`.")
    if not report.rows:
        summary += " Nothing matched: review some flags first, or include unreviewed answers."
    return out, summary
