"""Who is coding (qualcode.coder): --coder / $QUALCODE_CODER, else the name chosen in the
workbench for this project and login, else the login name; the CLI says once which name
it writes as; the workbench asks when the login name is no coder of the project."""

from __future__ import annotations

import asyncio
import functools
import json

import pytest
from conftest import Run, rows, wait_until

from qualcode import coder as coder_mod
from qualcode.coder import (
    CoderChoice,
    announcement,
    project_key,
    remember_coder,
    remembered_coder,
    resolve_coder,
    settings_path,
    should_ask,
)


@pytest.fixture
def as_root(monkeypatch, tmp_path):
    """No QUALCODE_CODER, the login name 'root', a fresh settings folder of the login."""
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(coder_mod, "login_name", lambda: "root")


def sync(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


# --- the core ---------------------------------------------------------------------------------


def test_given_then_remembered_then_login(as_root, tmp_path, monkeypatch) -> None:
    db = str(tmp_path / "p.sqlite")
    assert resolve_coder(db) == CoderChoice("root", "login")
    assert remember_coder(db, "  anna ") is True
    assert remembered_coder(db) == "anna"
    assert resolve_coder(db) == CoderChoice("anna", "remembered")
    assert resolve_coder(db, "ben") == CoderChoice("ben", "given")
    monkeypatch.setenv("QUALCODE_CODER", "carla")
    assert resolve_coder(db) == CoderChoice("carla", "given")
    # per project: another project of the same login is not touched
    assert remembered_coder(str(tmp_path / "other.sqlite")) is None
    stored = json.loads(settings_path().read_text(encoding="utf-8"))
    assert stored == {"projects": {str((tmp_path / "p.sqlite").resolve()): {"coder": "anna"}}}


def test_one_project_however_it_is_spelt(as_root, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    assert project_key("p.sqlite") == project_key(str(tmp_path / "sub" / ".." / "p.sqlite"))
    assert project_key("postgresql+psycopg://u:secret@host/db") == (
        "postgresql+psycopg://u:***@host/db"
    )


def test_ask_only_for_a_login_name_that_is_no_coder() -> None:
    assert should_ask(CoderChoice("root", "login"), ["anna", "ben"])
    assert not should_ask(CoderChoice("anna", "login"), ["anna", "ben"])
    assert not should_ask(CoderChoice("root", "given"), ["anna"])
    assert not should_ask(CoderChoice("root", "remembered"), ["anna"])


def test_announced_once_per_project_and_name(as_root, tmp_path) -> None:
    db = str(tmp_path / "p.sqlite")
    first = announcement(db, CoderChoice("root", "login"))
    assert first is not None and "writing as coder 'root' (your login name)" in first
    assert announcement(db, CoderChoice("root", "login")) is None
    assert announcement(db, CoderChoice("anna", "given")) is None  # named on purpose
    again = announcement(db, CoderChoice("anna", "remembered"))  # another name: said again
    assert again is not None and "'anna' (chosen in the workbench for this project)" in again


def test_an_unwritable_settings_folder_breaks_nothing(as_root, tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))  # a file: no folder can be made in it
    db = str(tmp_path / "p.sqlite")
    assert remember_coder(db, "anna") is False
    assert resolve_coder(db) == CoderChoice("root", "login")


# --- the command line -------------------------------------------------------------------------


def test_cli_says_once_which_coder_it_writes_as(as_root, demo_db: str) -> None:
    run = Run(demo_db)
    first = run.ok("codes", "add", "Neu/Eins")
    assert first.stderr.strip() == (
        "writing as coder 'root' (your login name); "
        "give --coder NAME or set QUALCODE_CODER to write as someone else"
    )
    assert run.ok("codes", "add", "Neu/Zwei").stderr == ""
    # the name chosen in the workbench: the CLI writes as it, and says so once
    remember_coder(demo_db, "anna")
    third = run.ok("codes", "add", "Neu/Drei")
    assert "writing as coder 'anna' (chosen in the workbench for this project)" in third.stderr
    assert run.ok("codes", "add", "Neu/Vier").stderr == ""
    assert rows(
        demo_db, "SELECT coder FROM audit_entry WHERE command LIKE '%Neu/%' ORDER BY id"
    ) == [("root",), ("root",), ("anna",), ("anna",)]
    assert "you        write as 'anna' (chosen in the workbench for this project)" in (
        run.ok("status").stdout
    )


def test_cli_json_and_given_names_stay_quiet(as_root, demo_db: str) -> None:
    run = Run(demo_db)
    out = run.ok("codes", "add", "Neu/Eins", "--json")
    assert out.stderr == ""
    assert json.loads(out.stdout)["code"] == "Neu/Eins"
    assert run.ok("--coder", "ben", "codes", "add", "Neu/Zwei").stderr == ""
    # --json did not count as said: the first plain writing command says it
    assert "writing as coder 'root'" in run.ok("codes", "add", "Neu/Drei").stderr


# --- the workbench ----------------------------------------------------------------------------


def _app(db: str, coder: str, source: str):
    from qualcode.database import make_engine
    from qualcode.tui.app import QualcodeApp

    return QualcodeApp(
        make_engine(db),
        coder,
        db_label="demo.sqlite",
        suggestions=False,
        project_url=db,
        coder_source=source,
    )


def _status(app) -> str:
    return str(app.screen.query_one("#status").render())


@sync
async def test_workbench_asks_who_is_coding_and_remembers(as_root, demo_db: str) -> None:
    from qualcode.tui.screens.coder import CoderScreen

    app = _app(demo_db, "root", "login")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, CoderScreen), "the coder dialog")
        options = app.screen.query_one("OptionList")
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids == ["c:anna", "c:ben", "c:root"]  # most codings first, the login last
        await pilot.press("enter")  # anna
        await wait_until(pilot, lambda: app.coder == "anna", "the coder anna")
        coding = app.screen
        await wait_until(pilot, lambda: "anna" in _status(app), "anna in the status line")
        await pilot.press("j")
        await pilot.press("c", *"Zeitmangel", "enter")
        await wait_until(
            pilot,
            lambda: (
                rows(demo_db, "SELECT command, coder FROM audit_entry ORDER BY id DESC")[:1]
                == [("tui: code Herausforderungen und Hindernisse/Zeitmangel", "anna")]
            ),
            "the coding by anna",
        )
        start, end = coding.view.sel
    assert remembered_coder(demo_db) == "anna"
    assert rows(
        demo_db,
        'SELECT r.name FROM coding c JOIN coder r ON r.id = c.coder_id WHERE c.start = ? AND c."end" = ? '
        "AND c.code_id = (SELECT id FROM code WHERE name = 'Zeitmangel')",
        start,
        end,
    ) == [("anna",)]
    # the next start: the remembered name, no question
    assert resolve_coder(demo_db) == CoderChoice("anna", "remembered")


