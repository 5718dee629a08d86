"""What the model reads of the retrieved passages: the sentences that bear on the question, within
a budget of words.

On a CPU, reading the prompt is most of the wait for an answer's first word: the packaged 1.5B
model reads about 80 prompt tokens a second on two cores, and five whole passages make a prompt
of about 950 tokens (``bench/answers.py``: 11.7 s to the first token). Each passage keeps its
number, so citations and the checker (which checks against the whole passages) are unchanged;
what is shown of it is chosen in rounds, until ``words`` are used:

0. where the checker's reader (``checking/reader.py``, an extractive question-answering model)
   found the answer in a passage, its ``READ_ANSWERS`` surest answers (``grounding.reader_answers``;
   English questions): it finds answers whose sentence shares few of the question's words
   (``bench/experiments/focus_budget.py --reader shipped``: the gold answer kept at 150 words 0.837 ->
   0.860, at 100 words 0.673 -> 0.777), then the sentence after and before each (session 33: its
   answers in every passage, without their context, took the budget from the top passage's; the gold
   answer kept at 150 words on 400 SQuAD train questions 0.840 -> 0.887, on 400 dev ones 0.855 -> 0.902);
1. each passage's best sentence, in the order retrieval ranked them, so every number the model
   can cite has something under it;
2. the other sentences sharing the question's words, best first: a sentence scores the weight of
   the question's words it holds (a crude stem), a word weighing less the more sentences hold it;
3. the sentence before each one shown, then the one after (what "it" or "he" refers to, or the
   answer that follows a sentence naming the question's subject), best passages first.

In every round a question taken brings the sentence after it, its reply, when the budget holds both: a
FAQ's "Q: Do XZ Utils support the .7z format?" was shown without its "A: No. Use 7-Zip ..." (the
question's words are all in the question, few in the reply), and the model answered "Yes" (session 39).

A passage's chosen sentences keep their order; "…" marks what was left out. A sentence longer than
``PIECE_WORDS`` (or than an even share of the budget, so that round 1 always fits) is cut into
pieces of that many words: a manual's table or a command listing has few full stops. A later piece
of a sentence longer than ``PIECE_WORDS`` shown without the one before it opens with its sentence's
lead (up to ``LEAD_WORDS`` words, to the first comma), so that "Z_VERSION_ERROR if the versions do
not match" keeps whose return value it is ("def() returns Z_OK on success, … Z_VERSION_ERROR if
..."); sentences cut only to share the budget get none (on SQuAD questions, leads for them cost two
right answers and three refusals in 60 + 60). Passages that fit the budget whole are returned as
they are.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Sequence

from assistant.chat.prompt import Passage
from core.sentences import Span, split_sentences
from core.words import CHARS_PER_WORD, CJK, CJK_RUN, stem, terms, word_count
from index.keywords import query_words

PIECE_WORDS = 60  # a longer sentence is cut into pieces of this many words (fewer, for a small budget)
LEAST_PIECE_WORDS = 10
LEAD_WORDS = 8  # a cut sentence's opening words, shown before a later piece of it (to its first comma)
READ_ANSWERS = 2  # the reader's surest answers shown first, each with the sentence after and before it
ANSWER_STEPS = (1, -1)  # the sentences shown next to the reader's answers before the other rounds (after, before)
GAP = "…"
_ASKS = ("?", "？")  # a piece ending so is a question: a FAQ's "Q: Do XZ Utils support the .7z format?"
_TOKEN = re.compile(f"[{CJK}]|[^\\s{CJK}]+")  # a word, or one CJK character (2/3 of a word)


@dataclass(frozen=True)
class _Piece:
    passage: int  # the passage's place in the list
    position: int  # the piece's place in its passage
    span: Span
    words: float
    stems: frozenset[str]
    lead: str = ""  # the opening words of the sentence this piece was cut from, when it is not its first
    sentence: int = 0  # the sentence's place in its passage


def _lead(tokens: list[re.Match], most: int = LEAD_WORDS) -> str:
    """The opening words of what ``tokens`` (a sentence's, up to a piece) say last: from the last
    full stop among them (a comment's or a manual's "end.\n def() returns" is one sentence to
    ``split_sentences``), to the first comma, at most ``most`` words."""
    start = max((i + 1 for i, t in enumerate(tokens[:-1]) if t.group().endswith((".", "!", "?"))), default=0)
    words = [t.group() for t in tokens[start:start + most]]
    comma = next((i for i, w in enumerate(words) if w.endswith((",", ";", ":"))), None)
    return " ".join(words if comma is None else words[:comma + 1])


def _pieces(text: str, most: float) -> list[tuple[Span, float, str, int]]:
    """``text``'s sentences with their sizes in words, a sentence over ``most`` words cut into pieces;
    a later piece with its sentence's lead (``_lead``; "" for a sentence's first piece) and the
    sentence's place."""
    out: list[tuple[Span, float, str, int]] = []
    for number, sentence in enumerate(split_sentences(text)):
        tokens = list(_TOKEN.finditer(sentence.text))
        piece_start, size, lead, limit = 0, 0.0, "", most
        # only a sentence too long for any budget (a listing, a code comment) gets leads: one cut to
        # share a small budget keeps its subject close enough (bench/answers.py, session 32)
        leads = not CJK_RUN.search(sentence.text) and word_count(sentence.text) > PIECE_WORDS
        for i, token in enumerate(tokens):
            weight = 1 / CHARS_PER_WORD if CJK_RUN.fullmatch(token.group()) else 1.0  # a CJK token is one character
            if size + weight > limit and size:
                end = tokens[i - 1].end()
                out.append((Span(sentence.text[piece_start:end], sentence.start + piece_start,
                                 sentence.start + end), size, lead, number))
                piece_start, size = token.start(), 0.0
                # a piece and its lead within ``most`` (Chinese: no spaces to cut a lead at)
                lead = _lead(tokens[:i], min(LEAD_WORDS, int(most // 2))) if leads else ""
                limit = most - word_count(lead)
            size += weight
        if tokens:
            end = tokens[-1].end()
            out.append((Span(sentence.text[piece_start:end], sentence.start + piece_start, sentence.start + end),
                        size, lead, number))
    return out


def fits(passages: Sequence[Passage], words: int) -> bool:
    """Whether ``passages`` are shown whole under a budget of ``words`` (0 or less: always)."""
    return words <= 0 or sum(word_count(p.text) for p in passages) <= words  # a CJK character: 2/3 of a word


def focus(passages: Sequence[Passage], question: str, words: int,
          answers: Sequence[tuple[float, int, int] | None] | None = None) -> list[Passage]:
    """``passages`` with each one's text cut to what bears on ``question``, ``words`` words in all
    (see the module's note); ``words`` <= 0, or passages that fit whole, leave them as they are.
    ``answers``: for each passage, where a reader found the question's answer in it (how sure, first
    and last character) or None; the pieces holding them are taken first, surest first."""
    if fits(passages, words):  # whole, without cutting them into pieces
        return list(passages)
    most = min(PIECE_WORDS, max(LEAST_PIECE_WORDS, words // max(1, len(passages))))
    pieces = [[_Piece(n, i, span, size, frozenset(stem(t) for t in terms(span.text)), lead, k)
               for i, (span, size, lead, k) in enumerate(_pieces(passage.text, most))]
              for n, passage in enumerate(passages)]
    if sum(p.words for ps in pieces for p in ps) <= words:
        return list(passages)
    asked = {stem(w) for w in query_words(question)}
    every = [p for ps in pieces for p in ps]
    held = Counter(t for p in every for t in p.stems & asked)
    weight = {t: math.log(1 + len(every) / held[t]) for t in held}

    def score(piece: _Piece) -> float:  # fsum: the same in every process (a set's order follows the hash seed)
        return math.fsum(weight[t] for t in piece.stems & asked)

    chosen: set[tuple[int, int]] = set()
    used = 0.0

    def take(piece: _Piece, reply: bool = True) -> None:
        nonlocal used
        key = (piece.passage, piece.position)
        # the lead is shown when the piece before is not (as yet: one taken later saves its words)
        size = piece.words + (word_count(piece.lead) if (piece.passage, piece.position - 1) not in chosen else 0)
        if key not in chosen and used + size <= words:
            chosen.add(key)
            used += size
            if reply and piece.span.text.rstrip().endswith(_ASKS) and piece.position + 1 < len(pieces[piece.passage]):
                take(pieces[piece.passage][piece.position + 1], reply=False)  # a question shown brings its reply

    def around(steps: tuple[int, ...]) -> None:  # the sentence next to each one shown, on each side in turn
        for step in steps:
            for n, position in sorted(chosen):
                if 0 <= position + step < len(pieces[n]):
                    take(pieces[n][position + step])

    found = sorted(((answer[0], n, answer[1], answer[2]) for n, answer in enumerate(answers or ())
                    if answer is not None and answer[1] >= 0), reverse=True)[:READ_ANSWERS]
    for sure, n, a, z in found:  # 0. where a reader found the answer, and its context
        for piece in pieces[n]:
            if piece.span.start < z and a < piece.span.end:
                take(piece)
    around(ANSWER_STEPS)  # what follows an answer first: "Z_VERSION_ERROR if the version ... do not match"
    for ps in pieces:  # 1. every passage's best sentence (the first, when none holds a question word)
        if ps:
            take(max(ps, key=lambda p: (score(p), -p.position)))
    for piece in sorted((p for p in every if score(p) > 0), key=lambda p: (-score(p), p.passage, p.position)):
        take(piece)  # 2. the rest that share the question's words, best first
    around((-1, 1))  # 3. context
    return [replace(passage, text=_shown(passage.text, [p for p in pieces[n] if (n, p.position) in chosen],
                                         len(pieces[n])))
            for n, passage in enumerate(passages)]


def _shown(text: str, shown: list[_Piece], count: int) -> str:
    """The chosen pieces of a passage in order, "…" where pieces were left out."""
    if len(shown) == count:
        return text
    parts: list[str] = []
    previous = -1
    opened: set[int] = set()  # sentences whose opening is shown
    for piece in shown:
        if piece.position != previous + 1:
            parts.append(GAP)
            if piece.lead and piece.sentence not in opened:
                parts.extend([piece.lead, GAP])
        opened.add(piece.sentence)  # by this piece, the one before it or the lead just shown
        parts.append(piece.span.text)
        previous = piece.position
    if previous != count - 1:
        parts.append(GAP)
    return " ".join(parts)
