"""What every tab of the page shares: built once per process, used by every browser session."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any, Iterator

from assistant.chat.backends import chat_for
from assistant.checking.checker import Checker, make_checker
from assistant.ui.i18n import model_words, text
from assistant.ui.loading import LoadingModel
from core.config import CheckerConfig, ModelConfig
from core.errors import InputError, ModelError
from core.limits import LIMITS, Limits


@dataclass
class Services:
    # the dialogue model (assistant.chat.*, or a fake with .stream, .name, .generation), or a
    # LoadingModel on its way: ``chat`` is None until it has loaded (``loading`` says how far it is)
    chat: Any
    index: Any = None  # index.documents.DocumentIndex
    flag_log: Any = None  # assistant.flags.log.FlagLog
    checker_config: CheckerConfig = field(default_factory=CheckerConfig)
    checker: Any = None  # the configured checker; others are built on demand from the settings
    model_config: ModelConfig = field(default_factory=ModelConfig)  # what the model was loaded from
    limits: Limits = LIMITS  # what one request may ask (Config.limits())
    loading: LoadingModel | None = None
    _checkers: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.chat, LoadingModel):
            self.loading, self.chat = self.chat, None
            self.loading.when_loaded(self._loaded)

    def _loaded(self, chat) -> None:
        """The background load is done: every session answers with ``chat`` from now on."""
        checker = self.checker
        if checker is None and self.checker_config.verifier == "llm":  # the judge is the dialogue model

            checker = make_checker(self.checker_config, self.index, chat)
        with self._lock:
            self.chat, self.checker, self.loading = chat, checker, None

    @property
    def model_name(self) -> str:
        return self.loading.name if self.loading is not None else self.chat.name

    @property
    def generation(self):
        """The decoding defaults, known before the model has loaded."""
        return self.loading.generation if self.loading is not None else self.chat.generation

    def model_status(self, lang: str = "en") -> str:
        """The page's line about the model: which one and where, or how far its load has got (the
        load's own progress line as the loader wrote it)."""
        loading = self.loading
        if loading is not None:
            return text("model_loading_line", lang, name=model_words(loading.name, lang), status=loading.status())
        return text("model_line", lang, name=model_words(self.chat.name, lang), device=self.chat.loaded.device)

    def waiting_for_model(self, lang: str = "en") -> Iterator[str]:
        """Status lines, about a second apart, while the model loads; ends once it has (the load
        swaps it in before it says it is done). A failed load is a ModelError saying why."""
        while (loading := self.loading) is not None:
            if not loading.wait(1.0):
                yield text("waiting_for_model", lang, status=loading.status())
            elif loading.error is not None:
                raise ModelError(f"the model {loading.name} did not load: {loading.error}. Name another in "
                                 "Settings and press Load model.")

    def ready_chat(self):
        """The loaded model, or an InputError saying it is still on its way."""
        if self.chat is None:
            raise InputError(f"the model is still loading ({self.loading.status() if self.loading else 'not started'})")
        return self.chat

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
        return Checker(base.verifier, replace(base.cfg, support_threshold=support_threshold), self.index, base.reader)

    def switch_model(self, name: str, adapter: str = "", loader=None, progress=None, lang: str = "en") -> str:
        """Load another dialogue model (HF id, local path, .gguf, or a packaged name) for every session.

        The old one keeps answering until the new one has loaded; a model that fails to
        load leaves it in place (the error says why). ``progress`` hears each step (joining,
        converting, exporting: minutes the first time)."""

        name = (name or "").strip()
        if not name:
            raise InputError("name a model: a Hugging Face id, a local folder, a .gguf file, or a packaged one "
                             "(default, qwen2.5-coder-1.5b, smollm2)")
        if self.loading is not None and self.loading.error is None:
            raise InputError(f"the model {self.loading.name} is still loading ({self.loading.status()}); "
                             "load another once it is there")
        cfg = replace(self.model_config, name=name, adapter=(adapter or "").strip())
        chat = chat_for(cfg, self.generation, progress, loader=loader)  # openai: another model on the same server
        loaded = chat.loaded
        checker = self.checker
        if checker is not None and checker.verifier.name == "llm":  # the judge is the dialogue model: judge with the new one

            checker = make_checker(checker.cfg, self.index, chat)  # a ConfigError here keeps the old model
        with self._lock:
            self.chat, self.checker, self.model_config, self.loading = chat, checker, cfg, None  # a failed load's place too
            self._checkers.pop("llm", None)  # rebuilt on demand with the new model
        return text("model_switched", lang, name=model_words(self.chat.name, lang), device=loaded.device)
