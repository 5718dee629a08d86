"""Train the checker's reader: an extractive question-answering head on the verifier's encoder.

    python -m finetune.reader [--qa ../shared/data/nli/squad2_qa_train.jsonl]
                              [--init assistant/checking/verifiers/minilm-nli]
                              [--out DIR] [--epochs 1] [--batch-size 16] [--lr 5e-5] [--max-length 256]
                              [--unanswerable 5000] [--other-paragraph 3000] [--held-out 0.05] [--max-minutes M]

The verifier reads one window at a time and whether it says the answer; it barely weighs whether
what it says answers the question. A reader reads the question and the whole passage and scores
every span of it as the answer (start and end logits, and "no answer" on the first token), so an
answer taken from elsewhere in the passage, or given to a question the passage cannot answer,
scores below the reader's own answer (``assistant/checking/reader.py`` reads it that way).

Training rows, from ``squad2_qa_train.jsonl`` (SQuAD train articles; CC BY-SA 4.0): every
*supported* row (its answer located in its paragraph), SQuAD 2.0's *plausible* rows as
unanswerable, and two kinds of unanswerable question made here: a supported row's question with
one fact changed (``verifier_data.contradict``: a name, number, year or negation, as SQuAD 2.0's
writers changed questions), and a question put to another paragraph of its own article. The
articles named by ``--held-out`` (a seeded share) are kept out of training and scored after it
(exact match, F1, no-answer accuracy) into ``training.json``. Saves fp16 weights and the tokenizer.
Uses a GPU when there is one (``--device``); on 2 CPU cores an epoch takes about 55 minutes. Then
``python -m finetune.calibrate_reader --model DIR`` and ``checker.reader = DIR``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from core.device import PRECISIONS
from core.errors import EXIT_INPUT, EXIT_OK, AssistantError
from core.home import data_home

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_INIT = ROOT / "assistant" / "checking" / "verifiers" / "minilm-nli"
HELD_OUT_SEED = 13  # the held-out articles stay the same whatever --seed says, so a continued run never trains on them


@dataclass
class Example:
    question: str
    context: str
    start: int  # the answer's characters in ``context``; -1 when the context does not answer
    end: int
    origin: str


def article_of(row_id: str) -> str:
    """The article a ``squad2_qa_train.jsonl`` id names: ``squad1.1-train-<title>-<paragraph>-<question>``
    (``squad2-train-<id>`` rows come from the split's first ten articles: one group)."""
    if row_id.startswith("squad1.1-train-"):
        return row_id[len("squad1.1-train-"):].rsplit("-", 2)[0]
    return "squad2-train"


def examples(rows: list[dict], rng: random.Random, unanswerable: int, other_paragraph: int) -> list[Example]:
    """Reader examples from QA rows (see the module's docstring)."""
    from finetune.verifier_data import _NAME, _NOT_NAMES, contradict

    out: list[Example] = []
    answered: list[Example] = []
    paragraphs: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        premise, answer, question = row["premise"].strip(), row["hypothesis"].strip(), row["question"].strip()
        paragraphs[article_of(row["id"])].add(premise)
        if row.get("kind") == "supported" and (at := premise.find(answer)) >= 0:
            answered.append(Example(question, premise, at, at + len(answer), "answered"))
        elif row.get("kind") == "plausible":
            out.append(Example(question, premise, -1, -1, "plausible"))
    out += answered
    names = sorted({m.group() for r in rows for m in _NAME.finditer(r["question"])} - _NOT_NAMES)
    for ex in rng.sample(answered, min(unanswerable, len(answered))):
        changed = contradict(ex.question, names, rng)
        if changed:
            out.append(Example(changed, ex.context, -1, -1, "changed-question"))
    by_context = {row["premise"].strip(): article_of(row["id"]) for row in rows}
    for ex in rng.sample(answered, min(other_paragraph, len(answered))):
        others = sorted(paragraphs[by_context[ex.context]] - {ex.context})
        if others:
            out.append(Example(ex.question, rng.choice(others), -1, -1, "other-paragraph"))
    rng.shuffle(out)
    return out


def features(tokenizer, batch: list[Example], max_length: int, stride: int, train: bool):
    """Tokenized (question, context) pairs, long contexts in overlapping pieces; with the start
    and end token of each piece's answer (0, the first token, where the piece does not hold it).
    Training keeps, per example, the piece holding its answer (or the first piece when none does)."""
    enc = tokenizer([ex.question for ex in batch], [ex.context for ex in batch], truncation="only_second",
                    max_length=max_length, stride=stride, return_overflowing_tokens=True,
                    return_offsets_mapping=True, padding="longest", return_tensors="pt")
    owner = enc["overflow_to_sample_mapping"].tolist()
    starts, ends, keep, seen = [], [], [], set()
    for f, n in enumerate(owner):
        ex, seq = batch[n], enc.sequence_ids(f)
        offsets = enc["offset_mapping"][f].tolist()
        ctx = [i for i, s in enumerate(seq) if s == 1]
        s = e = 0
        if ex.start >= 0 and ctx and offsets[ctx[0]][0] <= ex.start and offsets[ctx[-1]][1] >= ex.end:
            s = next(i for i in ctx if offsets[i][1] > ex.start)
            e = next(i for i in reversed(ctx) if offsets[i][0] < ex.end)
        starts.append(s)
        ends.append(e)
        if not train or n in seen:
            keep.append(not train)
            continue
        holds = s > 0 or ex.start < 0
        last = f + 1 == len(owner) or owner[f + 1] != n
        keep.append(holds or last)
        if holds or last:
            seen.add(n)
    return enc, owner, starts, ends, keep


def _norm(text: str) -> list[str]:
    text = re.sub(r"\b(a|an|the)\b", " ", re.sub(r"[^\w\s]", " ", text.lower()))
    return text.split()


def f1(pred: str, gold: str) -> float:
    p, g = _norm(pred), _norm(gold)
    if not p or not g:
        return float(p == g)
    common = sum((Counter(p) & Counter(g)).values())
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def score(model, tokenizer, held: list[Example], max_length: int, stride: int, batch_size: int = 32) -> dict:
    """Exact match and F1 of the best span on answerable examples, and how often the no-answer score
    beats every span on unanswerable ones (and on answerable ones)."""
    import torch

    from assistant.checking.reader import best_span

    model.eval()
    ems, f1s, null_right, null_wrong = [], [], [], []
    with torch.inference_mode():
        for b in range(0, len(held), batch_size):
            batch = held[b:b + batch_size]
            enc, owner, *_ = features(tokenizer, batch, max_length, stride, train=False)
            out = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                        **({"token_type_ids": enc["token_type_ids"]} if "token_type_ids" in enc else {}))
            best: dict[int, tuple[float, str]] = {}
            null: dict[int, float] = {}
            for f, n in enumerate(owner):
                ctx = [i for i, s in enumerate(enc.sequence_ids(f)) if s == 1]
                if not ctx:
                    continue
                sc, i, j = best_span(out.start_logits[f], out.end_logits[f], ctx)
                offsets = enc["offset_mapping"][f].tolist()
                text = batch[n].context[offsets[i][0]:offsets[j][1]]
                if n not in best or sc > best[n][0]:
                    best[n] = (sc, text)
                nl = float(out.start_logits[f][0] + out.end_logits[f][0])
                null[n] = min(null.get(n, nl), nl)
            for n, ex in enumerate(batch):
                if n not in best:
                    continue
                says_none = null[n] > best[n][0]
                if ex.start >= 0:
                    gold = ex.context[ex.start:ex.end]
                    ems.append(float(_norm(best[n][1]) == _norm(gold)))
                    f1s.append(f1(best[n][1], gold))
                    null_wrong.append(float(says_none))
                else:
                    null_right.append(float(says_none))
    mean = lambda xs: round(sum(xs) / len(xs), 4) if xs else None  # noqa: E731
    return {"answerable": len(ems), "exact_match": mean(ems), "f1": mean(f1s),
            "answerable_said_none": mean(null_wrong), "unanswerable": len(null_right),
            "unanswerable_said_none": mean(null_right)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qa", default=str(ROOT.parent / "shared" / "data" / "nli" / "squad2_qa_train.jsonl"))
    parser.add_argument("--init", default=str(SHIPPED_INIT), help="the encoder to start from (a model folder or id)")
    parser.add_argument("--out", default=None, help="folder to write (default <data home>/verifiers/minilm-reader)")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--stride", type=int, default=64)
    parser.add_argument("--unanswerable", type=int, default=5_000, help="questions with one fact changed")
    parser.add_argument("--other-paragraph", type=int, default=3_000, help="questions put to another paragraph")
    parser.add_argument("--held-out", type=float, default=0.05, help="share of articles scored, not trained on")
    parser.add_argument("--eval-examples", type=int, default=1500)
    parser.add_argument("--max-minutes", type=float, default=0.0, help="stop training after this many minutes")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--device", default="auto", help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N")
    parser.add_argument("--precision", choices=PRECISIONS, default="auto",
                        help="what the forward passes compute in while training (the weights stay float32): auto "
                             "(bfloat16 on a CPU with native bfloat16, as finetune.verifier), float32 (as the "
                             "shipped reader was trained), or bfloat16")
    args = parser.parse_args(argv)

    from finetune.verifier_data import read_jsonl

    try:
        rows = read_jsonl(Path(args.qa))
    except (OSError, ValueError) as err:
        print(f"error: cannot read {args.qa}: {err}", file=sys.stderr)
        return EXIT_INPUT
    out = Path(args.out) if args.out else data_home() / "verifiers" / "minilm-reader"

    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from core.device import choose_device, encoder_autocast, resolved_precision

    try:
        device = choose_device(args.device)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    articles = sorted({article_of(r["id"]) for r in rows})
    held_articles = set(random.Random(HELD_OUT_SEED).sample(articles, max(1, int(len(articles) * args.held_out))))
    train_rows = [r for r in rows if article_of(r["id"]) not in held_articles]
    held_rows = [r for r in rows if article_of(r["id"]) in held_articles]
    train = examples(train_rows, rng, args.unanswerable, args.other_paragraph)
    held = examples(held_rows, random.Random(HELD_OUT_SEED), args.unanswerable // 10, args.other_paragraph // 10)
    held = random.Random(HELD_OUT_SEED).sample(held, min(len(held), args.eval_examples))
    tokenizer = AutoTokenizer.from_pretrained(args.init)
    model = AutoModelForQuestionAnswering.from_pretrained(
        args.init, dtype=torch.float32, num_labels=2, id2label={0: "start", 1: "end"}, label2id={"start": 0, "end": 1})
    model.to(device)
    steps = max(1, int(math.ceil(len(train) / args.batch_size) * args.epochs))
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warm = max(1, int(0.05 * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    print(f"training on {len(train)} examples ({dict(Counter(e.origin for e in train))}), {steps} steps of "
          f"{args.batch_size}; {len(held)} held out from {len(held_articles)} articles", file=sys.stderr, flush=True)
    order = sorted(range(len(train)), key=lambda i: len(train[i].context) + len(train[i].question))
    groups = [order[i:i + args.batch_size] for i in range(0, len(order), args.batch_size)]
    step, start, losses, stopped = 0, time.perf_counter(), [], None
    model.train()
    while step < steps and stopped is None:
        rng.shuffle(groups)
        for group in groups:
            batch = [train[i] for i in group]
            enc, _, starts, ends, keep = features(tokenizer, batch, args.max_length, args.stride, train=True)
            pick = torch.tensor(keep)
            inputs = {k: enc[k][pick].to(device) for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc}
            with encoder_autocast(args.precision, device):
                result = model(**inputs, start_positions=torch.tensor(starts)[pick].to(device),
                               end_positions=torch.tensor(ends)[pick].to(device))
            result.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(result.loss.item())
            step += 1
            elapsed = time.perf_counter() - start
            if step % 50 == 0 or step == steps:
                print(f"step {step}/{steps}  loss {sum(losses[-50:]) / len(losses[-50:]):.4f}  {elapsed:.0f} s",
                      file=sys.stderr, flush=True)
            if args.max_minutes and elapsed > args.max_minutes * 60:
                stopped = step
                break
            if step >= steps:
                break
    train_seconds = time.perf_counter() - start
    model.cpu()
    scores = score(model, tokenizer, held, args.max_length, args.stride)
    print(f"held out: {json.dumps(scores)}", file=sys.stderr, flush=True)
    init = Path(args.init).resolve()
    shown = str(init.relative_to(ROOT)) if init.is_relative_to(ROOT) else args.init
    record = {"continued_from": shown, "device": str(device), "precision": resolved_precision(args.precision, device),
              "train_examples": len(train),
              "train_origins": dict(Counter(e.origin for e in train)), "held_out_articles": len(held_articles),
              "steps": step, "planned_steps": steps, "stopped_by_time": stopped is not None,
              "examples_seen": min(step * args.batch_size, len(train) * math.ceil(args.epochs)),
              "train_seconds": round(train_seconds, 1), "first_loss": losses[0],
              "last_loss_50": sum(losses[-50:]) / len(losses[-50:]), "held_out": scores,
              "settings": {**{k: v for k, v in vars(args).items() if k not in ("qa", "out")}, "init": shown}}
    model.half()
    try:
        from core.atomic import replace_folder

        def write(folder: Path) -> None:
            model.save_pretrained(folder)
            tokenizer.save_pretrained(folder)
            (folder / "training.json").write_text(json.dumps(record, indent=2) + "\n")

        out.parent.mkdir(parents=True, exist_ok=True)
        replace_folder(out, write)
    except (AssistantError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INPUT
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
