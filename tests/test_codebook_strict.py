"""`qualcode codebook import` reads a file whole or not at all: a key or column it does not
know, two columns for one field, a code given twice and a workbook with several sheets of
data are refused with one line, before anything is written."""

from __future__ import annotations

import pytest
from conftest import db_snapshot, error, rows

COLUMNS = (
    "the columns are path, description, definition, anchor, rule, color, codable (German:"
    " Kategorie, Beschreibung, Definition, Ankerbeispiel, Kodierregel, Farbe, kodierbar)"
)


@pytest.fixture
def project(cli):
    cli.ok("codes", "add", "A")
    return cli


def refused(project, path) -> str:
    """The one error line of importing ``path``, which must change nothing."""
    before = db_snapshot(project.db)
    line = error(project("codebook", "import", str(path)))
    assert db_snapshot(project.db) == before
    return line


def workbook(path, sheets: dict[str, list[list]]):
    import openpyxl

    wb = openpyxl.Workbook()
    for i, (title, data) in enumerate(sheets.items()):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = title
        for row in data:
            ws.append(row)
    wb.save(path)
    return path


# --- 1. keys and columns nothing reads -------------------------------------------------------


def test_unknown_keys_of_a_toml_entry_are_refused_with_the_known_ones(project, write_file):
    book = write_file(
        "book.toml",
        '[[codes]]\npath = "A/B"\ndefinition = "gut"\n\n'
        '[[codes]]\npath = "A/C"\ndefintion = "vertippt"\nanchor_example = "falsch"\n',
    )
    assert refused(project, book) == (
        "error: book.toml, code 2: unknown keys 'defintion' (did you mean 'definition'?),"
        " 'anchor_example' (did you mean 'anchor'?) — the keys of a [[codes]] entry are path,"
        " description, definition, anchor, rule, color, codable"
    )


def test_a_table_beside_the_codes_tables_is_refused(project, write_file):
    book = write_file("book.toml", '[[codes]]\npath = "A/B"\n\n[[code]]\npath = "A/C"\n')
    assert refused(project, book) == (
        "error: book.toml: [[code]] beside [[codes]] is not read (did you mean [[codes]]?)"
        " — a codebook holds only [[codes]] tables, one per code; rename or remove it"
    )
    book = write_file("meta.toml", 'title = "Buch"\n\n[[codes]]\npath = "A/B"\n')
    assert refused(project, book) == (
        "error: meta.toml: 'title' beside [[codes]] is not read — a codebook holds only"
        " [[codes]] tables, one per code; rename or remove it"
    )


def test_unknown_csv_and_xlsx_columns_are_refused_with_the_known_ones(
    project, write_file, tmp_path
):
    csv = write_file("book.csv", "path,Definiton,Anker\nX/Y,vertippt,Ankertext\n")
    assert refused(project, csv) == (
        "error: book.csv: unknown columns 'Definiton' (did you mean 'definition'?), 'Anker'"
        f" (did you mean 'anchor'?) — {COLUMNS}; rename or remove them"
    )
    xlsx = workbook(tmp_path / "book.xlsx", {"Buch": [["Kategorie", "Memo"], ["X/Y", "m"]]})
    assert refused(project, xlsx) == (
        f"error: book.xlsx: unknown column 'Memo' — {COLUMNS}; rename or remove it"
    )


def test_two_columns_for_one_field_are_refused(project, write_file, tmp_path):
    csv = write_file("book.csv", "Kategorie,Definition,path\nP/Q,def,Z/W\n")
    assert refused(project, csv) == (
        "error: book.csv: the columns 'Kategorie' and 'path' both mean path — keep one of them"
    )
    xlsx = workbook(
        tmp_path / "book.xlsx", {"Buch": [["path", "Farbe", "colour"], ["X", "#112233", ""]]}
    )
    assert refused(project, xlsx) == (
        "error: book.xlsx: the columns 'Farbe' and 'colour' both mean color — keep one of them"
    )


