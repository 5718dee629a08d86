"""A value a manual or source file defines in code, said back in words (assistant/checking/definitions.py)."""

from assistant.checking.definitions import defined, definitions
from tests.fixtures import FixedVerifier

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


def test_a_claim_naming_another_setting_or_a_name_defined_twice_is_left_to_the_verifier():
    settings = "[Journal]\nStorage=auto\nCompress=yes\nSeal=no\n"
    assert defined("Compress is yes and Seal is yes.", settings) is None  # Seal=no
    assert defined("Compress is yes, and Storage is persistent.", settings) is None
    assert defined("Seal is no.", settings) is not None  # the value "no" is no negation
    branches = "#ifdef SMALL\n#define CHUNK 4096\n#else\n#define CHUNK 16384\n#endif\n"
    assert defined("The default value of CHUNK is 4096.", branches) is None  # which one holds depends
    worked = "Loan arithmetic. The late fee is 2 percent.\nExample:\na = 5\nb = 2\n"
    assert list(definitions(worked)) == [] and defined("There is a 5 percent late fee.", worked) is None
    assert defined("The default CHUNK in gzip and zip is 16384.", ZPIPE, DOCUMENT + " gzip zip") is None
    assert defined("Compress is yes.", settings.replace("\n", "\r\n")) is not None  # a file with CRLF lines


def test_the_checker_asks_a_definition_only_of_a_claim_the_verifier_left_unsupported():
    from assistant.checking.checker import Checker, Evidence
    from core.config import CheckerConfig

    settings = Evidence("[Journal]\nStorage=auto\nCompress=yes\nSeal=no\n", "journald.conf")
    said = "Compress is set to yes."
    unsure = Checker(FixedVerifier([0.3, 0.6, 0.1]), CheckerConfig()).check_answer(said, None, [settings])
    assert [(v.label, v.evidence) for v in unsure.verdicts] == [("supported", "Compress=yes")]
    against = Checker(FixedVerifier([0.01, 0.04, 0.95]), CheckerConfig()).check_answer(said, None, [settings])
    assert [v.label for v in against.verdicts] == ["contradicted"]  # the verifier's contradiction stands
