"""What users saw in the browser, replayed through the real checker and the shipped verifier.

The passages are excerpts of documents Debian installs (``/usr/share/doc/base-passwd/
users-and-groups.html``, ``/usr/share/common-licenses/Apache-2.0``); the statements are
what the dialogue model wrote about them.
"""

import pytest

from assistant.checking.checker import Evidence, check_claims
from core.config import CheckerConfig

USERS_AND_GROUPS = Evidence(
    "operator Historically, the operator user account was used by system operators with low privilege to dump "
    "filesystem backups to tape, and was in the root group so that it could do this. In Debian, the use of a "
    "utility such as sudo to gain privilege is preferred over such highly-special-purpose accounts, and the "
    "operator user is no longer created by default. It had uid 37. The operator group is used by dump -n to "
    "notify logged-in operators via wall when it requires operator attention. list Mailing list archives and "
    "data are owned by this user and group. irc Used by IRC daemons. A statically allocated user is needed only "
    "because of a bug in ircd : it setuid() s itself to a compiled-in user id on startup.",
    "Users and groups", "base-passwd")
APACHE = Evidence(
    "Licensed under the Apache License, Version 2.0 (the \"License\"); you may not use this file except in "
    "compliance with the License. You may obtain a copy of the License at "
    "http://www.apache.org/licenses/LICENSE-2.0 Unless required by applicable law or agreed to in writing, "
    "software distributed under the License is distributed on an \"AS IS\" BASIS, WITHOUT WARRANTIES OR "
    "CONDITIONS OF ANY KIND, either express or implied.", "Apache License 2.0", "apache")


# As the index holds it (html paragraphs kept as blank-line breaks): one section ends, the next one's
# title follows. Seen in session 16's trial: "The user id of the user nobody is 41." marked supported
# (0.99) by a window that joined gnats's "they had uid/gid 41." to the next title, "nobody, nogroup".
GNATS_THEN_NOBODY = Evidence(
    "gnats\n\nUsed by gnats. This had a statically\n allocated user and group for purely historical reasons "
    "(it could\n equally well use a dynamic system user and group). Since\n gnats has been removed from Debian, "
    "this user\n and group are no longer created by default; they had uid/gid 41.\n\nnobody, nogroup\n\n"
    "Daemons that need not own any files sometimes run as user nobody\n and group nogroup, although using a "
    "dedicated user is far\n preferable. Thus, no files on a system should be owned by this\n user or group.",
    "Users and Groups in the Debian System", "base-passwd", None, 0, 520)


@pytest.fixture(scope="module")
def checker():
    from assistant.checking.checker import make_checker

    return make_checker(CheckerConfig())  # as shipped: the trained verifier and the reader


# The verifier alone reads the operator paragraph as 0.93 support (every word of the statement is
# in it); the passage never names a group "user" (quoted, beside "group", or as an entry of its
# own): the names rule (names.kind_names) says so.
def test_a_passage_about_irc_daemons_does_not_support_a_made_up_group(checker):
    report = checker.check_answer('The group "user" was created by the operator user.',
                                  "Which groups does Debian create?", [USERS_AND_GROUPS])
    [verdict] = report.verdicts
    assert verdict.label != "supported", verdict
    assert verdict.unnamed == 'group "user"'


def test_a_quoted_group_the_passage_names_is_still_read(checker):
    report = checker.check_answer('The "operator" user had uid 37.', "What uid did the operator user have?",
                                  [USERS_AND_GROUPS])
    assert [v.label for v in report.verdicts] == ["supported"]


@pytest.mark.xfail(strict=True, reason="the model reads 'obtain a copy at http://www.apache.org/...' as 0.49 "
                                        "support for 'available for download from the Apache.org website' (issue 20)")
def test_the_apache_licence_sentence_is_supported_by_where_to_obtain_a_copy(checker):
    report = checker.check_answer("The license is available for download from the Apache.org website.",
                                  "Where can I get a copy of the license?", [APACHE])
    [verdict] = report.verdicts
    assert verdict.label == "supported", verdict
    assert "apache.org" in verdict.evidence


