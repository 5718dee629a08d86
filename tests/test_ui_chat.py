"""The chat tab's handlers without a browser (a fake model), and the page over HTTP."""

import socket
from html import unescape
from types import SimpleNamespace

import gradio as gr
import pytest

from assistant.flags.log import FlagLog
from assistant.ui.chat import Conversation, Settings, feedback, respond, retry, session_id, text_of
from assistant.ui.services import Services
from core.config import GenerationConfig, ModelConfig
from core.errors import InputError


class FakeChat:
    """Deterministic stand-in: answers with fixed pieces (or echoes the question), records what it saw."""

    name, generation, loaded = "fake", GenerationConfig(), SimpleNamespace(device="cpu")

    def __init__(self, pieces=None, error=None):
        self.pieces, self.error, self.seen = pieces, error, []

    def stream(self, messages, generation=None, stop=None, refusal=None):
        self.seen.append((messages, generation))
        yield from self.pieces or ["You ", "asked: ", messages[-1]["content"]]
        if self.error:
            raise self.error

    def with_generation(self, **changes):
        return GenerationConfig(**changes)


def checked_services(doc_index, tmp_path, pieces):
    from assistant.checking.checker import Checker
    from tests.test_checker import FakeVerifier

    (tmp_path / "acme.md").write_text("# Acme\n\nThe head office is in Bergen.")
    doc_index.add([tmp_path / "acme.md"])
    checker = Checker(FakeVerifier())
    return Services(FakeChat(pieces), doc_index, FlagLog(tmp_path / "log.sqlite"), checker=checker)


def test_text_of_handles_strings_and_typed_parts():
    assert text_of("a") == "a"
    assert text_of([{"type": "text", "text": "a"}, {"type": "file", "path": "x"}, "b"]) == "ab"
    assert text_of(None) == ""


def test_respond_streams_then_checks_highlights_and_logs(doc_index, tmp_path):
    services = checked_services(doc_index, tmp_path, ["The head office is in Bergen [1]. ", "It has 9 staff."])
    out = list(respond(services, "Where is the head office?", Conversation(), session="web:abc"))
    statuses = [status for _, _, status in out]
    assert statuses[0] == "answering..." and "checking 2 statements..." in statuses
    streamed = [unescape(shown[-1]["content"]) for shown, _, status in out if status == "answering..."]
    assert "The head office is in Bergen [1]. " in streamed  # the answer grew in place
    final, conversation, status = out[-1]
    html = final[-1]["content"]
    assert 'class="v-supported"' in html and 'class="v-unsupported"' in html and "\u2714 supported" in html
    assert '<span class="citation">[1]</span> Acme' in unescape(html) and "<b>Sources</b>" in html
    # the source opens on its passage, with the evidence the check found in it marked
    assert '<details class="source source-1">' in html
    assert '<mark class="evidence-span ev-supported"' in html and "Bergen" in unescape(html.split("<mark")[1])
    assert '<span class="cite-ref cite-1"' in html  # the answer's "[1]" opens it
    assert status.startswith("Checked by fake") and "1 supported, 1 unsupported" in status
    assert conversation.messages == [{"role": "user", "content": "Where is the head office?"},
                                     {"role": "assistant", "content": "The head office is in Bergen [1]. It has 9 staff."}]
    (turn_id,) = services.flag_log.turn_ids()
    assert conversation.turn_ids == [turn_id]
    turn = services.flag_log.turn(turn_id)
    assert turn.session == "web:abc" and [s.label for s in turn.statements] == ["supported", "unsupported"]


def test_the_model_sees_earlier_turns_as_plain_text_not_html(doc_index, tmp_path):
    services = checked_services(doc_index, tmp_path, ["The head office is in Bergen [1]."])
    *_, (shown, conversation, _) = respond(services, "Where?", Conversation())
    list(respond(services, "And then?", conversation))
    messages, _ = services.chat.seen[-1]
    assert messages[-2] == {"role": "assistant", "content": "The head office is in Bergen [1]."}


