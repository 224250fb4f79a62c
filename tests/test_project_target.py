"""A mistyped --db never creates a project; `qualcode init`; a failed creating command
leaves no file; arguments and variables that are not UTF-8 are a one-line error (issue 22,
items 2 and 6)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, STARTER, Run, db_snapshot, fresh_pg_database, pg_url

from qualcode.config import SCHEMA_VERSION


def missing_message(path: Path) -> str:
    return (
        f"no qualcode project at {path} — check --db / QUALCODE_DB, "
        f"or create one with `qualcode init {path}`"
    )


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def rows(db: str | Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# --- a missing project is an error for every command that does not create one -------------

NOT_CREATING = [
    ["codes", "add", "Foo"],
    ["memo", "add", "Ein Memo"],
    ["docs", "set", "p.txt", "Format=Web"],
    ["set", "add", "Web", "--rule", "Format=Web"],
    ["config", "set", "language", "de"],
    ["code", "p.txt", "--start", "0", "--end", "5", "--code", "Foo"],
    ["status"],
    ["codes", "list"],
    ["report", "freq"],
    ["log"],
    ["undo"],
    ["check"],
    ["db", "upgrade"],
    ["embed", "--status"],
    ["tui"],
]


@pytest.mark.parametrize("args", NOT_CREATING, ids=lambda a: " ".join(a))
def test_a_missing_project_is_an_error_and_creates_no_file(tmp_path: Path, args) -> None:
    nope = tmp_path / "sub" / "nope.sqlite"
    (tmp_path / "sub").mkdir()
    r = Run(str(nope))(*args)
    assert r.exit_code == 2, r.output
    assert r.stderr == f"error: {missing_message(nope)}\n"
    assert r.stdout == ""
    assert files(tmp_path) == ["sub"]


def test_a_missing_project_under_json_is_error_and_hint(tmp_path: Path) -> None:
    nope = tmp_path / "nope.sqlite"
    r = Run(str(nope))("codes", "add", "Foo", "--json")
    assert r.exit_code == 2
    assert json.loads(r.stdout) == {
        "error": f"no qualcode project at {nope}",
        "hint": f"check --db / QUALCODE_DB, or create one with `qualcode init {nope}`",
    }
    assert not nope.exists()


def test_a_missing_folder_is_not_created_either(tmp_path: Path) -> None:
    nope = tmp_path / "tippfehler" / "nope.sqlite"
    r = Run(str(nope))("memo", "add", "x")
    assert r.exit_code == 2 and r.stderr == f"error: {missing_message(nope)}\n"
    assert files(tmp_path) == []


def test_the_hint_quotes_a_path_with_spaces(tmp_path: Path) -> None:
    nope = tmp_path / "mein projekt.sqlite"
    r = Run(str(nope))("status")
    assert r.exit_code == 2
    assert r.stderr.strip().endswith(f"create one with `qualcode init '{nope}'`")


def test_an_empty_file_is_no_project_and_stays_as_it_was(tmp_path: Path) -> None:
    """A 0-byte file (a failed write of an older version left one) never reports 0 documents."""
    empty = tmp_path / "leer.sqlite"
    empty.touch()
    for args in (["status"], ["codes", "add", "Foo"], ["docs", "list"]):
        r = Run(str(empty))(*args)
        assert r.exit_code == 2
        assert r.stderr == (
            f"error: no qualcode project at {empty} (an empty file) — check --db / QUALCODE_DB, "
            f"or create one with `qualcode init {empty}`\n"
        )
    assert empty.stat().st_size == 0 and files(tmp_path) == ["leer.sqlite"]
    # init makes it a project
    Run(str(empty)).ok("init")
    assert Run(str(empty)).json("status")["documents"] == 0


def test_a_folder_as_project_is_a_clear_error(tmp_path: Path) -> None:
    r = Run(str(tmp_path))("codes", "add", "X")
    assert r.exit_code == 2
    assert r.stderr == (
        f"error: {tmp_path} is a folder, not a project file — give --db a file, "
        f"e.g. {tmp_path / 'project.sqlite'}\n"
    )


# --- qualcode init --------------------------------------------------------------------------


def test_init_creates_an_empty_project(tmp_path: Path) -> None:
    path = tmp_path / "neu" / "projekt.sqlite"
    r = Run(str(tmp_path / "ignored.sqlite")).ok("init", str(path))
    assert r.stdout == f"created a new project at {path} (sqlite, schema {SCHEMA_VERSION})\n"
    assert not (tmp_path / "ignored.sqlite").exists()
    status = Run(str(path)).json("status")
    assert (status["documents"], status["codes"], status["schema_version"]) == (
        0,
        0,
        SCHEMA_VERSION,
    )
    Run(str(path)).ok("codes", "add", "Foo")
    assert rows(path, "SELECT name FROM code") == [("Foo",)]


def test_init_without_a_path_uses_db(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    data = Run(str(path)).json("init")
    assert data == {
        "database": f"sqlite:///{path}",
        "backend": "sqlite",
        "schema_version": SCHEMA_VERSION,
        "project_created": str(path),
    }
    assert rows(path, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]


def test_init_refuses_an_existing_project(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    cli = Run(str(path))
    cli.ok("init")
    cli.ok("codes", "add", "Foo")
    before = db_snapshot(str(path))
    r = cli("init")
    assert r.exit_code == 2
    assert r.stderr == (
        f"error: {path} is already a qualcode project (schema {SCHEMA_VERSION}) — use it as it "
        "is (`qualcode --db … status`), or give init another file or database\n"
    )
    r = cli("init", str(path), "--json")
    assert r.exit_code == 2 and json.loads(r.stdout)["error"].endswith(
        f"is already a qualcode project (schema {SCHEMA_VERSION})"
    )
    assert db_snapshot(str(path)) == before


def test_init_refuses_a_database_that_is_no_project(tmp_path: Path) -> None:
    path = tmp_path / "fremd.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE foo (x)")
    con.commit()
    con.close()
    r = Run(str(path))("init")
    assert r.exit_code == 2 and "is not a qualcode project (its database has other tables)" in (
        r.stderr
    )
    assert rows(path, "SELECT name FROM sqlite_master") == [("foo",)]


# --- the commands that create a project say so; a failed one leaves nothing -----------------


def test_import_creates_the_project_and_says_so(tmp_path: Path, write_file) -> None:
    path = tmp_path / "p.sqlite"
    doc = write_file("p.txt", "Es fehlt Zeit.")
    r = Run(str(path)).ok("import", str(doc))
    assert r.stdout.splitlines() == [
        f"created a new project at {path} (sqlite, schema {SCHEMA_VERSION})",
        "imported  p.txt",
        "1 imported, 0 updated, 0 unchanged, 0 failed",
    ]
    again = Run(str(path)).ok("import", str(write_file("q.txt", "Ziel.")))
    assert "created" not in again.stdout
    data = Run(str(tmp_path / "j.sqlite")).json("import", str(doc))
    assert data["project_created"] == str(tmp_path / "j.sqlite")
    assert "project_created" not in Run(str(tmp_path / "j.sqlite")).json(
        "import", str(write_file("r.txt", "Noch ein Ziel."))
    )


def test_import_of_only_bad_files_into_a_new_path_leaves_no_file(
    tmp_path: Path, write_file
) -> None:
    bad = write_file("kaputt.docx", b"\xff\xfe not a zip")
    work = tmp_path / "work"
    work.mkdir()
    path = work / "neu" / "p.sqlite"  # the folder is made for it, and removed again
    for extra in ([], ["--json"]):
        r = Run(str(path))("import", str(bad), *extra)
        assert r.exit_code == 2
        assert "created" not in r.stdout and "project_created" not in r.stdout
        assert "kaputt.docx: not a valid docx file" in r.output
        assert files(work) == []


def test_a_partly_failed_import_keeps_the_new_project(tmp_path: Path, write_file) -> None:
    path = tmp_path / "p.sqlite"
    good, bad = write_file("gut.txt", "Es fehlt Zeit."), write_file("kaputt.docx", b"PK nope")
    r = Run(str(path))("import", str(good), str(bad))
    assert r.exit_code == 2
    assert r.stdout.splitlines()[0] == (
        f"created a new project at {path} (sqlite, schema {SCHEMA_VERSION})"
    )
    assert rows(path, "SELECT name FROM document") == [("gut.txt",)]


def test_a_failed_demo_build_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    r = Run(str(path))("demo", "build", "--corpus", str(tmp_path / "fehlt"))
    assert r.exit_code == 2 and "no corpus folder" in r.stderr
    assert files(tmp_path) == []


def test_refi_import_that_fails_after_opening_leaves_no_file(tmp_path: Path, monkeypatch) -> None:
    from qualcode.errors import QualcodeError
    from qualcode.refi import import_

    qdc = tmp_path / "in" / "buch.qdc"
    qdc.parent.mkdir()
    demo = Run(str(tmp_path / "src.sqlite"))
    demo.ok("init")
    demo.ok("codes", "add", "Ziele/Vernetzung")
    demo.ok("refi", "export", str(qdc))

    def broken(*args, **kw):
        raise QualcodeError("simulated failure half-way through the import")

    monkeypatch.setattr(import_, "apply_plan", broken)
    path = tmp_path / "out" / "neu.sqlite"
    r = Run(str(path))("refi", "import", str(qdc))
    assert r.exit_code == 2 and "simulated failure" in r.stderr
    assert not (tmp_path / "out").exists()
    monkeypatch.undo()
    r = Run(str(path)).ok("refi", "import", str(qdc))
    assert r.stdout.splitlines()[0] == (
        f"created a new project at {path} (sqlite, schema {SCHEMA_VERSION})"
    )
    assert sorted(rows(path, "SELECT name FROM code")) == [("Vernetzung",), ("Ziele",)]


def test_demo_build_says_it_created_the_project(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    data = Run(str(path)).json(
        "demo",
        "build",
        "--corpus",
        str(CORPUS),
        "--codebook",
        str(STARTER),
    )
    assert data["project_created"] == str(path) and data["documents"] > 0


# --- arguments and variables that are not UTF-8 ----------------------------------------------


def qualcode(*args: str | bytes, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command line: arguments as bytes, as a shell passes them."""
    environ = os.environb.copy()
    environ.update({os.fsencode(k): os.fsencode(v) for k, v in (env or {}).items()})
    return subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"qualcode", *map(os.fsencode, args)],
        capture_output=True,
        env=environ,
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> str:
    path = str(tmp_path / "p.sqlite")
    Run(path).ok("init")
    return path


