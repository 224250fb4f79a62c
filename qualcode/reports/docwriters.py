"""Report documents with headings, short paragraphs and tables: DOCX, HTML, Markdown.

The layout researchers paste into their reports (the coding agenda, summary grids,
disagreement lists): :class:`Section` s, each a heading, a few lines of text and one
table whose rows may be emphasised (main categories) or indented (sub-categories).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Section:
    heading: str
    lines: list[str]
    headers: list[str]
    rows: list[list[str]]
    strong: list[bool] = field(default_factory=list)  # per row: a main category
    indent: list[int] = field(default_factory=list)  # per row: indent of the first cell
    widths: list[float] = field(default_factory=list)  # relative column widths (DOCX, HTML)


def write_docx(
    title: str, sections: Sequence[Section], path: str | Path, *, landscape: bool = True
) -> None:
    from docx import Document as Docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Docx()
    sec = doc.sections[0]
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = sec.page_height, sec.page_width
    for side in ("left_margin", "right_margin"):
        setattr(sec, side, Cm(1.8))
    usable = int(sec.page_width or 0) - int(sec.left_margin or 0) - int(sec.right_margin or 0)
    doc.add_heading(title, level=0)
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
        # the header row repeats on every page
        trpr = table.rows[0]._tr.get_or_add_trPr()
        rep = OxmlElement("w:tblHeader")
        rep.set(qn("w:val"), "true")
        trpr.append(rep)
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
