import pytest

from core.config import Config, GenerationConfig, ModelConfig, describe_keys, known_keys, load_config, parse_assignment
from core.errors import ConfigError


def test_defaults_come_from_the_dataclasses():
    cfg = load_config(environ={}, file=False)
    assert cfg.model == ModelConfig()
    assert cfg.generation == GenerationConfig()
    assert cfg.model.name == "default" and cfg.generation.do_sample is False
    assert (cfg.model.backend, cfg.model.quantize) == ("auto", "auto")
    assert cfg.sources == {}


def test_auto_picks_the_onnx_export_on_a_cpu_and_transformers_where_asked_for(monkeypatch):
    import core.config as config

    monkeypatch.setattr(config, "_has_gpu", lambda: False)
    cpu = ModelConfig().resolved()
    assert (cpu.backend, cpu.quantize) == ("onnx", config.ONNX_DEFAULT)
    assert ModelConfig(name="smollm2").resolved().quantize == config.ONNX_DEFAULT
    assert ModelConfig(quantize="int4").resolved() == ModelConfig(backend="onnx", quantize="int4")
    for asks in (ModelConfig(compile=True), ModelConfig(quantize="int4_decode"), ModelConfig(device="cuda")):
        resolved = asks.resolved()
        assert resolved.backend == "transformers" and resolved.quantize in ("none", "int4_decode")
    monkeypatch.setattr(config, "_has_gpu", lambda: True)
    gpu = ModelConfig().resolved()
    assert (gpu.backend, gpu.quantize) == ("transformers", "none")
    explicit = ModelConfig(backend="onnx", quantize="int8")
    assert explicit.resolved() is explicit  # nothing to decide


def test_layers_file_then_env_then_cli(tmp_path):
    file = tmp_path / "config.toml"
    file.write_text('[generation]\nmax_new_tokens = 100\ntemperature = 0.3\ntop_k = 7\n[model]\ndevice = "cpu"\n')
    env = {"ASSISTANT_GENERATION_TEMPERATURE": "0.5", "ASSISTANT_GENERATION_TOP_K": "9"}
    cfg = load_config({"generation.top_k": "11"}, environ=env, file=file)
    assert cfg.generation.max_new_tokens == 100  # file
    assert cfg.generation.temperature == 0.5  # env beats file
    assert cfg.generation.top_k == 11  # cli beats env
    assert cfg.model.device == "cpu"
    assert cfg.sources["generation.max_new_tokens"] == f"file:{file}"
    assert cfg.sources["generation.temperature"] == "env:ASSISTANT_GENERATION_TEMPERATURE"
    assert cfg.sources["generation.top_k"] == "cli"


def test_default_config_file_is_read_from_the_data_home(assistant_home):
    assistant_home.mkdir(parents=True, exist_ok=True)
    (assistant_home / "config.toml").write_text('[generation]\nseed = 42\n')
    assert load_config(environ={}).generation.seed == 42


@pytest.mark.parametrize("where", ["env", "file", "cli"])
def test_unknown_key_is_an_error_naming_it_and_its_origin(tmp_path, where):
    file = tmp_path / "c.toml"
    env, overrides = {}, {}
    if where == "env":
        env = {"ASSISTANT_GENERATION_TEMPRATURE": "0.2"}
    elif where == "file":
        file.write_text("[generation]\ntemprature = 0.2\n")
    else:
        overrides = {"generation.temprature": "0.2"}
    with pytest.raises(ConfigError) as err:
        load_config(overrides, environ=env, file=file if where == "file" else False)
    message = str(err.value)
    assert "generation.temprature" in message
    assert "did you mean 'generation.temperature'" in message
    assert {"env": "ASSISTANT_GENERATION_TEMPRATURE", "file": str(file), "cli": "command line"}[where] in message


def test_unknown_section_in_file_is_an_error(tmp_path):
    file = tmp_path / "c.toml"
    file.write_text("[modle]\nname = 'x'\n")
    with pytest.raises(ConfigError, match="unknown setting 'modle'"):
        load_config(environ={}, file=file)


def test_reserved_env_vars_are_not_settings():
    cfg = load_config(environ={"ASSISTANT_HOME": "/tmp/x", "ASSISTANT_CONFIG": "/tmp/y"}, file=False)
    assert cfg == Config()


@pytest.mark.parametrize("key,value,fragment", [
    ("generation.max_new_tokens", "many", "must be an integer"),
    ("generation.max_new_tokens", "2.5", "must be an integer"),
    ("generation.max_new_tokens", "0", "between 1 and 32768"),
    ("generation.temperature", "nan", "finite number"),
    ("generation.temperature", "1e-45", "must be at least 0.01"),
    ("generation.temperature", "-1", "must be at least 0.01"),
    ("generation.top_p", "1.5", "(0, 1]"),
    ("generation.do_sample", "maybe", "true or false"),
    ("model.device", "tpu", "auto, cpu, cuda, cuda:N or mps"),
    ("model.dtype", "int4", "float32"),
    ("model.threads", "-2", ">= 0"),
    ("checker.precision", "half", "auto, float32 or bfloat16"),
])
def test_bad_values_are_errors_naming_key_and_origin(key, value, fragment):
    with pytest.raises(ConfigError) as err:
        load_config({key: value}, environ={}, file=False)
    assert key in str(err.value) and fragment in str(err.value)
    assert "(from cli)" in str(err.value)


def test_bad_value_in_file_names_the_file(tmp_path):
    file = tmp_path / "c.toml"
    file.write_text("[generation]\ntop_p = 3\n")
    with pytest.raises(ConfigError, match=r"generation.top_p must be in \(0, 1\], got 3.0 \(from file:"):
        load_config(environ={}, file=file)


def test_invalid_toml_is_a_config_error(tmp_path):
    file = tmp_path / "c.toml"
    file.write_text("[generation\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(environ={}, file=file)


def test_values_are_coerced_to_field_types():
    cfg = load_config({"generation.do_sample": "yes", "generation.seed": "7", "generation.top_p": "0.5"},
                      environ={"ASSISTANT_MODEL_THREADS": "3"}, file=False)
    assert cfg.generation.do_sample is True and cfg.generation.seed == 7 and cfg.generation.top_p == 0.5
    assert cfg.model.threads == 3
    assert load_config({"generation.seed": "none"}, environ={}, file=False).generation.seed is None


def test_parse_assignment():
    assert parse_assignment("generation.top_k=5") == ("generation.top_k", "5")
    assert parse_assignment("model.name=a=b") == ("model.name", "a=b")
    with pytest.raises(ConfigError, match="section.key=value"):
        parse_assignment("generation.top_k")


def test_every_key_is_described():
    described = describe_keys()
    assert [k for k, _, _ in described] == known_keys()
    assert all(help_text for _, help_text, _ in described)


def test_readme_documents_every_setting_with_its_default():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for key, _, default in describe_keys():
        assert f"| `{key}` | `{default!r}` |" in readme, key
