"""Training data for the project's verifier: permissive NLI sets plus synthetic pairs.

Labels follow the checker: 0 supported (entailment), 1 unsupported (neutral), 2 contradicted
(contradiction). Only permissively licensed sets are trained on (SNLI CC BY-SA 4.0, MultiNLI CC
BY-SA 3.0 / OANC, FEVER-Symmetric dev CC BY-SA 3.0, HANS MIT); SICK and ANLI (non-commercial)
are for measuring only. A seeded tenth of SNLI and MNLI, FEVER-Symmetric test and two thirds of
HANS are held out. Synthetic pairs look like the checker's windows of one to three sentences: a
real pair hidden among one to three distractor sentences (label kept); a sentence copied from an
excerpt is supported; one from another passage, or a copy with another passage's clause added,
is unsupported; a copy with a number, year, name or negation changed is contradicted.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.checking.verifiers.base import pose
from assistant.checking.verifiers.overlap import content_words
from assistant.checking.windows import make_windows
from core.errors import InputError
from core.sentences import split_sentences
from core.words import language_of, terms, word_count

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
_NOT_NAMES = {"The", "This", "That", "These", "Those", "There", "They", "She", "You", "And", "But", "What", "When",
              "Where", "Who", "Why", "How", "Now", "Then", "Yes", "Our", "Its", "His", "Her", "Their"}


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


def _excerpt(sents: list[str], at: int, rng: random.Random) -> str:
    """The sentence at ``at`` with up to one neighbour on each side: what the checker's windows look like."""
    lo = max(0, at - rng.randint(0, 1))
    hi = min(len(sents), at + 1 + rng.randint(0, 1))
    return " ".join(sents[lo:hi])


def synthetic_pairs(passages: list[str], n: int, rng: random.Random, summary_style: bool = False) -> list[Pair]:
    """Supported / unsupported / contradicted statements about short excerpts of passages.

    supported: a sentence copied out of the excerpt; unsupported: a sentence from
    another passage, or a copied sentence with a clause from another passage added
    (the summariser's typical invention); contradicted: a copied sentence with a
    number, year, name or negation changed.

    ``summary_style`` adds two kinds that look like a summary's sentences: two sentences
    of the excerpt fused into one (supported: the mirror of the added clause, so "has an
    added clause" alone tells nothing), and a copied sentence with a name swapped for
    another name *of the same excerpt* (contradicted: every word is in the evidence, one
    role is wrong).
    """
    split = [[s.text for s in split_sentences(p) if len(s.text.split()) >= 5] for p in passages]
    usable = [sents for sents in split if sents]
    names = sorted({m.group() for sents in usable for s in sents for m in _NAME.finditer(s)})
    out: list[Pair] = []
    while len(out) < n and usable:
        sents = rng.choice(usable)
        at = rng.randrange(len(sents))
        premise, sentence = _excerpt(sents, at, rng), sents[at]
        kind = rng.randrange(6 if summary_style else 4)
        other = rng.choice(rng.choice(usable))
        if kind == 4:
            fused = _fuse(sents, at, rng)
            if fused:
                out.append(Pair(*fused, 0, "synthetic-fused"))
        elif kind == 5:
            swapped = _swap_name(premise, sentence, rng)
            if swapped:
                out.append(Pair(premise, swapped, 2, "synthetic-swapped"))
        elif kind == 0:
            out.append(Pair(premise, sentence, 0, "synthetic-copy"))
        elif kind == 1:
            if other not in premise:
                out.append(Pair(premise, other, 1, "synthetic-other"))
        elif kind == 2:
            if other not in premise:
                added = other.rstrip(".!?")
                out.append(Pair(premise, f"{sentence.rstrip('.!?')}, and {added[:1].lower()}{added[1:]}.", 1,
                                "synthetic-added"))
        else:
            changed = contradict(sentence, names, rng)
            if changed:
                out.append(Pair(premise, changed, 2, "synthetic-changed"))
    return out


def _fuse(sents: list[str], at: int, rng: random.Random) -> tuple[str, str] | None:
    """(excerpt, two of its sentences joined by "and"), or None when the passage has one sentence."""
    if len(sents) < 2:
        return None
    lo = max(0, min(at, len(sents) - 2) - rng.randint(0, 1))
    hi = min(len(sents), lo + rng.randint(2, 4))
    i, j = sorted(rng.sample(range(lo, hi), 2))
    second = sents[j]
    return " ".join(sents[lo:hi]), f"{sents[i].rstrip('.!?')}, and {second[:1].lower()}{second[1:]}"


