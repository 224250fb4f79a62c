"""Shared fixtures: fresh temporary projects, a CLI runner, the demo project."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("QUALCODE_CODER", "tester")
# The login's settings (who codes a project, qualcode.coder) never go to the real home.
os.environ["XDG_CONFIG_HOME"] = __import__("tempfile").mkdtemp(prefix="qualcode-test-config-")
os.environ.pop("QUALCODE_DB", None)
os.environ.pop("QUALCODE_NLP_MODEL", None)
# No test loads the real sentence encoder or spawns the background embedder unless it asks
# (tests/test_semantic.py sets QUALCODE_SEMANTIC=fake with monkeypatch).
os.environ.setdefault("QUALCODE_SEMANTIC", "off")
os.environ.setdefault("QUALCODE_SEMANTIC_BACKGROUND", "off")

# The demo protocols and the starter codebook, where the package keeps them (a checkout's
# `corpus/` and `codebooks/starter.toml` link there; an unpacked sdist has no such links;
# imported after the environment above is set).
from qualcode.demo import CORPUS  # noqa: E402
from qualcode.demo import STARTER_CODEBOOK as STARTER  # noqa: E402

WAIT_LIMIT = 30.0  # seconds: generous, for a loaded 2-core machine; only reached on failure


async def wait_until(
    pilot, predicate: Callable[[], object], what: str = "", *, limit: float = WAIT_LIMIT
) -> None:
    """Let the app run (``pilot.pause()``) until ``predicate()`` holds.

    Tests wait for the condition they need, never a fixed time: a fixed pause is a coin
    toss on a loaded machine. Fails after ``limit`` seconds, naming ``what`` it waited for.
    """
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {limit:.0f} s in vain for: {what or predicate}")
        await pilot.pause()
        await asyncio.sleep(0.01)  # give worker threads the interpreter between checks


def wait_for(predicate: Callable[[], object], what: str = "", *, limit: float = WAIT_LIMIT):
    """The same for plain threads and processes: poll ``predicate()`` until it holds."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {limit:.0f} s in vain for: {what or predicate}")
        time.sleep(0.01)


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "project.sqlite")


@pytest.fixture
def engine(db_path: str):
    from qualcode.database import make_engine

    eng = make_engine(db_path, create=True)
    yield eng
    eng.dispose()


def json_command(args: Sequence[str]) -> str | None:
    """The command (``report freq``) that ``qualcode ARGS…`` runs, if its output has a schema."""
    from qualcode import schemas

    words: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("--db", "--coder"):
            skip = True
            continue
        if arg.startswith("-"):
            break
        words.append(arg)
    known = set(schemas.commands())
    for n in range(len(words), 0, -1):
        if " ".join(words[:n]) in known:
            return " ".join(words[:n])
    return None


_VALIDATORS: dict[str, object] = {}


def check_json_output(args: Sequence[str], stdout: str) -> None:
    """Under --json (or --format json on stdout), the output validates against the
    command's schema (`qualcode schema COMMAND`) — in every test that runs a command so."""
    from qualcode.cli.app import _wants_json

    args = [str(a) for a in args]
    if not (
        _wants_json(args)
        or any(a == "-f" and b == "json" for a, b in zip(args, args[1:], strict=False))
    ):
        return
    command = json_command(args)
    if command is None or not stdout.strip():
        return
    try:
        data = json.loads(stdout)
    except ValueError:
        raise AssertionError(
            f"qualcode {command} --json printed no JSON: {stdout[:200]!r}"
        ) from None
    from jsonschema import Draft202012Validator

    from qualcode import schemas

    validator = _VALIDATORS.get(command)
    if validator is None:
        validator = _VALIDATORS[command] = Draft202012Validator(schemas.schema(command))
    errors = list(validator.iter_errors(data))  # type: ignore[attr-defined]
    if errors:
        from jsonschema.exceptions import best_match

        # an anyOf (the output or the error) names its deepest failing branch
        e = best_match(errors)
        while e.context:
            e = best_match(e.context)
        where = "/".join(map(str, e.absolute_path)) or "(top)"
        raise AssertionError(
            f"qualcode {command} --json does not match its schema at {where}: {e.message[:300]}"
        )