def test_html_in_questions_and_answers_is_shown_as_text():
    services = Services(FakeChat(['<img src=x onerror="alert(1)">', "<script>alert(2)</script>"]))
    out = list(respond(services, "<b>hi</b><script>alert(3)</script>", Conversation()))
    for shown, _, _ in out:
        for message in shown:
            assert "<script" not in message["content"] and "<img" not in message["content"]
            assert "<b>" not in message["content"]
    assert "<script>alert(2)</script>" in unescape(out[-1][0][-1]["content"])  # shown as text


def test_settings_reach_the_model_and_bad_settings_are_refused():
    chat = FakeChat()
    list(respond(Services(chat), "q", Conversation(), Settings(max_new_tokens=32)))
    assert chat.seen[0][1].max_new_tokens == 32
    for bad in (dict(support_threshold=float("nan")), dict(support_threshold=1.5), dict(passages=0),
                dict(max_new_tokens=-1)):
        with pytest.raises(InputError):
            Settings(**bad)


def test_empty_questions_and_user_errors_become_page_errors():
    with pytest.raises(gr.Error, match="Type a question"):
        list(respond(Services(FakeChat()), "   ", Conversation()))
    with pytest.raises(gr.Error, match="too long"):
        list(respond(Services(FakeChat(error=InputError("too long"))), "q", Conversation()))


def test_retry_answers_the_last_question_again_and_logs_both(tmp_path):
    services = Services(FakeChat(), flag_log=FlagLog(tmp_path / "log.sqlite"))
    *_, (shown, conversation, _) = respond(services, "one", Conversation())
    *_, (shown, conversation, _) = respond(services, "two", conversation)
    *_, (again, conversation2, _) = retry(services, conversation)
    assert [m["content"] for m in again][::2] == ["one", "two"]
    assert "You asked: one" in unescape(again[1]["content"]) and "You asked: two" in unescape(again[3]["content"])
    assert len(conversation2.messages) == 4 and len(conversation2.turn_ids) == 2
    assert conversation2.turn_ids[0] == conversation.turn_ids[0] != conversation2.turn_ids[1]
    assert len(services.flag_log.turn_ids()) == 3
    with pytest.raises(gr.Error, match="Nothing to retry"):
        list(retry(services, Conversation()))


def test_thumbs_land_on_the_right_turn(tmp_path):
    services = Services(FakeChat(), flag_log=FlagLog(tmp_path / "log.sqlite"))
    *_, (shown, conversation, _) = respond(services, "one", Conversation())
    *_, (shown, conversation, _) = respond(services, "two", conversation)
    assert "thumbs down logged" in feedback(services, conversation, 3, up=False)
    assert "thumbs up logged" in feedback(services, conversation, 1, up=True)
    first, second = (services.flag_log.turn(t) for t in conversation.turn_ids)
    assert (first.feedback, second.feedback) == (1, -1)
    assert "not an answer" in feedback(services, conversation, 0, up=True)


