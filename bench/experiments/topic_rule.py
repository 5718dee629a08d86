"""How often the topic rule (``assistant/checking/topic.py``) would fire on answers asked on their own paragraph.

    python bench/experiments/topic_rule.py [--data ../shared/data/grounding] [--out FILE.json]

Every question of CMRC 2018 dev, of the Chinese training pairs (DRCD and CMRC 2018 train) and of
SQuAD 2.0 dev was asked on its paragraph, so a question whose
opening name the paragraph never names is a false alarm the rule would raise: by kind, how many
questions have a topic and for how many the paragraph does not name it. For English, the same is
counted for the names in capitals a question holds (what an English rule would have to use); the
module's docstring says why English is left alone. No model is loaded: a few seconds.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.checking.topic import names, opening_name  # noqa: E402

_ASKING = {"What", "Who", "Whom", "Whose", "When", "Where", "Why", "How", "Which", "In", "On", "At", "The", "A",
           "An", "Is", "Are", "Was", "Were", "Did", "Do", "Does", "By", "For", "Of", "To", "From", "After",
           "Before", "During", "According", "Name", "If", "As", "With"}


def english_names(question: str) -> list[str]:
    """The words in capitals of an English question, past its first and its question words."""
    words = re.findall(r"[A-Za-z][\w'-]*", question)
    return [re.sub(r"'s$", "", w) for i, w in enumerate(words) if i and w[0].isupper() and w not in _ASKING]


def count(path: Path, english: bool) -> dict:
    by_kind: dict[str, Counter] = {}
    examples: dict[str, list] = {}
    for line in path.open(encoding="utf-8"):
        row = json.loads(line)
        kind = row.get("kind") or row["id"].rsplit("-", 1)[1]
        evidence = row.get("evidence") or row["premise"]
        c = by_kind.setdefault(kind, Counter())
        c["questions"] += 1
        if english:
            topic = english_names(row["question"])
            missing = bool(topic) and not any(w.lower() in evidence.lower() for w in topic)
        else:
            topic = opening_name(row["question"])
            missing = topic is not None and not names(evidence, topic)
        c["with_topic"] += bool(topic)
        c["not_named"] += missing
        if missing:
            examples.setdefault(kind, []).append([topic, row["question"]])
    return {kind: {**c, "not_named_share": round(c["not_named"] / max(1, c["with_topic"]), 4),
                   "examples": examples.get(kind, [])[:5]} for kind, c in sorted(by_kind.items())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "grounding")
    parser.add_argument("--train", type=Path, default=ROOT.parent / "shared" / "data" / "nli" / "zh_qa_train.jsonl",
                        help="the Chinese training questions (DRCD, CMRC 2018 train), each on its paragraph too")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = {"cmrc2018_qa_dev (the rule)": count(args.data / "cmrc2018_qa_dev.jsonl", english=False),
           "zh_qa_train (the rule, on the training questions)": count(args.train, english=False),
           "squad2_qa_dev (names in capitals, not used)": count(args.data / "squad2_qa_dev.jsonl", english=True)}
    for name, kinds in out.items():
        print(name)
        for kind, c in kinds.items():
            print(f"  {kind:11} {c['questions']:4} questions, {c['with_topic']:4} with a topic, "
                  f"{c['not_named']:3} not named by their own paragraph ({c['not_named_share']:.1%}) {c['examples'][:2]}")
    if args.out:
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
