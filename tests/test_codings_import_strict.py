"""`codings import` reads only what it understands, and coder names match like code names.

A misspelled or repeated column, a workbook with several filled sheets and a half-given
span are refused (nothing imported); `Anna`, `ANNA` and `Änna` are one coder.
"""

from __future__ import annotations

import sqlite3

import pytest
from conftest import db_snapshot, error, rows

TEXT = (
    "Die Teamsitzung beginnt um neun. Frau Weiß begrüßt alle.\n\n"
    "Ziele: Frau Weiß möchte mehr Austausch. Frau Weiß schlägt ein Treffen vor.\n"
)
COLUMNS = "the columns are document, start, end, code, coder, memo, quote (text is read as quote)"


@pytest.fixture
def project(cli, write_file):
    cli.ok("import", str(write_file("sitzung.txt", TEXT)))
    cli.ok("codes", "add", "ziele")
    return cli


def refused(cli, path) -> str:
    before = db_snapshot(cli.db)
    line = error(cli("codings", "import", str(path)))
    assert db_snapshot(cli.db) == before
    return line


def coders(db: str) -> list[str]:
    return [n for (n,) in rows(db, "SELECT name FROM coder ORDER BY name")]


def codings_of(db: str) -> list[tuple]:
    return rows(
        db,
        "SELECT c.start, c.end, k.name, c.memo FROM coding c JOIN coder k ON k.id = c.coder_id"
        " ORDER BY c.start",
    )


