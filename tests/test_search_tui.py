"""Workbench: ctrl+f / ctrl+shift+f search, marking and coding hits; the matrix screen (F7);
the retrieval screen's boolean query. Pilot tests that check the database afterwards."""

from __future__ import annotations

import pytest
from conftest import open_retrieval, wait_until

pytest.importorskip("textual")

from test_tui import make, rows, sync  # noqa: E402


@sync
async def test_project_search_codes_marked_hits(demo_db: str) -> None:
    from qualcode.tui.screens.search import SearchScreen

    app = make(demo_db)
    before = rows(demo_db, "SELECT count(*) FROM coding")[0][0]
    async with app.run_test(size=(140, 40)) as pilot:
        coding = app.screen
        await pilot.press("ctrl+shift+f")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen), "the search screen")
        search = app.screen
        await pilot.press(*"Zeitmangel", "enter")
        await wait_until(pilot, lambda: len(search.hits) > 0, "the hits")
        hits = [(h["document"], h["start"], h["end"]) for h in search.hits]
        assert hits == [
            ("protokoll_02.md", 1412, 1422),
            ("protokoll_13.md", 1658, 1668),
        ]
        await pilot.press("space", "space", "c")
        await wait_until(pilot, lambda: app.screen is not search, "the code prompt")
        await pilot.press(*"Zeitmangel", "enter")
        await wait_until(
            pilot,
            lambda: rows(demo_db, "SELECT count(*) FROM coding")[0][0] == before + 2,
            "two codings",
        )
        got = rows(
            demo_db,
            'SELECT d.name, k.start, k."end", c.name FROM coding k JOIN document d ON d.id = k.document_id'
            " JOIN code c ON c.id = k.code_id ORDER BY k.id DESC LIMIT 2",
        )
        assert sorted(got) == [
            ("protokoll_02.md", 1412, 1422, "Zeitmangel"),
            ("protokoll_13.md", 1658, 1668, "Zeitmangel"),
        ]
        await wait_until(pilot, lambda: app.screen is search and search.hits, "the search again")
        await pilot.press("enter")  # opens the first hit in its document
        await wait_until(pilot, lambda: app.screen is coding, "the coding screen")
        assert coding.doc.name == "protokoll_02.md"
        assert coding.view.sel == (1412, 1422)


@sync
async def test_document_search_and_matrix(demo_db: str) -> None:
    from qualcode.tui.screens.matrix import MatrixScreen
    from qualcode.tui.screens.search import SearchScreen

    app = make(demo_db)
    async with app.run_test(size=(140, 40)) as pilot:
        coding = app.screen
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen), "the search screen")
        search = app.screen
        assert search.doc_id == coding.doc.id
        await pilot.press(*"Schule", "enter")
        await wait_until(pilot, lambda: len(search.hits) > 0, "the hits")
        assert {h["document"] for h in search.hits} == {coding.doc.name}
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is coding, "back")
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, MatrixScreen), "the matrix")
        from textual.widgets import DataTable

        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 14, "14 document rows")
        await pilot.press("b")  # rows by Format, the first attribute that groups documents
        await wait_until(pilot, lambda: table.row_count == 3, "rows by Format")
        labels = [str(table.get_row_at(i)[0]) for i in range(3)]
        assert labels == ["Hybrid (n=2)", "Präsenz (n=6)", "Web (n=6)"]


@sync
async def test_retrieval_screen_takes_a_query(demo_db: str) -> None:

    app = make(demo_db)
    async with app.run_test(size=(140, 40)) as pilot:
        ret = await open_retrieval(app, pilot, "Personalmangel", 7)  # 9 codings on 7 spans
        await pilot.press("slash")
        await wait_until(pilot, lambda: app.screen is not ret, "the query prompt")
        app.screen.query_one("Input").value = ""
        await pilot.press(*"Personalmangel NEAR/1 Zeitmangel", "enter")
        await wait_until(pilot, lambda: app.screen is ret and ret.bool_query, "the query")
        await wait_until(pilot, lambda: len(ret.segments) != 9, "the query's segments")
        from qualcode.database import reading
        from qualcode.docsets import session_execute
        from qualcode.retrieve import retrieve

        with reading(app.engine) as session:
            want = retrieve(session_execute(session), "Personalmangel NEAR/1 Zeitmangel")
        assert [(s["document"], s["start"]) for s in ret.segments] == [
            (s["document"], s["start"]) for s in want["segments"]
        ]
        assert len(ret.segments) == 12  # as `qualcode retrieve` on the demo


