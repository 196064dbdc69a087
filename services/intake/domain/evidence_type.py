"""What an evidence file really is, read from its content: the type a browser declares and the
file's name are only claims, and a script sent as `application/pdf` must not be kept as one.

puremagic (a maintained, pure-Python reader of files' magic numbers) recognises PDFs, images and
legacy Office files by their first bytes. The Office Open XML and OpenDocument formats are all
zip files, so they are told apart by what the zip holds: `[Content_Types].xml` with the main
part of a document, workbook or presentation, or an OpenDocument's `mimetype` entry.
"""

from __future__ import annotations

import io
import re
import zipfile

import puremagic

from shared.domain import InvalidInput

PDF = "application/pdf"
PNG, JPEG, GIF, WEBP = "image/png", "image/jpeg", "image/gif", "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
DOC, XLS = "application/msword", "application/vnd.ms-excel"
TEXT, CSV = "text/plain", "text/csv"

# The types accepted, in plain words, with the names their files go by.
ACCEPTED = {
    PDF: ("a PDF", {"pdf"}), PNG: ("a PNG image", {"png"}),
    JPEG: ("a JPEG image", {"jpg", "jpeg", "jpe", "jfif"}), GIF: ("a GIF image", {"gif"}),
    WEBP: ("a WebP image", {"webp"}), DOCX: ("a Word document", {"docx"}),
    XLSX: ("an Excel workbook", {"xlsx"}), PPTX: ("a PowerPoint presentation", {"pptx"}),
    ODT: ("an OpenDocument text", {"odt"}), ODS: ("an OpenDocument spreadsheet", {"ods"}),
    ODP: ("an OpenDocument presentation", {"odp"}), DOC: ("a Word 97-2003 document", {"doc"}),
    XLS: ("an Excel 97-2003 workbook", {"xls"}), TEXT: ("plain text", {"txt", "text"}),
    CSV: ("a CSV file", {"csv"}),
}
EVIDENCE_TYPES = frozenset(ACCEPTED)
# Other names browsers and systems give the same types; Windows sends a CSV as Excel's.
ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "application/x-pdf": PDF,
           "application/csv": CSV, "text/comma-separated-values": CSV}
UNDECLARED = {"", "application/octet-stream"}
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of Word and Excel 97-2003
OFFICE_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX,
                "ppt/presentation.xml": PPTX}
REFUSED = ("this file is not accepted: its content is not a PDF, an image (PNG, JPEG, GIF, "
           "WebP), an office document or plain text")


def evidence_type(content: bytes, declared: str, filename: str) -> str:
    """The file's type as its content shows it, if accepted and if its declared type and name
    agree; otherwise InvalidInput naming the field `file`."""
    if not content:
        raise InvalidInput("the file is empty", field="file")
    extension = _extension(filename)
    found = _sniffed(content, ALIASES.get(declared, declared), extension)
    if found is None:
        raise InvalidInput(REFUSED, field="file")
    what, extensions = ACCEPTED[found]
    if extension and extension not in extensions:
        raise InvalidInput(f"this file is not accepted: it is named .{extension[:10]} but it "
                           f"is {what}", field="file")
    if not _agrees(found, ALIASES.get(declared, declared)):
        raise InvalidInput(f"this file is not accepted: it was sent as {declared[:100]} but "
                           f"it is {what}", field="file")
    return found


def _extension(filename: str) -> str:
    # Only a name's last part that looks like an extension ("minutes.12.08.2025" has none).
    _, dot, last = filename.rpartition(".")
    return last.lower() if dot and re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,4}", last) else ""


def _agrees(found: str, declared: str) -> bool:
    if declared in UNDECLARED or declared == found:
        return True
    return found == CSV and declared in (TEXT, XLS) or found == TEXT and declared == CSV


def _sniffed(content: bytes, declared: str, extension: str) -> str | None:
    if content.startswith(b"PK\x03\x04"):
        return _office_zip(content)
    if content.startswith(OLE):
        # The compound file does not say which program wrote it; the name and type may.
        return next((t for t in (DOC, XLS) if declared == t or extension in ACCEPTED[t][1]),
                    None)
    try:
        candidates = puremagic.magic_string(content)
    except puremagic.PureError:
        candidates = []
    for candidate in candidates:
        mime = ALIASES.get(candidate.mime_type, candidate.mime_type)
        if mime in (PDF, PNG, JPEG, GIF, WEBP):
            return mime
    if candidates and candidates[0].confidence >= 0.8:
        return None  # something else that puremagic is sure of, an executable say
    return _text(content, declared, extension)


def _office_zip(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # a document carrying macros
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                found = archive.read("mimetype").decode("ascii", "replace").strip()
                return found if found in (ODT, ODS, ODP) else None
            if "[Content_Types].xml" in names:
                return next((t for part, t in OFFICE_PARTS.items() if part in names), None)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, OSError):
        return None
    return None


def _text(content: bytes, declared: str, extension: str) -> str | None:
    """Plain UTF-8 text or CSV; not markup (a web page) nor a script."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text) or "\x7f" in text:
        return None
    if text.lstrip().startswith(("<", "#!")):
        return None
    return CSV if extension == "csv" or declared == CSV else TEXT
