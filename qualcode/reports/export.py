"""Writers for report tables: CSV, XLSX, Markdown, JSON, DOCX.

A report is turned into one or more :class:`Sheet` s (a title, column headers,
rows and the kind of every column); the writers only format. Shares are kept
as fractions (0.4167) and shown as percentages: XLSX gets a real percent number
format, CSV and Markdown a percentage with one decimal (``41.7``; with
``excel=True`` a decimal comma, ``;`` as separator and a BOM — what German Excel
opens without the import dialog).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.errors import InvalidInput

FORMATS = ("table", "csv", "xlsx", "md", "json", "docx")
SUFFIX_FORMATS = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".md": "md",
    ".markdown": "md",
    ".json": "json",
    ".docx": "docx",
    ".txt": "table",
    ".graphml": "graphml",
    ".dot": "dot",
    ".gv": "dot",
    ".png": "png",
    ".svg": "svg",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
}

# kinds of columns
TEXT, INT, PCT, FLOAT = "text", "int", "pct", "float"


@dataclass
class Sheet:
    """One table of a report."""

    title: str
    headers: list[str]
    rows: list[list[Any]]
    kinds: list[str]
    indent: list[int] = field(default_factory=list)  # per row: indent level of the first column
    note: str = ""
    freeze_cols: int = 1
    # XLSX only: a native Excel bar chart of the value columns (the sheet is left out
    # of Markdown and terminal output). Keys: title, x_title, percent (bool).
    chart: dict | None = None
    # XLSX only: (first column, last column, rows) of cells shaded as a heat map (colour scale).
    heat: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        if len(self.kinds) != len(self.headers):
            raise ValueError("kinds and headers differ in length")


def choose_format(
    fmt: str | None,
    output: str | Path | None,
    allowed: Sequence[str] = FORMATS,
    default: str = "table",
) -> str:
    """``--format``, else inferred from the suffix of ``-o``, else ``default``."""
    if fmt:
        fmt = fmt.lower().lstrip(".")
        if fmt == "markdown":
            fmt = "md"
        if fmt not in allowed:
            raise InvalidInput(f"unknown format {fmt!r}", f"use one of {', '.join(allowed)}")
        return fmt
    if output:
        suffix = Path(output).suffix.lower()
        inferred = SUFFIX_FORMATS.get(suffix)
        if inferred is None or inferred not in allowed:
            raise InvalidInput(
                f"cannot tell the format from {Path(output).name!r}",
                f"give --format ({', '.join(allowed)}) or a file ending in "
                + ", ".join(s for s, f in SUFFIX_FORMATS.items() if f in allowed),
            )
        return inferred
    return default


@contextmanager
def writing(path: str | Path | None) -> Iterator[None]:
    """Turn a failed write (missing folder, no permission, disk full) into a one-line error."""
    try:
        yield
    except OSError as exc:
        raise InvalidInput(
            f"cannot write {path}: {exc.strerror or exc}",
            "check that the folder exists and is writable",
        ) from exc
    except Exception as exc:  # xlsxwriter wraps the OSError in FileCreateError
        if type(exc).__name__ == "FileCreateError":
            raise InvalidInput(
                f"cannot write {path}: {exc}", "check that the folder exists and is writable"
            ) from exc
        raise


def _number(value: float, decimals: int, excel: bool) -> str:
    s = f"{value:.{decimals}f}"
    return s.replace(".", ",") if excel else s


def cell_text(
    value: Any, kind: str, *, excel: bool = False, pct_sign: bool = False, lang: str | None = None
) -> str:
    """A cell as text. ``lang`` (Markdown and the other documents): the number format of the
    report language (:mod:`qualcode.reports.numbers`: "1.234", "41,7 %"); without it the
    plain format of CSV and the terminal ("41.7", with ``excel`` "41,7")."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) and kind != TEXT:  # a marker such as "—" in a number column
        return value
    if lang is not None and kind in (PCT, FLOAT, INT):
        from qualcode.reports.numbers import num, pct

        if kind == PCT:
            return pct(float(value), 1, lang)
        return num(float(value), 3, lang) if kind == FLOAT else num(int(value), 0, lang)
    if kind == PCT:
        s = _number(float(value) * 100, 1, excel)
        return f"{s} %" if pct_sign else s
    if kind == FLOAT:
        return _number(float(value), 3, excel)
    if kind == INT:
        return str(int(value))
    return str(value)


# A spreadsheet reads a cell that begins with one of these as a formula ("CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def excel_escape(text: str) -> str:
    """A text cell as Excel must not run it: a ``'`` before a leading ``=``, ``+``, ``-``,
    ``@``, tab or CR (OWASP's advice) — and before a text that already begins with
    quotes followed by one of them, so that :func:`excel_unescape` gives back every text."""
    return "'" + text if text.lstrip("'")[:1] in FORMULA_STARTS else text