def test_a_value_under_a_column_without_a_header_is_refused(project, write_file):
    csv = write_file("book.csv", "path,,definition\nX,,d\nY,verloren,e\n")
    assert refused(project, csv) == (
        "error: book.csv, line 3: a value in column 2, which has no header — give the column"
        " a header (path, description, definition, anchor, rule, color, codable) or remove"
        " the value"
    )


def test_every_alias_still_reads_and_empty_columns_and_sheets_are_fine(
    project, write_file, tmp_path
):
    csv = write_file(
        "buch.csv",
        "Kategorie (Pfad);Beschreibung;Anchor Example;Coding Rule;Colour;Kodierbar;;\n"
        "A/B;Beschr.;Anker;Regel;#112233;nein;;\n",
    )
    assert project.json("codebook", "import", str(csv))["added"] == 1
    xlsx = workbook(
        tmp_path / "buch.xlsx",
        {
            "leer": [[None, " "]],
            "Kategorien": [
                ["Pfad", "description", "Definition", "Ankerbeispiel", "Kodierregel", None],
                ["A/C", "Beschr.", "Def.", "Anker", "Regel", None],
            ],
        },
    )
    assert project.json("codebook", "import", str(xlsx))["added"] == 1
    assert rows(
        project.db,
        "SELECT name, description, definition, anchor, rule, codable FROM code"
        " WHERE name IN ('B', 'C') ORDER BY name",
    ) == [("B", "Beschr.", "", "Anker", "Regel", 0), ("C", "Beschr.", "Def.", "Anker", "Regel", 1)]
    assert rows(project.db, "SELECT color FROM code WHERE name = 'B'") == [("#112233",)]


# --- 2. a code given twice -------------------------------------------------------------------


def test_a_code_path_given_twice_is_refused(project, write_file):
    book = write_file(
        "book.toml",
        '[[codes]]\npath = "A/B"\ndefinition = "erste"\n\n'
        '[[codes]]\npath = "A/b"\ndefinition = "zweite, andere"\n',
    )
    assert refused(project, book) == (
        "error: book.toml, code 2: 'A/b' repeats 'A/B' (code 1) — give each code one entry;"
        " merge the two"
    )
    csv = write_file("book.csv", "path;definition\nZiele/Übergänge;a\nX;b\nziele/Ubergange;c\n")
    assert refused(project, csv) == (
        "error: book.csv, line 4: 'ziele/Ubergange' repeats 'Ziele/Übergänge' (line 2) —"
        " give each code one entry; merge the two"
    )
    same = write_file("same.csv", "path\nX/Y\nX/Y\n")
    assert refused(project, same) == (
        "error: same.csv, line 3: 'X/Y' repeats 'X/Y' (line 2) — give each code one entry;"
        " merge the two"
    )


# --- 3. workbooks with several sheets --------------------------------------------------------


def test_a_workbook_with_several_sheets_of_data_is_refused(project, tmp_path):
    import openpyxl

    book = workbook(
        tmp_path / "book.xlsx",
        {"Anna": [["path"], ["A/B"]], "Ben": [["path"], ["A/C"]], "leer": [[None]]},
    )
    assert refused(project, book) == (
        "error: book.xlsx: 2 sheets hold data ('Anna', 'Ben'), and a codebook is read from"
        " one sheet — keep the codebook on one sheet and delete or empty the others (or save"
        " that sheet as .csv)"
    )
    wb = openpyxl.load_workbook(book)
    wb["Ben"].sheet_state = "hidden"
    wb.save(book)
    assert "('Anna', 'Ben' (hidden))" in refused(project, book)


def test_the_one_sheet_with_data_is_read_wherever_it_is(project, tmp_path):
    book = workbook(tmp_path / "book.xlsx", {"leer": [], "Buch": [["path"], ["A/B"]]})
    assert project.json("codebook", "import", str(book))["added"] == 1
    assert rows(project.db, "SELECT name FROM code ORDER BY id") == [("A",), ("B",)]
