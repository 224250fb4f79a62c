"""The coding workbench driven by Pilot; every assertion checks the database afterwards."""

from __future__ import annotations

import asyncio
import functools
import sqlite3

import pytest
from conftest import rows, tree_on, wait_until

pytest.importorskip("textual")

from qualcode.database import make_engine, transaction  # noqa: E402
from qualcode.tui.app import QualcodeApp  # noqa: E402
from qualcode.tui.screens.code_editor import CodeEditorScreen  # noqa: E402
from qualcode.tui.screens.confirm import ConfirmScreen  # noqa: E402
from qualcode.tui.screens.frequencies import FrequencyScreen  # noqa: E402
from qualcode.tui.screens.memo import MemoScreen  # noqa: E402
from qualcode.tui.screens.retrieval import RetrievalScreen  # noqa: E402
from qualcode.tui.widgets.code_picker import CodePicker  # noqa: E402

CODER = "tester"


def sync(fn):
    """Run an async Pilot test in its own event loop (no pytest-asyncio needed)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


def make(db: str, **kw) -> QualcodeApp:
    return QualcodeApp(make_engine(db), CODER, db_label="demo.sqlite", suggestions=False, **kw)


def dialog_open(app: QualcodeApp, kind: type) -> bool:
    """A ``kind`` screen is on top and mounted: its on_mount has focused one of its widgets."""
    return isinstance(app.screen, kind) and app.screen.focused is not None


def option_ids(screen) -> list[str | None]:
    ol = screen.query_one("OptionList")
    return [ol.get_option_at_index(i).id for i in range(ol.option_count)]


def picker_top(app: QualcodeApp) -> str | None:
    """The highlighted option of the open code picker (what Enter chooses), once it has one."""
    if not dialog_open(app, CodePicker):
        return None
    ol = app.screen.query_one("OptionList")
    return ol.get_option_at_index(ol.highlighted).id if ol.highlighted is not None else None


def codings_of(db: str, path_name: str) -> list[tuple]:
    return rows(
        db,
        'SELECT c.document_id, c.start, c."end", k.name, r.name FROM coding c '
        "JOIN code k ON k.id = c.code_id JOIN coder r ON r.id = c.coder_id WHERE k.name = ? ORDER BY c.id",
        path_name,
    )


@sync
async def test_open_select_code_undo_redo(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        assert screen.doc is not None and screen.doc.name == "protokoll_01.md"
        before = len(codings_of(demo_db, "Zeitmangel"))
        await pilot.press("j", "j", "j")  # fourth paragraph
        start, end = screen.view.sel
        para = rows(
            demo_db,
            "SELECT start, \"end\" FROM passage WHERE document_id = ? AND unit = 'paragraph' ORDER BY start",
            screen.doc.id,
        )[3]
        assert (start, end) == para
        await pilot.press("c")
        await pilot.press(*"Zeitmangel")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: len(codings_of(demo_db, "Zeitmangel")) == before + 1,
            "the coding",
        )
        got = codings_of(demo_db, "Zeitmangel")
        assert len(got) == before + 1
        assert got[-1] == (screen.doc.id, start, end, "Zeitmangel", CODER)
        # the audit log holds the action
        assert rows(demo_db, "SELECT command, coder FROM audit_entry ORDER BY id DESC LIMIT 1") == [
            ("tui: code Herausforderungen und Hindernisse/Zeitmangel", CODER)
        ]
        # the recent code sits on key 1 (shown in the tree): code the next passage with one key
        zm = next(r for r in screen.code_rows if r["name"] == "Zeitmangel")
        label = next(n for n in screen.tree._tree_nodes.values() if n.data == zm["id"]).label
        assert label.plain == f"■ Zeitmangel [1]  {before + 1}·6"
        await pilot.press("j", "1")
        await wait_until(
            pilot,
            lambda: len(codings_of(demo_db, "Zeitmangel")) == before + 2,
            "the second coding",
        )
        await pilot.press("u", "u")
        await wait_until(
            pilot, lambda: len(codings_of(demo_db, "Zeitmangel")) == before, "both undone"
        )
        await pilot.press("U")
        await wait_until(
            pilot, lambda: len(codings_of(demo_db, "Zeitmangel")) == before + 1, "the redo"
        )
        assert codings_of(demo_db, "Zeitmangel")[-1] == (
            screen.doc.id,
            start,
            end,
            "Zeitmangel",
            CODER,
        )


@sync
async def test_create_code_inline_under_highlighted_category(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        cat = next(r for r in screen.code_rows if r["path"] == "Handlungsschritte")
        screen.tree.select_id(cat["id"])
        await wait_until(
            pilot,
            lambda: screen.tree.highlighted_path == "Handlungsschritte",
            "the category highlighted",
        )
        await pilot.press("j")
        sel = screen.view.sel
        await pilot.press("c")
        await pilot.press(*"Elternabend planen")
        await wait_until(
            pilot,
            lambda: (
                dialog_open(app, CodePicker) and "n:Elternabend planen" in option_ids(app.screen)
            ),
            "the picker's options for the whole name",
        )
        picker = app.screen
        ol = picker.query_one("OptionList")
        ids = [ol.get_option_at_index(i).id for i in range(ol.option_count)]
        assert "n:Handlungsschritte/Elternabend planen" in ids
        assert "n:Elternabend planen" in ids
        ol.highlighted = ids.index("n:Handlungsschritte/Elternabend planen")
        await pilot.press("enter", "enter")  # the second Enter confirms the new code
        await wait_until(pilot, lambda: codings_of(demo_db, "Elternabend planen"), "the coding")
        assert rows(
            demo_db,
            "SELECT p.name FROM code c JOIN code p ON p.id = c.parent_id WHERE c.name = 'Elternabend planen'",
        ) == [("Handlungsschritte",)]
        assert codings_of(demo_db, "Elternabend planen") == [
            (screen.doc.id, *sel, "Elternabend planen", CODER)
        ]
        # one action: undo removes the coding and the new code together
        await pilot.press("u")
        await wait_until(
            pilot,
            lambda: (
                rows(demo_db, "SELECT count(*) FROM code WHERE name = 'Elternabend planen'")
                == [(0,)]
            ),
            "the new code to go",
        )


@sync
async def test_remove_coding_under_cursor(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        doc_id = screen.doc.id
        n0 = rows(demo_db, "SELECT count(*) FROM coding WHERE document_id = ?", doc_id)[0][0]
        # jump to a passage with exactly one coding
        target = next(
            i
            for i, (s, e) in enumerate(screen.doc.paragraphs)
            if len(screen.doc.spans_at(s, e)) == 1
        )
        screen.view.goto_passage(target)
        await pilot.pause()  # sets view.sel at once; only lets SelectionChanged (status) run
        (span,) = screen.doc.spans_at(*screen.view.sel)
        assert span.coder != CODER  # a colleague's coding: x asks first
        await pilot.press("x", "y")
        await wait_until(
            pilot,
            lambda: rows(demo_db, "SELECT count(*) FROM coding WHERE id = ?", span.id) == [(0,)],
            "the coding to go",
        )
        assert (
            rows(demo_db, "SELECT count(*) FROM coding WHERE document_id = ?", doc_id)[0][0]
            == n0 - 1
        )


@sync
async def test_next_uncoded_passage(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        flags = screen.doc.coded("paragraph")
        todo = screen.doc.todo("paragraph")  # content not yet coded: headings are skipped
        await pilot.press("n")
        i = screen.view.index
        assert flags[i] is False and todo[i] is True and i == todo.index(True, 1)


@sync
async def test_merge_near_duplicate_codes(demo_db: str) -> None:
    from qualcode.codebook import add_code
    from qualcode.codings import add_coding

    engine = make_engine(demo_db)
    with transaction(engine, "test setup", CODER) as s:
        add_code(s, "Herausforderungen und Hindernisse/Zeit-Mangel", force=True)
        add_coding(
            s, "protokoll_02.md", 0, 20, "Herausforderungen und Hindernisse/Zeit-Mangel", CODER
        )
    n_target = len(codings_of(demo_db, "Zeitmangel"))
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        src = next(r for r in screen.code_rows if r["name"] == "Zeit-Mangel")
        zm = next(r for r in screen.code_rows if r["name"] == "Zeitmangel")
        assert screen.tree.near == {src["id"], zm["id"]}  # marked ≈ in the tree
        screen.tree.focus()
        screen.tree.select_id(src["id"])
        await wait_until(pilot, lambda: tree_on(screen, src["id"]), "the tree cursor on the code")
        await pilot.press("M")
        await wait_until(pilot, lambda: dialog_open(app, CodePicker), "the merge dialog")
        picker = app.screen
        ol = picker.query_one("OptionList")
        # the near-duplicate is offered first
        assert ol.get_option_at_index(0).id == "c:Herausforderungen und Hindernisse/Zeitmangel"
        await pilot.press("enter")
        await wait_until(pilot, lambda: dialog_open(app, ConfirmScreen), "the merge question")
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: rows(demo_db, "SELECT count(*) FROM code WHERE name = 'Zeit-Mangel'") == [(0,)],
            "the merge",
        )
    assert rows(demo_db, "SELECT count(*) FROM code WHERE name = 'Zeit-Mangel'") == [(0,)]
    got = codings_of(demo_db, "Zeitmangel")
    assert len(got) == n_target + 1
    assert (2, 0, 20, "Zeitmangel", CODER) in got


@sync
async def test_rename_move_delete_and_memo(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        row = next(r for r in screen.code_rows if r["name"] == "Kontaktliste erstellen")
        screen.tree.focus()
        screen.tree.select_id(row["id"])
        await wait_until(pilot, lambda: tree_on(screen, row["id"]), "the tree cursor on the code")
        await pilot.press("r")
        inp = app.screen.query_one("Input")
        inp.value = "Kontaktliste pflegen"
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                rows(demo_db, "SELECT name FROM code WHERE id = ?", row["id"])
                == [("Kontaktliste pflegen",)]
            ),
            "the rename",
        )
        # move to the top level
        await pilot.press("m")
        await wait_until(pilot, lambda: dialog_open(app, CodePicker), "the move dialog")
        ol = app.screen.query_one("OptionList")
        assert ol.get_option_at_index(0).id == "x:top"
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                rows(demo_db, "SELECT parent_id FROM code WHERE id = ?", row["id"]) == [(None,)]
            ),
            "the move to the top level",
        )
        # memo on the code
        await pilot.press("o")
        await wait_until(pilot, lambda: dialog_open(app, MemoScreen), "the code memo editor")
        app.screen.query_one("TextArea").text = "Sammelt Kontakte."
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                rows(
                    demo_db,
                    "SELECT text FROM memo WHERE target_type = 'code' AND target_id = ?",
                    row["id"],
                )
                == [("Sammelt Kontakte.",)]
            ),
            "the code memo",
        )
        # edit the definition
        await pilot.press("e")
        await wait_until(pilot, lambda: dialog_open(app, CodeEditorScreen), "the code editor")
        app.screen.query_one(
            "#ce-definition"
        ).text = "Eine Liste der Ansprechpartner wird erstellt."
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                rows(demo_db, "SELECT definition FROM code WHERE id = ?", row["id"])
                == [("Eine Liste der Ansprechpartner wird erstellt.",)]
            ),
            "the definition",
        )
        n = rows(demo_db, "SELECT count(*) FROM coding WHERE code_id = ?", row["id"])[0][0]
        assert n > 0
        await wait_until(pilot, lambda: app.screen is screen, "the editor to close")
        await pilot.press("d")
        await wait_until(
            pilot, lambda: app.screen is not screen and app.screen.query("Button"), "the question"
        )
        await pilot.press("n")  # "no" keeps it
        await wait_until(pilot, lambda: app.screen is screen, "the question to close")
        assert rows(demo_db, "SELECT count(*) FROM code WHERE id = ?", row["id"]) == [(1,)]
        await pilot.press("d")
        await wait_until(
            pilot, lambda: app.screen is not screen and app.screen.query("Button"), "the question"
        )
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: rows(demo_db, "SELECT count(*) FROM code WHERE id = ?", row["id"]) == [(0,)],
            "the code to go",
        )
        assert rows(demo_db, "SELECT count(*) FROM coding WHERE code_id = ?", row["id"]) == [(0,)]


@sync
async def test_retrieval_opens_document_at_segment(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        row = next(r for r in screen.code_rows if r["name"] == "Personalmangel")
        screen.tree.focus()
        screen.tree.select_id(row["id"])
        await wait_until(pilot, lambda: tree_on(screen, row["id"]), "the tree cursor on the code")
        await pilot.press("v")
        await app.workers.wait_for_complete()
        await wait_until(
            pilot,
            lambda: (
                dialog_open(app, RetrievalScreen)
                and app.screen.query_one("OptionList").option_count > 0
            ),
            "the segments listed",
        )
        ret = app.screen
        # segments as `report segments` and `retrieve` count them: a span coded by anna and
        # by ben is one segment (9 codings, 7 distinct spans)
        spans = rows(
            demo_db,
            'SELECT count(*) FROM (SELECT DISTINCT document_id, start, "end" FROM coding c'
            " JOIN code k ON k.id = c.code_id WHERE k.name = 'Personalmangel' AND NOT orphaned)",
        )[0][0]
        assert row["codings"] == 9 and len(ret.segments) == spans == 7
        assert f"{spans} segments in" in str(ret.query_one("#ret-title").render())
        ret.query_one("OptionList").highlighted = 2
        seg = ret.segments[1]
        await pilot.press("down", "up")
        ol = ret.query_one("OptionList")
        ol.highlighted = 2  # options alternate segment / spacer
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                (screen.doc.id, screen.view.sel) == (seg["document_id"], (seg["start"], seg["end"]))
            ),
            "the jump to the segment",
        )
        assert app.screen is screen


@sync
async def test_frequencies_by_attribute(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, FrequencyScreen) and app.screen.data is not None,
            "the frequency table",
        )
        freq = app.screen
        assert type(freq).__name__ == "FrequencyScreen"
        await pilot.press("b")
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: freq.by == "Format", "the table by Format")
        await pilot.press("escape")
        from qualcode.tui.screens.coding import CodingScreen

        await wait_until(
            pilot, lambda: isinstance(app.screen, CodingScreen), "the coding screen again"
        )


@sync
async def test_help_and_palette_list_the_bindings(demo_db: str) -> None:
    from qualcode.tui.screens.help import binding_sections

    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("f1")
        await wait_until(
            pilot, lambda: type(app.screen).__name__ == "HelpScreen", "the help screen (F1)"
        )
        first = app.screen
        await pilot.press("escape")
        await pilot.press("question_mark")
        await wait_until(
            pilot,
            lambda: app.screen is not first and type(app.screen).__name__ == "HelpScreen",
            "the help screen (?)",
        )
        await pilot.press("escape")
        commands = list(app.get_system_commands(app.screen))
        actions = {c.callback.args[0] for c in commands if hasattr(c.callback, "args")}
        assert "Code…" in {c.title for c in commands}
        for _section, target, bindings in binding_sections():
            if target is None:
                continue
            for b in bindings:
                if b.action and b.action != "quit":
                    assert b.action in actions


@sync
async def test_small_terminal_hides_the_document_list(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert not screen.query_one("#docs").display
        assert not screen.query_one("#sugg").display
        await pilot.press("f2")
        assert screen.query_one("#docs").display
        await pilot.press("f3")
        assert not screen.query_one("#codes").display


@sync
async def test_mouse_drag_selects_a_character_range(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        view = screen.view
        s0, _ = view._lines[1]  # second visual line
        await pilot.mouse_down("#doc-view", offset=(4 + 3, 1))
        await pilot.hover("#doc-view", offset=(4 + 15, 1))
        await pilot.mouse_up("#doc-view", offset=(4 + 15, 1))
        await wait_until(pilot, lambda: view.sel == (s0 + 3, s0 + 15), "the dragged selection")
        # and it can be coded like any passage
        await pilot.press("c")
        app.screen.query_one("Input").value = "Zeitmangel"
        await wait_until(
            pilot,
            lambda: picker_top(app) == "c:Herausforderungen und Hindernisse/Zeitmangel",
            "Zeitmangel highlighted in the picker",
        )
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                (screen.doc.id, s0 + 3, s0 + 15, "Zeitmangel", CODER)
                in codings_of(demo_db, "Zeitmangel")
            ),
            "the coding of the dragged range",
        )


@sync
async def test_extend_selection_and_code_with_enter_in_tree(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        paras = screen.doc.paragraphs
        await pilot.press("j", "J", "J")  # paragraphs 2–4
        assert screen.view.sel == (paras[1][0], paras[3][1])
        await pilot.press("shift+left")  # end back by a word
        s, e = screen.view.sel
        assert s == paras[1][0] and paras[3][0] < e < paras[3][1]
        sel = screen.view.sel
        row = next(r for r in screen.code_rows if r["name"] == "Bestandsaufnahme")
        screen.tree.focus()
        screen.tree.select_id(row["id"])
        await wait_until(pilot, lambda: tree_on(screen, row["id"]), "the tree cursor on the code")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                (screen.doc.id, *sel, "Bestandsaufnahme", CODER)
                in codings_of(demo_db, "Bestandsaufnahme")
            ),
            "the coding of the extended selection",
        )
        # j from the extended selection goes to the passage after it
        screen.view.focus()
        await pilot.press("j")
        assert screen.view.sel == paras[4]


@sync
async def test_change_coding_and_document_memo(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        doc_id = screen.doc.id
        target = next(
            i
            for i, (s, e) in enumerate(screen.doc.paragraphs)
            if len(screen.doc.spans_at(s, e)) == 1
        )
        screen.view.goto_passage(target)
        await pilot.pause()  # sets view.sel at once; only lets SelectionChanged (status) run
        (span,) = screen.doc.spans_at(*screen.view.sel)
        assert span.coder != CODER  # a colleague's coding: C asks first, as x does
        db_rows = rows(demo_db, "SELECT id, code_id, coder_id FROM coding ORDER BY id")
        await pilot.press("C")
        await wait_until(pilot, lambda: dialog_open(app, ConfirmScreen), "the question")
        await pilot.press("n")  # no: nothing changes
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "no")
        assert rows(demo_db, "SELECT id, code_id, coder_id FROM coding ORDER BY id") == db_rows
        await pilot.press("C")
        await wait_until(pilot, lambda: dialog_open(app, ConfirmScreen), "the question again")
        await pilot.press("y")
        await wait_until(pilot, lambda: dialog_open(app, CodePicker), "the change dialog")
        app.screen.query_one("Input").value = "Bestandsaufnahme"
        await wait_until(
            pilot,
            lambda: picker_top(app) == "c:Handlungsschritte/Bestandsaufnahme",
            "Bestandsaufnahme highlighted in the picker",
        )
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: rows(demo_db, "SELECT command FROM audit_entry ORDER BY id DESC LIMIT 1")[0][
                0
            ].startswith("tui: recode "),
            "the recode",
        )
        got = rows(
            demo_db,
            "SELECT k.name, r.name FROM coding c JOIN code k ON k.id = c.code_id "
            'JOIN coder r ON r.id = c.coder_id WHERE c.document_id = ? AND c.start = ? AND c."end" = ?',
            doc_id,
            span.start,
            span.end,
        )
        assert got == [("Bestandsaufnahme", CODER)]
        # one action in the log
        assert rows(demo_db, "SELECT command FROM audit_entry ORDER BY id DESC LIMIT 1")[0][
            0
        ].startswith("tui: recode ")
        await pilot.press("O")
        await wait_until(pilot, lambda: dialog_open(app, MemoScreen), "the document memo editor")
        app.screen.query_one("TextArea").text = "Sitzung online, schlechte Tonqualität."
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                rows(
                    demo_db,
                    "SELECT text FROM memo WHERE target_type = 'document' AND target_id = ?",
                    doc_id,
                )
                == [("Sitzung online, schlechte Tonqualität.",)]
            ),
            "the document memo",
        )


@sync
async def test_suggestions_panel_accepts_with_one_key(demo_db: str, monkeypatch) -> None:
    import qualcode.suggest as suggest

    calls = []

    def fake_suggest(session, document_id, start, end, top=3):
        calls.append((document_id, start, end))
        return [{"code": "Handlungsschritte/Bestandsaufnahme", "score": 0.81}]

    def fake_similar(session, document_id, start, end, top=10):
        return [
            {
                "document": "protokoll_03.txt",
                "start": 0,
                "end": 40,
                "score": 0.7,
                "text": "x",
                "codes": [],
            }
        ]

    monkeypatch.setattr(suggest, "suggest_for_span", fake_suggest)
    monkeypatch.setattr(suggest, "similar", fake_similar)
    app = QualcodeApp(make_engine(demo_db), CODER, suggestions=True)
    async with app.run_test(size=(110, 40)) as pilot:
        screen = app.screen
        await pilot.press("j", "j")
        sel = screen.view.sel
        panel = screen.query_one("SuggestionsPanel")
        expected = [{"code": "Handlungsschritte/Bestandsaufnahme", "score": 0.81}]
        # the debounce timer starts the worker for this selection, which fills the panel
        await wait_until(
            pilot,
            lambda: (
                calls
                and calls[-1] == (screen.doc.id, *sel)
                and not screen._sugg_busy
                and panel.codes == expected
            ),
            "the suggested codes for the selection",
        )
        await pilot.press("A")
        await wait_until(
            pilot,
            lambda: (
                (screen.doc.id, *sel, "Bestandsaufnahme", CODER)
                in codings_of(demo_db, "Bestandsaufnahme")
            ),
            "the accepted suggestion in the database",
        )
        # the panel's refresh after the coding rebuilds its options: wait for it first
        await wait_until(
            pilot,
            lambda: not panel.stale and not screen._sugg_busy and panel.similar,
            "the suggestions refreshed after the coding",
        )
        # a similar passage opens its document at the span
        screen.query_one("#sugg-options").focus()
        ol = screen.query_one("#sugg-options")
        ol.highlighted = next(
            i for i in range(ol.option_count) if ol.get_option_at_index(i).id == "similar:0"
        )
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: screen.doc.name == "protokoll_03.txt" and screen.view.sel == (0, 40),
            "the similar passage opened at its span",
        )
        # sentence mode: s switches the unit, j moves by sentence
        screen.view.focus()
        await pilot.press("s", "j")
        assert screen.view.unit == "sentence"
        assert screen.view.sel == screen.doc.sentences[screen.view.index]


@sync
async def test_orphaned_codings_are_listed_not_highlighted(cli, db_path, write_file) -> None:
    path = write_file("p.md", "Es fehlt Personal.\n\nEs fehlt Zeit.")
    cli.ok("import", str(path))
    cli.ok("code", "p.md", "--start", "20", "--end", "34", "--code", "Zeitmangel", "--create")
    path.write_text("Es fehlt Personal.\n\nAlles bestens.", encoding="utf-8")
    cli.ok("import", str(path), "--update")
    assert rows(db_path, "SELECT orphaned FROM coding") == [(1,)]
    app = QualcodeApp(make_engine(db_path), CODER, suggestions=False)
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_until(
            pilot, lambda: getattr(app.screen, "doc", None) is not None, "the document opened"
        )
        doc = app.screen.doc
        assert doc.spans == []  # the stale span is not painted over new text
        assert [(o["code"], o["coder"], o["text"]) for o in doc.orphaned] == [
            ("Zeitmangel", "tester", "Es fehlt Zeit.")
        ]
        messages = [n.message for n in app._notifications]
        assert any("Zeitmangel (tester): Es fehlt Zeit." in m for m in messages)


@sync
async def test_reload_shows_a_colleagues_new_coding(demo_db: str) -> None:
    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        before = len(screen.doc.spans)
        from qualcode.codings import add_coding

        with transaction(app.engine, command="colleague", coder="ben") as session:
            add_coding(session, screen.doc.name, 0, 5, "Handlungsschritte/Bestandsaufnahme", "ben")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(screen.doc.spans) == before + 1, "the reload")
        assert any(s.coder == "ben" and (s.start, s.end) == (0, 5) for s in screen.doc.spans)


@sync
async def test_sentences_of_a_document_imported_without_them_are_split_on_s(demo_db: str) -> None:
    """`refi import` stores paragraphs only: `s` splits the document in a worker, with the
    project's pipeline, to the spans `qualcode import` would have stored."""
    doc_id, stored = rows(
        demo_db,
        "SELECT document_id, count(*) FROM passage WHERE unit = 'sentence' "
        "GROUP BY document_id ORDER BY document_id LIMIT 1",
    )[0]
    expected = rows(
        demo_db,
        "SELECT start, \"end\" FROM passage WHERE unit = 'sentence' AND document_id = ? "
        "ORDER BY start",
        doc_id,
    )
    con = sqlite3.connect(demo_db)
    with con:
        con.execute("DELETE FROM passage WHERE unit = 'sentence' AND document_id = ?", (doc_id,))
    con.close()
    app = make(demo_db, open_document=doc_id)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        assert screen.doc.id == doc_id and screen.doc.sentences == []
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: screen.view.unit == "sentence", "the sentence unit")
        assert screen.doc.sentences == expected and len(expected) == stored > 1
        await pilot.press("j")
        assert screen.view.sel == expected[1]


