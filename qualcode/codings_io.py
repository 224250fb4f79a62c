"""Codings as a table: read CSV (any Excel flavour) or XLSX, write CSV or XLSX.

What :func:`export_codings` writes, :func:`read_table` reads back identically:

* CSV — UTF-8, ``,``, one header line ``document,start,end,code,coder,memo,quote``.
* CSV for German Excel (``excel``) — a BOM, ``;`` and ``\\r\\n``, as ``report … --excel``.
* XLSX — one sheet with the same columns (start/end as numbers).

Reading sniffs what Excel and other programs write: the separator (``;``, ``,`` or tab,
from the header line; a first line ``sep=;`` is honoured), the encoding (UTF-8 with or
without BOM, UTF-16, Windows-1252 — also after a UTF-8 BOM), and counts **physical**
lines, so an error names the line an editor shows (blank lines and multi-line cells
included).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from sqlmodel import Session

from qualcode.errors import InvalidInput

COLUMNS = ["document", "start", "end", "code", "coder", "memo", "quote"]
FORMATS = ("csv", "xlsx")
XLSX_CELL_LIMIT = 32_767  # characters an Excel cell holds
SHEET = "Kodierungen"

Records = list[tuple[int, dict[str, str]]]


# --- reading ----------------------------------------------------------------------------------------


def sniff_delimiter(header: str) -> str:
    """The separator of a CSV header line: ``;``, tab or ``,`` (the most frequent; ``,`` on a tie)."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts.values())
    if best == 0 or counts[","] == best:
        return ","
    return ";" if counts[";"] == best else "\t"


