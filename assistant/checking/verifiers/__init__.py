"""Verifier backends: (evidence, statement) pairs in, label probabilities out.

Every backend returns an array of shape ``[n, 3]`` with the probabilities of
``core.labels.LABELS`` (supported, unsupported, contradicted) per pair, rows summing to 1.
``make_verifier(name)`` builds one by name, importing its dependencies only then.
"""

from __future__ import annotations

from assistant.checking.verifiers.base import Verifier

BACKENDS = {
    # the default: the English model with the Chinese one; model=<dir> / chinese=<dir> for retrained ones
    "trained": "assistant.checking.verifiers.bilingual:trained_verifier",
    "nli": "assistant.checking.verifiers.nli:NLIVerifier",  # needs model=<HF id or path>
    "llm": "assistant.checking.verifiers.llm:LLMVerifier",  # needs chat=<a loaded ChatModel>
    "overlap": "assistant.checking.verifiers.overlap:OverlapVerifier",
}


def make_verifier(name: str, **options) -> Verifier:
    """The backend called ``name``; an unknown name is a ``ValueError`` listing the known ones."""
    import importlib

    if name not in BACKENDS:
        raise ValueError(f"unknown verifier {name!r}; choose one of: {', '.join(sorted(BACKENDS))}")
    module, _, cls = BACKENDS[name].partition(":")
    return getattr(importlib.import_module(module), cls)(**options)


__all__ = ["Verifier", "make_verifier", "BACKENDS"]
