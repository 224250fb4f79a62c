"""`undo` / `redo` and what a colleague built on an action since: a memo on the code or the
coding, a coding with the code, a sub-code, an anchor example. Undo refuses (naming the later
action and its coder) instead of leaving a reference to a row that is gone — which the next
new row would take over, as tables reuse ids. Redo whose row id a later action took says so.
`check` reports an anchor example that is no coding of its code."""

from __future__ import annotations

import json

import pytest
from conftest import db_snapshot, rows


@pytest.fixture
def project(cli, write_file):
    cli.ok(
        "import",
        str(write_file("p1.md", "Es fehlt Personal.\n\nEs fehlt Zeit.\n\nZiel: Vernetzung.\n")),
    )
    return cli


def refused(run, *args: str) -> str:
    """The one error line of a command that must fail with exit code 2 and change nothing."""
    before = db_snapshot(run.db)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert db_snapshot(run.db) == before
    return lines[0]


def anna(run, *args: str):
    return run.ok("--coder", "anna", *args)


def ben(run, *args: str):
    return run.ok("--coder", "ben", *args)


def problems(run) -> list[str]:
    """The problems `qualcode check` finds (it exits 1 when there are any)."""
    result = run("check", "--json")
    assert result.exit_code in (0, 1), result.output
    return [p["message"] for p in json.loads(result.stdout)["problems"]]


def test_undo_of_a_code_with_a_colleagues_memo_is_refused_naming_it(project) -> None:
    anna(project, "codes", "add", "Annas Code")  # #2
    ben(project, "memo", "add", "--code", "Annas Code", "Bens Memo")  # #3
    assert refused(project, "--coder", "anna", "undo", "--mine") == (
        "error: undo would remove code 1 'Annas Code', which later work built on: memo 1"
        " (#3 by ben: qualcode memo add Bens Memo --code 'Annas Code') — revert #3 first"
        " (`qualcode log` lists the actions; a colleague's action needs --force), or keep"
        " this action; nothing was changed"
    )
    assert "revert #3 first" in refused(project, "--coder", "anna", "undo", "--mine", "--force")
    assert problems(project) == []
    # once ben's memo is reverted, anna's undo goes through and redo brings both back
    ben(project, "undo", "--mine")
    anna(project, "undo", "--mine")
    assert rows(project.db, "SELECT id FROM code") == []
    assert rows(project.db, "SELECT id FROM memo WHERE target_type = 'code'") == []
    anna(project, "redo", "--mine")
    ben(project, "redo", "--mine")
    assert rows(project.db, "SELECT target_type, target_id, text FROM memo") == [
        ("code", 1, "Bens Memo")
    ]
    assert problems(project) == []


def test_undo_of_a_coding_with_a_colleagues_memo_is_refused(project) -> None:
    anna(project, "code", "p1.md", "--start", "0", "--end", "9", "--code", "X", "--create")
    ben(project, "memo", "add", "--coding", "1", "Bens Notiz")
    assert refused(project, "--coder", "anna", "undo", "--mine") == (
        "error: undo would remove coding 1, which later work built on: memo 1"
        " (#3 by ben: qualcode memo add Bens Notiz --coding 1) — revert #3 first"
        " (`qualcode log` lists the actions; a colleague's action needs --force), or keep"
        " this action; nothing was changed"
    )
    # the memo never moves onto a coding that takes the id next
    assert rows(project.db, "SELECT id FROM coding") == [(1,)]
    assert problems(project) == []


def test_undo_of_a_code_a_colleague_coded_with_is_refused_not_a_database_error(project) -> None:
    anna(project, "codes", "add", "X")
    ben(project, "code", "p1.md", "--start", "0", "--end", "9", "--code", "X")
    for force in ((), ("--force",)):
        line = refused(project, "--coder", "anna", "undo", "--mine", *force)
        assert line == (
            "error: undo would remove code 1 'X', which later work built on: coding 1"
            " (#3 by ben: qualcode code p1.md --start 0 --end 9 --code X) — revert #3 first"
            " (`qualcode log` lists the actions; a colleague's action needs --force), or"
            " keep this action; nothing was changed"
        )
        assert "retry" not in line and "FOREIGN KEY" not in line


