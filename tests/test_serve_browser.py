"""`qualcode serve` in a real browser: headless system Chromium (Playwright) logs in, codes
with keys in the workbench page, and the database is checked afterwards.

The page's terminal is drawn on a canvas; the tests read the screen by playing the bytes
the page received over its websocket into a pyte terminal of the same size (see
``serving.Workbench``). Skipped where Chromium, playwright or pyte is missing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import CORPUS, PG_SKIP, STARTER, Run, fresh_pg_database, pg_url
from serving import Server, Workbench, browser_skip_reason, chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser_skip_reason() is not None, reason=browser_skip_reason() or ""),
]

PASSWORDS = {"clara": "clara-passwort", "deniz": "deniz-passwort"}
FIRST_SCREEN = "protokoll_01.md"
PICKER = "type to search"  # the code picker's input


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    from qualcode.web.users import add_user

    path = tmp_path / "users.toml"
    for name, password in PASSWORDS.items():
        add_user(path, name, password)
    return path


def codings(db: str, coder: str, code: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            'SELECT c.document_id, c.start, c."end" FROM coding c JOIN code k ON k.id = c.code_id '
            "JOIN coder r ON r.id = c.coder_id WHERE r.name = ? AND k.name = ? ORDER BY c.id",
            (coder, code),
        ).fetchall()
    finally:
        con.close()


def log_in(bench: Workbench, coder: str) -> None:
    bench.page.wait_for_selector("input[name=password]")
    bench.login(coder, PASSWORDS[coder])
    bench.wait(lambda s: FIRST_SCREEN in s and "Next uncoded" in s, "the workbench's first screen")


def code_next_uncoded(bench: Workbench, code: str) -> None:
    """`n` (next uncoded passage), `c` (the code picker), the code's name, Enter."""
    bench.press("n", "c")
    bench.wait_for_text(PICKER)
    bench.type(code)
    bench.wait(lambda s: code in s and PICKER not in s, f"{code!r} typed into the picker")
    bench.press("Enter")


def test_code_a_passage_in_the_browser_as_the_logged_in_coder(
    demo_db: str, users_file: Path
) -> None:
    with Server(demo_db, "--users", str(users_file)) as server, chromium() as browser:
        bench = Workbench.open(browser, server)
        assert bench.sockets == 0  # the login page opens no workbench
        log_in(bench, "clara")
        assert bench.page.title() == "qualcode — clara"
        code_next_uncoded(bench, "Zeitmangel")
        bench.poll(
            lambda: codings(demo_db, "clara", "Zeitmangel"), "clara's coding in the database"
        )
        (mine,) = codings(demo_db, "clara", "Zeitmangel")
        con = sqlite3.connect(demo_db)
        entries = con.execute(
            "SELECT coder, command, state FROM audit_entry ORDER BY id DESC LIMIT 1"
        ).fetchall()
        con.close()
        assert entries == [
            ("clara", "tui: code Herausforderungen und Hindernisse/Zeitmangel", "done")
        ]
        # a colleague codes meanwhile; clara's `u` undoes her own coding, not theirs
        Run(demo_db).ok("--coder", "deniz", "code", str(mine[0]), "--start", "0", "--end", "5",
                        "--code", "Zeitmangel")  # fmt: skip
        bench.press("u")
        bench.poll(lambda: not codings(demo_db, "clara", "Zeitmangel"), "clara's coding undone")
        assert codings(demo_db, "deniz", "Zeitmangel") == [(mine[0], 0, 5)]
        assert bench.wait_for_text("undone: tui: code")


