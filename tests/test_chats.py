"""Past chats (issue 24): saved per user with the first answer, listed, reopened as they were shown,
continued, renamed and deleted; nobody touches another user's."""

from html import unescape

import pytest

from assistant.flags import chats
from assistant.flags.log import FlagLog
from assistant.ui.chat import Conversation, reopen, respond
from core.errors import InputError
from tests.test_ui_chat import checked_services


def test_a_chat_is_saved_with_its_first_answer_reopened_as_shown_and_continued(doc_index, tmp_path):
    services = checked_services(doc_index, tmp_path, ["The head office is in Bergen [1]. ", "It has 9 staff."])
    *_, (shown, conversation, _) = respond(services, "Where is the head office?", Conversation(), owner="ann")
    [chat] = chats.listed(services.flag_log, "ann")
    assert chat.id == conversation.chat_id and chat.title == "Where is the head office?" and chat.turns == 1
    assert chats.listed(services.flag_log, "bob") == [] and chats.listed(services.flag_log, None) == []

    again = reopen(services, chat.id, "ann")
    assert again.messages == conversation.messages and again.turn_ids == conversation.turn_ids
    assert [m["role"] for m in again.shown] == ["user", "assistant"]
    html = again.shown[-1]["content"]  # the logged verdicts, marked as they were, sources and evidence spans too
    assert 'class="v-supported"' in html and 'class="v-unsupported"' in html and "ev-supported" in html
    assert "Acme" in unescape(html)
    threshold = services.checker.support_threshold  # what the scores meant, said as when it was answered
    assert f"a statement is supported from {threshold:.2f}" in unescape(html) == unescape(shown[-1]["content"])

    *_, (_, continued, _) = respond(services, "And how many staff?", again, owner="ann")
    assert continued.chat_id == chat.id and len(continued.turn_ids) == 2
    assert chats.listed(services.flag_log, "ann")[0].turns == 2
    messages, _ = services.chat.seen[-1]
    assert messages[-2]["content"] == "The head office is in Bergen [1]. It has 9 staff."  # the history went on

    with pytest.raises(InputError, match="another user's"):
        reopen(services, chat.id, "bob")


def test_rename_and_delete_keep_to_their_owner_and_keep_the_answers(database, tmp_path):
    log = FlagLog(database or tmp_path / "log.sqlite")
    mine = chats.start(log, "ann", "  What   is the policy on\nholidays?  ")
    theirs = chats.start(log, "bob", "x" * 200)
    assert chats.listed(log, "ann")[0].title == "What is the policy on holidays?"
    assert len(chats.listed(log, "bob")[0].title) <= chats.TITLE_CHARS + 3
    turn = log.log_turn(session="web:ann:1", question="q", answer="a", model="m", generation={}, chat_id=mine)
    assert chats.rename(log, mine, " Holidays ", "ann") == "Holidays"
    with pytest.raises(InputError, match="another user's"):
        chats.rename(log, theirs, "mine now", "ann")
    with pytest.raises(InputError, match="give the chat a title"):
        chats.rename(log, mine, "   ", "ann")
    with pytest.raises(InputError, match="another user's"):
        chats.delete(log, theirs, "ann")
    chats.delete(log, mine, "ann")
    assert chats.listed(log, "ann") == [] and [c.id for c in chats.listed(log, "bob")] == [theirs]
    assert log.turn(turn).answer == "a" and log.turn(turn).chat_id is None  # the answer stays for review


def test_a_reopened_chat_still_says_an_answer_was_stopped_before_it_was_withheld(doc_index, tmp_path):
    """The page said "You stopped the answer here" above the withheld answer; the log kept only
    "withheld", so the reopened chat lost the stop."""
    from assistant.turn import WITHHELD_STOPPED
    from assistant.ui.chat import Stops
    from tests.test_ui_chat import EndlessChat

    class Unsupported(EndlessChat):
        first = "The canteen serves fish on Fridays. "

    services = checked_services(doc_index, tmp_path, None)
    services.chat = Unsupported()
    stops = Stops()
    event = stops.start("web:tab1")
    streamed = 0
    for shown, conversation, status in respond(services, "Where is the head office?", Conversation(), owner="ann",
                                               session="web:tab1", stop=event):
        if status == "answering..." and shown[-1]["content"]:
            streamed += 1
            if streamed == 3:
                stops.stop("web:tab1")
    assert "withheld" in status
    (turn_id,) = services.flag_log.turn_ids()
    assert services.flag_log.turn(turn_id).finish_reason == WITHHELD_STOPPED
    again = reopen(services, conversation.chat_id, "ann")
    for html in (unescape(shown[-1]["content"]), unescape(again.shown[-1]["content"])):
        assert "You stopped the answer here" in html and "I have no answer that these documents support." in html
    assert again.messages == conversation.messages  # the refusal, as later turns saw it
    assert "fish" not in again.messages[-1]["content"]