def parse_csv(text: str, name: str) -> tuple[list[str], Records]:
    """``(fields, [(physical line, record)])`` of a decoded CSV text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first_line = 1
    head, _, rest = text.partition("\n")
    delimiter = None
    if head.strip().lower().startswith("sep=") and len(head.strip()) == 5:  # Excel's hint
        delimiter = head.strip()[4]
        text, first_line = rest, 2
    lines = text.split("\n")
    skip = 0
    while skip < len(lines) and not lines[skip].strip():
        skip += 1
    if skip == len(lines):
        raise InvalidInput(f"{name}: the file is empty", "the first line must be the header")
    delimiter = delimiter or sniff_delimiter(lines[skip])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    fields: list[str] | None = None
    records: Records = []
    before = 0
    try:
        for row in reader:
            line = first_line + before  # the physical line where this record starts
            before = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if fields is None:
                fields = [f.strip().lower().lstrip("\ufeff") for f in row]
                continue
            rec = dict(zip(fields, row, strict=False))
            if any(cell.strip() for cell in row[len(fields) :]):  # not Excel's empty cells
                rec[None] = row[len(fields) :]  # type: ignore[index]
            records.append((line, rec))
    except csv.Error as exc:
        raise InvalidInput(
            f"{name}: line {first_line + reader.line_num - 1}: {exc}",
            "check the quoting of that line",
        ) from exc
    return fields or [], records


def read_table(path: str | Path) -> tuple[list[str], Records]:
    """Fields and records of a CSV or XLSX file of codings."""
    from qualcode.readers import decode_text

    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {p}: {exc.strerror}", "check the path") from exc
    if p.suffix.lower() == ".xlsx" or raw.startswith(b"PK\x03\x04"):
        return _read_xlsx(p, raw)
    try:
        text = decode_text(raw, p.name)
    except InvalidInput as exc:  # binary: an .xls, a .ods, …
        raise InvalidInput(
            exc.message, "save it as CSV (UTF-8 or Windows-1252, any separator) or as .xlsx"
        ) from exc
    return parse_csv(text, p.name)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(p: Path, raw: bytes) -> tuple[list[str], Records]:
    try:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        try:
            ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
            rows = [
                (n, [_cell(v) for v in row])
                for n, row in enumerate(ws.iter_rows(values_only=True), 1)
            ]
        finally:
            wb.close()
    except InvalidInput:
        raise
    except Exception as exc:  # a damaged workbook raises many kinds of errors
        raise InvalidInput(
            f"{p.name}: not a readable .xlsx workbook ({type(exc).__name__})",
            "open and re-save it in Excel, or export it as CSV",
        ) from exc
    fields: list[str] | None = None
    records: Records = []
    for n, row in rows:
        if not any(c.strip() for c in row):
            continue
        if fields is None:
            fields = [c.strip().lower() for c in row]
            while fields and not fields[-1]:
                fields.pop()
            continue
        rec = dict(zip(fields, row, strict=False))
        if any(c.strip() for c in row[len(fields) :]):
            rec[None] = row[len(fields) :]  # type: ignore[index]
        records.append((n, rec))
    return fields or [], records


# --- writing ----------------------------------------------------------------------------------------


def coding_rows(
    session: Session, doc: str | None = None, code: str | None = None, coder: str | None = None
) -> list[list[str | int]]:
    """The codings as rows of :data:`COLUMNS` (orphaned codings, whose text is gone, left out)."""
    from qualcode.codings import list_codings

    return [
        [r["document"], r["start"], r["end"], r["code"], r["coder"], r["memo"] or "", r["text"]]
        for r in list_codings(session, doc, code, coder)
        if not r["orphaned"]
    ]


def to_csv(rows: list[list[str | int]], *, excel: bool = False) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(
        buf, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n"
    )
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    return b"\xef\xbb\xbf" + data if excel else data


def _write_xlsx(rows: list[list[str | int]], path: str) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        path, {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    ws = wb.add_worksheet(SHEET)
    bold = wb.add_format({"bold": True})
    for c, h in enumerate(COLUMNS):
        ws.write_string(0, c, h, bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, int):
                ws.write_number(r, c, value)
            elif value:
                ws.write_string(r, c, value)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), len(COLUMNS) - 1)
    for c, width in enumerate((24, 7, 7, 40, 10, 30, 60)):
        ws.set_column(c, c, width)
    wb.close()


def export_codings(
    session: Session,
    path: str | Path | None,
    *,
    fmt: str | None = None,
    excel: bool = False,
    doc: str | None = None,
    code: str | None = None,
    coder: str | None = None,
) -> tuple[int, bytes | None]:
    """Write the codings to ``path`` (CSV or XLSX); ``path`` None: return the CSV bytes.

    Returns ``(number of codings, CSV bytes or None)``.
    """
    if fmt is None:
        fmt = "xlsx" if path is not None and Path(path).suffix.lower() == ".xlsx" else "csv"
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}", "use --format csv or --format xlsx")
    if fmt == "xlsx" and path is None:
        raise InvalidInput("an .xlsx workbook cannot go to the terminal", "give a FILE.xlsx")
    rows = coding_rows(session, doc, code, coder)
    if fmt == "xlsx":
        for row in rows:
            if len(str(row[5])) > XLSX_CELL_LIMIT:
                raise InvalidInput(
                    f"a memo in {row[0]!r} ({row[1]}-{row[2]}) is longer than an Excel cell holds"
                    f" ({XLSX_CELL_LIMIT:,} characters)",
                    "export as CSV instead",
                )
            if len(str(row[6])) > XLSX_CELL_LIMIT:
                row[6] = ""  # start,end locate the span; the quote only checks them
    if path is None:
        return len(rows), to_csv(rows, excel=excel)
    data = to_csv(rows, excel=excel) if fmt == "csv" else None
    _write_atomic(Path(path), data, rows)
    return len(rows), None


def _write_atomic(path: Path, data: bytes | None, rows: list[list[str | int]]) -> None:
    """Write through a temporary file in the same folder, then rename: never half a file."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidInput(f"folder {folder} does not exist", "create it or choose another path")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InvalidInput(
            f"cannot write {path}: {exc.strerror or exc}", "check that the folder is writable"
        ) from exc
    try:
        if data is not None:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        else:
            os.close(fd)
            _write_xlsx(rows, tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise InvalidInput(
                f"cannot write {path}: {exc.strerror or exc}", "check the disk and the folder"
            ) from exc
        raise
