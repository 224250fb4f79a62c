"""Code Matrix Browser (`report matrix --by/--sets --chart`) and `report crosstab` — exact cells."""

from __future__ import annotations

import pytest

from tests.test_reports import build_small


@pytest.fixture
def small(cli, write_file, tmp_path):
    cli = build_small(cli, write_file, tmp_path)
    cli.ok("docs", "set", "a.txt", "Region=Ost")
    cli.ok("docs", "set", "b.txt", "Region=Ost")
    cli.ok("docs", "set", "c.txt", "Region=West")
    return cli


def test_matrix_by_attribute_and_sets(small, tmp_path):
    m = small.json("report", "matrix", "--by", "Format")
    assert m["code_paths"] == [
        "Hindernisse",
        "Hindernisse/Zeit",
        "Hindernisse/Personal",
        "Ziele",
        "Ziele/Vernetzung",
    ]
    assert [(r["group"], r["documents"], r["values"]) for r in m["rows"]] == [
        ("Präsenz", 2, [0, 2, 1, 1, 1]),
        ("Web", 1, [0, 0, 1, 0, 1]),
        ("(none)", 1, [0, 1, 0, 0, 0]),
    ]
    assert m["column_totals"] == [0, 3, 2, 1, 2] and m["rows_are"] == "Format"
    p = small.json("report", "matrix", "--by", "Format", "--presence")
    assert p["rows"][0]["values"] == [0, 1, 1, 1, 1]  # documents of the group with the code
    small.ok("set", "add", "ab", "a.txt", "b.txt")
    small.ok("set", "add", "Web", "--rule", "Format=Web")
    s = small.json("report", "matrix", "--sets")
    assert [(r["group"], r["documents"], r["values"]) for r in s["rows"]] == [
        ("ab", 2, [0, 2, 2, 1, 1]),
        ("Web", 1, [0, 0, 1, 0, 1]),
    ]
    r = small("report", "matrix", "--sets", "--by", "Format")
    assert r.exit_code == 2 and "--by and --sets cannot be combined" in r.stderr


def test_matrix_chart_and_shaded_xlsx(small, tmp_path):
    png, xlsx = tmp_path / "m.png", tmp_path / "m.xlsx"
    small.ok("report", "matrix", "--chart", str(png), "-o", str(xlsx))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from openpyxl import load_workbook

    ws = load_workbook(xlsx)["Matrix"]
    ranges = [str(r.sqref) for r in ws.conditional_formatting]
    assert ranges == ["D2:H5"]  # the code cells of the 4 documents, not the total row
    assert [c.value for c in ws[2]] == ["a.txt", "Präsenz", "Ost", 0, 2, 1, 1, 0, 4]
    r = small("report", "matrix", "--chart", str(tmp_path / "m.gif"))
    assert r.exit_code == 2 and "cannot draw a chart as 'm.gif'" in r.stderr


def test_crosstab_two_attributes(small, tmp_path):
    d = small.json("report", "crosstab", "--by", "Format", "--by", "Region")
    assert [(c["label"], c["documents"]) for c in d["columns"]] == [
        ("Präsenz · Ost", 1),
        ("Präsenz · West", 1),
        ("Web · Ost", 1),
        ("(none) · (none)", 1),
    ]
    cells = {
        r["code"]: [
            (c["documents"], c["row_share"], c["column_share"], c["segments"]) for c in r["cells"]
        ]
        for r in d["rows"]
    }
    assert cells["Hindernisse"] == [  # a.txt: 0-11 and 13-24 (Zeit and Personal, one span)
        (1, 0.3333, 1.0, 2),
        (0, 0.0, 0.0, 0),
        (1, 0.3333, 1.0, 1),
        (1, 0.3333, 1.0, 1),
    ]
    assert cells["Ziele/Vernetzung"] == [
        (0, 0.0, 0.0, 0),
        (1, 0.5, 1.0, 1),
        (1, 0.5, 1.0, 1),
        (0, 0.0, 0.0, 0),
    ]
    out = tmp_path / "x.xlsx"
    small.ok("report", "crosstab", "--by", "Format", "--by", "Region", "-o", str(out))
    from openpyxl import load_workbook

    ws = load_workbook(out)["Kreuztabelle"]
    assert [c.value for c in ws[1]][:5] == [
        "Kategorie",
        "Dokumente",
        "Präsenz · Ost (n=1): Dokumente",
        "Präsenz · Ost (n=1): Zeilen-%",
        "Präsenz · Ost (n=1): Spalten-%",
    ]
    assert [c.value for c in ws[2]][:5] == ["Hindernisse", 3, 1, 0.3333, 1]
    r = small("report", "crosstab", "--by", "Format", "--by", "format")
    assert r.exit_code == 2 and "is given twice" in r.stderr


def test_crosstab_level_counts_a_span_of_two_sub_codes_once(small):
    """a.txt 0–11 is Zeit, 13–24 Zeit and Personal: at level 1 two Hindernisse segments, as
    `report freq --level 1` and `report matrix --level 1` count them."""
    d = small.json("report", "crosstab", "--by", "Format", "--by", "Region", "--level", "1")
    cells = {r["code"]: [(c["documents"], c["segments"]) for c in r["cells"]] for r in d["rows"]}
    assert cells["Hindernisse"] == [(1, 2), (0, 0), (1, 1), (1, 1)]
    freq = {r["code"]: r["segments"] for r in small.json("report", "freq", "--level", "1")["rows"]}
    assert freq["Hindernisse"] == sum(n for _, n in cells["Hindernisse"]) == 4
