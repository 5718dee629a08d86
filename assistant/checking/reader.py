"""The checker's reader: where in a passage a question's answer stands, by a trained model.

The verifier reads one window and whether it says the answer; it barely weighs whether what it
says answers the question, so a span of the right passage that answers another question (SQuAD
2.0's *distractors*) or a question the passage cannot answer (its *plausible* answers) is often
called supported. An extractive reader (``finetune/reader.py``: start and end logits over the
passage's tokens, "no answer" on the first) scores every span of the passage as the answer to
the question. A claim's answer, found in the passage (``place.answer_spots``), scoring far below
the reader's own best (a span, or no answer at all) is not the passage's answer to that question:
its support logit is lowered by ``weight * min(0, margin + shift)`` (both chosen by
``finetune/calibrate_reader.py`` and kept in the reader folder's ``calibration.json``).

English only (the shipped reader continues the English verifier's MiniLM); a question or passage
in Chinese is left to ``place.py``'s word rule.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from core.device import choose_device, encoder_autocast, own_thread, resolved_precision
from core.errors import ModelError, first_line

SHIPPED = Path(__file__).resolve().parent / "verifiers" / "minilm-reader"
LONGEST = 30  # tokens in the longest span the reader's own answer may be
MAX_LENGTH = 256  # tokens of question and passage read at once; longer passages in overlapping pieces
STRIDE = 64
ABOUT = 0.5  # the share of a question's content words a passage must hold for the reader to read it
LONG = 2_000  # characters: a longer passage is read in an excerpt (``excerpt``), so a check's cost stays bounded
PIECE_WORDS = 120  # words in each piece of a long passage
PIECES = 4  # pieces read of a long passage: those holding the claim's answer first, then those the question names
DEFAULT_WEIGHT, DEFAULT_SHIFT = 0.5, 4.0  # a folder without calibration.json (finetune/calibrate_reader.py writes it)


@dataclass
class Reading:
    """How the reader scores a claim's answer in a passage."""
    margin: float  # the claim's answer's best span score minus the reader's best (a span or no answer); <= 0 mostly
    start: int  # the reader's own best span in the passage (characters); -1 when it finds no answer
    end: int

    @property
    def says_none(self) -> bool:
        return self.start < 0


@dataclass
class Answer:
    """The reader's own answer in a passage: its best span (characters) and how far that span
    scores over "no answer" (below 0: the reader finds none)."""
    over_none: float
    start: int
    end: int


def best_span(start_logits, end_logits, context: list[int], longest: int = LONGEST) -> tuple[float, int, int]:
    """The best (score, first token, last token) span among the ``context`` tokens, at most ``longest`` long."""
    import torch

    idx = torch.tensor(context)
    scores = start_logits[idx][:, None] + end_logits[idx][None, :]
    n = len(context)
    band = torch.ones(n, n, dtype=torch.bool).triu() & ~torch.ones(n, n, dtype=torch.bool).triu(longest)
    scores = scores.masked_fill(~band, float("-inf"))
    i, j = divmod(int(scores.argmax()), n)
    return float(scores[i, j]), context[i], context[j]


