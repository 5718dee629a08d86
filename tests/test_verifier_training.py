"""Reviewed flags feed the verifier's training: the NLI export read back, and a short real training run."""

import json

import pytest

from assistant.errors import InputError
from finetune import verifier, verifier_data
from finetune.export import export
from finetune.verifier_data import LABEL_IDS, Pair, reviewed_pairs
from tests.test_export import reviewed_log  # noqa: F401  (fixture)


def test_reviewed_pairs_read_an_nli_export_and_keep_its_split(reviewed_log, tmp_path):  # noqa: F811
    path = tmp_path / "nli.jsonl"
    export(reviewed_log, "nli", path, held_out_share=0.5)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    train, held = reviewed_pairs(path)
    assert len(train) + len(held) == len(rows) == 4
    assert sorted(p.hypothesis for p in held) == sorted(r["hypothesis"] for r in rows if r["split"] == "held_out")
    assert sorted((p.premise, p.hypothesis, p.label) for p in train + held) == sorted(
        (r["premise"], r["hypothesis"], LABEL_IDS[r["label"]]) for r in rows)
    assert {p.origin for p in train + held} == {"reviewed"}


@pytest.mark.parametrize("line, says", [
    ("{not json", "JSONDecodeError"),
    ('{"premise": "a", "hypothesis": "b"}', "KeyError"),
    ('{"premise": "a", "hypothesis": "b", "label": "maybe"}', "'maybe'"),
    ('{"premise": ["a"], "hypothesis": "b", "label": "neutral"}', "AttributeError"),
])
def test_a_bad_line_names_the_file_and_line_and_nothing_is_read(tmp_path, line, says):
    path = tmp_path / "reviews.jsonl"
    good = json.dumps({"premise": "The office is in Oslo.", "hypothesis": "It is in Oslo.", "label": "entailment"})
    path.write_text(good + "\n\n" + line + "\n")
    with pytest.raises(InputError) as err:
        reviewed_pairs(path)
    assert f"{path}:3:" in str(err.value) and says in str(err.value)


def test_training_with_reviewed_pairs_counts_and_scores_them(tmp_path, monkeypatch):
    nli = [Pair(f"The office in town {i} opens at {i} o'clock.", f"The office opens at {i}.", 0, "snli")
           for i in range(24)]
    monkeypatch.setattr(verifier_data, "build", lambda data_dir, seed=13: (list(nli), {"snli": nli[:4]}))
    reviews = tmp_path / "nli.jsonl"
    rows = [{"premise": "Acme's head office is in Oslo.", "hypothesis": f"The head office is in Bergen ({i}).",
             "label": "contradiction", "split": "held_out" if i == 0 else "train"} for i in range(4)]
    reviews.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "model"
    code = verifier.main(["--out", str(out), "--max-examples", "16", "--epochs", "1", "--batch-size", "8",
                          "--max-length", "48", "--eval-examples", "0", "--reviewed", str(reviews),
                          "--reviewed-repeat", "2"])
    assert code == 0
    record = json.loads((out / "training.json").read_text())
    assert record["reviewed_pairs"] == {"train": 3, "held_out": 1}
    assert record["train_origins"] == {"snli": 16, "reviewed": 6} and record["train_pairs"] == 22
    assert record["steps"] == 3 and record["held_out"]["reviewed"]["n"] == 1
    assert (out / "model.safetensors").is_file()


def test_training_refuses_a_reviewed_file_without_training_rows(tmp_path, capsys):
    reviews = tmp_path / "nli.jsonl"
    reviews.write_text(json.dumps({"premise": "a.", "hypothesis": "b.", "label": "neutral", "split": "held_out"}) + "\n")
    assert verifier.main(["--out", str(tmp_path / "m"), "--reviewed", str(reviews)]) == 4
    assert "no training rows" in capsys.readouterr().err and not (tmp_path / "m").exists()


def test_checker_trained_model_names_a_retrained_verifier_folder(tmp_path):
    from assistant.checker import make_checker
    from assistant.config import CheckerConfig
    from assistant.errors import ModelError
    from assistant.verifiers.trained import SHIPPED

    retrained = tmp_path / "retrained"
    retrained.mkdir()
    for f in SHIPPED.iterdir():
        (retrained / f.name).write_bytes(f.read_bytes())
    calibration = json.loads((retrained / "calibration.json").read_text())
    calibration["support_threshold"] = 0.42
    (retrained / "calibration.json").write_text(json.dumps(calibration))
    checker = make_checker(CheckerConfig(trained_model=str(retrained)))
    assert checker.support_threshold == 0.42
    assert checker.verifier.version != make_checker(CheckerConfig()).verifier.version
    (retrained / "calibration.json").unlink()  # retrained but not recalibrated: refused, with what to run
    with pytest.raises(ModelError, match="calibration.json"):
        make_checker(CheckerConfig(trained_model=str(retrained)))


def test_reviewed_repeat_below_one_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        verifier.main(["--out", str(tmp_path / "m"), "--reviewed-repeat", "0"])
    assert exit_.value.code == 2 and "--reviewed-repeat must be at least 1" in capsys.readouterr().err
