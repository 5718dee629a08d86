"""Export the flag log in the formats TRL trains on, and as NLI pairs for the verifier.

    assistant flags export --format sft|dpo|kto|nli --out FILE.jsonl [--since DATE] [--until DATE]
                           [--verdict unsupported|contradicted] [--all] [--split held-out-share]

A turn's **good** answer is the person's correction (or an accepted suggested repair), else the
original when every flag on it was *rejected* or it got a thumbs up with every claim supported;
its **bad** answer is the original when a flag on it was *confirmed* or it got a thumbs down.
``reviewed_only=False`` (``--all``) also counts what nobody reviewed: an answer whose every claim
the checker supported is good, one with an unreviewed flag bad. One JSON object a line, conversational as in TRL's dataset formats: ``sft``
``{"messages": [system, user, assistant]}`` (the grounded prompt and the good answer); ``dpo``
``{"prompt", "chosen", "rejected"}`` (correction against flagged original); ``kto`` ``{"prompt",
"completion", "label": bool}``; ``nli`` ``{"premise", "hypothesis", "label"}`` from reviewed
statements (confirmed *unsupported* is ``neutral``, confirmed *contradicted* ``contradiction``,
rejected ``entailment``). Every row also carries ``"turn_id"`` and ``"split"`` (``train`` /
``held_out``), fixed by a hash of the normalised question so a question never lands on both sides.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from assistant.chat.focus import focus
from assistant.chat.prompt import Passage, build_messages
from assistant.flags.log import FlagLog, Turn
from core.atomic import replacing
from core.errors import InputError
from core.labels import CONTRADICTED, NOT_A_CLAIM, SUPPORTED

FORMATS = ("sft", "dpo", "kto", "nli")
NLI_LABELS = {"unsupported": "neutral", CONTRADICTED: "contradiction"}


@dataclass
class ExportReport:
    format: str
    path: Path
    rows: int
    train: int
    held_out: int
    turns_read: int


def split_of(question: str, held_out_share: float) -> str:
    """``held_out`` for a fixed share of questions, by a hash of the normalised question text."""
    key = " ".join(question.lower().split()).encode()
    bucket = int.from_bytes(hashlib.sha256(key).digest()[:4], "big") / 2**32
    return "held_out" if bucket < held_out_share else "train"


def prompt_messages(turn: Turn) -> list[dict[str, str]]:
    """The prompt the model saw (rebuilt from the logged passage snapshots, focused as they were
    shown when the turn logged a ``passage_words`` budget, with the reader's answers it logged)."""
    passages = [Passage(p["text"], p["title"], p["page"]) for p in turn.passages]
    answers = [tuple(a) for a in turn.generation.get("reader_answers") or ()] or None
    return build_messages(turn.question, focus(passages, turn.question, turn.generation.get("passage_words", 0),
                                               answers))


def judge(turn: Turn, reviewed_only: bool) -> tuple[str | None, str | None]:
    """(good answer or None, bad answer or None) for a turn, as the module docstring defines them.

    With ``reviewed_only`` only a person's word counts: a correction, a decision on every flag, or
    a thumbs up or down. An answer the checker found clean but nobody looked at is not a training
    target then (it would teach the model whatever the checker missed)."""
    flagged = turn.flagged
    confirmed = [s for s in flagged if s.decision == "confirmed"]
    bad_flags = confirmed if reviewed_only else [s for s in flagged if s.decision != "rejected"]
    claims = [s for s in turn.statements if s.label != NOT_A_CLAIM]
    clean = bool(claims) and all(s.label == SUPPORTED or s.decision == "rejected" for s in claims)
    vouched = turn.feedback == 1 or (bool(flagged) and all(s.decision == "rejected" for s in flagged))
    good_answer = clean and turn.feedback != -1 and (vouched or not reviewed_only)
    good = turn.correction or (turn.answer if good_answer else None)
    bad = turn.answer if bad_flags or turn.feedback == -1 else None
    return good, bad


def rows_for(turn: Turn, fmt: str, reviewed_only: bool, verdict: str | None) -> Iterator[dict[str, Any]]:
    if fmt == "nli":
        for s in turn.flagged:
            if s.decision is None or (verdict and s.label != verdict) or not s.evidence:
                continue
            label = "entailment" if s.decision == "rejected" else NLI_LABELS[s.label]
            yield {"premise": s.evidence, "hypothesis": s.claim, "label": label}
        return
    if verdict and not any(s.label == verdict for s in turn.flagged):
        return
    good, bad = judge(turn, reviewed_only)
    prompt = prompt_messages(turn)
    if fmt == "sft" and good:
        yield {"messages": [*prompt, {"role": "assistant", "content": good}]}
    elif fmt == "dpo" and good and bad and good != bad:
        yield {"prompt": prompt, "chosen": [{"role": "assistant", "content": good}],
               "rejected": [{"role": "assistant", "content": bad}]}
    elif fmt == "kto":
        for text, label in ((good, True), (bad, False)):
            if text:
                yield {"prompt": prompt, "completion": [{"role": "assistant", "content": text}], "label": label}


def remove_stale_temp_files(out: Path) -> list[Path]:
    """Temp files (``atomic.temp_beside``) an export to ``out`` left when its process was killed
    (its pid is gone); removed."""
    removed = []
    for tmp in out.parent.glob(f".{out.name}.*.tmp"):
        pid = tmp.name[len(out.name) + 2:-4]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
        except PermissionError:  # alive, another user's
            continue
    return removed


def export(log: FlagLog, fmt: str, out: Path | str, *, since: float | None = None, until: float | None = None,
           verdict: str | None = None, reviewed_only: bool = True, held_out_share: float = 0.2) -> ExportReport:
    """Write ``fmt`` rows to ``out`` (atomically: a temp file renamed into place)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if verdict is not None and verdict not in NLI_LABELS:
        raise InputError(f"--verdict is unsupported or contradicted, not {verdict!r}")
    if not 0 <= held_out_share < 1:
        raise InputError(f"the held-out share must be in [0, 1), got {held_out_share}")
    if since is not None and until is not None and since >= until:
        raise InputError("the start date must be before the end date (from < until)")
    out = Path(out)
    if out.is_dir():
        raise InputError(f"{out} is a directory; give a file name")
    if not out.parent.is_dir():
        raise InputError(f"cannot write {out}: the folder {out.parent} does not exist")
    remove_stale_temp_files(out)
    counts = {"train": 0, "held_out": 0}
    turn_ids = log.turn_ids(since=since, until=until)
    with replacing(out) as f:
        for turn_id in turn_ids:
            turn = log.turn(turn_id)
            split = split_of(turn.question, held_out_share)
            for row in rows_for(turn, fmt, reviewed_only, verdict):
                f.write(json.dumps({**row, "turn_id": turn.id, "split": split}, ensure_ascii=False) + "\n")
                counts[split] += 1
    return ExportReport(fmt, out, counts["train"] + counts["held_out"], counts["train"], counts["held_out"],
                        len(turn_ids))
