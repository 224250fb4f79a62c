"""Snapshots of the workbench's main screens at 80×24 and 160×48 (pytest-textual-snapshot).

Regenerate with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and look at them.
"""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from qualcode.database import make_engine  # noqa: E402
from qualcode.tui.app import QualcodeApp  # noqa: E402


def make(db: str) -> QualcodeApp:
    return QualcodeApp(make_engine(db), "tester", db_label="demo.sqlite", suggestions=False)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_coding_screen(demo_db: str, snap_compare, size) -> None:
    assert snap_compare(make(demo_db), terminal_size=size, press=["j", "j"])


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_frequencies(demo_db: str, snap_compare, size) -> None:
    async def run_before(pilot) -> None:
        await pilot.press("f5")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("b")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_picker(demo_db: str, snap_compare, size) -> None:
    async def run_before(pilot) -> None:
        await pilot.press("j", "c", *"zeit")
        await pilot.pause()

    assert snap_compare(make(demo_db), terminal_size=size, run_before=run_before)


def test_snapshot_help(demo_db: str, snap_compare) -> None:
    assert snap_compare(make(demo_db), terminal_size=(80, 24), press=["f1"])


def test_snapshot_retrieval(demo_db: str, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await pilot.pause()
        screen = pilot.app.screen
        row = next(r for r in screen.code_rows if r["name"] == "Personalmangel")
        screen.tree.focus()
        screen.tree.select_id(row["id"])
        await pilot.pause()
        await pilot.press("v")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make(demo_db), terminal_size=(160, 48), run_before=run_before)