def test_an_argument_that_is_not_utf8_is_one_line(project: str) -> None:
    before = db_snapshot(project)
    r = qualcode("--db", project, "memo", "add", b"Memo \xff")
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr.decode() == (
        "error: argument 5 ('Memo \\xff') is not valid UTF-8 — give it in UTF-8 (check the "
        "encoding of your terminal or script; `locale` should show UTF-8)\n"
    )
    r = qualcode("--db", project, "memo", "add", "x", "--title", b"Caf\xe9")
    assert r.returncode == 2
    assert r.stderr.decode().startswith("error: the value of --title ('Caf\\xe9') is not valid")
    r = qualcode("--db", project, "memo", "add", "x", b"--title=Caf\xe9", "--json")
    assert r.returncode == 2 and r.stderr == b""
    assert json.loads(r.stdout) == {
        "error": "the value of --title ('Caf\\xe9') is not valid UTF-8",
        "hint": "give it in UTF-8 (check the encoding of your terminal or script; `locale` should show UTF-8)",
    }
    assert db_snapshot(project) == before


def test_a_db_path_that_is_not_utf8_creates_nothing(tmp_path: Path) -> None:
    r = qualcode("--db", os.fsencode(str(tmp_path)) + b"/caf\xe9.sqlite", "import", "p.txt")
    assert r.returncode == 2 and b"Traceback" not in r.stderr
    assert r.stderr.decode().startswith("error: the value of --db (")
    assert list(tmp_path.iterdir()) == []


