"""The review tab: flagged statements, filtered; one at a time with its question, answer and evidence;
confirm (a hallucination), reject (a false alarm), or store a corrected answer.

Whose flags: with a login, a signed-in user sees and reviews the flags of their own
answers; a reviewer (``app.py --reviewer NAME``) sees everyone's. Questions can be private,
and a deployment names who may read them all. Without a login the page has one user, who
sees everything.

The suggested correction is prefilled with the answer minus its flagged statements
(``assistant.checking.repair.trim``, instant); *Regenerate* asks the model again under the
stricter grounded prompt and re-checks it (``assistant.checking.repair.suggest``). A
suggestion is stored only when a person saves it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from assistant.checking.adjacent import join_adjacent
from assistant.checking.checker import CheckReport, Evidence, Verdict
from assistant.checking.repair import suggest, trim
from assistant.checking.statements import Statement
from assistant.turn import is_withheld
from assistant.ui.highlight import report_html, text_html
from assistant.ui.i18n import text, text_n, verdict_name
from core.errors import InputError
from core.labels import CONTRADICTED, NOT_A_CLAIM, UNSUPPORTED

COLUMNS = ["id", "when", "verdict", "score", "statement", "question", "evidence from", "review", "count"]
VERDICTS = ("all", UNSUPPORTED, CONTRADICTED)
STATES = ("unreviewed", "reviewed", "all")


@dataclass(frozen=True)
class Viewer:
    """Who looks at the flags: ``user`` None (no login) or a reviewer sees all of them."""

    user: str | None = None
    reviewer: bool = False

    @property
    def sees_all(self) -> bool:
        return self.user is None or self.reviewer

    @property
    def session_prefix(self) -> str | None:
        return None if self.sees_all else f"web:{self.user}:"  # the sessions chat.session_id writes for them

    def check(self, turn) -> None:
        """An InputError unless this viewer may see ``turn``."""
        if self.session_prefix is not None and not (turn.session or "").startswith(self.session_prefix):
            raise InputError("that flag is on another user's answer; only reviewers (app.py --reviewer) see those")

    def check_all(self, what: str) -> None:
        """An InputError unless this viewer may act for everyone (see every user's data, change the model)."""
        if not self.sees_all:
            raise InputError(f"{what} concerns every user: with a login, only reviewers (app.py --reviewer) may do it")


def viewer(request, reviewers=()) -> Viewer:
    """The viewer of a page request (Gradio's signed-in ``username``, or None without a login)."""
    user = getattr(request, "username", None)
    return Viewer(user, user is not None and user in set(reviewers))


EVERYONE = Viewer()


@dataclass
class FlagView:
    statement_id: int
    turn_id: str
    question_html: str
    answer_html: str
    evidence_html: str
    suggestion: str
    status: str
    alike: int = 1  # this flag and the unreviewed ones alike it


def same_flag(s) -> tuple[str, str]:
    """What makes two flags alike: the verdict and the statement's words (case and blanks aside)."""
    return s.label, " ".join(s.text.lower().split())


def rows(flag_log, verdict: str = "all", state: str = "unreviewed", doc_id: str | None = None,
         who: Viewer = EVERYONE, grouped: bool = False) -> list[list]:
    """The flags ``who`` may see, as table rows, newest first. ``grouped``: one row for each set of
    alike flags (a looping answer says one wrong thing dozens of times), the newest one's, with
    how many there are and their review state (``mixed`` when they differ)."""
    if flag_log is None:
        return []
    if verdict not in VERDICTS or state not in STATES:
        raise InputError(f"unknown filter: verdict {verdict!r}, review state {state!r}")
    flags = flag_log.flags(label=None if verdict == "all" else verdict,
                           reviewed={"all": None, "reviewed": True, "unreviewed": False}[state],
                           doc_id=doc_id or None, session_prefix=who.session_prefix)
    groups: dict[tuple, list] = {}
    for s in reversed(flags):  # newest first; a group's first member is its newest
        groups.setdefault(same_flag(s) if grouped else (s.id,), []).append(s)
    headings = flag_log.turn_headings(s.turn_id for s in flags)
    out = []
    for members in groups.values():
        s = members[0]
        created_at, question = headings[s.turn_id]
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(created_at))
        decisions = {m.decision or "unreviewed" for m in members}
        out.append([s.id, stamp, s.label, round(s.score, 3) if s.score is not None else None, s.text, question,
                    s.evidence_title or "", decisions.pop() if len(decisions) == 1 else "mixed", len(members)])
    return out


def alike(flag_log, picked, who: Viewer = EVERYONE) -> list[int]:
    """The flags ``who`` may see that are alike ``picked`` (a logged statement) and not reviewed yet,
    its own id first."""
    waiting = flag_log.flags(label=picked.label, reviewed=False, session_prefix=who.session_prefix)
    return [picked.id] + [s.id for s in waiting if s.id != picked.id and same_flag(s) == same_flag(picked)]


def _statement(turn, statement_id: int):
    return next(s for s in turn.statements if s.id == statement_id)


