"""assistant/chat/focus.py: what the model reads of the passages, within ``index.passage_words``."""

from assistant.chat.focus import GAP, PIECE_WORDS, focus
from assistant.chat.grounding import prepare
from assistant.chat.prompt import Passage
from core.words import word_count

FILLER = ("The weather in the valley was mild for most of the year. Farmers grew barley and oats on the "
          "lower slopes. A railway reached the town late in the century. ")
OSLO = ("Acme moved several times in its early years. The company's head office is in Bergen, on the west "
        "coast. Its factory stands in Trondheim. " + FILLER * 2)
RAIL = "The railway company was founded in 1854. " + FILLER * 3


def shown(passages):
    return sum(word_count(p.text) for p in passages)


def test_passages_that_fit_are_shown_whole():
    passages = [Passage(OSLO, "acme.md", 2, "7"), Passage(RAIL)]
    assert focus(passages, "Where is the head office?", 10_000) == passages
    assert focus(passages, "Where is the head office?", 0) == passages  # 0: the product shows them whole


def test_the_sentence_holding_the_questions_words_is_kept_and_every_passage_keeps_its_number():
    passages = [Passage(RAIL, "rail.md", None, "3"), Passage(OSLO, "acme.md", 2, "7")]
    out = focus(passages, "Where is Acme's head office?", 60)
    assert [(p.title, p.page, p.id) for p in out] == [("rail.md", None, "3"), ("acme.md", 2, "7")]
    assert "The company's head office is in Bergen, on the west coast." in out[1].text
    assert out[0].text and out[0].text != RAIL  # the other passage shows its best sentence, not all of it
    assert shown(out) <= 60 < shown(passages)
    assert GAP in out[1].text  # what was left out is marked


def test_the_sentence_before_one_shown_gives_its_context():
    text = ("Marie Curie moved to Paris in 1891. She won the Nobel Prize in Chemistry in 1911. " + FILLER * 3)
    out = focus([Passage(text)], "When did she win the Nobel Prize in Chemistry?", 30)
    assert out[0].text.startswith("Marie Curie moved to Paris in 1891. She won the Nobel Prize in Chemistry")


def test_a_question_in_a_passage_is_shown_with_its_reply():
    """Session 39's trial: the XZ FAQ's question was shown without its "A: No.", whose words the user's
    question does not share, and the model answered "Yes"."""
    faq = ("Q:  What are LZMA and LZMA2? A:  LZMA stands for Lempel-Ziv-Markov chain-Algorithm. " + FILLER +
           "Q:  Do XZ Utils support the .7z format? A:  No. Use 7-Zip or p7zip to handle .7z files. " + FILLER * 2 +
           "XZ Utils support the .xz format. XZ Utils support the .lzma format too. The .7z format is 7-Zip's. "
           + FILLER)
    out = focus([Passage(faq)], "Do XZ Utils support the .7z format?", 30)
    assert "Q:  Do XZ Utils support the .7z format? A:  No. Use 7-Zip or p7zip to handle .7z files." in out[0].text
    assert word_count(out[0].text.replace(GAP, "")) <= 30


def test_a_long_sentence_without_full_stops_is_cut_into_pieces():
    listing = " ".join(f"option{n} does thing{n}" for n in range(60)) + " the --verbose flag prints every step"
    out = focus([Passage(listing)], "What does the --verbose flag print?", 50)
    assert "verbose flag prints every step" in out[0].text
    assert word_count(out[0].text.replace(GAP, "")) <= 50
    assert all(len(part.split()) <= PIECE_WORDS for part in out[0].text.split(GAP))


# zlib's zlib_how.html (zlib1g-dev), as a browser trial indexed it: the piece naming Z_VERSION_ERROR was
# shown without "def() returns", and the model said it did not know what def() returns.
ZLIB_DEF = ("/* Compress from file source to file dest until EOF on source.\n def() returns Z_OK on success, "
            "Z_MEM_ERROR if memory could not be\n allocated for processing, Z_STREAM_ERROR if an invalid "
            "compression\n level is supplied, Z_VERSION_ERROR if the version of zlib.h and the\n version of "
            "the library linked do not match, or Z_ERRNO if there is\n an error reading or writing the files. */")