# A session 38 trial on /usr/share/common-licenses/MPL-2.0: "Yes, the software covered by this license is
# provided with a warranty." was shown supported (0.99) against its disclaimer, whose every content word
# it writes; the right answer stays supported.
MPL = Evidence(
    "6. Disclaimer of Warranty. Covered Software is provided under this License on an \"as is\" basis, without "
    "warranty of any kind, either expressed, implied, or statutory, including, without limitation, warranties "
    "that the Covered Software is free of defects, merchantable, fit for a particular purpose or non-infringing. "
    "The entire risk as to the quality and performance of the Covered Software is with You. This disclaimer of "
    "warranty constitutes an essential part of this License.", "Mozilla Public License Version 2.0", "mpl")


def test_software_provided_without_warranty_is_not_provided_with_one(checker):
    question = "Is the software covered by this license provided with a warranty?"
    wrong = checker.check_answer("Yes, the software covered by this license is provided with a warranty.",
                                 question, [MPL])
    right = checker.check_answer("No, the software is provided without warranty of any kind.", question, [MPL])
    assert [v.label for v in wrong.verdicts] == ["unsupported"], wrong.verdicts
    assert [v.label for v in right.verdicts] == ["supported"], right.verdicts


# bench/answers.py (session 31's journal): the model's "The California Institute of Technology is a
# public university." was shown supported against SQuAD's paragraph, which says "private"; the verifier
# alone reads it as support. The opposite-word rule (antonyms.py) stops it; the right answer stays.
CALTECH = Evidence(
    "The California Institute of Technology (commonly referred to as Caltech) is a private research university "
    "located in Pasadena, California, United States. Caltech has six academic divisions with strong emphases "
    "on science and engineering.", "California Institute of Technology", "caltech")


def test_a_passage_saying_private_does_not_support_public(checker):
    question = "What kind of university is the California Institute of Technology?"
    wrong = checker.check_answer("The California Institute of Technology is a public university.", question,
                                 [CALTECH])
    right = checker.check_answer("The California Institute of Technology is a private university.", question,
                                 [CALTECH])
    assert [v.label for v in wrong.verdicts] == ["unsupported"], wrong.verdicts
    assert [v.label for v in right.verdicts] == ["supported"], right.verdicts


LAB_SCHOOLS = Evidence(
    "The university runs a number of academic institutions and programs apart from its undergraduate and "
    "postgraduate schools. It operates the University of Chicago Laboratory Schools (a private day school for K-12 "
    "students and day care), the Sonia Shankman Orthogenic School (a residential treatment program for those with "
    "behavioral and emotional problems), and four public charter schools on the South Side of Chicago "
    "administered by the university's Urban Education Institute.", "University of Chicago", "uchicago")
IPCC = Evidence(
    "The Intergovernmental Panel on Climate Change (IPCC) is a scientific intergovernmental body under the auspices "
    "of the United Nations, set up at the request of member governments. It was first established in 1988 by two "
    "United Nations organizations, the World Meteorological Organization (WMO) and the United Nations Environment "
    "Programme (UNEP).", "IPCC", "ipcc")


def test_answers_to_squads_unanswerable_questions_are_not_supported(checker):
    # session 33's answers benchmark: the model answered SQuAD 2.0 questions that change one word of the
    # paragraph, and the checker said supported (0.998, 0.961); the same sentence said right is supported
    question = "What is the name for the public day school and day care for K-12 students?"
    wrong = checker.check_answer("The name for the public day school and day care for K-12 students is the "
                                 "University of Chicago Laboratory Schools.", question, [LAB_SCHOOLS])
    right = checker.check_answer("The University of Chicago Laboratory Schools is a private day school for K-12 "
                                 "students.", "What is the University of Chicago Laboratory Schools?", [LAB_SCHOOLS])
    assert [v.label for v in wrong.verdicts] == ["unsupported"], wrong.verdicts
    assert [v.label for v in right.verdicts] == ["supported"], right.verdicts
    question = "What is the intergovernmental body under the control of the United States?"
    wrong = checker.check_answer("The IPCC is under the control of the United States.", question, [IPCC])
    assert [v.label for v in wrong.verdicts] == ["unsupported"], wrong.verdicts
    assert wrong.verdicts[0].unnamed == "United States"
    right = checker.check_answer("The IPCC is under the auspices of the United Nations.",
                                 "What is the IPCC under the auspices of?", [IPCC])
    assert [v.label for v in right.verdicts] == ["supported"], right.verdicts


