"""What coders did with the suggestions (issue 25, 3): the decision log the workbench writes
and `qualcode suggest --stats` (first suggestion taken, calibration on the decisions)."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from conftest import import_codings, make_doc

X, Y, Z = "Kat/X", "Kat/Y", "Kat/Z"
P = [f"Absatz {i} über etwas ganz Bestimmtes, das hier steht." for i in range(6)]


def _decisions(db: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            'SELECT d.document_id, d.start, d."end", c.name, d.rank, d.score, d.outcome, '
            "d.chosen_code_id IS NOT NULL, d.coder FROM suggestion_decision d "
            "JOIN code c ON c.id = d.code_id ORDER BY d.id"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture
def doc(cli, write_file, tmp_path):
    spans = make_doc(cli, write_file, "d.txt", P)
    import_codings(cli, tmp_path, [("d.txt", *spans[5], Z, "ben")])  # creates X? no: Z only
    cli.ok("codes", "add", X)
    cli.ok("codes", "add", Y)
    return spans


def _engine(db: str):
    from qualcode.database import make_engine

    return make_engine(db)


def _code(cli, spans, i, code, coder="anna"):
    s, e = spans[i]
    cli.ok("code", "d.txt", "--start", str(s), "--end", str(e), "--code", code, "--coder", coder)


def test_record_first_decisions_and_stats_known_answer(cli, doc, db_path):
    from qualcode.database import transaction
    from qualcode.suggest.decisions import is_open, record

    eng = _engine(db_path)
    shown_xy = [{"code": X, "score": 0.8}, {"code": Y, "score": 0.3}]
    shown_yx = [{"code": Y, "score": 0.6}, {"code": X, "score": 0.25}]

    def rec(i, shown, coder="anna"):
        with transaction(eng, "t", coder, record=False) as s:
            return record(s, coder, 1, *doc[i], shown)

    # passage 0: coded X (the first suggestion) → accepted, Y coded otherwise
    _code(cli, doc, 0, X)
    assert rec(0, shown_xy) == "coded"
    # passage 1: coded with Z, shown Y then X → both coded otherwise, Z named as chosen
    _code(cli, doc, 1, Z)
    assert rec(1, shown_yx) == "coded"
    # passage 2: moved on (dismissed), then back and coded Y → the decision replaces it
    assert rec(2, shown_yx) == "dismissed"
    with transaction(eng, "t", "anna", record=False) as s:
        assert is_open(s, "anna", 1, *doc[2])
    assert rec(2, shown_yx) is None  # dismissed again: the first dismissal stands
    _code(cli, doc, 2, Y)
    assert rec(2, shown_yx) == "coded"
    # passage 3: dismissed for good
    assert rec(3, shown_xy) == "dismissed"
    # passage 0 again: decided before, nothing more is recorded
    assert rec(0, shown_yx) is None
    with transaction(eng, "t", "anna", record=False) as s:
        assert not is_open(s, "anna", 1, *doc[0])
        assert is_open(s, "ben", 1, *doc[0])  # another coder's first decision is still open
    assert rec(4, [], "anna") is None  # nothing shown: nothing to record
    eng.dispose()
    rows = _decisions(db_path)
    assert [(r[1], r[3], r[4], r[6], r[7]) for r in rows] == [
        (doc[0][0], "X", 1, "accepted", False),
        (doc[0][0], "Y", 2, "coded_otherwise", False),
        (doc[1][0], "Y", 1, "coded_otherwise", True),
        (doc[1][0], "X", 2, "coded_otherwise", True),
        (doc[2][0], "Y", 1, "accepted", False),
        (doc[2][0], "X", 2, "coded_otherwise", False),
        (doc[3][0], "X", 1, "dismissed", False),
        (doc[3][0], "Y", 2, "dismissed", False),
    ]

    st = cli.json("suggest", "--stats")
    assert (st["passages"], st["coded"], st["dismissed"]) == (4, 3, 1)
    # first suggestions on the coded passages: X (taken), Y (not), Y (taken) → 2 of 3
    assert st["first_taken"] == 2 and st["first_taken_rate"] == pytest.approx(0.6667)
    x = next(c for c in st["rows"] if c["code"] == X)
    y = next(c for c in st["rows"] if c["code"] == Y)
    assert (x["first"], x["first_taken"], x["first_dismissed"]) == (1, 1, 1)
    assert (y["first"], y["first_taken"], y["first_dismissed"]) == (2, 1, 0)
    # X on coded passages: 0.8 accepted, 0.25 and 0.25 not → mean 1.3/3, accepted 1/3,
    # Brier ((0.2)² + 0.25² + 0.25²)/3 = (0.04 + 0.0625 + 0.0625)/3 = 0.055
    assert x["suggested"] == 3 and x["accepted"] == 1
    assert x["mean_score"] == pytest.approx(0.4333) and x["brier"] == pytest.approx(0.055)
    # Y: 0.3 (no), 0.6 (no), 0.6 (yes) → Brier (0.09 + 0.36 + 0.16)/3 = 0.2033
    assert y["brier"] == pytest.approx(0.2033)
    cal = st["reliability"]
    # six suggestions: 0.25 ×2 (0 accepted), 0.3 (0), 0.6 ×2 (1), 0.8 (1)
    assert cal["suggestion_count"] == 6 and cal["accepted"] == 2
    assert [(b["score_from"], b["suggestion_count"], b["accepted_share"]) for b in cal["bins"]] == [
        (0.2, 2, 0.0),
        (0.3, 1, 0.0),
        (0.6, 2, 0.5),
        (0.8, 1, 1.0),
    ]
    # ECE = (2·0.25 + 1·0.3 + 2·0.1 + 1·0.2)/6 = 1.2/6 = 0.2
    assert cal["ece"] == pytest.approx(0.2)
    # Brier = (0.0625·2 + 0.09 + 0.36 + 0.16 + 0.04)/6 = 0.775/6
    assert cal["brier"] == pytest.approx(0.1292, abs=1e-4)
    text = cli.ok("suggest", "--stats").stdout
    assert "4 passages with suggestions decided: 3 coded, 1 dismissed" in text
    assert "ECE 0.200" in text
    assert cli.json("suggest", "--stats", "--coder", "ben")["passages"] == 0
    # a deleted code's decisions are left out (no foreign keys: deleting never needs them)
    cli.ok("codes", "delete", X, "--force")
    st = cli.json("suggest", "--stats")
    assert all(c["code"] != X for c in st["rows"]) and st["decisions_left_out"] == 4


def test_stats_without_decisions_and_bad_combinations(cli, doc):
    st = cli.json("suggest", "--stats")
    assert st["passages"] == 0 and st["rows"] == [] and st["reliability"]["ece"] is None
    assert "no decisions on suggestions recorded yet" in cli.ok("suggest", "--stats").stdout
    r = cli("suggest", "--stats", "--explain")
    assert r.exit_code == 2
    r = cli("suggest", "--coder", "anna", "--json")
    assert r.exit_code == 2 and json.loads(r.stdout)["error"].startswith("--coder goes with")


def test_stats_keep_two_coders_decisions_on_one_passage_apart(cli, doc, db_path):
    """anna codes the passage with the first suggestion, ben dismisses it: two decisions,
    one coded and one dismissed (the later one replaced the earlier); --coder Anna is anna,
    an unknown coder is refused."""
    from qualcode.database import transaction
    from qualcode.suggest.decisions import record

    eng = _engine(db_path)
    shown = [{"code": X, "score": 0.8}, {"code": Y, "score": 0.3}]
    _code(cli, doc, 0, X, "anna")
    cli.ok("codes", "add", "Kat/W")  # ben exists already (he coded Z)
    with transaction(eng, "t", "anna", record=False) as s:
        assert record(s, "anna", 1, *doc[0], shown) == "coded"
    with transaction(eng, "t", "ben", record=False) as s:
        assert record(s, "ben", 1, *doc[0], shown) == "dismissed"
    eng.dispose()
    st = cli.json("suggest", "--stats")
    assert (st["passages"], st["coded"], st["dismissed"]) == (2, 1, 1)
    assert (st["first_taken"], st["first_taken_rate"]) == (1, 1.0)
    anna = cli.json("suggest", "--stats", "--coder", "Anna")
    assert (anna["coder"], anna["passages"], anna["coded"], anna["dismissed"]) == (
        "anna",
        1,
        1,
        0,
    )
    r = cli("suggest", "--stats", "--coder", "nobody")
    assert r.exit_code == 2 and "unknown coder 'nobody'" in r.stderr


pytest.importorskip("textual")


def test_the_workbench_records_what_the_coder_does(demo_db, monkeypatch):
    """Accept the first suggestion on one passage; move on from the next without coding."""
    from conftest import wait_until

    import qualcode.suggest as suggest
    from qualcode.tui.app import QualcodeApp

    A = "Handlungsschritte/Bestandsaufnahme"
    B = "Herausforderungen und Hindernisse/Zeitmangel"
    monkeypatch.setattr(
        suggest,
        "suggest_for_span",
        lambda *a, **k: [{"code": A, "score": 0.7}, {"code": B, "score": 0.2}],
    )
    monkeypatch.setattr(suggest, "similar", lambda *a, **k: [])

    async def run() -> None:
        app = QualcodeApp(_engine(demo_db), "tester", suggestions=True)
        async with app.run_test(size=(110, 40)) as pilot:
            screen = app.screen
            panel = screen.query_one("SuggestionsPanel")

            def tracked_here() -> bool:  # the suggestions of the selected passage are kept
                shown = getattr(screen, "_sugg_shown", None)
                return shown is not None and shown[:3] == (screen.doc.id, *screen.view.sel)

            def on(span) -> list[tuple]:
                return [r for r in _decisions(demo_db) if r[0:3] == span]

            await pilot.press("j", "j")
            await wait_until(pilot, tracked_here, "the suggestions of the selected passage")
            first = screen._sugg_shown[:3]
            await pilot.press("A")  # accept the first suggestion
            await wait_until(pilot, lambda: len(on(first)) == 2, "the decision")
            await wait_until(pilot, lambda: not panel.stale and panel.codes, "fresh suggestions")
            assert screen._sugg_shown is None  # the coded passage is decided: not tracked again
            await pilot.press("j")  # the next passage: shown, then left uncoded
            await wait_until(
                pilot, lambda: tracked_here() and screen._sugg_shown[:3] != first, "the next one"
            )
            second = screen._sugg_shown[:3]
            await pilot.press("j")
            await wait_until(pilot, lambda: len(on(second)) == 2, "the dismissal")
            assert [(r[3], r[4], r[6], r[8]) for r in on(first) + on(second)] == [
                ("Bestandsaufnahme", 1, "accepted", "tester"),
                ("Zeitmangel", 2, "coded_otherwise", "tester"),
                ("Bestandsaufnahme", 1, "dismissed", "tester"),
                ("Zeitmangel", 2, "dismissed", "tester"),
            ]

    asyncio.run(run())