def test_undo_of_a_code_with_a_colleagues_sub_code_is_refused(project) -> None:
    anna(project, "codes", "add", "Y")
    ben(project, "codes", "add", "Y/Sub")
    assert refused(project, "--coder", "anna", "undo", "--mine") == (
        "error: undo would remove code 1 'Y', which later work built on: sub-code 2"
        " (#3 by ben: qualcode codes add Y/Sub) — revert #3 first (`qualcode log` lists the"
        " actions; a colleague's action needs --force), or keep this action; nothing was changed"
    )


def test_undo_of_a_coding_a_colleague_chose_as_anchor_example_is_refused(project) -> None:
    anna(project, "codes", "add", "X")
    anna(project, "code", "p1.md", "--start", "0", "--end", "9", "--code", "X")
    ben(project, "codes", "anchor", "X", "--coding", "1")
    assert refused(project, "--coder", "anna", "undo", "--mine") == (
        "error: undo would remove coding 1, which later work built on: the anchor example"
        " of code 1 (#4 by ben: qualcode codes anchor X --coding 1) — revert #4 first"
        " (`qualcode log` lists the actions; a colleague's action needs --force), or keep"
        " this action; nothing was changed"
    )
    assert rows(project.db, "SELECT anchor_coding_id FROM code") == [(1,)]


def test_redo_whose_row_id_a_later_action_took_says_so_plainly(project) -> None:
    anna(project, "code", "p1.md", "--start", "0", "--end", "9", "--code", "X", "--create")
    anna(project, "codes", "add", "Z")
    anna(project, "undo", "--mine")  # the code Z
    ben(project, "codes", "add", "W")  # takes Z's id 2
    line = refused(project, "--coder", "anna", "redo", "--mine")
    assert line == (
        "error: redo is no longer possible: the id of code 2 was taken by a later action"
        " (#4 by ben: qualcode codes add W) — make the change again (`qualcode codes add Z`);"
        " nothing was changed"
    )
    assert "check" not in line and "disagree" not in line


def test_undo_that_would_restore_a_row_on_a_removed_code_names_the_removal(project) -> None:
    anna(project, "codes", "add", "X")
    anna(project, "code", "p1.md", "--start", "0", "--end", "9", "--code", "X")
    anna(project, "uncode", "p1.md", "--start", "0", "--end", "9")  # #4
    ben(project, "codes", "delete", "X")  # #5: X has no codings now
    assert refused(project, "--coder", "anna", "undo", "--mine") == (
        "error: undo is no longer possible: coding 1 refers to code 1, which a later action"
        " removed (#5 by ben: qualcode codes delete X) — revert #5 first (a colleague's action"
        " needs --force), or make the change again by hand; nothing was changed"
    )


def test_check_reports_an_anchor_example_that_is_no_coding_of_its_code(project) -> None:
    """uncode and recode release such anchors now (tests/test_dependents.py); a project
    written before may still hold them, and check says so."""
    import sqlite3

    project.ok("code", "p1.md", "--start", "0", "--end", "9", "--code", "X", "--create")
    project.ok("code", "p1.md", "--start", "20", "--end", "34", "--code", "Y", "--create")
    project.ok("codes", "anchor", "X", "--coding", "1")
    assert problems(project) == []
    con = sqlite3.connect(project.db)
    with con:  # as an older qualcode left them: a removed coding, a coding of another code
        con.execute("UPDATE code SET anchor_coding_id = 9 WHERE name = 'X'")
        con.execute("UPDATE code SET anchor_coding_id = 1 WHERE name = 'Y'")
    con.close()
    got = problems(project)
    assert "code 1 ('X') has coding 9 as anchor example, which does not exist" in got
    assert "code 2 ('Y') has coding 1 as anchor example, which is a coding of code 1" in got
