"""A chat model asked to judge: "does the evidence support the statement?".

The model is shown the evidence and the statement and asked to answer with one
word: ``supported``, ``unsupported`` or ``contradicted``. Its answer is read
strictly, from the probabilities it gives the first token of each of those three
words at the start of its reply (renormalised over the three): it cannot answer
anything else, and nothing free-form is parsed. Works with any loaded
``ChatModel`` (the packaged SmolLM2 by default; a bigger model judges better).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from assistant.checking.verifiers.base import Pair
from core.errors import ConfigError
from core.labels import CONTRADICTED, SUPPORTED, UNSUPPORTED

JUDGE_SYSTEM = ("You check statements against evidence. Reply with exactly one word: supported (the evidence "
                "says it), contradicted (the evidence says otherwise) or unsupported (the evidence does not say).")
ANSWERS = (SUPPORTED, UNSUPPORTED, CONTRADICTED)


def judge_messages(evidence: str, statement: str) -> list[dict]:
    return [{"role": "system", "content": JUDGE_SYSTEM},
            {"role": "user", "content": f"Evidence:\n{evidence}\n\nStatement: {statement}\n\n"
                                        "Is the statement supported, unsupported or contradicted by the evidence?"}]


def answer_tokens(tokenizer) -> list[int]:
    """The first token id of each answer word; they must differ, or the answers cannot be told apart."""
    ids = []
    for word in ANSWERS:
        options = {tokenizer.encode(form, add_special_tokens=False)[0] for form in (word, word.capitalize())}
        ids.append(sorted(options))
    flat = [i for group in ids for i in group]
    if len(set(flat)) != len(flat):
        raise ValueError("the judge model's tokenizer gives the answer words the same first token")
    return ids


class LLMVerifier:
    name = "llm"

    def __init__(self, chat, window_words: int = 300):
        self.chat = chat
        self.version = chat.name
        self.window_words = window_words  # a small model reads long evidence badly; keep windows short
        if not hasattr(chat.loaded, "model"):

            raise ConfigError("the llm verifier reads the dialogue model's token probabilities, so it needs a model "
                              "loaded here (model.backend = transformers), not one behind a server or exported to ONNX")
        self.tokens = answer_tokens(chat.loaded.tokenizer)

    def predict(self, pairs: Sequence[Pair], batch_size: int = 1) -> np.ndarray:
        import torch

        model = self.chat.loaded.model
        out = np.zeros((len(pairs), 3))
        with torch.inference_mode():
            for n, (evidence, statement) in enumerate(pairs):
                ids, _ = self.chat.encode(judge_messages(evidence, statement), max_new_tokens=1)
                logits = model(input_ids=ids).logits[0, -1].float()
                probs = torch.softmax(logits, dim=-1)
                mass = np.array([float(probs[group].sum()) for group in self.tokens])
                out[n] = mass / mass.sum() if mass.sum() > 0 else np.array([0.0, 1.0, 0.0])
        return out
