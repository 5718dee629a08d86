"""The fact-checker: every statement of an answer, judged against evidence.

A checkable statement's evidence is the passages the answer was built from plus the top
``checker.retrieve_k`` passages retrieved for it (with the question in front when it is short).
A verifier trained on answers posed to questions (``reads_questions``, the shipped one) reads
every statement posed to its question (``assistant.checking.verifiers.base.pose``); others read
short statements with the question in front. Passages are read in windows, those sharing most
words with the statement kept, and aggregated (``assistant/checking/windows.py``). The label:
*supported* when p(supported) reaches ``support_threshold``, else *contradicted* when
p(contradicted) reaches ``contradiction_threshold``, else *unsupported*. Statements that assert
nothing are kept as ``not_a_claim`` with the reason; a checkable statement with no evidence at
all is *unsupported*, never skipped.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Sequence

from assistant.checking.statements import (
    REASON_CITATION_ONLY,
    REASON_LEAD_IN,
    REASON_NO_CONTENT,
    REASON_POINTER,
    REASON_RESTATES,
    REASON_UNFINISHED,
    Statement,
    read_titles,
    split_statements,
    strip_citations,
)
from assistant.checking.adjacent import documents_of, join_adjacent
from assistant.checking.dates import spelled
from assistant.checking.definitions import defined
from assistant.checking.names import missing, numbers_in, numbers_of, unwritten
from assistant.checking.negation import unnegated_answer
from assistant.checking.place import answers_question, place_of, question_words, restates, sentence_around
from assistant.checking.reader import spots_to_read
from assistant.checking.swapped import swapped_name
from assistant.checking.antonyms import opposite_in, turned_phrase, without_phrase
from assistant.checking.binding import default_conflict, row_conflict, section_conflict
from assistant.checking.topic import ends_like_sentence, names, topic_of
from assistant.checking.verifiers import make_verifier
from assistant.checking.verifiers.base import pose
from assistant.checking.windows import Window, aggregate, polarity_conflict, shares_content, top_windows, windows_for
from assistant.checking.yesno import Answered, answered
from core.config import CheckerConfig
from core.errors import Cancelled, ConfigError
from core.labels import CONTRADICTED, FLAG_LABELS, NOT_A_CLAIM, SUPPORTED, UNSUPPORTED, VERDICTS, Label
from core.sentences import split_sentences
from core.words import has_cjk, language_of, word_count


@dataclass(frozen=True)
class Evidence:
    """A passage a statement may be judged against, and where it came from."""

    text: str
    title: str = ""
    doc_id: str | None = None
    page: int | None = None
    start: int | None = None  # offsets of the passage in its document
    end: int | None = None

    @classmethod
    def from_hit(cls, hit) -> "Evidence":
        return cls(hit.text, hit.title, hit.doc_id, hit.page, hit.start, hit.end)

    @classmethod
    def from_logged(cls, passage: dict) -> "Evidence":
        """A passage snapshot from the flag log (``Turn.passages``)."""
        return cls(passage["text"], passage["title"], passage["doc_id"], passage["page"], passage["start"],
                   passage["end"])


@dataclass
class Verdict:
    statement: Statement
    label: Label
    score: float | None  # p(supported); None for statements that are not claims
    probs: tuple[float, float, float] | None = None  # supported, unsupported, contradicted
    evidence: str | None = None  # the best window
    source: Evidence | None = None  # the passage the best window came from
    span: tuple[int, int] | None = None  # offsets of the best window inside ``source.text``
    unnamed: str | None = None  # what the claim is about, when no passage names it (``topic.py``)
    elsewhere: str | None = None  # where the supporting passage answers the question instead (``place.py``)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.statement.text, "start": self.statement.start, "end": self.statement.end,
            "claim": self.statement.claim, "label": self.label, "reason": self.statement.reason,
            "score": self.score, "probs": list(self.probs) if self.probs else None, "evidence": self.evidence,
            "source": asdict(self.source) if self.source else None, "span": list(self.span) if self.span else None,
            "unnamed": self.unnamed, "elsewhere": self.elsewhere,
        }


@dataclass
class CheckReport:
    answer: str
    question: str | None
    verdicts: list[Verdict]
    verifier: str
    version: str
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    threshold: float | None = None  # the p(supported) a claim needed to be supported; None: not known

    def __post_init__(self) -> None:
        self.counts = {label: sum(v.label == label for v in self.verdicts)
                       for label in VERDICTS}

    @property
    def flagged(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.label in FLAG_LABELS]

    @property
    def says_nothing(self) -> bool:
        """Whether the answer holds no claim and no refusal, question or greeting either: only
        citations ("[1] [2]", seen in 5 of 193 CMRC benchmark answers), a lead-in, an unfinished
        start, or nothing at all."""
        return all(v.label == NOT_A_CLAIM and v.statement.reason in EMPTY_REASONS for v in self.verdicts)

    @property
    def answering(self) -> list[Verdict]:
        """The claims that answer the question (``place.answers_question``: a bare answer, or a sentence
        holding half of the question's content words or more)."""
        asked = question_words(self.question) if self.question else set()
        return [v for v in self.verdicts if v.label != NOT_A_CLAIM and answers_question(v.statement.claim, asked)]

    @property
    def answer_flagged(self) -> bool:
        """Whether the claims that answer the question are flagged and none of them supported, whatever
        the other sentences (the passage they quote, what else it says) are: "The Eastern troops protected
        the Saudi monarchy." is not supported by "This is stated in passage [1], which mentions that
        western troops came to protect the Saudi monarchy ..." being so."""
        said = self.answering
        return any(v.label in FLAG_LABELS for v in said) and not any(v.label == SUPPORTED for v in said)

    def withheld_because(self) -> str:
        """Why a withheld answer was withheld, in the words of :meth:`withholds`: ``says_nothing``,
        ``no_support`` (no statement supported), ``answer`` (what answers the question flagged, though
        another statement is supported) or ``any_flag``. The page and ``assistant ask`` say it."""
        if self.says_nothing:
            return "says_nothing"
        if not self.counts.get(SUPPORTED):
            return "no_support"
        return "answer" if self.answer_flagged else "any_flag"

    def withholds(self, rule: str) -> bool:
        """Whether ``rule`` (``checker.withhold``) withholds the answer this report checked:
        ``no_support``, a statement flagged and none supported, or an answer that says nothing
        (:attr:`says_nothing`: the reader gets the refusal rather than "[1] [2]"); ``answer``, that or
        the claims answering the question flagged and none of them supported (:attr:`answer_flagged`);
        ``any_flag``, any statement flagged, or nothing said; ``off``, never. Any other answer without
        flags (a greeting, the refusal itself) is never withheld."""
        if rule == "off":
            return False
        if self.says_nothing:
            return True
        if not self.flagged:
            return False
        return (rule == "any_flag" or self.counts[SUPPORTED] == 0
                or (rule == "answer" and self.answer_flagged))

    def as_dict(self) -> dict[str, Any]:
        return {"answer": self.answer, "question": self.question, "verifier": self.verifier,
                "version": self.version, "seconds": round(self.seconds, 4), "counts": self.counts,
                "threshold": self.threshold,
                "statements": [v.as_dict() for v in self.verdicts]}


# what a statement that says nothing is (``statements.py``'s reasons): an answer of only these is withheld
EMPTY_REASONS = (REASON_NO_CONTENT, REASON_POINTER, REASON_LEAD_IN, REASON_UNFINISHED, REASON_RESTATES,
                 REASON_CITATION_ONLY)
QUOTE_WORDS = 12  # a claim this long found word for word in a passage is supported (a quote)


def quoted(claim: str, passages: Sequence[Evidence]) -> tuple[Evidence, tuple[int, int]] | None:
    """The passage that holds ``claim`` word for word (case, punctuation and spacing aside) and the
    span, when the claim has at least ``QUOTE_WORDS`` words; else None. A quote longer than the
    verifier's window could not be read whole by it, and was flagged (seen: the Apache licence's
    patent grant, quoted, called unsupported).

    Chinese words are counted as ``core.words.word_count`` counts them (a character is two thirds of
    one), and a quote may begin or end inside a run of Chinese characters, which has no spaces to
    begin at ("在 /etc/systemd/journald.conf 中设定..." quoted from "可以在 /etc/...", called unsupported
    at 0.79), though not just after a negation (不, 没, 非, 未, 无, 别, 勿, 莫); a Chinese claim must end
    like a sentence to count: a long phrase of the passage given as a bare answer may be the wrong one."""
    words = re.findall(r"\w+", claim)
    chinese = has_cjk(claim)
    if not words or (word_count(claim) if chinese else len(words)) < QUOTE_WORDS:
        return None
    if chinese and not ends_like_sentence(claim):  # a long span of the passage posed as an answer
        return None  # may be the wrong span (CMRC's distractors): the verifier judges it
    lead = r"(?<![不没非未无别勿莫])" if has_cjk(words[0][0]) else r"(?<!\w)"
    tail = "" if has_cjk(words[-1][-1]) else r"(?!\w)"
    pattern = re.compile(lead + r"\W+".join(map(re.escape, words)) + tail, re.IGNORECASE)
    for passage in passages:
        match = pattern.search(passage.text)
        if match:
            return passage, match.span()
    return None


def withheld(report: CheckReport | None, passages: Sequence[Any], finish_reason: str | None, rule: str) -> bool:
    """Whether a turn's answer is withheld (``checker.withhold``): it was grounded in ``passages``,
    the model did not already refuse (``finish_reason`` "abstained"), and ``report`` withholds it
    under ``rule``; an answer stopped by the user (``cancelled``) is not withheld for saying nothing.
    The page, ``assistant ask`` and the benchmark ask this one question."""
    if not passages or report is None or finish_reason == "abstained":
        return False
    if finish_reason == "cancelled" and report.says_nothing:
        return False
    return report.withholds(rule)


def contextualize(claim: str, question: str | None) -> str:
    """A short statement ("Delhi.", "1368年") read as the answer to its question; others unchanged:
    the retrieval query for a statement, and what verifiers not trained on posed answers read."""
    if not question or word_count(claim) >= 4:
        return claim
    question = question.strip()
    mark = "？" if language_of(question) == "zh" else "?"
    return f"{question.rstrip('?？')}{mark} {claim}"


_ASKING = re.compile(r"^(?:what|who|whom|whose|when|where|why|how|which|name|list|tell|give|describe|explain|"
                     r"define|is|are|was|were|does|do|did|can|could|should|would|will|has|have|had)\b", re.IGNORECASE)
# A Chinese sentence asks when it holds a question word (什么 what, 哪 which/where, 谁 who, 几 how many
# but not 几乎 almost, 多少 how much, 怎么/怎样/如何 how, 为什么/为何 why, 是否 whether), ends in a
# question particle (吗, 呢), or opens as a request (请 please, 列出 list, 介绍 introduce, ...).
_ASKING_ZH = re.compile(r"什么|哪|谁|几(?!乎)|多少|多久|多大|多长|怎么|怎样|如何|为什么|为何|是否|[吗呢][。.]?$|"
                        r"^(?:请|列出|列举|介绍|说明|解释|描述|概述|比较|告诉我)")


def question_in(message: str | None) -> str | None:
    """The question a user's message asks: its last sentence that ends with "?" (or "？") or reads
    like a question or a request ("How ...", "Name ...", "Tell me ...", "...是什么", "请列出..."); None
    for a message that asks nothing (a remark in a conversation), whose answer's statements are
    then judged on their own.

    The verifier was trained on questions; a chatty remark posed as one makes it doubt replies
    that stand on their own (measured on BEGIN's dialogue turns, see the data card)."""

    sentences = [s.text.strip() for s in split_sentences((message or "").strip())]
    asking = [s for s in sentences if s.endswith(("?", "？"))]
    if asking:
        return asking[-1]
    last = sentences[-1] if sentences else ""
    return last if last and (_ASKING.match(last) or _ASKING_ZH.search(last)) else None


def decide(probs, support_threshold: float = 0.5, contradiction_threshold: float = 0.5) -> Label:
    if probs[0] >= support_threshold:
        return SUPPORTED
    if probs[2] >= contradiction_threshold:
        return CONTRADICTED
    return UNSUPPORTED


def lowered(probs: tuple[float, float, float], by: float) -> tuple[float, float, float]:
    """``probs`` with ``by`` added to the support logit, the other two rescaled to fill the rest."""
    p = min(max(probs[0], 1e-6), 1 - 1e-6)
    support = 1 / (1 + math.exp(-(math.log(p / (1 - p)) + by)))
    rest = probs[1] + probs[2]
    if rest <= 0:
        return support, 1 - support, 0.0
    return support, probs[1] / rest * (1 - support), probs[2] / rest * (1 - support)


def to_read(verdicts: Sequence[Verdict], claims: Sequence[str], asked: Sequence[str | None]):
    """(the reader's items: question, passage, the answer's places in it; each one's verdict) for the
    supported claims the reader judges (``reader.spots_to_read``)."""
    items, owners = [], []
    for n, (v, claim, question) in enumerate(zip(verdicts, claims, asked)):
        spots = spots_to_read(question, claim, v.source.text) if v.label == SUPPORTED and v.source else []
        if spots:
            items.append((question, v.source.text, spots))
            owners.append(n)
    return items, owners


class Checker:
    def __init__(self, verifier, cfg: CheckerConfig | None = None, index=None, reader=None):
        self.verifier, self.cfg, self.index = verifier, cfg or CheckerConfig(), index
        self.reader = reader  # assistant/checking/reader.py: whether an answer is the passage's answer
        # One threshold per decision: the config's when set, else the one calibrated with the verifier.
        calibrated = getattr(verifier, "thresholds", {})
        self.support_threshold = (self.cfg.support_threshold if self.cfg.support_threshold is not None
                                  else calibrated.get("support_threshold", 0.5))
        self.contradiction_threshold = (self.cfg.contradiction_threshold if self.cfg.contradiction_threshold
                                        is not None else calibrated.get("contradiction_threshold", 0.5))

    @property
    def version(self) -> str:
        """The verifier's version, and the reader's where there is one: what a logged verdict was judged by."""
        return self.verifier.version if self.reader is None else f"{self.verifier.version}+{self.reader.version}"

    def statement_for(self, claim: str, question: str | None) -> str:
        """What the verifier reads for ``claim``: posed as the answer to the question the user's
        message asks (``question_in``) when the verifier was trained on that form (every claim,
        one word or a sentence), else with the message in front of short claims only
        (``contextualize``)."""
        if getattr(self.verifier, "reads_questions", False):
            return pose(claim, question_in(question))
        return contextualize(claim, question)

    def names(self, passage: Evidence, topic: str, documents: dict[tuple[str, str], bool]) -> bool:
        """Whether ``passage`` names ``topic`` (``topic.names``) in its title, its text or, where the
        index holds its document, anywhere in the document: a later chunk may call its subject "她".
        ``documents`` keeps each (document, topic) answer for one check, so a long document is read
        once however many statements and passages ask."""
        if names(f"{passage.title}\n{passage.text}", topic):
            return True
        if passage.doc_id is None or self.index is None:
            return False
        key = (passage.doc_id, topic)
        if key not in documents:
            whole = self.index.document_text(passage.doc_id)
            documents[key] = whole is not None and names(whole, topic)
        return documents[key]

    def lacks(self, passage: Evidence, claim: str, documents: dict[str, str]) -> list[str]:
        """The names and numbers of ``claim`` (``names.py``) that ``passage`` does not write in its title or
        text, nor, where the index holds its document, anywhere in the document (a later chunk may say
        "the university" for a name its first one writes). ``documents`` keeps each document's text for
        one check."""
        lacking = missing(claim, f"{passage.title}\n{passage.text}")
        if not lacking:
            return lacking
        whole = self.document(passage, documents)
        return unwritten(lacking, whole) if whole else lacking

    def document(self, passage: Evidence, documents: dict[str, str]) -> str:
        """The whole text of ``passage``'s document ("" where the index does not hold it), read once per
        check into ``documents``."""
        if passage.doc_id is None or self.index is None:
            return ""
        if passage.doc_id not in documents:
            documents[passage.doc_id] = self.index.document_text(passage.doc_id) or ""
        return documents[passage.doc_id]

    def swapped(self, question: str, passages: Sequence[Evidence], documents: dict[str, str],
                found: dict[tuple, tuple[str, str] | None]) -> tuple[str, str] | None:
        """(the question's name, the passages' name) where ``question`` names what ``passages`` (their
        titles, texts and documents) name otherwise (``swapped.py``); ``found`` keeps each answer for one
        check, the claims of an answer sharing most of their passages."""
        key = (question, *((p.doc_id, p.start, p.end) if p.doc_id else p.text for p in passages))
        if key not in found:
            whole = dict.fromkeys(self.document(p, documents) for p in passages)  # each document once
            text = "\n\n".join([*(f"{p.title or ''}\n{p.text}" for p in passages), *whole])
            found[key] = swapped_name(question, text)
        return found[key]

    def defining(self, claim: str, passages: Sequence[Evidence],
                 documents: dict[str, str]) -> tuple[Evidence, tuple[int, int]] | None:
        """The first of ``passages`` with a line defining what ``claim`` says a name is
        (``definitions.py``: "#define CHUNK 16384" for "The default value of CHUNK in zpipe.c is 16384."),
        and the line's span; a file's name the claim gives ("zpipe.c") may stand in the passage's title
        or document."""
        for passage in passages:
            spot = defined(strip_citations(claim), passage.text,
                           f"{passage.title or ''}\n{self.document(passage, documents)}")
            if spot is not None:
                return passage, spot
        return None

    def judge(self, claims: Sequence[str], evidence: Sequence[Sequence[Evidence]],
              questions: Sequence[str | None] | None = None) -> list[Verdict]:
        """Judge each claim (as the answer to its question, where ``questions`` gives one) against
        the windows of all its passages at once (one verifier batch).

        The windows of every passage of a claim are ranked by the words they share with the
        claim and its question, and the top ``checker.max_windows`` are read; a window sharing
        none of the claim's content words, from a passage (title, text, document) that never names
        the name a Chinese claim or its question opens with (``topic.topic_of``) or never writes one of
        an English claim's names or numbers (``names.py``; ``Verdict.unnamed`` shows them), for a claim
        answering a question that names what the passages name otherwise, or writing that name
        (``swapped.py``: "Ten Eyes" asked, "Nine Eyes" written), or saying the claim the other way round
        (``windows.polarity_conflict``; ``antonyms.opposite_in``: "private" for "public";
        ``antonyms.turned_phrase``: a passage writing "a private day school" and never "public
        day" for "the public day school"; ``antonyms.without_phrase``: "without warranty" and never
        "with a warranty" for "provided with a warranty"; ``negation.unnegated_answer``: a bare answer to a
        question asked with "not", which the passage writes only in sentences saying nothing negative),
        cannot support it. The windows read are aggregated together, as ``assistant/checking/windows.py`` describes: the
        best-supporting window anywhere decides support, a strongly contradicting window anywhere can make
        it contradicted.
        A claim the windows do not support is supported where a passage holds it word for word (a quote
        of ``QUOTE_WORDS`` or more), or, left unsupported (not contradicted), where a passage defines it in
        a line of code or settings ("#define CHUNK 16384" for "CHUNK is 16384": ``definitions.py``).
        An English claim restating a yes/no question that a passage asks and answers with a bare "Yes." or
        "No." ("Q: Do XZ Utils support the .7z format? A: No. ...": ``yesno.py``) is contradicted by a reply
        saying the other thing, whatever the windows read, and supported by one saying the same where they do
        not support it (passages replying both ways are left to the windows).
        A claim with no evidence is unsupported; a supported claim that answers its question is not
        supported after all where the passage's words of the question gather elsewhere (``place.py``:
        the passage's answer is another; ``Verdict.elsewhere`` shows it).
        """
        import numpy as np

        questions = list(questions) if questions is not None else [None] * len(claims)
        if len(questions) != len(claims):
            raise ValueError(f"{len(questions)} questions for {len(claims)} claims")
        pairs: list[tuple[str, str]] = []
        contexts: list[str] = []  # each window's claim's whole evidence, for verifiers that read it
        about: list[bool] = []  # whether the window shares any of its claim's content words
        owners: list[list[tuple[Evidence, Window]]] = [[] for _ in claims]
        spans: list[list[int]] = [[] for _ in claims]
        unnamed: list[str | None] = [None] * len(claims)  # a topic none of the claim's passages names
        documents: dict[tuple[str, str], bool] = {}  # whether a document names a topic, read once
        texts: dict[str, str] = {}  # documents read for the names rule, once
        swaps: dict[tuple, tuple[str, str] | None] = {}  # a question's swapped name per set of passages, once
        named: list[dict[int, bool]] = [{} for _ in claims]  # per claim: whether each passage names its topic
        blocked: list[set[int]] = [set() for _ in claims]  # per claim: passages saying it the other way round
        replies: list[list[tuple[Evidence, Answered]]] = [[] for _ in claims]  # yes/no questions a passage answers
        asked = [question_in(q) for q in questions]  # the question each message asks, if any
        for n, (claim, passages, question) in enumerate(zip(claims, evidence, questions)):
            whole = "\n\n".join(p.text for p in passages)
            statement = spelled(self.statement_for(claim, question))  # one way to write a date (dates.py)
            topic = topic_of(claim, asked[n])
            naming = named[n] = {id(p): topic is None or self.names(p, topic, documents) for p in passages}
            if passages and not any(naming.values()):
                unnamed[n] = topic
            english = self.cfg.name_rule and language_of(claim) == "en"  # the names rule reads it (names.py)
            if english:
                lacking = {id(p): self.lacks(p, claim, texts) for p in passages if naming[id(p)]}
                for key, lacks in lacking.items():
                    naming[key] = not lacks
                if lacking and not any(naming.values()):
                    everywhere = [w for w in next(iter(lacking.values())) if all(w in m for m in lacking.values())]
                    unnamed[n] = ", ".join(everywhere or dict.fromkeys(w for m in lacking.values() for w in m))
            if english and asked[n] and passages and (swap := self.swapped(asked[n], passages, texts, swaps)):
                # the question names what the passages name otherwise ("Ten Eyes" for "Nine Eyes",
                # swapped.py): a claim answering it, or writing its name, is not what they say
                if (word_count(claim) < 4 or answers_question(claim, question_words(asked[n]))
                        or swap[0].lower() in claim.lower()):
                    naming.update(dict.fromkeys(naming, False))
                    unnamed[n] = swap[0]
            numbers = numbers_of(claim) if english else []
            if english:  # a FAQ's "Q: Do XZ Utils support the .7z format? A: No." (yesno.py)
                replies[n] = [(p, r) for p in passages if (r := answered(p.text, strip_citations(claim)))]
            sectioned = {id(p): section_conflict(p.text, claim, asked[n]) for p in passages}
            # a passage writing the claim's phrase only the other way round, or its bare answer to a negated
            # question only in plain sentences, cannot support it; nor can any passage where the claim says
            # a thing comes "with" what its evidence writes only "without" (read over all of it: the passage
            # after a disclaimer's "without warranty" says "this disclaimer of warranty")
            lacked = without_phrase(whole, claim)
            turned = {id(p): turned_phrase(p.text, claim, asked[n]) or lacked
                      or unnegated_answer(p.text, claim, asked[n]) for p in passages}
            blocked[n] = {key for key in turned if turned[key] or sectioned[key]}
            # a number the passage's title writes names its document ("According to RFC 2616, ...",
            # "paragraph 0676"): no window need write it again
            titled = {id(p): set(numbers_in(p.title or "")) for p in passages}
            candidates = [(passage, window) for passage in passages for window in windows_for(self.verifier, passage.text)]
            for i in top_windows([w.text for _, w in candidates], claim, question, self.cfg.max_windows):
                passage, window = candidates[i]
                spans[n].append(len(pairs))
                owners[n].append((passage, window))
                pairs.append((spelled(window.text), statement))
                contexts.append(whole)
                # a window about something else, from a passage that never names what the claim is about
                # (assistant/checking/topic.py), without the claim's numbers (names.py), saying the claim
                # the other way round, or writing its number in another table row or section than its
                # name (binding.py), cannot support it
                about.append(naming[id(passage)] and not sectioned[id(passage)] and not turned[id(passage)]
                             and shares_content(window.text, claim)
                             and not (numbers and unwritten([x for x in numbers if x not in titled[id(passage)]],
                                                            window.text))
                             and not polarity_conflict(window.text, claim)
                             and not opposite_in(window.text, claim, asked[n])
                             and not row_conflict(window.text, claim, asked[n])
                             and not default_conflict(window.text, claim, asked[n]))
        if not pairs:
            probs = np.zeros((0, 3))
        elif getattr(self.verifier, "reads_contexts", False):
            probs = self.verifier.predict(pairs, contexts=contexts)
        else:
            probs = self.verifier.predict(pairs)
        if len(probs):  # no support from a window about something else, or saying the opposite
            probs = np.array(probs, dtype=np.float64)
            off = ~np.array(about)
            probs[off, 1] += probs[off, 0]
            probs[off, 0] = 0.0
        out = []
        for n, claim in enumerate(claims):
            statement = Statement(claim, 0, len(claim), claim, "claim")
            if not spans[n]:
                out.append(Verdict(statement, UNSUPPORTED, 0.0, (0.0, 1.0, 0.0), unnamed=unnamed[n]))
                continue
            agg = aggregate(probs[spans[n]], strong=self.contradiction_threshold)
            passage, window = owners[n][agg.best]
            p = tuple(float(x) for x in agg.probs)
            label = decide(p, self.support_threshold, self.contradiction_threshold)
            if replies[n] and len({r.agrees for _, r in replies[n]}) == 1:  # the passages answer it, one way
                passage, reply = replies[n][0]
                if not reply.agrees or label != SUPPORTED:
                    said = (1.0, 0.0, 0.0) if reply.agrees else (0.0, 0.0, 1.0)
                    out.append(Verdict(statement, SUPPORTED if reply.agrees else CONTRADICTED, said[0], said,
                                       passage.text[reply.start:reply.end], passage, (reply.start, reply.end)))
                    continue
            found = quoted(claim, [p for p in evidence[n] if named[n][id(p)]]) if label != SUPPORTED else None
            if found is None and label == UNSUPPORTED:  # a line of code or settings defining what it says
                found = self.defining(claim, [p for p in evidence[n] if named[n][id(p)] and id(p) not in blocked[n]],
                                      texts)
            if found is not None:  # the passage says it word for word (no window held all of it), or defines it
                passage, (a, b) = found
                out.append(Verdict(statement, SUPPORTED, 1.0, (1.0, 0.0, 0.0), passage.text[a:b], passage, (a, b)))
                continue
            elsewhere = None
            if label == SUPPORTED and self.cfg.answer_place:
                passage, window, p, elsewhere = self.placed(claim, asked[n], owners[n], probs[spans[n]],
                                                            (passage, window, p))
                label = decide(p, self.support_threshold, self.contradiction_threshold)
            out.append(Verdict(statement, label, p[0], p, window.text, passage, (window.start, window.end),
                               unnamed[n] if label != SUPPORTED else None, elsewhere))
        if self.reader is not None:
            self.read_answers(out, claims, asked)
        return out

    def placed(self, claim: str, question: str | None, owners: Sequence[tuple[Evidence, Window]],
               window_probs, best: tuple[Evidence, Window, tuple[float, ...]]):
        """(passage, window, probabilities, the passage's own answer or None) for a claim that its best
        window supports, after the answer-place rule (``place.py``): a passage whose answer to the question
        is another span cannot support the claim, and the windows of the other passages decide without it.
        Where none is left to support it, the first passage is shown with its own answer and no support.
        (Session 28's answers benchmark: "Private schools are also known as independent schools, ..." was
        flagged because its best window was in a passage about Nepal's schools, while the passage it cited
        says it nearly word for word.)"""
        passage, window, p = best
        rest = list(range(len(owners)))
        own = None  # the best passage's own answer
        while True:
            found = place_of(question, claim, passage.text)
            if found is None or not found.elsewhere:
                return passage, window, p, None
            own = own or passage.text[found.start:found.end].strip()
            rest = [i for i in rest if owners[i][0] is not passage]
            agg = aggregate(window_probs[rest], strong=self.contradiction_threshold) if rest else None
            if agg is None or decide(tuple(float(x) for x in agg.probs), self.support_threshold,
                                     self.contradiction_threshold) != SUPPORTED:
                passage, window, p = best
                return passage, window, (0.0, p[0] + p[1], p[2]), own
            passage, window = owners[rest[agg.best]]
            p = tuple(float(x) for x in agg.probs)

    def read_answers(self, verdicts: list[Verdict], claims: Sequence[str], asked: Sequence[str | None]) -> None:
        """The reader's say (``reader.py``), in place: a supported claim that is a bare answer to its
        question (``reader.spots_to_read``) and whose answer scores below the reader's own answer
        in the supporting passage (a span, or none at all) has its support lowered
        (``Reader.penalty``); where that leaves it unsupported, ``elsewhere`` shows the reader's
        answer's sentence."""
        items, owners = to_read(verdicts, claims, asked)
        for n, reading in zip(owners, self.reader.read(items)):
            if reading is None or not (penalty := self.reader.penalty(reading)):
                continue
            v = verdicts[n]
            p = lowered(v.probs, penalty)
            label = decide(p, self.support_threshold, self.contradiction_threshold)
            shown = None
            if label != SUPPORTED and not reading.says_none:
                a, z = sentence_around(v.source.text, reading.start, reading.end)
                shown = v.source.text[a:z].strip()
            verdicts[n] = Verdict(v.statement, label, p[0], p, v.evidence, v.source, v.span, v.unnamed, shown)

    def evidence_for(self, statements: Sequence[Statement], question: str | None,
                     passages: Sequence[Evidence]) -> list[list[Evidence]]:
        """The answer's passages plus those retrieved for each statement (deduplicated), chunks of one
        document that meet read as one passage (``adjacent.py``)."""
        retrieved: list[list[Evidence]] = [[] for _ in statements]
        if self.index is not None and self.cfg.retrieve_k and statements and self.index.documents():
            queries = [contextualize(s.claim, question) for s in statements]
            for slot, hits in zip(retrieved, self.index.search_many(queries, self.cfg.retrieve_k)):
                slot.extend(Evidence.from_hit(h) for h in hits)
        document_text = documents_of(self.index)
        out = []
        for extra in retrieved:
            seen, merged = set(), []
            for e in [*passages, *extra]:
                key = (e.doc_id, e.start, e.end) if e.doc_id else e.text
                if key not in seen:
                    seen.add(key)
                    merged.append(e)
            out.append(join_adjacent(merged, document_text))
        return out

    def check_answer(self, answer: str, question: str | None = None, passages: Sequence[Evidence] = (),
                     statements: Sequence[Statement] | None = None) -> CheckReport:
        """Split ``answer`` into statements (unless the caller already did: ``statements``) and
        judge every claim among them."""
        start = time.perf_counter()
        statements = list(statements) if statements is not None else split_statements(answer)
        # a sentence that only says the question back answers nothing: not checked, and an answer of
        # nothing else gets the refusal (``says_nothing``)
        statements = [replace(s, kind=NOT_A_CLAIM, reason=REASON_RESTATES)
                      if s.checkable and restates(question, s.claim) else s for s in statements]
        # a sentence naming the passage it came from by its document's title only points to its source
        titles = [p.title for p in passages]
        statements = [read_titles(s, titles) for s in statements]
        claims = [s for s in statements if s.checkable]
        evidence = self.evidence_for(claims, question, passages)
        judged = self.judge([s.claim for s in claims], evidence, [question] * len(claims))
        by_start = {s.start: v for s, v in zip(claims, judged)}
        verdicts = []
        for s in statements:
            if not s.checkable:
                verdicts.append(Verdict(s, NOT_A_CLAIM, None))
            else:
                v = by_start[s.start]
                verdicts.append(Verdict(s, v.label, v.score, v.probs, v.evidence, v.source, v.span, v.unnamed,
                                        v.elsewhere))
        return CheckReport(answer, question, verdicts, self.verifier.name, self.version,
                           time.perf_counter() - start, threshold=self.support_threshold)


@dataclass
class ClaimResult:
    id: str
    label: Label
    score: float
    evidence: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "score": self.score, "evidence": self.evidence}