def excerpt(question: str, passage: str,
            spots: Sequence[tuple[int, int]]) -> tuple[str, list[tuple[int, int]], list[int]]:
    """A passage longer than ``LONG`` as the reader reads it: its sentences grouped into pieces of
    about ``PIECE_WORDS`` words, and of those at most ``PIECES``: the pieces holding the claim's
    answer (its first two places), then those holding most of the question's words
    (``place.question_words``), joined in the passage's order. Returns (the excerpt, the spots
    within it, each excerpt character's place in the passage); a short passage is itself."""
    from assistant.checking.place import question_words
    from core.sentences import split_sentences

    if len(passage) <= LONG:
        return passage, list(spots), list(range(len(passage) + 1))
    pieces: list[tuple[int, int]] = []
    words = 0
    for sentence in split_sentences(passage):
        if pieces and words + len(passage[sentence.start:sentence.end].split()) <= PIECE_WORDS:
            pieces[-1] = (pieces[-1][0], sentence.end)
        else:
            pieces.append((sentence.start, sentence.end))
            words = 0
        words += len(passage[sentence.start:sentence.end].split())
    holding = [i for a, _ in list(spots)[:2] for i, (p, q) in enumerate(pieces) if p <= a < q]
    chosen = list(dict.fromkeys(holding))[:PIECES]
    asked = question_words(question)
    named = sorted(range(len(pieces)), key=lambda i: (-sum(w in passage[pieces[i][0]:pieces[i][1]].lower()
                                                           for w in asked), i))
    chosen += [i for i in named if i not in chosen][:max(0, PIECES - len(chosen))]
    text, places = "", []
    for i in sorted(chosen):
        p, q = pieces[i]
        if text:
            text += " "
            places.append(p)
        text += passage[p:q]
        places += range(p, q)
    places.append(places[-1] + 1 if places else 0)
    where = {place: at for at, place in enumerate(places[:-1])}  # a passage character's place in the excerpt
    inside = [(where[a], where[a] + (z - a)) for a, z in spots if a in where and z - 1 in where]
    return text, inside, places


def spots_to_read(question: str | None, claim: str, passage: str) -> list[tuple[int, int]]:
    """Where ``claim``'s answer stands in ``passage`` (``place.answer_spots``) when the reader should
    judge it: an English bare answer (``place.bare_answer``: "France", "dump -n") to a question
    that is not put to the reader, in a passage holding ``ABOUT`` of the question's content words
    or more (one about what was asked: a chat's remark, "what's up?", gives the reader nothing to
    read); else nothing. A sentence says something of its own, which the
    verifier judges: "Ireland is the third-largest island in Europe." stays supported by a passage
    that says so, whatever the question asked."""
    from assistant.checking.place import addressed, answer_spots, bare_answer, question_words
    from core.words import has_cjk

    if not question or addressed(question) or has_cjk(question + claim) or not bare_answer(claim, passage):
        return []
    words, text = question_words(question), passage.lower()
    if not words or sum(w in text for w in words) < ABOUT * len(words):
        return []
    return answer_spots(claim, words, text)


