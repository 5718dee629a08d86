"""assistant/checking/yesno.py: a passage asking a statement's own yes/no question answers it."""

from assistant.checking.yesno import answered

XZ_FAQ = ("Q:  What are LZMA and LZMA2?\n\nA:  LZMA stands for Lempel-Ziv-Markov chain-Algorithm.\n\n\n"
          "Q:  Do XZ Utils support the .7z format?\n\nA:  No. Use 7-Zip (Windows) or p7zip (POSIX-like systems) "
          "to handle .7z\n    files.\n\n\nQ:  I have many .tar.7z files. Can I convert them to .tar.xz without\n"
          "    spending hours recompressing the data?\n\nA:  No. .7z files are decompressed first.")
VALGRIND_FAQ = ("5.4. Is it possible to attach Valgrind to a program that is already \nrunning? \n\nNo. The "
                "environment that Valgrind provides for running programs is \nsignificantly different to that for "
                "normal programs. Therefore Valgrind has to have full control \nfrom the very start.")


def reply(passage, statement):
    found = answered(passage, statement)
    return None if found is None else (found.agrees, passage[found.start:found.end])


def test_a_statement_saying_yes_to_a_question_the_passage_answers_no_disagrees():
    agrees, span = reply(XZ_FAQ, "Yes, XZ Utils support the .7z format.")
    assert not agrees and span.startswith("Q:  Do XZ Utils support the .7z format?") and "A:  No." in span
    assert reply(XZ_FAQ, "XZ Utils support the .7z format.")[0] is False
    agrees, span = reply(VALGRIND_FAQ, "Yes, you can attach Valgrind to a program that is already running.")
    assert not agrees and span.startswith("Is it possible") and "running? \n\nNo. The environment" in span


def test_the_same_reply_agrees_whether_said_with_no_or_with_a_negation():
    assert reply(XZ_FAQ, "No, XZ Utils do not support the .7z format.")[0] is True
    assert reply(XZ_FAQ, "XZ Utils don't support the 7z format.")[0] is True
    assert reply(VALGRIND_FAQ, "No, you cannot attach Valgrind to a program that is already running.")[0] is True


def test_only_a_statement_writing_the_questions_own_words_is_answered():
    assert reply(XZ_FAQ, "XZ Utils support the .xz format.") is None  # the question is about .7z
    assert reply(XZ_FAQ, "XZ Utils support the .7z format on Windows.") is None  # more than was asked
    assert reply(VALGRIND_FAQ, "You can attach Valgrind to a program.") is None  # less than was asked
    assert reply(VALGRIND_FAQ, "Valgrind has to have full control from the very start.") is None
    old = "Q: Did gzip 1.2.4 support the --rsyncable option?\nA: No. It was added later."
    assert reply(old, "gzip supports the --rsyncable option.") is None  # a version's number is the question's
    assert reply("Q: Is it thread-safe?\nA: No. Use one handle a thread.", "It is thread-safe.") is None  # whose?


def test_a_qualified_reply_a_comparison_or_a_muddled_statement_is_left_alone():
    """A hostile run (session 39): "No, not without some preparation." (zlib's FAQ), "No problem, ..." and
    "No doubt ..." are not bare replies; "Is gzip slower than bzip2? No." says nothing of the words' order."""
    assert reply("Q: Can I access data randomly in a compressed stream?\nA: No, not without some preparation. If "
                 "you use Z_FULL_FLUSH ...", "Yes, you can access data randomly in a compressed stream.") is None
    assert reply("Q: Can I run two copies of the daemon on one machine?\nA: No problem, as long as each listens "
                 "on its own port.", "You can run two copies of the daemon on one machine.") is None
    faster = "Q: Is gzip slower than bzip2?\nA: No. gzip is several times faster."
    assert reply(faster, "bzip2 is slower than gzip.") is None
    assert reply("Q: Don't XZ Utils support the .7z format?\nA: No.", "XZ Utils support the .7z format.") is None
    assert reply("Do XZ Utils support the .7z format? Nobody knows.", "XZ Utils support the .7z format.") is None
    assert reply(XZ_FAQ, "Yes, XZ Utils do not support the .7z format.") is None
    assert reply(XZ_FAQ, "No, XZ Utils support the .7z format.") is None
    assert reply("XZ Utils support the .7z format. No.", "XZ Utils support the .7z format.") is None  # no question
    # an opening needs its punctuation: "No Windows version ..." opens with a word, not a reply
    assert reply(XZ_FAQ, "No Windows version of XZ Utils supports the .7z format.") is None
