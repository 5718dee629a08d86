"""The names and numbers an English claim states, and whether a passage states them too.

The verifier reads what a window says and barely weighs about whom or how many: in the answers
benchmark (session 29) "The California Institute of Technology is a public university." was
supported 0.997 by "Telenet was the first FCC-licensed public data network ...", "3,000 Protestants
were slaughtered in Toulouse alone." 0.957 by "almost 25,000 Protestants had been massacred in
Paris alone", "The gene CYP27B1 is expressed by the B-cell." 0.995 by a window about the T-cell. A
passage that never writes one of the claim's names ("Toulouse", "Caltech"'s "Institute") or
numbers ("3,000") does not say the claim, whatever its window's wording: its windows cannot
support it (``checker.py``), and the verdict shows what none of the passages names. A number is
read closer still: the window that supports the claim must write it ("The UID of the nobody user is
65535." was supported 0.994 by "65534 -> The nobody UID", in a document that writes 65535 elsewhere).

A name is a word written with a capital that does not open the sentence ("Toulouse", "B-cell"),
or any word holding a capital after its first letter or a digit ("IPCC", "CYP27B1"); a number is
a run of digits ("3,000" is 3000, "19th" is 19). A passage names a word when it holds it in any
case, without accents, or a word it begins ("Aboriginals" of "Aboriginal", "Australian" of
"Australia"). Words spelt out ("three") and Chinese text (``topic.py``) are not read, nor a sentence's
first word unless the next is a name too ("Temur Khan's ...").

A word quoted as an account's or a group's name ('The group "user" was created by the operator user.',
supported 0.93 by a passage about the operator account, which writes every word of it) is a name too:
a passage names it where it quotes it, writes it beside "group" / "user" / ..., or opens a line with
it (``kind_names``, ``writes_kind_name``).
"""

from __future__ import annotations

import re
import unicodedata

from assistant.checking.dates import month_words, spelled
from assistant.checking.verifiers.overlap import STOPWORDS

# A word: letters, digits, apostrophes and hyphens inside ("B-cell", "O'Brien", "K-12").
_WORD = re.compile(r"[^\W_](?:[\w'’\-]*[^\W_])?")
_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")  # "U.S.", "e.g."
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
# Where a sentence ends inside a claim ("Paris. Its ..."): the next word opens a sentence.
_SENTENCE_BREAK = re.compile(r"[.!?:;\"“”]\s*$")
# Capitalised words that are not names: pronouns, words that open quoted text or lists.
_OPENERS = frozenset({"well", "sure", "oh", "so", "okay", "ok", "hi", "hello", "thanks", "yeah", "yep", "yes", "no",
                      "however", "also"})  # a reply's first word, before its sentence's
_NOT_NAMES = STOPWORDS | _OPENERS | frozenset({"i", "i'm", "i've", "mr", "mrs", "ms", "dr", "st", "according", "based",
                                               "passage", "passages", "paragraph", "document", "documents"})
_NEXT_NAME = re.compile(r"\s+[A-Z]")
_SPLIT_GROUPS = re.compile(r"(\d)\s*(,)\s+(\d{3})\b|(\d)(\.)\s+(\d)")  # "3, 000", "1. 3" in tokenised text
SUFFIX = 3  # a passage's word may run this many letters past the claim's, or the claim's past it


