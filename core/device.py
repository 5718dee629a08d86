"""Choose the torch device and dtype once, and say which; run torch work in threads of its own."""

from __future__ import annotations

import functools
import logging
import threading
from typing import Callable, TypeVar

from core.errors import ConfigError

log = logging.getLogger(__name__)
T = TypeVar("T")
_inside = threading.local()


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


PRECISIONS = ("auto", "float32", "bfloat16")


def encoder_autocast(precision: str, device):
    """The context an encoder's forward pass runs in (the checker's verifiers and reader).

    ``auto``: bfloat16 matrix products (torch autocast: layer norms and softmax stay float32) on a
    CPU with native bfloat16 instructions (AVX512-BF16 or AMX), where the checks run about 1.5x as
    fast with scores within 0.02 of float32's (``python bench/check.py``, which measures both;
    README, Benchmarks); float32 on other CPUs, which would emulate bfloat16 slowly,
    and on GPUs. ``float32`` or ``bfloat16`` force one."""
    import contextlib

    import torch

    if resolved_precision(precision, device) == "float32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def resolved_precision(precision: str, device=None) -> str:
    """``float32`` or ``bfloat16``: what ``precision`` (``PRECISIONS``) means on ``device`` (a torch
    device; default the CPU), as :func:`encoder_autocast` reads it."""
    import torch

    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision != "auto":
        return precision
    cpu = device is None or device.type == "cpu"
    native = cpu and (torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    return "bfloat16" if native else "float32"


def set_threads(threads: int) -> None:
    """Set torch's CPU thread count (0 keeps torch's default)."""
    if threads:
        import torch

        torch.set_num_threads(threads)


MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # glibc's mallopt parameter


def cap_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Let glibc's malloc keep at most ``arenas`` arenas in this process; True if it took.

    glibc gives a thread that allocates while the others hold their arenas one of its own, up to 8
    per core, and keeps what it freed there. A server runs each batch of the checker and embedder in
    a thread of its own (:func:`own_thread`), many at once, and its memory grew with them: 20 browser
    sessions at once, three waves, took the page's process to 3.7-5.0 GB (a third wave adding
    250-1,280 MB), and with two arenas to 1.76 GB (adding 20-50 MB), as fast (``tests/test_load.py``,
    ``python bench/load.py``). Called by the servers (``app.serve``, ``assistant serve``) before their
    threads start. A ``MALLOC_ARENA_MAX`` already in the environment is left to decide; a C library
    other than glibc is left alone."""
    import ctypes
    import os

    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): its own allocator
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas))


def own_thread(fn: Callable[..., T]) -> Callable[..., T]:
    """Run ``fn`` in a thread that ends when it returns: its result is returned, its error raised.

    torch's CPU ops are OpenMP (libgomp), and every thread that runs a parallel op keeps an
    OpenMP team (itself plus ``threads - 1`` workers) for as long as it lives. Once all teams'
    workers outnumber the CPUs, libgomp puts idle workers to sleep at once instead of letting
    them spin, and every parallel region pays to wake them: a 0.1 ms kernel, like the int4
    matrix-vector product of a decoding step, loses its parallel speed-up (``python
    bench/experiments/omp_teams.py``; README, Benchmarks). So model loads and the embedder's and
    verifier's batches run here, and a team lives only while its work runs; generation already
    runs in a thread of its own. Nested calls run inline.
    """
    @functools.wraps(fn)
    def run(*args, **kwargs) -> T:
        if getattr(_inside, "active", False):
            return fn(*args, **kwargs)
        box: dict = {}

        def work() -> None:
            _inside.active = True
            try:
                box["result"] = fn(*args, **kwargs)
            except BaseException as err:  # handed to the caller, raised there
                box["error"] = err

        worker = threading.Thread(target=work, name=f"torch:{fn.__name__}", daemon=True)
        worker.start()
        worker.join()
        if "error" in box:
            raise box["error"]
        return box["result"]

    return run
