"""Reviewed flags feed the verifier's training: the NLI export read back, and short real training runs
(where the new weights go, and that a failed write leaves the old folder whole)."""

import json

import pytest

from assistant.checking.verifiers.trained import SHIPPED, TrainedVerifier
from assistant.flags.export import export
from core.errors import ConfigError, InputError, ModelError, StorageError
from finetune import verifier, verifier_data
from finetune.verifier_data import LABEL_IDS, Pair, reviewed_pairs
from tests.test_export import reviewed_log  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def nli_folder_present(monkeypatch):
    """These tests fake the training data, so ../shared/data/nli need not exist (see test_verifier_data)."""
    monkeypatch.setattr(verifier_data, "check_data", lambda data_dir: None)


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
    monkeypatch.setattr(verifier_data, "build", lambda data_dir, seed=13, **recipe: (list(nli), {"snli": nli[:4]}))
    reviews = tmp_path / "nli.jsonl"
    rows = [{"premise": "Acme's head office is in Oslo.", "hypothesis": f"The head office is in Bergen ({i}).",
             "label": "contradiction", "split": "held_out" if i == 0 else "train"} for i in range(4)]
    reviews.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "model"
    from assistant.checking.verifiers.trained import SHIPPED

    # the README's way to teach the shipped verifier its users' reviews: continue from it
    code = verifier.main(["--out", str(out), "--max-examples", "16", "--epochs", "1", "--batch-size", "8",
                          "--max-length", "48", "--eval-examples", "0", "--reviewed", str(reviews),
                          "--reviewed-repeat", "2", "--init", str(SHIPPED), "--precision", "bfloat16"])
    assert code == 0
    record = json.loads((out / "training.json").read_text())
    assert record["precision"] == "bfloat16"  # autocast's products, the weights and their updates float32
    assert record["reads_questions"] is True  # continued from a verifier that reads questions: it still does
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
    from assistant.checking.checker import make_checker
    from core.config import CheckerConfig
    from core.errors import ModelError

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
    with pytest.raises(ModelError, match="finetune.calibrate --model"):
        make_checker(CheckerConfig(trained_model=str(retrained)))
    # finetune.calibrate measures such a folder with a calibration held in memory; nothing is written
    measured = TrainedVerifier(str(retrained), calibration=calibration)
    assert measured.thresholds["support_threshold"] == 0.42 and not (retrained / "calibration.json").exists()


def test_retraining_writes_the_data_home_and_swaps_the_folder_in_whole(tmp_path, monkeypatch, assistant_home, capsys):
    import transformers

    nli = [Pair(f"The shop in town {i} opens at {i}.", f"The shop opens at {i}.", 0, "snli") for i in range(8)]
    monkeypatch.setattr(verifier_data, "build", lambda data_dir, seed=13, **recipe: (list(nli), {"snli": nli[:2]}))
    tiny = ["--max-examples", "8", "--batch-size", "8", "--max-length", "32", "--eval-examples", "0"]
    shipped = {f.name: f.read_bytes() for f in SHIPPED.iterdir()}
    assert verifier.main(tiny) == 0
    out = assistant_home / "verifiers" / "minilm-nli"  # the default: never the shipped folder
    assert (out / "model.safetensors").is_file() and (out / "training.json").is_file()
    assert {f.name: f.read_bytes() for f in SHIPPED.iterdir()} == shipped
    assert f"finetune.calibrate --model {out}" in capsys.readouterr().err
    # as if calibrated, with a data card
    (out / "calibration.json").write_text('{"support_threshold": 0.4}')
    (out / "README.md").write_text("data card")
    before = {f.name: f.read_bytes() for f in out.iterdir()}

    def disk_full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:  # the disk fills while the new version is written: the old one stays
        m.setattr(transformers.PreTrainedTokenizerBase, "save_pretrained", disk_full)
        assert verifier.main(tiny) == StorageError.exit_code
    assert f"cannot write {out}: No space left on device" in capsys.readouterr().err
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["minilm-nli"]  # no temp folder left behind
    assert verifier.main(tiny) == 0  # new weights: the card stays, the calibration (for the old ones) goes
    assert (out / "README.md").read_text() == "data card" and not (out / "calibration.json").exists()
    assert (out / "training.json").read_bytes() != before["training.json"]


def test_training_refuses_an_output_path_that_is_a_file_before_training(tmp_path, capsys):
    blocker = tmp_path / "model"
    blocker.write_text("not a folder")
    assert verifier.main(["--out", str(blocker)]) == StorageError.exit_code
    assert f"cannot write {blocker}: Not a directory" in capsys.readouterr().err and blocker.read_text() == "not a folder"


def test_reviewed_repeat_below_one_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        verifier.main(["--out", str(tmp_path / "m"), "--reviewed-repeat", "0"])
    assert exit_.value.code == 2 and "--reviewed-repeat must be at least 1" in capsys.readouterr().err


