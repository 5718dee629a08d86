"""How long jobs (joining, converting, exporting, indexing) report what they are doing: a callable
that takes one line of text, printed on the terminal, logged, or shown on the page."""

from typing import Callable

Progress = Callable[[str], None]
