"""A date written two ways is one date: gzip's NEWS heads a release "release 1.6 (2013-06-09)", and the
model wrote "The --keep (-k) option was added in gzip release 1.6, on June 9, 2013." (a session 39
trial). The names rule read "June" as a name no passage writes and withheld the right answer; the
verifier supports the sentence at 0.996 when it writes the date as the passage does.

So the verifier reads every ISO date (``2013-06-09``) of a window and of a statement spelt out
("June 9, 2013", :func:`spelled`), the names rule reads a statement's ISO dates spelt out too (its month
a name, its day and year numbers), and counts a month an ISO date of the passage writes as written
(:func:`month_words`). A spelt month is not read as its number: "sold 3 million copies" is not written by
"released in March 2003" (a hostile run, session 39). Other numeric forms (06/09/2013) are left alone:
which number is the month differs by country.
"""

from __future__ import annotations

import re

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
ISO_DATE = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")


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
