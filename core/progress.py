"""How long jobs (joining, converting, exporting, indexing) report what they are doing: a callable
that takes one line of text, printed on the terminal, logged, or shown on the page.

A line that ends in "..." says what is under way; any other line says a step is done (the page
counts those to move its progress bar)."""

from typing import Callable

Progress = Callable[[str], None]


def under_way(message: str) -> bool:
    """Whether ``message`` says what is under way rather than that a step is done."""
    return message.endswith("...")
