"""What the app accepts from outside, checked once for every surface: a text field, a question,
a claim to check. The API (``assistant/serve.py``), the page (``assistant/ui/chat.py``) and the
CLI (``assistant check --input``) call these and say the problem their own way (a 400/413, a
message on the page, a line of the report); the budgets are ``core/limits.py``'s.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from core.errors import InputError, TooLarge
from core.limits import LIMITS, Limits


def text_field(value: Any, name: str) -> str:
    """``value`` if it is a string that can be written out (UTF-8); else an InputError naming ``name``."""
    if not isinstance(value, str):
        raise InputError(f"{name} must be a string, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InputError(f"{name} holds a lone surrogate ({value[err.start]!r} at {err.start}), which is not "
                         "text; send UTF-8") from None
    return value


def listed(value: Any, name: str, most: int, setting: str, shape: str = "") -> list:
    """A request's list field: a non-empty list of at most ``most`` entries (``setting`` names that budget)."""
    if not isinstance(value, list) or not value:
        raise InputError(f"{name} must be a non-empty list{shape}")
    if len(value) > most:
        raise TooLarge(f"{name} holds {len(value):,} {name}; at most {most:,} are read (setting {setting})")
    return value


def question(value: Any, limits: Limits = LIMITS, name: str = "the question") -> str:
    """A question as typed: text, and no longer than ``limits.question_chars``."""
    text_field(value, name)
    if len(value) > limits.question_chars:
        raise TooLarge(f"{name} is {len(value):,} characters; the limit is {limits.question_chars:,} "
                       "(setting requests.max_question_chars)")
    return value


def claim_item(item: Any, limits: Limits = LIMITS, name: str = "the item") -> dict[str, Any]:
    """One ``{"id", "claim", "evidence"?, "question"?}`` item to check, as given; else an
    InputError (TooLarge for one over its budget) whose message starts with ``name``."""
    if not isinstance(item, dict):
        raise InputError(f"{name} is not a JSON object")
    if not isinstance(item.get("id"), (str, int)) or isinstance(item.get("id"), bool):
        raise InputError(f'{name} has no "id" (a string or number)')
    if isinstance(item["id"], str):
        text_field(item["id"], f"{name}.id")
    if not isinstance(item.get("claim"), str) or not item["claim"].strip():
        raise InputError(f'{name} has no non-empty "claim" (a string)')
    text_field(item["claim"], f"{name}.claim")
    for key in ("evidence", "question"):
        if item.get(key) is not None:
            text_field(item[key], f"{name}.{key}")
    if len(item["claim"]) > limits.claim_chars:
        raise TooLarge(f'{name}.claim is {len(item["claim"]):,} characters; a claim is one statement (at most '
                       f"{limits.claim_chars:,}, setting requests.max_claim_chars)")
    if len(item.get("evidence") or "") > limits.evidence_chars:
        raise TooLarge(f"{name}.evidence is {len(item['evidence']):,} characters; the limit is "
                       f"{limits.evidence_chars:,} (setting requests.max_evidence_chars)")
    if item.get("question") is not None:
        question(item["question"], limits, f"{name}.question")
    return item


def when(value: Any, option: str) -> float | None:
    """A date as a Unix time: ``YYYY-MM-DD`` or an ISO date-time (UTC unless it says otherwise) from the
    command line or the page, a datetime or date, or a Unix time; None for none."""
    import math

    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value < 0:
            raise InputError(f"{option} must be a date like 2026-11-29, got {value!r}")
        return float(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc).timestamp()
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} must be a date like 2026-11-29 or 2026-11-29T14:30, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