def test_a_later_piece_of_a_cut_sentence_keeps_what_the_sentence_is_about():
    out = focus([Passage(ZLIB_DEF), Passage(FILLER * 6)],
                "What does def() return if the version of zlib.h and the linked library do not match?", 40,
                answers=[(3.0, ZLIB_DEF.index("Z_VERSION_ERROR"), ZLIB_DEF.index("Z_VERSION_ERROR") + 15), None])
    shown = out[0].text
    assert shown.startswith(f"{GAP} def() returns Z_OK on success, {GAP} "), shown  # the lead: to its first comma
    assert "Z_VERSION_ERROR if the version of zlib.h" in shown
    assert word_count(" ".join(p.text for p in out).replace(GAP, "")) <= 40  # the lead within the budget
    whole = focus([Passage(ZLIB_DEF)], "What does def() return on success?", 30)[0].text
    assert whole.startswith("/* Compress") and whole.count("def() returns") == 1  # its first piece: no lead


def test_a_sentence_cut_only_to_share_a_small_budget_gets_no_lead():
    sentence = ("The committee, which met in Geneva for three days in the spring of 1921, finally agreed "
                "after long debate that the new border would follow the river Tindvik to its mouth.")
    out = focus([Passage(sentence), Passage(FILLER * 6)], "Which river would the new border follow?", 24)
    assert out[0].text.startswith(f"{GAP} ") and "border" in out[0].text  # a later piece, cut at 12 words
    assert "The committee," not in out[0].text  # 32 words, under PIECE_WORDS: no lead


def test_every_passage_shows_something_however_small_the_budget():
    passages = [Passage(RAIL), Passage(OSLO), Passage("A sentence of many words " * 30 + "ends here.")]
    out = focus(passages, "Where is Acme's head office?", 45)  # 15 words a passage: long sentences are cut
    assert all(p.text.replace(GAP, "").strip() for p in out)
    assert "head office is in Bergen" in out[1].text and shown(out) <= 45


def test_chinese_passages_are_focused_on_the_questions_words():
    weather = "这座城市的天气一年四季都很温和，农民在山坡上种植大麦和燕麦。"
    text = "长城位于中国北方。" + weather * 6 + "故宫建于明朝永乐年间。"
    out = focus([Passage(text)], "故宫是什么时候建的？", 40)
    assert "故宫建于明朝永乐年间。" in out[0].text and shown(out) <= 40


def test_the_prompt_shows_the_focus_and_the_checker_gets_whole_passages(doc_index, tmp_path):
    (tmp_path / "acme.md").write_text("# Acme\n\n" + OSLO + "\n\n" + RAIL)
    doc_index.add([tmp_path / "acme.md"])
    whole = prepare(doc_index, "Where is Acme's head office?", words=0)
    focused = prepare(doc_index, "Where is Acme's head office?", words=40)
    hits = whole.hits
    assert [h.chunk_id for h in hits] == [h.chunk_id for h in focused.hits]
    assert whole.answers is None and focused.answers is None  # no reader named
    # the passages as shown: what finetune/grounded.py writes answers from
    assert [" ".join(p.text.split()) for p in whole.shown] == [" ".join(h.text.split()) for h in hits]
    assert all(p.text in focused.messages[-1]["content"] for p in focused.shown)
    assert sum(len(p.text.split()) for p in focused.shown) < sum(len(p.text.split()) for p in whole.shown)
    whole, focused = whole.messages, focused.messages
    assert "head office is in Bergen" in focused[-1]["content"]
    assert len(focused[-1]["content"]) < len(whole[-1]["content"])
    assert all(" ".join(h.text.split()) in whole[-1]["content"] for h in hits)  # 0: whole, as before
    doc_index.cfg.passage_words_unread = 40  # the product's setting when the caller names none (and no reader)
    assert prepare(doc_index, "Where is Acme's head office?").messages == focused


def test_a_focused_turn_is_logged_so_the_export_rebuilds_the_prompt_it_showed(doc_index, tmp_path):
    from assistant.flags.export import prompt_messages
    from assistant.flags.log import FlagLog
    from assistant.turn import Turn
    from tests.test_turn import ScriptedChat

    (tmp_path / "acme.md").write_text("# Acme\n\n" + OSLO + "\n\n" + RAIL)
    doc_index.add([tmp_path / "acme.md"])
    log = FlagLog(tmp_path / "log.sqlite")
    for words in (40, 0):
        turn = Turn(ScriptedChat(["The head office is in Bergen [1]."]), doc_index, "Where is Acme's head office?",
                    words=words)
        done = turn.finish(None, log, "test")
        logged = log.turn(done.turn_id)
        assert logged.generation.get("passage_words") == (words or None)
        rebuilt = prompt_messages(logged)
        assert rebuilt == done.messages and ("…" in rebuilt[-1]["content"]) == bool(words)


