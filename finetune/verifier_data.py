"""Training data for the project's verifier: permissive NLI sets plus synthetic pairs.

Labels follow the checker: 0 supported (entailment), 1 unsupported (neutral),
2 contradicted (contradiction). Only permissively licensed sets are used for
training (SNLI CC BY-SA 4.0, MultiNLI CC BY-SA 3.0 / OANC, FEVER-Symmetric dev
CC BY-SA 3.0, HANS MIT); SICK and ANLI (non-commercial) are for measuring only.
A seeded tenth of SNLI and MNLI, FEVER-Symmetric test and two thirds of HANS are
held out.

Synthetic pairs teach what the NLI sets lack, long evidence with one relevant
sentence: a real NLI pair is hidden among distractor sentences (label kept);
a sentence copied out of a multi-sentence passage is supported; a sentence from
another passage is unsupported; a passage sentence with a number, year, name or
negation changed is contradicted.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from index.sentences import split_sentences

LABEL_IDS = {"entailment": 0, "neutral": 1, "contradiction": 2}
TRAIN_FILES = {"snli": ["snli_dev", "snli_test"], "mnli": ["mnli_dev_matched"], "fever": ["fever_symmetric_dev"],
               "hans": ["hans"]}
HELD_OUT_FILES = ["fever_symmetric_test", "sick_test_annotated", "anli_r1_dev", "anli_r2_dev", "anli_r3_dev"]


@dataclass(frozen=True)
class Pair:
    premise: str
    hypothesis: str
    label: int
    origin: str


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _pairs(rows: list[dict], origin: str) -> list[Pair]:
    return [Pair(r["premise"].strip(), r["hypothesis"].strip(), LABEL_IDS[r["label"]], origin) for r in rows
            if r["label"] in LABEL_IDS and r["premise"].strip() and r["hypothesis"].strip()]


_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")
_NEGATABLE = re.compile(r"\b(is|was|are|were|has|have|had|can|will|does|did)\b(?! not\b)")
_NEGATED = re.compile(r"\b(is|was|are|were|has|have|had|can|will|does|did) not\b")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b")


def contradict(sentence: str, other_names: list[str], rng: random.Random) -> str | None:
    """The sentence with one fact changed (number, year, negation or name), or None if nothing applies."""
    options = []
    numbers = list(_NUMBER.finditer(sentence))
    if numbers:
        def change_number() -> str:
            m = rng.choice(numbers)
            text = m.group().replace(",", "")
            value = float(text)
            if 1000 <= value <= 2100 and text.isdigit():  # a year
                new = str(int(value) + rng.choice([-7, -3, -1, 1, 2, 5, 11]))
            else:
                new = str(max(0, int(value * rng.choice([0.5, 2, 3, 10]) + rng.choice([1, 2, 7]))))
            return sentence[:m.start()] + new + sentence[m.end():]
        options.append(change_number)
    if _NEGATED.search(sentence):
        options.append(lambda: _NEGATED.sub(lambda m: m.group(1), sentence, count=1))
    elif _NEGATABLE.search(sentence):
        options.append(lambda: _NEGATABLE.sub(lambda m: m.group(1) + " not", sentence, count=1))
    names = [m for m in _NAME.finditer(sentence)]
    candidates = [n for n in other_names if n not in sentence]
    if names and candidates:
        def change_name() -> str:
            m = rng.choice(names)
            return sentence[:m.start()] + rng.choice(candidates) + sentence[m.end():]
        options.append(change_name)
    if not options:
        return None
    changed = rng.choice(options)()
    return changed if changed != sentence else None


def synthetic_pairs(passages: list[str], n: int, rng: random.Random) -> list[Pair]:
    """Supported / unsupported / contradicted statements about multi-sentence passages."""
    split = [[s.text for s in split_sentences(p) if len(s.text.split()) >= 5] for p in passages]
    usable = [(p, sents) for p, sents in zip(passages, split) if sents]
    names = sorted({m.group() for p, _ in usable for m in _NAME.finditer(p)})
    out: list[Pair] = []
    while len(out) < n and usable:
        passage, sents = rng.choice(usable)
        kind = rng.randrange(3)
        if kind == 0:
            out.append(Pair(passage, rng.choice(sents), 0, "synthetic-copy"))
        elif kind == 1:
            other_passage, other = rng.choice(usable)
            if other_passage != passage:
                out.append(Pair(passage, rng.choice(other), 1, "synthetic-other"))
        else:
            changed = contradict(rng.choice(sents), names, rng)
            if changed:
                out.append(Pair(passage, changed, 2, "synthetic-changed"))
    return out


def hide_in_distractors(pairs: list[Pair], pool: list[str], rng: random.Random, n: int) -> list[Pair]:
    """Copies of real pairs whose premise sits among 2-6 unrelated sentences (label unchanged)."""
    out = []
    for pair in rng.sample(pairs, min(n, len(pairs))):
        context = rng.sample(pool, rng.randint(2, 6)) + [pair.premise]
        rng.shuffle(context)
        out.append(Pair(" ".join(context), pair.hypothesis, pair.label, pair.origin + "-hidden"))
    return out


def build(data_dir: Path, seed: int = 13, held_fraction: float = 0.1, hans_train: int = 10_000,
          hidden: int = 12_000, synthetic: int = 12_000) -> tuple[list[Pair], dict[str, list[Pair]]]:
    """(training pairs, held-out sets by name)."""
    rng = random.Random(seed)
    train: list[Pair] = []
    held: dict[str, list[Pair]] = {}
    for name in ("snli", "mnli"):
        pairs = [p for f in TRAIN_FILES[name] for p in _pairs(read_jsonl(data_dir / f"{f}.jsonl"), name)]
        premises = sorted({p.premise for p in pairs})
        rng.shuffle(premises)
        cut = int(len(premises) * held_fraction)
        held_premises = set(premises[:cut])  # split by premise, so no premise is on both sides
        held[name] = [p for p in pairs if p.premise in held_premises]
        train += [p for p in pairs if p.premise not in held_premises]
    train += _pairs(read_jsonl(data_dir / "fever_symmetric_dev.jsonl"), "fever")
    hans = _pairs(read_jsonl(data_dir / "hans.jsonl"), "hans")
    rng.shuffle(hans)
    train += hans[:hans_train]
    held["hans"] = hans[hans_train:]
    for name in HELD_OUT_FILES:
        path = data_dir / f"{name}.jsonl"
        if path.exists():
            held[name] = _pairs(read_jsonl(path), name)
    pool = sorted({p.premise for p in train if p.origin in ("snli", "mnli")})
    real = [p for p in train if p.origin in ("snli", "mnli", "fever")]
    train += hide_in_distractors(real, pool, rng, hidden)
    passages = [" ".join(rng.sample(pool, rng.randint(3, 6))) for _ in range(4000)]
    mnli_long = [p.premise for p in train if p.origin == "mnli" and len(split_sentences(p.premise)) >= 2]
    train += synthetic_pairs(passages + mnli_long, synthetic, rng)
    rng.shuffle(train)
    return train, held