@sync
async def test_workbench_takes_a_new_name(as_root, demo_db: str) -> None:
    from qualcode.tui.screens.coder import CoderScreen

    app = _app(demo_db, "root", "login")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, CoderScreen), "the coder dialog")
        await pilot.press("tab", *"carla", "enter")
        await wait_until(pilot, lambda: app.coder == "carla", "the coder carla")
        await wait_until(pilot, lambda: "carla" in _status(app), "carla in the status line")
    assert remembered_coder(demo_db) == "carla"


@sync
async def test_workbench_does_not_ask_a_known_coder(as_root, demo_db: str) -> None:
    from qualcode.tui.screens.coding import CodingScreen

    app = _app(demo_db, "anna", "login")  # the login name is a coder of the project
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "anna" in _status(app), "anna in the status line")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
    assert remembered_coder(demo_db) is None


@sync
async def test_the_palette_changes_the_coder(as_root, demo_db: str) -> None:
    from qualcode.tui.screens.coder import CoderScreen

    app = _app(demo_db, "anna", "given")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "anna" in _status(app), "anna in the status line")
        (command,) = [
            c for c in app.get_system_commands(app.screen) if c.title.startswith("Who is coding?")
        ]
        command.callback()
        await wait_until(pilot, lambda: isinstance(app.screen, CoderScreen), "the coder dialog")
        await pilot.press("down", "enter")  # from anna (now; most codings) to ben
        await wait_until(pilot, lambda: app.coder == "ben", "the coder ben")
        await wait_until(pilot, lambda: "ben" in _status(app), "ben in the status line")
    assert remembered_coder(demo_db) == "ben"
