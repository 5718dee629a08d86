"""Benchmark the checker and write JSON.

    python bench/check.py [--verifier trained|overlap|nli] [--nli-model PATH] [--repeats 5]
                          [--out bench/results/check.json]

Two figures on this machine (with the word-overlap floor timed in the same run as the
reference): the time to check a 5-sentence answer against its
top-5 passages (the passages given, no retrieval; goal <= 0.5 s on 2 cores; the first
check, which also loads what the verifier loads at first use, is reported apart), and
statements per second over a batch of 200 (claim, evidence) items from the
grounding sets, read in windows as the checker reads them. Then claims per second
against long evidence (goal >= 2/s): SQuAD 2.0 dev paragraphs, in the file's order
(its first articles), joined into a 5,000-word text, and questions on them with their
answers, right and wrong, checked against it; read as the checker reads it (the top
``checker.max_windows`` windows per claim) and, as the reference in the same run,
reading every window, with the share of labels both ways agree on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import RESULTS, ROOT, write_result  # noqa: E402

ANSWER = ("The Eiffel Tower was completed in 1889 for the World's Fair. It is 330 metres tall. "
          "Gustave Eiffel's company designed and built it. It was the tallest structure in the world for 41 years. "
          "Today it receives about seven million visitors a year.")
PASSAGES = [
    "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, France. It is named after the "
    "engineer Gustave Eiffel, whose company designed and built the tower from 1887 to 1889.",
    "Locally nicknamed 'La dame de fer', it was constructed as the centrepiece of the 1889 World's Fair, and to "
    "crown the centennial anniversary of the French Revolution.",
    "The tower is 330 metres tall, about the same height as an 81-storey building, and the tallest structure in "
    "Paris. It was the tallest human-made structure in the world until the Chrysler Building was finished in 1930.",
    "The tower has three levels for visitors, with restaurants on the first and second levels. The top level's "
    "upper platform is 276 m above the ground, the highest observation deck accessible to the public in the EU.",
    "It is the most-visited monument with an entrance fee in the world: 6.91 million people ascended it in 2015. "
    "The tower received its 250 millionth visitor in 2010.",
]


def long_evidence(words: int, claims: int) -> tuple[str, list[dict]]:
    """(the SQuAD 2.0 dev file's paragraphs in its order, joined up to ``words`` words; up to
    ``claims`` of the rows on them, posed against that text as check items)."""
    path = ROOT.parent / "shared" / "data" / "grounding" / "squad2_qa_dev.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_paragraph = list(dict.fromkeys(r["evidence"] for r in rows))
    text, used = [], set()
    for paragraph in by_paragraph:
        if sum(len(t.split()) for t in text) >= words:
            break
        text.append(paragraph)
        used.add(paragraph)
    long_text = " ".join(" ".join(text).split()[:words])
    picked = [r for r in rows if r["evidence"] in used][:claims]
    return long_text, [{"id": r["id"], "claim": r["claim"], "question": r["question"], "evidence": long_text}
                       for r in picked]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verifier", default="trained")
    parser.add_argument("--nli-model", default="")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--long-words", type=int, default=5000, help="words of the long evidence")
    parser.add_argument("--long-claims", type=int, default=20, help="claims checked against it")
    parser.add_argument("--out", default=str(RESULTS / "check.json"))
    args = parser.parse_args()

    import torch

    from assistant.checking.checker import Checker, Evidence, check_claims, make_reader
    from assistant.checking.verifiers import make_verifier
    from core.config import CheckerConfig
    from core.device import resolved_precision

    def measure(precision: str) -> tuple[dict, list]:
        """The figures with the verifier and reader computing in ``precision``, and the labels of
        every check (the grounding items', then the long evidence's)."""
        options = {"model": args.nli_model} if args.verifier == "nli" else {}
        if args.verifier in ("nli", "trained"):
            options["precision"] = precision
        verifier = make_verifier(args.verifier, **options)
        cfg = CheckerConfig(verifier=args.verifier, nli_model=args.nli_model, precision=precision,
                            reader="shipped" if args.verifier == "trained" else "none")
        checker = Checker(verifier, cfg, reader=make_reader(cfg))  # as the page checks

        def answer_times(checker):
            start = time.perf_counter()
            checker.check_answer(ANSWER, None, passages)  # warm-up (loads what the verifier loads at first use)
            times = [time.perf_counter() - start]
            for _ in range(args.repeats):
                start = time.perf_counter()
                report = checker.check_answer(ANSWER, None, passages)
                times.append(time.perf_counter() - start)
            return times[1:], report, times[0]

        times, report, first = answer_times(checker)
        floor_times, _, _ = answer_times(Checker(make_verifier("overlap")))  # the reference, same run
        start = time.perf_counter()
        batch = check_claims(checker, items)
        batch_s = time.perf_counter() - start
        every = Checker(verifier, CheckerConfig(verifier=args.verifier, nli_model=args.nli_model, max_windows=0,
                                                precision=precision),
                        reader=checker.reader)  # the same checker, reading every window
        long_runs = {}
        for name, which in (("bounded", checker), ("every_window", every)):
            start = time.perf_counter()
            long_runs[name] = (check_claims(which, long_items), time.perf_counter() - start)
        agree = sum(a.label == b.label for a, b in zip(long_runs["bounded"][0], long_runs["every_window"][0]))
        result = {
            "verifier": verifier.name, "version": checker.version, "precision": precision,
            "answer_statements": len(report.verdicts), "passages": len(passages),
            "first_check_s": first, "answer_check_seconds": times, "answer_check_median_s": statistics.median(times),
            "labels": [v.label for v in report.verdicts],
            "goal_s": 0.5, "answer_check_vs_goal": statistics.median(times) / 0.5,
            "overlap_floor_median_s": statistics.median(floor_times),
            "answer_check_vs_overlap_floor": statistics.median(times) / statistics.median(floor_times),
            "batch_items": len(items), "batch_seconds": batch_s, "statements_per_s": len(items) / batch_s,
            "long_evidence_words": len(long_text.split()), "long_claims": len(long_items),
            "max_windows": checker.cfg.max_windows,
            "long_claims_per_s": len(long_items) / long_runs["bounded"][1], "long_goal_claims_per_s": 2.0,
            "long_claims_per_s_every_window": len(long_items) / long_runs["every_window"][1],
            "long_speedup_vs_every_window": long_runs["every_window"][1] / long_runs["bounded"][1],
            "long_labels_agreeing_with_every_window": agree / max(len(long_items), 1),
        }
        print(f"{verifier.name} ({precision}): 5-sentence answer vs 5 passages "
              f"{result['answer_check_median_s'] * 1000:.0f} ms; "
              f"{result['statements_per_s']:.1f} statements/s over {len(items)} grounding items; "
              f"{result['long_claims_per_s']:.2f} claims/s against {result['long_evidence_words']} words "
              f"({result['long_claims_per_s_every_window']:.2f} reading every window; labels agree "
              f"{result['long_labels_agreeing_with_every_window']:.0%})", file=sys.stderr)
        return result, list(batch) + list(long_runs["bounded"][0])

    passages = [Evidence(p, f"passage {n}") for n, p in enumerate(PASSAGES, start=1)]
    rows = []
    for path in sorted((ROOT.parent / "shared" / "data" / "grounding").glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text().splitlines()[:50]]
    items = [{"id": r["id"], "claim": r["claim"], "evidence": r["evidence"]} for r in rows]
    long_text, long_items = long_evidence(args.long_words, args.long_claims)
    result, verdicts = measure("auto")  # as the page runs
    result["torch_threads"] = torch.get_num_threads()
    result["resolved_precision"] = resolved_precision("auto")
    if result["resolved_precision"] != "float32":  # the reference in the same run: every product in float32
        reference, reference_verdicts = measure("float32")
        result["float32"] = {key: reference[key] for key in (
            "answer_check_median_s", "statements_per_s", "long_claims_per_s", "long_claims_per_s_every_window")}
        result["speedup_vs_float32"] = {  # times: float32's over this; rates: this over float32's
            key: (reference[key] / result[key]) if key == "answer_check_median_s" else (result[key] / reference[key])
            for key in result["float32"]}
        result["labels_agreeing_with_float32"] = sum(
            a.label == b.label for a, b in zip(verdicts, reference_verdicts)) / len(verdicts)
        result["largest_score_difference_from_float32"] = max(
            abs((a.score or 0.0) - (b.score or 0.0)) for a, b in zip(verdicts, reference_verdicts))
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