def _swap_name(premise: str, sentence: str, rng: random.Random) -> str | None:
    """The sentence with one of its names replaced by another name found in the premise, or None."""
    names = [m for m in _NAME.finditer(sentence) if m.group() not in _NOT_NAMES]
    others = sorted({m.group() for m in _NAME.finditer(premise)} - {m.group() for m in names} - _NOT_NAMES)
    if not names or not others:
        return None
    m = rng.choice(names)
    return sentence[:m.start()] + rng.choice(others) + sentence[m.end():]


def hide_in_distractors(pairs: list[Pair], pool: list[str], rng: random.Random, n: int,
                        max_distractors: int = 3) -> list[Pair]:
    """Copies of real pairs whose premise sits among 1 to ``max_distractors`` unrelated sentences (label unchanged)."""
    out = []
    for pair in rng.sample(pairs, min(n, len(pairs))):
        context = rng.sample(pool, rng.randint(1, max_distractors)) + [pair.premise]
        rng.shuffle(context)
        out.append(Pair(" ".join(context), pair.hypothesis, pair.label, pair.origin + "-hidden"))
    return out


def reviewed_pairs(path: Path) -> tuple[list[Pair], list[Pair]]:
    """(train, held-out) pairs from an ``assistant flags export --format nli`` file: people's
    reviews of the checker's flags, split as the export split them (by question).

    A line that is not such a row raises :class:`InputError` naming the file and line;
    nothing is trained on a file read in part."""

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the reviewed pairs in {path}: {err}") from None
    train: list[Pair] = []
    held: list[Pair] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            premise, hypothesis, label = row["premise"].strip(), row["hypothesis"].strip(), LABEL_IDS[row["label"]]
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            raise InputError(f"{path}:{number}: not an NLI export row {{\"premise\", \"hypothesis\", \"label\": "
                             f"{' | '.join(LABEL_IDS)}}} ({type(err).__name__}: {err})") from None
        if premise and hypothesis:
            (held if row.get("split") == "held_out" else train).append(Pair(premise, hypothesis, label, "reviewed"))
    return train, held


def check_data(data_dir: Path) -> None:
    """Raise ``InputError`` naming the folder and the files it lacks, before any model loads."""

    needed = [f"{f}.jsonl" for files in TRAIN_FILES.values() for f in files]
    missing = [name for name in needed if not (data_dir / name).is_file()]
    if missing:
        raise InputError(f"{data_dir} is not the NLI data folder: it has no {', '.join(missing)} "
                         "(see ../shared/data/nli/README.md)")


def build(data_dir: Path, seed: int = 13, held_fraction: float = 0.1, hans_train: int = 6_000,
          hidden: int = 8_000, synthetic: int = 16_000, max_distractors: int = 3,
          summary_style: bool = False) -> tuple[list[Pair], dict[str, list[Pair]]]:
    """(training pairs, held-out sets by name). The defaults are the shipped verifier's recipe."""
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
    train += hide_in_distractors(real, pool, rng, hidden, max_distractors)
    mnli_long = sorted({p.premise for p in train if p.origin == "mnli" and len(split_sentences(p.premise)) >= 2})
    fever = sorted({p.premise for p in train if p.origin == "fever"})
    sentences = [s if s[-1] in ".!?" else s + "." for s in pool]  # SNLI captions often lack the full stop
    snli_groups = [" ".join(rng.sample(sentences, rng.randint(2, 4))) for _ in range(2000)]
    train += synthetic_pairs(mnli_long + fever + snli_groups, synthetic, rng, summary_style)
    rng.shuffle(train)
    return train, held


