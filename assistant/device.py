"""Choose the torch device and dtype once, and say which."""

from __future__ import annotations

import logging

from .errors import ConfigError

log = logging.getLogger(__name__)


def choose_device(preference: str = "auto"):
    """``auto`` means cuda, then mps, then cpu. An explicit choice must be available."""
    import torch

    if preference == "auto":
        if torch.cuda.is_available():
            device = torch.device("cuda")
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            device = torch.device("mps")
        else:
            device = torch.device("cpu")
    else:
        device = torch.device(preference)
        if device.type == "cuda":
            if not torch.cuda.is_available():
                raise ConfigError(f"model.device is {preference!r} but CUDA is not available on this machine")
            if device.index is not None and device.index >= torch.cuda.device_count():
                raise ConfigError(f"model.device is {preference!r} but there are only "
                                  f"{torch.cuda.device_count()} CUDA devices")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise ConfigError(f"model.device is {preference!r} but MPS is not available on this machine")
    log.info("device: %s (asked for %s)", device, preference)
    return device


def choose_dtype(preference: str, device):
    """``auto``: bfloat16 on GPUs that support it, float16 on other GPUs and MPS, float32 on CPU."""
    import torch

    if preference != "auto":
        return getattr(torch, preference)
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


def set_threads(threads: int) -> None:
    """Set torch's CPU thread count (0 keeps torch's default)."""
    if threads:
        import torch

        torch.set_num_threads(threads)