def fold(text: str) -> str:
    """Lower case without accents ("Czerniaków" is "czerniakow")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _joined(text: str) -> str:
    """``text`` with a number's parts split by a comma or point and spaces joined ("3, 000" -> "3,000",
    "1. 3" -> "1.3", "53, 193, 914" -> "53,193,914"; tokenised text writes them so)."""
    while (joined := _SPLIT_GROUPS.sub(lambda m: "".join(g for g in m.groups() if g), text)) != text:
        text = joined
    return text


def numbers_in(text: str, tokenised: bool = False) -> set[str]:
    """The numbers of ``text`` as digit strings ("3,000" -> "3000"; "2.5" -> "2.5"; "19th" -> "19");
    ``tokenised``: also as a tokeniser may have split them ("3, 000", "1. 3"), and as they read joined
    (a sentence may end with a number and the next open with one: "in 1413. 14th-century")."""
    out = set()
    for source in (text, _joined(text)) if tokenised else (text,):
        for match in _NUMBER.finditer(source):
            number = match.group(0).rstrip(".,").replace(",", "")
            out.add(number.lstrip("0") or "0")
    return out


def names_in(claim: str) -> list[str]:
    """The names of ``claim`` (as written, in order, each once): runs of words with a capital that do
    not open a sentence ("California Institute"), and words with a capital after their first letter
    ("IPCC", "CYP27B1"). A sentence's first word joins only where the next word is a name too."""
    out: list[str] = []
    run: list[re.Match] = []
    opening = True

    def close() -> None:
        if run:
            name = claim[run[0].start():run[-1].end()]
            if name not in out:
                out.append(name)
            run.clear()

    last = 0  # where the previous word ended: what lies between it and this one may end a sentence
    for match in _WORD.finditer(claim):
        word = match.group(0)
        before = claim[run[-1].end() if run else 0:match.start()]
        if run and before.strip():  # a comma, "of", a bracket between: the run ends
            close()
        # (only the gap is read: the whole text before each word made a document's names quadratic)
        opening = opening or bool(_SENTENCE_BREAK.search(claim, last, match.start()))
        last = match.end()
        inner = any(c.isupper() for c in word[1:])
        capital = word[0].isupper() and (not opening or _NEXT_NAME.match(claim, match.end()) is not None)
        letters = sum(c.isalpha() for c in word)
        if (inner or capital) and letters >= 2 and fold(word).strip("'’") not in _NOT_NAMES:
            run.append(match)
        else:
            close()
        opening = opening and fold(word) in _OPENERS  # "Well Politically ...": the sentence opens after it
    close()
    return out


def _stems(text: str) -> set[str]:
    """The words of ``text`` folded, without "'s"; a dotted abbreviation also as one word ("U.S." -> "us")."""
    words = {fold(w).removesuffix("'s").removesuffix("’s") for w in _WORD.findall(text)}
    return words | {fold(a.replace(".", "")) for a in _DOTTED.findall(text)}


def writes_word(word: str, stems: set[str]) -> bool:
    """Whether a text whose words are ``stems`` writes ``word``: the same word in any case and without
    accents, or one that begins the other and runs at most ``SUFFIX`` letters past it."""
    want = fold(word).removesuffix("'s").removesuffix("’s")
    if want in stems:
        return True
    return len(want) >= 4 and any(abs(len(s) - len(want)) <= SUFFIX and len(s) >= 4
                                  and (s.startswith(want) or want.startswith(s)) for s in stems)


# Words that many names share: one of them alone does not stand for a longer name ("United" of "United
# Nations" is not "United States"; "University" of one university is not another's).
SHARED = frozenset("""united states nations kingdom republic federal national international royal general grand
great new north south east west northern southern eastern western central upper lower saint university college
institute school academy company corporation council committee party union church cathedral river lake mount
county city state province district island islands empire war world museum society association league
department ministry army navy court bank house hall street road park award prize cup first second""".split())


def writes_name(name: str, stems: set[str]) -> bool:
    """Whether a text whose words are ``stems`` writes ``name``: a one-word name as ``writes_word``
    does; a longer one where all its words are, one of its words of four or more letters is
    ("Presley" for "Elvis Presley"; not a word many names share, ``SHARED``: "United" of "United
    Nations" is not "United States"), or its initials are ("US" for "United States")."""
    words = _WORD.findall(name)
    if len(words) == 1:
        return writes_word(words[0], stems)
    written = [writes_word(w, stems) for w in words]
    if all(written) or any(len(w) >= 4 and ok and fold(w) not in SHARED for w, ok in zip(words, written)):
        return True
    initials = "".join(w[0] for w in words).lower()
    return len(initials) >= 2 and initials in stems


