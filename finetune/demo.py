"""The whole loop on CPU, one command: documents, questions, answers, flags, review, export, LoRA, evaluation.

    python -m finetune.demo --out runs/demo [--orgs 24] [--epochs 3] [--held-out 0.3] [--model smollm2]

On ``--model`` (SmolLM2-135M by default, small enough for a CPU; ``--model default`` is the
default dialogue model, whose LoRA training wants a GPU) it indexes short profiles of
**fictional** organisations (so pretraining cannot know the answers) in ``OUT/home``, asks five
questions about each (split into train / held-out by the export's hash), answers and checks
the training ones, and **reviews them from the references**: a flagged statement containing the
reference answer is *rejected*, any other *confirmed*, and an answer lacking the reference is
corrected to the profile's sentence with its citation (or the no-answer sentence when no
retrieved passage holds it). Then it exports SFT, DPO, KTO and NLI files, trains a LoRA adapter
(SFT) on them, and evaluates base and adapter on the held-out questions
(``finetune/evaluate.py``), writing ``OUT/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

from assistant.chat.backends import chat_for
from assistant.chat.prompt import NO_ANSWER
from assistant.checking.checker import Evidence, make_checker
from assistant.flags.export import export, split_of
from assistant.flags.log import FlagLog
from assistant.turn import Turn
from core.config import load_config
from core.errors import EXIT_OK
from finetune.evaluate import contains, evaluate
from finetune.train import train
from index.documents import DocumentIndex

FIRST = ["Varn", "Kel", "Ostra", "Brim", "Tal", "Quen", "Mor", "Essel", "Dun", "Rav", "Lio", "Sab", "Tor", "Ula",
         "Fen", "Grav", "Hol", "Iver", "Jas", "Kor", "Lum", "Nor", "Pell", "Wex"]
SECOND = ["holt", "mark", "vane", "stead", "wick", "dal", "brook", "ford", "ton", "mere", "gate", "by"]
KIND = [("Instruments", "precision thermometers"), ("Foods", "frozen dumplings"), ("Robotics", "warehouse robots"),
        ("Textiles", "wool blankets"), ("Optics", "telescope lenses"), ("Pharma", "allergy tablets"),
        ("Audio", "studio headphones"), ("Marine", "electric boat motors"), ("Games", "board games"),
        ("Energy", "solar roof tiles"), ("Bikes", "cargo bicycles"), ("Paper", "recycled notebooks")]
CITIES = ["Bergen", "Tampere", "Lyon", "Porto", "Graz", "Utrecht", "Aarhus", "Gdansk", "Bilbao", "Turin", "Leeds",
          "Brno", "Cork", "Malmo", "Ghent", "Split"]
PEOPLE = ["Ingrid Solberg", "Tomas Reyes", "Aiko Tanaka", "Lena Fischer", "Omar Haddad", "Clara Dubois",
          "Mikko Laine", "Sofia Rossi", "Jonas Berg", "Priya Nair", "Marek Novak", "Ana Pereira"]
FILLER = ["The company publishes an annual report each spring.", "Its products are sold in more than ten countries.",
          "Staff can work from home two days a week.", "The firm sponsors a local football club.",
          "Its website lists open positions and a press contact."]


def make_corpus(n: int, seed: int) -> tuple[list[tuple[str, str]], list[dict]]:
    """(documents as (file name, text), questions with reference answers)."""
    rng = random.Random(seed)
    names = rng.sample([a + b for a in FIRST for b in SECOND], n)
    docs, questions = [], []
    for name in names:
        kind, product = rng.choice(KIND)
        org = f"{name} {kind}"
        city, founder, ceo = rng.choice(CITIES), rng.choice(PEOPLE), rng.choice(PEOPLE)
        year, staff = rng.randint(1950, 2019), rng.choice([35, 80, 120, 240, 410, 650, 900, 1300, 2100])
        facts = {
            "founded": (f"{org} was founded in {year} by {founder}.", f"When was {org} founded?", str(year)),
            "city": (f"Its head office is in {city}.", f"Where is the head office of {org}?", city),
            "staff": (f"{org} employs {staff} people.", f"How many people does {org} employ?", str(staff)),
            "product": (f"The company is best known for its {product}.", f"What is {org} best known for?", product),
            "ceo": (f"The current chief executive is {ceo}.", f"Who is the chief executive of {org}?", ceo),
        }
        sentences = [f[0] for f in facts.values()] + rng.sample(FILLER, 2)
        text = f"# {org}\n\n" + " ".join(sentences) + "\n"
        docs.append((f"{name.lower()}.md", text))
        for key, (sentence, question, reference) in facts.items():
            questions.append({"question": question, "answer": reference, "evidence_sentence": sentence,
                              "org": org, "fact": key})
    return docs, questions


def auto_review(log, turn_id: str, row: dict, passages) -> None:
    """Review one turn from its reference (see the module docstring)."""

    turn = log.turn(turn_id)
    for s in turn.flagged:
        log.review(s.id, "rejected" if contains(s.text, row["answer"]) else "confirmed", reviewer="auto:reference")
    if not contains(turn.answer, row["answer"]):
        number = next((n for n, p in enumerate(passages, start=1) if row["evidence_sentence"] in p.text), None)
        fix = f"{row['evidence_sentence'].rstrip('.')} [{number}]." if number else NO_ANSWER
        log.correct(turn_id, fix, origin="person", reviewer="auto:reference")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--orgs", type=int, default=24)
    parser.add_argument("--held-out", type=float, default=0.3)
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model", default="smollm2", help="the dialogue model the loop answers with and trains "
                        "(model.name; the adapter is trained on it)")
    args = parser.parse_args(argv)

    out = Path(args.out).resolve()
    (out / "docs").mkdir(parents=True, exist_ok=True)
    os.environ["ASSISTANT_HOME"] = str(out / "home")

    from dataclasses import asdict, replace

    def log(message: str) -> None:
        print(f"[demo] {message}", file=sys.stderr, flush=True)

    start = time.perf_counter()
    config = load_config({"model.name": args.model}, file=False)
    docs, questions = make_corpus(args.orgs, args.seed)
    for name, text in docs:
        (out / "docs" / name).write_text(text, encoding="utf-8")
    index = DocumentIndex(config.index)
    index.add(sorted((out / "docs").glob("*.md")))
    for q in questions:
        q["split"] = split_of(q["question"], args.held_out)
    (out / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
    train_q = [q for q in questions if q["split"] == "train"]
    held_q = [q for q in questions if q["split"] == "held_out"]
    log(f"{len(docs)} documents, {len(train_q)} training and {len(held_q)} held-out questions")

    chat = chat_for(config.model, config.generation, log)  # the fastest backend here (auto)
    checker = make_checker(config.checker, index)
    flags = FlagLog()
    for n, row in enumerate(train_q, start=1):
        result = Turn(chat, index, row["question"], reader=checker.reader).finish(
            checker, flags, "demo", withhold="off", logged_generation=asdict(config.generation))
        report = result.report
        auto_review(flags, result.turn_id, row, [Evidence.from_hit(h) for h in result.hits])
        log(f"collect {n}/{len(train_q)}: {len(report.flagged)} flag(s)")
    exports = {fmt: export(flags, fmt, out / f"{fmt}.jsonl", held_out_share=0.0) for fmt in ("sft", "dpo", "kto", "nli")}
    trained = train("sft", out / "sft.jsonl", "demo-sft", base=config.model.name, epochs=args.epochs, batch_size=4,
                    log=log)
    results = []
    for adapter in ("", str(trained.path)):
        model = chat_for(replace(config.model, adapter=adapter), config.generation, log)
        results.append(evaluate(model, index, checker, held_q, log=log))
    summary = {
        "documents": len(docs), "train_questions": len(train_q), "held_out_questions": len(held_q),
        "log": flags.counts(), "exports": {k: v.rows for k, v in exports.items()},
        "adapter": {"steps": trained.steps, "seconds": trained.seconds, "first_loss": trained.first_loss,
                    "last_loss": trained.last_loss},
        "verifier": checker.verifier.name, "verifier_version": checker.verifier.version,
        "base": {k: v for k, v in asdict(results[0]).items() if k != "answers"},
        "adapted": {k: v for k, v in asdict(results[1]).items() if k != "answers"},
        "seconds": time.perf_counter() - start,
    }
    (out / "results.json").write_text(json.dumps(summary, indent=2) + "\n")
    (out / "answers.json").write_text(json.dumps([asdict(r)["answers"] for r in results], indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
