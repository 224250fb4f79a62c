"""Small things of the workbench (issue 27, point 5): the code filter shows what is typed
and finds codes by prefix and word start only; j/k move in the document list; similar
passages from the command palette; the code picker lists the suggested codes first;
`report matrix --code`."""

from __future__ import annotations

import asyncio
import functools

import pytest
from conftest import Run, rows, wait_until

from qualcode.codematch import match_score, rank

pytest.importorskip("textual")

from qualcode.database import make_engine  # noqa: E402
from qualcode.tui.app import QualcodeApp  # noqa: E402
from qualcode.tui.widgets.code_picker import CodePicker  # noqa: E402

CODER = "tester"


def sync(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


def make(db: str) -> QualcodeApp:
    return QualcodeApp(make_engine(db), CODER, db_label="demo.sqlite", suggestions=False)


def demo_paths(db: str) -> list[str]:
    import sqlite3

    from qualcode.tui import data

    con = sqlite3.connect(db)
    try:
        return [r["path"] for r in data.code_rows(con)]
    finally:
        con.close()


# --- finding codes ----------------------------------------------------------------------------


def test_zeit_finds_zeitmangel_only(demo_db: str) -> None:
    paths = demo_paths(demo_db)
    assert rank("Zeit", paths) == [("Herausforderungen und Hindernisse/Zeitmangel", 95.0)]
    assert match_score("Zeit", "Zielformulierungen/Bildungschancengleichheit") is None
    assert (
        match_score("Zeit", "Gestaltungs- und Entwicklungsziele/Formate der Zusammenarbeit") is None
    )


def test_tiers_prefix_word_start_substring() -> None:
    paths = ["A/Arbeitszeit", "A/Zeit und Raum", "A/Freie Zeitplanung", "A/Zeitmangel", "Zeit"]
    assert rank("zeit", paths) == [
        ("Zeit", 100.0),  # the name itself
        ("A/Zeitmangel", 95.0),  # a prefix (shorter names first)
        ("A/Zeit und Raum", 95.0),
        ("A/Freie Zeitplanung", 90.0),  # a word start
        ("A/Arbeitszeit", 75.0),  # inside a word
    ]


def test_umlauts_slips_paths_and_several_words(demo_db: str) -> None:
    paths = demo_paths(demo_db)
    names = lambda q: [p.rsplit("/", 1)[-1] for p, _ in rank(q, paths)]  # noqa: E731
    assert names("ueber") == ["Übergänge", "Übergangsmanagement"]
    assert names("Zeitmangle") == ["Zeitmangel"]  # a typing slip
    assert names("heraus/zeit") == ["Zeitmangel"]
    assert names("zeit mang") == ["Zeitmangel"]
    assert names("abs") == []
    # a category: itself first, then its sub-codes in codebook order
    assert names("Handlung")[:3] == [
        "Handlungsschritte",
        "Arbeitsgruppe bilden",
        "Nächstes Treffen terminieren",
    ]


@sync
async def test_code_filter_shows_the_typed_text_and_keeps_only_real_matches(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        await pilot.press("slash")
        box = screen.query_one("#code-filter")
        await wait_until(pilot, lambda: app.focused is box, "the filter focused")
        await pilot.press(*"Zeit")
        await wait_until(pilot, lambda: screen.tree.filter == "Zeit", "the filter applied")
        # the typed text has a row to show in (the focus border used to take it)
        assert box.content_region.height == 1
        assert "Zeit" in "".join(s.text for s in box.render_line(0))

        def shown() -> list[str]:
            names, todo = [], list(screen.tree.root.children)
            while todo:
                node = todo.pop()
                names.append(screen.tree.by_id[node.data]["name"])
                todo.extend(node.children)
            return sorted(names)

        await wait_until(
            pilot,
            lambda: shown() == ["Herausforderungen und Hindernisse", "Zeitmangel"],
            "only Zeitmangel (and its category) in the tree",
        )
        await pilot.press("enter")  # to the tree: the cursor is on the best match
        zm = next(r["id"] for r in screen.code_rows if r["name"] == "Zeitmangel")
        await wait_until(
            pilot,
            lambda: app.focused is screen.tree and screen.tree.highlighted_id == zm,
            "the cursor on Zeitmangel",
        )


# --- the document list ------------------------------------------------------------------------


@sync
async def test_j_and_k_move_in_the_document_list(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        await pilot.press("D")
        options = screen.doclist.options
        await wait_until(pilot, lambda: app.focused is options, "the document list focused")
        start = options.highlighted
        await pilot.press("j", "j")
        assert options.highlighted == start + 2
        await pilot.press("k")
        assert options.highlighted == start + 1
        await pilot.press("enter")
        want = screen.doclist.docs[start + 1]["id"]
        await wait_until(pilot, lambda: screen.doc.id == want, "the document opened")


# --- similar passages -------------------------------------------------------------------------


@sync
async def test_similar_passages_from_the_palette(demo_db: str) -> None:
    from qualcode.tui.screens.similar import SimilarScreen

    app = make(demo_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        titles = {c.title: c for c in app.get_system_commands(screen)}
        assert "Similar passages (to the selection)" in titles
        await pilot.press("j", "j", "j")
        titles["Similar passages (to the selection)"].callback()
        await wait_until(pilot, lambda: isinstance(app.screen, SimilarScreen), "the dialog")
        similar = app.screen
        hint = similar.query_one("#similar-hint")
        # the first call builds the passage index (spaCy, TF-IDF): slow on a loaded machine
        await wait_until(
            pilot,
            lambda: "finding" not in str(hint.render()),
            "the similar passages",
            limit=240,
        )
        assert similar.items, str(hint.render())
        first = similar.items[0]
        assert first["score"] >= similar.items[-1]["score"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen, "back on the coding screen")
        assert (screen.doc.id, *screen.view.sel) == (
            first["document_id"],
            first["start"],
            first["end"],
        )
        assert rows(demo_db, "SELECT name FROM document WHERE id = ?", screen.doc.id) == [
            (first["document"],)
        ]


# --- the code picker --------------------------------------------------------------------------


@sync
async def test_the_picker_lists_the_suggested_codes_first(demo_db: str) -> None:
    from qualcode.tui.widgets.suggestions_panel import SuggestionsPanel

    app = make(demo_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        await pilot.press("j")
        screen.recent = ["Herausforderungen und Hindernisse/Zeitmangel"]
        # the panel shows up-to-date suggestions for exactly this selection
        panel = screen.query_one(SuggestionsPanel)
        panel.codes = [
            {"code": "Handlungsschritte/Bestandsaufnahme", "score": 0.71},
            {"code": "Zielformulierungen/Vernetzung und Austausch", "score": 0.2},
        ]
        screen._sugg_request = (screen.doc.id, *screen.view.sel)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CodePicker), "the picker")
        ol = app.screen.query_one("OptionList")
        await wait_until(pilot, lambda: ol.option_count > 3, "the picker's options")
        ids = [ol.get_option_at_index(i).id for i in range(3)]
        assert ids == [
            "c:Handlungsschritte/Bestandsaufnahme",
            "c:Zielformulierungen/Vernetzung und Austausch",
            "c:Herausforderungen und Hindernisse/Zeitmangel",  # then the recent ones
        ]
        assert "suggested 0.71" in str(ol.get_option_at_index(0).prompt)
        await pilot.press("escape")
        # another selection: those suggestions are not for it
        await pilot.press("j", "c")
        await wait_until(pilot, lambda: isinstance(app.screen, CodePicker), "the picker again")
        ol = app.screen.query_one("OptionList")
        await wait_until(pilot, lambda: ol.option_count > 3, "the picker's options")
        assert ol.get_option_at_index(0).id == "c:Herausforderungen und Hindernisse/Zeitmangel"


# --- report matrix --code ---------------------------------------------------------------------


def test_report_matrix_code(demo_db: str) -> None:
    run = Run(demo_db)
    full = run.json("report", "matrix")
    part = run.json("report", "matrix", "--code", "Handlungsschritte")
    subs = [c for c in full["code_paths"] if c.startswith("Handlungsschritte/")]
    assert part["code_paths"] == subs and len(subs) == 6
    cols = [full["code_paths"].index(c) for c in subs]
    assert [r["document"] for r in part["rows"]] == [r["document"] for r in full["rows"]]
    for p, f in zip(part["rows"], full["rows"], strict=True):
        assert p["values"] == [f["values"][i] for i in cols]
        assert p["total"] == sum(p["values"])
    assert part["column_totals"] == [full["column_totals"][i] for i in cols]
    bad = run("report", "matrix", "--code", "Nope")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: unknown code 'Nope'")
