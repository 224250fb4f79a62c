"""The workbench's `n` skips structural passages (`TOP 2: Kurzvortrag „…“`, metadata
blocks), and its document list counts only content passages — as `docs list` does."""

from __future__ import annotations

import pytest
from conftest import Run, wait_until

pytest.importorskip("textual")

from test_tui import make, rows, sync  # noqa: E402


@sync
async def test_n_skips_an_agenda_heading_with_a_quoted_title(demo_db: str) -> None:
    (doc_id,) = rows(demo_db, "SELECT id FROM document WHERE name = 'protokoll_02.md'")[0]
    app = make(demo_db, open_document=doc_id)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.doc is not None and screen.doc.id == doc_id, "doc")
        doc = screen.doc
        texts = [doc.text[s:e] for s, e in doc.paragraphs]
        top2 = texts.index("TOP 2: Kurzvortrag „Kooperationsverbünde in Sachsen“")
        assert texts[top2 - 1].startswith("Nach einer kurzen Vorstellungsrunde")
        screen.view.goto_passage(top2 - 1)
        await pilot.press("n")
        assert screen.view.index == top2 + 1  # the first paragraph of the talk
        assert texts[top2 + 1].startswith("Frau Dr. Anja Leistner")
        screen.view.goto_passage(0)  # the title: `n` passes the metadata block and TOP 1
        await pilot.press("n")
        assert texts[screen.view.index].startswith("Herr Kühnel begrüßt")
        cli = {d["document"]: d["passages"] for d in Run(demo_db).json("docs", "list")}
        shown = {d["name"]: d["passages"] for d in screen.doclist.docs}
        assert shown == cli
        assert (shown["protokoll_11.md"], shown["protokoll_13.md"]) == (20, 21)
