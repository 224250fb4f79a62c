"""Report documents with headings, short paragraphs and tables: DOCX, HTML, Markdown.

The layout researchers paste into their reports (the coding agenda, summary grids,
disagreement lists): :class:`Section` s, each a heading, a few lines of text and one
table whose rows may be emphasised (main categories) or indented (sub-categories).

DOCX (here and in :mod:`render`): A4 with 2.5 cm margins, the document language from the
report language (de-DE, en-US) in the styles, a numbered caption above each table
("Tabelle 1: …") and below each figure ("Abbildung 1: …"), figures scaled to the text
column, numbers right-aligned, the header row repeated on each page, rows not split.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

A4_CM = (21.0, 29.7)
MARGIN_CM = 2.5
LANGUAGES = {"de": "de-DE", "en": "en-US"}
NUMBER = re.compile(r"[-−+]?\d[\d.,\u202f\u00a0 ]*(\s?%)?")


@dataclass
class Section:
    heading: str
    lines: list[str]
    headers: list[str]
    rows: list[list[str]]
    strong: list[bool] = field(default_factory=list)  # per row: a main category
    indent: list[int] = field(default_factory=list)  # per row: indent of the first cell
    widths: list[float] = field(default_factory=list)  # relative column widths (DOCX, HTML)


def new_document(lang: str = "de", *, landscape: bool = False) -> tuple[Any, int, int]:
    """An empty DOCX on A4 with :data:`MARGIN_CM` margins in the report language:
    ``(document, text width, text height)`` (EMU)."""
    from docx import Document as Docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    doc = Docx()
    sec = doc.sections[0]
    width, height = A4_CM
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    sec.page_width, sec.page_height = Cm(width), Cm(height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(MARGIN_CM))
    tag = LANGUAGES.get(lang, lang)
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    el = rpr.find(qn("w:lang"))
    if el is None:
        el = OxmlElement("w:lang")
        rpr.append(el)
    el.set(qn("w:val"), tag)
    doc.core_properties.language = tag
    return doc, Cm(width - 2 * MARGIN_CM), Cm(height - 2 * MARGIN_CM)


def caption(doc: Any, kind: str, number: int, text: str, lang: str = "de") -> None:
    """A Word caption ``Tabelle 1: text`` / ``Figure 1: text`` (``kind`` "table" or
    "figure"), numbered with a SEQ field so that Word's lists of tables and figures find it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    label = {
        ("table", "de"): "Tabelle",
        ("figure", "de"): "Abbildung",
        ("table", "en"): "Table",
        ("figure", "en"): "Figure",
    }[(kind, "de" if lang == "de" else "en")]
    try:
        p = doc.add_paragraph(style="Caption")
    except KeyError:  # a template without the style
        p = doc.add_paragraph()
    p.add_run(label + " ")
    # a complex field: Word updates the number; readers that skip fields see the run's text
    for part, value in (("begin", None), ("instr", f" SEQ {label} \\* ARABIC "),
                        ("separate", None), ("text", str(number)), ("end", None)):  # fmt: skip
        run = p.add_run()
        if part == "text":
            run.text = str(value)
        elif part == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = str(value)
            run._r.append(el)
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), part)
            run._r.append(el)
    p.add_run(f": {text}" if text else "")
    p.paragraph_format.keep_with_next = kind == "table"


def figure(doc: Any, png: bytes, width: int, height: int, alt: str = "") -> None:
    """The picture scaled to fit ``width`` × ``height`` (EMU), keeping its proportions."""
    from io import BytesIO

    shape = doc.add_picture(BytesIO(png), width=width)
    if shape.height > height:
        shape.width, shape.height = int(shape.width * height / shape.height), height
    doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the caption follows
    if alt:
        shape._inline.docPr.set("descr", alt)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) or bool(NUMBER.fullmatch(str(value).strip()))


