"""The repetition guard: a looping answer is stopped before the repeat reaches the user."""

import threading

from assistant.chat.base import Completion, TextStream
from assistant.chat.repetition import RepetitionGuard, _whole, trim_repetition
from core.config import GenerationConfig


def stream_through(text: str, size: int = 3) -> tuple[str, RepetitionGuard]:
    """What the guard shows of ``text`` arriving ``size`` characters at a time."""
    guard, shown = RepetitionGuard(), ""
    for i in range(0, len(text), size):
        shown += guard.feed(text[i:i + size])
    return shown + guard.finish(), guard


def test_a_repeated_sentence_stops_the_answer_and_is_not_shown():
    sentence = 'The group "user" was created by the operator user. '
    shown, guard = stream_through(sentence * 6)
    assert guard.looped and guard.answer == sentence.strip()
    # Streamed a token at a time, at most two words of the repeat show before it is recognised
    # (the page then shows the answer, which ends before them).
    assert shown.startswith(sentence) and len(shown) <= len(sentence) + len('The group "')


def test_a_loop_without_sentence_ends_is_cut_to_its_first_round():
    assert trim_repetition("The answer is: " * 6 + "x") == ("The answer is:", True)
    assert trim_repetition("very " * 30) == ("very", True)
    assert trim_repetition("雷达的工作原理是" * 4) == ("雷达的工作原理是", True)


def test_a_loop_begun_inside_a_sentence_leaves_no_unfinished_sentence():
    """Seen in the CMRC answers benchmark: the model answered, began to say its answer again, and
    the answer kept ended on a dangling clause."""
    answer = "国际人类基因组单体型图计划的目的是建立一个免费向公众开放关于人类疾病相关基因的数据库。"
    looping = answer + "这一计划的目的在于" + answer[:-1] * 3
    assert trim_repetition(looping) == (answer, True)
    one_sentence = "基隆颜家更名是因为三峡客运的路线以台北县海山区为主，故"
    assert trim_repetition(one_sentence + "三峡客运的路线以台北县海山区为主" * 3) == ("基隆颜家更名是因为三峡客运的路线以台北县海山区为主", True)
    assert _whole("为主，故") == "为主" and _whole("，故") == "，故"  # never cut to nothing
    english = "The operator user has uid 37. It is used by the IRC daemon to run as, and "
    text, looped = trim_repetition(english + "the operator user has uid 37 and is used by the IRC daemon " * 3)
    assert looped and text == "The operator user has uid 37."


def test_an_answer_that_repeats_words_but_does_not_loop_passes_whole():
    text = ("The operator user has uid 37 [1]. The group operator has gid 37 too [2]. "
            "The operator user is used by the IRC daemon, and the group is not used by the IRC daemon.")
    shown, guard = stream_through(text)
    assert not guard.looped and shown == text and guard.answer == text


def test_a_short_repeat_is_held_back_until_it_goes_its_own_way():
    guard = RepetitionGuard()
    assert guard.feed("The uid of the operator is 37. The uid ") == "The uid of the operator is 37. "
    assert guard.feed("of ") == ""  # "The uid of" repeats what was said: held
    assert guard.feed("root is 0. ") == "The uid of root is 0. "  # it went its own way: released
    assert guard.finish() == ""


class FakeStream(TextStream):
    """A backend that would go on forever, one token at a time, until told to stop."""

    def _pieces(self):
        produced = 0
        while not self._stopping() and produced < 500:
            produced += 1
            yield ["The answer ", "is: ", "blue. "][produced % 3]
        self.completion = Completion("x" * produced, 10, produced, 0.0, 1.0,
                                     "cancelled" if self._stop.is_set() else "length")


def test_every_backend_stream_is_guarded_and_records_why_it_stopped():
    stream = FakeStream(None, [], GenerationConfig(), threading.Event())
    shown = "".join(stream)
    assert stream.completion.finish_reason == "repetition"
    assert stream.completion.text == "is: blue. The answer is: blue."  # set by the guard: its first round
    assert stream.completion.completion_tokens < 20  # the backend was halted, not run to its limit
    assert "blue. The answer is: blue. The answer" not in shown
