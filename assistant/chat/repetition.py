"""Stop a stream that repeats itself, before the repeat reaches the user.

Small models fall into loops (a lead-in or a sentence said over and over). :class:`RepetitionGuard`
reads an answer as it streams and holds back any stretch that repeats, word for word, something
the answer already said, releasing it as soon as it goes its own way. The answer stops
(``finish_reason`` "repetition"), ending where the repeat began, when the held stretch becomes a
loop: a whole sentence of ``min_sentence_words`` or more already said, or ``max_repeat_words``
words in a row already said in that order. A loop that began inside a sentence leaves that
sentence unfinished ("...的数据库。这一计划的目的在于"): the answer kept ends at the last sentence
end before it, or, in a one-sentence answer, at its last clause break. Words are compared
case-insensitively; a CJK character counts as a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

WORD = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|\w+")
SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s)|[。！？]|\n")
ENDED = re.compile(r"(?:[.!?。！？]+[\"')\]」”』）]*|[,;:，；：、])\s*$")  # text that stops at a sentence or clause end
CLAUSE_BREAK = re.compile(r"[,;:，；：]")


@dataclass
class RepetitionGuard:
    hold_words: int = 2  # a repeat this long is held back until it goes its own way
    max_repeat_words: int = 12  # ... and stops the answer when it gets this long
    min_sentence_words: int = 3  # a repeated sentence this long stops the answer at once
    text: str = ""
    released: int = 0  # characters of ``text`` handed on
    looped: bool = False
    _sentences: set[tuple[str, ...]] = field(default_factory=set)
    _sentence_start: int = 0  # where the sentence being written begins, in ``text``

    def feed(self, piece: str) -> str:
        """Take the next piece of the answer; return what may be shown now: all of it, less any
        repeat being held ("" while holding)."""
        if self.looped:
            return ""
        self.text += piece
        repeat, words = self._repeat()
        cut = self._sentence_loop()
        if cut is None and repeat >= self.max_repeat_words:
            cut = words[-repeat].start()
        if cut is not None:
            self.looped = True
            self.text = _whole(self.text[:cut].rstrip())
            return ""
        safe = words[-repeat].start() if repeat >= self.hold_words else len(self.text)
        out = self.text[self.released:safe]
        self.released = max(self.released, safe)
        return out

    def finish(self) -> str:
        """The rest, once the stream has ended (nothing if it was stopped for looping)."""
        if self.looped:
            return ""
        out = self.text[self.released:]
        self.released = len(self.text)
        return out

    @property
    def answer(self) -> str:
        """The answer up to where a loop began (a word or two of the repeat may have been shown
        before it was recognised; the answer kept and logged ends before them)."""
        return self.text

    def _words(self) -> list[re.Match]:
        """The complete words (a word still being written is left out)."""
        words = list(WORD.finditer(self.text))
        if words and words[-1].end() == len(self.text) and not _cjk(words[-1].group()):
            words.pop()
        return words

    def _sentence_loop(self) -> int | None:
        """Where a just-finished sentence begins if the answer already said it, else None."""
        for end in SENTENCE_END.finditer(self.text, self._sentence_start):
            sentence = self.text[self._sentence_start:end.end()]
            key = tuple(w.lower() for w in WORD.findall(sentence))
            if len(key) >= self.min_sentence_words:
                if key in self._sentences:
                    return self._sentence_start + (len(sentence) - len(sentence.lstrip()))
                self._sentences.add(key)
            self._sentence_start = end.end()
        return None

    def _repeat(self) -> tuple[int, list[re.Match]]:
        """(n, words): the last n complete words occur, in that order, earlier in the answer
        (the two may overlap, as in a loop "a b a b a b"). Past ``max_repeat_words`` n counts
        back to where the loop began, so a cut there keeps just its first round."""
        words = self._words()
        keys = [w.group().lower() for w in words]
        n = len(keys)
        best = 0
        for j in range(n - 2, -1, -1):  # an earlier occurrence ending at word j
            if keys[j] != keys[-1]:
                continue
            length = 0
            while length <= j and keys[j - length] == keys[n - 1 - length]:
                length += 1
                if length == self.max_repeat_words and best < length:  # a loop: count it all, then stop
                    while length <= j and keys[j - length] == keys[n - 1 - length]:
                        length += 1
                    return length, words
            best = max(best, length)
        return best, words


def _whole(text: str) -> str:
    """``text`` less an unfinished sentence at its end: cut at the last sentence end, or where there
    is none, at the last clause break (the break left out); unchanged if it ends at either."""
    if ENDED.search(text):
        return text
    ends = list(SENTENCE_END.finditer(text))
    if ends:
        return text[:ends[-1].end()].rstrip()
    breaks = [b for b in CLAUSE_BREAK.finditer(text) if text[:b.start()].strip()]
    return text[:breaks[-1].start()].rstrip() if breaks else text  # never cut to nothing


def _cjk(word: str) -> bool:
    return len(word) == 1 and not word.isascii()


def trim_repetition(text: str, guard: RepetitionGuard | None = None) -> tuple[str, bool]:
    """A whole answer (from a server that did not stream) cut where it begins to loop; (text, looped)."""
    guard = guard or RepetitionGuard()
    for word in re.split(r"(?<=\s)", text):
        guard.feed(word)
        if guard.looped:
            break
    return guard.answer, guard.looped