def test_the_answer_is_colon_is_not_a_claim(checker):
    report = checker.check_answer("The answer is:\nThe answer is:\nThe operator user had uid 37.",
                                  "What uid did the operator user have?", [USERS_AND_GROUPS])
    assert [(v.statement.text, v.label) for v in report.verdicts] == [
        ("The answer is:", "not_a_claim"), ("The answer is:", "not_a_claim"),
        ("The operator user had uid 37.", "supported")]


def test_short_and_sentence_answers_to_one_question_are_judged_alike(checker):
    question = "What uid did the operator user have?"
    items = [{"id": "short", "claim": "37", "question": question, "evidence": USERS_AND_GROUPS.text},
             {"id": "sentence", "claim": "The operator user had uid 37.", "question": question,
              "evidence": USERS_AND_GROUPS.text},
             {"id": "wrong-short", "claim": "41", "question": question, "evidence": USERS_AND_GROUPS.text},
             {"id": "wrong-sentence", "claim": "The operator user had uid 41.", "question": question,
              "evidence": USERS_AND_GROUPS.text}]
    labels = {r.id: r.label for r in check_claims(checker, items)}
    assert labels == {"short": "supported", "sentence": "supported", "wrong-short": "unsupported",
                      "wrong-sentence": "unsupported"}


# Was a strict expected failure until session 26: the verifier gives "dump -n" 0.43 and the overlap
# lifts it to 0.976; the reader's first epoch (its answer: "37") lowered it to 0.94, above the
# threshold (0.935); its second epoch lowers it to 0.875.
def test_a_span_that_answers_another_question_is_not_supported(checker):
    [result] = check_claims(checker, [{"id": "span", "claim": "dump -n", "evidence": USERS_AND_GROUPS.text,
                                       "question": "What uid did the operator user have?"}])
    assert result.label == "unsupported"


def test_the_reader_lowers_a_span_that_answers_another_question_and_leaves_the_right_one():
    """As shipped, the reader (assistant/checking/reader.py) finds the passage's own answer, "37":
    "dump -n" scores below it and loses support, "37" keeps all of its own."""
    from assistant.checking.checker import make_checker

    question = "What uid did the operator user have?"
    read = make_checker(CheckerConfig()).judge(["dump -n", "37"], [[USERS_AND_GROUPS]] * 2, [question] * 2)
    unread = make_checker(CheckerConfig(reader="none")).judge(["dump -n", "37"], [[USERS_AND_GROUPS]] * 2,
                                                              [question] * 2)
    assert read[0].score < unread[0].score - 0.02
    assert read[1].label == unread[1].label == "supported" and read[1].score == unread[1].score


WWW_DATA = Evidence(
    "Users in the uucp group may run uucico . proxy Like daemon, this user and group is used by some daemons "
    "(specifically, proxy daemons) that don't have dedicated user ids and that need to own files. For example, "
    "group proxy is used by pdnsd , and squid runs as user proxy. majordom Majordomo has a statically allocated "
    "uid on Debian systems for historical reasons. It is not installed on new systems. postgres Postgresql "
    "databases are owned by this user and group. www-data Some web servers run as www-data. Web content should "
    "not be owned by this user, or a compromised web server would be able to rewrite a web site. Data written "
    "out by web servers will be owned by www-data. backup Presumably so backup/restore responsibilities can be "
    "locally delegated to someone without full root permissions?", "Users and groups", "base-passwd")


# A browser trial of session 14 (SmolLM2's answer, shown "supported (0.98)" against the retrieved
# passages); the full sentence is unsupported (0.92) against this excerpt alone, but its gist,
# shortened, is supported at 0.96: "uucp" and "user and group" are in the excerpt, about other
# users. strict: the day it passes, this marker must go.
@pytest.mark.xfail(strict=True, reason="'the group owned by the uucp user' is read as supported by an excerpt "
                                        "where uucp is another group (issue 20)")
