"""A window that says the opposite word cannot support a statement: "The California Institute of
Technology is a public university." was supported by a passage calling it "a private research
university" (``bench/answers.py``, session 31's journal): the verifier reads the two sentences as
one, but for a word.

A statement's word with an opposite in :data:`OPPOSITES` ("public": "private") is set against the
window's sentence that shares most of the statement's other content words (by a crude stem; the
question's words stand in for a short answer's, "public" to "What kind of university is
Caltech?"): when that sentence holds two thirds of them, two at least, and writes the opposite but
not the word itself, it says the statement the other way round. A sentence holding both ("private,
unlike its public neighbour") is left to the verifier, as is a word with no listed opposite, and a
negation on either side ("not allowed" says "forbidden"; ``windows.polarity_conflict`` reads those).

The list is short on purpose: pairs whose two words answer one question differently (a kind, a
region, a rank, a result), each with its common inflections. Not in it: converses, which say one
thing both ways ("A is north of B" is "B is south of A"; before/after, above/below, higher/lower,
buy/sell, win/lose, import/export), words that often stand in names or set phrases ("North
Carolina", "Lower Saxony", "left", "light", "open", "top"; "at least"; "even", "true", "free"), and
pairs one sentence writes apart ("men" and "women" of one group; "born" with a date range that
says when someone died: "(1921 – 1977) ... born in Richmond").

A phrase is read closer still, over the whole passage (``turned_phrase``): the statement's listed word
and the content word after it ("public day" of "the public day school", or of a bare answer's question)
that the passage writes only with the opposite word ("a private day school") cannot be supported by any
of its windows. A phrase keeps its words together, so that rule also reads ``PHRASE_PAIRS``: converses
and words of names ("North America" is not "South America", "early Medieval" not "late Medieval"), but
not before/after ("hired after Stewart" is said "before Stewart" of the other man: WiCE dev).

"With" and "without" are read so too (``without_phrase``): a statement's "with a warranty" that the
passage writes only as "without warranty of any kind" (the Mozilla Public License's disclaimer, which
supported "the software covered by this license is provided with a warranty" at 0.99 in a session 38
trial) cannot be supported by any of its windows.
"""

from __future__ import annotations

from assistant.checking.topic import reads_as_sentence
from assistant.checking.verifiers.overlap import STOPWORDS, content_words
from assistant.checking.windows import CLAUSE, negated
from core.sentences import split_sentences
from core.words import stem, terms

PAIRS = [
    ("public", "private"), ("northern", "southern"), ("eastern", "western"),
    ("first", "last"), ("earliest", "latest"), ("largest", "smallest"), ("biggest", "smallest"),
    ("highest", "lowest"), ("maximum", "minimum"), ("oldest", "youngest"),
    ("increase increased increases increasing", "decrease decreased decreases decreasing"),
    ("rise rose risen rises rising", "fall fell fallen falls falling"),
    ("male males", "female females"), ("internal", "external"),
    ("positive", "negative"), ("legal", "illegal"), ("ancient", "modern"), ("urban", "rural"),
    ("domestic", "foreign"), ("civilian", "military"), ("catholic", "protestant"),
    ("conservative", "liberal"), ("accept accepted accepts", "reject rejected rejects"),
    ("minor", "major"),
    ("success successful", "failure unsuccessful failed"), ("allowed permitted", "forbidden prohibited banned"),
    ("hot", "cold"), ("wet", "dry"), ("strong", "weak"), ("rich", "poor"), ("unicameral", "bicameral"),
]


