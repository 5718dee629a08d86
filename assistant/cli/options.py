"""What every command shares: the common and decoding options, settings from them, progress lines."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from core.config import load_config, parse_assignment
from core.errors import ConfigError
from core.progress import Progress
from index import documents

# flag dest -> config key
FLAG_KEYS = {
    "model": "model.name",
    "adapter": "model.adapter",
    "device": "model.device",
    "dtype": "model.dtype",
    "threads": "model.threads",
    "max_new_tokens": "generation.max_new_tokens",
    "temperature": "generation.temperature",
    "top_p": "generation.top_p",
    "top_k": "generation.top_k",
    "repetition_penalty": "generation.repetition_penalty",
    "seed": "generation.seed",
    "do_sample": "generation.do_sample",
}

MODEL_OPTIONS = [  # flag, help; each sets its FLAG_KEYS setting
    ("--model", "model: smollm2 (packaged), a Hugging Face id, a directory or a .gguf file"),
    ("--adapter", "a LoRA adapter to merge in: a name under <home>/adapters, or a folder"),
    ("--device", "auto, cpu, cuda, cuda:N or mps"),
    ("--dtype", "auto, float32, bfloat16 or float16"),
    ("--threads", "CPU threads for torch (0 = default)"),
]
SAMPLING_OPTIONS = [
    ("--temperature", "sampling temperature"),
    ("--top-p", "nucleus sampling mass"),
    ("--top-k", "sample among the k likeliest tokens (0 = all)"),
    ("--repetition-penalty", "> 1 discourages repetition"),
    ("--seed", "random seed for sampling"),
]


def add_common_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("common options")
    g.add_argument("--home", metavar="DIR", help="data directory (default: $ASSISTANT_HOME or a per-user data dir)")
    g.add_argument("--config", metavar="FILE", help="settings file (default: config.toml in the data home)")
    g.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="any setting, e.g. --set generation.top_k=20 (repeatable)")
    for flag, text in MODEL_OPTIONS:
        g.add_argument(flag, help=text)
    g.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    g.add_argument("-v", "--verbose", action="store_true", help="log details (device choice, timings)")
    g.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")


def add_decoding_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("decoding")
    g.add_argument("--max-new-tokens", help="most tokens in an answer")
    mode = g.add_mutually_exclusive_group()
    mode.add_argument("--sample", dest="do_sample", action="store_const", const="true", help="sample")
    mode.add_argument("--greedy", dest="do_sample", action="store_const", const="false",
                      help="greedy decoding (deterministic; the default)")
    for flag, text in SAMPLING_OPTIONS:
        g.add_argument(flag, help=text)


def config_from_args(args: argparse.Namespace):
    if args.home:
        os.environ["ASSISTANT_HOME"] = args.home
    overrides: dict[str, Any] = dict(parse_assignment(s) for s in args.settings)
    for dest, key in FLAG_KEYS.items():
        value = getattr(args, dest, None)
        if value is not None:
            overrides[key] = value
    file: Any = True
    if args.config:
        from pathlib import Path

        file = Path(args.config).expanduser()
        if not file.is_file():
            raise ConfigError(f"config file not found: {args.config}")
    return load_config(overrides, file=file)


def progress_printer(args: argparse.Namespace) -> Progress:
    if args.quiet:
        return lambda message: None
    return lambda message: print(f"[assistant] {message}", file=sys.stderr, flush=True)


def open_index(config):
    return documents.open_index(config)
