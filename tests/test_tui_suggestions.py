"""The workbench's suggestions after a coding: outdated ones are marked, never shown as fresh."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

pytest.importorskip("textual")

from conftest import wait_until  # noqa: E402

from qualcode.database import make_engine  # noqa: E402
from qualcode.tui.app import QualcodeApp  # noqa: E402

CODER = "tester"
LIMIT = 60.0  # how long the fake engine holds its refresh back at most


def _codings(db: str) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("select count(*) from coding").fetchone()[0]
    finally:
        con.close()


def shown_for_selection(screen, panel) -> bool:
    """The panel shows suggestions computed for the passage now selected (a `j` whose
    computation has not started yet leaves the previous passage's on screen)."""
    return (
        bool(panel.codes)
        and not screen._sugg_busy
        and screen._sugg_request == (screen.doc.id, *screen.view.sel)
    )


def test_suggestions_after_a_coding_are_marked_outdated_until_refreshed(demo_db, monkeypatch):
    import qualcode.suggest as suggest

    release = threading.Event()
    calls: list[int] = []

    def fake_suggest(session, document_id, start, end, top=3):
        calls.append(_codings(demo_db))
        if len(calls) > 1:
            release.wait(LIMIT)  # the refresh after the coding takes its time
        code = "Handlungsschritte/Bestandsaufnahme" if len(calls) == 1 else "Zeitmangel"
        return [{"code": code, "score": 0.8}]

    monkeypatch.setattr(suggest, "suggest_for_span", fake_suggest)
    monkeypatch.setattr(suggest, "similar", lambda *a, **k: [])

    async def run() -> None:
        app = QualcodeApp(make_engine(demo_db), CODER, suggestions=True)
        async with app.run_test(size=(110, 40)) as pilot:
            screen = app.screen
            panel = screen.query_one("SuggestionsPanel")
            await pilot.press("j", "j")
            await wait_until(
                pilot, lambda: shown_for_selection(screen, panel), "the first suggestions"
            )
            assert not panel.stale and calls
            before = _codings(demo_db)
            await pilot.press("A")  # accept: codes the passage
            await wait_until(pilot, lambda: _codings(demo_db) == before + 1, "the coding")
            await wait_until(pilot, lambda: panel.stale, "the panel marked outdated")
            title = str(screen.query_one("#sugg-title").render())
            assert "outdated" in title
            await pilot.press("A")  # an outdated suggestion is not applied
            await wait_until(
                pilot,
                lambda: any("updating after your coding" in n.message for n in app._notifications),
                "the warning that the suggestions are updating",
            )
            assert _codings(demo_db) == before + 1
            release.set()
            await wait_until(pilot, lambda: not panel.stale, "the refreshed suggestions")
            assert panel.codes[0]["code"] == "Zeitmangel"
            assert calls[-1] == before + 1  # computed after the coding
            assert "outdated" not in str(screen.query_one("#sugg-title").render())

    asyncio.run(run())


def test_shift_n_opens_what_the_engine_would_code_next(demo_db, demo_cli):
    expected = demo_cli.json("next")[0]

    async def run() -> None:
        app = QualcodeApp(make_engine(demo_db), CODER, suggestions=False)
        async with app.run_test(size=(110, 40)) as pilot:
            screen = app.screen
            await pilot.press("N")
            await wait_until(
                pilot,
                lambda: (
                    screen.doc is not None
                    and screen.doc.name == expected["document"]
                    and tuple(screen.view.sel) == (expected["start"], expected["end"])
                ),
                "the passage of `qualcode next`",
            )

    asyncio.run(run())


def test_a_never_codes_a_passage_with_the_suggestions_of_another(demo_db, monkeypatch):
    """`j A` quickly: the panel still shows the previous passage's suggestion — `A` waits for
    this passage's own (it coded the new passage with the old passage's code)."""
    import qualcode.suggest as suggest

    release = threading.Event()
    spans: list[tuple[int, int]] = []

    def fake_suggest(session, document_id, start, end, top=3):
        spans.append((start, end))
        if len(spans) > 1:
            release.wait(LIMIT)  # the next passage's suggestions take their time
        code = "Handlungsschritte/Bestandsaufnahme" if len(spans) == 1 else "Zeitmangel"
        return [{"code": code, "score": 0.8}]

    monkeypatch.setattr(suggest, "suggest_for_span", fake_suggest)
    monkeypatch.setattr(suggest, "similar", lambda *a, **k: [])

    async def run() -> None:
        app = QualcodeApp(make_engine(demo_db), CODER, suggestions=True)
        async with app.run_test(size=(110, 40)) as pilot:
            screen = app.screen
            panel = screen.query_one("SuggestionsPanel")
            await pilot.press("j", "j")
            await wait_until(
                pilot, lambda: shown_for_selection(screen, panel), "the first suggestions"
            )
            before = _codings(demo_db)
            await pilot.press("j", "A")
            await wait_until(
                pilot,
                lambda: any("still coming" in n.message for n in app._notifications),
                "the warning that this passage's suggestions are still coming",
            )
            assert _codings(demo_db) == before
            release.set()
            await wait_until(
                pilot,
                lambda: (
                    shown_for_selection(screen, panel) and panel.codes[0]["code"] == "Zeitmangel"
                ),
                "this passage's suggestions",
            )
            start, end = screen.view.sel
            await pilot.press("A")
            await wait_until(pilot, lambda: _codings(demo_db) == before + 1, "the coding")
            con = sqlite3.connect(demo_db)
            try:
                got = con.execute(
                    'SELECT c.start, c."end", k.name FROM coding c JOIN code k ON k.id = c.code_id'
                    " ORDER BY c.id DESC LIMIT 1"
                ).fetchone()
            finally:
                con.close()
            assert got == (start, end, "Zeitmangel") and spans[-1] == (start, end)

    asyncio.run(run())
