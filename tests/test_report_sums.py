"""A category's figures "incl. sub-categories" count each passage once, hand-computed.

Three documents, five codes (B, B/Staff, B/Time, R, R/Funding):

    a.txt (Format P, Region X)  p1: anna Staff + anna Time    p2: anna B + anna Staff
    b.txt (Format W, Region Y)  p1: anna Time
    c.txt (no Format, Region Z) p1: anna Staff + ben Time

B's sub-tree holds the spans {a p1, a p2, b p1, c p1}: 4 segments in 3 documents (as
``--level 1`` counts B), not Staff 3 + Time 3 + B 1 = 7. B's own: a p2, 1 in 1. Per
Format: P = {a} 2 segments, W = {b} 1, no Format = {c} 1. Documents without a Format
are "(none)" in the data and in English, "(ohne Angabe)" in German files.
"""

from __future__ import annotations

import re

import pytest

TEXTS = {
    "a.txt": ("Format: P\nRegion: X", "Alpha one.\n\nAlpha two.\n"),
    "b.txt": ("Format: W\nRegion: Y", "Beta one.\n\nBeta two.\n"),
    "c.txt": ("Region: Z", "Gamma one.\n\nGamma two.\n"),
}
SPANS = {("a.txt", 1): (0, 10), ("a.txt", 2): (12, 22), ("b.txt", 1): (0, 9), ("c.txt", 1): (0, 10)}
CODINGS = [
    ("anna", "a.txt", 1, "B/Staff"),
    ("anna", "a.txt", 1, "B/Time"),
    ("anna", "a.txt", 2, "B"),
    ("anna", "a.txt", 2, "B/Staff"),
    ("anna", "b.txt", 1, "B/Time"),
    ("anna", "c.txt", 1, "B/Staff"),
    ("ben", "c.txt", 1, "B/Time"),
]