def test_session_ids():
    assert session_id(None) == "web"
    assert session_id(SimpleNamespace(session_hash="h1", username=None)) == "web:h1"
    assert session_id(SimpleNamespace(session_hash="h1", username="ann")) == "web:ann:h1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """Start a page for ``chat`` (and ``log``); yields its URL; closes it."""
    from app import serve
    from assistant.ui.page import build_demo

    demos = []

    def start(chat, launch=None, **kwargs):
        demo = build_demo(chat, **kwargs)
        port = free_port()
        serve(demo, "127.0.0.1", port, prevent_thread_lock=True, quiet=True, **(launch or {}))
        demos.append(demo)
        return f"http://127.0.0.1:{port}/"

    yield start
    for demo in demos:
        demo.close()


def ask_over_http(client, question):
    return client.submit(question, 5, None, 0.5, 64, api_name="/chat")


@pytest.mark.model
def test_page_streams_a_real_answer_over_http(chat_model, served):
    from gradio_client import Client

    client = Client(served(chat_model), verbose=False)
    job = ask_over_http(client, "What is the capital of France?")
    updates = list(job)
    answers = [text_of(u[0][-1]["content"]) for u in updates if u[0] and u[0][-1]["role"] == "assistant"]
    assert len(set(answers)) >= 3  # streamed, not one final message
    assert "Paris" in answers[-1]


def test_each_browser_session_is_logged_under_its_own_id(tmp_path, served):
    """Two clients (two page loads) chatting at once: each turn carries its own session id."""
    from gradio_client import Client

    log = FlagLog(tmp_path / "log.sqlite")
    url = served(FakeChat(), flag_log=log)
    first, second = (Client(url, verbose=False) for _ in range(2))
    jobs = [ask_over_http(first, "one"), ask_over_http(second, "two"), ask_over_http(first, "three")]
    for job in jobs:
        job.result()
    sessions = {log.turn(t).question: log.turn(t).session for t in log.turn_ids()}
    assert sessions["one"] == sessions["three"] != sessions["two"]
    assert all(s.startswith("web:") for s in sessions.values())


def test_with_a_login_nothing_is_served_before_signing_in(served, tmp_path):
    import httpx

    url = served(FakeChat(), launch={"auth": [("ann", "s3cret")]}).rstrip("/")
    page = httpx.get(url + "/")
    assert '"auth_required":true' in page.text and '"components":[]' in page.text  # the login form only
    assert "Answers come from" not in page.text and "chatbot" not in page.text
    for path in ("/config", "/gradio_api/info", "/gradio_api/queue/status", "/gradio_api/file=" + __file__):
        assert httpx.get(url + path).status_code == 401, path
    call = httpx.post(url + "/gradio_api/call/chat", json={"data": ["hi", 5, None, 0.5, 64, []]})
    join = httpx.post(url + "/gradio_api/queue/join", json={"data": ["hi"], "fn_index": 0, "session_hash": "x"})
    assert call.status_code == join.status_code == 401
    with httpx.Client() as wrong:
        wrong.post(url + "/login", data={"username": "ann", "password": "guess"})
        assert wrong.get(url + "/config").status_code == 401
    with httpx.Client() as signed_in:
        assert signed_in.post(url + "/login", data={"username": "ann", "password": "s3cret"}).status_code == 200
        assert signed_in.get(url + "/config").status_code == 200


def test_logins_are_read_from_flags_and_a_file(tmp_path):
    from app import read_auth

    users = tmp_path / "users"
    users.write_text("# team\nbo:pw:with:colons\n\n")
    assert read_auth(["ann:x"], str(users)) == [("ann", "x"), ("bo", "pw:with:colons")]
    assert read_auth([], None) is None
    with pytest.raises(InputError, match="USER:PASSWORD"):
        read_auth(["nopassword"], None)
    with pytest.raises(InputError, match="cannot read the users file"):
        read_auth([], str(tmp_path / "missing"))


def test_loading_another_model_from_the_page(tmp_path):
    from core.errors import ModelError

    services = Services(FakeChat(), model_config=ModelConfig(backend="transformers"))  # the loader stands in for it
    seen = []

    def loader(cfg):
        seen.append(cfg)
        if cfg.name == "missing/model":
            raise ModelError("cannot load missing/model")
        return SimpleNamespace(name=f"loaded:{cfg.name}", device="cpu", model=None, tokenizer=None)

    message = services.switch_model(" org/bigger ", "my-adapter", loader=loader)
    assert seen[0].name == "org/bigger" and seen[0].adapter == "my-adapter"
    assert "for every session" in message and services.model_config.name == "org/bigger"
    before = services.chat
    with pytest.raises(ModelError):
        services.switch_model("missing/model", loader=loader)
    assert services.chat is before  # a failed load keeps the model that works
    with pytest.raises(InputError, match="name a model"):
        services.switch_model("  ", loader=loader)


def test_with_the_llm_judge_the_new_model_judges_or_nothing_changes():
    from assistant.checking.checker import Checker
    from core.config import CheckerConfig, ConfigError

    class Judge:
        name, version, window_words = "llm", "1", 300

    services = Services(FakeChat(), checker=Checker(Judge(), CheckerConfig(verifier="llm")),
                        model_config=ModelConfig(backend="transformers"))
    before = (services.chat, services.checker)

    def loader(cfg):  # a model without a tokenizer here cannot be asked for token probabilities
        return SimpleNamespace(name=cfg.name, device="cpu")

    with pytest.raises(ConfigError, match="needs a model loaded here"):
        services.switch_model("org/other", loader=loader)
    assert (services.chat, services.checker) == before and services.checker_for() is not None


class LoopingChat(FakeChat):
    """A model that says its sentence over and over, through the real stream and its guard."""

    def stream(self, messages, generation=None, stop=None, refusal=None):
        from assistant.chat.base import Completion, TextStream

        class Loop(TextStream):
            def _pieces(self):
                n = 0
                while not self._stopping() and n < 300:
                    n += 1
                    yield "The head office is in Bergen [1]. "
                self.completion = Completion("x", 5, n, 0.1, 1.0, "length")

        return Loop(self, messages, GenerationConfig(), None)


def test_a_looping_answer_is_cut_where_the_loop_began_and_says_so(doc_index, tmp_path):
    services = checked_services(doc_index, tmp_path, None)
    services.chat = LoopingChat()
    *_, (final, conversation, _) = respond(services, "Where is the head office?", Conversation())
    assert conversation.messages[-1]["content"] == "The head office is in Bergen [1]."
    assert "began to repeat itself and was stopped there" in final[-1]["content"]
    (turn_id,) = services.flag_log.turn_ids()
    turn = services.flag_log.turn(turn_id)
    assert turn.finish_reason == "repetition" and turn.answer == "The head office is in Bergen [1]."
    assert len(turn.statements) == 1


class DoubtingChat(FakeChat):
    """A model whose refusal is close behind its first choice: the real stream's gate refuses."""

    def stream(self, messages, generation=None, stop=None, refusal=None):
        from assistant.chat.base import Completion, TextStream

        class Doubt(TextStream):
            def _pieces(self):
                margin, refuse = self._gate([0.0, 2.0, 1.5])  # token 2 is the refusal's, 0.5 behind
                if refuse:
                    yield self._refusal
                    self.completion = Completion(self._refusal, 5, 0, 0.1, 0.1, "abstained", 0, margin)
                else:
                    yield "Bergen."
                    self.completion = Completion("Bergen.", 5, 2, 0.1, 0.2, "stop", 0, margin)

        chat = SimpleNamespace(first_token=lambda text: 2)
        return Doubt(chat, messages, GenerationConfig(abstain_bias=1.0), None, refusal)