def test_calibrate_reads_every_file_first_and_writes_the_calibration_only_at_the_end(tmp_path, monkeypatch, capsys):
    from finetune import calibrate
    from finetune.data import half

    folder = tmp_path / "retrained"  # weights and training record, no calibration yet
    folder.mkdir()
    for f in SHIPPED.iterdir():
        if f.name != "calibration.json":
            (folder / f.name).write_bytes(f.read_bytes())
    facts = [(f"The {c} plant makes {n} valves a day and employs {n // 3} people.", c, n)
             for c, n in [("Tromso", 1200), ("Bergen", 900), ("Oslo", 450), ("Turku", 300), ("Ghent", 750), ("Brno", 60)]]
    rows = []
    for evidence, city, n in facts:
        rows.append({"evidence": evidence, "claim": f"The {city} plant makes {n} valves a day.", "label": "supported"})
        rows.append({"evidence": evidence, "claim": f"The {city} museum was painted blue in 1887.", "label": "unsupported"})
    ids = (f"row-{k}" for k in range(10_000) if half(f"row-{k}") == "calibration")
    grounding = tmp_path / "grounding"
    grounding.mkdir()
    (grounding / "plants.jsonl").write_text("".join(json.dumps({"id": next(ids), **r}) + "\n" for r in rows))
    (grounding / "zbroken.jsonl").write_text(json.dumps({"id": "x", **rows[0]}) + "\n{not json\n")
    nli = [Pair(e, f"The {c} plant makes {n} valves a day.", 0, "snli") for e, c, n in facts] + \
          [Pair(e, f"The {c} plant makes no valves.", 2, "mnli") for e, c, n in facts]
    monkeypatch.setattr(verifier_data, "build", lambda data_dir, seed=13, **recipe: (nli, {"snli": nli[:6], "mnli": nli[6:]}))
    args = ["--model", str(folder), "--grounding", str(grounding)]
    assert calibrate.main(args) == InputError.exit_code  # refused before any model loads
    assert "zbroken.jsonl: line 2: not valid JSON" in capsys.readouterr().err and not (folder / "calibration.json").exists()
    (grounding / "zbroken.jsonl").unlink()
    assert calibrate.main(args) == 0
    record = json.loads((folder / "calibration.json").read_text())
    assert record["chosen_on"]["grounding_calibration_halves"] == {"plants": len(rows)}
    assert record["calibration_balanced_accuracy"]["plants"] == 1.0  # copied facts vs unrelated claims
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []  # no temp file left
    assert TrainedVerifier(str(folder)).thresholds["support_threshold"] == record["support_threshold"]
    assert set(record["calibration_auc_by_soft_overlap_weight"]) == {str(w) for w in calibrate.SOFT_WEIGHTS}
    assert record["calibration_auc"] == record["calibration_auc_by_soft_overlap_weight"][str(
        record["soft_overlap_weight"])]
    before = (folder / "calibration.json").read_bytes()
    assert calibrate.main([*args, "--soft-overlap-model", "/no/such/encoder"]) == ModelError.exit_code
    assert "cannot load the soft-overlap encoder '/no/such/encoder'" in capsys.readouterr().err
    assert (folder / "calibration.json").read_bytes() == before  # a failed run changes nothing
    assert calibrate.main([*args, "--soft-overlap-model", "none"]) == 0
    plain = json.loads((folder / "calibration.json").read_text())
    assert plain["soft_overlap_weight"] == 0.0 and "calibration_auc_by_soft_overlap_weight" not in plain
    assert "soft_overlap_center" not in plain


@pytest.mark.model
def test_the_packaged_dialogue_model_trains_as_a_verifier_and_reads_pairs_with_a_separator(
        tmp_path, monkeypatch, loaded_model, model_home):
    from transformers import AutoTokenizer

    monkeypatch.setenv("ASSISTANT_HOME", str(model_home))  # its converted cache is there
    nli = [Pair(f"The shop in town {i} opens at {i}.", f"The shop opens at {i}.", 0, "snli") for i in range(4)]
    monkeypatch.setattr(verifier_data, "build", lambda data_dir, seed=13, **recipe: (list(nli), {"snli": nli[:2]}))
    out = tmp_path / "smol-verifier"
    assert verifier.main(["--base", "smollm2", "--out", str(out), "--max-examples", "4", "--batch-size", "4",
                          "--max-length", "32", "--eval-examples", "0", "--device", "cpu"]) == 0
    record = json.loads((out / "training.json").read_text())
    assert record["base_model"] == "SmolLM2-135M-Instruct.Q4_1 (packaged)" and record["device"] == "cpu"
    tokenizer = AutoTokenizer.from_pretrained(out)  # a decoder: premise and statement apart, as trained
    assert tokenizer.decode(tokenizer("The shop opens.", "It opens.")["input_ids"]) == "The shop opens.\nIt opens."
    judged = TrainedVerifier(str(out), calibration={"window_words": 40, "support_threshold": 0.5,
                                                    "contradiction_threshold": 0.5})
    probs = judged.predict([("The shop opens at 9.", "The shop opens at 9."), ("A cat sleeps.", "Tax rose.")])
    assert probs.shape == (2, 3) and abs(probs.sum(axis=1) - 1).max() < 1e-5