class Run:
    """Runs `qualcode --db DB ARGS…` in-process; `.json()` parses stdout. Every output
    under --json is checked against the command's JSON Schema."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None):
        from qualcode.cli import app

        result = self.runner.invoke(
            app, ["--db", self.db, *map(str, args)], input=input, env=env, catch_exceptions=True
        )
        if result.exception and not isinstance(result.exception, SystemExit):
            import traceback

            traceback.print_exception(result.exception)
        elif result.exit_code in (0, 2):
            check_json_output(args, result.stdout)
        return result

    def ok(self, *args: str, **kw):
        result = self(*args, **kw)
        assert result.exit_code == 0, (
            f"qualcode {' '.join(map(str, args))} failed ({result.exit_code}): {result.output}"
        )
        return result

    def json(self, *args: str, **kw):
        return json.loads(self.ok(*args, "--json", **kw).stdout)


def new_project(db: str) -> Run:
    """A CLI runner on a new, empty project (`qualcode init`): only the commands that create
    a project on purpose create one; every other command on a missing project is an error."""
    run = Run(db)
    run.ok("init")
    return run


@pytest.fixture
def cli(db_path: str) -> Run:
    """The CLI on a new, empty project."""
    return new_project(db_path)


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    Run(str(path)).ok(
        "demo",
        "build",
        "--corpus",
        str(CORPUS),
        "--codebook",
        str(STARTER),
    )
    return path


@pytest.fixture
def demo_db(_demo_template: Path, tmp_path: Path) -> str:
    """A fresh copy of the demo project (built once per test session)."""
    target = tmp_path / "demo.sqlite"
    src, dst = sqlite3.connect(_demo_template), sqlite3.connect(target)
    with dst:
        src.backup(dst)  # includes what is still in the WAL
    src.close()
    dst.close()
    return str(target)


@pytest.fixture
def demo_cli(demo_db: str) -> Run:
    return Run(demo_db)


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding, newline="")
        return path

    return write


# --- backends: SQLite always, PostgreSQL when QUALCODE_TEST_PG_URL is set (.ci/run does) ---

PG_URL_ENV = "QUALCODE_TEST_PG_URL"
PG_SKIP = "PostgreSQL tests need QUALCODE_TEST_PG_URL (`.ci/run` installs and starts a server)"


def pg_url() -> str | None:
    return os.environ.get(PG_URL_ENV) or None


@contextlib.contextmanager
def fresh_pg_database():
    """A new, empty PostgreSQL database (dropped afterwards); yields its SQLAlchemy URL."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(pg_url())
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"qc_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_pg_database(admin, name)


def _drop_pg_database(admin: str, name: str) -> None:
    """Drop a test database. WITH (FORCE) ends the sessions still connected to it; an
    autovacuum worker belongs to the server, and a role without pg_signal_backend may not
    end it (`.ci/postgres` grants it) — then wait until the worker has left."""
    import psycopg

    def drop() -> bool:
        with psycopg.connect(admin, autocommit=True) as conn:
            try:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except psycopg.errors.InsufficientPrivilege:
                return False
        return True

    wait_for(drop, f"dropping the test database {name}", limit=120)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture
def any_db_url(backend: str, tmp_path: Path):
    """A fresh project database: a SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield str(tmp_path / "project.sqlite")
        return
    if not pg_url():
        pytest.skip(PG_SKIP)
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def any_cli(any_db_url: str) -> Run:
    """The CLI on a new, empty project: a SQLite file or a PostgreSQL database."""
    return new_project(any_db_url)


def make_doc(cli, write_file, name: str, paragraphs: list[str]) -> list[tuple[int, int]]:
    """Import a document of paragraphs; returns their (start, end) offsets."""
    cli.ok("import", str(write_file(name, "\n\n".join(paragraphs))))
    spans, pos = [], 0
    for p in paragraphs:
        spans.append((pos, pos + len(p)))
        pos += len(p) + 2
    return spans


def import_codings(cli, tmp_path, rows: list[tuple[str, int, int, str, str]]) -> None:
    """rows: (document, start, end, code, coder) → one `codings import` (creates the codes)."""
    import csv

    path = tmp_path / f"codings{len(list(tmp_path.glob('codings*.csv')))}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["document", "start", "end", "code", "coder"])
        w.writerows(rows)
    cli.ok("codings", "import", str(path), "--create-codes")


def dump(db: str) -> list[str]:
    """The SQL dump of an SQLite project without the audit log (to compare before/after)."""
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return [line for line in con.iterdump() if "audit_" not in line]
    finally:
        con.close()


def tree_on(screen, code_id: int) -> bool:
    """The code tree has the focus and its cursor on ``code_id`` (``select_id`` moves it
    after the next refresh, ``focus()`` after the pending messages)."""
    return screen.app.focused is screen.tree and screen.tree.highlighted_id == code_id


async def open_retrieval(app, pilot, code_name: str, segments: int):
    """From the coding screen: select the code ``code_name`` in the tree, open its retrieval
    (`v`) and wait for its ``segments``; returns the retrieval screen."""
    from qualcode.tui.screens.retrieval import RetrievalScreen

    screen = app.screen
    row = next(r for r in screen.code_rows if r["name"] == code_name)
    screen.tree.focus()
    screen.tree.select_id(row["id"])
    await wait_until(pilot, lambda: tree_on(screen, row["id"]), "the tree cursor on the code")
    await pilot.press("v")
    await wait_until(pilot, lambda: isinstance(app.screen, RetrievalScreen), "retrieval")
    ret = app.screen
    await wait_until(pilot, lambda: len(ret.segments) == segments, "the code's segments")
    return ret


def error(result) -> str:
    """The one line of an expected error: exit code 2, no traceback, one line on stderr."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def rows(db: str, sql: str, *args) -> list[tuple]:
    """The rows of a query on an SQLite project, read with plain sqlite3."""
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def db_snapshot(db: str) -> dict[str, list[tuple]]:
    """Every row of every table (ordered), to assert that a database did not change."""
    from sqlalchemy import MetaData, create_engine, select

    from qualcode.config import database_url

    eng = create_engine(database_url(db))
    try:
        meta = MetaData()
        meta.reflect(eng)
        out: dict[str, list[tuple]] = {}
        with eng.connect() as conn:
            for name, table in sorted(meta.tables.items()):
                rows = conn.execute(select(table)).all()
                out[name] = sorted((tuple(r) for r in rows), key=repr)
        return out
    finally:
        eng.dispose()


def sqlite_dump(db: str, tables: Sequence[str]) -> dict[str, list[tuple]]:
    """Every row of ``tables`` of a SQLite project, ids included, in id order."""
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}  # noqa: S608
    finally:
        con.close()
