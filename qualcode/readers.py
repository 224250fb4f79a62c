"""Read protocols from .txt, .md, .docx, .odt and .pdf into plain text.

Text files are decoded without guessing wildly: a BOM (UTF-8, UTF-16) wins;
otherwise strict UTF-8; otherwise Windows-1252 (the usual German legacy
encoding, with „“ and umlauts); otherwise Latin-1. Binary content is refused.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from qualcode.errors import InvalidInput

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
SUFFIXES = TEXT_SUFFIXES | {".docx", ".odt", ".pdf"}
MAX_FILE_MB = float(os.environ.get("QUALCODE_MAX_FILE_MB", "20"))
# C0 controls other than tab, newline, form feed and carriage return: many of them mean binary data.
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


def decode_text(data: bytes, name: str = "file") -> str:
    """Decode the bytes of a text file; raise :class:`InvalidInput` for binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict")
        except UnicodeDecodeError:  # a BOM, then Windows-1252 (some Excel exports)
            data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{name}: broken UTF-16 text ({exc.reason})", "re-save it as UTF-8"
            ) from exc
    if b"\x00" in data:
        raise InvalidInput(
            f"{name}: binary content, not a text file",
            "import .txt, .md, .docx, .odt or .pdf files",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    controls = len(_BINARY_CONTROLS.findall(text, 0, 100_000))
    if controls > max(8, len(text[:100_000]) // 50):
        raise InvalidInput(
            f"{name}: binary content, not a text file",
            "import .txt, .md, .docx, .odt or .pdf files",
        )
    return text


def read_document(path: Path) -> tuple[str, bool]:
    """Return ``(text, may_have_front_matter)`` for a supported file."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(
            f"{path.name}: unsupported file type {suffix or '(none)'}",
            "import .txt, .md, .docx, .odt or .pdf files",
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInput(
            f"{path.name}: cannot read ({exc.strerror})", "check the path and permissions"
        ) from exc
    if size > MAX_FILE_MB * 1024 * 1024:
        raise InvalidInput(
            f"{path.name}: {size / 1024 / 1024:.0f} MB is larger than the {MAX_FILE_MB:.0f} MB limit for one document",
            "split the file, or raise QUALCODE_MAX_FILE_MB",
        )
    if size == 0:
        raise InvalidInput(f"{path.name}: the file is empty", "remove it or add its text")
    try:
        if suffix in TEXT_SUFFIXES:
            return decode_text(path.read_bytes(), path.name), True
        if suffix == ".docx":
            return _read_docx(path), False
        if suffix == ".odt":
            return _read_odt(path), False
        return _read_pdf(path), False
    except InvalidInput:
        raise
    except OSError as exc:
        raise InvalidInput(
            f"{path.name}: cannot read ({exc.strerror or exc})", "check the path and permissions"
        ) from exc
    except Exception as exc:  # corrupt containers raise many different errors
        raise InvalidInput(
            f"{path.name}: not a readable {suffix[1:]} file ({type(exc).__name__})",
            "open and re-save it, or export it as .txt",
        ) from exc


def _check_zip(path: Path) -> None:
    if not zipfile.is_zipfile(path):
        raise InvalidInput(
            f"{path.name}: not a valid {path.suffix[1:]} file (not a zip container)",
            "open and re-save it, or export it as .txt",
        )
    with zipfile.ZipFile(path) as zf:
        total = sum(i.file_size for i in zf.infolist())
        if total > 20 * MAX_FILE_MB * 1024 * 1024 or len(zf.infolist()) > 10_000:
            raise InvalidInput(
                f"{path.name}: the container unpacks to {total / 1e6:.0f} MB, too large",
                "export the document as .txt",
            )


def _read_docx(path: Path) -> str:
    _check_zip(path)
    import docx

    document = docx.Document(str(path))
    blocks: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            blocks.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = []
                    for cell in row:
                        if cell.tag.endswith("}tc"):
                            cells.append(
                                " ".join(
                                    "".join(t.text or "" for t in p.iter() if t.tag.endswith("}t"))
                                    for p in cell
                                    if p.tag.endswith("}p")
                                )
                            )
                    blocks.append(" | ".join(c.strip() for c in cells))
    return "\n\n".join(b.strip() for b in blocks if b.strip())


def _read_odt(path: Path) -> str:
    _check_zip(path)
    from odf import teletype
    from odf import text as odf_text
    from odf.opendocument import load

    doc = load(str(path))
    blocks = []
    for el in doc.body.getElementsByType(odf_text.H) + doc.body.getElementsByType(odf_text.P):
        blocks.append((el, teletype.extractText(el)))
    # keep document order: getElementsByType returns per type; order by position in the tree
    order = {id(el): i for i, el in enumerate(_walk(doc.body))}
    blocks.sort(key=lambda b: order.get(id(b[0]), 0))
    return "\n\n".join(t.strip() for _, t in blocks if t.strip())


def _walk(node):
    for child in node.childNodes:
        yield child
        yield from _walk(child)


def _read_pdf(path: Path) -> str:
    """The text of a PDF; pypdf's own warnings ("EOF marker not found", …) stay quiet —
    a damaged file is reported once, as one line, by the caller."""
    import logging
    import warnings

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _pdf_text(path)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted:
        raise InvalidInput(
            f"{path.name}: the PDF is encrypted", "save an unprotected copy or export it as .txt"
        )
    pages = [(page.extract_text() or "").strip() for page in reader.pages]
    text = "\n\n".join(p for p in pages if p)
    if not text.strip():
        raise InvalidInput(
            f"{path.name}: the PDF has no text layer (a scan?)",
            "run OCR on it first, or export it as .txt",
        )
    return text
