"""Reports: frequency tables, co-occurrence, segments, matrix, exports, chart — exact numbers.

The small project (built through the CLI):

    a.txt  Format=Präsenz  paragraphs [0,11) [13,24) [26,37)
    b.txt  Format=Web      paragraphs [0,10) [12,22)
    c.txt  Format=Präsenz  paragraphs [0,11) [13,24)
    d.txt  (no Format)     paragraph  [0,11)

    codes: Hindernisse/Zeit, Hindernisse/Personal, Ziele, Ziele/Vernetzung

    anna  a [0,11) Zeit · a [13,24) Zeit · a [13,24) Personal · a [26,37) Ziele
          b [0,10) Personal · b [12,22) Vernetzung · c [0,11) Vernetzung · d [0,11) Zeit
    ben   a [0,11) Zeit
    auto  b [0,10) Zeit          (left out unless --include-auto / --coder auto)
"""

from __future__ import annotations

import csv
import io
import json

import pytest

H, Z = "Hindernisse", "Ziele"
ZEIT, PERS, VERN = "Hindernisse/Zeit", "Hindernisse/Personal", "Ziele/Vernetzung"

TEXTS = {
    "a.txt": "Alpha eins.\n\nAlpha zwei.\n\nAlpha drei.",
    "b.txt": "Beta eins.\n\nBeta zwei.",
    "c.txt": "Gamma eins.\n\nGamma zwei.",
    "d.txt": "Delta eins.",
}
FORMAT = {"a.txt": "Präsenz", "b.txt": "Web", "c.txt": "Präsenz"}
CODINGS = [
    ("anna", "a.txt", 0, 11, ZEIT),
    ("anna", "a.txt", 13, 24, ZEIT),
    ("anna", "a.txt", 13, 24, PERS),
    ("anna", "a.txt", 26, 37, Z),
    ("anna", "b.txt", 0, 10, PERS),
    ("anna", "b.txt", 12, 22, VERN),
    ("anna", "c.txt", 0, 11, VERN),
    ("anna", "d.txt", 0, 11, ZEIT),
    ("ben", "a.txt", 0, 11, ZEIT),
    ("auto", "b.txt", 0, 10, ZEIT),
]


