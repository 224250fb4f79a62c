"""Render the blocks of :mod:`qualcode.reports.full` as a self-contained HTML page or a DOCX.

Blocks: ``("title", text, subtitle)``, ``("h1"|"h2"|"h3", text)``, ``("p", text)``,
``("dl", [(term, text)…])``, ``("note", label, text)``, ``("table", headers, rows)``,
``("image", png bytes, caption)``, ``("quote", text, source)``, ``("pagebreak",)``.
"""

from __future__ import annotations

import base64
import re
from html import escape
from pathlib import Path

from qualcode.reports.full import Block

CSS = """
body { font-family: "Source Sans Pro", "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.45; }
header.title { margin: 4rem 0 3rem; border-bottom: 3px solid #2F5597; padding-bottom: 1rem; }
header.title h1 { font-size: 2.2rem; margin: 0; color: #2F5597; }
header.title p { color: #555; margin: .3rem 0 0; }
h1 { color: #2F5597; border-bottom: 1px solid #ccd; padding-bottom: .2rem; margin-top: 2.5rem; }
h2 { color: #333; margin-top: 1.8rem; }
table { border-collapse: collapse; margin: .8rem 0 1.2rem; font-size: .85rem; width: 100%; }
th, td { border: 1px solid #d0d4dc; padding: .25rem .5rem; vertical-align: top; text-align: left; }
th { background: #eef1f6; }
td.num { text-align: right; white-space: nowrap; }
dl { display: grid; grid-template-columns: 9rem 1fr; gap: .3rem 1rem; }
dt { font-weight: 600; color: #444; }
dd { margin: 0; }
figure { margin: 1rem 0 1.5rem; }
figure img { max-width: 100%; }
figcaption, caption { font-size: .8rem; color: #666; text-align: left; }
caption { caption-side: top; padding-bottom: .2rem; }
blockquote { margin: .8rem 0 .2rem; padding: .3rem .9rem; border-left: 4px solid #2F5597;
             background: #f6f8fb; }
p.source { font-size: .75rem; color: #666; margin: 0 0 .8rem .9rem; }
div.note { background: #fff8e6; border: 1px solid #f0dca0; padding: .4rem .8rem; margin: .6rem 0; }
@media print { .pagebreak { page-break-before: always; } }
"""


_NUMBER = re.compile(r"[-−]?[\d.,]+(\s?%)?")


def _cell(v: object) -> str:
    num = isinstance(v, int | float) or (isinstance(v, str) and bool(_NUMBER.fullmatch(v)))
    return f'<td class="num">{escape(str(v))}</td>' if num else f"<td>{escape(str(v))}</td>"


def _label(kind: str, number: int, text: str, lang: str) -> str:
    word = {"table": ("Tabelle", "Table"), "figure": ("Abbildung", "Figure")}[kind]
    return f"{word[0] if lang == 'de' else word[1]} {number}: {text}"


def to_html(blocks: list[Block], title: str, lang: str = "de") -> str:
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(lang)}"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
    ]
    captions = _captions(blocks, lang)
    tables = figures = 0
    for i, b in enumerate(blocks):
        kind = b[0]
        if kind == "title":
            out.append(
                f'<header class="title"><h1>{escape(b[1])}</h1><p>{escape(b[2])}</p></header>'
            )
        elif kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{escape(b[1])}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{escape(b[1])}</p>")
        elif kind == "dl":
            out.append(
                "<dl>"
                + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in b[1])
                + "</dl>"
            )
        elif kind == "note":
            out.append(f'<div class="note"><strong>{escape(b[1])}:</strong> {escape(b[2])}</div>')
        elif kind == "table":
            head = "".join(f"<th>{escape(str(h))}</th>" for h in b[1])
            rows = "".join("<tr>" + "".join(_cell(v) for v in r) + "</tr>" for r in b[2])
            tables += 1
            cap = f"<caption>{escape(_label('table', tables, captions[i], lang))}</caption>"
            out.append(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif kind == "image":
            figures += 1
            data = base64.b64encode(b[1]).decode("ascii")
            cap = escape(_label("figure", figures, captions[i], lang))
            out.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{escape(captions[i])}">'
                f"<figcaption>{cap}</figcaption></figure>"
            )
        elif kind == "quote":
            out.append(
                f'<blockquote>{escape(b[1])}</blockquote><p class="source">{escape(b[2])}</p>'
            )
        elif kind == "pagebreak":
            out.append('<div class="pagebreak"></div>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _captions(blocks: list[Block], lang: str) -> dict[int, str]:
    """The caption text of each table and figure (by block index): the figure's own
    caption, else the heading it stands under ("Kategorie: Häufigkeiten nach Format")."""
    out: dict[int, str] = {}
    h1 = h2 = ""
    for i, b in enumerate(blocks):
        if b[0] == "h1":
            h1, h2 = b[1], ""
        elif b[0] in ("h2", "h3"):
            h2 = b[1]
        elif b[0] == "table" or (b[0] == "image" and not b[2]):
            out[i] = f"{h1}: {h2}" if h1 and h2 else (h2 or h1)
        elif b[0] == "image":
            out[i] = b[2]
    return out


def write_docx(blocks: list[Block], path: str | Path, lang: str = "de") -> None:
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt, RGBColor

    from qualcode.reports.docwriters import caption, figure, finish_table, new_document

    doc, width, height = new_document(lang)
    captions = _captions(blocks, lang)
    tables = figures = 0
    for i, b in enumerate(blocks):
        kind = b[0]
        if kind == "title":
            doc.add_heading(b[1], level=0)
            doc.add_paragraph(b[2])
        elif kind in ("h1", "h2", "h3"):
            doc.add_heading(b[1], level=int(kind[1]))
        elif kind == "p":
            doc.add_paragraph(b[1])
        elif kind == "dl":
            for k, v in b[1]:
                p = doc.add_paragraph()
                p.add_run(f"{k}: ").bold = True
                p.add_run(v)
        elif kind == "note":
            p = doc.add_paragraph()
            p.add_run(f"{b[1]}: ").bold = True
            p.add_run(b[2]).italic = True
        elif kind == "table":
            tables += 1
            caption(doc, "table", tables, captions[i], lang)
            t = doc.add_table(rows=1, cols=len(b[1]))
            t.style = "Table Grid"
            for cell, h in zip(t.rows[0].cells, b[1], strict=True):
                cell.text = str(h)
                for run in cell.paragraphs[0].runs:
                    run.bold = True
                    run.font.size = Pt(8)
            for r in b[2]:
                cells = t.add_row().cells
                for cell, v in zip(cells, r, strict=True):
                    cell.text = str(v)
                    for run in cell.paragraphs[0].runs:
                        run.font.size = Pt(8)
            finish_table(t, b[2])
        elif kind == "image":
            figures += 1
            # room for the caption below the figure on the same page
            figure(doc, b[1], width, height - Pt(40), captions[i])
            caption(doc, "figure", figures, captions[i], lang)
        elif kind == "quote":
            try:
                doc.add_paragraph(b[1], style="Quote")
            except KeyError:
                doc.add_paragraph(b[1])
            run = doc.add_paragraph().add_run(b[2])
            run.font.size = Pt(8)
            run.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
        elif kind == "pagebreak":
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.save(str(path))