def test_a_refused_answer_says_why_and_is_logged_as_abstained(doc_index, tmp_path):
    from assistant.chat.prompt import NO_ANSWER

    services = checked_services(doc_index, tmp_path, None)
    services.chat = DoubtingChat()
    *_, (final, conversation, _) = respond(services, "Where is the head office?", Conversation())
    assert conversation.messages[-1]["content"] == NO_ANSWER
    assert "did not guess" in final[-1]["content"]
    (turn_id,) = services.flag_log.turn_ids()
    assert services.flag_log.turn(turn_id).finish_reason == "abstained"


def test_a_question_with_a_broken_character_is_refused_with_a_message():
    with pytest.raises(gr.Error, match="broken character"):
        list(respond(Services(FakeChat()), "Where is \ud800 Bergen?", Conversation()))


def test_the_page_holds_a_question_and_a_chat_to_the_request_budgets():
    from core.limits import LIMITS

    services = Services(FakeChat(), limits=LIMITS.with_changes(question_chars=20, messages=6))
    with pytest.raises(gr.Error, match=r"The question is 21 characters; the limit is 20 \(setting requests.max_"
                                       r"question_chars\)\. Put long text in a document"):
        list(respond(services, "x" * 21, Conversation()))
    conversation = Conversation()
    for question in ("One?", "Two?", "Three?"):
        *_, (after, conversation, _) = respond(services, question, conversation)
    assert len(after) == 6 == len(conversation.shown)  # a chat of 6 messages is within the budget
    with pytest.raises(gr.Error, match=r"This chat holds 6 messages; a chat may hold at most 6 \(setting requests"
                                       r"\.max_messages\)\. Start a new chat\."):
        list(respond(services, "And then?", conversation))


