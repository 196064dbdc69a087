"""An evidence file's type is read from its content; what the client declares and the file's name
must agree with it (issue 14)."""

from __future__ import annotations

import io
import zipfile

import pytest

from services.intake.domain.evidence_type import (
    CSV,
    DOC,
    DOCX,
    GIF,
    JPEG,
    ODT,
    PDF,
    PNG,
    PPTX,
    TEXT,
    XLSX,
    evidence_type,
)
from shared.domain import InvalidInput

pytestmark = pytest.mark.unit

PDF_FILE = b"%PDF-1.4\n% minutes of the monitoring visit\n%%EOF\n"
PNG_FILE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG_FILE = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 20
GIF_FILE = b"GIF89a" + b"\x00" * 20
OLE_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
SCRIPT = b"<script>fetch('/intake/providers').then(r => r.text())</script>"


def zipped(*names: str, mimetype: str | None = None) -> bytes:
    """A zip holding these (empty) parts, an OpenDocument's `mimetype` first if given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype:
            archive.writestr("mimetype", mimetype)
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


DOCX_FILE = zipped("[Content_Types].xml", "word/document.xml")
XLSX_FILE = zipped("[Content_Types].xml", "xl/workbook.xml")
PPTX_FILE = zipped("[Content_Types].xml", "ppt/presentation.xml")
ODT_FILE = zipped("content.xml", mimetype=ODT)


@pytest.mark.parametrize(("content", "declared", "name", "kept"), [
    (PDF_FILE, "application/pdf", "minutes.pdf", PDF),
    (PNG_FILE, "image/png", "photo.png", PNG),
    (JPEG_FILE, "image/jpg", "photo.JPG", JPEG),
    (GIF_FILE, "application/octet-stream", "chart", GIF),
    (DOCX_FILE, DOCX, "plan.docx", DOCX),
    (XLSX_FILE, "application/octet-stream", "rota.xlsx", XLSX),
    (PPTX_FILE, PPTX, "briefing.pptx", PPTX),
    (ODT_FILE, "", "notes.odt", ODT),
    (OLE_FILE, "application/octet-stream", "old minutes.doc", DOC),
    (b"Visit notes\n12 August 2026: all well.\n", "text/plain", "notes.txt", TEXT),
    (b"\xef\xbb\xbfname,hours\nAnn,37.5\n", "application/vnd.ms-excel", "hours.csv", CSV),
    (PDF_FILE, "application/pdf", "minutes 12.08.2025", PDF),
])
def test_the_type_kept_is_the_one_the_content_shows(content, declared, name, kept):
    assert evidence_type(content, declared, name) == kept


@pytest.mark.parametrize(("content", "declared", "name", "why"), [
    (SCRIPT, "application/pdf", "notes.pdf", "is not accepted: its content is not"),
    (SCRIPT, "text/html", "page.html", "is not accepted: its content is not"),
    (b"#!/bin/sh\nrm -rf ~\n", "text/plain", "notes.txt", "is not accepted: its content"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "application/pdf", "invoice.pdf", "not accepted"),
    (PNG_FILE, "application/pdf", "minutes.pdf", "named .pdf but it is a PNG image"),
    (PNG_FILE, "application/pdf", "photo", "sent as application/pdf but it is a PNG image"),
    (PDF_FILE, "application/pdf", "minutes.exe", "named .exe but it is a PDF"),
    (zipped("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"),
     "application/vnd.ms-word.document.macroEnabled.12", "plan.docm", "not accepted"),
    (zipped("readme.txt"), "application/zip", "files.zip", "not accepted"),
    (OLE_FILE, "application/octet-stream", "setup.msi", "not accepted"),
    (b"", "application/pdf", "empty.pdf", "the file is empty"),
])
def test_anything_else_or_a_mismatch_is_refused_naming_the_file(content, declared, name, why):
    with pytest.raises(InvalidInput) as refused:
        evidence_type(content, declared, name)
    assert refused.value.field == "file"
    assert why in refused.value.message
