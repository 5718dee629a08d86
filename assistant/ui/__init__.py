"""The browser app: ``page`` builds it and wires each tab's events to its handlers, which live one
module per tab; ``app.py`` only launches it.

- ``page``: the Blocks, one builder per tab; ``errors``: user errors shown as a toast;
- ``services``: what every tab shares (model, index, checkers, flag log), built once;
- ``chat``: ask, stream, check, highlight, log; retry, clear, thumbs up / down;
- ``documents``: upload many files, list, delete;
- ``review``: flagged statements, filters, confirm / reject / correct;
- ``exports``: SFT / DPO / KTO / NLI files to download;
- ``dashboard``: hallucination rate over time, flags by document, verdict mix (queries in
  ``assistant/flags/stats.py``);
- ``highlight``: an answer as escaped HTML marked by verdict.

Handlers are plain functions over plain values (strings, lists, dataclasses), so
they are tested without a browser; anything shown in the page that came from a
document or an answer is escaped here, never by the caller.
"""
