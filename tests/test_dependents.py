"""What hangs on a coding goes with it: removing codings (uncode, codes delete, docs
remove) removes the memos on them, and a code whose anchor example was one of them — or
was moved to another code by a recode — falls back to its written anchor. Nothing is left
pointing at an id that a later coding may get (it handed ben's memo to anna's next
coding, and showed an unrelated passage as anchor example)."""

from __future__ import annotations

import pytest
from conftest import dump, rows

TEXT = "Erster Absatz über Zeit.\n\nZweiter Absatz über Personal."


@pytest.fixture
def project(cli, write_file):
    cli.ok("import", str(write_file("p.txt", TEXT)))
    cli.ok("codes", "add", "Zeit")
    cli.ok("codes", "add", "Personal")
    cli.ok("--coder", "anna", "code", "p.txt", "--start", "0", "--end", "24", "--code", "Zeit")
    return cli


def coding_id(cli, start: int) -> int:
    return rows(cli.db, "SELECT id FROM coding WHERE start = ?", start)[0][0]


def test_uncode_removes_the_memos_on_the_coding_and_undo_brings_them_back(project) -> None:
    cid = coding_id(project, 0)
    project.ok("--coder", "ben", "memo", "add", "Bens Notiz", "--coding", str(cid))
    before = dump(project.db)
    project.ok("--coder", "anna", "uncode", "p.txt", "--start", "0", "--end", "24")
    assert rows(project.db, "SELECT count(*) FROM memo") == [(0,)]
    assert project.json("check")["ok"] is True
    # anna's next coding gets the freed id: it carries no memo of ben's
    project.ok(
        "--coder", "anna", "code", "p.txt", "--start", "26", "--end", "55", "--code", "Personal"
    )
    assert rows(project.db, "SELECT count(*) FROM memo") == [(0,)]
    project.ok("--coder", "anna", "undo")
    project.ok("--coder", "anna", "undo")
    assert dump(project.db) == before


def test_an_anchor_example_that_is_uncoded_falls_back_to_the_written_anchor(project) -> None:
    cid = coding_id(project, 0)
    project.ok("codes", "anchor", "Zeit", "--coding", str(cid))
    before = dump(project.db)
    project.ok("--coder", "anna", "uncode", "p.txt", "--start", "0", "--end", "24")
    assert rows(project.db, "SELECT anchor_coding_id FROM code WHERE name = 'Zeit'") == [(None,)]
    assert project.json("check")["ok"] is True
    project.ok(
        "--coder", "anna", "code", "p.txt", "--start", "26", "--end", "55", "--code", "Zeit"
    )  # the freed id again, on the same code: not its anchor example
    assert rows(project.db, "SELECT anchor_coding_id FROM code WHERE name = 'Zeit'") == [(None,)]
    project.ok("--coder", "anna", "undo")
    project.ok("--coder", "anna", "undo")
    assert dump(project.db) == before


def test_an_anchor_example_moved_by_a_recode_is_released(project) -> None:
    cid = coding_id(project, 0)
    project.ok("codes", "anchor", "Zeit", "--coding", str(cid))
    project.ok("recode", "--from", "Zeit", "--to", "Personal", "--doc", "p.txt")  # Zeit stays
    assert rows(project.db, "SELECT code_id FROM coding WHERE id = ?", cid) == rows(
        project.db, "SELECT id FROM code WHERE name = 'Personal'"
    )
    assert rows(project.db, "SELECT anchor_coding_id FROM code WHERE name = 'Zeit'") == [(None,)]
    assert project.json("check")["ok"] is True


@pytest.mark.parametrize(
    "remove",
    [("codes", "delete", "Zeit", "--force"), ("docs", "remove", "p.txt", "--force")],
)
def test_deleting_a_code_or_a_document_takes_the_memos_on_its_codings(project, remove) -> None:
    cid = coding_id(project, 0)
    project.ok("--coder", "ben", "memo", "add", "Bens Notiz", "--coding", str(cid))
    project.ok(*remove)
    assert rows(project.db, "SELECT count(*) FROM memo WHERE target_type = 'coding'") == [(0,)]
    assert project.json("check")["ok"] is True