def test_a_made_up_owner_of_www_data_is_not_supported(checker):
    report = checker.check_answer("The www-data user is the group that is owned by the uucp user.",
                                  "What is the www-data user used for?", [WWW_DATA])
    [verdict] = report.verdicts
    assert verdict.label != "supported", verdict


def test_what_www_data_is_for_is_supported(checker):
    report = checker.check_answer("Some web servers run as the www-data user.",
                                  "What is the www-data user used for?", [WWW_DATA])
    assert [v.label for v in report.verdicts] == ["supported"]


def test_a_title_belongs_to_the_section_after_it_not_the_one_before(checker):
    """The window that judged it ended with the next section's title; a window now never takes in
    a title after other sentences (it starts one instead)."""
    report = checker.check_answer("The user id of the user nobody is 41.", "What is the user id of the user nobody?",
                                  [GNATS_THEN_NOBODY])
    [verdict] = [v for v in report.verdicts if v.label != "not_a_claim"]
    assert verdict.label != "supported", verdict
    right = checker.check_answer("The gnats user and group had uid/gid 41.", "What uid did gnats have?",
                                 [GNATS_THEN_NOBODY])
    assert [v.label for v in right.verdicts] == ["supported"], right.verdicts


# The same answer with the chunk the index really retrieved (it starts inside gnats's section, its
# title in the chunk before): the window is gnats's own sentence, "this user ... had uid/gid 41", and
# the verifier reads "this user" as nobody (0.96). A statement must be judged as the answer to its
# question, whose subject ("the user nobody") the window never names (issue 20).
GNATS_TAIL = [  # the two chunks retrieved, overlapping: operator ... gnats's title; gnats's text ... nobody's
    Evidence('It had uid 37.\n\nThe operator group is used by dump -n to\n notify logged-in operators via wall '
             'when it\n requires operator attention. This is a historical use, and new\n applications should '
             'not behave this way. (If nothing else, the\n group should be configurable.)\n\nlist\n\nMailing '
             'list archives and data are owned by this user and group.\n Some mailing list programs may run as '
             'this user as well.\n\nirc\n\nUsed by IRC daemons. A statically allocated user is needed only\n '
             'because of a bug in ircd: it\n setuid()s itself to a compiled-in user id\n on '
             'startup.\n\ngnats\n\nUsed by gnats. This had a statically\n allocated user and group for purely '
             'historical reasons (it could\n equally well use a dynamic system user and group).',
             "Users and Groups in the Debian System", "base-passwd", None, 6219, 6929),
    Evidence('This had a statically\n allocated user and group for purely historical reasons (it could\n '
             'equally well use a dynamic system user and group). Since\n gnats has been removed from Debian, '
             'this user\n and group are no longer created by default; they had uid/gid 41.\n\nnobody, '
             'nogroup\n\nDaemons that need not own any files sometimes run as user nobody\n and group nogroup, '
             'although using a dedicated user is far\n preferable. Thus, no files on a system should be owned '
             'by this\n user or group.\n\n(Technically speaking, it does no harm for a file to be owned by\n '
             'group nogroup as long as the ownership confers no additional\n privileges, that is if the group '
             'and other permission bits are\n equal. However, this is sloppy practice and should be '
             'avoided.)\n\nIf root-squashing is in use over NFS, root access from the\n client is performed as '
             'user nobody on the server.\n\nmessagebus',
             "Users and Groups in the Debian System", "base-passwd", None, 6790, 7650)]


def test_a_uid_of_another_section_does_not_support_the_question_s_subject(checker):
    report = checker.check_answer("The user id of the user nobody is 41.", "What is the user id of the user nobody?",
                                  GNATS_TAIL)
    [verdict] = [v for v in report.verdicts if v.label != "not_a_claim"]
    assert verdict.label != "supported", verdict


# Session 17's trial (two replicas on PostgreSQL): the default model answered "The user nobody owns
# files on a system." and the checker said supported (0.99; the model alone 0.75) from the sentence
# saying no file should be owned by nobody. A window saying the statement the other way round cannot
# support it (``windows.polarity_conflict``).
def test_an_answer_that_turns_the_document_around_is_not_supported(checker):
    question = "What may the user nobody own?"
    wrong = checker.check_answer("The user nobody owns files on a system.", question, GNATS_TAIL)
    assert [v.label for v in wrong.verdicts if v.label != "not_a_claim"] == ["unsupported"], wrong.verdicts
    right = checker.check_answer("No files on a system should be owned by the user nobody.", question, GNATS_TAIL)
    assert [v.label for v in right.verdicts if v.label != "not_a_claim"] == ["supported"], right.verdicts