@sync
async def test_document_list_restricted_to_a_set(demo_db: str) -> None:
    from conftest import Run

    Run(demo_db).ok("set", "add", "Web", "--rule", "Format=Web")
    app = make(demo_db)
    async with app.run_test(size=(140, 40)) as pilot:
        coding = app.screen
        await wait_until(pilot, lambda: len(coding.doclist.docs) == 14, "all documents")
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: app.screen is not coding, "the set chooser")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: len(coding.doclist.docs) == 6, "the set's documents")
        assert [d["name"] for d in coding.doclist.docs] == [
            "protokoll_07.md",
            "protokoll_10.md",
            "protokoll_11.md",
            "protokoll_12.txt",
            "protokoll_13.md",
            "protokoll_14.md",
        ]
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: app.screen is not coding, "the set chooser")
        await pilot.press("enter")  # (all documents)
        await wait_until(pilot, lambda: len(coding.doclist.docs) == 14, "all documents again")


def _copy(db: str, to: str) -> str:
    import sqlite3

    src, dst = sqlite3.connect(db), sqlite3.connect(to)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return to


@sync
async def test_kwic_keeps_the_space_and_hits_are_coded_as_whole_words(
    demo_db: str, tmp_path
) -> None:
    """The hit keeps the space before it ("Lehrkräften, Schulbegleitung"); `s` chooses the
    unit, and coding all hits as whole words codes what `qualcode search --code --unit word`
    codes."""
    from conftest import Run
    from textual.widgets import OptionList

    from qualcode.tui.screens.search import SearchScreen

    cli_db = _copy(demo_db, str(tmp_path / "cli.sqlite"))
    app = make(demo_db)
    before = rows(demo_db, "SELECT max(id) FROM coding")[0][0]
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("ctrl+shift+f")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen), "the search screen")
        search = app.screen
        await pilot.press(*"Schulbegleit", "enter")
        await wait_until(pilot, lambda: len(search.hits) == 10, "the hits")
        ol = search.query_one(OptionList)
        first = ol.get_option_at_index(0).prompt.plain
        assert "zwischen Lehrkräften, Schulbegleitung und Eltern" in first
        assert search.unit == "match"  # as found, as the CLI's default
        await pilot.press("s")
        assert search.unit == "word"
        await pilot.press("a", "c")
        await wait_until(pilot, lambda: app.screen is not search, "the code prompt")
        assert "(word)" in str(app.screen.question)
        await pilot.press(*"Zeitmangel", "enter")
        await wait_until(
            pilot,
            lambda: rows(demo_db, "SELECT count(*) FROM coding WHERE id > ?", before)[0][0] == 10,
            "ten codings",
        )
    sql = (
        'SELECT d.name, c.start, c."end", substr(d.text, c.start + 1, c."end" - c.start) '
        "FROM coding c JOIN document d ON d.id = c.document_id JOIN code k ON k.id = c.code_id "
        "JOIN coder r ON r.id = c.coder_id WHERE k.name = 'Zeitmangel' AND r.name = 'tester' "
        "ORDER BY d.name, c.start"
    )
    tui = rows(demo_db, sql)
    assert tui[0] == ("protokoll_01.md", 2206, 2221, "Schulbegleitung")
    assert {t for *_, t in tui} == {
        "Schulbegleitung",
        "Schulbegleiterinnen",
        "Schulbegleiter",
        "Schulbegleitungen",
    }
    Run(cli_db).ok(
        "--coder",
        "tester",
        "search",
        "Schulbegleit",
        "--code",
        "Zeitmangel",
        "--unit",
        "word",
        "--apply",
    )
    assert rows(cli_db, sql) == tui


@sync
async def test_a_marked_hit_coded_as_its_paragraph(demo_db: str) -> None:
    from qualcode.tui.screens.search import SearchScreen

    app = make(demo_db)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+shift+f")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen), "the search screen")
        search = app.screen
        await pilot.press(*"Zeitmangel", "enter")
        await wait_until(pilot, lambda: len(search.hits) == 2, "the hits")
        hit = search.hits[0]
        await pilot.press("s", "s", "s")  # word, sentence, paragraph
        assert search.unit == "passage"
        await pilot.press("space", "c")
        await wait_until(pilot, lambda: app.screen is not search, "the code prompt")
        await pilot.press(*"Personalmangel", "enter")
        para = rows(
            demo_db,
            'SELECT p.start, p."end" FROM passage p JOIN document d ON d.id = p.document_id '
            "WHERE d.name = ? AND p.unit = 'paragraph' AND p.start <= ? AND p.\"end\" > ?",
            hit["document"],
            hit["start"],
            hit["start"],
        )
        assert len(para) == 1
        want = [(hit["document"], *para[0])]
        got_sql = (
            'SELECT d.name, c.start, c."end" FROM coding c JOIN document d ON d.id = c.document_id '
            "JOIN code k ON k.id = c.code_id JOIN coder r ON r.id = c.coder_id "
            "WHERE k.name = 'Personalmangel' AND r.name = 'tester'"
        )
        await wait_until(pilot, lambda: rows(demo_db, got_sql) == want, "the paragraph coded")