def test_the_page_never_reads_back_the_transcript_the_browser_sends(served):
    """A client that sends a huge chat history gets its answer from the server's own record of the
    chat: nothing of what it sent is parsed into the answer or sent back (a hostile run sent 20 MB
    and got 260 MB back)."""
    import httpx

    url = served(FakeChat()).rstrip("/")
    flood = [{"role": "user", "content": [{"type": "text", "text": "y" * 200_000}]}] * 10  # 2 MB
    for data in (["hi", flood, 5, None, 0.5, 64, []], ["hi", 5, None, 0.5, 64, []]):  # the last: the documents asked
        call = httpx.post(url + "/gradio_api/call/chat", json={"data": data}, timeout=30)
        with httpx.stream("GET", f"{url}/gradio_api/call/chat/{call.json()['event_id']}", timeout=60) as reply:
            received = b"".join(reply.iter_bytes())
        assert len(received) < 50_000 and b"yyyy" not in received, len(received)
    assert b"\"text\": \"hi\"" in received and b"Answer not checked" in received  # answered, from the server's record


@pytest.mark.parametrize("pieces, rule, withheld", [
    (["The head office is in Oslo [1]. ", "It has 9 staff."], "no_support", True),  # flagged, none supported
    (["The head office is in Bergen [1]. ", "It has 9 staff."], "no_support", False),  # one statement supported
    (["The head office is in Bergen [1]. ", "It has 9 staff."], "any_flag", True),
    (["It has 9 staff. ", "The head office is in Bergen [1]."], "answer", False),  # what answers it is supported
    (["The head office is in Oslo [1]."], "off", False),
    (["Hello! ", "What would you like to know?"], "any_flag", False),  # nothing flagged: never withheld
])
def test_an_answer_the_checker_finds_no_support_for_is_withheld_and_its_draft_kept(doc_index, tmp_path, pieces,
                                                                                     rule, withheld):
    from dataclasses import replace

    from assistant.chat.prompt import NO_ANSWER

    services = checked_services(doc_index, tmp_path, pieces)
    services.checker.cfg = replace(services.checker.cfg, withhold=rule)
    *_, (final, conversation, status) = respond(services, "Where is the head office?", Conversation())
    draft = "".join(pieces)
    html = final[-1]["content"]
    (turn_id,) = services.flag_log.turn_ids()
    turn = services.flag_log.turn(turn_id)
    assert turn.answer == draft  # the log keeps the draft and its flags, for review and export
    if withheld:
        assert conversation.messages[-1]["content"] == NO_ANSWER  # what later turns see
        assert turn.finish_reason == "withheld" and status.endswith("The answer is withheld.")
        assert "checker.withhold" in html and "The withheld draft" in html and 'class="v-unsupported"' in html
        text = unescape(html)
        # the reader is told there is no supported answer, not the model's "the documents do not hold it"
        # (the draft may cite a passage that does hold it), then the draft
        assert NO_ANSWER not in text
        assert text.index("I have no answer that these documents support.") < text.index("The withheld draft")
        # why, in the words that fit the rule that withheld it
        supported = 'class="v-supported"' in html
        assert ("found no statement of the model's answer supported" in text) == (not supported)
        assert ("flagged a statement of the model's answer" in text) == (supported and rule == "any_flag")
    else:
        assert conversation.messages[-1]["content"] == draft and turn.finish_reason != "withheld"
        assert "withheld" not in html and "withheld" not in status