# Session 29's browser trial on systemd's UIDS-GIDS.md (its summary table): a chunk began inside the row
# "65534 | nobody user", after its number, and held the next row's 65535, and the verifier read "nobody"
# and "65535" in one window as support (0.988). A Markdown table's rows are now sentences of their own
# (core/sentences.py), so no chunk or window cuts one, and the model, reading whole rows, answered 65534. But a
# window of several rows still supports either UID: the verifier does not read which row "nobody" is in.
UID_TABLE = Evidence(
    '## Summary\n'
    '\n'
    '|               UID/GID | Purpose               | Defined By    | Listed in                     |\n'
    '|-----------------------|-----------------------|---------------|-------------------------------|\n'
    '|                     0 | `root` user           | Linux         | `/etc/passwd` + `nss-systemd` |\n'
    '|                   1…4 | System users          | Distributions | `/etc/passwd`                 |\n'
    '|                     5 | `tty` group           | `systemd`     | `/etc/passwd`                 |\n'
    '|                 6…999 | System users          | Distributions | `/etc/passwd`                 |\n'
    '|            1000…60000 | Regular users         | Distributions | `/etc/passwd` + LDAP/NIS/…    |\n'
    '|           60001…60513 | Human users (homed)   | `systemd`     | `nss-systemd`                 |\n'
    '|           60514…60577 | Host users mapped into containers | `systemd` | `systemd-nspawn`           |\n'
    '|           60578…61183 | Unused                |               |                               |\n'
    '|           61184…65519 | Dynamic service users | `systemd`     | `nss-systemd`                 |\n'
    '|           65520…65533 | Unused                |               |                               |\n'
    '|                 65534 | `nobody` user         | Linux         | `/etc/passwd` + `nss-systemd` |\n'
    '|                 65535 | 16bit `(uid_t) -1`    | Linux         |                               |\n'
    '|          65536…524287 | Unused                |               |                               |\n'
    '|     524288…1879048191 | Container UID ranges  | `systemd`     | `nss-systemd`                 |\n'
    '| 1879048192…2147483647 | Unused                |               |                               |\n'
    '| 2147483648…4294967294 | HIC SVNT LEONES       |               |                               |\n'
    '|            4294967295 | 32bit `(uid_t) -1`    | Linux         |                               |',
    "Users, Groups, UIDs and GIDs on systemd Systems", "uids-gids")


def test_a_uid_of_the_next_table_row_does_not_support_the_nobody_user(checker):
    report = checker.check_answer("The UID of the nobody user is 65535.", "What is the UID of the nobody user?",
                                  [UID_TABLE])
    [verdict] = report.verdicts
    assert verdict.label != "supported", verdict


def test_the_nobody_users_uid_from_the_table_is_supported(checker):
    report = checker.check_answer("The UID of the nobody user is 65534.", "What is the UID of the nobody user?",
                                  [UID_TABLE])
    assert [v.label for v in report.verdicts] == ["supported"]


class _Documents:
    """An index that holds one document's text and retrieves nothing (the passages are given)."""

    def __init__(self, text, doc_id="armenia"):
        self.text, self.doc_id = text, doc_id

    def documents(self):
        return []

    def document_text(self, doc_id):
        return self.text if doc_id == self.doc_id else None


