"""The ``w8a8`` ONNX export: an ``int8`` export rewritten so a prompt is read about 2.5x as fast on CPU.

onnxruntime-genai's builder writes each projection as ``MatMulNBits`` (8-bit weights in blocks of 32).
Its CPU kernel reads one token at a time at memory speed, but a prompt's rows, the whole of the first
token's wait, little faster than fp32 (``python bench/experiments/w8a8_matmul.py``: one 1536 x 8960
projection over 300 rows on 2 cores, 29 ms, fp32 39 ms, ``MatMulInteger`` 13 ms). This rewrite
(``convert``) makes each 8-bit projection

- **8 bits per output channel** for the weights (the blocks' values, rounded once more to one scale a
  row: they are read as ``int8``), and
- **8 bits per token** for the activations: each row of the input is scaled by its own largest
  value, so one token with a large activation (a prompt's first, a delimiter) does not flatten the
  others, as one scale for the whole input does (``DynamicQuantizeMatMul``, as fast: an error of 36 %
  of the mean output against 1.2 % when the first row is 50 times the others; 3 of 6 grounded answers
  began otherwise);

``MatMulInteger`` on uint8 x int8 does the product and the two scales are applied to its result.
Decoding reads the same bytes of weights as before, at about the same speed. And the output layer is applied
to the last position only (the logits of a prompt's other positions are never read: the generator
picks the next token from the last), its result broadcast to the shape onnxruntime-genai allocates:
for the 1.5B default that is 151,936 x 1,536 multiply-adds a prompt token saved (a sixth of the
reading). A projection in another format (4 bits, zero points) is left as it is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

ALIGN = 4096  # each tensor's offset in the data file (onnxruntime maps the file; aligned reads)
INLINE = 1024  # bytes: a smaller tensor that is not in the source's data file stays in the model file


def _attrs(node) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def convertible(node) -> bool:
    """Whether ``node`` is a projection this rewrite reads: 8-bit MatMulNBits, symmetric (no zero points)."""
    return (node.op_type == "MatMulNBits" and _attrs(node).get("bits") == 8 and len(node.input) == 3)


def per_channel(blocks, scales, k: int, n: int):
    """(int8 weights [k, n], one fp32 scale per output channel) from MatMulNBits' 8-bit blocks
    (uint8 [n, blocks, block size], 128 standing for 0) and their scales."""
    import numpy as np

    w = (blocks.astype(np.float32) - 128.0) * scales.astype(np.float32).reshape(n, -1)[:, :, None]
    w = w.reshape(n, -1)[:, :k]
    scale = np.abs(w).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(w / scale[:, None]), -127, 127).astype(np.int8)
    return np.ascontiguousarray(q.T), scale.astype(np.float32)


def _reduce_max(x: str, out: str, opset: int):
    from onnx import helper

    if opset >= 18:  # axes became an input
        return helper.make_node("ReduceMax", [x, "w8a8/last_axis"], [out], keepdims=1)
    return helper.make_node("ReduceMax", [x], [out], axes=[-1], keepdims=1)


def constants() -> dict[str, Any]:
    """The constant tensors the rewritten nodes read (``per_token_nodes``, ``last_position_nodes``)."""
    import numpy as np

    return {"w8a8/tiny": np.array(1e-12, np.float32), "w8a8/127": np.array(127, np.float32),
            "w8a8/128": np.array(128, np.float32), "w8a8/zero_point": np.array(128, np.uint8),
            "w8a8/last_axis": np.array([-1], np.int64), "w8a8/minus_one": np.array([-1], np.int64),
            "w8a8/end": np.array([2**62], np.int64), "w8a8/one": np.array([1], np.int64),
            "w8a8/zero": np.array([0], np.int64), "w8a8/two": np.array([2], np.int64)}


def per_token_nodes(node, weight: str, scale: str, opset: int) -> list:
    """``node``'s product as 8 bits per token x 8 bits per channel: each row scaled by its largest
    value to [-127, 127], stored as uint8 around 128 (``MatMulInteger``'s fast kind), the int32
    result scaled back by the row's and the channel's scales."""
    from onnx import TensorProto, helper

    x, y, p = node.input[0], node.output[0], node.name or node.output[0]
    return [helper.make_node("Abs", [x], [f"{p}/abs"]),
            _reduce_max(f"{p}/abs", f"{p}/absmax", opset),
            helper.make_node("Max", [f"{p}/absmax", "w8a8/tiny"], [f"{p}/absmax_kept"]),
            helper.make_node("Div", [f"{p}/absmax_kept", "w8a8/127"], [f"{p}/row_scale"]),
            helper.make_node("Div", [x, f"{p}/row_scale"], [f"{p}/scaled"]),
            helper.make_node("Round", [f"{p}/scaled"], [f"{p}/rounded"]),
            helper.make_node("Add", [f"{p}/rounded", "w8a8/128"], [f"{p}/shifted"]),
            helper.make_node("Cast", [f"{p}/shifted"], [f"{p}/x_u8"], to=TensorProto.UINT8),
            helper.make_node("MatMulInteger", [f"{p}/x_u8", weight, "w8a8/zero_point"], [f"{p}/y_i32"]),
            helper.make_node("Cast", [f"{p}/y_i32"], [f"{p}/y_f32"], to=TensorProto.FLOAT),
            helper.make_node("Mul", [f"{p}/y_f32", f"{p}/row_scale"], [f"{p}/y_rows"]),
            helper.make_node("Mul", [f"{p}/y_rows", scale], [y], name=p)]


def last_position_nodes(head, vocab: int) -> list:
    """Nodes that feed ``head`` (the output layer) the last position only and broadcast its result to
    [batch, positions, vocab], the shape onnxruntime-genai allocates for the logits."""
    from onnx import helper

    x, out = head.input[0], head.output[0]
    head.input[0], head.output[0] = f"{x}/last", f"{out}/last"
    return [helper.make_node("Slice", [x, "w8a8/minus_one", "w8a8/end", "w8a8/one"], [f"{x}/last"],
                             name="w8a8/last_position"),
            head,
            helper.make_node("Shape", [x], [f"{x}/shape"]),
            helper.make_node("Slice", [f"{x}/shape", "w8a8/zero", "w8a8/two"], [f"{x}/batch_positions"]),
            helper.make_node("Concat", [f"{x}/batch_positions", "w8a8/vocab"], [f"{x}/logits_shape"], axis=0),
            helper.make_node("Expand", [f"{out}/last", f"{x}/logits_shape"], [out], name="w8a8/logits")]


class _Tensors:
    """An ONNX file's initializers read where they lie (in its external data file, mapped), not copied whole."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def array(self, tensor):
        import numpy as np
        from onnx import helper, numpy_helper

        if tensor.data_location != 1:  # stored in the model file itself
            return numpy_helper.to_array(tensor)
        info = {e.key: e.value for e in tensor.external_data}
        dtype = helper.tensor_dtype_to_np_dtype(tensor.data_type)
        count = int(np.prod(tensor.dims)) if tensor.dims else 1
        data = np.memmap(self.folder / info["location"], dtype=np.uint8, mode="r",
                         offset=int(info.get("offset", 0)), shape=(int(info["length"]),))
        return data.view(dtype)[:count].reshape(tuple(tensor.dims))


def convert(src: Path, dst: Path, logits: str = "logits", progress: Callable[[str], None] | None = None) -> int:
    """Write ``src``'s model.onnx (an int8 export) as a w8a8 one into ``dst`` (another folder, or the same:
    its model.onnx and data file are replaced); the number of projections rewritten. ``logits`` names the
    graph's logits output (genai_config.json's)."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    progress = progress or (lambda message: None)
    model = onnx.load(str(src / "model.onnx"), load_external_data=False)
    graph = model.graph
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
    tensors, store = {t.name: t for t in graph.initializer}, _Tensors(src)
    heads = [n for n in graph.node if logits in n.output and n.op_type in ("MatMulNBits", "MatMul")]
    head = heads[0] if heads else None
    convert_nodes = [n for n in graph.node if convertible(n) and n is not head]
    converting = {id(n) for n in convert_nodes}
    new: dict[str, Any] = {}  # name -> array, for the tensors written anew
    dropped: set[str] = set()
    nodes: list = []
    for node in graph.node:
        if id(node) in converting:
            a = _attrs(node)
            weight, scale = f"{node.input[1]}/per_channel", f"{node.input[1]}/per_channel_scale"
            blocks, scales = store.array(tensors[node.input[1]]), store.array(tensors[node.input[2]])
            new[weight], new[scale] = per_channel(blocks, scales, int(a["K"]), int(a["N"]))
            dropped.update(node.input[1:])
            nodes.extend(per_token_nodes(node, weight, scale, opset))
            if len(new) % 40 == 0:
                progress(f"w8a8: {len(new) // 2} of {len(convert_nodes)} projections")
        elif node is head:
            vocab = int(_attrs(node)["N"]) if node.op_type == "MatMulNBits" else int(tensors[node.input[1]].dims[-1])
            nodes.extend(last_position_nodes(node, vocab))
            new["w8a8/vocab"] = np.array([vocab], np.int64)
        else:
            nodes.append(node)
    new.update(constants())
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [t for t in graph.initializer if t.name not in dropped]
    # write every tensor into a new data file, one at a time (the source's are mapped, not loaded)
    dst.mkdir(parents=True, exist_ok=True)
    data_name = "model.onnx.data"
    part = dst / f".{data_name}.part"
    written = []
    with part.open("wb") as out:
        for tensor in kept:
            array = store.array(tensor) if tensor.data_location == 1 else None
            written.append(_write(out, tensor, array, data_name))
        for name, array in new.items():
            written.append(_write(out, numpy_helper.from_array(np.asarray(array), name), None, data_name))
    del graph.initializer[:]
    graph.initializer.extend(written)
    onnx.save(model, str(dst / ".model.onnx.part"))
    os.replace(part, dst / data_name)
    os.replace(dst / ".model.onnx.part", dst / "model.onnx")
    return len(convert_nodes)


def _write(out, tensor, array, location: str):
    """``tensor`` stored at the end of ``out`` (its bytes from ``array`` when it lies in the source's data
    file, else its own), as external data; a small one that is not there stays where it is."""
    from onnx import TensorProto

    raw = array.tobytes() if array is not None else _raw(tensor)
    if array is None and len(raw) <= INLINE:  # kept in the model file: shape inference reads such constants
        stored = TensorProto()
        stored.CopyFrom(tensor)
        return stored
    pad = -out.tell() % ALIGN
    out.write(b"\0" * pad)
    offset = out.tell()
    out.write(raw)
    stored = TensorProto()
    stored.CopyFrom(tensor)
    stored.ClearField("raw_data")
    for field in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
        stored.ClearField(field)
    del stored.external_data[:]
    stored.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", str(offset)), ("length", str(len(raw)))):
        entry = stored.external_data.add()
        entry.key, entry.value = key, value
    return stored


def _raw(tensor) -> bytes:
    from onnx import numpy_helper

    return numpy_helper.to_array(tensor).tobytes()
