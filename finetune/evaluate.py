"""Measure hallucination: answer held-out questions from the documents, check every answer.

    python -m finetune.evaluate --questions QUESTIONS.jsonl [--adapter NAME] [--k 3] [--out results.json]

``QUESTIONS.jsonl`` holds ``{"question": str, "answer": str (optional reference),
"split": "held_out" | "train" (optional)}`` per line; rows marked ``train`` are
skipped. The documents are those in the data home's index. For the base model
and, with ``--adapter``, for base + adapter, it reports:

- ``statement_flag_rate``: share of checkable statements flagged (unsupported or
  contradicted) by the configured verifier;
- ``answer_flag_rate``: share of answers with at least one flag;
- ``no_answer_rate``: share of answers that are the no-answer sentence;
- with references: ``accuracy`` (the reference appears in the answer, case and
  spacing ignored) and ``token_f1`` (SQuAD-style word overlap with the reference).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.chat.backends import chat_for
from assistant.chat.prompt import CITATION, NO_ANSWER
from assistant.checking.checker import make_checker
from assistant.turn import Turn
from core.config import load_config
from core.errors import EXIT_OK, AssistantError, InputError
from core.jsonl import read_jsonl
from core.labels import NOT_A_CLAIM
from index.documents import DocumentIndex


def normalize(text: str) -> list[str]:
    text = CITATION.sub(" ", text.lower())
    return [w for w in re.findall(r"\w+", text) if w not in ("a", "an", "the")]


def token_f1(prediction: str, reference: str) -> float:
    p, r = normalize(prediction), normalize(reference)
    common = sum((Counter(p) & Counter(r)).values())
    if not p or not r or not common:
        return 0.0
    precision, recall = common / len(p), common / len(r)
    return 2 * precision * recall / (precision + recall)


def contains(prediction: str, reference: str) -> bool:
    return " ".join(normalize(reference)) in " ".join(normalize(prediction))


@dataclass
class EvalResult:
    model: str
    questions: int
    statements: int
    statement_flag_rate: float
    answer_flag_rate: float
    no_answer_rate: float
    accuracy: float | None
    token_f1: float | None
    seconds: float
    answers: list[dict] = field(default_factory=list)


def read_questions(path: Path) -> list[dict]:
    """The held-out questions of a JSON-lines file (rows marked ``"split": "train"`` left out)."""

    def check(row) -> None:
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
            raise InputError('no "question" string')

    return [row for row in read_jsonl(path, check) if row.get("split", "held_out") != "train"]


def evaluate(chat, index, checker, questions: list[dict], k: int | None = None, log=None) -> EvalResult:
    start = time.perf_counter()
    answers, statements, flagged_statements, flagged_answers, no_answer = [], 0, 0, 0, 0
    f1s, hits = [], []
    for n, row in enumerate(questions, start=1):
        result = Turn(chat, index, row["question"], k=k, reader=getattr(checker, "reader", None)  # as the page asks
                      ).finish(checker, withhold="off")  # the model's own answers
        report = result.report
        claims = [v for v in report.verdicts if v.label != NOT_A_CLAIM]
        statements += len(claims)
        flagged_statements += len(report.flagged)
        flagged_answers += bool(report.flagged)
        no_answer += NO_ANSWER.lower().rstrip(".") in result.answer.lower()
        entry = {"question": row["question"], "answer": result.answer, "labels": [v.label for v in report.verdicts]}
        if row.get("answer"):
            f1s.append(token_f1(result.answer, row["answer"]))
            hits.append(contains(result.answer, row["answer"]))
            entry.update(reference=row["answer"], correct=hits[-1], token_f1=f1s[-1])
        answers.append(entry)
        if log:
            log(f"{n}/{len(questions)} {chat.name}: {len(report.flagged)} flag(s) of {len(claims)}")
    total = max(len(questions), 1)
    return EvalResult(chat.name, len(questions), statements, flagged_statements / max(statements, 1),
                      flagged_answers / total, no_answer / total, sum(hits) / len(hits) if hits else None,
                      sum(f1s) / len(f1s) if f1s else None, time.perf_counter() - start, answers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", required=True)
    parser.add_argument("--adapter", help="also evaluate base + this adapter")
    parser.add_argument("--base", default=None, help="base model (default: model.name from the config)")
    parser.add_argument("--k", type=int, default=None, help="passages per question (default: index.top_k)")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)

    from dataclasses import replace

    def log(message: str) -> None:
        print(f"[evaluate] {message}", file=sys.stderr, flush=True)

    try:
        config = load_config()
        questions = read_questions(Path(args.questions))
        index = DocumentIndex(config.index)
        checker = make_checker(config.checker, index)
        model_cfg = replace(config.model, name=args.base or config.model.name, adapter="")
        results = []
        for adapter in ([""] + ([args.adapter] if args.adapter else [])):
            chat = chat_for(replace(model_cfg, adapter=adapter), config.generation, log)  # fastest backend here
            results.append(evaluate(chat, index, checker, questions, args.k, log))
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    for r in results:
        acc = "" if r.accuracy is None else f", accuracy {r.accuracy:.3f}, token F1 {r.token_f1:.3f}"
        print(f"{r.model}: {r.questions} questions, {r.statements} statements; flagged statements "
              f"{r.statement_flag_rate:.3f}, answers with a flag {r.answer_flag_rate:.3f}, "
              f"no-answer {r.no_answer_rate:.3f}{acc}")
    if args.out:
        Path(args.out).write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