@sync
async def test_a_code_name_typed_in_one_burst_with_c_reaches_the_picker(demo_db: str) -> None:
    """`c`, the name and Enter typed faster than the picker opens (or pasted): the keys are
    not lost to the text view, so Enter codes what was typed, not the first code listed."""
    from textual import events

    app = make(demo_db)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        await pilot.press("j", "j")
        sel = screen.view.sel
        before = codings_of(demo_db, "Zeitmangel")
        for key in ["c", *"Zeitmangel", "enter"]:
            app.post_message(events.Key(key, "\r" if key == "enter" else key))
        expected = [*before, (screen.doc.id, *sel, "Zeitmangel", CODER)]
        await wait_until(
            pilot,
            lambda: app.screen is screen and codings_of(demo_db, "Zeitmangel") == expected,
            "the picker to close after coding Zeitmangel",
        )
        assert codings_of(demo_db, "Personalmangel") == [
            c for c in codings_of(demo_db, "Personalmangel") if c[4] != CODER
        ]


@sync
async def test_a_resize_while_the_screen_is_taken_down_does_nothing(demo_db: str) -> None:
    """`qualcode serve` may quit a workbench while its first screen opens: a resize then
    finds panels already gone (it raised NoMatches for #sugg)."""
    app = make(demo_db)
    async with app.run_test(size=(110, 30)):
        screen = app.screen
        await screen.query_one("#sugg").remove()
        screen._auto_panels(160, 45)  # no error: the panels are left as they are
        assert screen.query_one("#docs").display is True


