"""A date written two ways is one date: gzip's NEWS heads a release "release 1.6 (2013-06-09)", and the
model wrote "The --keep (-k) option was added in gzip release 1.6, on June 9, 2013." (a session 39
trial). The names rule read "June" as a name no passage writes and withheld the right answer; the
verifier supports the sentence at 0.996 when it writes the date as the passage does.

So the verifier reads every ISO date (``2013-06-09``) of a window and of a statement spelt out
("June 9, 2013", :func:`spelled`), and the names rule counts a month an ISO date writes as written
(:func:`month_words`) and the number of a month written beside a day or a year as written
(:func:`month_numbers`: "June 9, 2013" writes 6). Other numeric forms (06/09/2013) are left alone: which
number is the month differs by country.
"""

from __future__ import annotations

import re

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
ISO_DATE = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|" \
         r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
# a month's name (with a capital) beside a day or a year: "June 9", "9 June", "June 2013"; not "may" or "March on"
_SPELT = re.compile(rf"\b{_MONTH}\s+\d{{1,4}}\b|\b\d{{1,2}}\s+{_MONTH}\b")


def spelled(text: str) -> str:
    """``text`` with each ISO date spelt out: "2013-06-09" -> "June 9, 2013"."""
    if "-" not in text:
        return text
    return ISO_DATE.sub(lambda m: f"{MONTHS[int(m.group(2)) - 1]} {int(m.group(3))}, {m.group(1)}", text)


def month_words(text: str) -> set[str]:
    """The months ``text``'s ISO dates write, as lower-case words (full and three-letter)."""
    out: set[str] = set()
    for match in ISO_DATE.finditer(text):
        month = MONTHS[int(match.group(2)) - 1].lower()
        out |= {month, month[:3]}
    return out


def month_numbers(text: str) -> set[str]:
    """The numbers of the months ``text`` spells beside a day or a year ("June 9, 2013" -> {"6"})."""
    out: set[str] = set()
    for match in _SPELT.finditer(text):
        name = (match.group(1) or match.group(2)).lower()[:3]
        out.add(str([m.lower()[:3] for m in MONTHS].index(name) + 1))
    return out
