"""A chat assistant whose answers are checked against evidence.

Pipeline (one module each): ``config`` -> ``model`` (find and load) ->
``prompt`` (plain or grounded messages) -> ``generate`` (streaming) ->
``cli`` / ``web`` (the edges). Retrieval lives in the ``index`` package,
training and evaluation in ``finetune``.
"""

__version__ = "0.1.0"
