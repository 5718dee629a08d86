"""The document index end to end with the real embedder: every file type, bad input, updates, search."""

import json
import zipfile

import pytest

from core.config import IndexConfig
from core.errors import ConfigError, InputError
from index.documents import DocumentIndex
from index.retriever import IndexRetriever
from tests.fixtures import make_docx, make_pdf


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "acme.md").write_text("# Acme Corp\n\nAcme Corp was founded in 1999 in Oslo. "
                                    "Its head office is in Bergen, Norway.\n")
    (folder / "moon.txt").write_text("The Moon orbits the Earth every 27.3 days. It has almost no atmosphere.")
    (folder / "pumps.html").write_text(
        "<html><head><title>Pumps</title><script>document.title='pwned'</script></head>"
        "<body><p>Centrifugal pumps move fluid with a rotating impeller.</p></body></html>")
    make_pdf(folder / "report.pdf", ["Quarterly report, first page: revenue grew.",
                                     "Second page: the plant in Tromso makes 1200 valves a day."])
    make_docx(folder / "memo.docx", ["The cafeteria closes at 3 pm on Fridays."], title="Memo")
    (folder / "kb.jsonl").write_text(
        json.dumps({"id": "k1", "text": "Ticket XQ-77b concerns a broken valve.", "title": "Ticket 1"}) + "\n"
        + json.dumps({"id": "k2", "text": "Ticket ZZ-12 concerns a login problem."}) + "\n")
    (folder / ".hidden.txt").write_text("never indexed")
    return folder


@pytest.fixture
def doc_index(tmp_path, embedder, database):
    """An empty document index, once on SQLite and once on PostgreSQL."""
    idx = DocumentIndex(IndexConfig(batch_size=8), root=tmp_path / "index", embedder=embedder, database=database)
    yield idx
    idx.close()


def snapshot(idx):
    return [(d.id, d.sha256, d.chunks) for d in idx.documents()]


def test_a_folder_of_every_type_is_added_and_searchable(doc_index, corpus):
    report = doc_index.add([corpus])
    assert not report.skipped
    kinds = sorted(d.kind for d in doc_index.documents())
    assert kinds == ["docx", "html", "jsonl", "jsonl", "markdown", "pdf", "text"]
    titles = {d.title for d in doc_index.documents()}
    assert {"Acme Corp", "Pumps", "Memo", "Ticket 1", "k2"} <= titles
    top = doc_index.search("How many valves does the Tromso plant make?", k=1)[0]
    assert top.source.endswith("report.pdf") and top.page == 2
    assert "1200 valves" in top.text
    assert doc_index.search("Where is Acme's head office?", k=1)[0].title == "Acme Corp"
    # exact offsets into the stored text
    pump = doc_index.search("impeller", k=1)[0]
    assert pump.title == "Pumps" and pump.text == "Centrifugal pumps move fluid with a rotating impeller."
    assert "pwned" not in pump.text and "script" not in pump.text


def test_hybrid_search_finds_rare_keywords(doc_index, corpus):
    doc_index.add([corpus])
    hit = doc_index.search("XQ-77b", k=1, hybrid=True)[0]
    assert hit.title == "Ticket 1"


@pytest.mark.parametrize("hybrid", [False, True])
def test_a_search_within_chosen_documents_finds_their_chunks_only(doc_index, corpus, hybrid):
    """A chat's scope (issue 24): the question about valves asked of the memo and the moon finds them,
    ranked exactly as the whole index ranks them, and never the report that answers it."""
    doc_index.add([corpus])
    by_title = {d.title: d.id for d in doc_index.documents()}
    chosen = [by_title["Memo"], next(i for t, i in by_title.items() if "Moon" in t or "moon" in t)]
    question = "How many valves does the Tromso plant make?"
    hits = doc_index.search(question, k=5, hybrid=hybrid, doc_ids=chosen)
    assert hits and {h.doc_id for h in hits} <= set(chosen)
    everywhere = [h for h in doc_index.search(question, k=50, hybrid=False) if h.doc_id in chosen]
    if not hybrid:
        assert [(h.chunk_id, round(h.score, 5)) for h in hits] == [(h.chunk_id, round(h.score, 5)) for h in everywhere]
    assert doc_index.search(question, k=3, hybrid=hybrid, doc_ids=["no-such-document"]) == []


