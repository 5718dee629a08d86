"""The export tab: write a training file from the reviewed log and hand it to the browser."""

from __future__ import annotations

import time
from pathlib import Path

from assistant.flags.export import export
from assistant.inputs import when
from assistant.ui.i18n import text, text_n
from core.errors import InputError
from core.home import subdir

FORMATS = ("sft", "dpo", "kto", "nli")
# what each format is for: the page's help under the choice (i18n's format_info)


def run(flag_log, fmt: str, verdict: str = "all", reviewed_only: bool = True, since=None, until=None,
        held_out: float = 0.2, lang: str = "en") -> tuple[Path, str]:
    """Write the export under ``<data home>/exports/``; (path, a one-line summary in ``lang``)."""

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
    summary = text_n("export_summary", report.rows, lang, rows=report.rows, train=report.train,
                     held_out=report.held_out, turns=report.turns_read, file=out.name)
    if not report.rows:
        summary += text("export_nothing", lang)
    return out, summary