CHECK_GROUP = 8  # claims judged per verifier batch by check_claims, between looks at its stop
CHECK_GROUP_CHARS = 50_000  # ... and no more evidence than this in a group (one claim at least)


def check_groups(items: Sequence[dict]) -> Iterator[Sequence[dict]]:
    """``items`` in consecutive groups of at most ``CHECK_GROUP`` claims and, past the first claim of
    a group, ``CHECK_GROUP_CHARS`` characters of given evidence: a group is what runs between two
    looks at whether to stop, so a long piece of evidence is judged in a group of its own."""
    group: list[dict] = []
    chars = 0
    for item in items:
        size = len(item.get("evidence") or "")
        if group and (len(group) >= CHECK_GROUP or chars + size > CHECK_GROUP_CHARS):
            yield group
            group, chars = [], 0
        group.append(item)
        chars += size
    if group:
        yield group


def check_claims(checker: Checker, items: Sequence[dict], stop: threading.Event | None = None) -> list[ClaimResult]:
    """The batch interface: ``{"id", "claim", "evidence"?, "question"?}`` items, judged a group at
    a time (:func:`check_groups`). Once ``stop`` is set (whoever asked has left), the next group is
    not judged: :class:`~core.errors.Cancelled`.

    Items without evidence are judged against passages retrieved from the index.
    """

    results: list[ClaimResult] = []
    for group in check_groups(items):
        if stop is not None and stop.is_set():
            raise Cancelled(f"checking stopped after {len(results)} of {len(items)} claims")
        results += _check_group(checker, group)
    return results