@pytest.mark.parametrize("rule, withheld", [("answer", True), ("no_support", False)])
def test_an_answer_whose_answer_to_the_question_is_flagged_is_withheld_under_the_answer_rule(doc_index, tmp_path,
                                                                                           rule, withheld):
    from dataclasses import replace

    pieces = ["The head office is in Oslo [1]. ", "It has 9 staff [2]."]  # the second is supported, and answers nothing
    services = checked_services(doc_index, tmp_path, pieces)
    (tmp_path / "staff.md").write_text("# Staff\n\nIt has 9 staff.")
    doc_index.add([tmp_path / "staff.md"])
    services.checker.cfg = replace(services.checker.cfg, withhold=rule)
    *_, (final, conversation, status) = respond(services, "Where is the head office?", Conversation())
    text = unescape(final[-1]["content"])
    assert 'class="v-supported"' in final[-1]["content"] and 'class="v-unsupported"' in final[-1]["content"]
    assert ("The answer is withheld." in status) == withheld
    assert ("no support in these passages for what the model's answer says to the question" in text) == withheld


def test_an_answer_of_passage_numbers_only_shows_the_refusal_and_says_why(doc_index, tmp_path):
    from assistant.chat.prompt import NO_ANSWER

    services = checked_services(doc_index, tmp_path, ["[1]"])
    *_, (final, conversation, status) = respond(services, "Where is the head office?", Conversation())
    html = unescape(final[-1]["content"])
    assert conversation.messages[-1]["content"] == NO_ANSWER and status.endswith("The answer is withheld.")
    assert "said nothing but passage numbers" in html and "The withheld draft" in html
    assert "no statement of the model's answer supported" not in html


def test_a_withheld_chinese_answer_is_replaced_in_chinese_and_its_review_suggests_the_chinese_refusal(doc_index,
                                                                                                     tmp_path):
    """A new user's trial: "如何退出 Vim 并丢弃所做的改动？" answered a bare "[1]" on the passage saying ":q!"; the page
    then said "提供的文档中没有这个问题的答案" (the documents do not hold it), which was false, and the review
    tab suggested an English refusal as the correction."""
    from assistant.chat.prompt import NO_ANSWER, NO_ANSWER_ZH
    from assistant.ui import review

    services = checked_services(doc_index, tmp_path, ["总部在奥斯陆 [1]。"])
    *_, (final, conversation, status) = respond(services, "总部在哪里？", Conversation(), lang="zh")
    html = unescape(final[-1]["content"])
    assert "我给不出这些文档能支持的回答。" in html and "被扣下的草稿" in html
    assert NO_ANSWER_ZH not in html and NO_ANSWER not in html
    assert conversation.messages[-1]["content"] == NO_ANSWER_ZH  # what later turns (and the model) see
    (flag,) = services.flag_log.flags()
    view = review.view(services.flag_log, flag.id, lang="zh")
    assert view.suggestion == NO_ANSWER_ZH  # nothing supported is left to keep: the refusal, in the question's words


@pytest.mark.parametrize("pieces", [["The head office is in Bergen [1] [9]. ", "It has 9 staff."],
                                    ["The head office is in Oslo [9]."]])  # withheld: the note is in its draft
def test_a_citation_of_a_passage_that_was_not_given_is_named_on_the_page(doc_index, tmp_path, pieces):
    services = checked_services(doc_index, tmp_path, pieces)
    *_, (final, _, _) = respond(services, "Where is the head office?", Conversation())
    (turn_id,) = services.flag_log.turn_ids()
    given = len(services.flag_log.turn(turn_id).passages)
    assert 1 <= given < 9
    html = unescape(final[-1]["content"])
    assert f"The answer cites [9], but {'only 1 passage was' if given == 1 else f'{given} passages were'} given" in html
    assert "cites [1]" not in html