def test_a_statement_that_needs_both_sides_of_a_chunk_cut_is_supported():
    # session 34's answers benchmark (SQuAD train): the index cut this paragraph between the sentence
    # naming the university and "Its faculty numbered about 1,300 teachers"; both chunks were retrieved,
    # each was judged alone, and the right answer was withheld (0.0)
    from assistant.checking.checker import make_checker

    doc = ("In the 1990-91 school year, the estimated 1,307 primary and secondary schools were attended by 608,800 "
           "students. In 1992 Armenia's largest institution of higher learning, Yerevan State University, had "
           "eighteen departments, including ones for social sciences, sciences, and law. Its faculty numbered about "
           "1,300 teachers and its student population about 10,000 students. The National Polytechnic University "
           "of Armenia is operating since 1933.")
    cut = doc.index("Its faculty")
    chunks = [Evidence(doc[:cut - 1], "Armenia", "armenia", None, 0, cut - 1),
              Evidence(doc[cut:], "Armenia", "armenia", None, cut, len(doc))]
    question = "How many teachers did Yerevan State University have in 1992?"
    answer = "Yerevan State University had about 1,300 teachers in 1992 [1]."
    alone = make_checker(CheckerConfig()).check_answer(answer, question, chunks)  # no index: the cut stays
    assert [v.label for v in alone.verdicts] == ["unsupported"], alone.verdicts
    joined = make_checker(CheckerConfig(), _Documents(doc)).check_answer(answer, question, chunks)
    assert [v.label for v in joined.verdicts] == ["supported"], joined.verdicts
    assert "Yerevan State University" in joined.verdicts[0].source.text and joined.verdicts[0].source.start == 0


def test_a_value_a_source_file_defines_is_supported_in_words():
    # the browser trials of sessions 32-34 on Debian's zlib example: "#define CHUNK 16384" scored 0.84 for
    # the right answer, under the support threshold, and it was withheld
    from assistant.checking.checker import make_checker

    head = ("zpipe.c: example of proper use of zlib's inflate() and deflate()\n"
            "Not copyrighted -- provided to the public domain\n")
    text = ("If the memory is available, buffers sizes\non the order of 128K or 256K bytes should be used.\n\n"
            "#define CHUNK 16384\n\nThe def() routine compresses data from an input file to an output file. The "
            "output data\nwill be in the zlib format, which is different from the gzip or zip\nformats.")
    doc = head + text
    passage = Evidence(text, "zlib Usage Example", "zlib", None, len(head), len(doc))
    question = "What is the default value of CHUNK in zpipe.c?"
    checker = make_checker(CheckerConfig(), _Documents(doc, "zlib"))
    right = checker.check_answer("The default value of CHUNK in zpipe.c is 16384.", question, [passage])
    assert [v.label for v in right.verdicts] == ["supported"], right.verdicts
    assert right.verdicts[0].evidence == "#define CHUNK 16384"
    wrong = checker.check_answer("The default value of CHUNK in zpipe.c is 32768.", question, [passage])
    assert [v.label for v in wrong.verdicts] != ["supported"], wrong.verdicts
    bytes_ = checker.check_answer("The default value of CHUNK in zpipe.c is 256K.", question, [passage])
    assert [v.label for v in bytes_.verdicts] != ["supported"], bytes_.verdicts


def test_an_answer_to_a_question_about_a_name_the_passage_writes_otherwise_is_not_supported():
    # session 34's answers benchmark (SQuAD 2.0 train, an unanswerable question): "Ten Eyes" for the
    # passage's "Nine Eyes"; the model answered with the passage's span and the verifier supported it
    from assistant.checking.checker import make_checker

    passage = [Evidence("Bond and Swann return to London where they meet M, Bill Tanner, Q, and Moneypenny; they "
                        "intend to arrest C and stop Nine Eyes from going online. After Q succeeds in preventing the "
                        "Nine Eyes from going online, a brief struggle between M and C ends with the latter falling "
                        "to his death.", "Spectre")]
    answer = "Bond intends to stop Ten Eyes from going online."
    checker = make_checker(CheckerConfig())
    swapped = checker.check_answer(answer, "Who intends to stop Ten Eyes from going online?", passage)
    assert [(v.label, v.unnamed) for v in swapped.verdicts] == [("unsupported", "Ten Eyes")], swapped.verdicts
    # what the passage says, supported when asked of "Nine Eyes", answers nothing asked of "Ten Eyes"
    for said in ("Q prevents Nine Eyes from going online.", "Q."):
        right = checker.check_answer(said, "Who prevents Nine Eyes from going online?", passage)
        assert [v.label for v in right.verdicts] == ["supported"], right.verdicts
        wrong = checker.check_answer(said, "Who prevents Ten Eyes from going online?", passage)
        assert [(v.label, v.unnamed) for v in wrong.verdicts] == [("unsupported", "Ten Eyes")], wrong.verdicts