def _check_group(checker: Checker, items: Sequence[dict]) -> list[ClaimResult]:
    claims = [it["claim"] for it in items]
    questions = [it.get("question") for it in items]
    evidence: list[list[Evidence]] = [[Evidence(it["evidence"])] if it.get("evidence") else [] for it in items]
    need = [n for n, it in enumerate(items) if not it.get("evidence")]
    if need and checker.index is not None and checker.index.documents():
        k = checker.cfg.retrieve_k or 3
        queries = [contextualize(claims[n], questions[n]) for n in need]
        document_text = documents_of(checker.index)
        for n, hits in zip(need, checker.index.search_many(queries, k)):  # read as check_answer reads them
            evidence[n] = join_adjacent([Evidence.from_hit(h) for h in hits], document_text)
    verdicts = checker.judge(claims, evidence, questions)
    return [ClaimResult(str(it["id"]), v.label, float(v.score or 0.0), v.evidence or "")
            for it, v in zip(items, verdicts)]


def make_checker(cfg: CheckerConfig, index=None, chat=None) -> Checker:
    """The checker ``cfg`` describes; ``chat`` (a loaded ChatModel) is the judge of the ``llm`` backend."""

    if cfg.verifier == "nli":
        options = {"model": cfg.nli_model, "precision": cfg.precision}
    elif cfg.verifier == "trained":
        options = {"model": cfg.trained_model or None, "chinese": cfg.trained_model_zh or None,
                   "precision": cfg.precision}
    elif cfg.verifier == "llm":
        if chat is None:
            raise ConfigError("checker.verifier = llm needs the dialogue model, and none is loaded here")
        options = {"chat": chat}
    else:
        options = {}
    verifier = make_verifier(cfg.verifier, **options)
    embedding_model = getattr(index, "embedding_model", None) if index is not None else None
    if embedding_model and hasattr(verifier, "share_encoder"):  # one copy of the embedding model
        verifier.share_encoder(lambda: index.embedder, embedding_model)
    return Checker(verifier, cfg, index, make_reader(cfg))


_READERS: dict[tuple[str, str, str], Any] = {}  # one loaded reader per folder, version and precision


def make_reader(cfg: CheckerConfig):
    """The reader ``checker.reader`` names (``reader.py``; loaded on first use, once in a process: the
    page's checkers and the prompt's focus share it), or None for none."""
    from assistant.checking.reader import SHIPPED, Reader

    name = cfg.reader.strip()
    if name.lower() == "none":
        return None
    folder = SHIPPED if name.lower() == "shipped" else Path(name).expanduser()
    if not (folder / "config.json").is_file():
        raise ConfigError(f"checker.reader: {folder} is not a reader folder (no config.json); "
                          "name one written by `python -m finetune.reader`, or none")
    reader = Reader(folder, precision=cfg.precision)
    return _READERS.setdefault((str(folder.resolve()), reader.version, cfg.precision), reader)
