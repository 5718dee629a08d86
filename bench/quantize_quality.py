"""Do int4, int8 or ONNX change the answers? The hallucination measurement for each variant; writes JSON.

    python bench/quantize_quality.py [--orgs 24] [--questions 60]
                                     [--variants none,int4_decode,onnx:none,onnx:int8,onnx:int4_mlp]
                                     [--out bench/results/quantize_quality.json]

The collection of ``finetune.demo`` (short profiles of fictional companies, so the model
cannot answer from pretraining, with reference answers) is indexed in a temp data home;
the same questions are answered by the packaged model once per variant (``onnx:int8``:
``model.backend = onnx`` with ``model.quantize = int8``) and measured as
``finetune.evaluate`` measures an adapter: share of statements the checker flags, share
of answers with a flag, no-answer share, reference accuracy and token F1. The reference
is the first variant (fp32, ``none``), measured in the same run; also reported is how
many answers came out word for word the same as the reference's, and each variant's time
for the whole measurement against the reference's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, write_result  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=24)
    parser.add_argument("--questions", type=int, default=60, help="how many of the collection's questions (0: all)")
    parser.add_argument("--variants", default="none,int4_decode,onnx:none,onnx:int8,onnx:int4_mlp",
                        help="model.quantize values; BACKEND:QUANTIZE for another model.backend")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(RESULTS / "quantize_quality.json"))
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-quantize-"))
    os.environ["ASSISTANT_HOME"] = str(folder / "home")

    from assistant.chat.backends import chat_for
    from assistant.checking.checker import make_checker
    from core.config import load_config
    from finetune.demo import make_corpus
    from finetune.evaluate import evaluate
    from index.documents import DocumentIndex

    config = load_config(file=False)
    docs, questions = make_corpus(args.orgs, args.seed)
    (folder / "docs").mkdir()
    for name, text in docs:
        (folder / "docs" / name).write_text(text, encoding="utf-8")
    index = DocumentIndex(config.index)
    index.add(sorted((folder / "docs").glob("*.md")))
    if args.questions:
        questions = questions[:args.questions]
    checker = make_checker(config.checker, index)
    variants: dict = {}
    answers: dict = {}
    for variant in [v for v in args.variants.split(",") if v]:
        backend, _, quantize = variant.rpartition(":")  # "onnx:int8": model.backend = onnx, model.quantize = int8
        chat = chat_for(replace(config.model, backend=backend or "transformers", quantize=quantize),
                        config.generation, progress=lambda s: None)
        result = evaluate(chat, index, checker, questions)
        answers[variant] = [a["answer"] for a in result.answers]
        variants[variant] = {k: v for k, v in asdict(result).items() if k != "answers"}
        print(f"{variant:12s} flagged statements {result.statement_flag_rate:.3f}, answers with a flag "
              f"{result.answer_flag_rate:.3f}, accuracy {result.accuracy:.3f}, token F1 {result.token_f1:.3f}, "
              f"{result.seconds:.0f} s", file=sys.stderr, flush=True)
        del chat
    reference = next(iter(answers))
    for variant, said in answers.items():
        same = sum(a == b for a, b in zip(said, answers[reference]))
        variants[variant]["answers_same_as_reference"] = same
        variants[variant]["seconds_ratio_to_reference"] = variants[variant]["seconds"] / variants[reference]["seconds"]
    write_result(args.out, {"reference": reference, "documents": len(docs), "questions": len(questions),
                            "verifier": checker.verifier.name, "variants": variants})
    return 0


if __name__ == "__main__":
    sys.exit(main())