def _windows(text: str, window_words: int) -> list[str]:
    """The texts of the windows the checker cuts ``text`` into (``window_words`` words, a quarter overlapping)."""
    return [w.text for w in make_windows(text, window_words, max(1, window_words * 3 // 4))]


def _question_overlap(window: str, question: str) -> int:
    have = set(terms(window))
    return sum(w in have for w in set(content_words(question)))


def _answer_windows(premise: str, answer: str, question: str, label: int, rng: random.Random,
                    window_words: int, window_negatives: float) -> tuple[str | None, str | None]:
    """(the window of ``premise`` an answer is judged against, a window negative or None), as
    :func:`qa_pairs` describes them; (None, None) for a supported answer the windows cut in two (no
    clean example). Draws from ``rng`` in a fixed order: the window, then the negative's coin."""
    windows = _windows(premise, window_words)
    holding = [w for w in windows if answer.lower() in w.lower()]
    if holding:
        window = rng.choice(holding)
    elif label == 0:
        return None, None
    else:
        window = max(windows, key=lambda w: _question_overlap(w, question))
    rest = [w for w in windows if answer.lower() not in w.lower()] if label == 0 else []
    if rest and rng.random() < window_negatives:
        return window, max(rest, key=lambda w: _question_overlap(w, question))
    return window, None


def qa_pairs(rows: list[dict], rng: random.Random, window_words: int = 40, unanswerable: int = 8_000,
             window_negatives: float = 0.33) -> list[Pair]:
    """Question-answering pairs, read as the checker reads them: each answer posed to its question
    (``assistant.checking.verifiers.base.pose``) against one window of its paragraph.

    ``rows`` are ``nli/squad2_qa_train.jsonl`` rows (``premise``, ``hypothesis``, ``question``,
    ``label``, ``kind``). The window is the one holding the answer where the answer is a span of
    the paragraph (supported, distractor, plausible), else the window sharing most of the
    question's words (other). Two kinds are added:

    - *window negatives*: for a share of the supported rows, the window sharing most of the
      question's words among those that do not hold the answer (unsupported: the question's
      words are there, its answer is not);
    - *unanswerable*: a supported row whose question has one fact changed (a name, number, year
      or negation, as :func:`contradict` changes a sentence), so the span no longer answers it
      (unsupported): SQuAD 2.0's own unanswerable questions are written that way, and its train
      split offers few of them (the data card counts them).
    """

    names = sorted({m.group() for r in rows for m in _NAME.finditer(r["question"])} - _NOT_NAMES)
    out: list[Pair] = []
    supported: list[tuple[str, dict]] = []
    for row in rows:
        premise, answer, question = row["premise"].strip(), row["hypothesis"].strip(), row["question"].strip()
        if not (premise and answer and question) or row["label"] not in LABEL_IDS:
            continue
        label = LABEL_IDS[row["label"]]
        window, negative = _answer_windows(premise, answer, question, label, rng, window_words, window_negatives)
        if window is None:
            continue
        out.append(Pair(window, pose(answer, question), label, f"qa-{row.get('kind', 'row')}"))
        if label == 0:
            supported.append((window, row))
        if negative is not None:
            out.append(Pair(negative, pose(answer, question), 1, "qa-window-negative"))
    for window, row in rng.sample(supported, min(unanswerable, len(supported))):
        changed = contradict(row["question"].strip(), names, rng)
        if changed:
            out.append(Pair(window, pose(row["hypothesis"].strip(), changed), 1, "qa-unanswerable"))
    return out


def _answer_sentence(premise: str, answer: str, window_words: int) -> tuple[str, str] | None:
    """(the sentence of ``premise`` holding ``answer``, a checker's window holding that sentence), or None
    where no sentence holds it or no window holds the whole sentence."""
    sentence = next((s.text for s in split_sentences(premise) if answer.lower() in s.text.lower()), None)
    if sentence is None or word_count(sentence) > window_words:
        return None
    windows = _windows(premise, window_words)
    holding = [w for w in windows if sentence in w]
    return (sentence, holding[0]) if holding else None


_TITLE = r"(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|King|Queen|Pope|President|Emperor|Prince|Princess)"
_TITLED = re.compile(rf"\b{_TITLE}\.?\s+(?=[A-Z][a-z])")
_RUN = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}(?:\s+[A-Z][a-z]+)*\b")


def _name_runs(text: str) -> list[str]:
    """The names ``text`` writes, a run of capitalised words as one ("Daniel Craig", "Ordon Village"),
    a title before one left out ("Mr. White" -> "White"): a swap changes whom or where, never half
    a name ("Arena Jeff League") or a title."""
    runs = [m.group() for m in _RUN.finditer(_TITLED.sub("", text))]
    return list(dict.fromkeys(r for r in runs
                              if not any(w in _NOT_NAMES or re.fullmatch(_TITLE, w) for w in r.split())))


def _echoed_edits(question: str, sentence: str, premise: str, outside: list[str]) -> list[tuple[str, str, int]]:
    """The ways one fact of ``question`` can be changed where ``sentence`` writes it too, each as (the
    words, the other words, the label a sentence so changed gets):

    - a name of both (:func:`_name_runs`) swapped for another name of the passage, outside the sentence
      (unsupported: every word is there, the role is wrong: "Midna is working as a ranch hand" of a
      passage about Link, who meets Midna), or for up to three names of other questions (unsupported:
      "Bond travels to Australia", of a passage writing "Austria");
    - a number changed, or a negation put in (contradicted).

    Each edit is as likely as another, so most are swaps (session 36: weighing each kind alike refused
    fewer of the model's answers to changed questions)."""
    edits: list[tuple[str, str, int]] = []
    said, asked = _name_runs(sentence), _name_runs(question)
    shared = [n for n in asked if n in said]
    if shared:
        taken = set(said) | set(asked)
        inside = sorted(n for n in _name_runs(premise) if not any(n in t or t in n for t in taken))
        edits += [(n, m, 1) for n in shared for m in inside]
        edits += [(n, m, 1) for n in shared for m in outside if m not in premise][:3]
    for m in _NUMBER.finditer(question):
        if re.search(rf"\b{re.escape(m.group())}\b", sentence):
            value = m.group().replace(",", "")
            if value.isdigit():
                new = str(int(value) + (3 if 1000 <= int(value) <= 2100 else 2))
                edits.append((m.group(), new, 2))
    for verb in _NEGATABLE.finditer(question):
        if re.search(rf"\b{verb.group(1)}\b(?! not\b)", sentence):
            edits.append((verb.group(1), verb.group(1) + " not", 2))
            break
    return edits


def _edit(text: str, word: str, new: str) -> str:
    """``text`` with ``word`` replaced by ``new`` once (a negation: where it is not negated already)."""
    return re.sub(rf"\b{re.escape(word)}\b(?! not\b)" if new.endswith(" not") else rf"\b{re.escape(word)}\b",
                  new, text, count=1)


def _untitled(window: str, sentence: str) -> str | None:
    """``window`` with the titles before the names of ``sentence`` left out ("King Henry" -> "Henry"), or
    None where the sentence has no title and name the window writes too."""
    found = list(_TITLED.finditer(sentence))
    out = window
    for m in found:
        out = out.replace(m.group(), "")
    return out if found and out != window else None


def qa_sentence_pairs(rows: list[dict], n: int, rng: random.Random, window_words: int = 40) -> list[Pair]:
    """Sentence-long answers, as the dialogue model writes them: it restates the question with the
    answer in it ("Link is working as a ranch hand in Ordon Village."), and where the question was
    changed (SQuAD 2.0's unanswerable questions are answerable ones with a name swapped, a number
    changed or a negation put in) it restates the change ("Midna is working as a ranch hand ...",
    supported 1.0 by a window about Link, session 35's answers journal).

    From ``nli/squad2_qa_train.jsonl``'s supported rows, up to ``n`` pairs: the paragraph's sentence
    holding the answer, posed to its question, against a window holding it (``qa-sentence``,
    supported); and the same sentence and question with one fact changed in both
    (:func:`_echoed_edits`; ``qa-sentence-swapped`` / ``qa-sentence-changed``), against the same
    window. Where the sentence gives someone a title, the window also comes without it, and the
    sentence is still supported (``qa-sentence-titled``): the model writes "Mr. White" of a passage
    writing "White", and a word the window does not write is not always a new fact. So is the
    sentence with a name as the question or passage gives it in full elsewhere (``qa-sentence-fuller``,
    :func:`_fuller`: "Steven Spielberg" where the window writes "Spielberg").
    """
    outside = sorted({n for r in rows for n in _name_runs(r["question"])})
    supported = [r for r in rows if r.get("kind") == "supported" and r["label"] == "entailment"]
    rng.shuffle(supported)
    out: list[Pair] = []
    for row in supported:
        if len(out) >= n:
            break
        premise, answer, question = row["premise"].strip(), row["hypothesis"].strip(), row["question"].strip()
        found = _answer_sentence(premise, answer, window_words)
        if not found:
            continue
        sentence, window = found
        edits = _echoed_edits(question, sentence, premise, rng.sample(outside, min(12, len(outside))))
        if not edits:
            continue
        word, new, label = rng.choice(edits)
        changed_question, changed_sentence = _edit(question, word, new), _edit(sentence, word, new)
        if changed_sentence == sentence or changed_question == question:
            continue
        origin = "qa-sentence-swapped" if label == 1 else "qa-sentence-changed"
        out.append(Pair(window, pose(sentence, question), 0, "qa-sentence"))
        out.append(Pair(window, pose(changed_sentence, changed_question), label, origin))
        untitled = _untitled(window, sentence)
        if untitled:
            out.append(Pair(untitled, pose(sentence, question), 0, "qa-sentence-titled"))
        fuller = _fuller(sentence, f"{question} {premise}", window)
        if fuller:
            out.append(Pair(window, pose(fuller, question), 0, "qa-sentence-fuller"))
    return out


_NOT_GIVEN = {"North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central", "New", "Old",
              "Great", "Greater", "Upper", "Lower", "United", "National", "Royal", "Imperial", "League", "First",
              "Second", "Third", "Early", "Late", "Vice", "Deputy", "Acting", "Former", "Prime", "Grand", "Middle",
              "Modern", "Ancient", "Holy", "Saint", "San", "Santa",
              "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}


def _fuller(sentence: str, premise: str, window: str) -> str | None:
    """``sentence`` with a name given as the passage writes it in full elsewhere ("Jobs" -> "Steve Jobs",
    where the window writes only "Jobs"; ``premise`` is the question and the passage), or None where
    there is none: the model names someone in full, as the question or the passage does, and a first
    name the window leaves out is no new fact. Only a name of its own (not "Cup" of "FA Cup"), made
    longer by words the passage writes nowhere else (a first name, not "September" of "In September
    Japan ..." or "North" of "North German")."""
    written = _name_runs(premise)
    for name in _name_runs(sentence):
        if re.search(rf"\b[A-Z]\w*\s+{re.escape(name)}\b", sentence):
            continue
        for longer in written:
            given = longer.split()[:-len(name.split())]
            if (not longer.endswith(" " + name) or longer in window or len(given) > 2
                    or _NOT_GIVEN.intersection(given) or any(re.fullmatch(_TITLE, w) for w in given)):
                continue
            if all(len(re.findall(rf"\b{w}\b", premise)) == premise.count(longer) for w in given):
                return re.sub(rf"\b{re.escape(name)}\b", longer, sentence, count=1)
    return None


_DIGITS = re.compile(r"(?<![\d.])\d+(?![\d.])")  # "1993" in "1993年" (``\b`` sees no edge between 3 and 年)
_ZH_STOPS = "。！？；"


def chinese_sentence_pairs(rows: list[dict], n: int, rng: random.Random, own_question: float = 0.5,
                           other_question: float = 0.2, window_words: int = 40) -> list[Pair]:
    """Chinese sentences judged against a window of a Chinese paragraph, as the checker judges the
    statements of a Chinese answer (the QA rows teach only short answers): supported, a sentence
    of the window; unsupported, a sentence of another paragraph, or a sentence of the window with
    a clause of another paragraph's joined on; contradicted, a sentence of the window with a
    number changed.

    The checker poses every statement to the user's question, and a sentence that says what the
    passage says is supported whether or not it answers that question: ``own_question`` of the
    sentences are posed to a question asked on their paragraph, ``other_question`` to one asked
    on another, the rest stand alone. ``rows`` are QA rows (``premise``, ``question``); the
    Chinese ones' paragraphs and questions are used."""

    questions: dict[str, list[str]] = {}
    for row in rows:
        if language_of(row["premise"]) == "zh" and row["question"].strip():
            questions.setdefault(row["premise"].strip(), []).append(row["question"].strip())
    sentences = {p: [s.text for s in split_sentences(p) if word_count(s.text) >= 5] for p in questions}
    usable = sorted(p for p in questions if sentences[p])
    asked = sorted({q for qs in questions.values() for q in qs})
    out: list[Pair] = []
    while len(out) < n and len(usable) > 1:
        paragraph = rng.choice(usable)
        window = rng.choice(_windows(paragraph, window_words))
        own = [s.text for s in split_sentences(window) if word_count(s.text) >= 5]
        other_paragraph = rng.choice(usable)
        if not own or other_paragraph == paragraph:
            continue
        sentence, other = rng.choice(own), rng.choice(sentences[other_paragraph])
        kind = rng.randrange(4)
        if kind == 0:
            statement, label, origin = sentence, 0, "zh-sentence-copy"
        elif kind == 1:
            statement, label, origin = other, 1, "zh-sentence-other"
        elif kind == 2:
            statement, label, origin = f"{sentence.rstrip(_ZH_STOPS)}，{other.rstrip(_ZH_STOPS)}。", 1, "zh-sentence-added"
        else:
            numbers = list(_DIGITS.finditer(sentence))
            if not numbers:
                continue
            m = rng.choice(numbers)
            value = int(m.group())
            new = value + rng.choice([-7, -3, -1, 1, 2, 5, 11]) if 1000 <= value <= 2100 else value * rng.choice([2, 3, 10]) + 1
            statement, label, origin = sentence[:m.start()] + str(max(0, new)) + sentence[m.end():], 2, "zh-sentence-changed"
        draw = rng.random()
        if draw < own_question:
            statement, origin = pose(statement, rng.choice(questions[paragraph])), origin + "-asked"
        elif draw < own_question + other_question:
            elsewhere = next((q for q in (rng.choice(asked) for _ in range(8)) if q not in questions[paragraph]), None)
            if elsewhere and _ZH_PRONOUN.match(statement) and label == 0:
                # "她的母亲是..." posed to a question about someone else speaks of that one
                statement, label, origin = pose(statement, elsewhere), 1, origin + "-pronoun-elsewhere"
            elif elsewhere:
                statement, origin = pose(statement, elsewhere), origin + "-asked-elsewhere"
        out.append(Pair(window, statement, label, origin))
    return out


# The question words a Chinese question's answer takes the place of ("...是什么？" -> "...是<answer>。").
# 为什么 / 如何 / 怎么 ask for a cause or a way: a sentence made by putting the answer there rarely reads.
_ZH_WH = re.compile(r"什么时候|什么地方|什么|哪一?[个年位种国座部条家所支本些里儿天届次]?|谁|多少|几[个年岁次位种天月号届座部条家所本名只首场]?|"
                    r"何时|何地|何处|何人|何种|何年")
_ZH_HOW_WHY = re.compile(r"为什么|为何|如何|怎么|怎样")
_ZH_ENDS = "?？吗呢 。"
_ZH_PRONOUN = re.compile(r"^(?:他们|她们|它们|他|她|它|其|该)")


def chinese_declarative(question: str, answer: str) -> str | None:
    """The sentence a Chinese ``question`` becomes with ``answer`` in the place of its question word
    ("北上车站的地址是哪里？", "日本岩手县" -> "北上车站的地址是日本岩手县。"), as a dialogue model
    answers in a sentence; None where the question has no such word, or more than one. A noun the
    answer already ends with is not said twice ("哪一个战争期间", "普法战争" -> "普法战争期间")."""

    question, answer = question.strip().rstrip(_ZH_ENDS), answer.strip().rstrip("。")
    found = list(_ZH_WH.finditer(question))
    if len(found) != 1 or not answer or _ZH_HOW_WHY.search(question):
        return None
    head, rest = question[:found[0].start()], question[found[0].end():]
    for size in range(min(len(answer), len(rest), 4), 1, -1):
        if rest.startswith(answer[-size:]):
            rest = rest[size:]
            break
    return f"{head}{answer}{rest}。"


def _zh_subject(question: str) -> int:
    """Where the subject of a Chinese question ends, counted to just after its first "的" (0: no
    short subject: "线蚓鳗的体长是多少" -> 4, the end of "线蚓鳗的")."""
    at = question.find("的")
    return at + 1 if 2 <= at <= 12 and not _ZH_WH.search(question[:at]) else 0


def chinese_declarative_pairs(rows: list[dict], n: int, rng: random.Random, window_words: int = 40,
                              window_negatives: float = 0.3, pronoun: float = 0.6) -> list[Pair]:
    """Chinese QA rows as sentence answers (:func:`chinese_declarative`), posed to their question
    against a window of the paragraph, labels kept: the dialogue model answers "线蚓鳗的体长是多少？"
    with "线蚓鳗的体长是3至25公尺。" (the water depth the paragraph gives, not the length), and the QA
    rows teach that wrong span only as a bare "3至25公尺". Two kinds are added:

    - *window negatives*: a right sentence against the window of its paragraph that shares most
      of the question's words without holding the answer (unsupported);
    - *pronouns*: a right sentence with its subject said as "其" ("其体长是33公分"), supported when
      posed to its own question, unsupported when posed to a question asked on another paragraph
      (the subject a pronoun stands for is the one asked about, not the one the window is about).
    """

    chinese = [r for r in rows if language_of(r["premise"]) == "zh" and r["label"] in LABEL_IDS
               and r["question"].strip() and r["hypothesis"].strip()]
    asked = sorted({r["question"].strip() for r in chinese})
    out: list[Pair] = []
    for row in rng.sample(chinese, len(chinese)):
        if len(out) >= n:
            break
        question, answer = row["question"].strip(), row["hypothesis"].strip()
        sentence = chinese_declarative(question, answer)
        if sentence is None:
            continue
        label = LABEL_IDS[row["label"]]
        window, negative = _answer_windows(row["premise"].strip(), answer, question, label, rng, window_words,
                                           window_negatives)
        if window is None:
            continue
        out.append(Pair(window, pose(sentence, question), label, f"zh-declarative-{row.get('kind', 'row')}"))
        if label != 0:
            continue
        if negative is not None:
            out.append(Pair(negative, pose(sentence, question), 1, "zh-declarative-window-negative"))
        cut = _zh_subject(question)
        if cut and sentence.startswith(question[:cut]) and rng.random() < pronoun:
            said = "其" + sentence[cut:]
            if rng.random() < 0.5:
                out.append(Pair(window, pose(said, question), 0, "zh-declarative-pronoun"))
            else:
                elsewhere = next((q for q in (rng.choice(asked) for _ in range(8))
                                  if _zh_subject(q) and q[:_zh_subject(q)] != question[:cut]), None)
                if elsewhere:
                    out.append(Pair(window, pose(said, elsewhere), 1, "zh-declarative-pronoun-elsewhere"))
    return out[:n]


# What a noun phrase before "的" does not hold: a verb or preposition makes it a clause ("民主党曾在长崎县的"),
# a time word an adverbial ("1552年的时候"); and what does not follow a subject's "的" ("指的是", "的时候").
_ZH_NOT_SUBJECT = re.compile(r"[是在有于曾被把将对为与和及、，了着过指从向由以让使叫称]|[年月日时]$|^\d")
_ZH_AFTER_SUBJECT = re.compile(r"的(?:是|时候|话|时)")


def _zh_topic(question: str) -> int:
    """Where a Chinese question's subject ends, counted to just after its "的", when the part before
    is a short noun phrase ("永昌大君的母亲是谁" -> 5); 0 where it is not one (:func:`_zh_subject`
    takes any first "的")."""
    cut = _zh_subject(question)
    if not cut or cut - 1 > 8 or _ZH_NOT_SUBJECT.search(question[:cut - 1]) or _ZH_AFTER_SUBJECT.match(question, cut - 1):
        return 0
    return cut


def zh_swappable(other: str, subject: str, text: str) -> bool:
    """Whether ``other`` can stand in for ``subject`` as a name ``text`` never gives: it is not in
    ``text`` and shares no character pair with ``subject`` (王若琳 for 永昌大君, not 王若 for 王若琳)."""
    return other not in text and not set(terms(other)) & set(terms(subject))


_ZH_TITLE = re.compile(r"^([\u4e00-\u9fff·]{2,10})[（(]")  # the name a Wikipedia paragraph opens with: "王若琳（..."


def _title_swaps(rows: list[dict], n: int, rng: random.Random, window_words: int) -> list[Pair]:
    """A sentence of a window naming its paragraph's title ("她的父亲是音乐制作人王治平" does not; "王若琳
    出生于台北" does) against that window: supported; with the title swapped for another
    paragraph's: unsupported. Half of the twins are posed to a question asked on the paragraph."""
    asked: dict[str, list[str]] = {}
    for r in rows:
        asked.setdefault(r["premise"].strip(), []).append(r["question"].strip())
    titled = {p: m.group(1) for p in sorted(asked) if (m := _ZH_TITLE.match(p))}
    titles = sorted(set(titled.values()))
    out: list[Pair] = []
    for paragraph in rng.sample(sorted(titled), len(titled)):
        if len(out) >= n:
            break
        title = titled[paragraph]
        window = rng.choice(_windows(paragraph, window_words))
        naming = [s.text for s in split_sentences(window) if title in s.text and word_count(s.text) >= 5]
        other = rng.choice(titles)
        if not naming or not zh_swappable(other, title, paragraph):
            continue
        sentence = rng.choice(naming)
        question = rng.choice(asked[paragraph]) if rng.random() < 0.5 else None
        out.append(Pair(window, pose(sentence, question), 0, "zh-title-own"))
        out.append(Pair(window, pose(sentence.replace(title, other), question), 1, "zh-title-swapped"))
    return out


def chinese_subject_swaps(rows: list[dict], n: int, rng: random.Random, window_words: int = 40) -> list[Pair]:
    """Chinese answers asked about a subject their paragraph never names: the answer (short, in a
    sentence, or in a sentence opening with a pronoun) posed to its question with the question's
    subject ("永昌大君的母亲是谁？" -> "王若琳的母亲是谁？", the part before its first "的") swapped for
    another question's, against the window holding it and naming the subject: unsupported; and, as
    its twin, posed to its own question: supported. Most windows of a paragraph about something do
    not name it ("东接牟定县..." of 南华县's paragraph): those rows are left out, as the window alone
    cannot tell the twins apart.

    The shipped e5-nli supported "永昌大君的母亲范中芬是一位作词者。" (0.994) against a paragraph about
    a singer whose mother is 范中芬 and that never names 永昌大君: nothing in its data had a
    subject the paragraph does not name (``qa_pairs``'s unanswerable questions change English names
    and numbers only). Each twin differs from its pair in the subject alone."""

    chinese = [r for r in rows if language_of(r["premise"]) == "zh" and r["label"] == "entailment"
               and r["question"].strip() and r["hypothesis"].strip()]
    subjects = sorted({q[:_zh_topic(q) - 1] for q in (r["question"].strip() for r in chinese) if _zh_topic(q)})
    out = _title_swaps(chinese, n // 2, rng, window_words)
    for row in rng.sample(chinese, len(chinese)):
        if len(out) >= n:
            break
        question, answer, premise = row["question"].strip(), row["hypothesis"].strip(), row["premise"].strip()
        cut = _zh_topic(question)
        if not cut or not subjects:
            continue
        subject = question[:cut - 1]
        other = rng.choice(subjects)
        if not zh_swappable(other, subject, premise):
            continue
        window, _ = _answer_windows(premise, answer, question, 0, rng, window_words, 0.0)
        if window is None or subject not in window:  # a window that does not name its subject either
            continue                                   # cannot tell the two apart (most do not)
        asked_elsewhere = other + question[cut - 1:]
        sentence = chinese_declarative(question, answer)
        form = rng.randrange(3)
        if form == 1 and sentence and sentence.startswith(subject + "的"):
            said = sentence
        elif form == 2 and sentence and sentence.startswith(subject + "的"):
            said = rng.choice(["其", "他的", "她的", "它的"]) + sentence[cut:]
        else:
            said, form = answer, 0
        elsewhere = other + said[len(subject):] if form == 1 else said
        out.append(Pair(window, pose(said, question), 0, f"zh-subject-own-{form}"))
        out.append(Pair(window, pose(elsewhere, asked_elsewhere), 1, f"zh-subject-swapped-{form}"))
    return out[:n]


def with_questions(pairs: list[Pair], questions: list[str], share: float, rng: random.Random) -> list[Pair]:
    """``pairs`` with a ``share`` of their statements posed as answers to an unrelated question (label
    kept): a statement that says all it claims is judged on its own, whatever was asked."""

    if not questions or share <= 0:
        return list(pairs)
    return [Pair(p.premise, pose(p.hypothesis, rng.choice(questions)), p.label, p.origin + "-asked")
            if rng.random() < share else p for p in pairs]


def with_qa(train: list[Pair], qa_rows: list[dict], rng: random.Random, question_context: float = 0.3,
            unanswerable: int = 8_000) -> list[Pair]:
    """The NLI recipe's ``train`` with ``question_context`` of it posed to unrelated questions,
    plus the QA pairs of ``qa_rows`` (:func:`qa_pairs`), shuffled: ``finetune.verifier --qa``."""
    out = with_questions(train, sorted({r["question"] for r in qa_rows}), question_context, rng)
    out += qa_pairs(qa_rows, rng, unanswerable=unanswerable)
    rng.shuffle(out)
    return out


def recipe(data_dir: Path, settings: dict, qa_paths: list[Path], rng: random.Random) -> tuple[list[Pair], dict]:
    """(training pairs, held-out sets) of a ``finetune.verifier`` run with ``settings`` (its options, as
    its ``training.json`` records them) and ``qa_paths`` (its ``--qa`` files); ``rng`` is the run's own
    (seeded with ``settings["seed"]``). The shipped verifier's recorded settings rebuild its pairs
    (``tests/test_verifier_data.py``)."""
    train, held = build(data_dir, seed=settings["seed"], hidden=settings["hidden"], synthetic=settings["synthetic"],
                        max_distractors=settings["max_distractors"], summary_style=settings["summary_style"])
    if settings.get("nli_max"):
        train = train[:settings["nli_max"]]
    if qa_paths:
        files = [read_jsonl(path) for path in qa_paths]
        rows: list[dict] = []
        for more in files:
            rows += rng.sample(more, min(settings["qa_max"], len(more))) if settings.get("qa_max") else more
        train = with_qa(train, rows, rng, settings["question_context"], settings["qa_unanswerable"])
        if settings.get("zh_sentences"):
            train += chinese_sentence_pairs(rows, settings["zh_sentences"], rng)
            rng.shuffle(train)
        every = [row for more in files for row in more]
        for key, make in (("zh_declarative", chinese_declarative_pairs), ("zh_swaps", chinese_subject_swaps),
                          ("qa_sentences", qa_sentence_pairs)):
            if settings.get(key):
                train += make(every, settings[key], rng)
                rng.shuffle(train)
    if settings.get("max_examples"):
        train = train[:settings["max_examples"]]
    return train, held
