"""Synthetic grounded QA for the dialogue model: prompts as the product builds them, answers it should give.

    python -m finetune.grounded --out grounded_sft.jsonl [--answerable 600] [--unanswerable 500]
                                [--paragraphs 1000] [--seed 0] [--sentence-words 25]
                                [--data ../shared/data/nli/squad2_qa_train.jsonl]

Indexes the paragraphs of SQuAD *train* articles (``squad2_qa_train.jsonl``; never the dev set the
answers benchmark asks) in a temporary data home, then asks each question the way a chat turn does
(``grounding.prepare``: retrieval, the checker's reader and the 150-word focus) and writes the turn as
an SFT row (``{"messages": [system, user, assistant], "split": "train"}``, the shape of ``assistant
flags export --format sft``, which ``finetune.train`` reads). The assistant's part is:

- an answerable question whose gold answer the prompt shows in passage n: the sentence of that
  passage holding the answer when it is short (at most ``--sentence-words``, ``SENTENCE_WORDS`` by
  default), else the answer itself, cited ``[n]``;
- an answerable question whose gold answer the prompt does not show (retrieval or the focus missed
  it): the refusal, ``prompt.NO_ANSWER``, since the passages the model reads do not hold it;
- SQuAD 2.0's unanswerable questions (their paragraph looks like it answers, and does not), and
  answerable questions asked with their own paragraph left out of the search (the article's other
  paragraphs come first, on the topic and without the answer): the refusal.

Each kind's count is in ``<out>.card.json`` with the settings.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT.parent / "shared" / "data" / "nli" / "squad2_qa_train.jsonl"
SENTENCE_WORDS = 25  # an answer's sentence at most this long is the answer; a longer one gives the span


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def answer_for(gold: str, shown, sentence_words: int = SENTENCE_WORDS) -> str | None:
    """The answer to write for a question whose gold answer is ``gold``, from the passages as the
    prompt shows them (``shown``), or None where none of them holds it."""
    from core.sentences import split_sentences

    want = _norm(gold)
    for number, passage in enumerate(shown, start=1):
        text = " ".join(passage.text.split())
        if want not in _norm(text):
            continue
        for span in split_sentences(text):
            sentence = span.text.strip(" .…")  # the focus marks what it leaves out with "…"
            if want in _norm(sentence):
                if len(sentence.split()) <= sentence_words and "…" not in sentence:
                    return f"{sentence} [{number}]."
                break
        gold = gold.strip().rstrip(".")
        return f"{gold[:1].upper()}{gold[1:]} [{number}]."
    return None


def build_index(paragraphs: list[str]):
    """A temporary data home (the real one's models linked in) indexing ``paragraphs``, one file each."""
    from core.home import data_home

    models = data_home() / "models"
    models.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="grounded-index-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)  # the index is rebuilt on every run
    (home / "models").symlink_to(models)  # the models already converted and exported are reused
    os.environ["ASSISTANT_HOME"] = str(home)
    from core.config import IndexConfig
    from index.documents import DocumentIndex

    docs = home / "docs"
    docs.mkdir()
    for n, text in enumerate(paragraphs):
        (docs / f"paragraph-{n:04d}.txt").write_text(text, encoding="utf-8")
    start = time.perf_counter()
    index = DocumentIndex(IndexConfig())
    index.add([docs])
    print(f"indexed {len(paragraphs)} paragraphs in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return index


def train_paragraphs(raw: list[dict], count: int, rng: random.Random) -> list[str]:
    """The paragraphs of ``squad2_qa_train.jsonl``'s rows ``raw`` to index: every unanswerable row's,
    then others drawn at random with ``rng`` up to ``count`` (bench/answers.py --data train too)."""
    plausible = sorted({r["premise"] for r in raw if r["kind"] == "plausible"})
    others = sorted({r["premise"] for r in raw if r["kind"] == "supported"} - set(plausible))
    rng.shuffle(others)
    return plausible + others[:max(0, count - len(plausible))]


def load(path: Path, paragraphs: int, seed: int):
    """(answerable rows, unanswerable rows, the paragraphs to index: ``train_paragraphs``); the
    answerable rows are those on the paragraphs indexed, shuffled."""
    raw = [json.loads(line) for line in path.open(encoding="utf-8")]
    rng = random.Random(seed)
    kept = train_paragraphs(raw, paragraphs, rng)
    keep = set(kept)
    answerable = [r for r in raw if r["kind"] == "supported" and r["premise"] in keep]
    unanswerable = [r for r in raw if r["kind"] == "plausible"]
    rng.shuffle(answerable)
    rng.shuffle(unanswerable)
    return answerable, unanswerable, kept


def build(out: Path, answerable: int, unanswerable: int, paragraphs: int, seed: int, data: Path = TRAIN,
          log=print, sentence_words: int = SENTENCE_WORDS) -> Counter:
    from assistant.chat.grounding import prepare
    from assistant.chat.prompt import NO_ANSWER
    from assistant.checking.checker import make_reader
    from core.config import CheckerConfig

    asked, plausible, kept = load(data, paragraphs, seed)
    index = build_index(kept)
    doc_of = {}  # paragraph text -> its document id
    for info in index.documents():
        number = int(re.search(r"paragraph-(\d+)", str(info.source)).group(1))
        doc_of[kept[number]] = info.id
    reader = make_reader(CheckerConfig())
    counts: Counter = Counter()
    start = time.perf_counter()
    # The answerable questions: the first `answerable` asked as they are; the unanswerable turns half
    # SQuAD 2.0's (as many as there are), the rest answerable questions without their own paragraph.
    some = min(len(plausible), unanswerable // 2)
    without = unanswerable - some
    jobs = ([(r, "answerable") for r in asked[:answerable]]
            + [(r, "plausible") for r in plausible[:some]]
            + [(r, "paragraph left out") for r in asked[answerable:answerable + without]])
    everyone = [doc_of[p] for p in kept]
    with out.open("w", encoding="utf-8") as fh:
        for n, (row, kind) in enumerate(jobs, 1):
            scope = None
            if kind == "paragraph left out":
                scope = [d for d in everyone if d != doc_of[row["premise"]]]
            prepared = prepare(index, row["question"], scope=scope, reader=reader)
            # a plausible row's hypothesis is a span that does not answer: never written
            found = answer_for(row["hypothesis"], prepared.shown, sentence_words) if kind != "plausible" else None
            if kind == "paragraph left out" and found:
                counts["skipped: another paragraph holds the answer"] += 1
                continue
            reply = found if kind == "answerable" else None
            counts[f"{kind}: {'answered' if reply else 'refused'}"] += 1
            messages = prepared.messages + [{"role": "assistant", "content": reply or NO_ANSWER}]
            fh.write(json.dumps({"id": row["id"], "kind": kind, "messages": messages, "split": "train"},
                                ensure_ascii=False) + "\n")
            if n % 50 == 0:
                log(f"{n}/{len(jobs)} turns in {time.perf_counter() - start:.0f} s: {dict(counts)}")
    card = {"data": str(data), "seed": seed, "paragraphs": len(kept), "answerable": answerable,
            "unanswerable": unanswerable, "sentence_words": sentence_words, "rows": dict(counts),
            "seconds": round(time.perf_counter() - start, 1)}
    out.with_name(out.name + ".card.json").write_text(json.dumps(card, indent=2) + "\n")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--answerable", type=int, default=600)
    parser.add_argument("--unanswerable", type=int, default=500)
    parser.add_argument("--paragraphs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sentence-words", type=int, default=SENTENCE_WORDS,
                        help="an answer's sentence at most this many words long is the answer (else the span)")
    parser.add_argument("--data", default=str(TRAIN))
    args = parser.parse_args(argv)
    if args.sentence_words < 1:
        parser.error(f"--sentence-words must be at least 1, got {args.sentence_words}")
    if not Path(args.data).is_file():
        print(f"error: no question file {args.data} (SQuAD-shaped rows: premise, hypothesis, question, kind; "
              f"see ../shared/data/nli/README.md)", file=sys.stderr)
        return 2
    counts = build(Path(args.out), args.answerable, args.unanswerable, args.paragraphs, args.seed, Path(args.data),
                   log=lambda m: print(f"[grounded] {m}", file=sys.stderr, flush=True), sentence_words=args.sentence_words)
    print(json.dumps(dict(counts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
