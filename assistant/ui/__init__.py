"""The browser app: ``page`` builds it and wires each tab's events to its handlers, which live one
module per tab; ``app.py`` only launches it.

``page`` (the Blocks, one builder per tab), ``errors`` (user errors as a toast), ``services``
(model, index, checkers, flag log, built once and shared), ``chat``, ``documents``, ``review``,
``exports``, ``dashboard`` (queries in ``assistant/flags/stats.py``) and ``highlight`` (an answer
as escaped HTML marked by verdict). Handlers are plain functions over plain values, so they are
tested without a browser; anything shown in the page that came from a document or an answer is
escaped here, never by the caller.
"""
