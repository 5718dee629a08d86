"""assistant/checking/binding.py: a number belongs to its table row, its section."""

from assistant.checking.binding import default_conflict, row_conflict, section_conflict, sections, table_rows

UIDS = ("## Summary\n\n"
        "| UID/GID | Purpose | Defined By |\n"
        "|---------|---------|------------|\n"
        "| 0 | `root` user | Linux |\n"
        "| 5 | `tty` group | `systemd` |\n"
        "| 61184…65519 | Dynamic service users | `systemd` |\n"
        "| 65534 | `nobody` user | Linux |\n"
        "| 65535 | 16bit `(uid_t) -1` | Linux |\n")


def test_table_rows_are_runs_of_lines_with_as_many_bars():
    assert table_rows(UIDS)[0] == "| UID/GID | Purpose | Defined By |" and len(table_rows(UIDS)) == 6  # no rule line
    docx = "Staff\n\nAnn | 3 | Oslo\n\nBob | 5 | Bergen\n\nThe end."  # the parser's .docx rows, blank lines between
    assert table_rows(docx) == ["Ann | 3 | Oslo", "Bob | 5 | Bergen"]
    assert table_rows("Count them with ls | wc -l.\nThen sort | uniq | head.") == []  # no run of equal bars
    assert table_rows("Count them with ls | wc -l.") == []


def test_a_number_from_the_next_row_does_not_support_the_name():
    assert row_conflict(UIDS, "The UID of the nobody user is 65535.")
    assert not row_conflict(UIDS, "The UID of the nobody user is 65534.")
    assert row_conflict(UIDS, "It is 65535.", "What is the UID of the nobody user?")  # the question's words tie
    assert not row_conflict(UIDS, "It is 65534.", "What is the UID of the nobody user?")
    assert not row_conflict(UIDS, "Dynamic service users get UIDs from 61184 to 65519.")
    assert not row_conflict(UIDS, "Root has UID 0 and nobody has 65534.")  # each number in its own row


def test_what_no_row_ties_is_left_to_the_verifier():
    assert not row_conflict(UIDS, "The UID is 65535.")  # only the header's word: nothing tied to a row
    assert not row_conflict(UIDS, "Linux defines 65535.")  # a word most rows write ties nothing
    assert not row_conflict(UIDS, "The nobody user is defined by Linux.")  # no number
    assert not row_conflict("The nobody user has UID 65535 on old systems.\n" + UIDS,
                            "The nobody user has UID 65535.")  # the prose writes it: the verifier reads it
    assert not row_conflict("The nobody user has UID 65534.", "The nobody user has UID 65535.")  # no table


PASSWD = ("Used by gnats. This had a statically\n allocated user and group for purely historical reasons. Since\n"
          " gnats has been removed from Debian, this user\n and group are no longer created by default; they had"
          " uid/gid 41.\n\nnobody, nogroup\n\nDaemons that need not own any files sometimes run as user nobody\n"
          " and group nogroup. Thus, no files on a system should be owned by this user.\n\nlist\n\n"
          "Mailing list archives and data are owned by this user and group. It has uid 38.")


def test_sections_are_cut_before_titles():
    found = sections(PASSWD)
    assert [title for title, _ in found] == ["", "nobody, nogroup", "list"]
    assert found[0][1].rstrip().endswith("uid/gid 41.") and found[1][1].startswith("nobody, nogroup")
    assert sections("One sentence. Another one.") == [("", "One sentence. Another one.")]
    opening = "nobody, nogroup\n\nDaemons run as nobody.\n\ngnats\n\nThey had uid 41."
    assert [title for title, _ in sections(opening)] == ["nobody, nogroup", "gnats"]  # a passage may open with one
    assert section_conflict(opening, "The user nobody had uid 41.")