def test_the_pieces_where_the_reader_found_the_answer_are_shown_first():
    # the answer's sentence shares no word with the question: the words alone would pass it over
    text = ("Acme makes bicycles and the head office makes decisions about bicycles. " + FILLER * 2
            + "Staff report to Bergen, on the west coast. " + FILLER)
    at = text.index("Bergen")
    question = "Where is Acme's head office?"
    assert "Bergen" not in focus([Passage(text)], question, 25)[0].text
    out = focus([Passage(text), Passage(RAIL)], question, 25, [(4.2, at, at + 6), None])
    assert "Staff report to Bergen, on the west coast." in out[0].text
    assert word_count(" ".join(p.text for p in out).replace(GAP, "")) <= 25
    # surest first: with room for one, the surer of two readings is the one shown
    other = RAIL.index("1854")
    out = focus([Passage(text), Passage(RAIL)], question, 12, [(-3.0, at, at + 6), (2.0, other, other + 4)])
    assert "1854" in out[1].text and "Bergen" not in out[0].text


class LocatingReader:
    """A reader that finds each passage's answer where the test says, and counts its calls."""

    version = "locating"

    def __init__(self, answer: str):
        self.answer, self.calls = answer, 0

    def locate(self, question, passages):
        from assistant.checking.reader import Answer

        self.calls += 1
        return [Answer(3.0, p.index(self.answer), p.index(self.answer) + len(self.answer)) if self.answer in p
                else Answer(-5.0, -1, -1) for p in passages]

    def read(self, items):  # as a checker's reader: it judges no claim
        return [None] * len(items)


def test_a_turn_focused_by_the_reader_logs_its_answers_and_the_export_rebuilds_the_same_prompt(doc_index, tmp_path):
    from assistant.flags.export import prompt_messages
    from assistant.flags.log import FlagLog
    from assistant.turn import Turn
    from tests.test_turn import ScriptedChat

    (tmp_path / "acme.md").write_text("# Acme\n\n" + OSLO + "\n\n" + RAIL)
    doc_index.add([tmp_path / "acme.md"])
    log = FlagLog(tmp_path / "log.sqlite")
    reader = LocatingReader("Trondheim")
    turn = Turn(ScriptedChat(["In Trondheim [1]."]), doc_index, "Where is Acme's head office?", words=20,
                reader=reader)
    assert reader.calls == 1 and "Trondheim" in turn.messages[-1]["content"]
    logged = log.turn(turn.finish(None, log, "test").turn_id)
    assert logged.generation["reader_answers"] == [list(a) for a in turn.answers]
    assert prompt_messages(logged) == turn.messages
    # not asked where it cannot change what is shown: passages shown whole, or a question in Chinese
    Turn(ScriptedChat(["x"]), doc_index, "Where is Acme's head office?", words=0, reader=reader)
    Turn(ScriptedChat(["x"]), doc_index, "Acme的总部在哪里？", words=20, reader=reader)
    assert reader.calls == 1
    # the index's budgets: passage_words where the reader chose, passage_words_unread where it did not
    doc_index.cfg.passage_words, doc_index.cfg.passage_words_unread = 20, 35
    assert Turn(ScriptedChat(["x"]), doc_index, "Where is Acme's head office?", reader=reader).words == 20
    assert Turn(ScriptedChat(["x"]), doc_index, "Acme的总部在哪里？", reader=reader).words == 35
    assert Turn(ScriptedChat(["x"]), doc_index, "Where is Acme's head office?").words == 35  # no reader


def test_the_shipped_reader_locates_the_answer_in_the_passage_that_holds_it():
    from assistant.checking.reader import Reader

    found = Reader().locate("Where is Acme's head office?", [RAIL, OSLO])
    assert OSLO[found[1].start:found[1].end].startswith("Bergen")
    assert found[1].over_none > 0 > found[0].over_none


def test_the_reader_s_two_surest_answers_come_first_with_the_sentences_around_them():
    # session 33: a reading in every passage, each without its context, took the budget from the top
    # passage's; now the two surest, then what follows and precedes them, then the other rounds
    first = ("The company was founded in 1901 by two brothers. Its staff report to Bergen. That office opened on "
             "the west coast in 1950. " + FILLER * 2)
    second, third = "A second firm sells skis in Oslo. " + FILLER, "A third firm sells boats in Tromso. " + FILLER
    readings = [(5.0, first.index("Bergen"), first.index("Bergen") + 6),
                (2.0, second.index("Oslo"), second.index("Oslo") + 4),
                (1.0, third.index("Tromso"), third.index("Tromso") + 6)]
    out = focus([Passage(first), Passage(second), Passage(third)], "Where is the head office?", 30, readings)
    assert "Its staff report to Bergen. That office opened on the west coast in 1950." in out[0].text
    assert "Oslo" in out[1].text and "Tromso" not in out[2].text
