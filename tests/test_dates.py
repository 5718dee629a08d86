"""assistant/checking/dates.py: a date written two ways is one date."""

from assistant.checking.dates import month_words, spelled
from assistant.checking.names import missing


def test_an_iso_date_is_spelt_out_for_the_verifier():
    assert spelled("release 1.6 (2013-06-09) [stable]") == "release 1.6 (June 9, 2013) [stable]"
    assert spelled("on 2013-06-09 and 2016-03-27.") == "on June 9, 2013 and March 27, 2016."
    assert spelled("gzip-1.6, not a date: 2013-13-09, 1-2-3") == "gzip-1.6, not a date: 2013-13-09, 1-2-3"


def test_the_month_of_an_iso_date_counts_as_written():
    assert month_words("release 1.6 (2013-06-09)") == {"june", "jun"}
    assert month_words("release 1.6, June 2013") == set()


def test_a_spelt_month_is_not_its_number():
    """A hostile run (session 39): "sold 3 million copies" passed against "released in March 2003 and sold
    2 million copies" while a spelt month counted as its number."""
    assert missing("The sequel, released in March 2003, sold 3 million copies.",
                   "The sequel was released in March 2003 and sold 2 million copies in its first year.") == ["3"]


def test_the_names_rule_reads_a_date_either_way_and_still_catches_a_wrong_one():
    news = "* Noteworthy changes in release 1.6 (2013-06-09) [stable] gzip now accepts the --keep (-k) option."
    assert missing("The option was added in release 1.6, on June 9, 2013.", news) == []
    assert missing("The option was added in release 1.6, on July 9, 2013.", news) == ["July"]
    assert missing("The option was added in release 1.6, on June 19, 2013.", news) == ["19"]
    spelt = "Release 1.6 came out on June 9, 2013."
    assert missing("Release 1.6 came out on 2013-06-09.", spelt) == []
    assert missing("Release 1.6 came out on 2013-07-09.", spelt) == ["July"]
