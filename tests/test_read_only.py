"""A project on a read-only medium: it opens read-only (SQLite URI mode=ro&immutable=1),
reading commands work, writing ones are refused with one line (exit 2), the workbench says
so and refuses writes, and no -wal/-shm file is left beside the project.

Two ways: a real read-only folder and file (chmod; root ignores permissions, so that test
is skipped there) and a simulated one (``qualcode.readonly._writable`` says no), which
runs everywhere — under root SQLite could still write, so a missing -wal/-shm proves
that nothing tried to.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import stat
from pathlib import Path

import pytest
from conftest import Run, rows, wait_until

from qualcode import readonly


def sync(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


def side_files(db: str) -> list[str]:
    return sorted(p.name for p in Path(db).parent.iterdir() if p.name != Path(db).name)


@pytest.fixture
def simulated(monkeypatch):
    """The file and its folder cannot be written (as on a read-only share)."""
    monkeypatch.setattr(readonly, "_writable", lambda path: (False, False))


def counts(db: str) -> tuple:
    return rows(db, "SELECT (SELECT COUNT(*) FROM code), (SELECT COUNT(*) FROM coding)")[0]


def check_cli(db: str) -> None:
    before = counts(db)
    run = Run(db)
    status = run.ok("status")
    assert "read-only: writing commands are refused" in status.stdout
    assert run.json("codes", "list")  # reading works
    assert run.ok("report", "freq").stdout
    refused = run("codes", "add", "Neu")
    assert refused.exit_code == 2
    assert refused.stderr.strip().splitlines() == [
        f"error: the project {db} is open read-only (a read-only medium, or no write "
        "permission): the change cannot be saved — copy the project to a writable folder "
        "to change it; reading works as usual"
    ]
    refused = run(
        "code", "protokoll_01.md", "--start", "0", "--end", "10", "--code", "Zeitmangel", "--json"
    )
    assert refused.exit_code == 2
    assert "read-only" in json.loads(refused.stdout)["error"]
    assert counts(db) == before
    assert side_files(db) == []


def test_simulated_read_only_medium(simulated, demo_db: str) -> None:
    assert side_files(demo_db) == []
    check_cli(demo_db)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores file permissions"
)
def test_read_only_folder_and_file(demo_db: str) -> None:
    path = Path(demo_db)
    folder = path.parent
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        check_cli(demo_db)
    finally:
        folder.chmod(stat.S_IRWXU)
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_read_only_file_in_a_writable_folder(monkeypatch, demo_db: str) -> None:
    monkeypatch.setattr(readonly, "_writable", lambda path: (False, True))
    check_cli(demo_db)


def test_forced_read_only_refuses_writes(monkeypatch, demo_db: str) -> None:
    monkeypatch.setenv("QUALCODE_READ_ONLY", "1")
    before = counts(demo_db)
    refused = Run(demo_db)("codes", "add", "Neu")
    assert refused.exit_code == 2
    assert "open read-only (QUALCODE_READ_ONLY is set)" in refused.stderr
    assert counts(demo_db) == before


def test_a_writable_project_is_opened_as_before(demo_db: str) -> None:
    from qualcode.database import is_read_only, make_engine

    engine = make_engine(demo_db)
    try:
        assert not is_read_only(engine)
    finally:
        engine.dispose()
    assert "read-only" not in Run(demo_db).ok("status").stdout


@sync
async def test_workbench_on_a_read_only_medium(simulated, demo_db: str) -> None:
    from qualcode.tui.app import make_app

    before = counts(demo_db)
    app = make_app(demo_db, "tester", suggestions=False)
    assert app.read_only
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(
            pilot,
            lambda: any("open read-only" in str(n.message) for n in app._notifications),
            "the read-only notice",
        )
        screen = app.screen
        assert str(screen.query_one("#status").render()).startswith("read-only tester")
        await wait_until(pilot, lambda: app.engine_ready, "the engine")
        await pilot.press("j", "c", *"Zeitmangel", "enter")
        await wait_until(
            pilot,
            lambda: any(
                "cannot be saved" in str(n.message) and n.severity == "error"
                for n in app._notifications
            ),
            "the refusal",
        )
        await pilot.press("u")  # undo is a write too
        await pilot.pause()
    assert counts(demo_db) == before
    assert side_files(demo_db) == []


def test_an_older_read_only_project_points_to_a_copy(simulated, demo_db: str) -> None:
    import sqlite3

    con = sqlite3.connect(demo_db)
    with con:
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    run = Run(demo_db)
    from qualcode.models import SCHEMA_VERSION

    listed = run("codes", "list")
    assert listed.exit_code == 2
    assert listed.stderr.strip() == (
        f"error: this project has the older schema version 3 (current {SCHEMA_VERSION}) and is read-only"
        " — copy it to a writable folder and run `qualcode db upgrade` there"
    )
    upgrade = run("db", "upgrade")
    assert upgrade.exit_code == 2
    assert "open read-only" in upgrade.stderr and "the upgrade cannot be saved" in upgrade.stderr
    assert side_files(demo_db) == []
