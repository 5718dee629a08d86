"""The w8a8 rewrite of an int8 ONNX export (assistant/chat/w8a8.py) on a small graph built here: the
projections it rewrites, the ones it leaves, and the logits it gives against the original's."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from assistant.chat.w8a8 import convert, per_channel

ort = pytest.importorskip("onnxruntime")
K, HIDDEN, VOCAB = 64, 96, 50


def int8_export(folder, extra_4bit=False):
    """A two-layer "model" as the builder writes one: x -> 8-bit MatMulNBits -> Relu -> (a 4-bit one) ->
    the output layer (8 bits) -> logits [batch, positions, vocab]; weights in model.onnx.data."""
    from onnxruntime.quantization.matmul_nbits_quantizer import DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer

    rng = np.random.default_rng(0)
    w1 = (rng.standard_normal((K, HIDDEN)) * 0.1).astype(np.float32)
    w1[:, 3] *= 20  # one output channel far larger than the others: its own scale keeps the rest fine
    w2 = (rng.standard_normal((HIDDEN, HIDDEN)) * 0.1).astype(np.float32)
    head = (rng.standard_normal((HIDDEN, VOCAB)) * 0.1).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"], name="/layers.0/mlp/MatMul"),
             helper.make_node("Relu", ["h"], ["r"])]
    last = "r"
    if extra_4bit:
        nodes.append(helper.make_node("MatMul", ["r", "w2"], ["r2"], name="/layers.1/mlp/MatMul"))
        last = "r2"
    nodes.append(helper.make_node("MatMul", [last, "head"], ["logits"], name="/lm_head/MatMul"))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, None, K])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, None, VOCAB])],
                              [numpy_helper.from_array(w, n) for w, n in ((w1, "w1"), (w2, "w2"), (head, "head"))
                               if extra_4bit or n != "w2"])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    config = DefaultWeightOnlyQuantConfig(block_size=32, is_symmetric=True, accuracy_level=4, bits=8,
                                          op_types_to_quantize=("MatMul",))
    quantizer = MatMulNBitsQuantizer(model, algo_config=config, nodes_to_exclude=["/layers.1/mlp/MatMul"])
    quantizer.process()
    model = quantizer.model.model
    if extra_4bit:  # the middle one in 4 bits with zero points, as int4_mlp exports write some
        four = MatMulNBitsQuantizer(model, algo_config=DefaultWeightOnlyQuantConfig(
            block_size=32, is_symmetric=False, accuracy_level=4, bits=4))
        four.process()
        model = four.model.model
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(folder / "model.onnx"), save_as_external_data=True, location="model.onnx.data",
              size_threshold=0)
    return folder


def run(folder, x):
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def ops(folder):
    return [n.op_type for n in onnx.load(str(folder / "model.onnx"), load_external_data=False).graph.node]


def test_the_projections_read_per_token_and_the_output_layer_the_last_position(tmp_path):
    src = int8_export(tmp_path / "int8")
    assert ops(src).count("MatMulNBits") == 2
    assert convert(src, tmp_path / "w8a8") == 1  # the output layer is not rewritten
    after = ops(tmp_path / "w8a8")
    assert after.count("MatMulInteger") == 1 and after.count("MatMulNBits") == 1  # the output layer kept
    x = np.random.default_rng(1).standard_normal((1, 7, K)).astype(np.float32)
    x[0, 0] *= 50  # a first token far larger than the rest: its scale is its own
    before, now = run(src, x), run(tmp_path / "w8a8", x)
    assert now.shape == before.shape == (1, 7, VOCAB)  # the shape onnxruntime-genai allocates
    # every position holds the last one's logits, and those are the original's, within 8-bit rounding
    assert np.array_equal(now[0, 0], now[0, -1])
    assert np.abs(now[0, -1] - before[0, -1]).max() < 0.03 * np.abs(before[0, -1]).max()
    one = x[:, -1:]
    assert np.abs(run(tmp_path / "w8a8", one) - run(src, one)).max() < 0.03 * np.abs(run(src, one)).max()


def test_a_4_bit_projection_with_zero_points_is_left_as_it_is(tmp_path):
    src = int8_export(tmp_path / "mixed", extra_4bit=True)
    assert convert(src, tmp_path / "w8a8") == 1
    nbits = [n for n in onnx.load(str(tmp_path / "w8a8" / "model.onnx"), load_external_data=False).graph.node
             if n.op_type == "MatMulNBits"]
    assert len(nbits) == 2 and any(a.name == "bits" and a.i == 4 for n in nbits for a in n.attribute)


def test_the_rewrite_may_replace_the_export_in_its_own_folder(tmp_path):
    src = int8_export(tmp_path / "int8")
    x = np.random.default_rng(2).standard_normal((1, 3, K)).astype(np.float32)
    expected = run(src, x)[0, -1]
    convert(src, src)
    assert "MatMulInteger" in ops(src) and not (src / ".model.onnx.data.part").exists()
    assert np.abs(run(src, x)[0, -1] - expected).max() < 0.03 * np.abs(expected).max()


def test_weights_get_one_scale_per_output_channel():
    rng = np.random.default_rng(3)
    n, k = 4, 64
    blocks = rng.integers(1, 256, size=(n, k // 32, 32)).astype(np.uint8)
    scales = rng.uniform(0.01, 0.02, size=(n * (k // 32),)).astype(np.float32)
    q, scale = per_channel(blocks, scales, k, n)
    assert q.shape == (k, n) and q.dtype == np.int8 and scale.shape == (n,)
    exact = (blocks.astype(np.float32) - 128) * scales.reshape(n, -1)[:, :, None]
    exact = exact.reshape(n, k).T
    assert np.abs(q * scale - exact).max() <= scale.max() / 2 + 1e-6  # half a step of the channel's scale
    assert np.abs(q).max() == 127  # each channel's largest value takes the full range