def test_a_variable_that_is_not_utf8_never_reaches_the_database(project: str) -> None:
    before = db_snapshot(project)
    r = qualcode("--db", project, "memo", "add", "x", env={"QUALCODE_CODER": "ann\udce9"})
    assert r.returncode == 2
    assert r.stderr.decode() == (
        "error: the environment variable QUALCODE_CODER ('ann\\xe9') is not valid UTF-8 — "
        "set QUALCODE_CODER in UTF-8, or unset it\n"
    )
    # no QUALCODE_CODER: the login name is the coder
    env = {k: v for k, v in os.environ.items() if k != "QUALCODE_CODER"}
    env.update({"LOGNAME": "ann\udce9", "USER": "ann\udce9"})
    environ = {os.fsencode(k): os.fsencode(v) for k, v in env.items()}
    r = subprocess.run(
        [sys.executable, "-m", "qualcode", "--db", project, "memo", "add", "x"],
        capture_output=True,
        env=environ,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.decode() == (
        "error: the coder name 'ann\\xe9' is not valid UTF-8 — give --coder NAME or set "
        "QUALCODE_CODER in UTF-8\n"
    )
    assert db_snapshot(project) == before


# --- PostgreSQL: init creates the tables in an empty database ---------------------------------


@pytest.mark.postgres
def test_init_on_postgresql(write_file) -> None:
    if not pg_url():
        pytest.skip("PostgreSQL tests need QUALCODE_TEST_PG_URL")
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url

    def tables(url: str) -> set[str]:
        eng = create_engine(url)
        try:
            return set(inspect(eng).get_table_names())
        finally:
            eng.dispose()

    with fresh_pg_database() as url:
        cli = Run(url)
        r = cli("codes", "add", "Foo")
        assert r.exit_code == 2 and "(the database is empty)" in r.stderr
        password = make_url(url).password
        assert "qualcode init" in r.stderr and (not password or f":{password}@" not in r.stderr)
        assert tables(url) == set()
        bad = cli("import", str(write_file("kaputt.docx", b"nope")))
        assert bad.exit_code == 2 and tables(url) == set()  # the failed import took its tables
        data = cli.json("init")
        assert data["backend"] == "postgresql" and data["schema_version"] == SCHEMA_VERSION
        assert "meta" in tables(url)
        again = cli("init")
        assert again.exit_code == 2 and "is already a qualcode project" in again.stderr
        cli.ok("codes", "add", "Foo")
        assert [c["code"] for c in cli.json("codes", "list")] == ["Foo"]