# A session 39 trial on FAQs Debian installs (xz-utils' faq.txt, valgrind's FAQ.txt): "Yes, XZ Utils support
# the .7z format." was shown supported (0.98) with the FAQ's "Q: Do XZ Utils support the .7z format? A: No."
# as its evidence, and "Yes, you can attach Valgrind to a program that is already running." (0.99) by another
# passage's "Valgrind can run any Java program"; the FAQ asks the statement's own question and answers it.
XZ_FAQ = Evidence(
    "Q:  Do XZ Utils support the .7z format?\n\nA:  No. Use 7-Zip (Windows) or p7zip (POSIX-like systems) to "
    "handle .7z\n    files.\n\n\nQ:  I have many .tar.7z files. Can I convert them to .tar.xz without\n    spending "
    "hours recompressing the data?", "XZ Utils FAQ", "xz-utils-faq.txt")
VALGRIND_FAQ = [
    Evidence("5.4. Is it possible to attach Valgrind to a program that is already \nrunning? \n\nNo. The environment "
             "that Valgrind provides for running programs is \nsignificantly different to that for normal programs, "
             "e.g. due to \ndifferent layout of memory. Therefore Valgrind has to have full control \nfrom the very "
             "start.", "Valgrind FAQ", "valgrind-FAQ.txt"),
    Evidence("Apart from this, in theory Valgrind can run any Java program just fine, \neven those that use JNI and "
             "are partially implemented in other languages \nlike C and C++.", "Valgrind FAQ", "valgrind-FAQ.txt"),
]


def test_a_yes_to_a_question_the_faq_answers_no_is_contradicted(checker):
    wrong = checker.check_answer("Yes, XZ Utils support the .7z format.", "Do XZ Utils support the .7z format?",
                                 [XZ_FAQ])
    [verdict] = [v for v in wrong.verdicts if v.label != "not_a_claim"]
    assert verdict.label == "contradicted", verdict
    assert "A:  No." in verdict.evidence
    right = checker.check_answer("No, XZ Utils do not support the .7z format.", "Do XZ Utils support the .7z format?",
                                 [XZ_FAQ])
    assert [v.label for v in right.verdicts if v.label != "not_a_claim"] == ["supported"], right.verdicts


def test_the_faqs_own_answer_decides_over_another_passage_that_seems_to_agree(checker):
    question = "Can I attach Valgrind to a program that is already running?"
    wrong = checker.check_answer("Yes, you can attach Valgrind to a program that is already running.", question,
                                 VALGRIND_FAQ)
    assert [v.label for v in wrong.verdicts if v.label != "not_a_claim"] == ["contradicted"], wrong.verdicts
    right = checker.check_answer("No, you cannot attach Valgrind to a program that is already running.", question,
                                 VALGRIND_FAQ)
    assert [v.label for v in right.verdicts if v.label != "not_a_claim"] == ["supported"], right.verdicts


# A session 39 trial on gzip's NEWS: the right "The --keep (-k) option was added in gzip release 1.6, on
# June 9, 2013." was withheld (no passage names "June"); the release heading writes the date as ISO.
GZIP_NEWS = Evidence(
    "* Noteworthy changes in release 1.6 (2013-06-09) [stable]\n\n** New features\n\n  gzip now accepts the "
    "--keep (-k) option, for consistency with tools\n  like xz, lzip and bzip2.  With this option, gzip no longer "
    "removes\n  named input files when compressing or decompressing.", "GNU gzip NEWS", "gzip-news.txt")


def test_a_date_written_out_is_the_iso_date_of_the_release_heading(checker):
    question = "In which gzip release was the --keep (-k) option added, and on what date?"
    for right in ("The --keep (-k) option was added in gzip release 1.6, on June 9, 2013.",
                  "The --keep option was added in gzip 1.6, released on 9 June 2013."):
        report = checker.check_answer(right, question, [GZIP_NEWS])
        assert [v.label for v in report.verdicts] == ["supported"], report.verdicts
    wrong = checker.check_answer("The --keep (-k) option was added in gzip release 1.6, on July 9, 2013.", question,
                                 [GZIP_NEWS])
    assert [v.label for v in wrong.verdicts if v.label != "not_a_claim"] != ["supported"], wrong.verdicts
    assert wrong.verdicts[0].unnamed == "July"


