"""Int4 weight-only Linear layers: close to the float layer, only where they fit, and the packaged model still answers."""

import pytest
import torch

from assistant.chat.quantize import Int4Linear, quantize_int4
from core.config import ConfigError, ModelConfig


def test_an_int4_layer_computes_what_the_float_layer_does():
    torch.manual_seed(0)
    linear = torch.nn.Linear(256, 96, bias=True)
    x = torch.randn(3, 5, 256)
    exact, quantized = linear(x), Int4Linear(linear)(x)
    assert quantized.shape == exact.shape and quantized.dtype == exact.dtype
    error = (quantized - exact).norm() / exact.norm()
    assert error < 0.08, error  # 16 levels per group of 32: a few percent


def test_keeping_the_float_weight_reads_many_rows_exactly_and_one_row_in_int4():
    from assistant.chat.quantize import FLOAT_ROWS

    torch.manual_seed(2)
    linear = torch.nn.Linear(128, 48, bias=True)
    lean, kept = Int4Linear(linear), Int4Linear(linear, keep_float=True)
    prompt, step = torch.randn(1, FLOAT_ROWS + 1, 128), torch.randn(1, 1, 128)
    assert torch.equal(kept(prompt), linear(prompt))  # a prompt: the float weights, bit for bit
    assert not torch.equal(lean(prompt), linear(prompt))
    assert torch.equal(kept(step), lean(step))  # one token: the int4 kernel
    assert lean.weight is None and kept.weight is linear.weight and "float kept" in repr(kept)


def test_weights_already_on_a_4bit_grid_come_back_almost_exactly():
    """What the packaged Q4_1 model looks like once de-quantized: 16 levels per block of 32."""
    torch.manual_seed(1)
    q = torch.randint(0, 16, (64, 128)).float()
    q[:, ::32], q[:, 1::32] = 0, 15  # every block uses the full range, as Q4_1 blocks do
    scale = torch.rand(64, 4).repeat_interleave(32, dim=1) * 0.1 + 0.01
    low = torch.randn(64, 4).repeat_interleave(32, dim=1) * 0.1
    linear = torch.nn.Linear(128, 64, bias=False)
    linear.weight.data = q * scale + low
    x = torch.randn(4, 128)
    error = (Int4Linear(linear)(x) - linear(x)).norm() / linear(x).norm()
    assert error < 0.01, error  # only bfloat16 rounding of activations and scales is left


def test_only_layers_whose_input_fits_the_groups_are_replaced():
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32),
                                torch.nn.Linear(32, 30), torch.nn.Linear(30, 16))
    assert quantize_int4(model) == 2  # the kernel needs inputs in groups of 32 and outputs in sixteens
    assert [type(m).__name__ for m in model] == ["Int4Linear", "ReLU", "Int4Linear", "Linear", "Linear"]
    assert model(torch.randn(2, 64)).shape == (2, 16)


def test_the_setting_is_checked():
    with pytest.raises(ConfigError, match="model.quantize"):
        ModelConfig(quantize="int3")


@pytest.mark.model
@pytest.mark.parametrize("quantize", ["int4", "int4_decode"])
def test_the_packaged_model_quantized_to_int4_still_answers(model_home, loaded_model, monkeypatch, quantize):
    from assistant.chat.model import load_model
    from assistant.chat.transformers import TransformersChat
    from core.config import GenerationConfig

    monkeypatch.setenv("ASSISTANT_HOME", str(model_home))
    loaded = load_model(ModelConfig(name="smollm2", quantize=quantize))
    assert loaded.name.endswith(f"[{quantize}]")
    assert sum(isinstance(m, Int4Linear) for m in loaded.model.modules()) >= 200
    chat = TransformersChat(loaded, GenerationConfig(max_new_tokens=24))
    quick = chat.complete([{"role": "user", "content": "What is the capital of France?"}]).text
    plain = TransformersChat(loaded_model, GenerationConfig(max_new_tokens=24)).complete(
        [{"role": "user", "content": "What is the capital of France?"}]).text
    assert "Paris" in quick and quick.split()[:4] == plain.split()[:4]


def test_the_output_layer_gets_8_bits():
    from assistant.chat.quantize import Int8Linear

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body, self.head = torch.nn.Linear(64, 64), torch.nn.Linear(64, 40, bias=False)

        def get_output_embeddings(self):
            return self.head

        def forward(self, x):
            return self.head(self.body(x))

    torch.manual_seed(0)
    model = Tiny()
    x = torch.randn(3, 64)
    exact = model(x)
    assert quantize_int4(model) == 2
    assert isinstance(model.body, Int4Linear) and isinstance(model.head, Int8Linear)
    assert (model(x) - exact).norm() / exact.norm() < 0.08


@pytest.mark.model
def test_a_compiled_decoding_step_answers_as_the_eager_one(model_home, loaded_model, monkeypatch):
    """model.compile: one compilation (a fixed-size static cache), then the same greedy answers for prompts
    of different lengths as without it."""
    from assistant.chat.model import load_model
    from assistant.chat.transformers import STATIC_CACHE_TOKENS, TransformersChat
    from core.config import GenerationConfig

    monkeypatch.setenv("ASSISTANT_HOME", str(model_home))
    eager = TransformersChat(load_model(ModelConfig(name="smollm2", quantize="int4")), GenerationConfig(max_new_tokens=12))
    compiled = TransformersChat(load_model(ModelConfig(name="smollm2", quantize="int4", compile=True)),
                         GenerationConfig(max_new_tokens=12))
    assert compiled.loaded.compiled and not eager.loaded.compiled
    for question in ("What is the capital of France?", "Name three colours of the rainbow, please, in a list."):
        messages = [{"role": "user", "content": question}]
        assert compiled.complete(messages).text == eager.complete(messages).text
    assert getattr(compiled.loaded.model, "_previous_max_cache_length", None) == STATIC_CACHE_TOKENS  # static, sized once
    assert getattr(eager.loaded.model, "_previous_max_cache_length", None) is None
