"""Where a passage answers a question, and whether an answer was found there.

A verifier reads whether the passage says the claim; it barely weighs whether what it says answers
the question. "线蚓鳗的体长是多少？" answered "线蚓鳗的体长是3至25公尺。" (the water depth it lives at; the
passage gives its length elsewhere) was supported; on the QA dev sets the shipped verifier said
*supported* to 44 % of CMRC 2018's distractors (another span of the right paragraph) and 68 % of
SQuAD 2.0's. An extractive reader finds an answer where the question's words
gather; the same reading tells an answer taken from elsewhere in the passage.

For a claim that answers its question (a bare answer, or a sentence restating the question), the
question's content words are weighted by how rare they are in the passage (1 / their count) and by
how near they stand (linearly less, to nothing at ``WINDOW`` characters) to the claim's answer: the
claim itself where the passage holds it, else the first stretch of it the question does not hold
("3至25公尺" of "线蚓鳗的体长是3至25公尺。") found word for word, else its rarest such word. The place
scoring best anywhere in the passage is the passage's own answer; a claim whose place scores under
``FAR`` of it is answered elsewhere. ``WINDOW`` and ``FAR`` were chosen on the training questions
(DRCD and CMRC 2018 train, SQuAD 2.0 train), where the rule takes 3.3-3.5 % of right answers and
42-63 % of distractors; ``bench/experiments/answer_place.py`` counts it by kind, and the dev sets
(CMRC 2018: 2.4 % of right answers, 52 % of distractors; SQuAD 2.0: 2.5 %, 46 %) only measure.
Tried and left out: weighing the name a question opens with less (its pairs as one word, or a
quarter each) took more right answers (CMRC dev 2.4 % -> 4.2-4.4 %, the Chinese training questions
3.3 % -> 3.6-3.8 %).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass

from assistant.checking.statements import strip_citations
from assistant.checking.topic import ends_like_sentence, reads_as_sentence
from assistant.checking.verifiers.overlap import content_words
from core.sentences import split_sentences
from core.words import CJK_RUN, language_of, stem, terms, word_count

WINDOW = {"en": 150, "zh": 60}  # characters either side within which a question word counts, by language
FAR = 0.2  # a claim's place holding under this share of the best place's weight is answered elsewhere
RESTATES = 0.5  # a sentence holding this share of the question's content words answers it
RESTATED_WORDS = 4  # a shorter claim ("Sunnyside Country Club.") is a bare answer, never a restatement
STEP = 3  # characters between the places tried as the passage's own answer

# Words that ask rather than name (their character pairs: "哪种", "什么"), left out of a question's words.
_ASKING = re.compile(r"什么|甚么|哪|谁|多少|几|吗|呢|怎|如何|为何|为什么")
# A question put to the reader ("what did you think of it?", "你觉得呢？") asks a view, not a span of a passage.
_ADDRESSED = re.compile(r"\b(?:you|your|yours)\b|你|您", re.IGNORECASE)
_EDGES = re.compile(r"^[\s\W_]+|[\s\W_]+$")
# Where a claim's stretches part: punctuation, and the function characters and words around an answer.
_PARTS = re.compile(r"[^\w]+|[的是在有于为和与及了]|"
                    r"\b(?:the|a|an|of|in|on|at|to|is|was|were|are|by|for|from|with|and|as)\b", re.IGNORECASE)


# An English question that asks for something (who, what, ...), and one a restatement answers: a yes/no
# question ("Is the spool owned by mail?" - "The spool is owned by mail.") or an either/or one.
_WH = re.compile(r"\b(?:who|whom|whose|what|which|when|where|why|how)\b", re.IGNORECASE)
_YES_NO = re.compile(r"^\s*(?:is|are|was|were|am|do|does|did|can|could|will|would|should|shall|has|have|had|may|"
                     r"might|must)\b|\bor\b", re.IGNORECASE)
# Stop words that can be the answer itself ("... a prime number can have is itself."; "none"): a claim
# holding one its question does not says something.
_ANSWERING = frozenset("itself himself herself themselves none nothing nobody neither".split())
# Words about where an answer comes from, not what it says ("The passage states that ...").
_SOURCE_WORDS = frozenset("passage passages document documents text texts source sources provided given according "
                          "mentioned stated states state says said information".split())


def restates(question: str | None, claim: str) -> bool:
    """Whether ``claim`` only says back what an English wh-question asked: its content words (a crude
    stem) are the question's, as often and in the same pairs ("The group owns the mail spool." to
    "Which group owns the mail spool?" names no group; "It is the mail group." names one, though
    "mail" is a word of the question). Two content words at least; never a yes/no or either/or
    question, which a restatement answers, nor a bare answer, which may well be words of the
    question ("Sunnyside" to "Where is the home of the Sunnyside Country Club?")."""
    if not question or language_of(question + claim) != "en" or not _WH.search(question) or _YES_NO.search(question):
        return False
    if not reads_as_sentence(claim) or word_count(claim) < RESTATED_WORDS:
        return False
    if _ANSWERING & (set(terms(claim)) - set(terms(question))):
        return False
    asked = [stem(w) for w in content_words(question)]
    said = [stem(w) for w in content_words(strip_citations(claim)) if w not in _SOURCE_WORDS]
    pairs = set(zip(asked, asked[1:]))
    return len(said) >= 2 and not Counter(said) - Counter(asked) and all(p in pairs for p in zip(said, said[1:]))


@dataclass
class Place:
    """Where a claim stands in a passage against where the question's words gather."""
    share: float  # the weight of question words about the claim's answer over the best place's (0..1)
    start: int  # the sentence of the passage at its best place, as a span of it to show
    end: int

    @property
    def elsewhere(self) -> bool:
        return self.share < FAR


