"""How a focus setting moves the model's refusals: the refusal's first-step margin (``Completion.
refusal_margin``; the answer is the refusal where it is over 0) for each question, under each setting of
``assistant/chat/focus.py``'s reader round, without decoding the answers.

    python bench/experiments/focus_margins.py [--data train|dev] [--seed 0] [--answerable 40]
        [--unanswerable 40] [--out bench/results/focus_margins.json]

The questions, paragraphs and index are ``bench/answers.py``'s (same ``--data`` and ``--seed``: the same
questions), the model its default (``qwen:onnx:w8a8``) at 150 passage words with the reader's answers
shown first. Each setting is (``READ_ANSWERS``, ``ANSWER_STEPS``): ``all/none`` is session 32's focus (the
reader's answers in every passage, no context before the other rounds). Reported per setting: the share of
unanswerable questions refused at the first token (higher is better), of answerable ones refused (lower),
and of answerable ones whose gold answer is in what the model reads. A first-token refusal is the
model's part of a refusal only: ``bench/answers.py`` adds the checker's withholding and the answers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.answers import load_rows, normalize  # noqa: E402
from bench.common import RESULTS, write_result  # noqa: E402
from finetune.grounded import build_index  # noqa: E402

SETTINGS = {"all/none": (99, ()), "2/after,before": (2, (1, -1)), "1/after,before": (1, (1, -1)),
            "2/none": (2, ()), "all/after,before": (99, (1, -1))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="train", choices=["train", "dev"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--answerable", type=int, default=40)
    parser.add_argument("--unanswerable", type=int, default=40)
    parser.add_argument("--out", default=str(RESULTS / "focus_margins.json"))
    args = parser.parse_args()
    from assistant.chat import focus
    from assistant.chat.backends import chat_for
    from assistant.checking.checker import make_reader
    from assistant.turn import Turn
    from core.config import CheckerConfig, GenerationConfig, ModelConfig

    paragraphs, rows, _ = load_rows(args.seed, args.answerable, args.unanswerable, 0, args.data)
    index = build_index(paragraphs)
    reader = make_reader(CheckerConfig())
    chat = chat_for(ModelConfig(name="qwen", backend="onnx", quantize="w8a8"), GenerationConfig(max_new_tokens=1))
    first = GenerationConfig(max_new_tokens=1)
    result: dict = {"data": args.data, "seed": args.seed, "questions": len(rows), "settings": {}}
    began = time.perf_counter()
    for name, (read, steps) in SETTINGS.items():
        focus.READ_ANSWERS, focus.ANSWER_STEPS = read, steps
        refused = {True: 0, False: 0}
        shown = 0
        for row in rows:
            answerable = row["id"].endswith("-supported")
            turn = Turn(chat, index, row["question"], words=150, reader=reader, generation=first)
            for _ in turn:
                pass
            refused[answerable] += turn.completion.refusal_margin > 0
            shown += answerable and normalize(row["claim"]) in normalize(turn.messages[-1]["content"])
        result["settings"][name] = {"unanswerable_refused": round(refused[False] / args.unanswerable, 3),
                                    "answerable_refused": round(refused[True] / args.answerable, 3),
                                    "gold_shown": round(shown / args.answerable, 3)}
        print(name, result["settings"][name], flush=True)
    result["seconds"] = round(time.perf_counter() - began, 1)
    write_result(Path(args.out), result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