# A word quoted as the name of an account or a group: group "user", the `nobody` user. The verifier reads
# "user" as the word every passage about accounts writes; a passage names such an account where it
# quotes the word, writes it beside its kind ("group user", "the user group") or on a line of its own
# (a manual's entry: "nobody, nogroup"). Commands, options, files and the like are left alone: manuals
# write "ls" or "--force" inline, unquoted and without their kind.
KINDS = frozenset({"user", "group", "account", "role", "team"})
_QUOTE_OPEN, _QUOTE_CLOSE = "\"“‘'`", "\"”’'`"
_QUOTED = re.compile(rf"(?:\b(\w+)\s+)?[{_QUOTE_OPEN}]([a-z][a-z0-9_\-]*)[{_QUOTE_CLOSE}](?:\s+(\w+)\b)?")


def kind_names(claim: str) -> list[str]:
    """The common words ``claim`` quotes as a kind's name, each with its kind as the claim writes it
    ('group "user"', '"staff" group')."""
    out = []
    for match in _QUOTED.finditer(claim):
        before, name, after = match.groups()
        for kind, text in ((before, f'{before} "{name}"'), (after, f'"{name}" {after}')):
            if kind and kind.lower().rstrip("s") in KINDS and text not in out:
                out.append(text)
                break
    return out


def writes_kind_name(named: str, text: str) -> bool:
    """Whether ``text`` names what ``named`` (a ``kind_names`` entry) names: the word quoted, beside its
    kind (in either order, plural or not), or opening a line of at most four words."""
    name = re.search(r'"([^"]+)"', named).group(1)
    kind = re.sub(r'\s*"[^"]+"\s*', "", named).lower().rstrip("s")
    word = re.escape(name)
    patterns = [rf"[{_QUOTE_OPEN}]{word}[{_QUOTE_CLOSE}]", rf"\b{kind}s?\s+{word}\b", rf"\b{word}\s+{kind}s?\b",
                rf"(?m)^[ \t]*{word}\b[^\n\w]*(?:\w+\W*){{0,3}}$"]
    return any(re.search(p, text, re.IGNORECASE) for p in patterns)


def numbers_of(claim: str) -> list[str]:
    """The numbers ``claim`` states, as digit strings: a window that supports it must write each of them
    (a passage writing "65535" in one paragraph does not make its window about 65534 say "65535"). An ISO
    date is read spelt out (``dates.spelled``): "2013-06-09" states 9 and 2013, and the month "June"."""
    return sorted(numbers_in(spelled(claim)))


def stated(claim: str) -> list[str]:
    """What ``claim`` names: its names, its numbers as digit strings, then the common words it quotes as
    a kind's name (``kind_names``); an ISO date spelt out, its month a name."""
    claim = spelled(claim)
    names = names_in(claim)
    return names + [n for n in sorted(numbers_in(claim)) if n not in names] + kind_names(claim)


def unwritten(words: list[str], text: str) -> list[str]:
    """Those of ``words`` (``stated``) that ``text`` does not write."""
    have = numbers_in(text, tokenised=True)
    # a window read for numbers only; a month an ISO date writes is written ("2013-06-09": June)
    stems = _stems(text) | month_words(text) if not all(map(_is_number, words)) else set()

    def written(w: str) -> bool:
        if _is_number(w):
            return w in have
        return writes_kind_name(w, text) if '"' in w else writes_name(w, stems)

    return [w for w in words if not written(w)]


def missing(claim: str, text: str) -> list[str]:
    """The names and numbers of ``claim`` that ``text`` does not write (none: ``text`` may say it)."""
    return unwritten(stated(claim), text)


def _is_number(word: str) -> bool:
    return word.replace(".", "").isdigit()
