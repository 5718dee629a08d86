"""The page with a fast fake model, for the load test to run in a process of its own.

    python -m tests.load_app PORT      # data home from ASSISTANT_HOME; prints "ready" once serving

Real index, embedder, shipped verifier and flag log, kept where the settings say (``storage.url``,
``storage.uploads``: the replica tests run two of these on one PostgreSQL database); the model is
:class:`QuickChat`, which answers from the first passage it is given, so the load test measures
the app, not the model. ``QUICK_CHAT_ADDS`` is a sentence it adds to every answer (one the
documents do not support, for a flag).
"""

from __future__ import annotations

import os
import sys
import time
from types import SimpleNamespace

from core.config import GenerationConfig


class QuickChat:
    """Answers with the first sentence of the first passage it was given, streamed in pieces."""

    name, generation, loaded = "quick", GenerationConfig(), SimpleNamespace(device="cpu")

    def stream(self, messages, generation=None, stop=None, refusal=None):
        user = messages[-1]["content"]
        passage = user.split("[1] ", 1)[1].split("\n")[0] if "[1] " in user else "I don't know."
        answer = passage.split(") ", 1)[-1].split(". ")[0] + ". [1]"
        if os.environ.get("QUICK_CHAT_ADDS"):
            answer += " " + os.environ["QUICK_CHAT_ADDS"]
        for word in answer.split(" "):
            time.sleep(0.002)
            yield word + " "

    def with_generation(self, **changes):
        return GenerationConfig(**changes)


def main(argv: list[str]) -> int:
    from app import serve
    from assistant.checking.checker import make_checker
    from assistant.flags.log import open_log
    from assistant.ui.page import build_demo
    from core.config import CheckerConfig, load_config
    from index.documents import open_index

    from core.device import cap_malloc_arenas

    cap_malloc_arenas()  # as app.main does, before the loads
    config = load_config({"index.batch_size": 8}, file=False)
    index = open_index(config)
    demo = build_demo(QuickChat(), index, make_checker(CheckerConfig(), index), open_log(config.storage), CheckerConfig())
    serve(demo, "127.0.0.1", int(argv[0]), prevent_thread_lock=True, quiet=True)
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