def finish_table(table: Any, rows: Sequence[Sequence[object]]) -> None:
    """Right-align the columns that hold only numbers; repeat the header row on each page;
    keep each row on one page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ncols = len(table.columns)
    numeric = [
        any(str(r[i]).strip() for r in rows)
        and all(is_number(r[i]) for r in rows if str(r[i]).strip())
        for i in range(ncols)
    ]
    for n, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        for tag in ("w:cantSplit", "w:tblHeader") if n == 0 else ("w:cantSplit",):
            el = OxmlElement(tag)
            el.set(qn("w:val"), "true")
            trpr.append(el)
        for i, cell in enumerate(row.cells):
            if numeric[i]:
                for para in cell.paragraphs:
                    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def write_docx(
    title: str,
    sections: Sequence[Section],
    path: str | Path,
    *,
    landscape: bool = True,
    lang: str = "de",
) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc, usable, _ = new_document(lang, landscape=landscape)
    doc.add_heading(title, level=0)
    tables = 0
    for s in sections:
        doc.add_heading(s.heading, level=1)
        for line in s.lines:
            p = doc.add_paragraph()
            if ": " in line:
                head, rest = line.split(": ", 1)
                p.add_run(head + ": ").bold = True
                p.add_run(rest)
            else:
                p.add_run(line)
        if not s.rows:
            continue
        tables += 1
        caption(doc, "table", tables, f"{title}: {s.heading}", lang)
        table = doc.add_table(rows=1, cols=len(s.headers))
        try:
            table.style = "Table Grid"
        except KeyError:  # a template without the style
            pass
        widths = s.widths or [1.0] * len(s.headers)
        total = sum(widths)
        for i, h in enumerate(s.headers):
            cell = table.rows[0].cells[i]
            run = cell.paragraphs[0].add_run(h)
            run.bold = True
            shade = OxmlElement("w:shd")
            shade.set(qn("w:val"), "clear")
            shade.set(qn("w:fill"), "E8E8E8")
            cell._tc.get_or_add_tcPr().append(shade)
        for n, row in enumerate(s.rows):
            cells = table.add_row().cells
            for i, value in enumerate(row):
                para = cells[i].paragraphs[0]
                if i == 0 and s.indent and s.indent[n]:
                    para.paragraph_format.left_indent = Cm(0.4 * s.indent[n])
                run = para.add_run(value)
                run.font.size = Pt(9)
                if s.strong and s.strong[n]:
                    run.bold = True
        for i, w in enumerate(widths):
            for cell in table.columns[i].cells:
                cell.width = int(usable * w / total)
        finish_table(table, s.rows)
    doc.save(str(path))


def to_html(title: str, sections: Sequence[Section], lang: str = "de") -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{e(lang)}"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:80em}"
        "table{border-collapse:collapse;width:100%;margin-bottom:2em}"
        "th,td{border:1px solid #999;padding:.3em .5em;vertical-align:top;text-align:left}"
        "th{background:#e8e8e8}tr.main td{font-weight:bold;background:#f6f6f6}</style>",
        "</head><body>",
        f"<h1>{e(title)}</h1>",
    ]
    for s in sections:
        out.append(f"<h2>{e(s.heading)}</h2>")
        out.extend(f"<p>{e(line)}</p>" for line in s.lines)
        if not s.rows:
            continue
        total = sum(s.widths) if s.widths else 0
        out.append("<table>")
        if total:
            out.append(
                "<colgroup>"
                + "".join(f'<col style="width:{100 * w / total:.0f}%">' for w in s.widths)
                + "</colgroup>"
            )
        out.append("<thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in s.headers) + "</tr></thead>")
        out.append("<tbody>")
        for n, row in enumerate(s.rows):
            cls = ' class="main"' if s.strong and s.strong[n] else ""
            cells = [e(v).replace("\n", "<br>") for v in row]
            if s.indent and s.indent[n]:
                cells[0] = f'<span style="padding-left:{1.2 * s.indent[n]}em">{cells[0]}</span>'
            out.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        out.append("</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _md(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(title: str, sections: Sequence[Section]) -> str:
    out = [f"# {title}", ""]
    for s in sections:
        out += [f"## {s.heading}", ""]
        for line in s.lines:
            out += [line + "  "]
        if s.lines:
            out.append("")
        if not s.rows:
            continue
        out.append("| " + " | ".join(_md(h) for h in s.headers) + " |")
        out.append("|" + "|".join("---" for _ in s.headers) + "|")
        for n, row in enumerate(s.rows):
            cells = [_md(v) for v in row]
            if s.strong and s.strong[n]:
                cells[0] = f"**{cells[0]}**"
            if s.indent and s.indent[n]:
                cells[0] = "&nbsp;&nbsp;" * s.indent[n] + cells[0]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)
