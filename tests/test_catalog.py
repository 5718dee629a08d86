"""The models and adapters the page's picker offers: what this machine can load without a download."""

import json

from assistant.chat import catalog
from assistant.chat.model import QWEN, SMOLLM2


def test_the_packaged_models_installed_here_are_offered_the_default_first():
    names = [m.name for m in catalog.packaged()]
    assert names == [QWEN, SMOLLM2]  # make setup installs both
    assert "the default" in catalog.packaged()[0].label
    assert catalog.canonical(" Default ") == QWEN and catalog.canonical("org/model") == "org/model"


def test_converted_ggufs_hub_downloads_and_adapters_are_found(tmp_path, monkeypatch):
    home = tmp_path / "home"
    mine = tmp_path / "my-model.Q4.gguf"
    mine.write_bytes(b"GGUF")
    for folder, gguf in [("my-model-1234", mine), ("gone-5678", tmp_path / "deleted.gguf"),
                         ("qwen-join-9", home / "models" / "qwen2.5-coder-1.5b-instruct" / "q.gguf")]:
        (home / "models" / folder).mkdir(parents=True)
        (home / "models" / folder / "source.json").write_text(json.dumps({"gguf": str(gguf)}))
    (home / "models" / "half-written").mkdir()
    (home / "models" / "half-written" / "source.json").write_text("{")
    hub = tmp_path / "hub"
    for repo, arch in [("models--org--chatty", "LlamaForCausalLM"), ("models--org--encoder", "BertModel")]:
        snap = hub / repo / "snapshots" / "abc"
        snap.mkdir(parents=True)
        (snap / "config.json").write_text(json.dumps({"architectures": [arch]}))
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    for name in ("tuned", ".tuned.previous"):
        (home / "adapters" / name).mkdir(parents=True)
        (home / "adapters" / name / "adapter_config.json").write_text("{}")

    found = {m.name: m.label for m in catalog.converted(home) + catalog.downloaded()}
    assert found == {str(mine): "my-model.Q4.gguf (converted before)",
                     str(home / "models" / "gone-5678"): "gone-5678 (converted; its GGUF is gone)",
                     "org/chatty": "org/chatty (downloaded)"}
    assert catalog.adapters(home) == ["tuned"]
    assert [m.name for m in catalog.models(home)][:2] == [QWEN, SMOLLM2]
