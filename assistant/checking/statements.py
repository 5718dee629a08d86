"""Split an answer into checkable statements, with offsets into the answer.

Each sentence is a statement; a compound sentence is split further where it is
cheap and safe (at ``;`` and at ``, and`` / ``, but`` / ``, while`` / ``, whereas``
when both sides have at least four words). Sentences that assert nothing
(greetings, thanks, "I don't know", questions) are kept, marked as not claims,
with the reason, so the UI can show them unflagged rather than drop them; so are
lead-ins that announce what follows ("The answer is:", "Here is what I found.") and
sentences that only point to their source ("This is stated in passage [1].") and an
answer's last sentence when the answer stops in the middle of it ("The group"). An
attribution in front of a claim ("Based on passage [1], ...", "The passage states that
...") is left out of the text checked: the claim is what follows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable, Literal

from assistant.chat.prompt import CITATION, NO_ANSWERS
from core.labels import NOT_A_CLAIM
from core.sentences import split_sentences
from core.words import word_count

_CITATION = re.compile(r"\s*" + CITATION.pattern)  # a citation marker and the space before it
_COMPOUND = re.compile(r";\s+|,\s+(?=(?:and|but|while|whereas)\s)")
_COLON_LINE = re.compile(r"(?<=[:：])[ \t]*\n\s*")  # "The answer is:" on a line of its own
# A sentence whose answer is only its citation: "The command the application must run ... is [1]." (session
# 39's trial: the claim left, "... directory is.", was supported at 0.96): it ends on a verb or an article
# no sentence ends on, the citation standing where its answer should be ("as stated in [1]" is a source).
# Lower case, and not "a", "are" or "be": "vitamin A [1]", "ls -a [1]", "how large directories are [1]",
# "Let It Be [1]" end on their answers (a hostile run, session 39).
_CITED_AS_ANSWER = re.compile(r"(?<![\w-])(?:is|was|were|called|named|the|an)\s*"
                              r"(?:\[\d+(?:\s*[,;-]\s*\d+)*\]\s*)+[.!]?\s*$")
_LEADING_CONJUNCTION = re.compile(r"^(?:and|but|while|whereas)\s+", re.IGNORECASE)
# A Markdown code fence and its language ("```bash"): the page's formatting, not what the statement says
# (a session 39 trial: "```bash xz will then scale ... not reached. ```", the FAQ's own sentence, was flagged).
_FENCE = re.compile(r"```[\w+.-]*")
_GREETING = re.compile(
    r"^(?:(hi|hello|hey|greetings|thanks?|thank you|you'?re welcome|sure|of course|certainly|okay|ok|"
    r"great question|good question|glad to help|happy to help|i hope (this|that) helps|let me know|"
    r"feel free to ask)\b|你好|您好|谢谢|不客气|当然|好的|希望(这|以上)(能|对你有)?帮)", re.IGNORECASE)
_NO_ANSWER = re.compile(
    r"\b(i (do not|don'?t|cannot|can'?t) (know|tell|say|find|answer)|i'?m not sure|i am not sure|"
    r"(do|does) not (contain|mention|say|specify|provide)|(don'?t|doesn'?t) (contain|mention|say|specify|provide)|"
    r"no information|not (mentioned|specified|stated|provided) in|there is no mention|"
    r"cannot be determined|can'?t be determined|unable to (find|determine|answer))\b|"
    r"(我)?(不知道|无法(回答|确定|判断|得知)|不能确定|不清楚)|(没有|并未|未)(提到|提及|说明|给出|包含)|没有(相关)?信息", re.IGNORECASE)

# A lead-in that announces what follows and asserts nothing itself: "The answer is:",
# "Here is what I found.", "Based on the provided documents:".
_LEAD_IN = re.compile(
    r"^(?:so,?\s+|well,?\s+)?(?:(?:the|my|a|short|final)\s+)?(?:answer|response|summary|result|reply)s?"
    r"(?:\s+(?:to|for)\s+(?:your|the|this|that)\s+question)?\s+(?:is|are|would be)\s*:?$|"
    r"^(?:here\s+(?:is|are|'s)|here's|below\s+(?:is|are))\b.{0,40}$|"
    r"^(?:(?:based\s+on|according\s+to|from)\s+(?:the\s+)?(?:provided\s+|given\s+)?"
    r"(?:documents?|passages?|sources?|context|information|text))\s*[:,]?$|"
    r"^(?:(?:这个|该)?问题的)?(?:答案|回答)(?:是|为|如下)\s*[:：]?$|"
    r"^(?:根据|依据|按照)(?:提供的|所给的|上述)?(?:文档|段落|资料|信息|内容)\s*[:：,，]?$", re.IGNORECASE)

# a source named in words, with its number where the citation is not bracketed ("paragraph 2"), and
# the whole it is part of ("paragraph 2 of the provided documents": session 28's answers benchmark)
_SOURCE_NAME = (r"(?:the\s+)?(?:(?:and|or|&|,)\s+)*(?:provided\s+|given\s+|above\s+|first\s+|second\s+|third\s+)?"
                r"(?:passages?|documents?|texts?|sources?|context|information|paragraphs?|sections?|lines?|excerpts?)"
                r"(?:\s+\d+(?:\s*(?:,|and|&)\s*\d+)*)?")
_SOURCE = _SOURCE_NAME + r"(?:\s+(?:of|in)\s+" + _SOURCE_NAME + r")?"
# Where a claim says, after a comma, which passage it came from: ", as stated in [3]" (its citation
# removed), ", which is defined in the first passage [1]", ", as stated in paragraph-0797" (a title).
# It asserts nothing of its own, and the verifier read the claim with it as less supported (the browser
# trial of session 34: "... is Z_DEFAULT_COMPRESSION, which is defined in the first passage [1]." 0.92).
_TRAILING_SOURCE = re.compile(
    r",\s*(?:as\s+(?:is\s+)?|which\s+(?:is|was|can\s+be)\s+)?(?:stated|mentioned|described|shown|seen|given|"
    r"defined|noted|specified|found|listed)\s+in(?:\s+(?:" + _SOURCE + r"|[a-z]+-\d+))?\s*(?=[.!]?$)", re.IGNORECASE)
# What a list of citations leaves once they are removed: "This is mentioned in [1], [2], and [3]."
_DANGLING = re.compile(r"(?:\s*(?:[,;&]|\band\b|\bor\b))+$", re.IGNORECASE)
# What a pointer may add about its source, asserting nothing of the answer: ", which describes the
# shared-mime-info-spec" (session 39's trial: flagged after every answer); not ", which states that ...".
_ABOUT_SOURCE = (r"(?:\s*,?\s*(?:which|that)\s+(?:describes|discusses|covers|concerns|is\s+about|talks\s+about)"
                 r"\s+(?!that\b)[^.,;:\d]*)?")  # no number: "which covers the 20-byte header" says one
# A sentence that only says where the answer came from (its citation already removed).
_POINTER = re.compile(
    r"^(?:this|that|it|which|the answer|(?:this|the)\s+[a-z][\w-]*)\s+(?:is|was|are|can be|could be|may be)\s+"
    r"(?:(?:directly|clearly|explicitly|also)\s+)?(?:stated|found|seen|mentioned|given|inferred|described|shown|said|"
    r"written|confirmed|supported|derived|taken|defined|set|specified|listed|declared)\s+(?:in|from|by)"
    r"(?:\s+" + _SOURCE + r")?" + _ABOUT_SOURCE + r"$|"
    r"^(?:this|that|the)\s+(?:passage|information|quote|text)\s+(?:is|was|comes)\s+(?:taken\s+)?from"
    r"(?:\s+" + _SOURCE + r")?$", re.IGNORECASE)
# Said in front of a claim, asserting nothing of its own: "Based on passage [1], ...",
# "This passage directly states that ...", "This can be seen from the passage [1], which states that ...".
_ATTRIBUTION = re.compile(
    r"^(?:(?:based\s+on|according\s+to|as\s+(?:stated|mentioned|described|shown)\s+in)\s+" + _SOURCE + r"\s*,\s*|"
    r"(?:this|that|the)\s+(?:passages?|documents?|texts?|sources?)\s+(?:(?:directly|clearly|also)\s+)?"
    r"(?:states?|says?|mentions?|shows?|explains?|notes?)\s+(?:that\s+)?|"
    r"(?:this|it|this\s+information)\s+(?:is|was|can\s+be)\s+(?:stated|seen|found|mentioned|shown|inferred)\s+"
    r"(?:in|from)(?:\s+" + _SOURCE + r")?\s*,?\s*(?:(?:where|which)\s+(?:it\s+)?(?:states?|says?|mentions?)"
    r"(?:\s+that\s+|\s*:\s*|\s+)|"
    r"(?:where|in\s+which)\s+it\s+(?:is|was)\s+(?:described|mentioned|stated|defined|explained|said)\s+(?:as|that)\s+)|"
    r"(?:根据|依据|按照)(?:提供的|所给的|上述)?(?:文档|段落|资料)?\s*(?:\[\d+\])?(?:中|的内容|所述)?\s*[,，:：]\s*|"
    r"(?:段落|文档|资料)\s*(?:\[\d+\])?\s*(?:中)?(?:提到|指出|说明|写道)(?:了)?\s*[,，:：]?\s*)", re.IGNORECASE)

Kind = Literal["claim", NOT_A_CLAIM]


# Why a statement is not a claim: logged with it (in English); the page shows them in its language.
REASON_NO_CONTENT = "no content"
REASON_QUESTION = "question"
REASON_NO_ANSWER = "says it does not know"
REASON_COURTESY = "greeting or courtesy"
REASON_LEAD_IN = "a lead-in to what follows"
REASON_POINTER = "points to its source"
REASON_UNFINISHED = "unfinished: the answer stops here"
REASON_RESTATES = "restates the question"  # judged against the question (``place.restates``), by the checker
REASON_CITATION_ONLY = "a citation where its answer should be"
REASONS = (REASON_NO_CONTENT, REASON_QUESTION, REASON_NO_ANSWER, REASON_COURTESY, REASON_LEAD_IN, REASON_POINTER,
           REASON_UNFINISHED, REASON_RESTATES, REASON_CITATION_ONLY)


@dataclass(frozen=True)
class Statement:
    text: str  # exactly ``answer[start:end]``
    start: int
    end: int
    claim: str  # the text to check: citation markers removed, whitespace collapsed
    kind: Kind
    reason: str | None = None  # why it is not a claim: greeting, no answer, question, no content

    @property
    def checkable(self) -> bool:
        return self.kind == "claim"


def _classify(claim: str) -> tuple[Kind, str | None]:
    words = re.findall(r"\w+", claim)
    if not words:
        return NOT_A_CLAIM, REASON_NO_CONTENT
    if claim.rstrip().endswith(("?", "？")):
        return NOT_A_CLAIM, REASON_QUESTION
    if any(n.lower().rstrip(".。") in claim.lower() for n in NO_ANSWERS) or _NO_ANSWER.search(claim):
        return NOT_A_CLAIM, REASON_NO_ANSWER
    if _GREETING.match(claim) and len(words) <= 12:
        return NOT_A_CLAIM, REASON_COURTESY
    stripped = claim.strip().rstrip(".!…。！")
    if _LEAD_IN.match(stripped) or (stripped.endswith((":", "：")) and word_count(stripped) <= 8):
        return NOT_A_CLAIM, REASON_LEAD_IN
    if _POINTER.match(_DANGLING.sub("", stripped)):
        return NOT_A_CLAIM, REASON_POINTER
    return "claim", None


def _without_attribution(claim: str) -> str:
    """``claim`` without an attribution in front of it (and the quotes around what remains)."""
    rest = _ATTRIBUTION.sub("", claim, count=1)
    if rest == claim or not re.search(r"\w", rest):
        return claim
    rest = rest.strip()
    if len(rest) > 2 and rest[0] in "\"“" and rest.rstrip(".")[-1:] in "\"”":
        rest = rest.strip(".").strip("\"“”").strip()
    return rest[:1].upper() + rest[1:]


def _split_compound(text: str, start: int) -> list[tuple[int, int]]:
    """(start, end) pieces of one sentence, cut at compound boundaries with enough words each side;
    never inside a list ("to make, use, distribute, and modify copies": the last item before
    ", and" is a few words after a comma)."""
    cuts = [0]
    for match in _COMPOUND.finditer(text):
        left, right = text[cuts[-1]:match.start()], text[match.end():]
        listed = text[match.start()] == "," and "," in left and len(left.rsplit(",", 1)[1].split()) <= 3
        if len(left.split()) >= 4 and len(right.split()) >= 4 and not listed:
            cuts += [match.start(), match.end()]
    cuts.append(len(text))
    pieces = []
    for a, b in zip(cuts[::2], cuts[1::2]):
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trimmed = piece.strip()
        if trimmed:
            pieces.append((start + a + lead, start + a + lead + len(trimmed)))
    return pieces


def _lines_after_colons(sentence) -> list[tuple[int, int, str]]:
    """(start, end, text) of the pieces of a sentence cut where a line ends with a colon."""
    out, at = [], 0
    for match in _COLON_LINE.finditer(sentence.text):
        out.append((sentence.start + at, sentence.start + match.start(), sentence.text[at:match.start()]))
        at = match.end()
    out.append((sentence.start + at, sentence.end, sentence.text[at:]))
    return [piece for piece in out if piece[2].strip()]


# Words a sentence does not end on: an answer whose last statement ends on one was cut mid-sentence.
_OPEN_ENDED = {"a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from",
               "also", "is", "are", "was", "were", "as", "that", "which", "its", "their", "this", "these", "be",
               "has", "have", "not", "into", "than", "such"}


def _unfinished(statement: "Statement", alone: bool) -> bool:
    """The last statement of an answer, cut off mid-sentence (a stream stopped by the length limit
    or the repetition guard): no closing punctuation, and it ends on a word no sentence ends on,
    or it is three words or fewer after other statements ("The group"). A one-statement answer
    ("Tampere") is an answer, however short."""
    if statement.text.rstrip()[-1:] in ".!?…\"”')]。！？；」』）":
        return False
    words = re.findall(r"\w+", statement.claim.lower())
    return bool(words) and (words[-1] in _OPEN_ENDED or (not alone and len(words) <= 3))


def read_titles(statement: Statement, titles: Iterable[str]) -> Statement:
    """``statement`` read again with the titles of the passages its answer was given read as "passage":
    the prompt heads each passage with its document's title, and a file name reads like a name the model
    can cite (session 28's answers benchmark: "This is stated in [1] paragraph-0365." only points to its
    source; "This is stated in [1] paragraph-0510, which mentions oxygen storage methods ..." claims what
    follows "which mentions"). A title inside a claim of its own ("The acme-notes file was written in
    1999.") leaves it as it is."""
    if not statement.checkable:
        return statement
    named = statement.claim
    for title in sorted({t.strip() for t in titles if t and t.strip()}, key=len, reverse=True):
        named = re.sub(rf"(?<!\w){re.escape(title)}(?!\w)", "passage", named, flags=re.IGNORECASE)
    if named == statement.claim:
        return statement
    named = re.sub(r"\[\s*passage\s*\]", "passage", named)  # a title in brackets: "[1] [paragraph-0091]"
    named = re.sub(r"\bpassage\s+(?:the\s+)?passage\b", "passage", named)  # "the passage paragraph-0365"
    claim = _without_attribution(named)
    kind, reason = _classify(claim)
    if kind == NOT_A_CLAIM:
        return replace(statement, kind=kind, reason=reason)
    if claim != named:  # an attribution naming the title, in front of what it claims
        return replace(statement, claim=claim)
    return statement


def strip_citations(text: str) -> str:
    """``text`` without its citation markers ("[1]", "[1, 3]", "出自第2段") and the space before each."""
    return _CITATION.sub("", text)


def split_statements(answer: str, split_compounds: bool = True) -> list[Statement]:
    """The statements of ``answer``, in order, with offsets; ``answer[s.start:s.end] == s.text``.
    The last one is not a claim when the answer stops in the middle of it (:func:`_unfinished`)."""
    out = []
    pieces = (piece for sentence in split_sentences(answer, openers=True) for piece in _lines_after_colons(sentence))
    for start, end, text in pieces:
        spans = _split_compound(text, start) if split_compounds else [(start, end)]
        for a, b in spans:
            text = answer[a:b]
            claim = " ".join(_FENCE.sub(" ", strip_citations(text)).split())
            claim = _without_attribution(_LEADING_CONJUNCTION.sub("", claim))
            claim = _TRAILING_SOURCE.sub("", claim)
            kind, reason = _classify(claim)
            if kind == "claim" and _CITED_AS_ANSWER.search(text):
                kind, reason = NOT_A_CLAIM, REASON_CITATION_ONLY
            out.append(Statement(text, a, b, claim, kind, reason))
    if out and out[-1].checkable and _unfinished(out[-1], alone=len(out) == 1):
        last = out[-1]
        out[-1] = Statement(last.text, last.start, last.end, last.claim, NOT_A_CLAIM, REASON_UNFINISHED)
    return out
