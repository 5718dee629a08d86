"""model.backend = onnx: the packaged model exported to ONNX and decoded by ONNX Runtime GenAI.

The fp32 export must answer exactly what the transformers backend answers (greedy, token
for token); the int8 and int4_mlp exports must still answer sensibly; streaming, lengths, stopping, the
export cache and its errors behave as the transformers backend's do."""

from __future__ import annotations

import json
import os
import shutil
import threading
from contextlib import contextmanager

import pytest

from core.config import ConfigError, GenerationConfig, ModelConfig
from core.errors import ModelError

QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one sentence."}]
ESSAY = [{"role": "user", "content": "Write a short paragraph about the history of the printing press."}]


@contextmanager
def home(path):
    previous = os.environ.get("ASSISTANT_HOME")
    os.environ["ASSISTANT_HOME"] = str(path)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("ASSISTANT_HOME", None)
        else:
            os.environ["ASSISTANT_HOME"] = previous


def test_the_onnx_backend_takes_only_what_it_can_run():
    assert ModelConfig(backend="onnx", quantize="int8").backend == "onnx"
    assert ModelConfig(backend="onnx", quantize="int4").quantize == "int4"  # both backends have an int4
    with pytest.raises(ConfigError, match="model.quantize.*none \\(fp32\\), int8, int4_mlp, int4 or w8a8"):
        ModelConfig(backend="onnx", quantize="int4_decode")
    for quantize in ("int8", "int4_mlp"):
        with pytest.raises(ConfigError, match=f"{quantize} is for model.backend = onnx"):
            ModelConfig(backend="transformers", quantize=quantize)
        assert ModelConfig(quantize=quantize).resolved().backend in ("onnx", "transformers")  # auto
    with pytest.raises(ConfigError, match="model.device.*runs on CPU"):
        ModelConfig(backend="onnx", device="cuda")
    with pytest.raises(ConfigError, match="model.compile"):
        ModelConfig(backend="onnx", compile=True)
    with pytest.raises(ConfigError, match="auto, transformers, onnx or openai"):
        ModelConfig(backend="vllm")


def test_the_export_is_keyed_by_what_it_is_made_from(tmp_path):
    from assistant.chat.onnx import export_key

    def key(**settings):
        return export_key(ModelConfig(**{"name": "smollm2", "backend": "onnx", "quantize": "none", **settings}))

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    fp32, made = key()
    assert made["precision"] == "fp32" and made["kind"] == "gguf" and "fp32" in fp32
    assert key()[0] == fp32  # the same model: the same folder
    int8, w8a8 = key(quantize="int8")[0], key(quantize="w8a8")[0]
    assert export_key(ModelConfig(name="smollm2"))[0] == w8a8  # what auto picks here
    assert len({fp32, int8, w8a8, key(quantize="int4_mlp")[0]}) == 4
    with_adapter = key(adapter=str(adapter))[0]
    assert with_adapter != fp32
    (adapter / "adapter_model.safetensors").write_bytes(b"retrained")
    assert key(adapter=str(adapter))[0] != with_adapter  # retrained: exported again


def test_serve_refuses_to_batch_the_onnx_backend(tmp_path, capsys):
    from assistant.cli.main import main

    assert main(["serve", "--batch", "4", "--set", "model.backend=onnx", "--home", str(tmp_path)]) == 2
    assert "--batch 4 batches the transformers backend's decoding" in capsys.readouterr().err


def test_int4_mlp_puts_only_the_mlp_gate_and_up_projections_in_4_bits():
    from assistant.chat.onnx import quant_target

    assert quant_target("int8", 30)["quant_config"]["weights"] == {"type": "int8", "overrides": []}
    weights = quant_target("int4_mlp", 2)["quant_config"]["weights"]
    assert weights["type"] == "int8"
    assert [(o["match"]["name"], o["type"]) for o in weights["overrides"]] == [
        ("/model/layers.0/mlp/gate_proj/MatMul", "int4"), ("/model/layers.0/mlp/up_proj/MatMul", "int4"),
        ("/model/layers.1/mlp/gate_proj/MatMul", "int4"), ("/model/layers.1/mlp/up_proj/MatMul", "int4")]


def test_a_failed_export_says_so_and_leaves_nothing_behind(tmp_path):
    """The builder, run for real on a model folder it cannot read, fails: a ModelError naming the
    model and the builder's last words, and no half-written export in the data home."""
    from assistant.chat import onnx as ort

    folder = tmp_path / "unknown-model"
    folder.mkdir()  # a config transformers reads, of an architecture the builder has no recipe for
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2", "architectures": ["NoSuchForCausalLM"],
                                                    "n_layer": 2}))
    cfg = ModelConfig(name=str(folder), backend="onnx")
    with pytest.raises(ModelError, match="exporting '.*unknown-model' to ONNX failed \\(onnxruntime-genai's builder"):
        ort.load_onnx_model(cfg, progress=lambda s: None)
    assert [p.name for p in folder.iterdir()] == ["config.json"]  # the user's folder is only read
    out, _ = ort.export_folder(cfg)
    assert not out.exists() and not any(p.name.startswith(".") for p in out.parent.iterdir())


