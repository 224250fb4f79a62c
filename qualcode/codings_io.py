"""Codings as a table: read CSV (any Excel flavour) or XLSX, write CSV or XLSX.

What :func:`export_codings` writes, :func:`read_table` reads back identically:

* CSV — UTF-8, ``,``, one header line ``document,start,end,code,coder,memo,quote``.
* CSV for German Excel (``excel``) — a BOM, ``;`` and ``\\r\\n``, as ``report … --excel``;
  a text cell that begins with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading ``'``
  (Excel would run it as a formula), which reading a ``;``-separated file removes again.
* XLSX — one sheet ``Kodierungen`` with the same columns (start/end as numbers). Reading
  takes the sheet ``Kodierungen``, else the one sheet that holds data (several: refused).

Reading sniffs what Excel and other programs write: the separator (``;``, ``,`` or tab,
from the header line; a first line ``sep=;`` is honoured), the encoding
(:func:`qualcode.readers.decode_text`: UTF-8 with or without BOM, UTF-16, a consistent
Windows-1252 file — never a UTF-8 file with a few bad bytes), reads strictly (an unclosed
quote, a line with too few or too many fields: :func:`qualcode.readers.csv_table`) and
counts **physical** lines, so an error names the line an editor shows (blank lines and
multi-line cells included). A start or end too long to be a position is refused before it
is turned into a number.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from sqlmodel import Session

from qualcode import portable
from qualcode.codings import COLUMNS
from qualcode.errors import InvalidInput

FORMATS = ("csv", "xlsx")
XLSX_CELL_LIMIT = 32_767  # characters an Excel cell holds
SHEET = "Kodierungen"

Records = list[tuple[int, dict[str, str]]]


# --- reading ----------------------------------------------------------------------------------------


def parse_csv(text: str, name: str) -> tuple[list[str], Records]:
    """``(fields, [(physical line, record)])`` of a decoded CSV text (read strictly:
    :func:`qualcode.readers.csv_table`; positions checked by :func:`check_positions`)."""
    from qualcode.readers import csv_table

    header, rows = csv_table(text, name)
    fields = [f.strip().lower().lstrip("\ufeff") for f in header]
    from qualcode.reports.export import excel_unescape

    unescape = _excel_escaped(text)
    records: Records = []
    for line, row in rows:
        if unescape:
            row = [excel_unescape(cell) for cell in row]
        records.append((line, dict(zip(fields, row, strict=False))))
    check_positions(records, name, "line")
    return fields, records


def _excel_escaped(text: str) -> bool:
    """Whether cells may carry the quote ``codings export --excel`` puts before a leading
    ``=``, ``+``, ``-``, ``@``, tab or CR: a ``;``-separated file (``--excel``, and what
    German Excel saves)."""
    from qualcode.readers import sniff_delimiter

    first = next((line for line in io.StringIO(text) if line.strip()), "")
    if first.strip().lower().startswith("sep="):
        return first.strip()[4:5] == ";"
    return sniff_delimiter(first) == ";"


MAX_POSITION_DIGITS = 18


def check_positions(records: Records, name: str, unit: str) -> None:
    """Refuse a start or end too long to be a position (5,000 digits) before anything turns
    it into a number: one line naming the line (``unit`` "line" or "row")."""
    for line, rec in records:
        for key in ("start", "end"):
            value = rec.get(key) or ""
            if (
                len(value) > MAX_POSITION_DIGITS
                and len(value := value.strip()) > MAX_POSITION_DIGITS
            ):
                shown = value if len(value) <= 24 else value[:20] + "…"
                raise InvalidInput(
                    f"{name} {unit} {line}: {key} {shown!r} ({len(value):,} characters) is not"
                    " a position",
                    "positions must be whole numbers between 0 and the document's length;"
                    " nothing was imported",
                )


def read_table(path: str | Path) -> tuple[list[str], Records, str | None]:
    """Fields, records and encoding (None for .xlsx) of a CSV or XLSX file of codings."""
    from qualcode.readers import decode_text

    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {p}: {exc.strerror}", "check the path") from exc
    if p.suffix.lower() == ".xlsx" or raw.startswith(b"PK\x03\x04"):
        return (*_read_xlsx(p, raw), None)
    text, encoding = decode_text(
        raw,
        p.name,
        binary_hint="save it as CSV (UTF-8 or Windows-1252, any separator) or as .xlsx",
    )
    from qualcode.refi.common import gc_paused

    with gc_paused():  # 50,000 rows of lists and dicts, no cycles: ≈ 40 % faster
        return (*parse_csv(text, p.name), encoding)


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
            sheets = [wb[SHEET]] if SHEET in wb.sheetnames else wb.worksheets
            filled = []
            for ws in sheets:
                rows = [
                    (n, [_cell(v) for v in row])
                    for n, row in enumerate(ws.iter_rows(values_only=True), 1)
                ]
                if any(c.strip() for _, row in rows for c in row):
                    filled.append((ws.title, rows))
        finally:
            wb.close()
        if len(filled) > 1:
            raise InvalidInput(
                f"{p.name}: {len(filled)} sheets hold data"
                f" ({', '.join(repr(t) for t, _ in filled)}), and none is called {SHEET!r}",
                f"name the sheet to import {SHEET!r} (or put all codings on one sheet);"
                " nothing was imported",
            )
        rows = filled[0][1] if filled else []
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
        if any(c.strip() for c in row[len(fields) :]):
            raise InvalidInput(
                f"{p.name} row {n}: a value beyond the header's {len(fields)} columns"
                f" ({', '.join(fields)})",
                "give the column a header or remove the value; nothing was imported",
            )
        records.append((n, dict(zip(fields, row, strict=False))))
    check_positions(records, p.name, "row")
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
    """CSV bytes; ``excel``: a BOM, ``;``, CRLF, and text cells that begin with ``=``, ``+``,
    ``-``, ``@``, tab or CR escaped with a ``'`` (:func:`qualcode.reports.export.excel_escape`:
    Excel would run them as formulas), which :func:`parse_csv` removes again."""
    from qualcode.reports.export import excel_escape

    buf = io.StringIO()
    writer = csv.writer(
        buf, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n"
    )
    writer.writerow(COLUMNS)
    if excel:
        rows = [[excel_escape(v) if isinstance(v, str) else v for v in row] for row in rows]
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
        portable.as_new_file(tmp)
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


def import_codings_csv(
    session: Session,
    path: str | Path,
    default_coder: str,
    *,
    create_codes: bool = False,
    force: bool = False,
) -> dict:
    """All-or-nothing import of codings from CSV (any separator, Excel's encodings) or XLSX.

    Columns: ``document,start,end,code[,coder][,memo][,quote]`` — or ``document,code,quote``
    (the exact text of the span, located in the document) instead of start/end.
    Any error anywhere aborts the whole import; the message lists the line numbers.
    ``{"imported", "skipped", "encoding"}`` (the CSV's encoding; None for XLSX).
    """
    from qualcode.codings import import_codings_records

    fields, records, encoding = read_table(path)
    result = import_codings_records(
        session,
        records,
        fields,
        Path(path).name,
        default_coder,
        create_codes=create_codes,
        force=force,
    )
    return {**result, "encoding": encoding}