@sync
async def test_codes_the_open_document_when_its_id_is_another_ones_file_name(cli, tmp_path) -> None:
    """The workbench names documents by id: id 2 is 10.txt here, and 2.txt is another file —
    coding, marking and removing on 10.txt must act on 10.txt, not refuse as ambiguous."""
    folder = tmp_path / "numbered"
    folder.mkdir()
    for i in (1, 2, 10):
        (folder / f"{i}.txt").write_text(f"Sitzung {i}.\n\nZweiter Absatz.\n", encoding="utf-8")
    cli.ok("import", str(folder))
    cli.ok("codes", "add", "X")
    assert dict(rows(cli.db, "SELECT name, id FROM document")) == {
        "1.txt": 1,
        "10.txt": 2,
        "2.txt": 3,
    }
    app = make(cli.db, open_document=2)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.doc is not None, "the document")
        assert screen.doc.name == "10.txt"
        assert screen.apply_code("X")
        await pilot.press("i")  # the next passage… marked not relevant on 10.txt as well
        await wait_until(
            pilot,
            lambda: len(rows(cli.db, "SELECT 1 FROM coding WHERE document_id = 2")) == 2,
            "the coding and the mark on 10.txt",
        )
    assert rows(cli.db, "SELECT count(*) FROM coding WHERE document_id <> 2") == [(0,)]