# --- the real packaged model -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def onnx_chats(loaded_model, model_home):
    """fp32, int8, int4_mlp and w8a8 exports of the packaged model, made once for the session in ``model_home``
    (w8a8 from the int8 one)."""
    from assistant.chat.onnx import load_onnx_chat

    with home(model_home):
        return {q: load_onnx_chat(ModelConfig(name="smollm2", backend="onnx", quantize=q),
                                  GenerationConfig(max_new_tokens=40))
                for q in ("none", "int8", "int4_mlp", "w8a8")}


@pytest.mark.model
def test_fp32_onnx_answers_what_transformers_answers(onnx_chats, chat_model):
    gen = GenerationConfig(max_new_tokens=40)
    for messages in (QUESTION, ESSAY):
        ours = onnx_chats["none"].complete(messages, gen)
        theirs = chat_model.complete(messages, gen)
        assert ours.text == theirs.text and ours.prompt_tokens == theirs.prompt_tokens
        assert ours.completion_tokens == theirs.completion_tokens and ours.finish_reason == theirs.finish_reason


@pytest.mark.model
@pytest.mark.parametrize("quantize", ["int8", "int4_mlp", "w8a8"])
def test_quantized_onnx_answers_sensibly(onnx_chats, quantize):
    done = onnx_chats[quantize].complete(QUESTION)
    assert "Paris" in done.text and done.finish_reason == "stop"
    assert onnx_chats[quantize].name.endswith(f"[onnx {quantize}]") and onnx_chats[quantize].loaded.device == "cpu"


@pytest.mark.model
def test_streaming_lengths_and_stopping(onnx_chats):
    chat = onnx_chats["int8"]
    stream = chat.stream(ESSAY)
    pieces = list(stream)
    assert len(pieces) > 5 and "".join(pieces) == stream.completion.text
    assert stream.completion.ttft_s is not None and stream.completion.tokens_per_s > 0

    short = chat.complete(ESSAY, chat.with_generation(max_new_tokens=5))
    assert short.completion_tokens == 5 and short.finish_reason == "length"

    stop = threading.Event()
    stream = chat.stream(ESSAY, stop=stop)
    got = []
    for piece in stream:
        got.append(piece)
        stop.set()  # the user pressed Stop after the first piece
    assert stream.completion.finish_reason == "cancelled" and stream.completion.completion_tokens <= 2


@pytest.mark.model
def test_the_refusal_gate_reads_the_same_margin_in_both_backends_and_refuses_within_the_bias(onnx_chats, chat_model):
    from assistant.chat.prompt import NO_ANSWER, Passage, build_messages

    messages = build_messages("Where is Acme's head office?", [Passage("Acme's head office is in Bergen, Norway.")])
    onnx, torch_chat = onnx_chats["none"], chat_model
    free = {name: chat.complete(messages, refusal=NO_ANSWER) for name, chat in (("onnx", onnx), ("torch", torch_chat))}
    margin = free["onnx"].refusal_margin
    assert margin is not None and margin == pytest.approx(free["torch"].refusal_margin, abs=0.05)
    assert margin < 0 and free["onnx"].finish_reason != "abstained" and free["onnx"].text != NO_ANSWER
    assert onnx.complete(messages).refusal_margin is None  # no refusal asked for: no gate
    for chat in (onnx, torch_chat):
        stream = chat.stream(messages, chat.with_generation(abstain_bias=-margin + 0.1), refusal=NO_ANSWER)
        assert "".join(stream) == NO_ANSWER
        done = stream.completion
        assert done.finish_reason == "abstained" and done.completion_tokens == 0
        assert done.refusal_margin == pytest.approx(margin, abs=0.05)
        under = chat.complete(messages, chat.with_generation(abstain_bias=-margin - 0.1), refusal=NO_ANSWER)
        assert under.finish_reason != "abstained" and under.text == free["onnx"].text


