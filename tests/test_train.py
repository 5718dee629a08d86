"""A tiny LoRA run on the real packaged model: the adapter changes, the base does not; base + adapter loads."""

import tempfile
from pathlib import Path

import pytest
import torch

from assistant.chat.model import load_model
from assistant.flags.export import export
from core.config import ModelConfig
from core.errors import InputError, ModelError
from finetune.train import load_rows, train
from tests.test_export import reviewed_log  # noqa: F401  (fixture)

pytestmark = pytest.mark.model


@pytest.fixture
def database():
    """The exports' log on SQLite only: ``tests/test_export.py`` runs them on both stores."""
    return None


@pytest.fixture
def exports(reviewed_log, tmp_path):
    paths = {}
    for fmt in ("sft", "dpo"):
        paths[fmt] = tmp_path / f"{fmt}.jsonl"
        export(reviewed_log, fmt, paths[fmt], held_out_share=0.0)
    return paths


def weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("method", ["sft", "dpo"])
def test_a_tiny_lora_run_trains_the_adapter_and_leaves_the_base_alone(loaded_model, exports, tmp_path, method):
    from safetensors.torch import load_file

    before = weights(load_model(ModelConfig(name="smollm2")).model)
    # every step sees the whole tiny export (one batch), so the loss must fall
    steps = 6 if method == "sft" else 4  # a DPO step costs two models' forward passes
    scratch = set(Path(tempfile.gettempdir()).glob("assistant-train-*"))
    report = train(method, exports[method], f"tiny-{method}", base="smollm2", max_steps=steps, batch_size=2, lr=1e-3,
                   max_length=512, out_root=tmp_path / "adapters", log=lambda m: None)
    assert report.steps == steps and report.path.is_dir() and (report.path / "adapter_card.json").is_file()
    assert set(Path(tempfile.gettempdir()).glob("assistant-train-*")) <= scratch  # the trainer's scratch is gone
    assert report.last_loss < report.first_loss
    lora = load_file(str(report.path / "adapter_model.safetensors"))
    lora_b = [v for k, v in lora.items() if "lora_B" in k]
    assert lora_b and any(v.abs().sum() > 0 for v in lora_b)  # B starts at zero: training moved it
    after = weights(load_model(ModelConfig(name="smollm2")).model)
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
    merged = load_model(ModelConfig(name="smollm2", adapter=str(report.path)))
    assert merged.name.endswith(f"+{report.path}")
    changed = weights(merged.model)
    assert any(not torch.equal(before[k], changed[k]) for k in before if k.endswith("q_proj.weight"))


def test_bad_training_data_is_a_clear_error(exports, tmp_path):
    with pytest.raises(InputError, match="is not a sft export"):
        load_rows(exports["dpo"], "sft")
    with pytest.raises(InputError, match="no export file"):
        load_rows(tmp_path / "missing.jsonl", "sft")


def test_a_missing_adapter_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="no LoRA adapter 'nope'"):
        load_model(ModelConfig(name="smollm2", adapter="nope"))


def test_torchrun_trains_unchanged_as_two_data_parallel_processes(loaded_model, model_home, exports):
    """`torchrun --nproc_per_node 2 -m finetune.train ...` on CPU (gloo): one adapter, written once."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "ASSISTANT_HOME": str(model_home), "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                          "-m", "finetune.train", "--method", "sft", "--data", str(exports["sft"]),
                          "--name", "ddp-test", "--base", "smollm2", "--max-steps", "2", "--batch-size", "1", "--max-length", "512"],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    card = json.loads((model_home / "adapters" / "ddp-test" / "adapter_card.json").read_text())
    assert card["processes"] == 2 and card["steps"] == 2
    assert (model_home / "adapters" / "ddp-test" / "adapter_model.safetensors").is_file()
    assert not list((model_home / "adapters").glob(".ddp-test*"))


def test_top_layers_puts_the_lora_weights_in_the_last_layers_only(loaded_model, exports, tmp_path):
    """`--top-layers 2`: every linear module of the last two decoder layers is adapted, nothing below."""
    import json

    from safetensors.torch import load_file

    report = train("sft", exports["sft"], "top", base="smollm2", max_steps=1, batch_size=2, max_length=512,
                   out_root=tmp_path / "adapters", log=lambda m: None, top_layers=2)
    layers = load_model(ModelConfig(name="smollm2")).model.config.num_hidden_layers
    lora = load_file(str(report.path / "adapter_model.safetensors"))
    adapted = {int(k.split(".layers.")[1].split(".")[0]) for k in lora}
    assert adapted == {layers - 2, layers - 1}
    modules = {k.split(".layers.")[1].split(".")[2] for k in lora}
    assert {"q_proj", "v_proj", "down_proj", "gate_proj"} <= modules
    assert json.loads((report.path / "adapter_card.json").read_text())["settings"]["top_layers"] == 2
    with pytest.raises(InputError, match="--top-layers 99: the model has"):
        train("sft", exports["sft"], "top", base="smollm2", max_steps=1, out_root=tmp_path / "adapters",
              log=lambda m: None, top_layers=99)
