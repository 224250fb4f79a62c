"""Mayring's steps in the workbench (Pilot): blind mode, consensus, checkpoint offer and
diff, case summaries — asserting on the screen and on the database."""

from __future__ import annotations

import asyncio
import functools

import pytest
from conftest import Run, rows, wait_until

pytest.importorskip("textual")

from qualcode.database import make_engine  # noqa: E402
from qualcode.tui.app import QualcodeApp  # noqa: E402

H = "Herausforderungen und Hindernisse"


def sync(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


def screen_text(app, *, but: str | None = None) -> str:
    """The text of every Static on the screen on top (``but``: leave out the one with this id)."""
    from textual.widgets import Static

    return "\n".join(
        str(w.render()) for w in app.screen.query(Static) if w.id is None or w.id != but
    )


@sync
async def test_blind_mode_hides_every_earlier_coding(demo_db: str) -> None:
    cli = Run(demo_db)
    cli.ok("check-sample", "--coder", "anna", "--share", "0.1", "--seed", "7")
    drawn = rows(
        demo_db, 'SELECT id, document_id, start, "end" FROM check_passage ORDER BY ordinal'
    )
    codings_before = rows(demo_db, "SELECT * FROM coding ORDER BY id")
    names = dict(rows(demo_db, "SELECT id, name FROM code"))
    # every code name that any coder (anna or ben) gave a drawn passage, and every coder name
    earlier = {
        pid: {names[c] for (c,) in rows(demo_db, 'SELECT code_id FROM coding WHERE document_id = ? AND start < ? AND "end" > ?', did, e, s)}
        for pid, did, s, e in drawn
    }  # fmt: skip
    assert sum(len(v) for v in earlier.values()) >= 5  # the sample has coded passages to hide
    app = QualcodeApp(make_engine(demo_db), "anna", suggestions=False, sample="anna-1")
    async with app.run_test(size=(120, 36)) as pilot:
        from qualcode.tui.screens.blind_check import BlindCheckScreen

        await wait_until(pilot, lambda: isinstance(app.screen, BlindCheckScreen), "blind mode")
        for n, (pid, did, start, end) in enumerate(drawn):
            await wait_until(
                pilot,
                lambda n=n: f"passage {n + 1}/{len(drawn)}" in screen_text(app),
                f"passage {n + 1}",
            )
            # everything but the passage's own text (which may contain a category's word)
            shown = screen_text(app, but="blind-text")
            assert "not re-coded yet" in shown and "(ben)" not in shown
            for name in earlier[pid]:
                assert name not in shown, (n, name)
            text = str(app.screen.query_one("#blind-text").render())
            assert (
                text
                == rows(
                    demo_db,
                    "SELECT substr(text, ? + 1, ? - ?) FROM document WHERE id = ?",
                    start,
                    end,
                    start,
                    did,
                )[0][0]
            )
            assert not app.screen.query("SuggestionsPanel") and not app.screen.query("CodeTree")
            await pilot.press("j")
        # re-code the first passage: a code, the second: no code
        for _ in drawn:
            await pilot.press("k")
        await wait_until(
            pilot, lambda: f"passage 1/{len(drawn)}" in screen_text(app), "first passage"
        )
        await pilot.press("c")
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "CodePicker", "picker")
        await pilot.press(*"Zeitmangel", "enter")
        await wait_until(
            pilot, lambda: "your codes here: " + H + "/Zeitmangel" in screen_text(app), "code shown"
        )
        await pilot.press("j", "space")
        await wait_until(
            pilot, lambda: f"re-coded 2/{len(drawn)}" in screen_text(app), "second passage done"
        )
        await pilot.press("escape")
        await wait_until(
            pilot, lambda: not isinstance(app.screen, BlindCheckScreen), "back to the workbench"
        )
    assert rows(demo_db, "SELECT passage_id, code_id FROM check_coding") == [
        (drawn[0][0], next(i for i, n in names.items() if n == "Zeitmangel"))
    ]
    assert rows(demo_db, "SELECT id, done FROM check_passage WHERE done ORDER BY ordinal") == [
        (drawn[0][0], 1),
        (drawn[1][0], 1),
    ]
    assert (
        rows(demo_db, "SELECT * FROM coding ORDER BY id") == codings_before
    )  # the analysis' codings: untouched


