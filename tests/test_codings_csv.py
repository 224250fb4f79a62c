"""`codings import` / `codings export`: CSV from German Excel, quotes, line numbers (issue 13, items 7, 10–13).

Every file is written here, by hand, the way Excel and editors write them.
"""

from __future__ import annotations

import pytest
from conftest import dump

TEXT = (
    "Die Teamsitzung beginnt um neun. Frau Weiß begrüßt alle.\n\n"
    "Ziele: Frau Weiß möchte mehr Austausch. Frau Weiß schlägt ein Treffen vor.\n"
)


@pytest.fixture
def project(cli, write_file):
    cli.ok("import", str(write_file("sitzung.txt", TEXT)))
    for path in ("ziele", "Herausforderungen/Zeitmangel"):
        cli.ok("codes", "add", path)
    return cli


def codings(cli) -> list[tuple]:
    return [
        (c["document"], c["start"], c["end"], c["code"], c["coder"], c["memo"])
        for c in cli.json("codings")
    ]


def refused(cli, path, *needles: str) -> str:
    before = dump(cli.db)
    r = cli("codings", "import", str(path))
    assert r.exit_code == 2, r.output
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output
    for needle in needles:
        assert needle in r.stderr, r.stderr
    assert dump(cli.db) == before
    return r.stderr


# --- 7. positions Python's int() would take ----------------------------------------------------------


@pytest.mark.parametrize("start", ["٠", "0_0", "+0", "0.0"])
def test_positions_must_be_ascii_whole_numbers(project, write_file, start):
    path = write_file("c.csv", f"document,start,end,code\nsitzung.txt,{start},15,ziele\n")
    refused(project, path, "line 2: start/end must be whole numbers in ASCII digits")


# --- 10. German Excel: ';', Windows-1252, a BOM -------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "document;start;end;code;memo\r\nsitzung.txt;4;15;ziele;Größe\r\n".encode("cp1252"),
        "\ufeffdocument;start;end;code;memo\r\nsitzung.txt;4;15;ziele;Größe\r\n".encode(),
        "sep=;\r\ndocument;start;end;code;memo\r\nsitzung.txt;4;15;ziele;Größe\r\n".encode(
            "cp1252"
        ),
        "document\tstart\tend\tcode\tmemo\nsitzung.txt\t4\t15\tziele\tGröße\n".encode("utf-16"),
        "document;start;end;code;memo;;\r\nsitzung.txt;4;15;ziele;Größe;;\r\n".encode("cp1252"),
    ],
    ids=["cp1252", "utf8-bom", "sep-line", "tab-utf16", "empty-cells"],
)
def test_excel_csv_is_read(project, write_file, data):
    project.ok("codings", "import", str(write_file("excel.csv", data)))
    assert codings(project) == [("sitzung.txt", 4, 15, "ziele", "tester", "Größe")]


# --- 11. a quote is checked against start,end; an ambiguous quote is refused ------------------------------


def test_a_quote_must_match_its_span(project, write_file):
    path = write_file("q.csv", "document,start,end,code,quote\nsitzung.txt,0,11,ziele,Frau Weiß\n")
    refused(
        project, path, "line 2: 0-11 of 'sitzung.txt' is 'Die Teamsit', not the quote 'Frau Weiß'"
    )
    ok = write_file("ok.csv", "document,start,end,code,quote\nsitzung.txt,4,15,ziele,Teamsitzung\n")
    project.ok("codings", "import", str(ok))
    assert codings(project) == [("sitzung.txt", 4, 15, "ziele", "tester", "")]


def test_an_ambiguous_quote_lists_its_occurrences(project, write_file):
    path = write_file("q.csv", "document,code,quote\nsitzung.txt,ziele,Frau Weiß\n")
    refused(
        project,
        path,
        "line 2: the quote 'Frau Weiß' occurs 3 times in 'sitzung.txt' (at 33-42, 65-74, 98-107);"
        " give start,end to choose one",
    )
    once = write_file("once.csv", "document,code,quote\nsitzung.txt,ziele,Frau Weiß begrüßt\n")
    project.ok("codings", "import", str(once))
    assert codings(project)[0][1:3] == (33, 50)


