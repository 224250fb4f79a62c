"""Issue 14: a day of coding without surprises — the workbench does what the researcher means.

Pilot tests; every assertion checks the database afterwards.
"""

from __future__ import annotations

import pytest
from conftest import wait_until

pytest.importorskip("textual")

from test_tui import CODER, make, rows, sync, tree_on  # noqa: E402


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
        await wait_until(pilot, lambda: tree_on(screen, row["id"]), "the tree cursor on the code")
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
        await wait_until(
            pilot,
            lambda: "invalid colour 'zzz'" in str(dialog.query_one("#ce-error").render()),
            "the colour refused",
        )
        assert app.screen is dialog  # still open, nothing saved, nothing lost
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


@sync
async def test_a_typo_codes_with_the_existing_code_not_a_near_duplicate(demo_db: str) -> None:
    """`c` + "Zeitmangle" + Enter codes with Zeitmangel; no new code appears, whatever
    category the tree cursor is on."""
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        cat = next(r for r in screen.code_rows if r["path"] == "Handlungsschritte")
        screen.tree.select_id(cat["id"])
        await pilot.press("j", "j")
        sel = screen.view.sel
        codes_before = rows(demo_db, "SELECT count(*) FROM code")
        await pilot.press("c", *"Zeitmangle", "enter")
        await wait_until(pilot, lambda: app.screen is screen, "the picker to close")
        assert rows(demo_db, "SELECT count(*) FROM code") == codes_before
        assert rows(
            demo_db,
            "SELECT k.name FROM coding c JOIN code k ON k.id = c.code_id JOIN coder r "
            'ON r.id = c.coder_id WHERE r.name = ? AND c.start = ? AND c."end" = ?',
            CODER,
            *sel,
        ) == [("Zeitmangel",)]


@sync
async def test_a_new_code_takes_a_second_enter_that_names_its_place(demo_db: str) -> None:
    """Stray keys ("gczeit" + Enter) create nothing: the first Enter on a new name says where
    the code would go; only a second Enter creates it (and codes the selection)."""
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        await pilot.press("j")
        codes_before = rows(demo_db, "SELECT count(*) FROM code")
        await pilot.press("c", *"gczeit", "enter")
        await wait_until(
            pilot,
            lambda: getattr(app.screen, "armed", None) is not None,
            "the first Enter handled by the picker",
        )
        picker = app.screen
        assert picker is not screen
        assert "create the new code 'gczeit' at the top level" in str(
            picker.query_one("#picker-hint").render()
        )
        assert rows(demo_db, "SELECT count(*) FROM code") == codes_before
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "the picker to close")
        assert rows(demo_db, "SELECT count(*) FROM code") == codes_before
        await pilot.press("c", *"Elternabend", "enter", "enter")
        await wait_until(pilot, lambda: app.screen is screen, "the picker to close")
        assert rows(
            demo_db,
            "SELECT c.parent_id, count(g.id) FROM code c JOIN coding g ON g.code_id = c.id "
            "WHERE c.name = 'Elternabend' GROUP BY c.id",
        ) == [(None, 1)]


@sync
async def test_x_on_a_colleagues_coding_asks_and_no_keeps_it(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        target = next(
            i
            for i, (s, e) in enumerate(screen.doc.paragraphs)
            if len(screen.doc.spans_at(s, e)) == 1
        )
        screen.view.goto_passage(target)
        await pilot.pause()  # sets view.sel at once; only lets SelectionChanged (status) run
        (span,) = screen.doc.spans_at(*screen.view.sel)
        assert span.coder != CODER
        await pilot.press("x")
        await wait_until(
            pilot, lambda: app.screen is not screen and app.screen.query("Static"), "the question"
        )
        assert f"Remove {span.coder}'s coding" in str(app.screen.query_one("Static").render())
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is screen, "the question to close")
        assert rows(demo_db, "SELECT count(*) FROM coding WHERE id = ?", span.id) == [(1,)]
        await pilot.press("x", "y")
        await wait_until(
            pilot,
            lambda: rows(demo_db, "SELECT count(*) FROM coding WHERE id = ?", span.id) == [(0,)],
            "the coding to go",
        )


