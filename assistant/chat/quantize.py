"""Int4 weight-only quantization of a model's Linear layers, for faster CPU decoding.

Decoding one token reads every weight once, so on a CPU it is bound by memory
bandwidth: the packaged model's fp32 weights are 540 MB a token. Stored as 4-bit
integers in groups of 32 along the input dimension (a scale and an offset per group,
as GGUF's Q4_1 does), they are about a seventh of that, and torch's CPU kernel
``_weight_int4pack_mm_for_cpu`` multiplies with them directly. Measured on 2 AVX2
cores (``bench/generate.py``): see the README's benchmark section.

For the packaged SmolLM2 (a Q4_1 GGUF de-quantized on load) the 32-wide groups are the
GGUF's own blocks, so re-quantizing loses almost nothing. The output layer (the tied
token embeddings, Q8_0 in that GGUF) is the exception: at 4 bits the model answered
"L'Étoile is the capital of France" where it had said Paris, so it gets 8-bit weights
(one scale per row, ``_weight_int8pack_mm``) instead. Activations run in bfloat16
inside the kernels and come back in the model's dtype. CPU only.

The int4 kernel wins on one row at a time (decoding) and loses on many: reading a
prompt of a few hundred tokens it is about three times slower than the float matrix
multiply, which is compute-bound there. ``keep_float=True`` (``model.quantize =
"int4_decode"``) keeps each layer's float weight too and uses it for inputs of more
than ``FLOAT_ROWS`` rows: the prompt is read at float speed, the answer decoded at int4
speed, for the float model's memory plus about an eighth.
"""

from __future__ import annotations

import torch

GROUP = 32
FLOAT_ROWS = 16  # with keep_float, more rows than this go to the float weights (measured crossover ~32)


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
