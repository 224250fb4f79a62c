"""A reference that could name two things is refused, never guessed: a number that is one
document's id and another's file name (``2`` → ``10.txt`` by id, ``2.txt`` by name),
non-ASCII digits, and the same for checkpoints, check samples and research questions."""

from __future__ import annotations

import pytest
from conftest import db_snapshot, error, rows


@pytest.fixture
def numbered(cli, tmp_path):
    """Five documents named by numbers; name order makes ids 1.txt=1, 10.txt=2, 11.txt=3,
    2.txt=4, 3.txt=5."""
    folder = tmp_path / "numbered"
    folder.mkdir()
    for i in (1, 2, 3, 10, 11):
        (folder / f"{i}.txt").write_text(f"Sitzung {i}.\n\nZweiter Absatz.\n", encoding="utf-8")
    cli.ok("import", str(folder))
    ids = dict(rows(cli.db, "SELECT name, id FROM document"))
    assert ids == {"1.txt": 1, "10.txt": 2, "11.txt": 3, "2.txt": 4, "3.txt": 5}
    return cli


def test_a_number_that_is_an_id_and_a_file_name_is_refused_everywhere(numbered) -> None:
    cli = numbered
    before = db_snapshot(cli.db)
    expected = (
        "error: document '2' is ambiguous: the id of '10.txt' and the name of '2.txt'"
        " — write the full name: '10.txt' or '2.txt'"
    )
    assert error(cli("code", "2", "--start", "0", "--end", "7", "--code", "X", "--create")) == (
        expected
    )
    assert error(cli("docs", "remove", "2")) == expected
    assert error(cli("passages", "--doc", "2")) == expected
    assert error(cli("memo", "add", "note", "--doc", "2")).startswith(
        "error: document '2' is ambiguous"
    )
    assert db_snapshot(cli.db) == before


def test_an_id_or_a_name_that_names_one_document_still_works(numbered) -> None:
    cli = numbered
    out = cli.ok("code", "10.txt", "--start", "0", "--end", "7", "--code", "X", "--create")
    assert out.stdout.startswith("coded 10.txt 0-7 with X")
    # 5 is the id of 3.txt and names no file: the id
    out = cli.ok("code", "5", "--start", "0", "--end", "7", "--code", "X")
    assert out.stdout.startswith("coded 3.txt 0-7 with X")  # the message names the document
    # 1 is the id of 1.txt and the stem of 1.txt: one document, no ambiguity
    out = cli.ok("code", "1", "--start", "0", "--end", "7", "--code", "X")
    assert out.stdout.startswith("coded 1.txt 0-7 with X")
    assert rows(
        cli.db,
        "SELECT d.name FROM coding c JOIN document d ON d.id = c.document_id ORDER BY d.name",
    ) == [("1.txt",), ("10.txt",), ("3.txt",)]


@pytest.mark.parametrize("ref", ["²", "３", "02"])
def test_digits_that_are_not_plain_ascii_are_names_not_ids(numbered, ref) -> None:
    cli = numbered
    line = error(cli("code", ref, "--start", "0", "--end", "7", "--code", "X", "--create"))
    assert line.startswith(f"error: unknown document {ref!r}")
    assert error(cli("checkpoint", "diff", ref)).startswith(f"error: unknown checkpoint {ref!r}")
    assert rows(cli.db, "SELECT count(*) FROM coding") == [(0,)]


def test_a_checkpoint_named_like_another_ones_id_is_refused(cli) -> None:
    cli.ok("checkpoint", "erste")  # id 1
    cli.ok("checkpoint", "1")  # id 2, named like the first one's id
    line = error(cli("checkpoint", "diff", "1"))
    assert line == (
        "error: checkpoint '1' is ambiguous: the name of one (id 2) and the id of 'erste'"
        " — write the name 'erste' for that one, or rename the checkpoint named '1'"
    )
    assert cli.ok("checkpoint", "diff", "erste").exit_code == 0
    assert cli.ok("checkpoint", "diff", "2").exit_code == 0  # id 2 and named "1": one checkpoint


def test_a_coder_named_in_another_case_is_the_same_coder_everywhere(cli, write_file) -> None:
    """`ANNA` is the coder anna in every --coder (written or read), as codes and sets match."""
    cli.ok("import", str(write_file("p.txt", "Erster Absatz.\n\nZweiter Absatz.")))
    cli.ok(
        "--coder", "anna", "code", "p.txt", "--start", "0", "--end", "14", "--code", "X", "--create"
    )
    cli.ok("--coder", "ANNA", "code", "p.txt", "--start", "16", "--end", "31", "--code", "X")
    cli.ok("--coder", "ben", "code", "p.txt", "--start", "0", "--end", "14", "--code", "X")
    assert rows(cli.db, "SELECT name FROM coder ORDER BY name") == [("anna",), ("ben",)]
    assert rows(
        cli.db, "SELECT count(*) FROM coding JOIN coder ON coder.id = coder_id WHERE name='anna'"
    ) == [(2,)]
    [row] = cli.json("report", "freq", "--coder", "Anna")["rows"]
    assert (row["code"], row["segments"]) == ("X", 2)
    assert cli.json("retrieve", "X", "--coder", "ÄNNA")["segments"] == 2
    data = cli.json("agreement", "--coders", "Anna,BEN")
    assert data["coders"] == ["anna", "ben"] and data["units"] == 2
    assert error(cli("agreement", "--coders", "anna,ANNA")) == (
        "error: agreement needs at least two different coders — give --coders A,B (comma-separated)"
    )


def test_the_fast_paths_refuse_a_name_that_is_another_documents_id(numbered) -> None:
    """A document named like another's id (a REFI source may be called "4"): `suggest --doc`,
    `similar` and `search --doc` refuse it warm or cold, as the full path does."""
    import sqlite3

    cli = numbered
    cli.ok("codes", "add", "X")
    cli.ok("--coder", "anna", "code", "1.txt", "--start", "0", "--end", "10", "--code", "X")
    con = sqlite3.connect(cli.db)
    with con:
        con.execute("UPDATE document SET name = '4' WHERE name = '3.txt'")  # id 5; 4 is 2.txt
    con.close()
    expected = "error: document '4' is ambiguous: the id of '2.txt' and the name of '4'"
    for _ in range(2):  # the second run finds the model and the index cached
        assert error(cli("suggest", "--doc", "4")).startswith(expected)
        assert error(cli("similar", "4", "--start", "0", "--end", "10")).startswith(expected)
        assert error(cli("search", "Sitzung", "--doc", "4")).startswith(expected)