def test_plain_text_without_an_extension_is_read_as_text(doc_index, tmp_path):
    """Debian's licences (``/usr/share/common-licenses/Apache-2.0``, ``GPL-3``) and READMEs have no
    extension, or a version number for one: they were refused as "unsupported file type '.0'"."""
    (tmp_path / "Apache-2.0").write_text("                Apache License\n          Version 2.0, January 2004\n\n"
                                         "Licensed under the Apache License, Version 2.0 (the License).\n")
    (tmp_path / "README").write_text("Build notes\n\nRun make to build the project.\n")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    report = doc_index.add([tmp_path / "Apache-2.0", tmp_path / "README", tmp_path / "photo.png"])
    assert sorted((d.title, d.kind) for d in report.added) == [("Apache License", "text"), ("Build notes", "text")]
    assert [reason for _, reason in report.skipped] == [
        "unsupported file type '.png'; supported: .docx, .htm, .html, .jsonl, .markdown, .md, .pdf, .txt, "
        "and plain text without an extension"]
    assert doc_index.search("Which licence version?", k=1)[0].source.endswith("Apache-2.0")


def test_readding_unchanged_is_a_noop_and_a_change_replaces(doc_index, corpus):
    doc_index.add([corpus])
    before = snapshot(doc_index)
    again = doc_index.add([corpus])
    assert not again.added and not again.replaced and len(again.unchanged) == 7
    assert snapshot(doc_index) == before
    (corpus / "moon.txt").write_text("The Moon is about 384,400 km from the Earth.")
    changed = doc_index.add([corpus / "moon.txt"])
    assert [d.source for d in changed.replaced] == [str(corpus / "moon.txt")]
    hit = doc_index.search("How far away is the Moon?", k=1, hybrid=False)[0]
    assert "384,400" in hit.text
    assert not any("27.3 days" in h.text for h in doc_index.search("Moon orbit period", k=10))
    assert len(doc_index.documents()) == 7


def test_same_content_under_another_name_is_skipped(doc_index, corpus, tmp_path):
    doc_index.add([corpus / "acme.md"])
    copy = tmp_path / "copy.md"
    copy.write_text((corpus / "acme.md").read_text())
    report = doc_index.add([copy])
    assert report.skipped == [(str(copy), f"same content as {corpus / 'acme.md'}, already added")]


def test_remove_by_id_prefix_or_source(doc_index, corpus):
    doc_index.add([corpus])
    acme = next(d for d in doc_index.documents() if d.title == "Acme Corp")
    assert doc_index.remove(acme.id[:6]).id == acme.id
    assert all(h.doc_id != acme.id for h in doc_index.search("Acme head office Bergen", k=10))
    doc_index.remove(str(corpus / "moon.txt"))
    assert len(doc_index.documents()) == 5
    with pytest.raises(InputError, match="no document 'nope'"):
        doc_index.remove("nope")