@sync
async def test_consensus_view_resolves_with_one_key(demo_db: str) -> None:
    from qualcode.database import transaction
    from qualcode.mayring.samples import sample_passages, set_check_codes

    cli = Run(demo_db)
    cli.ok("check-sample", "--coder", "anna", "--share", "0.05", "--seed", "3")
    engine = make_engine(demo_db)
    with transaction(engine, "test", "anna") as s:
        for p in sample_passages(s, "anna-1"):
            set_check_codes(s, p["id"], [])
    before = cli.json("agreement", "--sample", "anna-1")
    dis = before["disagreements"]
    first = dis[0]
    removed = first["by_coder"][0]["code_paths"]
    assert first["by_coder"][0]["coder"] == "anna"
    assert removed  # anna coded it, the blind re-coding found nothing
    app = QualcodeApp(engine, "anna", suggestions=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f8")
        await wait_until(
            pilot, lambda: f"disagreement 1/{len(dis)}" in screen_text(app), "consensus view"
        )
        assert first["text"].split()[0] in screen_text(app) and removed[0] in screen_text(app)
        await pilot.press("1")  # keep the reference coding
        await wait_until(
            pilot, lambda: f"disagreement 2/{len(dis)}" in screen_text(app), "next one"
        )
        await pilot.press("2")  # adopt the re-coding (no code)
        await wait_until(pilot, lambda: f"{len(dis) - 2} open" in screen_text(app), "resolved")
    assert rows(
        demo_db,
        "SELECT resolution FROM check_passage WHERE resolution IS NOT NULL ORDER BY ordinal",
    ) == [
        ("reference",),
        ("check",),
    ]
    second = dis[1]
    left = rows(
        demo_db,
        'SELECT count(*) FROM coding c JOIN document d ON d.id = c.document_id WHERE d.name = ? AND c.start < ? AND c."end" > ?',
        second["document"], second["end"], second["start"],
    )  # fmt: skip
    assert left == [(0,)]  # anna's codings of that passage are gone
    assert (
        cli.json("agreement", "--sample", "anna-1")["overall"]
        == cli.json("agreement", "--sample", "anna-1")["overall"]
    )
    engine.dispose()


@sync
async def test_checkpoint_is_offered_once_a_question_passes_the_threshold(demo_db: str) -> None:
    cli = Run(demo_db)
    cli.ok(
        "rq",
        "add",
        "F1",
        "-q",
        "Welche Hindernisse?",
        "--criterion",
        "Probleme der Arbeit",
        "-c",
        H,
    )
    cli.ok("config", "set", "checkpoint.threshold", "10%")
    app = QualcodeApp(make_engine(demo_db), "anna", suggestions=False)
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_until(
            pilot, lambda: "Kriterium: Probleme der Arbeit" in screen_text(app), "question bar"
        )
        app.screen.apply_code(f"{H}/Zeitmangel")
        from qualcode.tui.screens.confirm import ConfirmScreen

        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "checkpoint offer")
        assert "F1 has passed 10% of the material" in screen_text(app)
        await pilot.press("y")
        await wait_until(
            pilot, lambda: rows(demo_db, "SELECT name FROM checkpoint") == [("F1-10%",)], "stored"
        )
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "offer closed")
        app.screen.apply_code(f"{H}/Personalmangel")  # offered once: no second offer
        cli.ok("codes", "rename", "Zeitmangel", "Zeitknappheit")
        await pilot.press("f7")
        from textual.widgets import DataTable

        await wait_until(
            pilot, lambda: app.screen.__class__.__name__ == "CheckpointDiffScreen", "diff"
        )
        table = app.screen.query_one("#diff-changes", DataTable)
        assert [table.get_row_at(i) for i in range(table.row_count)] == [
            ["renamed", f"{H}/Zeitknappheit", "Zeitmangel → Zeitknappheit"]
        ]
    assert rows(demo_db, "SELECT name FROM checkpoint") == [("F1-10%",)]


@sync
async def test_case_summary_next_to_the_segments(demo_db: str) -> None:
    app = QualcodeApp(make_engine(demo_db), "anna", suggestions=False, open_document=1)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("T", "down", "S")
        await wait_until(
            pilot, lambda: app.screen.__class__.__name__ == "CaseSummaryScreen", "summary screen"
        )
        shown = screen_text(app)
        assert f"Case summary: {H}/Personalmangel in protokoll_01.md" in shown
        assert "Mehrere Schulleitungen schildern" in shown  # the segment of that category there
        await pilot.press(*"Zu wenig Personal.", "ctrl+s")
        await wait_until(
            pilot, lambda: app.screen.__class__.__name__ != "CaseSummaryScreen", "saved"
        )
    assert rows(demo_db, "SELECT d.name, k.name, s.text FROM case_summary s JOIN document d ON d.id = s.document_id "
                         "JOIN code k ON k.id = s.code_id") == [("protokoll_01.md", "Personalmangel", "Zu wenig Personal.")]  # fmt: skip
