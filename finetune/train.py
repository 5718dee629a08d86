"""Train a LoRA adapter on the exports (SFT or DPO, with TRL), saved under the data home.

    python -m finetune.train --method sft --data sft.jsonl --name grounded-v1 [--base default|smollm2|MODEL]
                             [--epochs 1] [--max-steps N] [--lr 2e-4] [--rank 16] [--batch-size 4]
                             [--top-layers N] [--targets all-linear|q_proj,v_proj,...] [--dtype bfloat16]
    accelerate launch -m finetune.train ...     # the same on one or many GPUs
    torchrun --nproc_per_node 4 -m finetune.train ...

Launched by ``accelerate launch`` or ``torchrun`` it runs unchanged as data-parallel processes
(on CPU too, over gloo); only process 0 writes the adapter. ``--data`` is an ``assistant flags
export`` file (``sft`` or ``dpo``) whose ``"split": "train"`` rows are used. SFT trains prompt ->
completion (loss on the answer only); DPO's reference is the base with the adapter off.
``--top-layers N`` puts the LoRA weights in the last N decoder layers only: the backward pass then
stops there, which is what makes a 1.5B model trainable on a CPU in one sitting (with ``--dtype
bfloat16`` on a CPU with bfloat16 instructions).
The adapter and ``adapter_card.json`` (base, data, settings, losses) go to
``<data home>/adapters/<name>``; ``--adapter <name>`` (or ``model.adapter``) loads the base with
it merged in.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from core.atomic import replace_folder
from core.config import ModelConfig
from core.errors import EXIT_OK, AssistantError, InputError
from core.home import subdir


@dataclass
class TrainReport:
    name: str
    path: Path
    method: str
    rows: int
    steps: int
    seconds: float
    first_loss: float | None
    last_loss: float | None


def load_rows(path: Path, method: str):
    """The training split of an export, in the shape the TRL trainer for ``method`` wants."""
    from datasets import load_dataset

    if not path.is_file():
        raise InputError(f"no export file {path}; write one with `assistant flags export --format {method}`")
    data = load_dataset("json", data_files=str(path), split="train")
    need = {"sft": {"messages"}, "dpo": {"prompt", "chosen", "rejected"}}[method]
    if not need <= set(data.column_names):
        raise InputError(f"{path} is not a {method} export: it has columns {sorted(data.column_names)}, "
                         f"expected {sorted(need)}")
    if "split" in data.column_names:
        data = data.filter(lambda row: row["split"] == "train")
    data = data.remove_columns([c for c in ("turn_id", "split") if c in data.column_names])
    if method == "sft":  # prompt -> completion: TRL then computes the loss on the answer only
        data = data.map(lambda row: {"prompt": row["messages"][:-1], "completion": row["messages"][-1:]},
                        remove_columns=["messages"])
    if len(data) == 0:
        raise InputError(f"{path} has no training rows (all held out, or empty)")
    return data


def train(method: str, data_path: Path, name: str, base: str = "default", epochs: float = 1.0,
          max_steps: int = -1, lr: float = 2e-4, rank: int = 16, batch_size: int = 4, max_length: int = 1024,
          seed: int = 13, out_root: Path | None = None, log=print, top_layers: int = 0,
          targets: str = "all-linear", dtype: str = "") -> TrainReport:
    import torch
    from peft import LoraConfig
    from trl import DPOConfig, DPOTrainer, SFTConfig, SFTTrainer

    from assistant.chat.model import load_model

    data = load_rows(data_path, method)
    dtype = dtype or ("float32" if not torch.cuda.is_available() else "auto")
    loaded = load_model(ModelConfig(name=base, dtype=dtype), log)
    model, tokenizer = loaded.model, loaded.tokenizer
    model.train()
    layers = getattr(model.config, "num_hidden_layers", 0)
    if top_layers and not 0 < top_layers <= layers:
        raise InputError(f"--top-layers {top_layers}: the model has {layers} layers")
    if targets == "all-linear" and top_layers:  # peft takes layers_to_transform with module names only
        modules = sorted({name.rsplit(".", 1)[-1] for name, module in model.named_modules()
                          if isinstance(module, torch.nn.Linear) and ".layers." in name})
    else:
        modules = targets if targets == "all-linear" else targets.split(",")
    lora = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.05, target_modules=modules,
                      layers_to_transform=list(range(layers - top_layers, layers)) if top_layers else None,
                      task_type="CAUSAL_LM")
    scratch = tempfile.mkdtemp(prefix="assistant-train-")  # the trainer's output_dir: nothing is saved there
    common = dict(output_dir=scratch, num_train_epochs=epochs,
                  max_steps=max_steps, learning_rate=lr, per_device_train_batch_size=batch_size,
                  gradient_accumulation_steps=1, logging_steps=1, save_strategy="no", report_to="none",
                  seed=seed, max_length=max_length, gradient_checkpointing=False,
                  use_cpu=not torch.cuda.is_available(), bf16=loaded.dtype == torch.bfloat16)
    start = time.perf_counter()
    if method == "sft":
        trainer = SFTTrainer(model=model, args=SFTConfig(**common), train_dataset=data, processing_class=tokenizer,
                             peft_config=lora)
    else:
        trainer = DPOTrainer(model=model, args=DPOConfig(beta=0.1, **common), train_dataset=data,
                             processing_class=tokenizer, peft_config=lora)
    try:
        result = trainer.train()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    seconds = time.perf_counter() - start
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    out = (out_root or subdir("adapters")) / name
    report = TrainReport(name, out, method, len(data), int(result.global_step), seconds,
                         losses[0] if losses else None, losses[-1] if losses else None)
    if trainer.is_world_process_zero():

        card = {
            "base_model": loaded.name, "method": method, "data": str(data_path), "rows": len(data),
            "settings": {"epochs": epochs, "max_steps": max_steps, "lr": lr, "rank": rank, "batch_size": batch_size,
                         "max_length": max_length, "seed": seed, "top_layers": top_layers, "targets": targets,
                         "dtype": dtype},
            "steps": report.steps, "processes": trainer.args.world_size, "seconds": seconds, "losses": losses, "created_at": time.time(),
        }

        def write(folder: Path) -> None:
            trainer.model.save_pretrained(folder)
            (folder / "adapter_card.json").write_text(json.dumps(card, indent=2) + "\n")

        replace_folder(out, write)  # an adapter folder is complete (old or new), never half written
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=["sft", "dpo"], default="sft")
    parser.add_argument("--data", required=True, help="an export from `assistant flags export`")
    parser.add_argument("--name", required=True, help="adapter name (folder under <data home>/adapters)")
    parser.add_argument("--base", default="default", help="base model, as model.name: the model the adapter will be "
                        "loaded with (default: the default dialogue model; smollm2 trains in minutes on a CPU)")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--max-steps", type=int, default=-1, help="stop after this many steps (-1: epochs decide)")
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--top-layers", type=int, default=0, help="LoRA in the last N decoder layers only (0: all)")
    parser.add_argument("--targets", default="all-linear", help="the modules LoRA adapts: all-linear, or names, "
                        "comma-separated (q_proj,v_proj)")
    parser.add_argument("--dtype", default="", help="the weights' type while training (default: float32 on a CPU, "
                        "the model's own on a GPU); bfloat16 halves a CPU's time where it has bfloat16 instructions")
    args = parser.parse_args(argv)

    try:
        report = train(args.method, Path(args.data), args.name, args.base, args.epochs, args.max_steps, args.lr,
                       args.rank, args.batch_size, args.max_length, args.seed,
                       log=lambda m: print(f"[train] {m}", file=sys.stderr, flush=True), top_layers=args.top_layers,
                       targets=args.targets, dtype=args.dtype)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    print(f"adapter {report.name}: {report.method}, {report.rows} rows, {report.steps} steps in "
          f"{report.seconds:.0f} s, loss {report.first_loss} -> {report.last_loss}; saved to {report.path}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