def question_words(question: str) -> set[str]:
    """The question's content words (a Chinese run as its character pairs), question words left out."""
    return {w for w in content_words(question) if not _ASKING.search(w)}


def answers_question(claim: str, asked: set[str], passage: str = "") -> bool:
    """Whether ``claim`` gives the answer to a question with content words ``asked``: a bare answer
    (no full stop, and under ``SENTENCE_WORDS`` or a span the passage holds word for word), or a
    sentence holding half of them or more."""
    if bare_answer(claim, passage):
        return True
    said = set(terms(claim))
    return bool(asked) and len(asked & said) >= RESTATES * len(asked)


def bare_answer(claim: str, passage: str = "") -> bool:
    """Whether ``claim`` is a bare answer, not a sentence that says something of its own: no full
    stop and under ``SENTENCE_WORDS``, or a span the passage holds word for word."""
    return not reads_as_sentence(claim) or (not ends_like_sentence(claim) and _bare(claim) in passage.lower())


def addressed(question: str) -> bool:
    """Whether ``question`` is put to the reader ("did you get a document?"): it asks a view, not a span."""
    return bool(_ADDRESSED.search(question))


def _bare(claim: str) -> str:
    """The claim without its citations and edge punctuation, lower-cased."""
    return _EDGES.sub("", strip_citations(claim)).lower()


def _occurrences(text: str, piece: str) -> list[int]:
    out, at = [], text.find(piece)
    while at >= 0:
        out.append(at)
        at = text.find(piece, at + 1)
    return out


def unasked(claim: str, asked: set[str]) -> list[str]:
    """The stretches of ``claim`` (lower-cased) that none of the question's words cover, in order,
    parted at punctuation and function words: "3至25公尺" of "线蚓鳗的体长是3至25公尺。"."""
    bare = _bare(claim)
    covered = [False] * len(bare)
    for w in asked:
        for a in _occurrences(bare, w):
            covered[a:a + len(w)] = [True] * len(w)
    gaps = re.split(r"\x00+", "".join("\x00" if c else ch for ch, c in zip(bare, covered)))
    parts = [p.strip() for gap in gaps for p in _PARTS.split(gap)]
    # a stop word is no answer: "that" of "The user that some web servers run as is www-data." was taken
    # for its answer and found far from the question's words, so the right answer was "elsewhere" (session 26)
    return [p for p in parts if (len(p) >= 3 or (len(p) == 2 and CJK_RUN.fullmatch(p))) and content_words(p)]


def answer_spots(claim: str, asked: set[str], text: str) -> list[tuple[int, int]]:
    """Where the claim's answer stands in ``text`` (lower-cased): the claim itself (its citations and
    edge punctuation left out), else the first stretch of it the question does not hold that the
    passage holds word for word, else the rarest of its words the question does not hold."""
    bare = _bare(claim)
    if bare and (spots := _occurrences(text, bare)):
        return [(a, a + len(bare)) for a in spots]
    for part in unasked(claim, asked):
        if spots := _occurrences(text, part):
            return [(a, a + len(part)) for a in spots]
    found = [(len(at), w, at) for w in set(content_words(claim)) - asked
             if not _ASKING.search(w) and (at := _occurrences(text, w))]
    if not found:
        return []
    _, word, spots = min(found)
    return [(a, a + len(word)) for a in spots]


def place_of(question: str | None, claim: str, passage: str) -> Place | None:
    """How near the question's words stand to ``claim``'s answer in ``passage``, against the best
    place in it; None when this cannot be read: no question (or one put to the reader, "did you get
    a document?", whose answer is no span of a passage), a claim that does not answer it, a
    passage holding none of the question's words or none of the claim's answer."""
    if not question or not passage or _ADDRESSED.search(question):
        return None
    asked = question_words(question)
    if not asked or not answers_question(claim, asked, passage):
        return None
    text = passage.lower()
    gathered = {w: spots for w in asked if (spots := _occurrences(text, w))}
    weights = {w: 1 / len(spots) for w, spots in gathered.items()}
    if not gathered:
        return None
    spots = answer_spots(claim, asked, text)
    if not spots:
        return None
    reach = WINDOW["zh" if language_of(passage) == "zh" or CJK_RUN.search(question) else "en"]

    def weight(start: int, end: int) -> float:
        total = 0.0
        for w, at in gathered.items():  # each word's places, in order: the nearest one by bisection
            i = bisect_left(at, start)
            if i < len(at) and at[i] <= end:
                near = 0
            else:
                near = min(start - at[i - 1] if i else reach, at[i] - end if i < len(at) else reach)
            if near < reach:
                total += (1 - near / reach) * weights[w]
        return total

    own = max(weight(a, b) for a, b in spots)
    size = spots[0][1] - spots[0][0]
    best, best_at = max((weight(a, a + size), a) for a in range(0, max(1, len(text) - size + 1), STEP))
    if best <= 0:
        return None
    start, end = sentence_around(passage, best_at, best_at + size, reach)
    return Place(min(1.0, own / best), start, end)


def sentence_around(passage: str, start: int, end: int, reach: int = WINDOW["en"]) -> tuple[int, int]:
    """The sentences of ``passage`` (``core.sentences.split_sentences``) holding ``start:end``, cut at
    ``reach`` characters either side (at a space where there is one) where they run further."""
    holding = [span for span in split_sentences(passage) if span.start < end and span.end > start]
    first = holding[0].start if holding else start
    last = holding[-1].end if holding else end
    if first < start - reach:
        first = start - reach
        space = passage.find(" ", first, first + 20)
        first = space + 1 if space >= 0 else first
    if last > end + reach:
        last = end + reach
        space = passage.rfind(" ", last - 20, last)
        last = space if space > 0 else last
    while first < last and passage[first].isspace():
        first += 1
    return first, last
