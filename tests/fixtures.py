"""Build test documents of every supported type (and broken ones) in code, not as checked-in blobs."""

from __future__ import annotations

from pathlib import Path


def make_pdf(path: Path, pages: list[str], password: str | None = None) -> Path:
    """A real text PDF (Helvetica), one string per page, optionally encrypted."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    })
    font_ref = writer._add_object(font)
    for text in pages:
        page = writer.add_blank_page(width=612, height=792)
        lines = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in text.split("\n")]
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td"] + [f"({line}) Tj T*" for line in lines] + ["ET"]
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})})
    if password:
        writer.encrypt(password)
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def make_docx(path: Path, paragraphs: list[str], title: str | None = None) -> Path:
    import docx

    d = docx.Document()
    if title:
        d.core_properties.title = title
    for p in paragraphs:
        d.add_paragraph(p)
    d.save(str(path))
    return path


class FixedVerifier:
    """A verifier that gives every window the same probabilities (supported, unsupported, contradicted):
    what the checker's own rules make of a verdict the verifier is sure or unsure of."""

    name, version, window_words = "fixed", "1", 40

    def __init__(self, probs):
        self.probs = probs

    def predict(self, pairs, batch_size=32):
        import numpy as np

        return np.array([self.probs for _ in pairs])
