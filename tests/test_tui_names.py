"""Issue 22, item 1 in the workbench: a near-duplicate code is created only after a
confirmation naming the existing code (picker, the tree's `a`, rename), and the tree's `a`
keeps the prefilled parent while typing. Every test asserts the database afterwards."""

from __future__ import annotations

import asyncio
import functools

import pytest
from conftest import rows, wait_until

pytest.importorskip("textual")

from qualcode.database import make_engine  # noqa: E402
from qualcode.tui.app import QualcodeApp  # noqa: E402
from qualcode.tui.screens.confirm import ConfirmScreen  # noqa: E402

CODER = "tester"
H = "Herausforderungen und Hindernisse"


def sync(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


def make(db: str) -> QualcodeApp:
    return QualcodeApp(make_engine(db), CODER, db_label="demo.sqlite", suggestions=False)


def where(db: str, name: str) -> list[tuple]:
    """(parent name or None) of every code called ``name``."""
    return rows(
        db,
        "SELECT p.name FROM code c LEFT JOIN code p ON p.id = c.parent_id WHERE c.name = ?",
        name,
    )


async def highlight(pilot, screen, path: str) -> None:
    row = next(r for r in screen.code_rows if r["path"] == path)
    screen.tree.focus()
    screen.tree.select_id(row["id"])
    await wait_until(pilot, lambda: screen.tree.highlighted_path == path, f"{path} highlighted")


def question(app) -> str:
    return str(app.screen.query_one("Static").render())


@sync
async def test_the_trees_a_keeps_the_prefilled_parent_while_typing(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        await highlight(pilot, screen, "Handlungsschritte")
        await pilot.press("a")
        await wait_until(pilot, lambda: app.screen is not screen, "the prompt")
        assert app.screen.query_one("Input").value == "Handlungsschritte/"
        await pilot.press(*"Elternbrief", "enter")
        await wait_until(pilot, lambda: app.screen is screen, "the prompt to close")
        await wait_until(pilot, lambda: where(demo_db, "Elternbrief"), "the new code")
    assert where(demo_db, "Elternbrief") == [("Handlungsschritte",)]


@sync
async def test_the_trees_a_asks_before_creating_a_near_duplicate(demo_db: str) -> None:
    app = make(demo_db)
    n_codes = rows(demo_db, "SELECT count(*) FROM code")
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        await highlight(pilot, screen, "Handlungsschritte")
        for answer in ("n", "y"):
            await pilot.press("a")
            await wait_until(pilot, lambda: app.screen is not screen, "the prompt")
            app.screen.query_one("Input").value = ""
            await pilot.press(*"zeitmangel", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
            assert question(app) == (
                f"'zeitmangel' is nearly the same as the existing code '{H}/Zeitmangel'"
                " (case, accents or one typing slip apart). Create it anyway?"
            )
            await pilot.press(answer)
            await wait_until(pilot, lambda: app.screen is screen, "the question to close")
            if answer == "n":
                assert rows(demo_db, "SELECT count(*) FROM code") == n_codes
        await wait_until(pilot, lambda: where(demo_db, "zeitmangel"), "the new code")
    assert where(demo_db, "zeitmangel") == [(None,)]
    assert where(demo_db, "Zeitmangel") == [(H,)]


@sync
async def test_the_picker_asks_before_creating_a_near_duplicate(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        await pilot.press("j")
        sel = screen.view.sel
        doc_id = screen.doc.id
        for answer in ("n", "y"):
            await pilot.press("c", *"Zeitmangle")
            await wait_until(pilot, lambda: app.screen is not screen, "the picker")
            ol = app.screen.query_one("OptionList")
            ids = [ol.get_option_at_index(i).id for i in range(ol.option_count)]
            assert ids[0] == f"c:{H}/Zeitmangel"  # Enter alone codes with the existing code
            ol.highlighted = ids.index("n:Zeitmangle")
            await pilot.press("enter", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
            assert f"existing code '{H}/Zeitmangel'" in question(app)
            await pilot.press(answer)
            await wait_until(pilot, lambda: app.screen is screen, "the question to close")
            if answer == "n":
                assert where(demo_db, "Zeitmangle") == []
        await wait_until(pilot, lambda: where(demo_db, "Zeitmangle"), "the new code")
    assert where(demo_db, "Zeitmangle") == [(None,)]
    assert rows(
        demo_db,
        'SELECT g.document_id, g.start, g."end" FROM coding g JOIN code c ON c.id = g.code_id'
        " WHERE c.name = 'Zeitmangle'",
    ) == [(doc_id, *sel)]


@sync
async def test_renaming_into_a_near_duplicate_asks_first(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        await highlight(pilot, screen, f"{H}/Personalmangel")
        cid = screen.tree.highlighted_id
        for answer in ("n", "y"):
            await pilot.press("r")
            await wait_until(pilot, lambda: app.screen is not screen, "the prompt")
            app.screen.query_one("Input").value = "Zeitmangle"
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
            assert question(app).endswith("Rename it anyway?")
            await pilot.press(answer)
            await wait_until(pilot, lambda: app.screen is screen, "the question to close")
            if answer == "n":
                assert rows(demo_db, "SELECT name FROM code WHERE id = ?", cid) == [
                    ("Personalmangel",)
                ]
        await wait_until(
            pilot,
            lambda: rows(demo_db, "SELECT name FROM code WHERE id = ?", cid) == [("Zeitmangle",)],
            "the rename",
        )


@sync
async def test_a_control_character_in_a_new_code_name_is_refused_with_the_rule(
    demo_db: str,
) -> None:
    app = make(demo_db)
    n_codes = rows(demo_db, "SELECT count(*) FROM code")
    notes: list[str] = []
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore[method-assign]
        await highlight(pilot, screen, "Handlungsschritte")
        await pilot.press("a")
        await wait_until(pilot, lambda: app.screen is not screen, "the prompt")
        app.screen.query_one("Input").value = "Handlungsschritte/Rot\x1b[31m"
        await pilot.press("enter")
        await wait_until(pilot, lambda: notes, "the error")
    assert notes == [
        "code name 'Handlungsschritte/Rot\\x1b[31m' contains an escape character (U+001B)"
        " — remove it; names may not contain control, escape or direction-override characters"
    ]
    assert rows(demo_db, "SELECT count(*) FROM code") == n_codes