class Reader:
    """A question-answering model folder (``AutoModelForQuestionAnswering``), loaded on first use."""

    def __init__(self, folder: str | Path = SHIPPED, device: str = "auto", batch_size: int = 16,
                 weight: float | None = None, shift: float | None = None, precision: str = "auto"):
        """``precision``: ``core.device.PRECISIONS`` (auto: bfloat16 products on a CPU that has them natively)."""
        self.folder, self.batch_size = str(folder), batch_size
        self._device = choose_device(device)
        self.precision = resolved_precision(precision, self._device)  # float32 or bfloat16, read once
        calibration = Path(folder) / "calibration.json"
        chosen = json.loads(calibration.read_text(encoding="utf-8")) if calibration.is_file() else {}
        # a claim's support logit gets weight * min(0, margin + shift): nothing while its answer scores
        # within ``shift`` of the reader's own, then less the further below it scores
        self.weight = chosen.get("weight", DEFAULT_WEIGHT) if weight is None else weight
        self.shift = chosen.get("shift", DEFAULT_SHIFT) if shift is None else shift
        record = b"".join((Path(folder) / name).read_bytes() for name in ("training.json", "calibration.json")
                          if (Path(folder) / name).is_file())
        if self.precision == "bfloat16":  # what read a logged verdict
            record += b"bfloat16"
        self.version = hashlib.sha256(record + f"{self.weight}/{self.shift}".encode()).hexdigest()[:12]
        self._model = self._tokenizer = None
        self._loading = threading.Lock()  # two checks at once load it once

    def penalty(self, reading: "Reading") -> float:
        """What ``reading`` takes off its claim's support logit (0 or less)."""
        return self.weight * min(0.0, reading.margin + self.shift)

    def _load(self) -> None:
        with self._loading:
            if self._model is not None:
                return
            import torch
            from transformers import AutoModelForQuestionAnswering, AutoTokenizer

            try:
                self._tokenizer = AutoTokenizer.from_pretrained(self.folder)
                model = AutoModelForQuestionAnswering.from_pretrained(self.folder, dtype=torch.float32)
            except (OSError, ValueError) as err:
                raise ModelError(f"cannot load the checker's reader from {self.folder}: {first_line(err)}") from err
            self._model = model.to(self._device).eval()

    @own_thread
    def read(self, items: Sequence[tuple[str, str, Sequence[tuple[int, int]]]]) -> list[Reading | None]:
        """For each (question, passage, the claim's answer's character spans in it): the reading, or
        None where no piece of the passage the reader saw holds one of the spans whole."""
        out: list[Reading | None] = []
        for (top, a, z), none, claim in self._scan(items):
            if claim is None:
                out.append(None)
            elif none > top:
                out.append(Reading(claim - none, -1, -1))
            else:
                out.append(Reading(claim - top, a, z))
        return out

    @own_thread
    def locate(self, question: str, passages: Sequence[str]) -> list[Answer]:
        """The reader's own answer to ``question`` in each passage: its best span and how far that
        scores over "no answer" (``Answer``)."""
        return [Answer(top - none, a, z) for (top, a, z), none, _ in self._scan([(question, p, ()) for p in passages])]

    def _scan(self, items: Sequence[tuple[str, str, Sequence[tuple[int, int]]]]
              ) -> list[tuple[tuple[float, int, int], float, float | None]]:
        """For each (question, passage, spans): (the best span's score and its characters in the
        passage, the no-answer score, the best score of a span in ``spans`` or None)."""
        import torch

        if not items:
            return []
        self._load()
        out: list[tuple[tuple[float, int, int], float, float | None]] = []
        read = [(question, *excerpt(question, passage, spots)) for question, passage, spots in items]
        for b in range(0, len(read), self.batch_size):
            batch = read[b:b + self.batch_size]
            enc = self._tokenizer([q for q, *_ in batch], [p for _, p, *_ in batch], truncation="only_second",
                                  max_length=MAX_LENGTH, stride=STRIDE, return_overflowing_tokens=True,
                                  return_offsets_mapping=True, padding="longest", return_tensors="pt")
            inputs = {k: enc[k].to(self._device) for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc}
            with torch.inference_mode(), encoder_autocast(self.precision, self._device):
                logits = self._model(**inputs)
            starts, ends = logits.start_logits.float().cpu(), logits.end_logits.float().cpu()
            best: dict[int, tuple[float, int, int]] = {}
            null: dict[int, float] = {}
            claim: dict[int, float] = {}
            for f, n in enumerate(enc["overflow_to_sample_mapping"].tolist()):
                context = [i for i, s in enumerate(enc.sequence_ids(f)) if s == 1]
                if not context:
                    continue
                offsets = enc["offset_mapping"][f].tolist()
                score, i, j = best_span(starts[f], ends[f], context)
                if n not in best or score > best[n][0]:
                    best[n] = (score, offsets[i][0], offsets[j][1])
                none = float(starts[f][0] + ends[f][0])
                null[n] = min(null.get(n, none), none)
                first, last = offsets[context[0]][0], offsets[context[-1]][1]
                for a, z in batch[n][2]:
                    if a < first or z > last or z <= a:
                        continue
                    i = next(t for t in context if offsets[t][1] > a)
                    j = next(t for t in reversed(context) if offsets[t][0] < z)
                    if j >= i:
                        claim[n] = max(claim.get(n, float("-inf")), float(starts[f][i] + ends[f][j]))
            for n in range(len(batch)):
                places = batch[n][3]
                if n not in best:  # no piece read (an empty passage)
                    out.append(((float("-inf"), -1, -1), 0.0, None))
                    continue
                top, a, z = best[n]
                out.append(((top, places[a], places[z - 1] + 1), null[n], claim.get(n)))
        return out