def test_a_base_model_or_device_that_is_not_there_is_refused_with_its_name(tmp_path, monkeypatch, capsys):
    def never(*args, **kwargs):
        raise AssertionError("the data was built for a base model that does not exist")

    monkeypatch.setattr(verifier_data, "build", never)
    missing = tmp_path / "no-such-model"
    assert verifier.main(["--base", str(missing), "--out", str(tmp_path / "out")]) == ModelError.exit_code
    assert f"error: model path not found: {missing}" in capsys.readouterr().err
    assert verifier.main(["--device", "cuda:7", "--out", str(tmp_path / "out")]) == ConfigError.exit_code
    assert "model.device is 'cuda:7'" in capsys.readouterr().err
    not_a_model = tmp_path / "notes"
    not_a_model.mkdir()
    (not_a_model / "config.json").write_text("{}")  # looks like a model folder, is not one
    monkeypatch.setattr(verifier_data, "build", lambda data_dir, seed=13, **recipe: ([], {}))
    assert verifier.main(["--base", str(not_a_model), "--out", str(tmp_path / "out")]) == ModelError.exit_code
    assert f"error: cannot load base model '{not_a_model}'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_time_budget_follows_the_pace_and_the_schedule_still_reaches_zero():
    plan = verifier.Plan(4000)
    assert plan.warmup == 200
    assert plan.fit(done=20, seconds=60.0, budget_seconds=600.0) == 200  # 3 s a step: 200 fit in 10 minutes
    assert plan.warmup == 20  # warm-up shrinks with the plan, and never below the steps done
    assert plan.rate(19) == 1.0 and plan.rate(200) == 0.0 and 0 < plan.rate(150) < 1
    # a busy spell passes: at 1 s a step, the 540 s left hold 540 more steps
    assert plan.fit(done=40, seconds=120.0, budget_seconds=600.0, step_seconds=1.0) == 520
    assert plan.warmup == 20  # warm-up is over: it stays
    assert plan.fit(done=60, seconds=140.0, budget_seconds=600.0, step_seconds=0.01) == 4000  # never past the data
    assert verifier.Plan(100).fit(done=20, seconds=1.0, budget_seconds=600.0) == 100  # fits: unchanged
    assert verifier.Plan(100).fit(done=20, seconds=600.0, budget_seconds=60.0) == 21  # never fewer than done


def test_freezing_keeps_the_embeddings_and_lower_layers_as_they_were(tmp_path, monkeypatch):
    nli = [Pair(f"The shop in town {i} opens at {i}.", f"The shop opens at {i}.", i % 3, "snli") for i in range(16)]
    monkeypatch.setattr(verifier_data, "build", lambda data_dir, seed=13, **recipe: (list(nli), {"snli": nli[:2]}))
    out = tmp_path / "model"
    args = ["--out", str(out), "--max-examples", "16", "--batch-size", "8", "--max-length", "32",
            "--eval-examples", "0", "--lr", "1e-3", "--freeze-layers", "3", "--max-minutes", "60"]
    assert verifier.main(args) == 0
    from safetensors.torch import load_file

    from index.embed import packaged_embedder

    before, after = load_file(str(packaged_embedder() / "model.safetensors")), load_file(str(out / "model.safetensors"))
    names = {n.removeprefix("bert."): n for n in after}
    same = lambda key: bool((before[key].half() == after[names[key]]).all())  # noqa: E731 (saved as fp16)
    assert same("embeddings.word_embeddings.weight") and same("encoder.layer.2.output.dense.weight")
    assert not same("encoder.layer.3.output.dense.weight") and not same("encoder.layer.5.output.dense.weight")
    record = json.loads((out / "training.json").read_text())
    assert record["frozen_parameters"] > 0 and record["steps"] == record["planned_steps"] == 2
    assert record["pairs_seen"] == 16


def test_freezing_every_layer_is_a_usage_error(tmp_path, monkeypatch, capsys):
    nli = [Pair("a b", "a", 0, "snli")] * 8
    monkeypatch.setattr(verifier_data, "build", lambda data_dir, seed=13, **recipe: (list(nli), {}))
    assert verifier.main(["--out", str(tmp_path / "m"), "--max-examples", "8", "--eval-examples", "0",
                          "--freeze-layers", "6"]) == 2
    assert "the model has 6 encoder layers; freeze fewer than that" in capsys.readouterr().err