@sync
async def test_u_on_the_initial_import_asks_first(demo_db: str) -> None:
    """The demo build (1,300 rows, by this coder) is the only action: `u` asks, `n` keeps
    the project, `y` reverts it."""
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        n_docs = rows(demo_db, "SELECT count(*) FROM document")
        await pilot.press("u")
        await wait_until(pilot, lambda: app.screen is not screen, "the question")
        question = str(app.screen.query_one("Static").render())
        assert "qualcode demo build" in question and "more than 100 rows" in question
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is screen, "the question to close")
        assert rows(demo_db, "SELECT count(*) FROM document") == n_docs
        assert rows(demo_db, "SELECT state FROM audit_entry") == [("done",)]
        await pilot.press("u", "y")
        await wait_until(
            pilot,
            lambda: rows(demo_db, "SELECT count(*) FROM document") == [(0,)],
            "the import to be undone",
        )


@sync
async def test_f5_counts_segments_says_so_and_c_splits_by_coder(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f5")
        freq = app.screen

        def zeit(data):
            return next(r for r in data["rows"] if r["name"] == "Zeitmangel")

        await wait_until(pilot, lambda: getattr(freq, "data", None), "the frequency table")
        assert zeit(freq.data)["segments"] == 6
        title = str(freq.query_one("#freq-title").render())
        assert (
            "a passage coded with the same code by several coders (anna, ben) counts once" in title
        )
        await pilot.press("c")
        await wait_until(pilot, lambda: freq.data["by"] == "coder", "the table by coder")
        groups = zeit(freq.data)["groups"]
        assert (groups["anna"]["segments"], groups["ben"]["segments"]) == (6, 2)


@sync
async def test_shift_arrows_move_the_selection_end_by_whole_words(demo_db: str) -> None:
    import re

    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        await pilot.press("j", "j", "j")
        text = screen.doc.text
        s, e = screen.view.sel
        words = [m.end() for m in re.finditer(r"\w+", text[s:e])]
        ends = []
        for _ in range(4):
            await pilot.press("shift+left")
            ends.append(screen.view.sel[1])
        expected = [s + w for w in words if s + w < e][-4:][::-1]
        assert ends == expected  # each press: the end of the previous whole word
        for _ in range(2):
            await pilot.press("shift+right")
        assert screen.view.sel[1] == expected[1]
        assert screen.view.sel[0] == s


@sync
async def test_n_skips_headings_and_i_marks_not_relevant_up_to_100_percent(demo_db: str) -> None:
    from qualcode.structure import is_structural

    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        doc = screen.doc
        assert doc.name == "protokoll_01.md" and screen.view.index == 0
        first_todo = next(
            i
            for i, (s, e) in enumerate(doc.paragraphs)
            if not is_structural(doc.text[s:e]) and not doc.spans_at(s, e)
        )
        assert first_todo > 1  # the heading and the metadata lines come first
        await pilot.press("n")
        assert screen.view.index == first_todo
        span = screen.view.sel

        def marks() -> list[tuple]:
            return rows(
                demo_db,
                'SELECT c.start, c."end", r.name FROM coding c JOIN code k ON k.id = c.code_id '
                "JOIN coder r ON r.id = c.coder_id WHERE k.name = 'Nicht relevant' ORDER BY c.id",
            )

        await pilot.press("i")
        assert marks() == [(*span, CODER)]
        await pilot.press("u")
        assert marks() == []
        # mark every passage still to read: the document reaches 100 %, `n` goes on
        to_read = sum(screen.doc.todo("paragraph"))
        screen.view.goto_passage(0)
        for _ in range(len(doc.paragraphs)):
            await pilot.press("n")
            if screen.doc.id != doc.id:
                break
            await pilot.press("i")
        progress = next(d for d in screen.doclist.docs if d["id"] == doc.id)["progress"]
        assert progress == 1.0 and len(marks()) == to_read
        assert screen.doc.name == "protokoll_02.md"


@sync
async def test_o_on_a_coded_passage_edits_the_memo_of_that_coding(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        target = next(
            i
            for i, (s, e) in enumerate(screen.doc.paragraphs)
            if len(screen.doc.spans_at(s, e)) == 1
        )
        screen.view.goto_passage(target)
        await pilot.pause()  # sets view.sel at once; only lets SelectionChanged (status) run
        (span,) = screen.doc.spans_at(*screen.view.sel)
        await pilot.press("o")
        await wait_until(pilot, lambda: app.screen is not screen, "the memo editor")
        assert f"Memo on the coding {span.code}" in str(app.screen.query_one(".title").render())
        app.screen.query_one("TextArea").text = "Beleg für Zeitdruck."
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen, "the editor to close")
        assert rows(demo_db, "SELECT memo FROM coding WHERE id = ?", span.id) == [
            ("Beleg für Zeitdruck.",)
        ]
        await pilot.press("u")
        assert rows(demo_db, "SELECT memo FROM coding WHERE id = ?", span.id) == [("",)]


@sync
async def test_f2_in_the_code_tree_toggles_the_documents_panel_not_rename(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = app.screen
        names = rows(demo_db, "SELECT name FROM code ORDER BY id")
        screen.tree.focus()
        await wait_until(pilot, lambda: app.focused is screen.tree, "the code tree focused")
        docs = screen.query_one("#docs")
        assert docs.display
        await pilot.press("f2")
        await wait_until(pilot, lambda: not docs.display, "the documents panel hidden")
        assert app.screen is screen and not docs.display  # no rename prompt opened
        assert rows(demo_db, "SELECT name FROM code ORDER BY id") == names


@sync
async def test_f5_groups_only_by_attributes_that_group_and_many_groups_fit(demo_db: str) -> None:
    import re

    app = make(demo_db)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f5")
        freq = app.screen
        await wait_until(pilot, lambda: getattr(freq, "data", None), "the frequency table")
        # Datum, Kooperationsverbund: one value per document — no grouping
        assert freq.keys[:2] == ["Format", "Region"]
        assert "Datum" not in freq.keys and "Kooperationsverbund" not in freq.keys
        freq.by = "Region"
        freq.load()
        await wait_until(pilot, lambda: freq.data["by"] == "Region", "the table by Region")

        def zeit_line() -> str:
            lines = [strip.text for strip in freq._compositor.render_strips()]
            return next((line for line in lines if "Zeitmangel" in line), "")

        # painted: the row shows its %docs and one figure per Region group
        await wait_until(
            pilot,
            lambda: len(re.findall(r"\d+%", zeit_line())) == 1 + len(freq.data["groups"]),
            "the table by Region on the screen",
        )
        lines = [strip.text for strip in freq._compositor.render_strips()]
        row = next(line for line in lines if "Zeitmangel" in line)
        zeit = next(r for r in freq.data["rows"] if r["name"] == "Zeitmangel")
        shares = [f"{g['total_share'] * 100:.0f}%" for g in zeit["groups"].values()]
        assert len(shares) == 13
        assert row.split()[-13:] == shares  # every group's figure, none cut off


@sync
async def test_the_code_tree_shortens_names_not_counts(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(160, 60)) as pilot:
        screen = app.screen
        tree = screen.tree

        def labelled_for_width() -> bool:
            """Laid out, and the labels are those for the tree's width (on_resize relabels)."""
            if tree.scrollable_content_region.width <= 0 or not tree.rows:
                return False
            totals = tree._totals()
            parents = {r["parent"] for r in tree.rows}
            return all(
                n.label.plain
                == tree.label_for(
                    tree.by_id[n.data], totals[n.data][0], tree.by_id[n.data]["path"] in parents
                ).plain
                for n in tree._tree_nodes.values()
                if n.data is not None
            )

        await wait_until(pilot, labelled_for_width, "the tree's labels for its width")
        width = screen.tree.scrollable_content_region.width
        labels = {
            n.data: n.label.plain for n in screen.tree._tree_nodes.values() if n.data is not None
        }
        for r in screen.code_rows:
            label = labels[r["id"]]
            assert f"  {r['codings']}·{r['documents']}" in label
            depth = r["path"].count("/") + 1
            assert len(label) + 2 * depth < width, label  # fits: nothing cut at the edge
        assert labels[
            next(r["id"] for r in screen.code_rows if r["name"].startswith("Nutzung"))
        ] == ("■ Nutzung sonderpädagogischer Expe…  3·2")