def excel_unescape(text: str) -> str:
    """The text :func:`excel_escape` was given."""
    if text[:1] == "'" and text.lstrip("'")[:1] in FORMULA_STARTS:
        return text[1:]
    return text


def to_csv(sheet: Sheet, *, excel: bool = False) -> bytes:
    """UTF-8 CSV (``excel``: BOM, ``;``, decimal comma, text cells escaped with
    :func:`excel_escape`)."""
    buf = io.StringIO()
    writer = csv.writer(
        buf, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n"
    )
    writer.writerow([excel_escape(h) for h in sheet.headers] if excel else sheet.headers)
    for row in sheet.rows:
        cells = [cell_text(v, k, excel=excel) for v, k in zip(row, sheet.kinds, strict=True)]
        if excel:
            cells = [
                excel_escape(c) if k == TEXT else c for c, k in zip(cells, sheet.kinds, strict=True)
            ]
        writer.writerow(cells)
    data = buf.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if excel else data


def _md_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(
    sheets: Sequence[Sheet], *, title: str | None = None, lang: str | None = None
) -> str:
    out: list[str] = []
    if title:
        out += [f"# {title}", ""]
    sheets = [sh for sh in sheets if sh.chart is None]
    for sheet in sheets:
        if len(sheets) > 1 or not title:
            out += [f"## {sheet.title}", ""]
        if sheet.note:
            out += [sheet.note, ""]
        out.append("| " + " | ".join(_md_escape(h) for h in sheet.headers) + " |")
        out.append("|" + "|".join("---:" if k != TEXT else "---" for k in sheet.kinds) + "|")
        for n, row in enumerate(sheet.rows):
            cells = [
                cell_text(v, k, pct_sign=True, lang=lang)
                for v, k in zip(row, sheet.kinds, strict=True)
            ]
            if sheet.indent and sheet.indent[n] and cells:
                cells[0] = "&nbsp;&nbsp;&nbsp;&nbsp;" * sheet.indent[n] + cells[0]
            out.append(
                "| "
                + " | ".join(_md_escape(c) if not c.startswith("&nbsp;") else c for c in cells)
                + " |"
            )
        out.append("")
    return "\n".join(out)


