"""Read protocols from .txt, .md, .docx, .odt and .pdf into plain text.

Text files are decoded by :func:`decode_text`, the one decoder of the project (documents,
CSV and XLSX codings, codebooks, recode maps, REFI-QDA sources): a BOM (UTF-8, UTF-16)
wins; otherwise strict UTF-8; otherwise Windows-1252 — but only when the whole file is
consistent with it. A file that is UTF-8 except for a few bytes is refused with the byte
offset and line of the first bad byte (decoding it as Windows-1252 would turn every
umlaut into mojibake, ``ä`` → ``Ã¤``). Binary content is refused.

:func:`csv_rows` / :func:`csv_table` read CSV strictly: an unclosed quote and a line
with too few or too many fields are errors that name the physical line.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from pathlib import Path
from typing import NamedTuple

from qualcode.errors import InvalidInput

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
SUFFIXES = TEXT_SUFFIXES | {".docx", ".odt", ".pdf"}
ENV_MAX_FILE_MB = "QUALCODE_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 20.0
# C0 controls other than tab, newline, form feed and carriage return: many of them mean binary data.
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")

UTF8, UTF16, CP1252 = "utf-8", "utf-16", "windows-1252"
ENCODING_LABELS = {UTF8: "UTF-8", UTF16: "UTF-16", CP1252: "Windows-1252"}
# Bytes Windows-1252 leaves undefined (Python's cp1252 codec refuses them).
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
# A well-formed UTF-8 sequence of two to four bytes (RFC 3629), or (group 1) any other
# byte above 0x7F: a byte that cannot be UTF-8 there.
_UTF8_SCAN = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}|([\x80-\xff])"
)


def max_file_mb() -> float:
    """The size limit for one document, in MB (``QUALCODE_MAX_FILE_MB``, default 20).

    One limit for every way a document comes in: a file for ``qualcode import`` and a text
    source inside a REFI-QDA project (``.qdpx``) alike.
    """
    raw = os.environ.get(ENV_MAX_FILE_MB, "").strip()
    if not raw:
        return DEFAULT_MAX_FILE_MB
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value != value or value == float("inf"):
        raise InvalidInput(
            f"{ENV_MAX_FILE_MB}={raw!r} is not a size in MB",
            f"set it to a positive number (default {DEFAULT_MAX_FILE_MB:g}) or unset it",
        )
    return value


def max_file_bytes() -> int:
    return int(max_file_mb() * 1024 * 1024)


def check_size(size: int, name: str) -> None:
    """Refuse a document of ``size`` bytes above :func:`max_file_mb`."""
    limit = max_file_mb()
    if size > limit * 1024 * 1024:
        raise InvalidInput(
            f"{name}: {size / 1024 / 1024:.3g} MB is larger than the {limit:.3g} MB limit for one"
            " document",
            f"split the file, or raise {ENV_MAX_FILE_MB}",
        )


class Decoded(NamedTuple):
    """The text of a file and the encoding it was read in (``utf-8``, ``utf-16``, ``windows-1252``)."""

    text: str
    encoding: str


def legacy_label(encoding: str | None) -> str | None:
    """``Windows-1252`` (``UTF-16``) for a file that was not UTF-8, worth saying; else None."""
    if encoding in (None, UTF8):
        return None
    return ENCODING_LABELS.get(encoding, encoding)


def _where(data: bytes, pos: int, offset: int = 0) -> str:
    """``byte 1234 (line 17, after '…text'): 0xFF`` for the bad byte at ``pos``."""
    line = data.count(b"\n", 0, pos) + 1
    line_start = data.rfind(b"\n", 0, pos) + 1
    before = data[max(line_start, pos - 60) : pos].decode("utf-8", errors="replace")
    before = before.strip()[-20:]
    after = f", after {before!r}" if before else ""
    return f"byte {pos + offset} (line {line}{after}): 0x{data[pos]:02X}"


def _utf8_error(
    data: bytes, name: str, exc: UnicodeDecodeError, fix: str, *, bom: bool = False
) -> InvalidInput:
    """``name: not valid UTF-8 at byte 1234 (line 17, after '…'): 0xFF`` (``data`` after
    the BOM, if ``bom``; offsets count the BOM)."""
    bad = sum(1 for m in _UTF8_SCAN.finditer(data, exc.start) if m.group(1) is not None)
    more = f" (and {bad - 1} more bad byte{'s' if bad > 2 else ''} after it)" if bad > 1 else ""
    lead = "starts with a UTF-8 byte order mark but is " if bom else ""
    where = _where(data, exc.start, 3 if bom else 0)
    return InvalidInput(f"{name}: {lead}not valid UTF-8 at {where}{more}", fix)


def decode_text(
    data: bytes,
    name: str = "file",
    *,
    legacy: bool = True,
    fix: str = "re-save the file as UTF-8 (or fix that byte)",
    binary_hint: str = "import .txt, .md, .docx, .odt or .pdf files",
) -> Decoded:
    """Decode the bytes of a text file; raise :class:`InvalidInput` for binary data and for
    bytes that are neither UTF-8 nor (with ``legacy``) a consistent Windows-1252 file.

    * A BOM wins: UTF-8 (then the rest must be valid UTF-8) or UTF-16.
    * Otherwise strict UTF-8.
    * Otherwise, with ``legacy``, Windows-1252 — only when the file has no well-formed
      UTF-8 sequences that a UTF-8 file would have (``C3 A4`` is ``ä`` in UTF-8, ``Ã¤`` in
      Windows-1252) and none of the five bytes Windows-1252 leaves undefined
      (``81 8D 8F 90 9D``: a DOS code page such as cp850, where ``81`` is ``ü``).
      A file that is UTF-8 except for a few bytes is refused with the offset and line of
      the first bad byte. ``fix`` is the hint of that error.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text, encoding = data[3:].decode("utf-8"), UTF8
        except UnicodeDecodeError as exc:
            raise _utf8_error(data[3:], name, exc, fix, bom=True) from exc
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), UTF16
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{name}: broken UTF-16 text at byte {exc.start} ({exc.reason})",
                "re-save it as UTF-8",
            ) from exc
    else:
        if b"\x00" in data:
            raise InvalidInput(f"{name}: binary content, not a text file", binary_hint)
        try:
            text, encoding = data.decode("utf-8"), UTF8
        except UnicodeDecodeError as exc:
            if not legacy or _looks_like_utf8(data):
                raise _utf8_error(data, name, exc, fix) from exc
            undefined = _CP1252_UNDEFINED.search(data)
            if undefined is not None:
                raise InvalidInput(
                    f"{name}: neither UTF-8 nor Windows-1252 — {_where(data, undefined.start())}"
                    " is not a character in Windows-1252",
                    "the file may be in a DOS code page (cp850) or another encoding:"
                    " re-save it as UTF-8",
                ) from exc
            text, encoding = data.decode("cp1252"), CP1252
    controls = len(_BINARY_CONTROLS.findall(text, 0, 100_000))
    if controls > max(8, len(text[:100_000]) // 50):
        raise InvalidInput(f"{name}: binary content, not a text file", binary_hint)
    return Decoded(text, encoding)


def _looks_like_utf8(data: bytes) -> bool:
    """Whether bytes that are not valid UTF-8 still read as a UTF-8 file with a few bad bytes.

    Well-formed sequences for U+0080–U+00FF (lead byte C2 or C3: ``Ã¤``, ``Â°`` in
    Windows-1252), for U+2000–U+2FFF (lead byte E2: ``â€ž`` is ``„``) and of four bytes
    (emoji) hardly ever occur in a Windows-1252 text — one of them is a UTF-8 file. Other
    sequences do occur by chance (``ß“`` is ``DF 93``, NKo; ``à`` NBSP ``»`` is
    ``E0 A0 BB``, Mandaic): those that are letters of a script in wide use count against the
    bad bytes — UTF-8 when there are at least as many of them as bad bytes (a Greek, Polish
    or Chinese UTF-8 text) —, the others not at all.
    """
    import unicodedata

    letters = bad = 0
    for m in _UTF8_SCAN.finditer(data):
        if m.group(1) is not None:
            bad += 1
        elif data[m.start()] in (0xC2, 0xC3, 0xE2) or m.end() - m.start() == 4:
            return True
        else:
            char = m.group().decode("utf-8")
            if unicodedata.category(char)[0] == "L" and not "\u07c0" <= char <= "\u08ff":
                letters += 1
    return letters > 0 and letters >= bad


# --- CSV, read strictly ---------------------------------------------------------------------------

CsvRows = list[tuple[int, list[str]]]
_CSV_FIX = "nothing was imported"


def sniff_delimiter(header: str) -> str:
    """The separator of a CSV header line: ``;``, tab or ``,`` (the most frequent; ``,`` on a tie)."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts.values())
    if best == 0 or counts[","] == best:
        return ","
    return ";" if counts[";"] == best else "\t"


def csv_rows(text: str, name: str, delimiter: str, *, first_line: int = 1) -> CsvRows:
    """The records of a CSV text, each with the physical line it starts on; blank lines left out.

    Strict: a quoted field must be closed, and only a separator or a line break may follow
    its closing quote — otherwise one quote left open would swallow the rest of the file
    into one field. The error names the line where that field begins.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    out: CsvRows = []
    before = 0
    try:
        for row in reader:
            line = first_line + before  # the physical line where this record starts
            before = reader.line_num
            if row and (row[0].strip() or "".join(row).strip()):
                out.append((line, row))
    except csv.Error as exc:
        raise _csv_error(text, name, delimiter, before, first_line, exc) from exc
    return out


def _csv_error(
    text: str, name: str, delimiter: str, before: int, first_line: int, exc: csv.Error
) -> InvalidInput:
    pos = 0
    for _ in range(before):  # the offset of the record csv could not read
        pos = text.index("\n", pos) + 1

    def line_of(i: int) -> int:
        return first_line + text.count("\n", 0, i)

    problem = _quote_problem(text, pos, delimiter)
    if problem is None:
        return InvalidInput(
            f"{name} line {line_of(pos)}: {exc}", f"check the quoting of that line; {_CSV_FIX}"
        )
    opened, after = problem
    if after is None:
        return InvalidInput(
            f"{name} line {line_of(opened)}: a quoted field that starts here is never closed",
            f'close the quote (") or remove it; {_CSV_FIX}',
        )
    if line_of(after) == line_of(opened):
        snippet = text[opened : after + 10].split("\n")[0]
        return InvalidInput(
            f"{name} line {line_of(opened)}: text after the closing quote of a quoted field"
            f" ({snippet!r})",
            "remove what follows the closing quote, or write a quote inside a quoted field as"
            f' two (""); {_CSV_FIX}',
        )
    return InvalidInput(
        f"{name} line {line_of(opened)}: a quoted field that starts here runs to line"
        f" {line_of(after)}, where text follows its closing quote — a quote is probably not"
        " closed",
        f'close the quote (") on line {line_of(opened)} or remove it; {_CSV_FIX}',
    )


def _quote_problem(text: str, pos: int, delimiter: str) -> tuple[int, int | None] | None:
    """From ``pos``, the first quoted field that is never closed ``(opening quote, None)`` or
    that is followed by text other than a separator or line break ``(opening quote, that
    text)``; None when the quoting is sound."""
    n = len(text)
    at_start = True
    i = pos
    while i < n:
        c = text[i]
        if at_start and c == '"':
            opened = i
            i += 1
            while True:
                j = text.find('"', i)
                if j < 0:
                    return opened, None
                if text.startswith('""', j):
                    i = j + 2
                    continue
                i = j + 1
                break
            if i < n and text[i] not in (delimiter, "\n"):
                return opened, i
            continue
        at_start = c in (delimiter, "\n")
        i += 1
    return None


def csv_table(text: str, name: str) -> tuple[list[str], CsvRows]:
    """``(header, [(physical line, row)])`` of a CSV text with a header line.

    The separator (``,``, ``;`` or tab) is taken from the header line; a first line
    ``sep=;`` (Excel's hint) is honoured. Every row has one field per named column of the
    header: fewer is an error, and so are more — except empty cells beyond the last
    column, which Excel writes. The error names the lines and the expected columns.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first_line = 1
    head, _, rest = text.partition("\n")
    delimiter = None
    if head.strip().lower().startswith("sep=") and len(head.strip()) == 5:  # Excel's hint
        delimiter = head.strip()[4]
        text, first_line = rest, 2
    first = next((line for line in text.split("\n") if line.strip()), None)
    if first is None:
        raise InvalidInput(f"{name}: the file is empty", "the first line must be the header")
    rows = csv_rows(text, name, delimiter or sniff_delimiter(first), first_line=first_line)
    header, body = rows[0][1], rows[1:]
    width = len(header)
    while width and not header[width - 1].strip():
        width -= 1
    columns = [h.strip() for h in header[:width]]
    wrong: list[tuple[int, int]] = []
    for line, row in body:
        n = len(row)
        if n == width:
            continue
        while n > width and not row[n - 1].strip():
            n -= 1  # Excel's empty cells beyond the last column
        if n != width:
            wrong.append((line, n))
    if wrong:
        line, n = wrong[0]
        also = ""
        if len(wrong) > 1:
            more = ", ".join(str(w[0]) for w in wrong[1:6])
            also = (
                f"; also line{'s' if len(wrong) > 2 else ''} {more}{' …' if len(wrong) > 6 else ''}"
            )
        raise InvalidInput(
            f"{name} line {line}: {n} field{'s' if n != 1 else ''}, expected {width}"
            f" ({', '.join(columns)}){also}",
            "give every line one field per column of the header, empty ones too (a,b,,);"
            f" a field with the separator or a line break in it needs quotes; {_CSV_FIX}",
        )
    return header, body


class Read(NamedTuple):
    """A document's text, whether it may start with front matter, and its encoding
    (``None`` for .docx, .odt and .pdf, which carry their own)."""

    text: str
    front_matter: bool
    encoding: str | None


def read_document(path: Path) -> Read:
    """Read a supported file (its size at most :func:`max_file_mb`)."""
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
    check_size(size, path.name)
    if size == 0:
        raise InvalidInput(f"{path.name}: the file is empty", "remove it or add its text")
    try:
        if suffix in TEXT_SUFFIXES:
            text, encoding = decode_text(path.read_bytes(), path.name)
            return Read(text, True, encoding)
        if suffix == ".docx":
            return Read(_read_docx(path), False, None)
        if suffix == ".odt":
            return Read(_read_odt(path), False, None)
        return Read(_read_pdf(path), False, None)
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
        if total > 20 * max_file_bytes() or len(zf.infolist()) > 10_000:
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