def build_small(cli, write_file, tmp_path):
    """Two CLI calls: import the folder (front matter → Format), import the codings CSV."""
    folder = None
    for name, text in TEXTS.items():
        front = f"---\nFormat: {FORMAT[name]}\n---\n" if name in FORMAT else ""
        folder = write_file(name, front + text).parent
    cli.ok("import", str(folder))
    path = tmp_path / "codings.csv"
    lines = ["document,start,end,code,coder"] + [
        f"{doc},{s},{e},{code},{coder}" for coder, doc, s, e, code in CODINGS
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cli.ok("codings", "import", str(path), "--create-codes")  # codes created in this order
    return cli


@pytest.fixture
def small(cli, write_file, tmp_path):
    return build_small(cli, write_file, tmp_path)


def rows_by_code(data):
    return {r["code"]: r for r in data["rows"]}


# --- frequency table --------------------------------------------------------


def test_freq_json_exact(small):
    data = small.json("report", "freq")
    assert data["documents"] == 4 and data["by"] is None and data["groups"] == {}
    assert [r["code"] for r in data["rows"]] == [H, ZEIT, PERS, Z, VERN]  # code-tree order
    r = rows_by_code(data)
    # Zeit: anna a×2 + ben a×1 (the same span as anna's: one segment) + anna d×1
    # = 3 segments in {a, d}; auto's b coding left out
    assert (r[ZEIT]["segments"], r[ZEIT]["documents"], r[ZEIT]["share"]) == (3, 2, 0.5)
    assert (r[PERS]["segments"], r[PERS]["documents"], r[PERS]["share"]) == (2, 2, 0.5)
    # a parent: no own codings; total = the distinct spans a 0-11, a 13-24 (Zeit and
    # Personal: one passage), b 0-10, d 0-11 = 4 segments in {a, b, d}
    assert (r[H]["segments"], r[H]["documents"], r[H]["share"]) == (0, 0, 0.0)
    assert (r[H]["total_segments"], r[H]["total_documents"], r[H]["total_share"]) == (4, 3, 0.75)
    # Ziele has an own coding (a) and its child's (b, c): 3 distinct documents
    assert (
        r[Z]["segments"],
        r[Z]["documents"],
        r[Z]["total_segments"],
        r[Z]["total_documents"],
    ) == (
        1,
        1,
        3,
        3,
    )
    assert (r[VERN]["segments"], r[VERN]["documents"], r[VERN]["total_segments"]) == (2, 2, 2)
    assert r[ZEIT]["groups"] == {}
    assert r[VERN]["depth"] == 2 and r[VERN]["name"] == "Vernetzung"


def test_freq_by_format_groups_and_column_percentages(small):
    data = small.json(
        "report", "freq", "--by", "format"
    )  # attribute names compare case-insensitively
    assert data["by"] == "Format"
    assert data["groups"] == {"Präsenz": 2, "Web": 1, "(none)": 1}
    assert list(data["groups"]) == ["Präsenz", "Web", "(none)"]
    r = rows_by_code(data)
    z = r[ZEIT]["groups"]
    assert (z["Präsenz"]["segments"], z["Präsenz"]["documents"], z["Präsenz"]["share"]) == (
        2,
        1,
        0.5,
    )
    assert (z["Web"]["segments"], z["Web"]["documents"], z["Web"]["share"]) == (0, 0, 0.0)
    assert (z["(none)"]["segments"], z["(none)"]["documents"], z["(none)"]["share"]) == (1, 1, 1.0)
    h = r[H]["groups"]
    # Präsenz = {a, c}: a 0-11 and a 13-24 (Zeit and Personal, one passage) = 2
    assert (
        h["Präsenz"]["total_segments"],
        h["Präsenz"]["total_documents"],
        h["Präsenz"]["total_share"],
    ) == (2, 1, 0.5)
    assert (h["Web"]["total_segments"], h["Web"]["total_documents"], h["Web"]["total_share"]) == (
        1,
        1,
        1.0,
    )
    zi = r[Z]["groups"]
    assert (
        zi["Präsenz"]["segments"],
        zi["Präsenz"]["total_segments"],
        zi["Präsenz"]["total_documents"],
        zi["Präsenz"]["total_share"],
    ) == (1, 2, 2, 1.0)


def test_freq_coder_filter_auto_and_level(small):
    r = rows_by_code(small.json("report", "freq", "--include-auto"))
    assert (r[ZEIT]["segments"], r[ZEIT]["documents"]) == (4, 3)
    r = rows_by_code(small.json("report", "freq", "--coder", "auto"))
    assert (r[ZEIT]["segments"], r[ZEIT]["documents"], r[PERS]["segments"]) == (1, 1, 0)
    r = rows_by_code(small.json("report", "freq", "--coder", "ben"))
    assert (r[ZEIT]["segments"], r[H]["total_segments"], r[Z]["total_segments"]) == (1, 1, 0)
    data = small.json("report", "freq", "--level", "1")
    assert [x["code"] for x in data["rows"]] == [H, Z]
    r = rows_by_code(data)
    # deeper codes are counted under their level-1 ancestor; a.txt 13–24 is coded Zeit and
    # Personal: one Hindernisse segment
    assert (r[H]["segments"], r[H]["documents"], r[Z]["segments"], r[Z]["documents"]) == (
        4,
        3,
        3,
        3,
    )


def test_freq_errors_are_one_line(small):
    res = small("report", "freq", "--by", "Region")
    assert (
        res.exit_code == 2 and "unknown attribute 'Region'" in res.output and "Format" in res.output
    )
    res = small("report", "freq", "--coder", "nobody")
    assert res.exit_code == 2 and "unknown coder" in res.output
    res = small("report", "freq", "-o", "x.pdf")
    assert res.exit_code == 2 and "format" in res.output


def test_freq_core_function_matches_cli(small, db_path):
    from qualcode.database import make_engine, reading
    from qualcode.reports import frequency_table

    eng = make_engine(db_path)
    with reading(eng) as session:
        data = frequency_table(session, by="Format")
    eng.dispose()
    assert data == small.json("report", "freq", "--by", "Format")


def test_freq_table_output(small):
    out = small.ok("report", "freq", "--by", "Format").stdout
    lines = out.splitlines()
    assert lines[0] == (
        "counting segments: a passage coded with the same code by several coders (anna, ben) "
        "counts once; --by-coder splits them by coder"
    )
    assert lines[2].split()[:3] == ["code", "segments", "docs"]
    zeit = next(line for line in lines if line.strip().startswith("Zeit"))
    assert line_numbers(zeit) == [
        "3",
        "2",
        "50.0",
        "3",
        "2",
        "50.0",
        "1",
        "50.0",
        "0",
        "0.0",
        "1",
        "100.0",
    ]
    assert "4 documents: Präsenz 2, Web 1, (none) 1" in out


def line_numbers(line: str) -> list[str]:
    return [t for t in line.replace("%", " ").split() if t[0].isdigit()]


# --- exports ------------------------------------------------------------------


def test_freq_csv_plain_and_excel(small, tmp_path):
    out = tmp_path / "f.csv"
    small.ok("report", "freq", "--by", "Format", "-o", str(out))
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[0][:4] == ["Kategorie (Pfad)", "Segmente", "Dokumente", "% Dokumente"]
    assert rows[0][7:10] == [  # the group columns count sub-categories, as the Σ columns
        "Präsenz (n=2): Segmente inkl. Unterkategorien",
        "Präsenz (n=2): Dokumente inkl. Unterkategorien",
        "Präsenz (n=2): % Dokumente inkl. Unterkategorien",
    ]
    zeit = next(r for r in rows if r[0] == ZEIT)
    assert zeit[:7] == ["Hindernisse/Zeit", "3", "2", "50.0", "3", "2", "50.0"]
    assert zeit[7:] == ["2", "1", "50.0", "0", "0", "0.0", "1", "1", "100.0"]

    xl = tmp_path / "g.csv"
    small.ok("report", "freq", "--by", "Format", "-o", str(xl), "--excel")
    raw = xl.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    text = raw[3:].decode("utf-8")
    first = text.split("\r\n")[0]
    assert first.startswith("Kategorie (Pfad);Segmente;Dokumente;% Dokumente;")
    assert "Hindernisse/Zeit;3;2;50,0;3;2;50,0;2;1;50,0;0;0;0,0;1;1;100,0" in text  # decimal comma


def test_freq_xlsx_header_frozen_panes_number_formats(small, tmp_path):
    import openpyxl

    out = tmp_path / "f.xlsx"
    small.ok("report", "freq", "--by", "Format", "-o", str(out))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Häufigkeiten", "Gruppen", "Diagramm"]
    ws = wb["Häufigkeiten"]
    assert [c.value for c in ws[1]][:4] == ["Kategorie", "Segmente", "Dokumente", "% Dokumente"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "B2"
    names = [ws.cell(row=i, column=1).value for i in range(2, 7)]
    assert names == ["Hindernisse", "Zeit", "Personal", "Ziele", "Vernetzung"]
    assert ws.cell(row=3, column=1).alignment.indent == 1  # sub-codes indented
    zeit = [c.value for c in ws[3]]
    assert zeit[1:7] == [3, 2, 0.5, 3, 2, 0.5]
    assert ws.cell(row=3, column=4).number_format == "0.0%"
    assert ws.cell(row=3, column=2).number_format == "#,##0"  # German Excel: 1.234
    assert ws.column_dimensions["A"].width >= len("Kategorie")
    chart_data = wb["Diagramm"]  # the leaves with their column %, and a native bar chart
    assert [c.value for c in chart_data[1]] == [
        "Kategorie",
        "Präsenz (n = 2)",
        "Web (n = 1)",
        "(ohne Angabe) (n = 1)",  # a German file
    ]
    assert [c.value for c in chart_data[2]] == ["Zeit", 0.5, 0.0, 1.0]
    assert [chart_data.cell(row=i, column=1).value for i in range(2, 6)] == [
        "Zeit",
        "Personal",
        "Vernetzung",
        None,
    ]
    import zipfile

    with zipfile.ZipFile(out) as z:
        chart_xml = z.read("xl/charts/chart1.xml").decode("utf-8")
    assert "<c:barChart>" in chart_xml and "Diagramm!$B$2:$B$4" in chart_xml
    groups = wb["Gruppen"]
    assert [[c.value for c in row] for row in groups.iter_rows(min_row=2)] == [
        ["Präsenz", 2, 0.5],
        ["Web", 1, 0.25],
        ["(ohne Angabe)", 1, 0.25],  # documents without a Format, in German
    ]


def test_freq_markdown_and_json_files(small, tmp_path):
    md = tmp_path / "f.md"
    small.ok("report", "freq", "-o", str(md))
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Kategorienhäufigkeiten")
    assert "| Kategorie | Segmente | Dokumente | % Dokumente |" in text
    assert "| &nbsp;&nbsp;&nbsp;&nbsp;Zeit | 3 | 2 | 50,0 % | 3 | 2 | 50,0 % |" in text
    js = tmp_path / "f.json"
    small.ok("report", "freq", "-o", str(js))
    assert json.loads(js.read_text(encoding="utf-8"))["rows"][1]["code"] == ZEIT


def test_freq_chart_png_and_svg(small, tmp_path):
    png = tmp_path / "chart.png"
    small.ok("report", "freq", "--by", "Format", "--chart", str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "chart.svg"
    small.ok("report", "freq", "--chart", str(svg))
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text
    res = small("report", "freq", "--chart", str(tmp_path / "chart.gif"))
    assert res.exit_code == 2 and ".png" in res.output


# --- co-occurrence --------------------------------------------------------------


def test_cooc_passage_exact(small):
    data = small.json("report", "cooc")
    assert data["unit"] == "passage" and data["units"] == 8  # 3 + 2 + 2 + 1 paragraphs
    codes = data["code_paths"]
    assert codes == [H, ZEIT, PERS, Z, VERN]
    m = {
        (codes[i], codes[j]): data["matrix"][i][j]
        for i in range(len(codes))
        for j in range(len(codes))
    }
    # Zeit in a0, a1, d0; Personal in a1, b0; Ziele in a2; Vernetzung in b1, c0
    assert (m[(ZEIT, ZEIT)], m[(PERS, PERS)], m[(Z, Z)], m[(VERN, VERN)]) == (3, 2, 1, 2)
    assert m[(ZEIT, PERS)] == m[(PERS, ZEIT)] == 1  # only a1
    assert m[(ZEIT, Z)] == 0 and m[(PERS, VERN)] == 0
    assert data["pairs"] == [{"a": ZEIT, "b": PERS, "units": 1, "jaccard": 0.25}]  # 1 / (3 + 2 − 1)


def test_cooc_document_exact(small):
    data = small.json("report", "cooc", "--unit", "document")
    assert data["units"] == 4
    pairs = {(p["a"], p["b"]): p["units"] for p in data["pairs"]}
    # a: {Zeit, Personal, Ziele}; b: {Personal, Vernetzung}; c: {Vernetzung}; d: {Zeit}
    assert pairs == {(ZEIT, PERS): 1, (ZEIT, Z): 1, (PERS, Z): 1, (PERS, VERN): 1}
    i = data["code_paths"].index(ZEIT)
    assert data["matrix"][i][i] == 2


def test_cooc_counts_a_coding_spanning_two_paragraphs_in_both(small):
    small.ok("code", "c.txt", "--start", "5", "--end", "20", "--code", PERS, "--coder", "anna")
    data = small.json("report", "cooc")
    pairs = {(p["a"], p["b"]): p["units"] for p in data["pairs"]}
    assert (
        pairs[(PERS, VERN)] == 1
    )  # c0 has Vernetzung and (part of) Personal; c1 has only Personal
    i = data["code_paths"].index(PERS)
    assert data["matrix"][i][i] == 4  # a1, b0, c0, c1


def test_cooc_passage_units_leave_headings_out(cli, write_file, tmp_path):
    # a title, two headings and three content paragraphs
    text = (
        "# Protokoll\n\n## TOP 1 Personal\n\nEs fehlen Lehrkräfte an allen Schulen.\n\n"
        "Die Zeit für Absprachen reicht nicht.\n\n## TOP 2 Ziele\n\nWir wollen uns besser abstimmen.\n"
    )
    write_file("h.md", text)
    cli.ok("import", str(write_file("h.md", text)))
    for path in (PERS, ZEIT):
        cli.ok("codes", "add", path)
    top1, para1 = text.index("## TOP 1"), text.index("Es fehlen")
    para2 = text.index("Die Zeit")

    def code(start: int, end: int, path: str) -> None:
        cli.ok("code", "h.md", "--start", str(start), "--end", str(end), "--code", path)

    code(top1, para1 + 10, PERS)  # the heading and the paragraph below: one unit
    code(top1, top1 + 8, ZEIT)  # the heading alone: no unit
    code(para2, para2 + 8, ZEIT)
    data = cli.json("report", "cooc")
    assert (data["units"], data["structural"], data["coded_units"]) == (3, 3, 2)
    i, j = data["code_paths"].index(PERS), data["code_paths"].index(ZEIT)
    assert (data["matrix"][i][i], data["matrix"][j][j]) == (1, 1)
    assert data["matrix"][i][j] == 0 and data["pairs"] == []  # they met on the heading only
    out = cli.ok("report", "cooc").output
    assert "(3 in all; 3 headings and metadata blocks not counted)" in out
    # the exported tables say it too: a reader of the file sees what the units were
    md = cli.ok("report", "cooc", "--format", "md", "--lang", "de").stdout
    assert "(3 Absätze insgesamt; 3 Überschriften und Metadaten nicht gezählt)" in md
    import openpyxl

    out_x = tmp_path / "c.xlsx"
    cli.ok("report", "cooc", "-o", str(out_x), "--lang", "en")
    ws = openpyxl.load_workbook(out_x)["Co-occurrence"]
    assert ws["A1"].value.endswith("(3 in all; 3 headings and metadata blocks not counted)")
    assert ws["A3"].value == "Category" and ws["A2"].value is None  # the table below the note


def test_cooc_xlsx_has_matrix_and_pairs(small, tmp_path):
    import openpyxl

    out = tmp_path / "c.xlsx"
    small.ok("report", "cooc", "-o", str(out))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Überschneidungen", "Paare"]
    assert [c.value for c in wb["Paare"][2]] == [ZEIT, PERS, 1, 0.25]


# --- segments ---------------------------------------------------------------------


def test_segments_markdown_json_children(small):
    data = small.json("report", "segments", "--code", ZEIT)
    segs = data["rows"]
    assert data["segments"] == 3
    # the same quotation by anna and ben is listed once
    assert [(s["document"], s["start"], s["end"], s["coders"]) for s in segs] == [
        ("a.txt", 0, 11, ["anna", "ben"]),
        ("a.txt", 13, 24, ["anna"]),
        ("d.txt", 0, 11, ["anna"]),
    ]
    assert [len(s["coding_ids"]) for s in segs] == [2, 1, 1]
    assert [s["orphaned"] for s in segs] == [False, False, False]
    assert segs[0]["text"] == "Alpha eins." and segs[0]["attributes"] == {"Format": "Präsenz"}
    data = small.json("report", "segments", "--code", H, "--children")
    assert [s["code"] for s in data["rows"]] == [ZEIT, ZEIT, PERS, PERS, ZEIT]
    md = small.ok("report", "segments", "--code", ZEIT).stdout
    assert "# Hindernisse/Zeit" in md and "## a.txt" in md and "*Format: Präsenz*" in md
    assert "> Alpha eins.\n\n(a.txt, Zeichen 0–11, anna, ben)" in md


def test_segments_docx_xlsx_csv(small, tmp_path):
    import docx
    import openpyxl

    out = tmp_path / "s.docx"
    small.ok("report", "segments", "--code", H, "--children", "-o", str(out))
    d = docx.Document(str(out))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == H
    assert "Alpha zwei." in texts and "Beta eins." in texts
    assert "(a.txt, Zeichen 13–24, anna, Hindernisse/Personal)" in texts
    xl = tmp_path / "s.xlsx"
    small.ok("report", "segments", "--code", ZEIT, "-o", str(xl))
    ws = openpyxl.load_workbook(xl)["Segmente"]
    assert [c.value for c in ws[1]] == [
        "Dokument",
        "Format",
        "Kategorie",
        "Kodierer/in",
        "Anfang",
        "Ende",
        "Text",
        "Memo",
    ]
    assert [c.value for c in ws[2]][:7] == [
        "a.txt",
        "Präsenz",
        ZEIT,
        "anna, ben",
        0,
        11,
        "Alpha eins.",
    ]
    assert ws.freeze_panes == "B2"
    out_csv = small.ok("report", "segments", "--code", ZEIT, "--format", "csv").stdout
    assert out_csv.splitlines()[1] == 'a.txt,Präsenz,Hindernisse/Zeit,"anna, ben",0,11,Alpha eins.,'
    res = small("report", "segments", "--code", "Unbekannt")
    assert res.exit_code == 2 and "unknown code" in res.output


# --- matrix ---------------------------------------------------------------------


def test_matrix_counts_and_presence(small, tmp_path):
    data = small.json("report", "matrix")
    assert data["code_paths"] == [H, ZEIT, PERS, Z, VERN]
    assert data["attribute_names"] == ["Format"]
    got = {r["document"]: (r["attributes"]["Format"], r["values"]) for r in data["rows"]}
    assert got == {
        "a.txt": ("Präsenz", [0, 2, 1, 1, 0]),  # anna's and ben's a [0,11): one segment
        "b.txt": ("Web", [0, 0, 1, 0, 1]),
        "c.txt": ("Präsenz", [0, 0, 0, 0, 1]),
        "d.txt": (None, [0, 1, 0, 0, 0]),
    }
    assert data["column_totals"] == [0, 3, 2, 1, 2]
    pres = small.json("report", "matrix", "--presence")
    assert [r["values"] for r in pres["rows"]] == [
        [0, 1, 1, 1, 0],
        [0, 0, 1, 0, 1],
        [0, 0, 0, 0, 1],
        [0, 1, 0, 0, 0],
    ]
    assert pres["column_totals"] == [0, 2, 2, 1, 2]  # documents with the code
    lvl = small.json("report", "matrix", "--level", "1")
    assert lvl["code_paths"] == [H, Z] and [r["values"] for r in lvl["rows"]] == [
        [2, 1],  # a.txt: 0–11 Zeit; 13–24 Zeit and Personal, one Hindernisse segment
        [1, 1],
        [0, 1],
        [1, 0],
    ]

    import openpyxl

    out = tmp_path / "m.xlsx"
    small.ok("report", "matrix", "-o", str(out), "--excel")
    ws = openpyxl.load_workbook(out).active
    assert [c.value for c in ws[1]] == ["Dokument", "Format", H, ZEIT, PERS, Z, VERN, "Segmente"]
    assert [c.value for c in ws[2]] == ["a.txt", "Präsenz", 0, 2, 1, 1, 0, 4]
    assert [c.value for c in ws[6]] == ["Summe", None, 0, 3, 2, 1, 2, 8]
    assert ws.freeze_panes == "C2"  # document and attribute columns stay visible
    csv_text = small.ok("report", "matrix", "-f", "csv", "--excel").stdout
    assert csv_text.splitlines()[1] == "a.txt;Präsenz;0;2;1;1;0;4"


# --- the demo project -----------------------------------------------------------------


def test_demo_frequencies_by_format(demo_cli):
    data = demo_cli.json("report", "freq", "--by", "Format")
    assert data["documents"] == 14
    assert data["groups"] == {"Hybrid": 2, "Präsenz": 6, "Web": 6}
    tops = [r for r in data["rows"] if r["depth"] == 1]
    assert [r["code"] for r in tops] == [
        "Herausforderungen und Hindernisse",
        "Zielformulierungen",
        "Gestaltungs- und Entwicklungsziele",
        "Handlungsschritte",
    ]
    for r in data["rows"]:
        # roll-ups: a category's documents are at most the sum and at least the max of its sub-codes
        assert r["total_documents"] >= r["documents"]
        assert sum(g["total_documents"] for g in r["groups"].values()) == r["total_documents"]
        assert sum(g["total_segments"] for g in r["groups"].values()) == r["total_segments"]
    segments = {(c["document"], c["start"], c["end"], c["code"]) for c in demo_cli.json("codings")}
    assert sum(r["segments"] for r in data["rows"]) == len(segments)
    # every coded demo protocol has challenges coded: 7 of 14
    assert tops[0]["total_documents"] == 7 and tops[0]["total_share"] == 0.5


def test_demo_cooc_and_matrix_consistent_with_freq(demo_cli):
    freq = {r["code"]: r for r in demo_cli.json("report", "freq")["rows"]}
    cooc = demo_cli.json("report", "cooc", "--unit", "document")
    for i, code in enumerate(cooc["code_paths"]):
        assert cooc["matrix"][i][i] == freq[code]["documents"]
    matrix = demo_cli.json("report", "matrix")
    for i, code in enumerate(matrix["code_paths"]):
        assert matrix["column_totals"][i] == freq[code]["segments"]


def test_demo_chart_many_groups_is_a_heat_map(demo_cli, tmp_path):
    png = tmp_path / "region.png"
    demo_cli.ok("report", "freq", "--by", "Region", "--chart", str(png))
    import matplotlib.image

    img = matplotlib.image.imread(str(png))
    height, width = img.shape[:2]
    assert png.read_bytes()[:4] == b"\x89PNG"
    # codes × 13 regions as a heat map (a colour bar), not 24 × 13 stacked bars; 16 cm wide
    assert width == int(16 / 2.54 * 300)
    assert height < round(24 / 2.54 * 300)  # 24 × 13 bars would fill the 24 cm limit


def test_freq_code_subtree(small):
    data = small.json("report", "freq", "--code", "ziele", "--by", "Format")
    assert data["code"] == Z
    assert [r["code"] for r in data["rows"]] == [Z, VERN]
    r = rows_by_code(data)
    assert (r[Z]["total_segments"], r[Z]["total_documents"]) == (3, 3)
    assert data["documents"] == 4  # shares stay relative to all documents
    res = small("report", "freq", "--code", "Nix")
    assert res.exit_code == 2 and "unknown code" in res.output


def test_unwritable_output_is_a_one_line_error(small, tmp_path):
    missing = tmp_path / "nope"
    for args in (
        ["report", "freq", "-o", str(missing / "f.xlsx")],
        ["report", "freq", "-o", str(missing / "f.csv")],
        ["report", "freq", "--chart", str(missing / "c.png")],
        ["report", "segments", "--code", ZEIT, "-o", str(missing / "s.docx")],
        ["agreement", "--coders", "anna,ben", "-o", str(missing / "a.md")],
    ):
        res = small(*args)
        assert res.exit_code == 2, args
        assert res.output.startswith("error: cannot write") and "Traceback" not in res.output, (
            res.output
        )
        assert not missing.exists()


def test_reports_on_every_backend(any_cli, write_file, tmp_path):
    """The same figures on SQLite and PostgreSQL (the bulk reads bypass the ORM)."""
    cli = build_small(any_cli, write_file, tmp_path)
    r = rows_by_code(cli.json("report", "freq", "--by", "Format"))
    assert (r[ZEIT]["segments"], r[ZEIT]["documents"], r[H]["total_documents"]) == (3, 2, 3)
    assert r[ZEIT]["groups"]["Präsenz"]["segments"] == 2
    assert rows_by_code(cli.json("report", "freq", "--include-auto"))[ZEIT]["segments"] == 4
    cooc = cli.json("report", "cooc")
    assert cooc["units"] == 8 and cooc["pairs"] == [
        {"a": ZEIT, "b": PERS, "units": 1, "jaccard": 0.25}
    ]
    assert cli.json("report", "matrix")["column_totals"] == [0, 3, 2, 1, 2]
    assert [s["coders"] for s in cli.json("report", "segments", "--code", ZEIT)["rows"]] == [
        ["anna", "ben"],
        ["anna"],
        ["anna"],
    ]
    agreement = cli.json("agreement", "--coders", "anna,ben")
    assert agreement["document_names"] == ["a.txt"] and agreement["units"] == 3


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"by": "Format"},
        {"by": "format"},
        {"coder": "ben"},
        {"coder": "auto"},
        {"include_auto": True},
        {"level": 1},
        {"by": "Format", "level": 1, "coder": "anna,ben"},
    ],
)
def test_sqlite_fast_path_equals_the_full_path(small, db_path, kw):
    from qualcode.database import make_engine, reading
    from qualcode.reports.freqcore import fast_frequency_table
    from qualcode.reports.frequency import frequency_table

    eng = make_engine(db_path)
    with reading(eng) as session:
        full = frequency_table(session, **kw)
    eng.dispose()
    fast = fast_frequency_table(db_path, **kw)
    assert fast is not None and fast == full


def test_fast_path_leaves_errors_to_the_full_path(small, db_path):
    from qualcode.reports.freqcore import fast_frequency_table

    assert fast_frequency_table(db_path, coder="nobody") is None
    assert fast_frequency_table(db_path, by="Region") is None
    assert fast_frequency_table(str(db_path) + ".missing") is None


def test_demo_fast_path_equals_the_full_path(demo_db):
    from qualcode.database import make_engine, reading
    from qualcode.reports.freqcore import fast_frequency_table
    from qualcode.reports.frequency import frequency_table

    eng = make_engine(demo_db)
    with reading(eng) as session:
        full = frequency_table(session, by="Region")
    eng.dispose()
    assert fast_frequency_table(demo_db, by="Region") == full