def to_text(sheet: Sheet) -> str:
    """A plain aligned table for the terminal."""
    cells = [list(sheet.headers)]
    for n, row in enumerate(sheet.rows):
        r = [cell_text(v, k, pct_sign=True) for v, k in zip(row, sheet.kinds, strict=True)]
        if sheet.indent and sheet.indent[n] and r:
            r[0] = "  " * sheet.indent[n] + r[0]
        cells.append(r)
    widths = [max(len(r[i]) for r in cells) for i in range(len(sheet.headers))]
    lines = []
    for n, row in enumerate(cells):
        parts = [
            v.ljust(w) if k == TEXT else v.rjust(w)
            for v, w, k in zip(row, widths, sheet.kinds, strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    if sheet.note:
        lines += ["", sheet.note]
    return "\n".join(lines)


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, used: set[str]) -> str:
    """An Excel sheet name: no ``[]:*?/\\``, at most 31 characters, unique."""
    base = _BAD_SHEET_CHARS.sub("-", title).strip("'") or "Tabelle"
    base = base[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def write_xlsx(sheets: Sequence[Sheet], path: str | Path) -> None:
    """One worksheet per sheet: bold header row, frozen panes, number formats, column widths, filter."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    try:
        header = wb.add_format(
            {"bold": True, "bg_color": "#E8E8E8", "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        formats = {
            INT: wb.add_format({"num_format": "#,##0"}),  # Excel shows 1.234 / 1,234
            PCT: wb.add_format({"num_format": "0.0%"}),
            FLOAT: wb.add_format({"num_format": "0.000"}),
            TEXT: wb.add_format({"text_wrap": False, "valign": "top"}),
        }
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        indents: dict[int, Any] = {}
        used: set[str] = set()
        for sheet in sheets:
            ws = wb.add_worksheet(sheet_name(sheet.title, used))
            first = 0
            if sheet.note:
                ws.write(0, 0, sheet.note)
                first = 2
            for c, h in enumerate(sheet.headers):
                ws.write_string(first, c, h, header)
            widths = [
                min(max(len(h), 6), 40 if k == TEXT else 16)
                for h, k in zip(sheet.headers, sheet.kinds, strict=True)
            ]
            for r, row in enumerate(sheet.rows, start=first + 1):
                for c, (value, kind) in enumerate(zip(row, sheet.kinds, strict=True)):
                    if value is None or value == "":
                        ws.write_blank(r, c, None, formats[kind])
                        continue
                    if (
                        kind == TEXT
                        and isinstance(value, int | float)
                        and not isinstance(value, bool)
                    ):  # a typed attribute (Teilnehmende: 23) stays a number in Excel
                        ws.write_number(r, c, value)
                        widths[c] = max(widths[c], 8)
                        continue
                    if kind == TEXT:
                        text = str(value)
                        long = len(text) > 60
                        fmt = wrap if long else formats[TEXT]
                        if c == 0 and sheet.indent and sheet.indent[r - first - 1]:
                            level = sheet.indent[r - first - 1]
                            if level not in indents:
                                indents[level] = wb.add_format({"indent": level, "valign": "top"})
                            fmt = indents[level]
                        ws.write_string(r, c, text, fmt)
                        extra = 2 * (
                            sheet.indent[r - first - 1] if (c == 0 and sheet.indent) else 0
                        )
                        widths[c] = max(widths[c], min(len(text) + extra, 80 if long else 60))
                    else:
                        ws.write_number(
                            r,
                            c,
                            float(value) if kind in (PCT, FLOAT) else int(value),
                            formats[kind],
                        )
                        widths[c] = max(widths[c], 8)
            for c, w in enumerate(widths):
                ws.set_column(c, c, w + 2)
            # wrapped header cells: make the row tall enough for the longest header
            lines = max(
                (-(-len(h) // max(widths[c], 1)) for c, h in enumerate(sheet.headers)), default=1
            )
            if lines > 1:
                ws.set_row(first, 15 * min(lines, 6))
            ws.freeze_panes(first + 1, sheet.freeze_cols)
            if sheet.heat is not None and sheet.rows:
                ws.conditional_format(
                    first + 1,
                    sheet.heat[0],
                    first + sheet.heat[2],
                    sheet.heat[1],
                    {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#2F6DB5"},
                )
            if sheet.chart is not None and sheet.rows:
                _add_chart(wb, ws, sheet, first)
            elif sheet.rows:
                ws.autofilter(first, 0, first + len(sheet.rows), len(sheet.headers) - 1)
    finally:
        wb.close()


def _add_chart(wb, ws, sheet: Sheet, first: int) -> None:
    """A horizontal bar chart of columns 1… over the categories in column 0, next to the data."""
    spec = sheet.chart or {}
    chart = wb.add_chart({"type": "bar"})
    name = ws.get_name()
    last = first + len(sheet.rows)
    from qualcode.reports.chart import GROUP_COLORS as palette

    for c in range(1, len(sheet.headers)):
        chart.add_series(
            {
                "name": [name, first, c],
                "categories": [name, first + 1, 0, last, 0],
                "values": [name, first + 1, c, last, c],
                "fill": {"color": palette[(c - 1) % len(palette)]},
                "gap": 60,
            }
        )
    chart.set_title(
        {"name": spec.get("title", sheet.title), "name_font": {"size": 12, "bold": True}}
    )
    chart.set_x_axis(
        {
            "name": spec.get("x_title", ""),
            "num_format": "0%" if spec.get("percent") else "0",
            "min": 0,
            "max": 1 if spec.get("percent") else None,
            "major_gridlines": {"visible": True, "line": {"color": "#DDDDDD"}},
        }
    )
    chart.set_y_axis({"reverse": True, "num_font": {"size": 9}})  # tree order from top to bottom
    chart.set_legend({"position": "bottom"} if len(sheet.headers) > 2 else {"none": True})
    height = max(320, 22 * len(sheet.rows) * max(1, (len(sheet.headers) - 1) // 2 + 1) + 120)
    chart.set_size({"width": 760, "height": min(height, 4000)})
    ws.insert_chart(first, len(sheet.headers) + 1, chart)


def write_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def write_output(
    fmt: str,
    sheets: Sequence[Sheet],
    data: Any,
    output: str | Path | None,
    *,
    excel: bool = False,
    title: str | None = None,
    lang: str | None = None,
) -> str | None:
    """Write ``sheets``/``data`` in ``fmt`` to ``output``; returns the text to print when there is no file.

    CSV holds one table: the first sheet (reports with several tables put the
    main one first)."""
    if fmt == "xlsx":
        if not output:
            raise InvalidInput("XLSX needs a file", "give -o FILE.xlsx")
        write_xlsx(sheets, output)
        return None
    if fmt == "docx":
        raise InvalidInput("this report has no DOCX form", "use md, csv or xlsx")
    if fmt == "json":
        text = write_json(data) + "\n"
    elif fmt == "md":
        text = to_markdown(sheets, title=title, lang=lang)
    elif fmt == "csv":
        raw = to_csv(sheets[0], excel=excel)
        if output:
            Path(output).write_bytes(raw)
            return None
        return raw.decode("utf-8-sig").rstrip("\r\n")
    else:
        text = (
            "\n\n".join((f"{s.title}\n\n" if len(sheets) > 1 else "") + to_text(s) for s in sheets)
            + "\n"
        )
    if output:
        Path(output).write_text(text, encoding="utf-8")
        return None
    return text.rstrip("\n")
