"""assistant/checking/tables.py: a table's number belongs to its row."""

from assistant.checking.tables import row_conflict, table_rows

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
