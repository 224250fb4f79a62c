"""Workbench start-up: the first screen is painted before SQLAlchemy is imported.

On a SQLite project the first screen is read with plain ``sqlite3``; the engine is opened
in a worker after the first frame. These tests check that nothing ORM-related is loaded
before that frame (in fresh interpreters), that both read paths show the same data, that
an action taken before the engine is open lands in the database, and that anything
unusual takes the present path. Timings are measured by `make bench`, not here.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import random
import sqlite3
import subprocess
import sys

import pytest
from conftest import wait_for, wait_until

pytest.importorskip("textual")

from qualcode.database import make_engine, reading  # noqa: E402
from qualcode.errors import QualcodeError  # noqa: E402
from qualcode.tui import data  # noqa: E402
from qualcode.tui.app import QualcodeApp, make_app  # noqa: E402

ORM = ("sqlalchemy", "sqlmodel", "pydantic")


def sync(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


def _probe(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line prefixed ``PROBE ``."""
    env = {k: v for k, v in os.environ.items() if k not in ("QUALCODE_DB", "QUALCODE_NLP_MODEL")}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE ")), None)
    assert line is not None, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(line[len("PROBE ") :])


def test_importing_the_workbench_loads_no_orm():
    got = _probe(
        "import sys, json\n"
        "import qualcode.tui, qualcode.tui.app, qualcode.tui.data\n"
        "import qualcode.tui.screens.coding, qualcode.tui.widgets.code_picker\n"
        "print('PROBE ' + json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    assert not set(got) & set(ORM), sorted(set(got) & set(ORM))


def test_cli_paints_the_first_frame_before_importing_the_orm(demo_db: str):
    """`qualcode --db DEMO` (no subcommand), headless: at the first frame no ORM is loaded,
    yet the screen shows the documents, the text and the code tree."""
    got = _probe(
        "import sys, json\n"
        "from textual.app import App\n"
        "from qualcode.tui.app import QualcodeApp\n"
        "seen = {}\n"
        "def on_ready(self):\n"
        "    s = self.screen\n"
        "    seen['orm'] = sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel', 'pydantic'})\n"
        "    seen['doc'] = s.doc.name if s.doc else None\n"
        "    seen['docs'] = len(s.doclist.docs)\n"
        "    seen['codes'] = len(s.code_rows)\n"
        "    self.exit()\n"
        "QualcodeApp.on_ready = on_ready\n"
        "run = App.run\n"
        "App.run = lambda self, **kw: run(self, headless=True, size=(120, 40))\n"
        f"sys.argv = ['qualcode', '--db', {demo_db!r}, '--coder', 'tester']\n"
        "from qualcode.cli import app\n"  # main() would leave through os._exit
        "try:\n"
        "    app()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('PROBE ' + json.dumps(seen))\n"
    )
    assert got["orm"] == []
    assert got["doc"] == "protokoll_01.md" and got["docs"] == 14 and got["codes"] > 20


def test_read_functions_give_the_same_data_on_both_paths_and_agree_with_the_core(demo_db: str):
    from qualcode.codebook import list_codes
    from qualcode.documents import list_documents
    from qualcode.fastread import open_project

    conn = open_project(demo_db)
    assert conn is not None
    engine = make_engine(demo_db)

    def panels(source) -> dict:
        return {
            "codes": data.code_rows(source),
            "docs": data.documents(source),
            "quick": data.documents(source, progress=False),
            "recent": data.recent_codes(source, "anna"),
            "doc": [data.load_document(source, d["id"]) for d in data.documents(source)],
        }

    try:
        with reading(engine) as s:
            orm = panels(s)
            core_codes, core_docs = list_codes(s), list_documents(s)
        fast = panels(conn)
    finally:
        conn.close()
        engine.dispose()
    assert fast == orm
    assert orm["recent"] and sum(len(d.spans) for d in orm["doc"]) == 143
    # … and the same as the core's listings (which the CLI prints)
    assert [{k: v for k, v in r.items() if k != "memo"} for r in orm["codes"]] == core_codes
    keys = ("id", "name", "attributes", "passages", "coded_passages", "progress", "codings")
    assert [{k: d[k] for k in keys} for d in orm["docs"]] == [
        {k: d[k] for k in keys} for d in core_docs
    ]


def test_coded_flags_match_a_brute_force_overlap_check():
    from qualcode.textutil import coded_flags

    assert coded_flags([(0, 5), (5, 9), (12, 20)], [(4, 5), (9, 12)]) == [True, False, False]
    rng = random.Random(3)
    for _ in range(200):
        spans = sorted((s, s + rng.randint(1, 30)) for s in rng.sample(range(300), 12))
        codings = [(s, s + rng.randint(1, 40)) for s in (rng.randrange(300) for _ in range(8))]
        codings = codings[: rng.randint(0, 8)]
        expected = [any(cs < e and ce > s for cs, ce in codings) for s, e in spans]
        assert coded_flags(spans, codings) == expected


def _codings(db: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            'SELECT c.document_id, c.start, c."end", k.name, r.name FROM coding c '
            "JOIN code k ON k.id = c.code_id JOIN coder r ON r.id = c.coder_id "
            "WHERE r.name = 'tester' ORDER BY c.id"
        ).fetchall()
    finally:
        con.close()


@sync
async def test_actions_right_after_the_first_frame_land_in_order(demo_db: str):
    """Coding before the engine worker has run: the action waits for the engine, nothing is
    lost or reordered, and the screen then works on the ORM path."""
    app = make_app(demo_db, "tester", suggestions=False)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        assert not app.engine_ready and app._fast is not None  # painted from sqlite3
        await pilot.press("j")
        first = screen.view.sel
        await pilot.press("c", *"Zeitmangel", "enter")
        await pilot.press("j")
        second = screen.view.sel
        await pilot.press("1")  # the code just used, on the recent key
        await wait_until(pilot, lambda: len(_codings(demo_db)) == 2, "the second coding")
        doc = screen.doc.id
        assert _codings(demo_db) == [
            (doc, *first, "Zeitmangel", "tester"),
            (doc, *second, "Zeitmangel", "tester"),
        ]
        await pilot.press("u")
        await wait_until(pilot, lambda: len(_codings(demo_db)) == 1, "the undo")
        assert _codings(demo_db) == [(doc, *first, "Zeitmangel", "tester")]
        # the start-up worker finds the engine open and closes sqlite3
        await wait_until(pilot, lambda: app.engine_ready and app._fast is None, "the engine")


@sync
async def test_the_engine_opens_in_a_worker_after_the_first_frame(demo_db: str):
    app = make_app(demo_db, "tester", suggestions=False)
    async with app.run_test(size=(110, 30)) as pilot:
        assert not app.engine_ready
        await wait_until(pilot, lambda: app.engine_ready and app._fast is None, "the engine")
        await pilot.press("j", "c", *"Zeitmangel", "enter")
        await wait_until(pilot, lambda: _codings(demo_db), "the coding")
    assert len(_codings(demo_db)) == 1


async def _screen_text(app: QualcodeApp) -> list[str]:
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("j", "j")

        def strips() -> list[str]:
            return [strip.text for strip in app.screen._compositor.render_strips()]

        # painted: the status line names the third passage
        await wait_until(
            pilot, lambda: any("¶3/" in line for line in strips()), "the third passage shown"
        )
        return strips()


def test_first_screen_from_sqlite_looks_like_the_orm_one(demo_db: str):
    fast = asyncio.run(_screen_text(make_app(demo_db, "tester", suggestions=False)))
    orm = asyncio.run(_screen_text(QualcodeApp(make_engine(demo_db), "tester", suggestions=False)))
    assert fast == orm
    assert any("protokoll_01.md" in line for line in fast)


@sync
async def test_an_engine_that_fails_after_the_first_frame_ends_the_app_with_one_line(demo_db):
    def opener():
        raise QualcodeError("the project database is locked by another process", "try again")

    from qualcode.fastread import open_project

    app = QualcodeApp(None, "tester", opener=opener, fast=open_project(demo_db), suggestions=False)
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_until(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 2
    assert str(app.startup_error) == "the project database is locked by another process — try again"


def test_an_older_schema_takes_the_present_path_with_its_message(demo_db: str):
    con = sqlite3.connect(demo_db)
    with con:
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(QualcodeError, match="db upgrade"):
        make_app(demo_db, "tester")


@sync
async def test_an_action_while_the_worker_opens_the_engine_waits_for_it(demo_db: str):
    """The worker is still importing/connecting (a slow opener) when a key codes a passage:
    the action waits for that same engine (opened once) and lands."""
    import threading

    from qualcode.fastread import open_project

    opened: list[str] = []
    waiting: list[str] = []  # threads that wait for the engine lock

    class Lock:
        """The app's engine lock, telling who waits for it."""

        def __init__(self) -> None:
            self.lock = threading.Lock()

        def __enter__(self):
            if self.lock.locked():
                waiting.append(threading.current_thread().name)
            return self.lock.__enter__()

        def __exit__(self, *exc):
            return self.lock.__exit__(*exc)

    def slow_opener():
        opened.append(threading.current_thread().name)
        # still "importing" until the coding action waits for this very engine
        wait_for(lambda: threading.main_thread().name in waiting, "the action to wait")
        return make_engine(demo_db)

    app = QualcodeApp(
        None, "tester", opener=slow_opener, fast=open_project(demo_db), suggestions=False
    )
    app._engine_lock = Lock()  # type: ignore[assignment]
    async with app.run_test(size=(110, 30)) as pilot:
        app.open_engine()  # what the start-up timer does
        await wait_until(pilot, lambda: opened, "the worker inside the opener")
        await pilot.press("j", "c", *"Zeitmangel", "enter")
        await wait_until(pilot, lambda: len(_codings(demo_db)) == 1, "the coding")
        await app.workers.wait_for_complete()
    assert len(opened) == 1 and opened[0] != threading.main_thread().name


@pytest.mark.postgres
def test_the_workbench_on_postgresql_reads_the_same_and_codes() -> None:
    """PostgreSQL takes the engine path from the start: the panels' SQL runs through
    sessions there, and must give what the core lists."""
    from conftest import PG_SKIP, Run, fresh_pg_database, pg_url

    if not pg_url():
        pytest.skip(PG_SKIP)
    with fresh_pg_database() as url:
        _workbench_reads_and_codes(Run(url))


def _workbench_reads_and_codes(any_cli) -> None:
    from qualcode.codebook import list_codes
    from qualcode.documents import list_documents

    any_cli.ok("demo", "build")
    engine = make_engine(any_cli.db)
    try:
        with reading(engine) as s:
            codes, docs = data.code_rows(s), data.documents(s)
            assert [{k: v for k, v in r.items() if k != "memo"} for r in codes] == list_codes(s)
            keys = ("id", "name", "attributes", "passages", "coded_passages", "progress")
            assert [{k: d[k] for k in keys} for d in docs] == [
                {k: d[k] for k in keys} for d in list_documents(s)
            ]
            doc = data.load_document(s, docs[0]["id"])
            assert doc.paragraphs and doc.sentences and len(doc.spans) == docs[0]["codings"]
    finally:
        engine.dispose()

    async def code_one() -> tuple[int, int, int]:
        app = make_app(any_cli.db, "tester", suggestions=False)
        async with app.run_test(size=(110, 30)) as pilot:
            await pilot.press("j", "c", *"Zeitmangel", "enter")

            def coded() -> bool:
                screen = app.screen  # the workbench again once the picker is closed
                doc = getattr(screen, "doc", None)
                return doc is not None and any(
                    (sp.start, sp.end, sp.coder) == (*screen.view.sel, "tester") for sp in doc.spans
                )

            await wait_until(pilot, coded, "the coding shown in the document")
            return app.screen.doc.id, *app.screen.view.sel

    doc_id, start, end = asyncio.run(code_one())
    got = any_cli.json("codings", "--coder", "tester")
    assert [(c["start"], c["end"], c["code"].rsplit("/", 1)[-1]) for c in got] == [
        (start, end, "Zeitmangel")
    ]
