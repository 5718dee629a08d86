"""Int4 weight-only quantization of a model's Linear layers, for faster CPU decoding.

Decoding reads every weight once a token, so on a CPU it is bound by memory bandwidth. Weights
stored as 4-bit integers in groups of 32 along the input (a scale and an offset per group, as
GGUF's Q4_1 does, so a Q4_1 model loses almost nothing) are a fraction of fp32's bytes, and
torch's CPU kernel ``_weight_int4pack_mm_for_cpu`` multiplies with them directly; activations
run in bfloat16 inside it. CPU only. The output layer gets 8-bit weights (one scale per row,
``_weight_int8pack_mm``) instead: at 4 bits it changed answers. The int4 kernel wins on one row
at a time and loses on a prompt's many rows, so ``keep_float=True`` (``model.quantize =
"int4_decode"``) keeps each layer's float weight for inputs of more than ``FLOAT_ROWS`` rows:
prompts at float speed, decoding at int4 speed, for the float model's memory plus about an
eighth. Figures: the README's benchmarks (``bench/generate.py``, ``bench/turn.py``).
"""

from __future__ import annotations

import torch

GROUP = 32
FLOAT_ROWS = 16  # with keep_float, more rows than this go to the float weights (below the measured crossover)


class Int4Linear(torch.nn.Module):
    """A Linear layer with int4 weights (groups of ``GROUP`` along the input), computed by torch's CPU kernel."""

    def __init__(self, linear: torch.nn.Linear, group: int = GROUP, keep_float: bool = False):
        super().__init__()
        self.weight = linear.weight if keep_float else None  # for many rows at once (a prompt)
        weight = linear.weight.detach().float()
        out_features, in_features = weight.shape
        blocks = weight.reshape(out_features, in_features // group, group)
        low, high = blocks.amin(-1), blocks.amax(-1)
        scale = ((high - low) / 15).clamp(min=1e-8)
        q = torch.round((blocks - low[..., None]) / scale[..., None]).clamp(0, 15).to(torch.int32)
        self.register_buffer("packed", torch.ops.aten._convert_weight_to_int4pack_for_cpu(
            q.reshape(out_features, in_features), 2))
        # the kernel's convention: w = (q - 8) * scale + zero, per group; laid out [groups, out, 2]
        zero = low + 8 * scale
        self.register_buffer("scales_and_zeros", torch.stack([scale, zero], -1).transpose(0, 1).contiguous()
                             .to(torch.bfloat16))
        self.bias = linear.bias
        self.group, self.in_features, self.out_features = group, in_features, out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        if self.weight is not None and x.numel() > FLOAT_ROWS * shape[-1]:
            return torch.nn.functional.linear(x, self.weight, self.bias)
        y = torch.ops.aten._weight_int4pack_mm_for_cpu(x.reshape(-1, shape[-1]).to(torch.bfloat16), self.packed,
                                                       self.group, self.scales_and_zeros)
        y = y.reshape(*shape[:-1], self.out_features).to(x.dtype)
        return y + self.bias if self.bias is not None else y

    def extra_repr(self) -> str:
        kept = ", float kept for prompts" if self.weight is not None else ""
        return f"in_features={self.in_features}, out_features={self.out_features}, int4, group={self.group}{kept}"


class Int8Linear(torch.nn.Module):
    """A Linear layer with int8 weights (one scale per output row)."""

    def __init__(self, linear: torch.nn.Linear):
        super().__init__()
        weight = linear.weight.detach().float()
        scale = weight.abs().amax(dim=1).clamp(min=1e-8) / 127
        self.register_buffer("weight_int8", torch.round(weight / scale[:, None]).clamp(-128, 127).to(torch.int8)
                             .contiguous())
        self.register_buffer("scales", scale.to(torch.bfloat16))
        self.bias = linear.bias
        self.in_features, self.out_features = weight.shape[1], weight.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        y = torch.ops.aten._weight_int8pack_mm(x.reshape(-1, shape[-1]).to(torch.bfloat16), self.weight_int8,
                                               self.scales)
        y = y.reshape(*shape[:-1], self.out_features).to(x.dtype)
        return y + self.bias if self.bias is not None else y

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8"


def quantize_int4(model: torch.nn.Module, group: int = GROUP, keep_float: bool = False) -> int:
    """Replace, in place, every Linear the int4 kernel takes (input a multiple of ``group``, output of 16)
    with an :class:`Int4Linear`, except the output layer, which becomes an :class:`Int8Linear`;
    how many layers were replaced. Others stay in float. ``keep_float``: the int4 layers keep
    their float weights for prompts (see the module docstring); the output layer only ever
    sees the last position, so it needs none."""
    get_output = getattr(model, "get_output_embeddings", None)
    output = get_output() if callable(get_output) else None
    replaced = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if not isinstance(child, torch.nn.Linear):
                continue
            if child is output:
                setattr(parent, name, Int8Linear(child))
            elif child.in_features % group == 0 and child.out_features % 16 == 0:
                setattr(parent, name, Int4Linear(child, group, keep_float))
            else:
                continue
            replaced += 1
    return replaced