def test_an_answer_without_documents_says_nothing_could_support_it(tmp_path):
    from assistant.checking.checker import Checker
    from tests.test_checker import FakeVerifier

    services = Services(FakeChat(["Brazil won the 1998 World Cup."]), None, FlagLog(tmp_path / "log.sqlite"),
                        checker=Checker(FakeVerifier()))
    *_, (final, conversation, status) = respond(services, "Who won the 1998 World Cup?", Conversation())
    html = unescape(final[-1]["content"])
    assert "No passage was found for this question (add documents in the Documents tab, or ask more" in html
    assert conversation.messages[-1]["content"] == "Brazil won the 1998 World Cup."  # nothing to withhold against


class EndlessChat(FakeChat):
    """A model that would talk for a long while: a real stream that ends when its stop event is set."""

    first = "The head office is in Bergen [1]. "  # then "Fact number n is new." until stopped

    def stream(self, messages, generation=None, stop=None, refusal=None):
        from assistant.chat.base import Completion, TextStream

        chat = self

        class Talk(TextStream):
            def _pieces(self):
                n = 0
                while not self._stopping() and n < 500:
                    yield (chat.first if n == 0 else f"Fact number {n} is new. ")
                    n += 1
                self.completion = Completion("", 5, n, 0.1, 1.0, "cancelled" if self._stop.is_set() else "length")

        return Talk(self, messages, GenerationConfig(), stop)


def test_stop_ends_the_answer_where_it_is_and_what_it_said_is_checked_and_logged(doc_index, tmp_path):
    """Issue 24: there was no Stop button while an answer streamed."""
    from assistant.ui.chat import Stops

    services = checked_services(doc_index, tmp_path, None)
    services.chat = EndlessChat()
    stops = Stops()
    event = stops.start("web:tab1")
    assert not stops.stop("web:other-tab")  # another tab has no answer under way
    streamed = 0
    for shown, conversation, status in respond(services, "Where is the head office?", Conversation(),
                                               session="web:tab1", stop=event):
        if status == "answering..." and shown[-1]["content"]:
            streamed += 1
            if streamed == 3:
                assert stops.stop("web:tab1")
    stops.end("web:tab1", event)
    assert 3 <= streamed < 10, streamed  # it ended soon after Stop, not after 500 pieces
    assert "You stopped the answer here" in shown[-1]["content"] and 'class="v-supported"' in shown[-1]["content"]
    (turn_id,) = services.flag_log.turn_ids()
    turn = services.flag_log.turn(turn_id)
    assert turn.finish_reason == "cancelled" and turn.statements[0].label == "supported"
    assert not stops.stop("web:tab1")  # nothing under way any more


def test_retry_samples_so_the_answer_can_differ(doc_index, tmp_path):
    """Issue 24: Retry re-ran greedy decoding and gave the very same answer."""
    services = checked_services(doc_index, tmp_path, ["The head office is in Bergen [1]."])
    *_, (_, conversation, _) = respond(services, "Where is the head office?", Conversation())
    assert services.chat.seen[-1][1] is None  # the first answer: the configured (greedy) decoding
    *_, (_, again, status) = retry(services, conversation)
    generation = services.chat.seen[-1][1]
    assert generation.do_sample and generation.seed is None
    assert len(again.messages) == 2 and len(services.flag_log.turn_ids()) == 2


