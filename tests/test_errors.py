"""Expected errors: one line, exit code 2, nothing written (issue 2)."""

from __future__ import annotations

import pytest


@pytest.fixture
def project(cli, write_file):
    cli.ok("import", str(write_file("p.md", "Es fehlt Personal.\n\nEs fehlt Zeit.")))
    cli.ok("codes", "add", "A/B")
    return cli


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["code", "nope.md", "--start", "0", "--end", "5", "--code", "A/B"],
            "unknown document 'nope.md'",
        ),
        (["code", "p.md", "--start", "0", "--end", "5", "--code", "A/C"], "unknown code 'A/C'"),
        (["code", "p.md", "--start", "0", "--end", "999", "--code", "A/B"], "outside 'p.md'"),
        (["code", "p.md", "--start", "5", "--end", "5", "--code", "A/B"], "is empty"),
        (["code", "p.md", "--start", "6", "--end", "5", "--code", "A/B"], "end is before start"),
        (["code", "p.md", "--start", "-1", "--end", "5", "--code", "A/B"], "negative"),
        (["code", "p.md", "--start", "0", "--end", "5", "--code", "A//B"], "empty name"),
        (["codes", "show", "A/X"], "unknown code"),
        (["codes", "rename", "A/B", ""], "empty"),
        (["docs", "show", "p"], None),  # stem match is fine: not an error
        (["docs", "set", "p.md", "novalue"], "KEY=VALUE"),
        (["codes", "add", "X", "--color", "red"], "invalid colour"),
        (["passages", "--unit", "word"], "unknown unit"),
        (["undo", "-n", "5"], None),
    ],
)
def test_expected_errors_are_one_line(project, args, needle):
    before = project.json("log", "--limit", "0")
    codings_before = project.json("codings")
    result = project(*args)
    if needle is None:
        return
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.output
    assert project.json("log", "--limit", "0") == before
    assert project.json("codings") == codings_before


def test_error_names_a_fix(project):
    result = project("code", "p.md", "--start", "0", "--end", "5", "--code", "A/b ")
    assert result.exit_code == 0  # trailing space and case do not matter
    result = project("code", "p.md", "--start", "0", "--end", "5", "--code", "A/Bb")
    assert "did you mean 'A/B'" in result.stderr


def test_a_document_under_another_extension_is_named_not_taken(cli, write_file):
    for name in ("protokoll_01.md", "protokoll_12.txt"):
        cli.ok("import", str(write_file(name, "Es fehlt Personal.")))
    result = cli("docs", "show", "protokoll_12.md")
    assert result.exit_code == 2
    # the same name with another extension, not the nearest spelling (protokoll_01.md)
    assert "did you mean 'protokoll_12.txt'?" in result.stderr


def test_database_of_newer_schema_is_refused(db_path, cli):
    cli.ok("codes", "add", "X")
    import sqlite3

    con = sqlite3.connect(db_path)
    con.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    con.commit()
    con.close()
    result = cli("status")
    assert result.exit_code == 2 and "newer" in result.stderr


def test_not_a_qualcode_database(tmp_path):
    import sqlite3

    from conftest import Run

    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE foo (x)")
    con.commit()
    con.close()
    result = Run(str(path))("status")
    assert result.exit_code == 2 and "not a qualcode project" in result.stderr


def test_uninstalled_pipeline_is_a_clear_error(cli, write_file, monkeypatch):
    monkeypatch.setenv("QUALCODE_NLP_MODEL", "de_not_installed_pipeline")
    from qualcode import nlp

    nlp._cache.clear()
    result = cli("import", str(write_file("x.txt", "Text.")))
    assert result.exit_code == 2
    assert "de_not_installed_pipeline" in result.stderr and "not installed" in result.stderr
    assert cli.json("docs", "list") == []
