"""finetune.evaluate_checker, the harness issue 4's figures come from: what it measures and
how it refuses a bad file. The overlap backend keeps it fast (no model loads)."""

import json

from finetune import evaluate_checker
from finetune.data import half
from finetune.metrics import roc_auc

FACTS = [("Tromso", 1200), ("Bergen", 900), ("Oslo", 450), ("Turku", 300), ("Ghent", 750), ("Brno", 60),
         ("Lyon", 80), ("Graz", 310), ("Riga", 95), ("Pula", 20)]


def grounding_rows():
    rows = []
    for k, (city, n) in enumerate(FACTS):
        evidence = f"The {city} plant makes {n} valves a day and employs {n // 3} people."
        rows.append({"id": f"s{k}", "evidence": evidence, "claim": f"The {city} plant makes {n} valves a day.",
                     "label": "supported"})
        rows.append({"id": f"u{k}", "evidence": evidence, "label": "unsupported",
                     "claim": f"The {city} plant was painted blue in {1850 + k} by its {'first' if k % 2 else 'new'} owner."})
    # two that word overlap ranks wrong: every word found, yet wrong; a paraphrase, yet right
    rows.append({"id": "x", "evidence": "The Graz plant opened in 1990, not in 1980.", "label": "contradicted",
                 "claim": "The Graz plant opened in 1980."})
    rows.append({"id": "y", "evidence": "The Pula plant makes 20 valves a day.", "label": "supported",
                 "claim": "Twenty are produced daily at the works in Pula."})
    return rows


def test_it_reports_auc_with_its_interval_halves_and_fever(tmp_path, capsys):
    data = tmp_path / "grounding"
    data.mkdir()
    rows = grounding_rows()
    (data / "plants.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    fever = tmp_path / "fever.jsonl"
    fever.write_text(json.dumps({"premise": "The plant makes 900 valves.", "hypothesis": "The plant makes 900 valves.",
                                 "label": "entailment"}) + "\n" +
                     json.dumps({"premise": "The plant makes 900 valves.", "hypothesis": "The plant makes no valves.",
                                 "label": "contradiction"}) + "\n")
    out = tmp_path / "checker.json"
    assert evaluate_checker.main(["--backends", "overlap", "--data", str(data), "--fever", str(fever),
                                  "--name-rule", "off", "--out", str(out)]) == 0  # the backend's own scores
    numbers = json.loads(out.read_text())["overlap"]["plants"]
    from assistant.checking.verifiers.overlap import overlap

    truth = [r["label"] == "supported" for r in rows]
    assert numbers["rows"] == len(rows)
    assert numbers["roc_auc"] == roc_auc(truth, [overlap(r["evidence"], r["claim"]) for r in rows]) < 1.0
    lo, hi = numbers["roc_auc_interval_95"]
    assert lo <= numbers["roc_auc"] <= hi and hi - lo > 0
    test = [r for r in rows if half(r["id"]) == "test"]
    assert numbers["roc_auc_test_half"] == roc_auc([r["label"] == "supported" for r in test],
                                                   [overlap(r["evidence"], r["claim"]) for r in test])
    contradicted = json.loads(out.read_text())["overlap"]["fever_symmetric_test_contradicted"]
    assert contradicted["contradictions"] == 1 and contradicted["said_contradicted"] == 0  # the floor never says it
    assert f"AUC {numbers['roc_auc']:.3f} ({lo:.3f}-{hi:.3f})" in capsys.readouterr().out
    # the checker's rule on (the default): a claim whose year no passage writes is not supported
    ruled = tmp_path / "ruled.json"
    assert evaluate_checker.main(["--backends", "overlap", "--data", str(data), "--fever", str(fever),
                                  "--out", str(ruled)]) == 0
    assert json.loads(ruled.read_text())["overlap"]["name_rule"] is True
    assert json.loads(ruled.read_text())["overlap"]["plants"]["roc_auc"] > numbers["roc_auc"]


def test_a_bad_line_is_named_before_anything_is_measured(tmp_path, capsys):
    data = tmp_path / "grounding"
    data.mkdir()
    (data / "a.jsonl").write_text(json.dumps(grounding_rows()[0]) + "\n" + json.dumps({"id": "y", "claim": "x"}) + "\n")
    out = tmp_path / "checker.json"
    assert evaluate_checker.main(["--backends", "overlap", "--data", str(data), "--out", str(out)]) == 4
    assert "a.jsonl: line 2: a row needs id, evidence, claim, label; this one has no evidence, label" in capsys.readouterr().err
    assert not out.exists()


def test_qa_rows_are_judged_with_their_question_and_broken_down_by_kind(tmp_path, capsys):
    data = tmp_path / "grounding"
    data.mkdir()
    rows = []
    for k, (city, n) in enumerate(FACTS):
        evidence = f"The {city} plant makes {n} valves a day. It was opened by {city} council in {1900 + k}."
        question = f"How many valves does the {city} plant make a day?"
        rows.append({"id": f"qa-{k}-supported", "evidence": evidence, "question": question, "claim": str(n),
                     "label": "supported"})
        rows.append({"id": f"qa-{k}-other", "evidence": evidence, "question": question, "claim": str(n + 7000),
                     "label": "unsupported"})
        rows.append({"id": f"qa-{k}-distractor", "evidence": evidence, "question": question,
                     "claim": f"{city} council" if k % 2 else str(1900 + k), "label": "unsupported"})
    (data / "qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "checker.json"
    assert evaluate_checker.main(["--backends", "overlap", "--data", str(data), "--fever", str(tmp_path / "none"),
                                  "--out", str(out)]) == 0
    numbers = json.loads(out.read_text())["overlap"]["qa"]
    kinds = numbers["by_kind"]
    assert kinds["supported"] == {"rows": 10, "flagged": 0.0}  # every right answer's words are there
    assert kinds["other"]["roc_auc"] == 1.0 and kinds["other"]["said_supported"] == 0.0
    # the floor counts the answer's words, not the question's: a span of the passage that does not
    # answer the question ties with the right answer, which is what a checker must do better than
    assert kinds["distractor"]["rows"] == 10 and kinds["distractor"]["said_supported"] == 1.0
    assert kinds["distractor"]["roc_auc"] == 0.5
    assert "other" in capsys.readouterr().out
