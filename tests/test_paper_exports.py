"""Documents and charts for a paper: A4 DOCX in the report language with captions,
charts that draw every coded category and cut no label."""

from __future__ import annotations

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from qualcode.reports import figures
from qualcode.reports.chart import frequency_figure
from qualcode.reports.docwriters import Section, write_docx
from qualcode.reports.matrix import matrix_figure
from qualcode.reports.summaries import grid_sections
from tests.test_reports import build_small

LONG = "Größe der Einzugsgebiete und Straßenverkehrsanbindung im ländlichen Raum"


def _row(code, depth, segments, documents, total_segments, total_documents, n=10):
    return {
        "code": code,
        "name": code.split("/")[-1],
        "depth": depth,
        "color": None,
        "segments": segments,
        "documents": documents,
        "share": documents / n,
        "total_segments": total_segments,
        "total_documents": total_documents,
        "total_share": total_documents / n,
        "groups": {},
    }


FREQ = {
    "documents": 10,
    "by": None,
    "coder": None,
    "code": None,
    "groups": {},
    "rows": [
        _row("Hindernisse", 1, 0, 0, 12, 8),
        _row("Hindernisse/Übergänge", 2, 7, 6, 9, 7),
        _row("Hindernisse/Übergänge/Schule–Beruf", 3, 2, 2, 2, 2),
        _row(f"Hindernisse/{LONG}", 2, 1, 1, 1, 1),
    ],
}


def _labels(ax, axis="y"):
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in ticks]


def test_chart_draws_a_parents_own_codings_as_a_bar():
    with figures.style() as plt:
        fig = frequency_figure(plt, FREQ, lang="de")
        ax = fig.axes[0]
        labels = [label.replace("\n", " ") for label in _labels(ax)]
        widths = [bar.get_width() for bar in ax.patches]
    assert labels == ["Übergänge (ohne Unterkategorien)", "Schule–Beruf", LONG]
    assert widths == [6, 2, 1]  # the parent's own documents, as `report freq --json` gives


def test_chart_labels_wrap_without_overlap():
    with figures.style() as plt:
        fig = frequency_figure(plt, FREQ, lang="en")
        ax = fig.axes[0]
        fig.canvas.draw()
        boxes = [t.get_window_extent() for t in ax.get_yticklabels()]
        assert "(without sub-categories)" in ax.get_yticklabels()[0].get_text()
        assert figures.outside_texts(fig) == []
    assert LONG.replace(" ", "") == _labels(ax)[2].replace("\n", "").replace(" ", "")
    for upper, lower in zip(boxes, boxes[1:], strict=False):  # y grows upwards
        assert lower.y1 <= upper.y0


def test_matrix_chart_labels_are_not_shortened():
    data = {
        "rows_are": "documents",
        "presence": False,
        "code_names": ["Informationsfluss und Transparenz", LONG],
        "code_paths": ["A/Informationsfluss und Transparenz", f"A/{LONG}"],
        "rows": [
            {"document": "Landkreis Sächsische Schweiz-Osterzgebirge, Protokoll", "values": [1, 2]}
        ],
    }
    with figures.style() as plt:
        fig = matrix_figure(plt, data, lang="de")
        ax = fig.axes[0]
        texts = _labels(ax, "y") + _labels(ax, "x")
        assert figures.outside_texts(fig) == []
    assert not any("…" in t for t in texts)
    assert [t.replace("-\n", "-").replace("\n", " ") for t in texts] == [
        "Landkreis Sächsische Schweiz-Osterzgebirge, Protokoll",
        "Informationsfluss und Transparenz",
        LONG,
    ]


@pytest.mark.parametrize(
    ("lang", "tag", "word"), [("de", "de-DE", "Tabelle"), ("en", "en-US", "Table")]
)
def test_section_docx_a4_language_numbers_header_caption(tmp_path, lang, tag, word):
    out = tmp_path / "a.docx"
    rows = [[f"Kategorie {i}", "Text", f"{i},5 %"] for i in range(3)]
    write_docx("Leitfaden", [Section("Ziele", [], ["A", "B", "C"], rows)], out, lang=lang)
    d = docx.Document(str(out))
    sec = d.sections[0]
    assert (round(sec.page_width.cm, 1), round(sec.page_height.cm, 1)) == (29.7, 21.0)
    assert [
        round(getattr(sec, f"{m}_margin").cm, 2) for m in ("left", "right", "top", "bottom")
    ] == [2.5] * 4
    rpr = d.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert rpr.find(qn("w:lang")).get(qn("w:val")) == tag
    assert [p.text for p in d.paragraphs if p.style.name == "Caption"] == [
        f"{word} 1: Leitfaden: Ziele"
    ]
    table = d.tables[0]
    trs = [r._tr for r in table.rows]
    assert trs[0].trPr.find(qn("w:tblHeader")) is not None
    assert all(tr.trPr.find(qn("w:cantSplit")) is not None for tr in trs)
    assert [c.paragraphs[0].alignment for c in table.rows[1].cells] == [
        None,
        None,
        WD_ALIGN_PARAGRAPH.RIGHT,
    ]


def test_full_report_docx_fits_a4_with_captions(cli, write_file, tmp_path):
    cli = build_small(cli, write_file, tmp_path)
    out = tmp_path / "r.docx"
    cli.ok("report", "full", "-o", str(out), "--lang", "de")
    d = docx.Document(str(out))
    sec = d.sections[0]
    assert (round(sec.page_width.cm, 1), round(sec.page_height.cm, 1)) == (21.0, 29.7)
    assert round(sec.left_margin.cm, 2) == 2.5 and round(sec.right_margin.cm, 2) == 2.5
    width = sec.page_width - sec.left_margin - sec.right_margin
    height = sec.page_height - sec.top_margin - sec.bottom_margin
    assert d.inline_shapes and all(s.width <= width and s.height <= height for s in d.inline_shapes)
    captions = [p.text for p in d.paragraphs if p.style.name == "Caption"]
    assert captions[0] == "Tabelle 1: Methode: Kodierleitfaden"
    assert sum(c.startswith("Abbildung ") for c in captions) == len(d.inline_shapes)
    assert sum(c.startswith("Tabelle ") for c in captions) == len(d.tables)
    assert all(t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None for t in d.tables)
    freq = d.tables[1]  # Häufigkeiten im Überblick: Kategorie, Segmente, Dokumente, %
    assert [c.paragraphs[0].alignment for c in freq.rows[1].cells][:3] == [
        None,
        WD_ALIGN_PARAGRAPH.RIGHT,
        WD_ALIGN_PARAGRAPH.RIGHT,
    ]
    html = tmp_path / "r.html"
    cli.ok("report", "full", "-o", str(html), "--lang", "de")
    text = html.read_text(encoding="utf-8")
    assert 'alt=""' not in text and "<caption>Tabelle 1: Methode: Kodierleitfaden</caption>" in text


def test_empty_summaries_say_so_and_how():
    data = {"attribute_names": [], "code_paths": [], "rows": [], "summary_count": 0}
    (section,) = grid_sections(data, "de")
    assert section.heading == "Keine Fallzusammenfassungen"
    assert "`qualcode summary set DOKUMENT KATEGORIE TEXT`" in section.lines[1]
    (section,) = grid_sections(data, "en")
    assert section.heading == "No case summaries"
