"""Sentence answers, hand-written, read by one or more trained verifiers: the same window, a sentence
that says what it says in other words (a first name or title it leaves out, a place it names
elsewhere), and one that echoes a changed question (another name, a negation, the roles exchanged).
Each verifier's raw p(supported) per case, and the mean over each kind, are written as JSON: the
paraphrases should stay high while the changed ones fall.

    ASSISTANT_HOME=... python bench/experiments/sentence_probe.py [--model DIR ...] [--out FILE]

``--model shipped`` (the default) is the shipped verifier; a folder is a trained one, read with the
shipped calibration when it has none of its own (only the model's own probabilities are reported).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

LINK = ("Twilight Princess takes place several centuries after Ocarina of Time and Majora's Mask, and begins with a "
        "youth named Link who is working as a ranch hand in Ordon Village. One day, the village is attacked by "
        "Bulblins, who carry off the village's children with Link in pursuit before he encounters a wall of Twilight.")
CBFC = ("The Indian Central Board of Film Certification (CBFC) censored kissing scenes featuring Monica Bellucci, "
        "Daniel Craig, and Léa Seydoux, and muted all profanity.")
BOND = "Bond travels to Austria to find White, who is dying of thallium poisoning."
HOSPITAL = "The hospital was founded in 1890 by Smith, a surgeon from Boston."
GARAGE = "Jobs and Wozniak started the company in a garage in Los Altos in 1976."

# (window, question, sentence, kind): "same" says what the window says, "changed" echoes a changed question
CASES = [
    (LINK, "Where is Link working as a ranch hand?", "Link is working as a ranch hand in Ordon Village.", "same"),
    (LINK, "Who carries off the village's children?", "The Bulblins carry off the village's children.", "same"),
    (CBFC, "Profanity was muted in which country?", "Profanity was muted in India.", "same"),
    (CBFC, "Who censored kissing scenes?",
     "The Indian Central Board of Film Certification censored kissing scenes.", "same"),
    (BOND, "Where does Bond travel to find White?", "Bond travels to Austria to find White.", "same"),
    (BOND, "Who travels to Austria to find Mr. White?", "Bond travels to Austria to find Mr. White.", "same"),
    (BOND, "Who travels to Austria to find White?", "Bond travels to Austria to find Mr. White.", "same"),
    (BOND, "Who travels to Austria to find White?", "James Bond travels to Austria to find White.", "same"),
    (HOSPITAL, "Who founded the hospital?", "The hospital was founded by Dr. Smith.", "same"),
    (HOSPITAL, "Who founded the hospital?", "The hospital was founded by John Smith.", "same"),
    (GARAGE, "Where did Apple start?", "Apple started in a garage in Los Altos.", "same"),
    (GARAGE, "Where did Jobs and Wozniak start the company?",
     "Steve Jobs and Steve Wozniak started the company in a garage in Los Altos.", "same"),
    (GARAGE, "Where did Jobs and Wozniak start the company?",
     "They started the company in a garage in Los Altos, California.", "same"),
    (LINK, "Where is Midna working as a ranch hand?", "Midna is working as a ranch hand in Ordon Village.", "changed"),
    (CBFC, "Profanity was not muted in which country?", "Profanity was not muted in India.", "changed"),
    (BOND, "Who travels to Australia to find Mr. White?", "Bond travels to Australia to find Mr. White.", "changed"),
    (BOND, "Where does White travel to find Bond?", "White travels to Austria to find Bond.", "changed"),
    (HOSPITAL, "Who founded the school?", "The school was founded by Smith.", "changed"),
    (GARAGE, "Where did Jobs and Wozniak sell the company?",
     "Jobs and Wozniak sold the company in a garage in Los Altos.", "changed"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="a trained verifier folder, or 'shipped' (repeatable)")
    parser.add_argument("--out", default="", help="JSON file to write (default: print only)")
    args = parser.parse_args(argv)

    from assistant.checking.verifiers.base import pose
    from assistant.checking.verifiers.trained import SHIPPED, TrainedVerifier

    shipped_calibration = json.loads((SHIPPED / "calibration.json").read_text(encoding="utf-8"))
    result: dict = {"cases": [{"window": w, "question": q, "sentence": s, "kind": k} for w, q, s, k in CASES],
                    "models": {}}
    for name in args.model or ["shipped"]:
        folder = SHIPPED if name == "shipped" else Path(name)
        own = (folder / "calibration.json").is_file()
        verifier = TrainedVerifier(str(folder), calibration=None if own else shipped_calibration)
        probs = verifier.predict_raw([(w, pose(s, q)) for w, q, s, _ in CASES])
        supported = [round(float(p[0]), 3) for p in probs]
        means = {kind: round(sum(p for p, c in zip(supported, CASES) if c[3] == kind)
                             / sum(c[3] == kind for c in CASES), 3) for kind in ("same", "changed")}
        result["models"][name] = {"p_supported": supported, "mean": means}
        print(f"{name}: mean p(supported) same {means['same']:.3f}, changed {means['changed']:.3f}", file=sys.stderr)
        for p, (_, q, s, kind) in zip(supported, CASES):
            print(f"  {kind:7s} {p:.3f}  {q[:44]:44s} | {s[:64]}", file=sys.stderr)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