@pytest.mark.postgres
def test_two_browsers_code_one_postgresql_project(users_file: Path) -> None:
    if not pg_url():
        pytest.skip(PG_SKIP)
    from sqlalchemy import create_engine, text

    with fresh_pg_database() as url:
        Run(url).ok("demo", "build", "--corpus", str(CORPUS), "--codebook", str(STARTER))
        engine = create_engine(url)

        def counts(code: str, coder: str | None = None) -> tuple[int, int]:
            sql = (
                "SELECT count(*), count(DISTINCT c.document_id) FROM coding c "
                "JOIN code k ON k.id = c.code_id JOIN coder r ON r.id = c.coder_id "
                "WHERE k.name = :code" + (" AND r.name = :coder" if coder else "")
            )
            with engine.connect() as conn:
                row = conn.execute(text(sql), {"code": code, "coder": coder}).one()
            return int(row[0]), int(row[1])

        def shows(bench: Workbench, code: str, figures: tuple[int, int]) -> bool:
            return f"  {figures[0]}·{figures[1]}" in bench.tree_line(code)

        def refresh_and_see(bench: Workbench, code: str) -> None:
            """The count of a colleague's new coding is not on the screen until ctrl+r."""
            old, new = seen[bench.page], counts(code)
            assert shows(bench, code, old[code]), bench.text()
            bench.focus()
            bench.press("Control+r")
            bench.wait(lambda _s: shows(bench, code, new), f"{code} counted {new} after ctrl+r")

        try:
            with Server(url, "--users", str(users_file)) as server, chromium() as browser:
                clara, deniz = Workbench.open(browser, server), Workbench.open(browser, server)
                log_in(clara, "clara")
                log_in(deniz, "deniz")
                seen = {}  # the counts each browser shows (its own last refresh)
                for bench in (clara, deniz):
                    seen[bench.page] = {
                        c: counts(c) for c in ("Zeitmangel", "Personalmangel", "Übergänge")
                    }

                def code(bench: Workbench, coder: str, name: str) -> None:
                    bench.focus()
                    code_next_uncoded(bench, name)
                    bench.poll(lambda: counts(name, coder)[0] == 1, f"{coder}'s {name} stored")
                    now = counts(name)
                    bench.wait(lambda _s: shows(bench, name, now), f"{coder}'s tree updated")
                    seen[bench.page] = {c: counts(c) for c in seen[bench.page]}

                code(clara, "clara", "Zeitmangel")
                code(deniz, "deniz", "Personalmangel")
                refresh_and_see(clara, "Personalmangel")
                code(clara, "clara", "Übergänge")
                refresh_and_see(deniz, "Übergänge")
                assert counts("Zeitmangel", "clara") == counts("Übergänge", "clara") == (1, 1)
                assert counts("Personalmangel", "deniz") == (1, 1)
        finally:
            engine.dispose()


def test_logout_in_one_tab_ends_the_other(demo_db: str, users_file: Path) -> None:
    with Server(demo_db, "--users", str(users_file)) as server, chromium() as browser:
        first = Workbench.open(browser, server)
        log_in(first, "clara")
        second = Workbench.open(browser, server, context=first.page.context)  # same cookies
        second.wait(lambda s: FIRST_SCREEN in s, "the second tab's workbench, without a login")
        first.page.goto(server.base + "logout")
        first.page.wait_for_selector("input[name=password]")
        second.poll(lambda: second.closed, "the other tab's workbench to be closed")
        second.page.wait_for_selector(".ended", state="visible")
        server.wait_output("workbench closed for clara")
        second.page.reload()
        second.page.wait_for_selector("input[name=password]")  # the session is gone
    assert "workbench of clara ended (logged out)" in server.output


def test_a_removed_coders_open_tab_is_closed_and_their_login_refused(
    demo_db: str, users_file: Path
) -> None:
    with Server(demo_db, "--users", str(users_file)) as server, chromium() as browser:
        clara, deniz = Workbench.open(browser, server), Workbench.open(browser, server)
        log_in(clara, "clara")
        log_in(deniz, "deniz")
        Run(demo_db).ok("users", "remove", "clara", "--file", str(users_file))
        clara.poll(lambda: clara.closed, "clara's workbench to be closed")
        server.wait_output("workbench closed for clara")
        clara.page.reload()
        clara.page.wait_for_selector("input[name=password]")
        clara.login("clara", PASSWORDS["clara"])
        clara.page.wait_for_selector("text=wrong name or password")
        # deniz codes on
        assert not deniz.closed
        code_next_uncoded(deniz, "Zeitmangel")
        deniz.poll(lambda: codings(demo_db, "deniz", "Zeitmangel"), "deniz's coding stored")


def test_two_servers_on_two_ports_keep_both_logins(demo_db: str, users_file: Path) -> None:
    with (
        Server(demo_db, "--users", str(users_file)) as one,
        Server(demo_db, "--users", str(users_file)) as two,
        chromium() as browser,
    ):
        first = Workbench.open(browser, one)
        log_in(first, "clara")
        second = Workbench.open(browser, two, context=first.page.context)  # one browser
        log_in(second, "deniz")
        first.page.reload()  # still logged in on the first server
        first.page.wait_for_selector("#terminal")
        assert first.page.title() == "qualcode — clara"
        # the page's icon is there (no 404 on every load) and is an image the browser draws
        width = first.page.evaluate(
            """() => new Promise((ok) => { const i = new Image();
               i.onload = () => ok(i.naturalWidth); i.onerror = () => ok(0);
               i.src = "favicon.ico"; })"""
        )
        assert width == 16
