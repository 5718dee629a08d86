"""Which word overlap should the trained verifier add to its support logit? (issue 20, session 32)

    python bench/experiments/overlap_variants.py [--out bench/results/overlap_variants.json]

The model's window probabilities are read once per grounding row (both halves, as
``finetune.calibrate`` reads them; cached beside ``--out``); each overlap variant is then combined
with them at every weight of ``finetune.calibrate.WEIGHTS``. The weight is chosen on the
calibration halves (best mean ROC AUC, ties to the smaller weight, as calibrate chooses) and the
variant is reported on the test halves at that weight. Variants: the shipped exact words, words
cut to a crude stem on both sides (``core.words.stem``), and a five-letter prefix match (a
paraphrase that keeps the root: "downloads"/"downloadable", "licensed"/"license").

Result (``bench/results/overlap_variants.json``): mean test-half ROC AUC over the five English files
at the shipped weight 8: exact 0.816, stem 0.815, prefix5 0.814; at each one's own chosen weight
0.814, 0.815, 0.814. No variant reads the sets better: the shipped exact overlap stays. (The Apache
licence sentence misses "download", "available" and "website", which no spelling rule meets.)
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.checking.verifiers.overlap import STOPWORDS, content_words  # noqa: E402
from core.words import stem, terms  # noqa: E402


def exact(evidence: str, claim: str) -> float:
    words = content_words(claim)
    have = set(terms(evidence))
    return sum(w in have for w in words) / len(words) if words else 0.0


def stemmed(evidence: str, claim: str) -> float:
    words = [stem(w) for w in content_words(claim)]
    have = {stem(w) for w in terms(evidence)}
    return sum(w in have for w in words) / len(words) if words else 0.0


def prefix5(evidence: str, claim: str) -> float:
    cut = lambda w: w[:5] if w.isalpha() and len(w) > 5 else w  # noqa: E731
    words = [cut(w) for w in content_words(claim)]
    have = {cut(w) for w in terms(evidence) if w not in STOPWORDS}
    return sum(w in have for w in words) / len(words) if words else 0.0


VARIANTS = {"exact": exact, "stem": stemmed, "prefix5": prefix5}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "overlap_variants.json"))
    parser.add_argument("--grounding", default=str(ROOT.parent / "shared" / "data" / "grounding"))
    args = parser.parse_args()
    from finetune.calibrate import WEIGHTS, support_scores, window_features
    from finetune.data import half, load_rows
    from finetune.metrics import roc_auc
    from assistant.checking.verifiers.trained import TrainedVerifier

    out = Path(args.out)
    cache = out.with_suffix(".features.pkl")
    files = sorted(p for p in Path(args.grounding).glob("*.jsonl") if p.stem != "cmrc2018_qa_dev")
    if cache.is_file():
        data = pickle.loads(cache.read_bytes())
    else:
        verifier = TrainedVerifier()
        data = {}
        for path in files:
            rows = load_rows(path)
            for part in ("calibration", "test"):
                some = [r for r in rows if half(str(r["id"])) == part]
                data[path.stem, part] = (some, window_features(verifier, some))
                print(path.stem, part, len(some), file=sys.stderr, flush=True)
        cache.write_bytes(pickle.dumps(data))

    report = {}
    for name, fn in VARIANTS.items():
        auc = {}
        for (stem_, part), (rows, f) in data.items():
            whole = np.array([fn(r["evidence"], r["claim"]) for r in rows])
            g = dict(f, overlap=whole[f["owner"]])
            labels = [r["label"] == "supported" for r in rows]
            for w in WEIGHTS:
                auc[stem_, part, w] = roc_auc(labels, support_scores(g, w, len(rows)))
        names = sorted({k[0] for k in auc})
        mean = {w: float(np.mean([auc[n, "calibration", w] for n in names])) for w in WEIGHTS}
        weight = min((w for w in WEIGHTS if mean[w] >= max(mean.values()) - 0.0025))
        report[name] = {"weight": weight, "calibration_mean": round(mean[weight], 4),
                        "test": {n: round(auc[n, "test", weight], 4) for n in names},
                        "test_mean": round(float(np.mean([auc[n, "test", weight] for n in names])), 4),
                        "test_at_8": {n: round(auc[n, "test", 8.0], 4) for n in names}}
        print(name, json.dumps(report[name]), flush=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
