"""One projection of the 1.5B default (1536 -> 8960, its MLP's gate) in each form ONNX Runtime can
run it on this CPU: why ``model.quantize = w8a8`` (``assistant/chat/w8a8.py``) reads prompts faster.

    python bench/experiments/w8a8_matmul.py [--out bench/results/w8a8_matmul.json]

Forms: fp32 ``MatMul``; ``MatMulNBits`` with 8-bit weights in blocks of 32 and int8 compute (what
onnxruntime-genai's builder writes for int8); ``DynamicQuantizeMatMul`` (8-bit weights per channel,
the activations with one scale for the whole input); and w8a8's per-token form (``MatMulInteger``,
each input row with its own scale). For 300 rows (a prompt) and 1 (a decoding step): milliseconds,
and the error against fp32 for Gaussian inputs whose first row is 50 times the others (a prompt's
first token often is), relative to the mean output.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
K, N = 1536, 8960


def forms(folder: Path) -> dict[str, Path]:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization.matmul_nbits_quantizer import DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer

    from assistant.chat.w8a8 import constants, per_token_nodes

    rng = np.random.default_rng(0)
    w = (rng.standard_normal((K, N)) * 0.02).astype(np.float32)
    scale = np.abs(w).max(axis=0) / 127
    q = np.rint(w / scale).astype(np.int8)

    def save(name, nodes, inits, opset=18):
        graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, None, K])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, None, N])], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset),
                                                        helper.make_opsetid("com.microsoft", 1)])
        onnx.save(model, str(folder / f"{name}.onnx"))
        return model

    paths = {}
    fp32 = save("fp32", [helper.make_node("MatMul", ["x", "w"], ["y"])], [numpy_helper.from_array(w, "w")], 17)
    paths["fp32 MatMul"] = folder / "fp32.onnx"
    quantizer = MatMulNBitsQuantizer(fp32, algo_config=DefaultWeightOnlyQuantConfig(
        block_size=32, is_symmetric=True, accuracy_level=4, bits=8))
    quantizer.process()
    quantizer.model.save_model_to_file(str(folder / "nbits.onnx"))
    paths["MatMulNBits 8-bit, blocks of 32 (int8)"] = folder / "nbits.onnx"
    weights = [numpy_helper.from_array(q, "q"), numpy_helper.from_array(scale.astype(np.float32), "s"),
               numpy_helper.from_array(np.zeros(N, np.int8), "zp")]
    save("tensor", [helper.make_node("DynamicQuantizeMatMul", ["x", "q", "s", "zp"], ["y"], domain="com.microsoft")],
         weights)
    paths["DynamicQuantizeMatMul, one scale per input"] = folder / "tensor.onnx"
    node = helper.make_node("MatMul", ["x", "unused"], ["y"], name="proj")
    save("token", per_token_nodes(node, "q", "s", 18),
         weights[:2] + [numpy_helper.from_array(v, k) for k, v in constants().items()])
    paths["w8a8: MatMulInteger, one scale per input row"] = folder / "token.onnx"
    return paths


def main() -> int:
    import numpy as np
    import onnxruntime as ort

    from bench.common import write_result

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "w8a8_matmul.json"))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 300, K)).astype(np.float32)
    x[0, 0] *= 50
    result: dict = {"k": K, "n": N, "threads": args.threads, "forms": {}}
    with tempfile.TemporaryDirectory() as tmp:
        paths = forms(Path(tmp))
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        sessions = {name: ort.InferenceSession(str(p), options, providers=["CPUExecutionProvider"])
                    for name, p in paths.items()}
        reference = {rows: sessions["fp32 MatMul"].run(None, {"x": x[:, -rows:]})[0] for rows in (300, 1)}
        for name, session in sessions.items():
            entry = {}
            for rows in (300, 1):
                feed = {"x": x[:, -rows:]}
                y = session.run(None, feed)[0]
                repeats = 10 if rows > 1 else 200
                start = time.perf_counter()
                for _ in range(repeats):
                    session.run(None, feed)
                ms = (time.perf_counter() - start) / repeats * 1000
                error = float(np.abs(y - reference[rows])[0, -rows:].mean() / np.abs(reference[rows]).mean())
                entry[f"{rows}_rows"] = {"ms": round(ms, 3), "relative_error": round(error, 4)}
            result["forms"][name] = entry
            print(name, entry, flush=True)
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
