"""bench/experiments/verifier_sweep.py: picks on the calibration halves, returns the pick in parts, stops at its deadline."""

import json
import sys
import time

from bench.experiments import verifier_sweep


def fake_results(tmp_path):
    results = []
    for name, auc in (("a", 0.71), ("b", 0.78), ("c", 0.74)):
        folder = tmp_path / "work" / name
        folder.mkdir(parents=True)
        (folder / "model.safetensors").write_bytes(bytes(range(256)) * 3 + name.encode())
        (folder / "config.json").write_text(json.dumps({"name": name}))
        results.append({"recipe": name, "window_words": 40, "folder": str(folder), "calibration_mean_auc": auc,
                        "grounding": {"qags_xsum": {"roc_auc": auc - 0.1}}})
    results.append({"recipe": "d", "window_words": 40, "trained": False})  # failed: never picked
    return results


def test_the_pick_has_the_best_calibration_auc_and_comes_back_in_parts(tmp_path, monkeypatch, capsys):
    results = fake_results(tmp_path)
    monkeypatch.setattr(verifier_sweep, "RECIPES", {r["recipe"]: ([], []) for r in results})
    monkeypatch.setattr(verifier_sweep, "recipe", lambda name, args, deadline: [r for r in results if r["recipe"] == name])
    monkeypatch.setattr(verifier_sweep, "PART", 300)  # 3 parts, as 45 MB in 15 MiB parts
    out = tmp_path / "out"
    assert verifier_sweep.main(["--base", "x", "--nli", "x", "--grounding", "x", "--work", str(tmp_path / "work"),
                                "--out", str(out)]) == 0
    report = json.loads((out / "sweep.json").read_text())
    assert report["pick"]["recipe"] == "b" and report["pick"]["config"] == {"name": "b"}
    joined = b"".join((out / part).read_bytes() for part in report["pick"]["parts"])
    assert joined == (tmp_path / "work" / "b" / "model.safetensors").read_bytes()
    assert all("folder" not in r for r in report["results"])
    assert len(list(out.iterdir())) <= 8  # what the GPU machine sends back
    assert "pick: {'recipe': 'b'" in capsys.readouterr().out


def test_nothing_calibrated_means_no_pick_and_a_failing_exit(tmp_path, monkeypatch):
    monkeypatch.setattr(verifier_sweep, "RECIPES", {"d": ([], [])})
    monkeypatch.setattr(verifier_sweep, "recipe", lambda name, args, deadline: [{"recipe": "d", "window_words": 40}])
    out = tmp_path / "out"
    assert verifier_sweep.main(["--base", "x", "--nli", "x", "--grounding", "x", "--work", str(tmp_path / "w"),
                                "--out", str(out)]) == 1
    assert json.loads((out / "sweep.json").read_text())["pick"] is None
    assert not list(out.glob("model.safetensors.part*"))


def test_a_run_past_the_deadline_is_stopped_and_logged(tmp_path):
    log = tmp_path / "log"
    start = time.monotonic()
    assert not verifier_sweep.run([sys.executable, "-c", "import time; time.sleep(60)"], log, start + 6)
    assert time.monotonic() - start < 30
    assert "stopped at the deadline" in log.read_text()
    assert not verifier_sweep.run([sys.executable, "-c", "pass"], log, time.monotonic() + 1)  # too little time left
    assert "skipped (deadline)" in log.read_text()
    assert verifier_sweep.run([sys.executable, "-c", "pass"], log, time.monotonic() + 60)
