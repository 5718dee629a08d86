"""The verdict labels: what the checker says of a statement, the same strings everywhere (verifiers,
checker, flag log, exports, page)."""

from typing import Literal

SUPPORTED = "supported"
UNSUPPORTED = "unsupported"
CONTRADICTED = "contradicted"
NOT_A_CLAIM = "not_a_claim"  # a statement that asserts nothing checkable ("Here is what I found:")

LABELS = (SUPPORTED, UNSUPPORTED, CONTRADICTED)  # a verifier's three classes, in its output's column order
VERDICTS = (*LABELS, NOT_A_CLAIM)  # what a statement can be labelled
FLAG_LABELS = (UNSUPPORTED, CONTRADICTED)  # the labels that flag a statement for review
Label = Literal["supported", "unsupported", "contradicted", "not_a_claim"]  # VERDICTS, for type checkers
