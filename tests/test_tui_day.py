"""Issue 14: a day of coding without surprises — the workbench does what the researcher means.

Pilot tests; every assertion checks the database afterwards.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3

import pytest
from conftest import wait_until

pytest.importorskip("textual")

from qualcode.database import make_engine  # noqa: E402
from qualcode.tui.app import QualcodeApp  # noqa: E402

CODER = "tester"


def sync(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


def make(db: str, **kw) -> QualcodeApp:
    return QualcodeApp(make_engine(db), CODER, db_label="demo.sqlite", suggestions=False, **kw)


def rows(db: str, sql: str, *args) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def code_fields(db: str, code_id: int) -> tuple:
    return rows(
        db, "SELECT description, definition, anchor, rule, color FROM code WHERE id = ?", code_id
    )[0]


@sync
async def test_definition_dialog_starts_in_description_and_keeps_text_on_a_bad_colour(
    demo_db: str,
) -> None:
    """`e` on a code: typing goes into Description first, Tab walks the fields in order, an
    invalid colour is refused inside the dialog, which keeps everything typed."""
    from textual.widgets import Input, TextArea

    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        row = next(r for r in screen.code_rows if r["name"] == "Zeitmangel")
        before = code_fields(demo_db, row["id"])
        screen.tree.focus()
        screen.tree.select_id(row["id"])
        await pilot.pause()
        await pilot.press("e")
        await wait_until(pilot, lambda: app.screen is not screen, "the definition dialog")
        dialog = app.screen
        for key in ("description", "definition", "anchor", "rule"):
            area = dialog.query_one(f"#ce-{key}", TextArea)
            area.clear()  # the demo's text; the keys below type into the focused field
        for word in ("Beschreibung", "Definition", "Anker", "Regel"):
            await pilot.press(*word, "tab")
        color = dialog.query_one("#ce-color", Input)
        assert app.focused is color
        color.value = ""
        await pilot.press(*"zzz", "ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # still open, nothing saved, nothing lost
        assert "invalid colour 'zzz'" in str(dialog.query_one("#ce-error").render())
        assert code_fields(demo_db, row["id"]) == before
        assert dialog.query_one("#ce-rule", TextArea).text == "Regel"
        assert app.focused is color
        color.value = ""
        await pilot.press(*"#1f77b4", "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen, "the dialog to close")
        assert code_fields(demo_db, row["id"]) == (
            "Beschreibung",
            "Definition",
            "Anker",
            "Regel",
            "#1F77B4",
        )