@pytest.fixture
def sums(cli, write_file, tmp_path):
    folder = None
    for name, (attrs, text) in TEXTS.items():
        folder = write_file(name, f"---\n{attrs}\n---\n{text}").parent
    cli.ok("import", str(folder))
    for code in ["B", "B/Staff", "B/Time", "R", "R/Funding"]:
        cli.ok("codes", "add", code)
    path = tmp_path / "codings.csv"
    lines = ["document,start,end,code,coder"]
    for coder, doc, para, code in CODINGS:
        s, e = SPANS[(doc, para)]
        lines.append(f"{doc},{s},{e},{code},{coder}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cli.ok("codings", "import", str(path))
    return cli


def _b(data: dict) -> dict:
    return next(r for r in data["rows"] if r["code"] == "B")


def test_freq_subtree_counts_each_span_once(sums):
    fast = _b(sums.json("report", "freq"))  # the sqlite3 fast path
    full = _b(sums.json("report", "freq", "--code", "B"))  # --code: the full path
    for row in (fast, full):
        assert (row["segments"], row["documents"]) == (1, 1)
        assert (row["total_segments"], row["total_documents"], row["total_share"]) == (4, 3, 1.0)
    level1 = _b(sums.json("report", "freq", "--level", "1"))
    assert (level1["segments"], level1["documents"]) == (4, 3)


def test_freq_group_cells_count_each_span_once(sums):
    data = sums.json("report", "freq", "--by", "Format")
    assert data["groups"] == {"P": 1, "W": 1, "(none)": 1}  # --json keeps "(none)"
    cells = _b(data)["groups"]
    assert {g: (c["total_segments"], c["total_documents"]) for g, c in cells.items()} == {
        "P": (2, 1),
        "W": (1, 1),
        "(none)": (1, 1),
    }
    assert (cells["P"]["segments"], cells["P"]["documents"]) == (1, 1)  # B's own: a p2


def test_crosstab_counts_each_span_once(sums):
    data = sums.json("report", "crosstab", "--by", "Format", "--by", "Region")
    assert [c["label"] for c in data["columns"]] == ["P · X", "W · Y", "(none) · Z"]
    b = _b(data)
    assert (b["segments"], b["documents"]) == (4, 3)
    assert [(c["segments"], c["documents"]) for c in b["cells"]] == [(2, 1), (1, 1), (1, 1)]


def test_agenda_shows_the_subtree_figures(sums, tmp_path):
    rows = {r["code"]: r for r in sums.json("report", "agenda")["rows"]}
    assert (rows["B"]["segments"], rows["B"]["documents"]) == (4, 3)
    assert (rows["B/Staff"]["segments"], rows["B/Staff"]["documents"]) == (3, 2)
    assert (rows["R"]["segments"], rows["R"]["documents"]) == (0, 0)
    out = tmp_path / "agenda.md"
    sums.ok("report", "agenda", "--lang", "de", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert (
        "| Kategorie | Definition | Ankerbeispiel | Kodierregel | n (Dok.) inkl. Unterkat. |"
        in text
    )
    b_line = next(line for line in text.splitlines() if "1 B" in line)
    assert b_line.rstrip().endswith("| 4 (3) |")
    sums.ok("report", "agenda", "--lang", "en", "-o", str(out))
    assert "| n (docs) incl. sub-categories |" in out.read_text(encoding="utf-8")


def test_full_report_lists_each_span_once(sums, tmp_path):
    out = tmp_path / "full.html"
    got = sums.json("report", "full", "--by", "Format", "--lang", "de", "-o", str(out))
    html = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", out.read_text(encoding="utf-8")))
    assert re.findall(r"Kodierte Segmente \((\d+)\)", html) == ["4", "0"]  # B, R
    assert got["segments"] == 4
    assert html.count("Alpha one.") == 1  # a p1: one quotation with both of its codes
    assert "Staff, Time · anna" in html
    assert "(ohne Angabe)" in html and "(none)" not in html


def test_german_files_name_the_documents_without_a_value(sums, tmp_path):
    import openpyxl

    md = tmp_path / "freq.md"
    sums.ok("report", "freq", "--by", "Format", "--lang", "de", "-o", str(md))
    text = md.read_text(encoding="utf-8")
    assert "(ohne Angabe) (n=1): Segmente inkl. Unterkategorien" in text
    assert "(none)" not in text
    xlsx = tmp_path / "freq.xlsx"
    sums.ok("report", "freq", "--by", "Format", "--lang", "de", "-o", str(xlsx))
    groups = [list(r) for r in openpyxl.load_workbook(xlsx)["Gruppen"].iter_rows(values_only=True)]
    assert [r[:2] for r in groups] == [["Gruppe (Format)", "Dokumente"], ["P", 1], ["W", 1],
                                       ["(ohne Angabe)", 1]]  # fmt: skip
    sums.ok("report", "freq", "--by", "Format", "--lang", "en", "-o", str(md))
    assert "(none) (n=1): Segments incl. sub-categories" in md.read_text(encoding="utf-8")
    ct = tmp_path / "crosstab.md"
    sums.ok("report", "crosstab", "--by", "Format", "--by", "Region", "--lang", "de", "-o", str(ct))
    text = ct.read_text(encoding="utf-8")
    assert "(ohne Angabe) · Z (n=1): Dokumente" in text and "(none)" not in text


def test_group_headers_say_they_count_sub_categories(sums, tmp_path):
    md = tmp_path / "freq.md"
    sums.ok("report", "freq", "--by", "Format", "--lang", "de", "-o", str(md))
    head = next(
        line
        for line in md.read_text(encoding="utf-8").splitlines()
        if line.startswith("| Kategorie |")
    )
    assert [h.strip() for h in head.strip("|").split("|")][7:10] == [
        "P (n=1): Segmente inkl. Unterkategorien",
        "P (n=1): Dokumente inkl. Unterkategorien",
        "P (n=1): % Dokumente inkl. Unterkategorien",
    ]
    csv = tmp_path / "freq.csv"
    sums.ok("report", "freq", "--by", "Format", "--lang", "en", "-o", str(csv))
    lines = csv.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[7:10] == [
        "P (n=1): Segments incl. sub-categories",
        "P (n=1): Documents incl. sub-categories",
        "P (n=1): % documents incl. sub-categories",
    ]
    assert lines[1].split(",")[4:10] == ["4", "3", "100.0", "2", "1", "100.0"]  # B: Σ, then P
    out = sums.ok("report", "freq", "--by", "Format").stdout.splitlines()
    head = next(line for line in out if line.startswith("code"))
    assert "P (n=1) Σ docs" in head and "P Σ %" in head