@pytest.mark.model
def test_concurrent_answers_are_each_whole(onnx_chats):
    chat = onnx_chats["int8"]
    alone = []
    for m in (QUESTION, ESSAY):  # each prompt read whole, as each of two streams at once reads it
        chat.loaded.warm.drop()  # (one read from where the last prompt differed may round differently)
        alone.append(chat.complete(m).text)
    chat.loaded.warm.drop()
    together: dict[int, str] = {}
    threads = [threading.Thread(target=lambda i=i, m=m: together.__setitem__(i, chat.complete(m).text))
               for i, m in enumerate((QUESTION, ESSAY))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [together[0], together[1]] == alone


@pytest.mark.model
def test_the_export_is_reused_and_a_damaged_one_is_a_clear_error(onnx_chats, model_home, tmp_path, monkeypatch):
    from assistant.chat import onnx as ort

    folder = onnx_chats["int8"].loaded.folder
    stamp = (folder / "export.json").stat().st_mtime_ns
    with home(model_home):
        again = ort.load_onnx_model(ModelConfig(name="smollm2", backend="onnx", quantize="int8"), progress=lambda s: None)
    assert again.from_cache and again.folder == folder and (folder / "export.json").stat().st_mtime_ns == stamp

    damaged = tmp_path / "damaged"
    shutil.copytree(folder, damaged)
    (damaged / "model.onnx").unlink()
    monkeypatch.setattr(ort, "export_folder", lambda cfg: (damaged, {"precision": "int8"}))
    with pytest.raises(ModelError, match=f"cannot load the ONNX export {damaged}.*delete the folder"):
        ort.load_onnx_model(ModelConfig(name="smollm2", backend="onnx", quantize="int8"), progress=lambda s: None)


@pytest.mark.model
def test_the_llm_judge_needs_a_torch_model(onnx_chats):
    from assistant.checking.verifiers.llm import LLMVerifier

    with pytest.raises(ConfigError, match="not one behind a server or exported to ONNX"):
        LLMVerifier(onnx_chats["int8"])


@pytest.mark.model
def test_assistant_serve_serves_the_onnx_model(onnx_chats):
    """The onnx model behind the OpenAI-compatible server, asked through the openai backend: the
    same answer streamed and whole, and the same as asking it here."""
    from assistant.serve import build_app
    from tests.test_serve import Served, client

    chat = onnx_chats["int8"]
    served = Served(build_app(chat))
    try:
        remote = client(served.url)
        stream = remote.stream(QUESTION)
        pieces = list(stream)
        assert len(pieces) >= 2 and stream.completion.completion_tokens > 0
        assert "".join(pieces) == remote.complete(QUESTION).text == chat.complete(
            QUESTION, chat.with_generation(max_new_tokens=GenerationConfig().max_new_tokens)).text
    finally:
        served.close()


def test_the_builders_steps_are_passed_on_as_progress_and_its_last_line_kept():
    import sys

    from assistant.chat.onnx import run_builder

    script = ("import sys; print('Extra options: {}'); print('Reading embedding layer'); print('Reading layer 0');"
              "print('Reading layer 1', flush=True); sys.stderr.write('50%|#  |\\r100%|###|\\n');"
              "print('Reading LM head'); print('Saving ONNX model in /x'); print('ValueError: broken'); sys.exit(3)")
    said = []
    code, last = run_builder([sys.executable, "-c", script], 2, said.append)
    assert code == 3 and last == "ValueError: broken"
    assert said == ["exporting: reading embedding layer", "exporting: layer 1 of 2", "exporting: layer 2 of 2",
                    "exporting: reading LM head", "exporting: saving ONNX model"]


@pytest.mark.model
def test_a_prompt_is_read_from_where_it_differs_from_the_last_ones_and_answers_the_same(onnx_chats):
    """The kept generator (``onnx.Warm``): the grounded system prompt is read once, not for every answer."""
    from assistant.chat.prompt import Passage, build_messages

    chat = onnx_chats["int8"]
    asked = [build_messages("Where is Acme's head office?", [Passage("Acme's head office is in Bergen, Norway.")]),
             build_messages("When was the railway built?", [Passage("The railway reached the town in 1854.")])]
    chat.loaded.warm.drop()
    kept = [chat.complete(m) for m in asked]
    assert kept[0].cached_tokens == 0 and kept[1].cached_tokens >= 40  # the system prompt, and the turn's opening
    fresh = []
    for m in asked:
        chat.loaded.warm.drop()
        fresh.append(chat.complete(m))
    assert [d.text for d in kept] == [d.text for d in fresh] and all(d.cached_tokens == 0 for d in fresh)
    # a stream stopped early leaves the generator in a known state: the next answer is still the same
    for _ in chat.stream(asked[0]):
        break
    assert chat.complete(asked[1]).text == fresh[1].text
    # sampling gets a generator of its own
    assert chat.complete(asked[1], chat.with_generation(do_sample=True, seed=3)).cached_tokens == 0


@pytest.mark.model
def test_w8a8_is_made_from_the_int8_export_and_reads_a_prompt_as_it_does(onnx_chats):
    """The rewrite (assistant/chat/w8a8.py) of the int8 export already on disk: its projections read
    with 8-bit activations per token, its first choice for a prompt the int8 export's."""
    import onnx

    w8a8, int8 = onnx_chats["w8a8"], onnx_chats["int8"]
    made = json.loads((w8a8.loaded.folder / "export.json").read_text())
    layers = json.loads((w8a8.loaded.folder / "genai_config.json").read_text())["model"]["decoder"]["num_hidden_layers"]
    assert made["precision"] == "w8a8" and made["rewritten"] >= 4 * layers  # attention and MLP projections
    graph = onnx.load(str(w8a8.loaded.folder / "model.onnx"), load_external_data=False).graph
    assert sum(n.op_type == "MatMulInteger" for n in graph.node) == made["rewritten"]
    gen = GenerationConfig(max_new_tokens=8)
    assert w8a8.complete(ESSAY, gen).text.split()[:2] == int8.complete(ESSAY, gen).text.split()[:2]