# Read only as a phrase (``turned_phrase``: the word and the content word after it, over a whole passage):
# converses and words of names, which a sentence may write apart but a phrase does not ("North America" is
# not "South America", "higher temperatures" not "lower temperatures").
PHRASE_PAIRS = [
    ("north", "south"), ("east", "west"), ("upper", "lower"), ("inner", "outer"), ("top", "bottom"),
    ("most", "least fewest"), ("more", "less fewer"), ("larger bigger", "smaller"), ("higher", "lower"),
    ("older", "younger newer"), ("old", "new young"), ("best", "worst"), ("better", "worse"),
    ("early", "late"), ("earlier", "later"), ("long", "short"), ("longer", "shorter"),
    ("import imports imported", "export exports exported"), ("buy buys bought", "sell sells sold"),
    ("win wins won", "lose loses lost"), ("open", "closed"), ("inside", "outside"), ("above", "below"),
    ("always", "never"), ("common", "rare"), ("natural", "artificial"), ("indoor", "outdoor"),
    ("start starts started", "end ends ended"), ("beginning", "end"), ("front", "back"), ("left", "right"),
    ("light", "heavy dark"), ("fast faster", "slow slower"), ("deep", "shallow"), ("wide", "narrow"),
    ("include includes included", "exclude excludes excluded"), ("gain gains gained", "loss losses lost"),
    ("men", "women"), ("boys", "girls"), ("father", "mother"), ("son", "daughter"), ("king", "queen"),
    ("born", "died"), ("birth", "death"), ("input", "output"), ("entry", "exit"), ("high", "low"),
    ("senior", "junior"), ("primary", "secondary"), ("direct", "indirect"), ("full", "empty"),
]


def _opposites(pairs) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for a, b in pairs:
        for one, other in ((a.split(), b.split()), (b.split(), a.split())):
            for word in one:
                out.setdefault(word, set()).update(other)
    return {w: frozenset(o) for w, o in out.items()}


OPPOSITES = _opposites(PAIRS)
PHRASE_OPPOSITES = _opposites(PAIRS + PHRASE_PAIRS)


def _phrases(words: list[str]) -> set[tuple[str, str]]:
    """(listed word, the content word after it) pairs of ``words``: "public day" of "the public day school";
    none for a word whose opposite ``words`` write too ("private and public practice" is about both)."""
    there = set(words)
    return {(a, b) for a, b in zip(words, words[1:])
            if a in PHRASE_OPPOSITES and not PHRASE_OPPOSITES[a] & there and b not in STOPWORDS and not b.isdigit()}


def turned_phrase(passage: str, statement: str, question: str | None = None) -> str | None:
    """The statement's phrase that ``passage`` writes only with the opposite word, as "word/opposite", or
    None: "the public day school" where the passage writes "a private day school" and never "public day"
    (a phrase is a listed word and the content word after it; a bare answer's are its question's, as
    SQuAD 2.0's unanswerable "What is the lowest court in the European Union?" against a paragraph on
    its highest). Read over the whole passage, not a window: a passage writing both phrases, or a
    statement writing both words ("private and public practice"), is left alone, as is a negation."""
    asked = question if question and not reads_as_sentence(statement) else None
    phrases = _phrases(terms(statement)) | (_phrases(terms(asked)) if asked else set())
    if not phrases or negated(statement) or (asked and negated(asked)):
        return None
    written = terms(passage)
    pairs = set(zip(written, written[1:]))
    for word, after in sorted(phrases):
        if (word, after) in pairs:
            continue
        for other in sorted(PHRASE_OPPOSITES[word]):
            if (other, after) in pairs:
                return f"{word}/{other}"
    return None


DETERMINERS = frozenset("a an any the some its their his her our your this that these those such".split())


def _noun(word: str) -> str:
    """``stem``, with "-ies" read as "-y": "warranties" meets "warranty"."""
    return word[:-3] + "y" if word.endswith("ies") and len(word) > 4 else stem(word)


def _after(words: list[str], lead: str) -> set[str]:
    """The content words (``_noun``) written just after ``lead`` ("with", "without"), past a determiner:
    up to two of them, so "without any express warranty" gives "express" and "warranty"."""
    out: set[str] = set()
    for i, word in enumerate(words):
        if word != lead:
            continue
        rest = words[i + 1:i + 6]
        while rest and (rest[0] in DETERMINERS or (lead == "with" and rest[0] in ("or", "and", "without"))):
            rest = rest[1:]  # past "a", and past "or without" of "with or without a warranty"
        for w in rest[:2]:
            if w in STOPWORDS or w.isdigit():
                break
            out.add(_noun(w))
    return out


