"""Ways to score a claim from the shipped verifier's windows, measured on the grounding sets.

    python bench/experiments/checker_variants.py [--out bench/results/checker_variants.json]

Each variant is a different *score* built from the same model outputs; the reference,
``shipped``, is the checker's score (``combine`` with the word overlap and the soft overlap
at the calibrated weights, max over windows), measured in the same run. ROC AUC on every
grounding file, whole and on both halves (``finetune.calibrate.half``), and the mean over
the calibration halves, which is where calibration would choose (a variant must beat
``shipped`` there by more than calibration's 0.0025 tie margin to count). Variants:

- ``model_alone`` / ``overlap_alone`` / ``no_soft_overlap`` (the score before the soft
  overlap shipped);
- ``lse_T``: LogSumExp pooling of the window logits at temperature T instead of the max
  (several supporting windows count for more than one);
- ``top2`` / ``top3``: mean of the best 2 or 3 window logits;
- ``minus_contradiction``: best support logit minus half the mean contradiction logit;
- ``parts_min``: claims that ``split_statements`` cuts into parts scored by their weakest
  part (each part judged against every window);
- ``idf_overlap_w``: the overlap with each content word weighted by its inverse document
  frequency over the NLI premises, in place of the plain overlap, at weight w;
- ``composed_k_b``: one more window per claim, made of the k evidence sentences sharing
  most of the claim's content words, in document order (support spread over sentences
  far apart, read together), its logit moved by b before the max;
- ``window_cosine_a``: the best cosine between the claim's and its windows' sentence
  embeddings (the index's all-MiniLM-L6-v2, ``index.embed.Embedder``), times a, added.

On 2 CPU cores it takes about 17 minutes (the windows of ~34,000 pairs, their sentence
embeddings, then the parts and the composed windows).
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import RESULTS, ROOT, write_result  # noqa: E402


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def pool_max(x: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, -np.inf)
    np.maximum.at(out, owner, x)
    return out


def pool_lse(x: np.ndarray, owner: np.ndarray, n: int, t: float) -> np.ndarray:
    top = pool_max(x, owner, n)
    total = np.zeros(n)
    np.add.at(total, owner, np.exp((x - top[owner]) / t))
    return top + t * np.log(total)


def pool_top(x: np.ndarray, owner: np.ndarray, n: int, k: int) -> np.ndarray:
    return np.array([np.sort(x[owner == i])[::-1][:k].mean() for i in range(n)])


def idf_overlap(evidence: str, claim: str, idf) -> float:
    from assistant.checking.verifiers.overlap import content_words

    words = content_words(claim)
    if not words:
        return 0.0
    have = set(re.findall(r"\w+", evidence.lower()))
    weights = [idf(w) for w in words]
    return sum(x for w, x in zip(words, weights) if w in have) / max(sum(weights), 1e-9)


def composed_window(evidence: str, claim: str, k: int) -> str | None:
    """The ``k`` sentences of ``evidence`` sharing most of ``claim``'s content words (earlier
    first on ties), joined in document order; None when the evidence has no more than ``k``."""
    from assistant.checking.verifiers.overlap import content_words
    from core.sentences import split_sentences

    sentences = split_sentences(evidence)
    if len(sentences) <= k:
        return None
    words = set(content_words(claim))
    rank = sorted(range(len(sentences)), key=lambda i: (-len(words & set(re.findall(r"\w+", sentences[i].text.lower()))), i))
    return " ".join(sentences[i].text for i in sorted(rank[:k]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "grounding"))
    parser.add_argument("--nli", default=str(ROOT.parent / "shared" / "data" / "nli"))
    parser.add_argument("--out", default=str(RESULTS / "checker_variants.json"))
    args = parser.parse_args(argv)

    from assistant.checking.statements import split_statements
    from assistant.checking.verifiers import make_verifier
    from assistant.checking.verifiers.overlap import overlap
    from assistant.checking.verifiers.trained import combine, soft_shift
    from assistant.checking.windows import windows_for
    from finetune.calibrate import window_features
    from finetune.data import half, load_rows
    from finetune.metrics import roc_auc
    from index.embed import Embedder

    verifier = make_verifier("trained")
    embedder = Embedder("minilm")
    verifier.share_encoder(lambda: embedder, "minilm")  # the soft overlap reads the same encoder
    soft = verifier.soft_overlap()
    weight = float(verifier.calibration["overlap_weight"])
    soft_weight = float(verifier.calibration.get("soft_overlap_weight", 0.0))
    center = float(verifier.calibration.get("soft_overlap_center", 0.0))
    premises = {json.loads(line)["premise"] for name in ("snli_dev", "snli_test", "mnli_dev_matched")
                for line in (Path(args.nli) / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()}
    df = collections.Counter(w for p in premises for w in set(re.findall(r"\w+", p.lower())))

    def idf(word: str) -> float:
        return math.log((len(premises) + 1) / (df.get(word, 0) + 1))

    results: dict = {"verifier_version": verifier.version, "overlap_weight": weight, "soft_overlap_weight": soft_weight,
                     "soft_overlap_center": center, "sets": {}}
    for path in sorted(Path(args.data).glob("*.jsonl")):
        start = time.perf_counter()
        rows = load_rows(path)
        n = len(rows)
        f = window_features(verifier, rows, soft)
        owner = f["owner"]
        shift = soft_shift(f["soft"], soft_weight, center)
        shipped = logit(combine(f["probs"], f["overlap"], weight, shift)[:, 0])
        model_only = logit(f["probs"][:, 0])
        contra = logit(f["probs"][:, 2])
        scores = {"shipped": pool_max(shipped, owner, n), "model_alone": pool_max(model_only, owner, n),
                  "overlap_alone": np.array([overlap(r["evidence"], r["claim"]) for r in rows]),
                  "no_soft_overlap": pool_max(logit(combine(f["probs"], f["overlap"], weight)[:, 0]), owner, n)}
        for t in (0.5, 1.0, 2.0):
            scores[f"lse_{t}"] = pool_lse(shipped, owner, n, t)
        for k in (2, 3):
            scores[f"top{k}"] = pool_top(shipped, owner, n, k)
        scores["minus_contradiction"] = scores["shipped"] - 0.5 * np.bincount(owner, contra, n) / np.bincount(owner, None, n)
        parts, part_owner, part_of = [], [], []
        for i, row in enumerate(rows):
            claims = [s.claim for s in split_statements(row["claim"]) if s.checkable]
            if len(claims) > 1:
                for k, claim in enumerate(claims):
                    for window in windows_for(verifier, row["evidence"]):
                        parts.append((window.text, claim, row["evidence"]))
                        part_owner.append(i)
                        part_of.append(k)
        parts_min = scores["shipped"].copy()
        if parts:
            probs = verifier.predict([(w, c) for w, c, _ in parts], contexts=[e for _, _, e in parts])
            best: dict[int, dict[int, float]] = collections.defaultdict(dict)  # claim -> part -> best window
            for i, k, value in zip(part_owner, part_of, logit(probs[:, 0])):
                best[i][k] = max(best[i].get(k, -np.inf), value)
            for i, parts_best in best.items():
                parts_min[i] = min(parts_best.values())
        scores["parts_min"] = parts_min
        weighted = np.array([idf_overlap(r["evidence"], r["claim"], idf) for r in rows])
        for w in (10.0, 16.0):
            scores[f"idf_overlap_{w:g}"] = pool_max(logit(combine(f["probs"], weighted[owner], w, shift)[:, 0]), owner, n)
        row_overlap = scores["overlap_alone"]
        for k in (2, 3, 4):
            pairs, composed_owner = [], []
            for i, row in enumerate(rows):
                window = composed_window(row["evidence"], row["claim"], k)
                if window:
                    pairs.append((window, row["claim"]))
                    composed_owner.append(i)
            at = np.array(composed_owner, dtype=int)
            composed = (pool_max(logit(combine(verifier.predict_raw(pairs), row_overlap[at], weight,
                                               soft_shift(f["soft_rows"][at], soft_weight, center))[:, 0]), at, n)
                        if pairs else np.full(n, -np.inf))
            for b in (0.0, -1.0):
                scores[f"composed_{k}_{b:g}"] = np.maximum(scores["shipped"], composed + b)
        texts = [window.text for row in rows for window in windows_for(verifier, row["evidence"])]
        vectors = embedder.encode(texts + [r["claim"] for r in rows])
        cosine = pool_max(np.einsum("ij,ij->i", vectors[:len(texts)], vectors[len(texts):][owner]), owner, n)
        for a in (2.0, 4.0):
            scores[f"window_cosine_{a:g}"] = scores["shipped"] + a * cosine
        supported = np.array([r["label"] == "supported" for r in rows])
        calibration = np.array([half(str(r["id"])) == "calibration" for r in rows])
        results["sets"][path.stem] = {
            "rows": n, "claims_split": len(set(part_owner)), "seconds": time.perf_counter() - start,
            "roc_auc": {name: {"whole": roc_auc(supported, s), "calibration_half": roc_auc(supported[calibration], s[calibration]),
                               "test_half": roc_auc(supported[~calibration], s[~calibration])} for name, s in scores.items()}}
        line = "  ".join(f"{name} {v['whole']:.3f}" for name, v in results["sets"][path.stem]["roc_auc"].items())
        print(f"{path.stem}: {line}", file=sys.stderr, flush=True)
    names = next(iter(results["sets"].values()))["roc_auc"]
    results["mean_whole_auc"] = {name: float(np.mean([s["roc_auc"][name]["whole"] for s in results["sets"].values()]))
                                 for name in names}
    results["mean_calibration_half_auc"] = {
        name: float(np.mean([s["roc_auc"][name]["calibration_half"] for s in results["sets"].values()])) for name in names}
    results["mean_vs_shipped"] = {name: v / results["mean_whole_auc"]["shipped"] for name, v in results["mean_whole_auc"].items()}
    write_result(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
