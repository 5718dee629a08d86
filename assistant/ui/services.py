"""What every tab of the page shares: built once per process, used by every browser session."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.chat.backends import chat_for
from assistant.checking.checker import Checker, make_checker
from core.config import CheckerConfig, ModelConfig
from core.errors import InputError
from core.limits import LIMITS, Limits


@dataclass
class Services:
    chat: Any  # assistant.chat.transformers.TransformersChat (or a fake with .stream, .name, .generation)
    index: Any = None  # index.documents.DocumentIndex
    flag_log: Any = None  # assistant.flags.log.FlagLog
    checker_config: CheckerConfig = field(default_factory=CheckerConfig)
    checker: Any = None  # the configured checker; others are built on demand from the settings
    model_config: ModelConfig = field(default_factory=ModelConfig)  # what the model was loaded from
    limits: Limits = LIMITS  # what one request may ask (Config.limits())
    _checkers: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def checker_for(self, verifier: str | None = None, support_threshold: float | None = None):
        """The checker for these settings (None: the configured ones); one per setting, shared by sessions.

        Changing only the threshold reuses the loaded verifier."""

        if self.checker is None and verifier is None:
            return None
        name = verifier or (self.checker.verifier.name if self.checker else self.checker_config.verifier)
        with self._lock:
            base = self._checkers.get(name)
            if base is None:
                if self.checker is not None and self.checker.verifier.name == name:
                    base = self.checker
                else:
                    base = make_checker(replace(self.checker_config, verifier=name), self.index, self.chat)
                self._checkers[name] = base
        if support_threshold is None:
            return base
        return Checker(base.verifier, replace(base.cfg, support_threshold=support_threshold), self.index)

    def switch_model(self, name: str, adapter: str = "", loader=None, progress=None) -> str:
        """Load another dialogue model (HF id, local path, .gguf, or a packaged name) for every session.

        The old one keeps answering until the new one has loaded; a model that fails to
        load leaves it in place (the error says why). ``progress`` hears each step (joining,
        converting, exporting: minutes the first time)."""

        name = (name or "").strip()
        if not name:
            raise InputError("name a model: a Hugging Face id, a local folder, a .gguf file, or a packaged one "
                             "(default, qwen2.5-coder-1.5b, smollm2)")
        cfg = replace(self.model_config, name=name, adapter=(adapter or "").strip())
        chat = chat_for(cfg, self.chat.generation, progress, loader=loader)  # openai: another model on the same server
        loaded = chat.loaded
        checker = self.checker
        if checker is not None and checker.verifier.name == "llm":  # the judge is the dialogue model: judge with the new one

            checker = make_checker(checker.cfg, self.index, chat)  # a ConfigError here keeps the old model
        with self._lock:
            self.chat, self.checker, self.model_config = chat, checker, cfg
            self._checkers.pop("llm", None)  # rebuilt on demand with the new model
        return f"Now answering with `{self.chat.name}` on `{loaded.device}` (for every session)."