def workbook(path, sheets: dict[str, list[list]]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, cells in sheets.items():
        ws = wb.create_sheet(title)
        for row in cells:
            ws.append(row)
    wb.save(path)


# --- the header --------------------------------------------------------------------------------


def test_a_misspelled_column_is_refused_naming_it_and_the_known_columns(project, write_file):
    path = write_file(
        "c.csv",
        "document,start,end,code,cdoer,memos,remark\nsitzung.txt,4,15,ziele,ben,wichtig,x\n",
    )
    assert refused(project, path) == (
        "error: c.csv: unknown columns 'cdoer' (did you mean 'coder'?),"
        " 'memos' (did you mean 'memo'?), 'remark'"
        f" — {COLUMNS}; rename or delete the others; nothing was imported"
    )


def test_a_column_twice_is_refused(project, write_file):
    path = write_file("c.csv", "document,start,end,code,code\nsitzung.txt,4,15,gibtsnicht,ziele\n")
    assert refused(project, path) == (
        "error: c.csv: the column 'code' appears twice — keep one of them; nothing was imported"
    )
    path = write_file("q.csv", "document,code,quote,text\nsitzung.txt,ziele,Teamsitzung,neun\n")
    assert refused(project, path) == (
        "error: q.csv: the columns 'quote' and 'text' are the same column"
        " — keep one of them; nothing was imported"
    )


def test_a_column_without_a_name_is_refused_but_empty_trailing_columns_are_not(project, write_file):
    path = write_file("c.csv", "document,start,end,,code\nsitzung.txt,4,15,x,ziele\n")
    assert refused(project, path) == (
        "error: c.csv: column 4 of the header has no name"
        f" — {COLUMNS}; name it or delete it; nothing was imported"
    )
    path = write_file("excel.csv", "document;start;end;code;;\r\nsitzung.txt;4;15;ziele;;\r\n")
    project.ok("codings", "import", str(path))
    assert codings_of(project.db) == [(4, 15, "tester", "")]


def test_every_column_name_read_before_is_still_read(project, write_file):
    path = write_file(
        "c.csv",
        "Document,Start,End,Code,Coder,Memo,Quote\nsitzung.txt,4,15,ziele,ben,wichtig,Teamsitzung\n",
    )
    project.ok("codings", "import", str(path))
    path = write_file("t.csv", "document,code,text\nsitzung.txt,ziele,beginnt um neun\n")
    project.ok("codings", "import", str(path))
    assert codings_of(project.db) == [(4, 15, "ben", "wichtig"), (16, 31, "tester", "")]


# --- workbooks with several sheets --------------------------------------------------------------


HEAD = ["document", "start", "end", "code", "coder"]


def test_a_workbook_with_several_filled_sheets_is_refused(project, tmp_path):
    path = tmp_path / "k.xlsx"
    workbook(
        path,
        {
            "Anna": [HEAD, ["sitzung.txt", 4, 15, "ziele", "anna"]],
            "leer": [],
            "Ben": [HEAD, ["sitzung.txt", 16, 31, "ziele", "ben"]],
        },
    )
    assert refused(project, path) == (
        "error: k.xlsx: 2 sheets hold data ('Anna', 'Ben'), and none is called 'Kodierungen'"
        " — name the sheet to import 'Kodierungen' (or put all codings on one sheet);"
        " nothing was imported"
    )


def test_the_sheet_kodierungen_or_the_one_filled_sheet_is_read(project, tmp_path):
    path = tmp_path / "k.xlsx"
    workbook(
        path,
        {
            "Notizen": [["irgendwas"]],
            "Kodierungen": [HEAD, ["sitzung.txt", 4, 15, "ziele", "anna"]],
        },
    )
    project.ok("codings", "import", str(path))
    path = tmp_path / "b.xlsx"
    workbook(path, {"leer": [], "Ben": [HEAD, ["sitzung.txt", 16, 31, "ziele", "ben"]]})
    project.ok("codings", "import", str(path))
    assert codings_of(project.db) == [(4, 15, "anna", ""), (16, 31, "ben", "")]


# --- rows ----------------------------------------------------------------------------------------


def test_an_end_without_a_start_is_refused_also_next_to_a_quote(project, write_file):
    path = write_file("c.csv", "document,start,end,code,quote\nsitzung.txt,,15,ziele,Teamsitzung\n")
    assert refused(project, path) == (
        "error: c.csv: nothing imported; line 2: end '15' without start (give both, or leave"
        " both empty to locate the quote) — fix these lines and import again"
    )
    path = write_file("d.csv", "document,start,end,code,quote\nsitzung.txt,4,,ziele,Teamsitzung\n")
    assert "line 2: start '4' without end" in refused(project, path)


def test_a_row_repeated_in_the_file_counts_as_already_there(project, write_file):
    path = write_file(
        "c.csv", "document,start,end,code\nsitzung.txt,4,15,ziele\nsitzung.txt,4,15,ziele\n"
    )
    assert project.json("codings", "import", str(path))["codings"] == 1
    assert project.ok("codings", "import", str(path)).stdout == (
        "imported 0 codings (2 already there)\n"
    )
    path = write_file(
        "d.csv", "document,start,end,code\nsitzung.txt,16,31,ziele\nsitzung.txt,16,31,ziele\n"
    )
    assert project.ok("codings", "import", str(path)).stdout == (
        "imported 1 codings (1 already there)\n"
    )
    assert len(codings_of(project.db)) == 2


# --- coder names ---------------------------------------------------------------------------------


def test_coder_names_differing_by_case_or_accents_are_one_coder(project, write_file):
    path = write_file(
        "c.csv",
        "document,start,end,code,coder\n"
        "sitzung.txt,0,3,ziele,Anna\nsitzung.txt,4,15,ziele,ANNA\nsitzung.txt,16,31,ziele,Änna\n",
    )
    assert project.json("codings", "import", str(path))["codings"] == 3
    project.ok("code", "sitzung.txt", "--start", "33", "--end", "37", "--code", "ziele")
    project.ok("code", "sitzung.txt", "--start", "38", "--end", "42", "--code", "ziele",
               "--coder", "anna")  # fmt: skip
    assert coders(project.db) == ["Anna", "tester"]
    assert project.json("status")["coders"] == ["Anna", "tester"]
    assert [c["start"] for c in project.json("codings", "--coder", "ANNA")] == [0, 4, 16, 38]
    project.ok("uncode", "sitzung.txt", "--start", "0", "--end", "3", "--coder", "anna",
               "--force")  # fmt: skip
    with_env = project(
        "uncode", "sitzung.txt", "--start", "4", "--end", "15", env={"QUALCODE_CODER": "aNNa"}
    )
    assert with_env.exit_code == 0, with_env.output  # anna's own codings need no --force
    assert [c["start"] for c in project.json("codings", "--coder", "Anna")] == [16, 38]


def test_coders_already_split_are_left_alone_and_a_third_spelling_is_refused(project, write_file):
    con = sqlite3.connect(project.db)
    with con:
        con.executemany(
            "INSERT INTO coder (name, guid, created_at) VALUES (?, ?, CURRENT_TIMESTAMP)",
            [("Anna", "g-1"), ("anna", "g-2")],
        )
    con.close()
    before = db_snapshot(project.db)
    ambiguous = (
        "error: coder 'ANNA' is ambiguous: the coders 'Anna', 'anna' differ from it only by"
        " case or accents — give one of them exactly as it is written"
    )
    line = error(
        project(
            "code",
            "sitzung.txt",
            "--start",
            "4",
            "--end",
            "15",
            "--code",
            "ziele",
            "--coder",
            "ANNA",
        )  # fmt: skip
    )
    assert line == ambiguous
    assert error(project("codings", "--coder", "ANNA")) == ambiguous
    path = write_file("c.csv", "document,start,end,code,coder\nsitzung.txt,4,15,ziele,ANNA\n")
    assert error(project("codings", "import", str(path))) == (
        "error: c.csv: nothing imported; line 2: coder 'ANNA' is ambiguous: the coders 'Anna',"
        " 'anna' differ from it only by case or accents (give one of them exactly as it is"
        " written) — fix these lines and import again"
    )
    assert db_snapshot(project.db) == before
    project.ok("code", "sitzung.txt", "--start", "4", "--end", "15", "--code", "ziele",
               "--coder", "anna")  # fmt: skip
    assert coders(project.db) == ["Anna", "anna"]
    assert codings_of(project.db) == [(4, 15, "anna", "")]


def test_the_reserved_coders_keep_their_exact_names(project, write_file):
    project.ok("code", "sitzung.txt", "--start", "4", "--end", "15", "--code", "ziele",
               "--coder", "auto")  # fmt: skip
    for name in ("Auto", "ÁUTO"):
        line = error(
            project(
                "code",
                "sitzung.txt",
                "--start",
                "16",
                "--end",
                "31",
                "--code",
                "ziele",
                "--coder",
                name,
            )  # fmt: skip
        )
        assert line == (
            f"error: coder {name!r} is too close to 'auto', the reserved coder of `autocode`"
            " (whose codings reports leave out) — choose another coder name"
        )
    line = error(
        project(
            "code",
            "sitzung.txt",
            "--start",
            "16",
            "--end",
            "31",
            "--code",
            "ziele",
            "--coder",
            "Éngine",
        )  # fmt: skip
    )
    assert line.startswith("error: 'engine' is reserved for the suggestions engine as a coder")
    assert coders(project.db) == ["auto"]
    assert [c["coder"] for c in project.json("codings", "--coder", "AUTO")] == ["auto"]


def test_the_login_name_in_another_case_is_a_coder_of_the_project():
    from qualcode.coder import CoderChoice, should_ask

    assert not should_ask(CoderChoice("Root", "login"), ["root", "auto"])
    assert should_ask(CoderChoice("root", "login"), ["anna"])