def without_phrase(passage: str, statement: str) -> str | None:
    """The thing a statement says something comes "with" that ``passage`` writes only "without", as
    "with/without thing", or None (see the module's docstring). A negated statement, and a passage
    writing both ("with or without a warranty"), are left alone."""
    said = terms(statement)
    if "with" not in said or negated(statement):
        return None
    wanted = _after(said, "with") - _after(said, "without")
    if not wanted:
        return None
    written = terms(passage)
    lacking = sorted((_after(written, "without") | _after(written, "no")) & wanted - _after(written, "with"))
    return f"with/without {lacking[0]}" if lacking else None


def opposite_in(window: str, statement: str, question: str | None = None) -> str | None:
    """The statement's word that ``window`` says the other way round, as "word/opposite" (see the
    module's docstring), or None."""
    said = set(terms(statement))
    turned = [w for w in said if w in OPPOSITES]
    if not turned:  # first: most statements hold no listed word
        return asked_opposite(window, statement, question) if question else None
    rest = {stem(w) for w in content_words(statement) if w not in OPPOSITES}
    if len(rest) < 2 and question:  # a short answer: its question names what it is about
        rest |= {stem(w) for w in content_words(question) if w not in OPPOSITES}
    if len(rest) < 2:
        return None
    best, shared = None, 0
    for sentence in split_sentences(window):
        bag = {stem(w) for w in terms(sentence.text)}
        if len(rest & bag) > shared:
            best, shared = sentence.text, len(rest & bag)
    if best is None or shared < 2 or 3 * shared < 2 * len(rest):
        return None
    if negated(statement) or negated(best):  # "not allowed" is "forbidden": the polarity rule reads negations
        return None
    return _written_opposite(best, turned)


def _written_opposite(sentence: str, words: list[str]) -> str | None:
    """The first of ``words`` that ``sentence`` writes only as its opposite, as "word/opposite", or None."""
    there = set(terms(sentence))
    for word in words:
        if word not in there and OPPOSITES[word] & there:
            return f"{word}/{sorted(OPPOSITES[word] & there)[0]}"
    return None


def asked_opposite(window: str, answer: str, question: str) -> str | None:
    """The question's word that ``window`` says the other way round where it writes a bare answer, as
    "word/opposite", or None: SQuAD 2.0's unanswerable "What does the failure of a pathogen depend on?"
    against "The success of any pathogen depends on its ability to elude host immune responses." Read
    by clause (``windows.CLAUSE``: "; a nonzero exit status indicates failure" is not the clause saying
    "successful"): a clause writing every content word of the answer and two thirds of the question's
    others (two at least) that writes the opposite, where no such clause writes the word itself ("Jupiter
    is ... the largest planet" beside "Mercury, the smallest planet"). Left alone: an answer that reads
    as a sentence (:func:`opposite_in` reads its own words), a question writing both words ("increase or
    decrease?") or asking a degree ("How strong ...?"), an answer writing the opposite
    ("recording amplitude decreased"), and a negation on either side."""
    if reads_as_sentence(answer) or negated(question):
        return None
    asked = terms(question)
    degree = {b for a, b in zip(asked, asked[1:]) if a == "how"}
    turned = [w for w in dict.fromkeys(asked) if w in OPPOSITES and w not in degree
              and not OPPOSITES[w] & (set(asked) | set(terms(answer)))]
    if not turned:
        return None
    rest = {stem(w) for w in content_words(question) if w not in OPPOSITES}
    wanted = {stem(w) for w in content_words(answer)}
    if len(rest) < 2 or not wanted:
        return None
    about = []  # the clauses that write the answer and what the question asks about
    for sentence in split_sentences(window):
        for clause in CLAUSE.split(sentence.text):
            bag = {stem(w) for w in terms(clause)}
            shared = len(rest & bag)
            if wanted <= bag and shared >= 2 and 3 * shared >= 2 * len(rest) and not negated(clause):
                about.append(set(terms(clause)))
    for word in turned:
        if about and not any(word in there for there in about):
            against = sorted(set().union(*(OPPOSITES[word] & there for there in about)))
            if against:
                return f"{word}/{against[0]}"
    return None