def logged_report(turn):
    """The logged verdicts of ``turn`` as a CheckReport (no re-checking), for highlighting and trimming.
    A statement's evidence is found again in the logged passage it came from, so its span can be marked
    (or in overlapping passages of one document read as one, as the checker reads them: evidence across a
    chunk cut, ``checking/adjacent.py``)."""

    passages = [Evidence.from_logged(p) for p in turn.passages]
    joined = [p for p in join_adjacent(passages, lambda doc_id: None) if p not in passages]
    verdicts = []
    for s in turn.statements:
        source, span = None, None
        if s.evidence:
            for p in [*passages, *joined]:
                at = p.text.find(s.evidence) if p.doc_id == s.evidence_doc_id else -1
                if at >= 0:
                    source, span = p, (at, at + len(s.evidence))
                    break
        if source is None and (s.evidence_title or s.evidence_doc_id):
            source = Evidence("", s.evidence_title or "", s.evidence_doc_id, s.evidence_page)
        statement = Statement(s.text, s.start, s.end, s.claim, "claim" if s.label != NOT_A_CLAIM else NOT_A_CLAIM,
                              s.reason)
        verdicts.append(Verdict(statement, s.label, s.score, tuple(s.probs) if s.probs else None, s.evidence,
                                source, span, s.unnamed, s.elsewhere))
    return CheckReport(turn.answer, turn.question, verdicts, turn.verifier or "", turn.verifier_version or "",
                       turn.check_seconds or 0.0, threshold=turn.threshold)


def view(flag_log, statement_id, who: Viewer = EVERYONE, lang: str = "en") -> FlagView:
    """Everything the reviewer needs about one flagged statement, the page's words in ``lang``."""

    if flag_log is None:
        raise InputError("there is no flag log")
    try:
        statement_id = int(statement_id)
    except (TypeError, ValueError):
        raise InputError(text("pick_a_flag_got", lang, value=repr(statement_id))) from None
    turn = flag_log.turn_of(statement_id)
    who.check(turn)
    flagged = _statement(turn, statement_id)
    report = logged_report(turn)
    where = text_html(flagged.evidence_title or text("no_document", lang))
    if flagged.evidence_page is not None:
        where += text("page", lang, page=flagged.evidence_page)
    score = f"{flagged.score:.2f}" if flagged.score is not None else "n/a"
    found = text_html(flagged.evidence) if flagged.evidence else f"<em>{text('none_found', lang)}</em>"
    evidence = text("flag_evidence", lang, label=text_html(verdict_name(flagged.label, lang)), score=score,
                    statement=text_html(flagged.text), where=where, evidence=found)
    if flagged.unnamed:
        evidence += f"<p><small>{text_html(text('unnamed_topic', lang, topic=flagged.unnamed))}</small></p>"
    if flagged.elsewhere:
        evidence += f"<p><small>{text_html(text('answered_elsewhere', lang, place=flagged.elsewhere))}</small></p>"
    status = (text("reviewed_as", lang, decision=verdict_name(flagged.decision, lang))
              + (text("with_note", lang, note=text_html(flagged.note)) if flagged.note else "")
              if flagged.decision else text("not_reviewed_yet", lang))
    if turn.correction:
        status += text("correction_stored", lang, origin=turn.correction_origin)
    if is_withheld(turn.finish_reason):
        status += text("was_withheld", lang)
    same = len(alike(flag_log, flagged, who))
    if same > 1:
        status += text_n("alike_waiting", same - 1, lang)
    return FlagView(statement_id, turn.id, text("question_heading", lang, question=text_html(turn.question)),
                    report_html(turn.answer, report, style=False, lang=lang), evidence, turn.correction or trim(report),
                    status, same)


def decide(flag_log, statement_id, decision: str, correction: str = "", note: str = "",
           who: Viewer = EVERYONE, suggested: str = "", lang: str = "en") -> str:
    """Confirm or reject a flag; a correction different from the untouched suggestion is stored as the person's."""
    if decision not in ("confirmed", "rejected"):
        raise InputError(f"a review is confirmed or rejected, not {decision!r}")
    if statement_id in (None, ""):
        raise InputError(text("pick_a_flag_first", lang))
    who.check(flag_log.turn_of(int(statement_id)))
    corrected = (correction or "").strip() if decision == "confirmed" else ""
    origin = "suggestion" if corrected and corrected == (suggested or "").strip() else "person"
    flag_log.review(int(statement_id), decision, note=note.strip() or None, correction=corrected or None,
                    origin=origin, reviewer=who.user)  # the decision and the correction in one transaction
    return text("decided_corrected" if corrected else "decided", lang, id=statement_id,
                decision=verdict_name(decision, lang))


def decide_alike(flag_log, statement_id, decision: str, note: str = "", who: Viewer = EVERYONE,
                 lang: str = "en") -> str:
    """Confirm or reject a flag and every unreviewed flag alike it, in one transaction (no correction:
    a correction is one answer's)."""
    if statement_id in (None, ""):
        raise InputError(text("pick_a_flag_first", lang))
    statement_id = int(statement_id)
    turn = flag_log.turn_of(statement_id)
    who.check(turn)
    ids = alike(flag_log, _statement(turn, statement_id), who)
    flag_log.review_many(ids, decision, note=note.strip() or None, reviewer=who.user)  # refuses another decision
    return text_n("decided_alike", len(ids), lang, id=statement_id, decision=verdict_name(decision, lang))


def regenerate(services, statement_id, who: Viewer = EVERYONE) -> str:
    """A suggestion from the model under the stricter prompt, if it checks better than the trimmed answer."""

    checker = services.checker_for()
    if checker is None:
        raise InputError("no checker is configured, so a regenerated answer cannot be re-checked")
    turn = services.flag_log.turn_of(int(statement_id))
    who.check(turn)
    passages = [Evidence.from_logged(p) for p in turn.passages]
    report = checker.check_answer(turn.answer, turn.question, passages)
    suggestion = suggest(checker, report, passages, services.ready_chat())
    return suggestion.text if suggestion is not None else turn.answer