# The same trial: "The default compression level of xz is 6." was supported (0.995) by the FAQ's answer on
# threads, which writes "default" of the block size and "xz -6" as an example (binding.default_conflict).
XZ_THREADS = Evidence(
    "A:  Since multi-threaded compression is done by splitting the data into\n    blocks that are compressed "
    "individually, if the input file is too\n    small for the block size, then many threads cannot be used. The\n"
    "    default block size increases when the compression level is\n    increased. For example, xz -6 uses 8 MiB "
    "LZMA2 dictionary and\n    24 MiB blocks, and xz -9 uses 64 MiB LZMA dictionary and 192 MiB\n    blocks.",
    "XZ Utils FAQ", "xz-utils-faq.txt")


def test_a_default_the_passage_says_of_another_thing_does_not_support_a_default_level(checker):
    wrong = checker.check_answer("The default compression level of xz is 6.", "What is the default compression "
                                 "level of xz?", [XZ_THREADS])
    assert [v.label for v in wrong.verdicts] != ["supported"], wrong.verdicts
    right = checker.check_answer("xz -6 uses an 8 MiB LZMA2 dictionary and 24 MiB blocks.",
                                 "How big are the blocks with xz -6?", [XZ_THREADS])
    assert [v.label for v in right.verdicts] == ["supported"], right.verdicts


# The browser trial's own question (bench/experiments/browser_trial.py): the default rule above contradicted
# the right "The default value of CHUNK in zpipe.c is 16384." until a definition counted as saying a default.
ZPIPE_CHUNK = [  # the trial's passages [1] and [3], as retrieved
    Evidence("If the memory is available, buffers sizes\non the order of 128K or 256K bytes should be used.\n\n"
             "#define CHUNK 16384\n\nThe def() routine compresses data from an input file to an output file. The "
             "output data\nwill be in the zlib format, which is different from the gzip or zip\nformats.",
             "zlib Usage Example", "zlib_how.html"),
    Evidence("We hope this helps explain some of the intricacies of zlib.\n\nWithout further adieu, here "
             "is the program zpipe.c:\n\n/* zpipe.c: example of proper use of zlib's inflate() and deflate()\n "
             "Not copyrighted -- provided to the public domain\n Version 1.4 11 December 2005 Mark Adler "
             "*/\n\n/* Version history:\n 1.0 30 Oct 2004 First version\n 1.1 8 Nov 2004 Add void casting "
             "for unused return values\n Use switch statement for inflate() return values\n 1.2 9 Nov 2004 "
             "Add assertions to document zlib guarantees\n 1.3 6 Apr 2005 Remove incorrect assertion in "
             "inf()\n 1.4 11 Dec 2005 Add hack to avoid MSDOS end-of-line conversions\n Avoid some compiler "
             "warnings for input and output buffers\n */\n\nWe now include the header files for the required "
             "definitions.",
             "zlib Usage Example", "zlib_how.html"),
]


def test_a_define_says_the_default_value(doc_index, tmp_path):
    from assistant.checking.checker import make_checker

    page = tmp_path / "zlib_how.txt"  # the two retrieved passages as one document: the checker reads it whole
    page.write_text("zlib Usage Example\n\n" + "\n\n".join(p.text for p in reversed(ZPIPE_CHUNK)), encoding="utf-8")
    doc_index.add([page])
    checker = make_checker(CheckerConfig(), doc_index)
    question = "What is the default value of CHUNK in zpipe.c?"
    passages = [Evidence.from_hit(h) for h in doc_index.search(question, 5)]
    report = checker.check_answer("The default value of CHUNK in zpipe.c is 16384.", question, passages)
    assert [v.label for v in report.verdicts] == ["supported"], report.verdicts
    wrong = checker.check_answer("The default value of CHUNK in zpipe.c is 8192.", question, passages)
    assert [v.label for v in wrong.verdicts] != ["supported"], wrong.verdicts
