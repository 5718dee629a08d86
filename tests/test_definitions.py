"""A value a manual or source file defines in code, said back in words (assistant/checking/definitions.py)."""

from assistant.checking.definitions import defined, definitions

ZPIPE = ("If the memory is available, buffers sizes\non the order of 128K or 256K bytes should be used.\n\n"
         "#define CHUNK 16384\n\nThe def() routine compresses data from an input file to an output file.")
DOCUMENT = "zpipe.c: example of proper use of zlib's inflate() and deflate()\n" + ZPIPE
JOURNALD = "[Journal]\n#Storage=auto\nCompress=yes\nSystemMaxUse = 4G  # a comment\n"
MANUAL = "Storage= Controls where to store journal data. One of volatile, persistent, auto and none.\n"


def test_a_definition_line_supports_the_claim_that_says_its_name_is_its_value():
    line = ZPIPE[slice(*defined("The default value of CHUNK in zpipe.c is 16384.", ZPIPE, DOCUMENT))]
    assert line == "#define CHUNK 16384"
    assert defined("CHUNK is 16384.", ZPIPE) is not None
    assert JOURNALD[slice(*defined("Compress is set to yes.", JOURNALD))] == "Compress=yes"
    assert defined("The default value of SystemMaxUse is 4G.", JOURNALD) is not None
    # "#Storage=auto" is a comment
    assert [d[:2] for d in definitions(JOURNALD)] == [("Compress", "yes"), ("SystemMaxUse", "4G")]


def test_a_claim_that_says_more_or_otherwise_is_left_to_the_verifier():
    assert defined("The default value of CHUNK in zpipe.c is 32768.", ZPIPE, DOCUMENT) is None  # another value
    assert defined("CHUNK is not 16384.", ZPIPE) is None  # negated
    assert defined("The maximum value of CHUNK in gzip is 16384.", ZPIPE, DOCUMENT) is None  # words nowhere written
    assert defined("CHUNK is 16384, twice the 8192 that gzip uses.", ZPIPE, DOCUMENT) is None  # another number
    assert defined("The default value of CHUNK in zpipe.c is 16384.", ZPIPE) is None  # "zpipe" written nowhere given
    assert defined("Storage is auto.", JOURNALD) is None  # commented out: not a setting
    assert list(definitions(MANUAL)) == []  # a manual's entry, not a setting
    assert defined("16384 bytes should be used for buffers.", ZPIPE) is None  # no name of the definition
    long = "CHUNK is 16384 and it is " + "a very long sentence that goes on " * 3 + "forever."
    assert defined(long, ZPIPE) is None