# --- 12. physical line numbers; --create-codes named when only codes are unknown ---------------------------


def test_errors_name_physical_lines(project, write_file):
    csv = (
        "document,start,end,code,memo\n"  # 1
        "\n"  # 2
        'sitzung.txt,4,15,ziele,"ein Memo\n'  # 3
        'über zwei Zeilen"\n'  # 4
        "\n"  # 5
        "nirgends.txt,0,3,ziele,\n"  # 6
    )
    refused(project, write_file("l.csv", csv), "line 6: unknown document 'nirgends.txt'")


def test_unknown_codes_only_suggest_create_codes(project, write_file):
    csv = "document,start,end,code\nsitzung.txt,0,3,Neu\nsitzung.txt,4,15,Auch neu\n"
    msg = refused(project, write_file("u.csv", csv), "unknown code 'Neu'", "--create-codes")
    assert "line 2" in msg and "line 3" in msg
    mixed = "document,start,end,code\nsitzung.txt,0,3,Neu\nnirgends.txt,4,15,ziele\n"
    assert "--create-codes" not in refused(project, write_file("m.csv", mixed))


# --- 13. codings export writes what codings import reads back -----------------------------------------------


@pytest.mark.parametrize(
    "name,options",
    [("c.csv", []), ("c.csv", ["--excel"]), ("c.xlsx", []), ("c.dat", ["--format", "xlsx"])],
)
def test_export_round_trips_through_import(project, tmp_path, write_file, name, options):
    memo = 'Zitat: "so nicht"; zweite Zeile\nmit Umlauten äöü, Komma'
    project.ok(
        "code", "sitzung.txt", "--start", "4", "--end", "15", "--code", "ziele", "--memo", memo
    )
    project.ok(
        "code", "sitzung.txt", "--start", "58", "--end", "131", "--code",
        "Herausforderungen/Zeitmangel", "--coder", "ben",
    )  # fmt: skip
    project.ok(
        "code", "sitzung.txt", "--start", "0", "--end", "3", "--code", "ziele", "--coder", "=cmd"
    )
    before = codings(project)
    out = tmp_path / name
    res = project.json("codings", "export", str(out), *options)
    assert res == {"file": str(out), "codings": 3}
    if "--excel" in options:
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbfdocument;start;end;code;coder;memo;quote\r\n")
    # into a fresh project with the same document: the same codings
    fresh = type(project)(str(tmp_path / "fresh.sqlite"))
    fresh.ok("import", str(write_file("sitzung.txt", TEXT)))
    fresh.ok("codings", "import", str(out), "--create-codes")
    assert codings(fresh) == before
    # and into the project itself: nothing new
    encoding = None if out.suffix != ".csv" else "utf-8"
    assert project.json("codings", "import", str(out)) == {
        "codings": 0,
        "skipped": 3,
        "encoding": encoding,
    }


def test_export_to_the_terminal_and_errors(project, tmp_path):
    project.ok("code", "sitzung.txt", "--start", "4", "--end", "15", "--code", "ziele")
    out = project.ok("codings", "export").stdout
    assert (
        out
        == "document,start,end,code,coder,memo,quote\nsitzung.txt,4,15,ziele,tester,,Teamsitzung\n"
    )
    r = project("codings", "export", "--format", "xlsx")
    assert r.exit_code == 2 and "FILE.xlsx" in r.stderr
    r = project("codings", "export", str(tmp_path / "nope" / "c.csv"))
    assert r.exit_code == 2 and "does not exist" in r.stderr


def test_a_binary_or_broken_spreadsheet_is_one_line_error(project, write_file):
    refused(
        project,
        write_file("alt.xls", b"\xd0\xcf\x11\xe0" + bytes(range(256)) * 8),
        "save it as CSV",
    )
    refused(
        project, write_file("kaputt.xlsx", b"PK\x03\x04 not really a zip"), "not a readable .xlsx"
    )
