"""The chat model a config names, by its backend: transformers here, ONNX Runtime GenAI, or an
OpenAI-compatible server. Each backend's module is imported only when chosen.
"""

from __future__ import annotations

from core.config import Config, GenerationConfig
from core.progress import Progress


def load_chat_model(config: Config, progress: Progress | None = None):
    """The model ``config.model`` names, with ``config.generation`` as decoding defaults: loaded here
    (a :class:`ChatModel`; with ``model.backend = "onnx"`` an ``assistant.chat.onnx.OnnxChat``), or, with
    ``model.backend = "openai"``, a server's (``assistant.chat.openai.RemoteChat``)."""
    return chat_for(config.model, config.generation, progress)


def chat_for(cfg, generation: GenerationConfig | None = None, progress: Progress | None = None,
             loader=None):
    """The chat model for a :class:`~core.config.ModelConfig`, by its backend (``loader``
    replaces :func:`assistant.chat.model.load_model` for the transformers backend, in tests). ``auto``
    settings are decided here (:meth:`~core.config.ModelConfig.resolved`)."""
    cfg = cfg.resolved()
    if cfg.backend == "openai":
        from assistant.chat.openai import RemoteChat

        return RemoteChat(cfg, generation)
    if cfg.backend == "onnx":
        from assistant.chat.onnx import load_onnx_chat

        return load_onnx_chat(cfg, generation, progress)
    from assistant.chat.model import load_model
    from assistant.chat.transformers import TransformersChat

    return TransformersChat(loader(cfg) if loader else load_model(cfg, progress), generation)