def test_a_number_from_another_section_does_not_support_the_titled_name():
    assert section_conflict(PASSWD, "The user id of the user nobody is 41.")
    assert section_conflict(PASSWD, "It is 41.", "What is the user id of the user nobody?")
    assert not section_conflict(PASSWD, "The gnats user had uid 41.")  # no title here names gnats
    assert not section_conflict(PASSWD, "The list user has uid 38.")
    assert section_conflict(PASSWD, "The list user has uid 41.")
    assert not section_conflict(PASSWD, "Nobody owns no files.")  # no number
    assert not section_conflict("The nobody user had uid 41 once. It changed.", "The nobody user had uid 41.")


def test_a_number_is_tied_to_the_words_of_its_own_clause():
    assert not section_conflict(PASSWD, "Nobody is used by daemons, and gnats had uid 41.")
    # the price: a clause that leaves its subject to another is not tied ("had uid 41"); the verifier reads it
    assert not section_conflict(PASSWD, "Nobody is used by daemons and had uid 41.")
    assert section_conflict(PASSWD, "Nobody is used by daemons, and nobody had uid 41.")
    assert not row_conflict(UIDS, "The nobody user, used by daemons, has UID 65535.")  # its clause ties nothing
    assert not row_conflict(UIDS, "Dynamic service users number 3,000 or so.")  # 3,000 is one number


def test_a_list_item_opens_no_section():
    features = "The daemon is small.\n- Uses 5 MB.\n- Fast startup\n- Written in C."
    assert [title for title, _ in sections(features)] == [""]
    assert not section_conflict(features, "It uses 5 MB and has a fast startup.")


XZ_THREADS = ("A:  Since multi-threaded compression is done by splitting the data into\n    blocks that are compressed "
              "individually, if the input file is too\n    small for the block size, then many threads cannot be used. "
              "The\n    default block size increases when the compression level is\n    increased. For example, xz -6 "
              "uses 8 MiB LZMA2 dictionary and\n    24 MiB blocks, and xz -9 uses 64 MiB LZMA dictionary and 192 MiB\n"
              "    blocks.")


def test_a_defaults_number_must_be_written_where_the_window_says_default():
    # session 39's trial: supported at 0.995, every word of it in the window, "default" about the block size
    assert default_conflict(XZ_THREADS, "The default compression level of xz is 6.")
    assert default_conflict(XZ_THREADS, "6", "What is the default compression level of xz?")  # a bare answer
    manual = "Regulate the speed of compression. The default compression level is -6 (biased towards compression)."
    assert not default_conflict(manual, "The default compression level of gzip is 6.")
    assert not default_conflict(manual, "6", "What is the default compression level of gzip?")
    assert not default_conflict("By default, xz -6 uses an 8 MiB dictionary.", "By default xz uses 8 MiB.")
    # a definition in code or settings says what is used unless told otherwise (the browser trial's zpipe.c)
    listing = "/* zpipe.c: example of proper use of zlib */\n#include <zlib.h>\n\n#define CHUNK 16384\n\nint def()"
    assert not default_conflict(listing, "The default value of CHUNK in zpipe.c is 16384.")
    assert default_conflict(listing, "The default value of CHUNK in zpipe.c is 8192.")


def test_a_default_column_or_heading_says_its_rows_defaults():
    """A hostile run (session 39): the rule flagged "The default port is 5432." against a settings table."""
    table = "Connection settings\n\n| Setting | Default |\n|---|---|\n| port | 5432 |\n| max_connections | 100 |"
    assert not default_conflict(table, "The default port is 5432.")
    assert not default_conflict(table, "5432", "What is the default port?")
    defaults = "Defaults\n\nThe connection timeout is 30 seconds."
    assert not default_conflict(defaults, "The default timeout is 30 seconds.")
    # prose that wraps mid-sentence still reads as prose
    assert default_conflict(XZ_THREADS.replace("The\n    default", "The default"), "The default level of xz is 6.")


def test_a_statement_without_a_default_or_a_number_is_left_alone():
    assert not default_conflict(XZ_THREADS, "xz -6 uses 24 MiB blocks.")
    assert not default_conflict(XZ_THREADS, "The default block size increases with the compression level.")
    assert not default_conflict(XZ_THREADS, "The compression level of xz is 6.")
    assert not default_conflict(XZ_THREADS, "Level 6 is common.", "What is the default level?")  # a sentence: its own