def _zip_as_docx(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a word document")


BAD_INPUTS = {
    "unknown type": ("notes.xyz", lambda p: p.write_text("hello"), "unsupported file type '.xyz'"),
    "empty file": ("empty.txt", lambda p: p.write_bytes(b""), "is empty"),
    "binary as text": ("blob.txt", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10),
                       "binary file"),
    "non-UTF-8 text": ("latin1.md", lambda p: p.write_bytes("café crème".encode("latin-1")), "not valid UTF-8"),
    "corrupt PDF": ("broken.pdf", lambda p: p.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n"),
                    "not a readable PDF"),
    "truncated PDF": ("cut.pdf", lambda p: p.write_bytes(make_pdf(p, ["Some text here."]).read_bytes()[:200]),
                      "not a readable PDF"),
    "encrypted PDF": ("locked.pdf", lambda p: make_pdf(p, ["secret"], password="pw"), "encrypted PDF"),
    "zip renamed .docx": ("fake.docx", _zip_as_docx, "not a readable .docx"),
    "text renamed .docx": ("plain.docx", lambda p: p.write_text("just text"), "not a readable .docx"),
    "over the size limit": ("big.txt", lambda p: p.write_text("word " * 250_000), "over the 1 MB limit"),
    "PDF without text": ("blank.pdf", lambda p: make_pdf(p, [""]), "no text to index"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_named_and_skipped_and_nothing_stored_changes(tmp_path, embedder, corpus, case):
    idx = DocumentIndex(IndexConfig(max_file_mb=1.0), root=tmp_path / "index", embedder=embedder)
    idx.add([corpus])
    before = snapshot(idx)
    name, make, message = BAD_INPUTS[case]
    bad_dir = tmp_path / "incoming"
    bad_dir.mkdir()
    bad = bad_dir / name
    make(bad)
    (bad_dir / "good.txt").write_text("A good file next to the bad one is still added.")
    report = idx.add([bad_dir])
    assert [path for path, _ in report.skipped] == [str(bad)]
    assert message in report.skipped[0][1]
    assert f"skipped {bad}: " in report.summary()
    assert [d.source for d in report.added] == [str(bad_dir / "good.txt")]
    after = snapshot(idx)
    assert after[:len(before)] == before and len(after) == len(before) + 1
    assert idx.search("Acme head office", k=1)[0].title == "Acme Corp"
    idx.close()


def test_malformed_jsonl_lines_are_named_and_the_rest_added(doc_index, tmp_path):
    path = tmp_path / "bulk.jsonl"
    path.write_text('{"id": "a", "text": "Alpha text."}\n{not json}\n["a list"]\n{"text": "no id"}\n'
                    '{"id": "b", "text": ""}\n{"id": "c", "text": "Gamma text."}\n')
    report = doc_index.add([path])
    assert [d.source for d in report.added] == [f"{path}#a", f"{path}#c"]
    reasons = {p: r for p, r in report.skipped}
    assert reasons == {f"{path}:2": "line 2 is not valid JSON (Expecting property name enclosed in double quotes)",
                       f"{path}:3": "line 3 is not a JSON object",
                       f"{path}:4": 'line 4 has no "id" (string or number)',
                       f"{path}:5": 'line 5 has no non-empty "text"'}


def test_missing_paths_are_reported(doc_index, tmp_path):
    report = doc_index.add([tmp_path / "nowhere"])
    assert report.skipped == [(str(tmp_path / "nowhere"), "not found")]


def test_vectors_are_rebuilt_from_the_database_when_the_faiss_file_is_lost(tmp_path, embedder, corpus, database):
    idx = DocumentIndex(IndexConfig(), root=tmp_path / "index", embedder=embedder, database=database)
    idx.add([corpus])
    expected = [h.chunk_id for h in idx.search("valves per day", k=3, hybrid=False)]
    faiss_file = idx.store.faiss_path
    idx.close()
    faiss_file.unlink()
    again = DocumentIndex(IndexConfig(), root=tmp_path / "index", embedder=embedder, database=database)
    assert [h.chunk_id for h in again.search("valves per day", k=3, hybrid=False)] == expected
    assert again.store.vectors.live_count == again.store.chunk_count()


def test_a_second_process_sees_documents_added_by_the_first(tmp_path, embedder, corpus, database):
    """Two indexes on one store: on SQLite one data home, on PostgreSQL two replicas' data homes
    (each its own FAISS file) and one database."""
    a = DocumentIndex(IndexConfig(), root=tmp_path / "index", embedder=embedder, database=database)
    b = DocumentIndex(IndexConfig(), root=tmp_path / ("index" if database is None else "replica-b"),
                      embedder=embedder, database=database)
    a.add([corpus / "acme.md"])
    assert b.search("head office", k=1)[0].title == "Acme Corp"
    b.add([corpus / "moon.txt"])
    a.remove(str(corpus / "acme.md"))
    assert [h.title for h in b.search("head office", k=5, hybrid=False)] == [
        "The Moon orbits the Earth every 27.3 days. It has almost no atmosphere."]
    assert a.store.vectors.live_count == b.store.vectors.live_count == a.store.chunk_count()


def test_switches_to_hnsw_past_the_threshold(tmp_path, embedder, database):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(30):
        (folder / f"d{i}.txt").write_text(f"Document {i} is about subject {i * 7919 % 101}.")
    idx = DocumentIndex(IndexConfig(ann_threshold=20), root=tmp_path / "index", embedder=embedder, database=database)
    idx.add([folder])
    assert idx.stats()["vector_index"].startswith("hnsw")
    assert idx.search("Document 17", k=1, hybrid=False)[0].title.startswith("Document 17")


def test_another_embedding_model_is_refused(tmp_path, embedder, corpus, database):
    DocumentIndex(IndexConfig(), root=tmp_path / "index", embedder=embedder, database=database).add([corpus / "acme.md"])
    other = DocumentIndex(IndexConfig(embedding_model="sentence-transformers/all-mpnet-base-v2"),
                          root=tmp_path / "index", database=database)
    with pytest.raises(ConfigError, match="built with embedding model 'minilm'"):
        other.documents()


def test_langchain_retriever(doc_index, corpus):
    doc_index.add([corpus])
    docs = IndexRetriever(index=doc_index, k=2).invoke("rotating impeller")
    assert len(docs) == 2
    assert docs[0].metadata["title"] == "Pumps" and docs[0].page_content.startswith("Centrifugal")
    assert {"doc_id", "source", "page", "start", "end", "score"} <= set(docs[0].metadata)


def test_a_licence_tag_or_copyright_line_is_not_a_documents_title(tmp_path):
    """A new user's trial (session 22): systemd's message catalogue was titled by its first line,
    "SPDX-License-Identifier: LGPL-2.1-or-later", in every source list and evidence line."""
    from index.load import load_path

    catalogue = tmp_path / "systemd.zh_CN.txt"
    catalogue.write_text("# SPDX-License-Identifier: LGPL-2.1-or-later\n#\n#  Copyright © 2015 Boyuan Yang\n\n"
                         "# Message catalog for systemd's own messages\n\n-- fc2e22bc6ee647b6b90729ab34a250b1\n"
                         "Subject: 进程 @COREDUMP_PID@ (@COREDUMP_COMM@) 崩溃并已转储\n", encoding="utf-8")
    (doc,) = load_path(catalogue, 10_000)
    assert doc.title == "Message catalog for systemd's own messages"
    plain = tmp_path / "notes.txt"
    plain.write_text("---\n\nShip log, 3 May\n\nAll well.\n", encoding="utf-8")
    assert next(iter(load_path(plain, 10_000))).title == "Ship log, 3 May"


def test_a_text_that_opens_with_prose_is_titled_by_its_file_name(tmp_path):
    """A paragraph is not a title: a text file opening with one was titled by its first 120
    characters, cut mid-word, in every source list and in front of each of its passages in the prompt."""
    from index.load import load_path

    paragraph = ("The area of the modern city of Jacksonville has been inhabited for thousands of years. On Black "
                 "Hammock Island a team discovered some of the oldest remnants of pottery in the United States.")
    essay = tmp_path / "jacksonville-history.txt"
    essay.write_text(paragraph + "\n", encoding="utf-8")
    assert next(iter(load_path(essay, 10_000))).title == "jacksonville-history"
    zh = tmp_path / "历史.txt"
    zh.write_text("杰克逊维尔地区已有数千年的人类居住史。" * 3 + "\n", encoding="utf-8")  # 57 characters, 114 columns
    assert next(iter(load_path(zh, 10_000))).title == "历史"
    titled = tmp_path / "notes.txt"
    titled.write_text("History of Jacksonville\n\n" + paragraph, encoding="utf-8")
    assert next(iter(load_path(titled, 10_000))).title == "History of Jacksonville"


def test_a_markdown_files_front_matter_gives_its_title(tmp_path):
    """Session 28's browser trial: systemd's UIDS-GIDS.md (as Debian installs it) was titled "title: Users,
    Groups, UIDs and GIDs on systemd Systems" in every source list."""
    from index.load import load_path

    page = tmp_path / "UIDS-GIDS.md"
    page.write_text("---\ntitle: Users, Groups, UIDs and GIDs on systemd Systems\ncategory: Users, Groups and Home "
                    "Directories\nlayout: default\nSPDX-License-Identifier: LGPL-2.1-or-later\n---\n\n# Users, "
                    "Groups, UIDs and GIDs on systemd Systems\n\nHere's a summary.\n", encoding="utf-8")
    assert next(iter(load_path(page, 10_000))).title == "Users, Groups, UIDs and GIDs on systemd Systems"
    untitled = tmp_path / "notes.md"
    untitled.write_text("---\nlayout: default\n---\n\n# Ship log\n\nAll well.\n", encoding="utf-8")
    assert next(iter(load_path(untitled, 10_000))).title == "Ship log"


def test_a_heading_any_document_has_is_titled_with_the_files_name_and_emacs_variables_are_not_in_it(tmp_path):
    """Session 39's trial: httplib2's README.md was "Introduction" in every source list, man-db's FAQ
    "Frequently Asked Questions", and gzip's NEWS "GNU gzip NEWS -*- outline"."""
    from index.load import load_path

    readme = tmp_path / "README.md"
    readme.write_text("Introduction\n============\n\nhttplib2 is a comprehensive HTTP client library.\n",
                      encoding="utf-8")
    assert next(iter(load_path(readme, 10_000, name="httplib2-readme.md"))).title == "httplib2-readme: Introduction"
    faq = tmp_path / "faq.txt"
    faq.write_text("Frequently Asked Questions\n==========================\n\nQ: Why?\nA: Because.\n", encoding="utf-8")
    assert next(iter(load_path(faq, 10_000))).title == "faq: Frequently Asked Questions"
    news = tmp_path / "NEWS.txt"
    news.write_text("GNU gzip NEWS                                    -*- outline -*-\n\n* Noteworthy changes\n",
                    encoding="utf-8")
    assert next(iter(load_path(news, 10_000))).title == "GNU gzip NEWS"
    mine = tmp_path / "My notes.md"  # the file's own name says it already
    mine.write_text("# Notes\n\nText.\n", encoding="utf-8")
    assert next(iter(load_path(mine, 10_000))).title == "Notes"
    named = tmp_path / "overview.md"  # the file's own name says no more
    named.write_text("# Overview\n\nText.\n", encoding="utf-8")
    assert next(iter(load_path(named, 10_000))).title == "Overview"


@pytest.mark.parametrize("banner, title", [
    ("=      欢     迎     阅     读   《 V I M  教  程 》   ——      版本 1.7       =",
     "欢迎阅读《VIM教程》——版本 1.7"),
    ("=    W e l c o m e   t o   t h e   V I M   T u t o r    -    Version 1.7      =",
     "Welcome to the VIM Tutor - Version 1.7"),
    ("**  Ship   log  **", "Ship log")])
def test_a_banners_frame_and_letter_spacing_are_not_in_the_title(tmp_path, banner, title):
    """A new user's trial: Vim's Chinese tutor (its first lines as Debian installs them) was titled
    "=      欢     迎     阅     读   《 V I M  教  程 》 ..." in every source list."""
    from index.load import load_path

    tutor = tmp_path / "tutor.txt"
    opening = "\n\n     Vim 是一个具有很多命令的功能非常强大的编辑器。\n"
    tutor.write_text("=" * 79 + f"\n{banner}\n" + "=" * 79 + opening, encoding="utf-8")
    assert next(iter(load_path(tutor, 10_000))).title == title


def test_each_searchs_first_chunk_is_kept_in_the_fused_top_k():
    """Session 39's trial: the libtasn1 manual's only chunk saying "This version doesn't handle the REAL
    type." was the keyword search's first, outside the vector search's 20, and fused 18th of 20."""
    from index.search import fused, rrf

    vector = [10, 11, 12, 13, 14, 15]
    keyword = [99, 12, 11, 13, 10, 14]
    assert 99 not in [i for i, _ in rrf([vector, keyword])[:5]]
    top = fused([vector, keyword], 5)
    assert [i for i, _ in top][-1] == 99 and len(top) == 5  # in, at its own (low) fused score
    assert {i for i, _ in top} >= {10, 99}
    assert fused([vector, keyword], 5)[:4] == rrf([vector, keyword])[:4]  # the rest keep their order
    assert fused([vector, []], 2) == rrf([vector, []])[:2]
    assert [i for i, _ in fused([[1, 2], [3, 4]], 1)] in ([1], [3])  # one place: it stays fused's first