def test_a_chat_asks_the_documents_chosen_and_the_turn_logs_them(doc_index, tmp_path):
    """Issue 24's scope: a chat asks all documents or the chosen ones, and the choice is logged."""
    services = checked_services(doc_index, tmp_path, ["The head office is in Bergen [1]."])
    (tmp_path / "canteen.md").write_text("# Canteen\n\nThe head office canteen is in Oslo.")
    doc_index.add([tmp_path / "canteen.md"])
    ids = {d.title: d.id for d in doc_index.documents()}
    *_, (shown, _, _) = respond(services, "Where is the head office?", Conversation(),
                                Settings(scope=[ids["Canteen"]]))
    (turn_id,) = services.flag_log.turn_ids()
    turn = services.flag_log.turn(turn_id)
    assert turn.scope == [ids["Canteen"]] and {p["doc_id"] for p in turn.passages} == {ids["Canteen"]}
    assert "Canteen" in unescape(shown[-1]["content"]) and "Acme" not in unescape(shown[-1]["content"])
    respond_all = list(respond(services, "Where is the head office?", Conversation(), Settings(scope=[])))
    assert respond_all and services.flag_log.turn(services.flag_log.turn_ids()[-1]).scope is None  # none chosen: all
    with pytest.raises(InputError, match="at most 1000 chosen documents"):
        Settings(scope=[str(n) for n in range(1001)])


def test_a_pdf_source_opens_on_its_whole_page_with_the_evidence_marked_there(doc_index, tmp_path):
    """Issue 24: for a PDF, the page itself (its text) with the span marked."""
    from tests.fixtures import make_pdf

    services = checked_services(doc_index, tmp_path, ["The plant in Tromso makes 1200 valves a day [1]."])
    make_pdf(tmp_path / "report.pdf", ["First page: revenue grew.",
                                       "Second page: sales rose. The plant in Tromso makes 1200 valves a day."])
    doc_index.add([tmp_path / "report.pdf"])
    *_, (shown, _, _) = respond(services, "How many valves does the Tromso plant make?", Conversation())
    html = shown[-1]["content"]
    page = html.split('<details class="page">')[1]
    assert "The whole page 2" in page and "Second page: sales rose" in unescape(page)
    assert "1200 valves" in unescape(page.split("<mark")[1])  # the evidence, marked on the page


def test_the_page_focuses_with_its_checkers_reader_whatever_the_threshold(doc_index, tmp_path):
    """The checker's reader chooses what the prompt shows first, and a moved threshold keeps it."""
    from assistant.checking.checker import Checker
    from tests.test_checker import FakeVerifier
    from tests.test_focus import OSLO, RAIL, LocatingReader

    (tmp_path / "acme.md").write_text("# Acme\n\n" + OSLO + "\n\n" + RAIL)
    doc_index.add([tmp_path / "acme.md"])
    doc_index.cfg.passage_words = 20
    reader = LocatingReader("Trondheim")
    chat = FakeChat(["The head office is in Bergen [1]."])
    services = Services(chat, doc_index, FlagLog(tmp_path / "log.sqlite"), checker=Checker(FakeVerifier(), reader=reader))
    for threshold in (None, 0.42):
        list(respond(services, "Where is Acme's head office?", Conversation(), Settings(support_threshold=threshold)))
        assert "Trondheim" in chat.seen[-1][0][-1]["content"]
        assert services.checker_for(None, threshold).reader is reader
    assert reader.calls == 2


def test_a_stopped_answer_that_is_withheld_still_says_it_was_stopped():
    """The user pressed Stop, the checker then found nothing supported: the page said only the latter,
    and the Stop seemed to have done nothing (tests/test_browser.py's stop test, when the model had said
    something unsupported before the click)."""
    from assistant.checking.checker import Checker, Evidence
    from assistant.ui.chat import answer_html
    from tests.test_checker import FakeVerifier

    draft = "The museum has ten rooms of old maps."
    report = Checker(FakeVerifier()).check_answer(draft, "What is in the museum?",
                                                  [Evidence("The harbour opens at six.", "Harbour rules")])
    assert report.withholds("no_support")
    stopped = unescape(answer_html(draft, [], [], report, "withheld", stopped=True))
    assert "You stopped the answer here" in stopped and "I have no answer that these documents support." in stopped
    assert stopped.index("You stopped the answer here") < stopped.index("The checker found no statement")
    assert "You stopped" not in unescape(answer_html(draft, [], [], report, "withheld"))
