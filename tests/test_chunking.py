"""Sentence splitting and chunking keep exact offsets; chunks respect size, overlap and pages."""

import pytest

from core.sentences import split_sentences
from index.chunk import chunk_document
from index.load import Document

TEXT = ("Dr. Smith moved to Bergen in 2001. He arrived at 3.5 p.m. on a Monday! Was it raining? "
        "\"Yes.\" The U.S. office, e.g. the one in Boston, stayed open.\n\n- first item\n- second item\n"
        "A last line without a full stop")


def test_sentences_keep_offsets_and_respect_abbreviations():
    spans = split_sentences(TEXT)
    assert all(TEXT[s.start:s.end] == s.text for s in spans)
    texts = [s.text for s in spans]
    assert texts[:5] == ["Dr. Smith moved to Bergen in 2001.", "He arrived at 3.5 p.m. on a Monday!",
                         "Was it raining?", "\"Yes.\"", "The U.S. office, e.g. the one in Boston, stayed open."]
    assert "- first item" in texts and "- second item\nA last line without a full stop" in texts


def test_a_capital_letter_ends_a_sentence_before_a_word_that_only_opens_one():
    text = "It was built during World War I. This is stated in [1]. J. Smith and George W. Bush met. Plan B. The end."
    assert [s.text for s in split_sentences(text, openers=True)] == [
        "It was built during World War I.", "This is stated in [1].", "J. Smith and George W. Bush met.", "Plan B.",
        "The end."]
    # chunks and training data keep the old reading (the shipped verifier's recipe rebuilds its pairs with it)
    assert split_sentences(text)[0].text == "It was built during World War I. This is stated in [1]."


MANUAL = """The table below shows the section numbers.

       1   Executable programs or shell commands
       5   File formats and conventions, e.g. /etc/passwd
       9   Kernel routines [Non standard]

       -a, --all
              do not ignore entries starting with .
       -t     sort by time, newest first
       --block-size=SIZE
              scale sizes by SIZE; pass
       -k to read kilobytes, or wait
       12 months before it ends."""


def test_a_manuals_table_rows_and_options_are_sentences_of_their_own():
    """A man page's table and option list have no full stops: each row and each option (with its
    description) is a sentence, so the checker reads "5   File formats..." in a window of its own
    rather than the whole table at once. Wrapped prose stays whole: a line that opens with an
    option in the middle of a sentence ("pass\n-k to read"), or with a number and one space."""
    texts = [s.text for s in split_sentences(MANUAL)]
    assert all(MANUAL[s.start:s.end] == s.text for s in split_sentences(MANUAL))
    assert "5   File formats and conventions, e.g. /etc/passwd" in texts
    assert "9   Kernel routines [Non standard]" in texts
    assert "-a, --all\n              do not ignore entries starting with ." in texts
    assert "-t     sort by time, newest first" in texts
    assert texts[-1].startswith("--block-size=SIZE") and texts[-1].endswith("12 months before it ends.")


def test_chunks_are_exact_slices_within_size(embedder):
    text = " ".join(f"Sentence number {i} talks about topic {i % 7} in some detail." for i in range(200))
    doc = Document("mem", "t", "text", text)
    chunks = chunk_document(doc, embedder.tokenizer, size=64, overlap=16)
    assert len(chunks) > 5
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert len(embedder.tokenizer(c.text, add_special_tokens=False)["input_ids"]) <= 64
    # consecutive chunks overlap (by whole sentences), and together they cover every sentence
    assert all(b.start < a.end for a, b in zip(chunks, chunks[1:]))
    assert all(b.start > a.start for a, b in zip(chunks, chunks[1:]))
    for s in split_sentences(text):
        assert any(c.start <= s.start and s.end <= c.end for c in chunks)


def test_no_overlap_means_disjoint_chunks(embedder):
    text = " ".join(f"Fact {i} is stated here." for i in range(100))
    chunks = chunk_document(Document("mem", "t", "text", text), embedder.tokenizer, size=40, overlap=0)
    assert all(b.start >= a.end for a, b in zip(chunks, chunks[1:]))


def test_an_overlong_sentence_is_cut_at_token_boundaries(embedder):
    text = "word " * 3000  # one 3000-token "sentence" without punctuation
    doc = Document("mem", "t", "text", text.strip())
    chunks = chunk_document(doc, embedder.tokenizer, size=100, overlap=10)
    assert len(chunks) >= 30
    assert all(c.tokens <= 100 and doc.text[c.start:c.end] == c.text for c in chunks)
    assert chunks[-1].end == len(doc.text)


def test_chunks_do_not_span_pages(embedder):
    page1, page2 = "Alpha is first. " * 5, "Beta is second. " * 5
    text = page1.strip() + "\n\n" + page2.strip()
    doc = Document("mem.pdf", "t", "pdf", text, pages=[(1, 0), (2, len(page1.strip()) + 2)])
    chunks = chunk_document(doc, embedder.tokenizer, size=500, overlap=50)
    assert [c.page for c in chunks] == [1, 2]
    assert "Beta" not in chunks[0].text and "Alpha" not in chunks[1].text


@pytest.mark.parametrize("size,overlap", [(4, 0), (64, 64)])
def test_unusable_sizes_are_refused(embedder, size, overlap):
    with pytest.raises(ValueError):
        chunk_document(Document("m", "t", "text", "Hello there."), embedder.tokenizer, size, overlap)


def test_a_markdown_tables_rows_are_never_cut_in_two(embedder):
    """systemd's UIDS-GIDS.md (session 29's browser trial): a chunk began inside the row "65534 | nobody
    user", after its number, and its next row's 65535 supported "The UID of the nobody user is 65535."."""
    rows = [f"| {uid:>21} | {purpose:<21} | Linux         | `/etc/passwd`                 |"
            for uid, purpose in [(0, "`root` user"), (5, "`tty` group"), (65533, "Unused"), (65534, "`nobody` user"),
                                 (65535, "16bit `(uid_t) -1`"), (4294967295, "32bit `(uid_t) -1`")] * 4]
    text = "## Summary\n\n| UID | Purpose | Defined By | Listed in |\n|---|---|---|---|\n" + "\n".join(rows)
    assert [s.text for s in split_sentences(text)][-len(rows):] == rows
    chunks = chunk_document(Document("mem", "t", "text", text), embedder.tokenizer, size=64, overlap=16)
    assert len(chunks) > 2
    for chunk in chunks:
        assert chunk.text.startswith(("|", "## Summary")) and chunk.text.endswith("|")
