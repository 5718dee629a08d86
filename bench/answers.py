"""Does the dialogue model answer from the documents? Ask SQuAD 2.0 questions through the
real ask path and write JSON.

    python bench/answers.py [--variants qwen:onnx:int4,smollm2:onnx:int8] [--answerable 40]
                            [--unanswerable 40] [--chats 8] [--out bench/results/answers.json]

The paragraphs of ``../shared/data/grounding/squad2_qa_dev.jsonl`` (934 Wikipedia
paragraphs) are indexed in a temporary data home, one document each; the converted and
exported models are the real data home's (linked in), so no model is made twice. Then, for
each variant (``model:backend:quantize``), questions go through ``assistant.turn.Turn`` (as the page asks them),
as ``assistant ask`` asks them (retrieval, the grounded prompt, generation and its guard):

- ``right``: share of answerable questions (``supported`` rows) whose answer contains the
  gold answer (SQuAD's normalisation: case, punctuation, articles and spaces ignored);
- ``abstained``: share of unanswerable ones (``plausible`` rows: the passage holds a
  plausible but wrong answer) answered "I don't know"; ``abstained_answerable`` the share
  of answerable ones refused;
- with ``--check``, each answer is checked as the page checks it, and one the checker withholds
  (``checker.withhold``) counts as the refusal the reader gets (``right_as_generated``: the
  share right before withholding); ``--recheck FILE --out OUT``
  sweeps the withholding rules over an earlier file's answers;
- ``cites``: share of answers (refusals left out) that cite a passage as ``[n]``;
- ``loops``: answers the repetition guard stopped (``finish_reason`` "repetition"), and
  ``loops_shown``: answers whose text as the reader gets it still repeats itself (a sentence,
  or 12 words in a row, said twice: what the guard stops);
- ``decode_tokens_per_s`` (after the first token) and ``ttft_s`` (time to first token from
  the question: retrieval and, for a variant whose passage words end in ``r``, the reader's
  reading, ``prepare_s``; then mostly reading the prompt), medians, with the prompt's length;
- ``multi_turn``: chats of three answerable questions in a row, each asked with the earlier
  turns as history (their replies as the page gives them: the refusal for one withheld): share
  right, and ``copies``, answers that repeat an earlier answer of
  the chat (most of their words) instead of answering their own question;
- ``retrieval_hit``: share of questions whose own paragraph was among the passages.

The same questions go to every variant (drawn with ``--seed``); the reference measured in
the same run is the first variant, and each later one has its ratios to it.

A long run (CMRC's 450 questions take hours on two cores) keeps a journal beside ``--out``
(``answers_cmrc.journal.jsonl``: one line per answer, with the settings it was measured under)
and writes ``--out`` after every answer; run the same command again and the answers already in
the journal under the same settings are taken from it, not asked again, so a run stopped by the
end of a session goes on where it stopped. An answer the journal holds from another checker
(its ``checker_version``: the verifier's and the checking code's) is checked again by today's, not asked again (``check_again``).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import random
import re
import statistics
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, ROOT, write_result  # noqa: E402
from core.words import language_of  # noqa: E402
from finetune.grounded import TRAIN, build_index, train_paragraphs  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "grounding" / "squad2_qa_dev.jsonl"
# --data cmrc: CMRC 2018's dev paragraphs (299, Chinese) and their answerable questions; it has no
# unanswerable ones (its wrong rows are wrong answers to answerable questions)
CMRC = ROOT.parent / "shared" / "data" / "grounding" / "cmrc2018_qa_dev.jsonl"
# --data train: SQuAD train questions (finetune.grounded.TRAIN), to tune on (generation.abstain_bias)
# without touching the dev rows
TRAIN_PARAGRAPHS = 1000  # paragraphs indexed with --data train: the questions' own and others, as many as dev has
BIASES = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0]
REFUSAL = re.compile(r"\b(i|we) (do not|don't|dont|cannot|can't) (know|answer|find|say|tell|determine)|"
                     r"\b(passages?|documents?|context|text) (do|does) not (contain|mention|say|provide|include|state)|"
                     r"\bnot (mentioned|stated|provided|specified|given) in the (passages?|documents?|context)|"
                     r"\bno (information|mention) (about|of|on)\b|"
                     r"不知道|无法(回答|确定)|(没有|并未|未)(提到|提及|包含|说明)|没有(相关)?信息|没有(这个问题的)?答案", re.I)
CJK_PUNCTUATION = set("，。！？；：、“”‘’（）《》「」『』【】—…·")


# Prompt layouts to compare (--prompt): (system turn, user turn template); "shipped" is
# assistant/chat/prompt.py's as it is, the instruction in the system turn (bench/results/
# answers_prompts.json and answers.json say how each did).
PROMPTS = {
    "plain": ("Answer the question using only the numbered passages. Cite the passages you use like [1]. "
              "If the passages do not contain the answer, say: I don't know based on the provided documents.",
              "Passages:\n{passages}\n\nQuestion: {question}"),
    "after": ("You answer questions from numbered passages and nothing else.",
              "Passages:\n{passages}\n\nQuestion: {question}\n\nAnswer from the passages only, in one or two "
              "sentences, citing them like [1]. If they do not say the answer, reply only: I don't know based on "
              "the provided documents."),
    "check": ("Answer the question using only the numbered passages. First make sure a passage states the "
              "answer to exactly this question; a passage about something similar is not enough. If none does, "
              "reply only: I don't know based on the provided documents. Otherwise answer in one or two "
              "sentences and cite the passage like [1].", "Passages:\n{passages}\n\nQuestion: {question}"),
}


def use_prompt(name: str) -> None:
    """Make ``name`` the grounded prompt for this process (the product's own unless named)."""
    from assistant.chat import prompt

    if name != "shipped":
        prompt.GROUNDED_SYSTEM, prompt.GROUNDED_USER = PROMPTS[name]


def normalize(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation (Chinese punctuation too), no articles,
    single spaces."""
    text = "".join(c for c in text.lower() if c not in set(string.punctuation) | CJK_PUNCTUATION)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def contains_gold(answer: str, gold: str) -> bool:
    """Whether ``answer`` holds the ``gold`` answer, normalised; where either is Chinese, spaces
    are ignored too, as CMRC 2018's own evaluation ignores them ("1993 年" holds "1993年")."""
    have, want = normalize(answer), normalize(gold)
    if language_of(answer) == "zh" or language_of(gold) == "zh":
        have, want = have.replace(" ", ""), want.replace(" ", "")
    return bool(want) and want in have


def refuses(text: str) -> bool:
    return bool(REFUSAL.search(text.replace("\u2019", "'")))


def repeats(text: str) -> bool:
    """Whether ``text`` says a sentence, or a run of words, twice (what stops a stream)."""
    from assistant.chat.repetition import trim_repetition

    return trim_repetition(text)[1]


def scored(entry: dict) -> dict:
    """An answer's row with its scores worked out from its text (and ``withheld``, where it was
    checked): ``right_as_generated`` holds the gold answer and is no refusal, ``right`` is that and
    not withheld, ``refused`` is a refusal or withheld. A journal row is scored again when read, so
    one results file never mixes two versions of the scoring."""
    said = not refuses(entry["answer"])
    as_generated = contains_gold(entry["answer"], entry["gold"]) and said
    held = bool(entry.get("withheld"))
    return {**entry, "right": as_generated and not held, "right_as_generated": as_generated, "refused": not said or held}


def copies(answer: str, earlier: list[str]) -> bool:
    """Most of ``answer``'s words (80 %) are an earlier answer's, and it is not a refusal."""
    words = normalize(answer).split()
    if not words or refuses(answer):
        return False
    return any(sum(w in set(normalize(e).split()) for w in words) >= 0.8 * len(words) for e in earlier if e)


def train_rows(seed: int) -> tuple[list[dict], list[str]]:
    """SQuAD train rows in the dev file's shape (answerable: SQuAD 1.1 "supported" rows;
    unanswerable: SQuAD 2.0 "plausible" ones), and the paragraphs to index: every unanswerable
    row's, then others drawn at random up to TRAIN_PARAGRAPHS (the answerable rows drawn later
    are kept to these paragraphs)."""
    raw = [json.loads(line) for line in TRAIN.open(encoding="utf-8")]
    paragraphs = train_paragraphs(raw, TRAIN_PARAGRAPHS, random.Random(seed))
    kept = set(paragraphs)
    rows = [{"id": f"{r['id']}-{r['kind']}", "question": r["question"], "claim": r["hypothesis"],
             "evidence": r["premise"]}
            for r in raw if r["kind"] in ("supported", "plausible") and r["premise"] in kept]
    return rows, paragraphs


def load_rows(seed: int, answerable: int, unanswerable: int, chats: int, data: str = "dev"):
    if data == "train":
        rows, paragraphs = train_rows(seed)
    else:
        rows = [json.loads(line) for line in (CMRC if data == "cmrc" else DATA).open(encoding="utf-8")]
        paragraphs = sorted({r["evidence"] for r in rows})
    rng = random.Random(seed)
    supported = [r for r in rows if r["id"].endswith("-supported")]
    plausible = [r for r in rows if r["id"].endswith("-plausible")]
    rng.shuffle(supported)
    rng.shuffle(plausible)
    single = supported[:answerable] + plausible[:unanswerable]
    rest = supported[answerable:]
    chat_rows = [rest[3 * i:3 * i + 3] for i in range(chats)]
    return paragraphs, single, chat_rows


def journal_path(out: str) -> Path:
    """The journal of a run writing ``out``: ``answers_cmrc.json`` -> ``answers_cmrc.journal.jsonl``."""
    path = Path(out)
    return path.with_name(path.stem + ".journal.jsonl")


def read_journal(path: Path, settings: dict) -> dict[tuple[str, str], dict]:
    """The answers ``path`` holds that were measured under ``settings``, by (variant, row id)."""
    done = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry.pop("settings") == settings:
                done[(entry.pop("variant"), entry["id"])] = scored(entry)
    return done


def compact_journal(path: Path) -> int:
    """Keep only the last line of each answer (its settings, variant and id) in the journal at ``path``:
    checking answers again appends their new lines. Rewritten whole (crash-safe) when it shrinks;
    returns the lines dropped."""
    from core.atomic import write_file

    if not path.is_file():
        return 0
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    last: dict[tuple[str, str, str], str] = {}
    for line in lines:
        entry = json.loads(line)
        last[(json.dumps(entry["settings"], sort_keys=True), entry["variant"], entry["id"])] = line
    if len(last) < len(lines):
        write_file(path, "".join(line + "\n" for line in last.values()))
    return len(lines) - len(last)


def measure(chat, index, row, history=(), k: int | None = None, checker=None, words: int | None = None,
            reader=None) -> dict:
    from assistant.turn import Turn

    start = time.perf_counter()
    turn = Turn(chat, index, row["question"], history, k=k, words=words, reader=reader)
    prepare_s = time.perf_counter() - start  # retrieval, and the reader's reading where it focuses
    for _ in turn:
        pass
    seconds = time.perf_counter() - start
    result = turn.finish(checker)  # as the page does: checked, and withheld under checker.withhold
    done, text = result.completion, result.answer
    checked = {}
    if result.report is not None:  # each statement against the answer's passages
        checked = checked_fields(result.report, result.withheld, checker)
    ttft = done.ttft_s if done and done.ttft_s is not None else seconds - prepare_s
    decode = ((done.completion_tokens - 1) / (done.seconds - ttft)
              if done and done.completion_tokens > 1 and done.seconds > ttft else None)
    return scored({
        "id": row["id"], "question": row["question"], "gold": row["claim"], "answer": text,
        "reply": result.reply,  # what the page shows and later turns see: the refusal when withheld
        "answerable": row["id"].endswith("-supported"), "cites": bool(result.cited),
        "finish_reason": done.finish_reason if done else None,
        "broken_characters": text.count("\ufffd"),
        "refusal_margin": round(done.refusal_margin, 3) if done and done.refusal_margin is not None else None,
        "retrieval_hit": any(" ".join(row["evidence"].split())[:200] in " ".join(h.text.split())
                             or " ".join(h.text.split())[:200] in " ".join(row["evidence"].split())
                             for h in result.hits),
        # the gold answer is in what the model read of the passages (all of them, or their focus)
        "gold_shown": (row["id"].endswith("-supported")
                       and normalize(row["claim"]) in normalize(turn.messages[-1]["content"])),
        "prompt_tokens": done.prompt_tokens if done else None,
        "cached_tokens": done.cached_tokens if done else None,  # read for an earlier answer, not again
        "tokens": done.completion_tokens if done else None,
        "ttft_s": round(prepare_s + ttft, 3), "prepare_s": round(prepare_s, 3), "seconds": round(seconds, 3),
        "decode_tokens_per_s": round(decode, 2) if decode else None,
        **checked,
    })


@functools.cache
def _checking_code() -> bytes:
    """The checking code this process runs, read once (an edit made while a run goes on is not the
    code that run judges with)."""
    files = [*sorted((ROOT / "assistant" / "checking").glob("*.py")), ROOT / "assistant" / "chat" / "prompt.py",
             ROOT / "core" / "sentences.py", ROOT / "core" / "words.py"]
    return b"".join(path.read_bytes() for path in files)


def checker_version(checker) -> str:
    """Which checker judged an answer: its verifier's version and the checking code's own (its rules,
    the statement splitting with the citations it leaves out, the sentences and words it counts), so a
    change to either is a new checker."""
    return hashlib.sha256(checker.verifier.version.encode() + _checking_code()).hexdigest()[:12]


def checked_fields(report, withheld: bool, checker) -> dict:
    """What a checked answer's row keeps of its check; the checker's version says which one judged it."""
    return {"verdicts": report.counts, "flagged": bool(report.flagged),
            "all_supported": report.counts["supported"] > 0 and not report.flagged,
            "withheld": withheld,  # the reader gets the refusal
            "checker_version": checker_version(checker)}


def check_again(entry: dict, index, checker) -> dict:
    """A journal row checked by today's checker as the page would have checked it: the passages the
    question retrieves, the answer as generated, withheld or not under ``checker.withhold``. A row
    measured under an earlier checker keeps its answer (generation does not depend on the checker)
    and gets today's verdicts, so one results file never mixes two checkers."""
    from assistant.checking.checker import Evidence, withheld
    from assistant.turn import prepare

    hits = prepare(index, entry["question"], [], None, None).hits
    report = checker.check_answer(entry["answer"], entry["question"], [Evidence.from_hit(h) for h in hits])
    held = withheld(report, hits, entry["finish_reason"], checker.cfg.withhold)
    return scored({**entry, **checked_fields(report, held, checker)})


def abstain_sweep(single: list[dict], bias: float) -> list[dict]:
    """What each larger ``generation.abstain_bias`` would have done to these answers (measured
    at ``bias``): an answer whose refusal margin + the larger bias is > 0 becomes the refusal;
    the rest keep their text (greedy decoding does not depend on the bias)."""
    answerable = [r for r in single if r["answerable"]]
    unanswerable = [r for r in single if not r["answerable"]]
    out: list[dict] = []
    if not answerable or not unanswerable:  # nothing to trade (--data cmrc has no unanswerable questions)
        return out
    for b in [x for x in BIASES if x >= bias]:
        gated = (lambda r: r["refusal_margin"] is not None and r["refusal_margin"] + b > 0)
        row = {
            "abstain_bias": b,
            "right": round(sum(r["right"] and not gated(r) for r in answerable) / len(answerable), 3),
            "abstained": round(sum(r["refused"] or gated(r) for r in unanswerable) / len(unanswerable), 3),
            "abstained_answerable": round(sum(r["refused"] or gated(r) for r in answerable) / len(answerable), 3),
        }
        if all("flagged" in r for r in single):
            row["unanswerable_caught"] = round(sum(r["refused"] or gated(r) or r["flagged"]
                                                   for r in unanswerable) / len(unanswerable), 3)
        out.append(row)
    return out


def summarize(single: list[dict], chats: list[list[dict]]) -> dict:
    answerable = [r for r in single if r["answerable"]]
    unanswerable = [r for r in single if not r["answerable"]]
    answered = [r for r in single if not r["refused"]]
    share = (lambda rows, key: round(sum(r[key] for r in rows) / len(rows), 3) if rows else None)
    speeds = [r["decode_tokens_per_s"] for r in single if r["decode_tokens_per_s"]]
    turns = [t for c in chats for t in c]
    checked = {}
    if unanswerable and all("flagged" in r for r in single):  # --check: what the page would show
        shown = [r for r in unanswerable if not r["refused"]]
        right = [r for r in answerable if r["right"]]
        checked = {
            "unanswerable_caught": round(sum(r["refused"] or r["flagged"] for r in unanswerable) / len(unanswerable), 3),
            "unanswerable_shown_supported": round(sum(r["all_supported"] for r in shown) / len(unanswerable), 3),
            "right_flagged": share(right, "flagged"),
        }
    from finetune.metrics import wilson

    hits = sum(r["right"] for r in answerable)
    return {
        **checked,
        "answerable_questions": len(answerable),
        "right": share(answerable, "right"),
        "right_interval_95": [round(x, 3) for x in wilson(hits, len(answerable))] if answerable else None,
        **({"right_as_generated": share(answerable, "right_as_generated")}  # --check: before withholding
           if answerable and all("withheld" in r for r in answerable) else {}),
        "abstained": share(unanswerable, "refused"),
        "abstained_answerable": share(answerable, "refused"),
        "cites": share(answered, "cites"),
        "loops": sum(r["finish_reason"] == "repetition" for r in single + turns),
        "loops_shown": sum(repeats(r["answer"]) for r in single + turns),
        "answers_with_broken_characters": sum(bool(r.get("broken_characters")) for r in single + turns),
        "cut_at_length": sum(r["finish_reason"] == "length" for r in single + turns),
        "decode_tokens_per_s": round(statistics.median(speeds), 2) if speeds else None,
        "ttft_s": round(statistics.median(r["ttft_s"] for r in single), 2),
        "ttft_s_p90": round(sorted(r["ttft_s"] for r in single)[int(0.9 * (len(single) - 1))], 2),
        "seconds_per_answer": round(statistics.median(r["seconds"] for r in single), 2),
        "prompt_tokens": statistics.median(r["prompt_tokens"] or 0 for r in single),
        "cached_tokens": statistics.median(r.get("cached_tokens") or 0 for r in single),
        "answer_tokens": statistics.median(r["tokens"] or 0 for r in single),
        "retrieval_hit": share(single, "retrieval_hit"),
        **({"gold_shown": share(answerable, "gold_shown")} if all("gold_shown" in r for r in answerable) else {}),
        "multi_turn": {"chats": len(chats), "right": share(turns, "right"),
                       "copies": sum(r.get("copy", False) for r in turns)} if chats else None,
    }


def recheck(path: str, out_path: str | None = None) -> int:
    """Check the answers a results file holds again with today's checker, each against its question's
    own paragraph (the file keeps the answers, not the passages retrieved): how many right answers
    have a statement flagged, and how many answers to unanswerable questions are shown all supported.
    With ``out_path``, also what the checker would do as a gate beside the refusal margin: an answer
    none of whose statements is supported (or: any flagged) becomes the refusal, swept with
    ``generation.abstain_bias``; and each row's verdict counts."""
    from assistant.checking.checker import Evidence, make_checker
    from core.config import CheckerConfig

    earlier = json.loads(Path(path).read_text())
    if "nli" in earlier.get("data", ""):
        rows = {r["id"]: r for r in train_rows(earlier["seed"])[0]}
    else:
        rows = {r["id"]: r for r in map(json.loads, DATA.open(encoding="utf-8"))}
    checker = make_checker(CheckerConfig())
    out: dict = {"file": path, "evidence": "the question's own paragraph", "variants": {}}
    for variant, answers in earlier["answers"].items():
        right, flagged, shown, unanswerable = 0, 0, 0, 0
        for r in answers["single"]:
            report = checker.check_answer(r["answer"], r["question"], [Evidence(rows[r["id"]]["evidence"], "paragraph")])
            r["checked"] = {"counts": report.counts, "flagged": bool(report.flagged),
                            "answer_flagged": report.answer_flagged}
            if r["answerable"] and r["right"]:
                right += 1
                flagged += bool(report.flagged)
            elif not r["answerable"]:
                unanswerable += 1
                shown += not r["refused"] and report.counts["supported"] > 0 and not report.flagged
        summary = {"right": right, "right_flagged": flagged, "unanswerable": unanswerable,
                   "unanswerable_shown_supported": shown}
        if out_path:
            summary["gates"] = checker_gates(answers["single"], earlier.get("abstain_bias"))
        out["variants"][variant] = summary
    print(json.dumps({v: {k: x for k, x in s.items() if k != "gates"} for v, s in out["variants"].items()}, indent=2))
    if out_path:
        out["answers"] = earlier["answers"]
        write_result(out_path, out)
    return 0


def checker_gates(single: list[dict], measured_bias: float | None) -> list[dict]:
    """Right / abstained under each ``checker.withhold`` rule (``no_support``: an answer with a
    statement flagged and none supported is withheld; ``answer``: that, or the claims answering
    the question flagged and none of them supported; ``any_flag``: any flagged), beside each larger refusal-margin bias."""
    answerable = [r for r in single if r["answerable"]]
    unanswerable = [r for r in single if not r["answerable"]]
    rules = {"off": lambda r: False,  # checker.withhold's rules (CheckReport.withholds)
             "no_support": lambda r: r["checked"]["flagged"] and r["checked"]["counts"]["supported"] == 0,
             "answer": lambda r: r["checked"]["flagged"] and (r["checked"]["counts"]["supported"] == 0
                                                               or r["checked"].get("answer_flagged", False)),
             "any_flag": lambda r: r["checked"]["flagged"]}
    out = []
    for b in [x for x in BIASES if x >= (measured_bias or 0.0)][:5]:
        for name, rule in rules.items():
            def gated(r):
                margin = r.get("refusal_margin")  # files from before the refusal gate have none
                return (margin is not None and margin + b > 0) or (not r["refused"] and rule(r))
            out.append({"abstain_bias": b, "withhold": name,
                        "right": round(sum(r["right"] and not gated(r) for r in answerable) / len(answerable), 3),
                        "abstained": round(sum(r["refused"] or gated(r) for r in unanswerable) / len(unanswerable), 3),
                        "abstained_answerable": round(sum(r["refused"] or gated(r) for r in answerable)
                                                      / len(answerable), 3)})
    return out


SELF_CHECK = ("Is your answer stated in the passages, as the answer to exactly this question? "
              "Reply with one word: yes or no.")


def yes_probability(chat, messages: list[dict]) -> float:
    """P(yes) / (P(yes) + P(no)) for the model's first token after ``messages`` (onnx backend):
    the model judging its own answer, read from its token probabilities as the llm verifier reads
    its verdicts (no free text is parsed)."""
    import numpy as np
    import onnxruntime_genai as og

    loaded = chat.loaded
    ids, _ = chat.encode(messages, 1)
    prompt = [int(t) for t in ids[0]]
    params = og.GeneratorParams(loaded.og_model)
    params.set_search_options(max_length=len(prompt) + 1)
    generator = og.Generator(loaded.og_model, params)
    generator.append_tokens(prompt)
    row = np.asarray(generator.get_logits(), dtype=np.float64).reshape(-1)
    row = np.exp(row - row.max())
    tokenizer = loaded.tokenizer

    def mass(words):
        return sum(row[i] for i in {tokenizer.encode(w, add_special_tokens=False)[0] for w in words})

    yes, no = mass(("yes", "Yes", " yes", " Yes")), mass(("no", "No", " no", " No"))
    return float(yes / (yes + no)) if yes + no > 0 else 0.5


def self_check(path: str, out_path: str) -> int:
    """Ask the model of an earlier results file (its first variant) whether each of its answers is
    stated in the passages (:data:`SELF_CHECK`, after the grounded prompt, retrieved again the same
    way, and the answer), and how well that, the refusal margin, and the two together tell
    unanswerable questions from answerable ones; writes the rows' ``self_check_yes`` and the
    gates' sweep to ``out_path``."""
    from assistant.chat.backends import chat_for
    from assistant.chat.grounding import prepare
    from core.config import GenerationConfig, ModelConfig
    from finetune.metrics import roc_auc

    earlier = json.loads(Path(path).read_text())
    data = "train" if "nli" in earlier["data"] else "dev"
    paragraphs, _, _ = load_rows(earlier["seed"], earlier["answerable"], earlier["unanswerable"], 0, data)
    index = build_index(paragraphs)
    variant = next(iter(earlier["answers"]))
    name, backend, quantize = (variant.split(":") + ["", ""])[:3]  # a 4th field (passage words) is not the model's
    chat = chat_for(ModelConfig(name=name, backend=backend or "onnx", quantize=quantize or "none"),
                    GenerationConfig(max_new_tokens=earlier["max_new_tokens"]),
                    progress=lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    rows = earlier["answers"][variant]["single"]
    for n, r in enumerate(rows, 1):
        if r["refused"]:
            r["self_check_yes"] = None
            continue
        messages = prepare(index, r["question"], (), earlier.get("k")).messages
        messages = [*messages, {"role": "assistant", "content": r["answer"]}, {"role": "user", "content": SELF_CHECK}]
        start = time.perf_counter()
        r["self_check_yes"] = round(yes_probability(chat, messages), 4)
        print(f"{n}/{len(rows)} {'answerable' if r['answerable'] else 'unanswerable'} "
              f"{'right' if r['right'] else '-'} yes={r['self_check_yes']:.3f} margin={r['refusal_margin']} "
              f"({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)
    answered = [r for r in rows if r["self_check_yes"] is not None and r["refusal_margin"] is not None]
    truth = [r["answerable"] for r in answered]
    result = {"from": path, "variant": variant, "question": SELF_CHECK, "answered": len(answered),
              "roc_auc_self_check": roc_auc(truth, [r["self_check_yes"] for r in answered]),
              "roc_auc_refusal_margin": roc_auc(truth, [-r["refusal_margin"] for r in answered]),
              "roc_auc_right_vs_rest_self_check": roc_auc([r["answerable"] and r["right"] for r in answered],
                                                          [r["self_check_yes"] for r in answered]),
              "sweep": [], "rows": rows}
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    for bias in (0.0, 0.5, 1.0, 1.5):
        for floor in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            def gated(r):
                return (r["refusal_margin"] is not None and r["refusal_margin"] + bias > 0) or (
                    r["self_check_yes"] is not None and r["self_check_yes"] < floor)
            result["sweep"].append({
                "abstain_bias": bias, "self_check_floor": floor,
                "right": round(sum(r["right"] and not gated(r) for r in answerable) / len(answerable), 3),
                "abstained": round(sum(r["refused"] or gated(r) for r in unanswerable) / len(unanswerable), 3),
                "abstained_answerable": round(sum(r["refused"] or gated(r) for r in answerable) / len(answerable), 3)})
    write_result(out_path, result)
    print(json.dumps({k: v for k, v in result.items() if k not in ("rows", "sweep")}), file=sys.stderr)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="qwen:onnx:int4,qwen:onnx:int8,smollm2:onnx:int8",
                        help="model:backend:quantize[:passage words[:adapter]], comma-separated; the first is the "
                             "reference (passage words: index.passage_words, the most words of the passages the model "
                             "reads; '150r': 150, with the checker's reader's answers shown first; adapter: "
                             "model.adapter, a LoRA adapter merged in)")
    parser.add_argument("--answerable", type=int, default=40)
    parser.add_argument("--unanswerable", type=int, default=40)
    parser.add_argument("--chats", type=int, default=8, help="three-question chats per variant")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--k", type=int, default=None, help="passages per question (default: index.top_k)")
    parser.add_argument("--prompt", default="shipped", choices=["shipped", *PROMPTS],
                        help="the grounded prompt: the product's (shipped) or a layout to compare")
    parser.add_argument("--data", default="dev", choices=["dev", "train", "cmrc"],
                        help="SQuAD 2.0 dev rows (the benchmark), train rows (to tune generation.abstain_bias on), "
                             "or CMRC 2018's Chinese dev rows (answerable questions only)")
    parser.add_argument("--abstain-bias", type=float, default=None,
                        help="generation.abstain_bias (default: the product's)")
    parser.add_argument("--check", action="store_true",
                        help="check every answer with the shipped checker, as the page does, and count what it "
                             "catches: unanswerable questions refused or flagged, right answers flagged")
    parser.add_argument("--recheck", metavar="RESULTS_JSON",
                        help="generate nothing: check the answers of an earlier results file again (see recheck)")
    parser.add_argument("--self-check", metavar="RESULTS_JSON",
                        help="generate nothing: ask the model whether each answer of an earlier results file is "
                             "stated in its passages, and measure that as a gate (see self_check); writes --out")
    parser.add_argument("--out", default=str(RESULTS / "answers.json"))
    args = parser.parse_args()
    if args.recheck:
        return recheck(args.recheck, args.out if "--out" in sys.argv else None)
    if args.self_check:
        return self_check(args.self_check, args.out)

    from assistant.chat.backends import chat_for
    from core.config import GenerationConfig, ModelConfig

    use_prompt(args.prompt)
    paragraphs, single_rows, chat_rows = load_rows(args.seed, args.answerable, args.unanswerable, args.chats,
                                                   args.data)
    generation = GenerationConfig(max_new_tokens=args.max_new_tokens)
    if args.abstain_bias is not None:
        generation = GenerationConfig(max_new_tokens=args.max_new_tokens, abstain_bias=args.abstain_bias)
    index = build_index(paragraphs)

    source = {"train": TRAIN, "cmrc": CMRC}.get(args.data, DATA)
    result: dict = {"data": str(source.relative_to(ROOT.parent)), "seed": args.seed,
                    "abstain_bias": generation.abstain_bias, "answerable": args.answerable,
                    "unanswerable": args.unanswerable, "chats": args.chats, "max_new_tokens": args.max_new_tokens,
                    "k": args.k, "prompt": args.prompt,
                    "threads": len(os.sched_getaffinity(0)), "variants": {}, "answers": {}}
    checker = None
    if args.check:
        from assistant.checking.checker import make_checker
        from core.config import CheckerConfig

        checker = make_checker(CheckerConfig(), index)
    result["checker"] = checker.verifier.name if checker else None
    reference = None
    settings = {k: result[k] for k in ("data", "seed", "abstain_bias", "max_new_tokens", "k", "prompt")}
    settings["checker"] = result["checker"]
    journal = journal_path(args.out)
    compact_journal(journal)
    done = read_journal(journal, settings)
    if done:
        print(f"{len(done)} answers taken from {journal}", file=sys.stderr, flush=True)
    today = checker_version(checker) if checker else None
    stale = [key for key, entry in done.items() if checker and entry.get("checker_version") != today]
    for n, key in enumerate(stale, 1):  # answers judged by another checker: checked again, not asked again
        done[key] = check_again(done[key], index, checker)
        with journal.open("a", encoding="utf-8") as f:  # the later line of a row is the one read
            f.write(json.dumps({"variant": key[0], "settings": settings, **done[key]}, ensure_ascii=False) + "\n")
        print(f"checked again ({today}) {n}/{len(stale)}: {done[key]['answer'][:60]!r} "
              f"{done[key]['verdicts']}", file=sys.stderr, flush=True)
    for variant in args.variants.split(","):
        name, backend, quantize, words, adapter = (variant.split(":") + ["", "", "", ""])[:5]
        reader = None
        if words.endswith("r"):  # focused with the checker's reader's answers shown first
            from assistant.checking.checker import make_reader
            from core.config import CheckerConfig

            reader, words = checker.reader if checker else make_reader(CheckerConfig()), words[:-1]
        words = int(words) if words else None  # index.passage_words for this variant (default: the product's)
        cfg = ModelConfig(name=name, backend=backend or "onnx", quantize=quantize or "none", adapter=adapter)
        load_start = time.perf_counter()
        chat = chat_for(cfg, generation,
                        progress=lambda m: print(f"  {m}", file=sys.stderr, flush=True))
        load_s = time.perf_counter() - load_start
        chat.complete([{"role": "user", "content": "Hi"}], chat.with_generation(max_new_tokens=2))  # warm-up
        single = []
        for n, row in enumerate(single_rows, 1):
            if (variant, row["id"]) in done:
                single.append(done[(variant, row["id"])])
                continue
            single.append(measure(chat, index, row, k=args.k, checker=checker, words=words, reader=reader))
            r = single[-1]
            with journal.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"variant": variant, "settings": settings, **r}, ensure_ascii=False) + "\n")
            result["variants"][variant] = {"model": chat.name, "load_s": round(load_s, 1), "partial": True,
                                           **summarize(single, [])}
            result["answers"][variant] = {"single": single, "chats": []}
            write_result(args.out, result)  # what it measured so far, should the run be stopped
            print(f"{variant} {n}/{len(single_rows)} {'right' if r['right'] else 'refused' if r['refused'] else '-'}"
                  f" {r['ttft_s']:.1f}s {r['decode_tokens_per_s']} tok/s: {r['answer'][:90]!r}",
                  file=sys.stderr, flush=True)
        chats = []
        for rows in chat_rows:
            history: list[dict] = []
            turns = []
            for row in rows:
                turn = measure(chat, index, row, history, k=args.k, checker=checker, words=words, reader=reader)
                turn["copy"] = copies(turn["answer"], [t["answer"] for t in turns])
                turns.append(turn)
                history += [{"role": "user", "content": row["question"]},
                            {"role": "assistant", "content": turn["reply"]}]
            chats.append(turns)
        summary = {"model": chat.name, "load_s": round(load_s, 1), **summarize(single, chats),
                   "abstain_sweep": abstain_sweep(single, generation.abstain_bias)}
        if reference is None:
            reference = summary
        else:
            summary["vs_reference"] = {k: round(summary[k] / reference[k], 2) for k in
                                       ("decode_tokens_per_s", "ttft_s", "seconds_per_answer")
                                       if summary.get(k) and reference.get(k)}
        result["variants"][variant] = summary
        result["answers"][variant] = {"single": single, "chats": chats}
        print(json.dumps({variant: summary}), file=sys.stderr, flush=True)
        write_result(args.out, result)  # after each variant: a long run leaves what it measured
        del chat
    return 0


if __name__ == "__main__":
    sys.exit(main())
