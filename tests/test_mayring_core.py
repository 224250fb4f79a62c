"""Mayring's steps in the core: checkpoint diff, coding agenda, check samples, kappa on a
sample (computed by hand), consensus, case summaries, research questions in REFI-QDA."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode.database import make_engine, reading, transaction

PARAS = [
    "Es fehlt an Personal in allen Schulen.",
    "Die Zeit für Absprachen reicht nicht aus.",
    "Man wünscht sich mehr Austausch im Verbund.",
    "Das nächste Treffen findet im Mai statt.",
    "Frau Wendler begrüßt die Anwesenden herzlich.",
]


def spans_of(paras: list[str]) -> list[tuple[int, int]]:
    out, pos = [], 0
    for p in paras:
        out.append((pos, pos + len(p)))
        pos += len(p) + 2
    return out


@pytest.fixture
def small(cli, write_file):
    """One document of five content paragraphs; codes A, A/A1, A/A2, B; anna coded 1–3,
    paragraph 5 is marked not relevant."""
    cli.ok("import", str(write_file("doc.txt", "\n\n".join(PARAS))))
    for path in ("A/A1", "A/A2", "B"):
        cli.ok("codes", "add", path)
    sp = spans_of(PARAS)
    for i, code in ((0, "A/A1"), (1, "A/A1"), (2, "B")):
        cli.ok(
            "--coder",
            "anna",
            "code",
            "doc.txt",
            "--start",
            str(sp[i][0]),
            "--end",
            str(sp[i][1]),
            "--code",
            code,
        )
    cli.ok(
        "--coder",
        "anna",
        "mark",
        "doc.txt",
        "--start",
        str(sp[4][0]),
        "--end",
        str(sp[4][1]),
        "--not-relevant",
    )
    return sp


def test_kappa_and_alpha_on_a_hand_computed_sample(cli, small):
    """reference [A1, A1, B, –] vs blind re-coding [A1, B, B, –]:
    overall po = 3/4, pe = (2·1 + 1·2 + 1·1)/16 = 5/16, κ = (0.75 − 0.3125)/0.6875 = 0.6364;
    α: n = 8, Do = 2, Σn_c² = 9 + 9 + 4 → α = 1 − 7·2/42 = 0.6667;
    A1: po = 3/4, pe = (2·1 + 2·3)/16 = 1/2, κ = 0.5."""
    from qualcode.mayring.consensus import sample_agreement
    from qualcode.mayring.samples import draw_sample, sample_passages, set_check_codes

    engine = make_engine(cli.db)
    with transaction(engine, "test", "anna") as s:
        info = draw_sample(s, "anna", share=1.0, seed=1)
    assert info["passages"] == 4 and info["population"] == 4  # the not-relevant one is never drawn
    with transaction(engine, "test", "anna") as s:
        ps = sample_passages(s, info["name"])
        assert [(p["start"], p["end"]) for p in ps] == small[:4]
        for p, codes in zip(ps, (["A/A1"], ["B"], ["B"], []), strict=True):
            set_check_codes(s, p["id"], codes)
    with reading(engine) as s:
        d = sample_agreement(s, info["name"])
    assert d["coders"] == ["anna", "anna (check)"] and d["units"] == 4
    assert d["overall"]["percent_agreement"] == 0.75
    assert d["overall"]["kappa"] == 0.6364
    assert d["overall"]["alpha"] == 0.6667
    a1 = next(c for c in d["rows"] if c["code"] == "A/A1")
    assert (a1["kappa"], a1["percent_agreement"], a1["by_coder"]) == (
        0.5,
        0.75,
        [{"coder": "anna", "units": 2}, {"coder": "anna (check)", "units": 1}],
    )
    assert [(x["start"], x["by_coder"]) for x in d["disagreements"]] == [
        (
            small[1][0],
            [
                {"coder": "anna", "code_paths": ["A/A1"]},
                {"coder": "anna (check)", "code_paths": ["B"]},
            ],
        )
    ]
    engine.dispose()


def test_consensus_adopts_the_recoding_but_kappa_stays_that_of_the_blind_coding(cli, small):
    from qualcode import audit
    from qualcode.mayring.consensus import resolve, sample_agreement
    from qualcode.mayring.samples import draw_sample, sample_passages, set_check_codes

    engine = make_engine(cli.db)
    with transaction(engine, "test", "anna") as s:
        name = draw_sample(s, "anna", share=1.0, seed=1)["name"]
        for p, codes in zip(sample_passages(s, name), (["A/A1"], ["B"], ["B"], []), strict=True):
            set_check_codes(s, p["id"], codes)
    with reading(engine) as s:
        before = sample_agreement(s, name)
    pid = before["disagreements"][0]["passage_id"]
    with transaction(engine, "tui: consensus", "anna") as s:
        assert resolve(s, pid, "check") == {
            "passage": pid,
            "resolution": "check",
            "added": ["B"],
            "removed": ["A/A1"],
        }
    con = sqlite3.connect(cli.db)
    coded = con.execute(
        "SELECT c.start, k.name FROM coding c JOIN code k ON k.id = c.code_id WHERE k.name != ? ORDER BY c.start",
        ("Nicht relevant",),
    ).fetchall()
    con.close()
    assert coded == [(small[0][0], "A1"), (small[1][0], "B"), (small[2][0], "B")]
    with reading(engine) as s:
        after = sample_agreement(s, name)
    assert after["overall"] == before["overall"]  # agreement of the independent codings
    assert after["disagreements"][0]["resolution"] == "check"
    with transaction(engine, "undo", "anna", record=False) as s:
        audit.undo(s, 1, "anna")
    con = sqlite3.connect(cli.db)
    assert con.execute(
        "SELECT count(*) FROM coding c JOIN code k ON k.id = c.code_id WHERE k.name = 'A1'"
    ).fetchone() == (2,)
    con.close()
    engine.dispose()


def test_the_same_seed_draws_the_same_passages_and_never_a_not_relevant_one(demo_cli):
    first = demo_cli.json(
        "check-sample", "--coder", "anna", "--share", "0.3", "--seed", "42", "--name", "a"
    )
    second = demo_cli.json(
        "check-sample", "--coder", "anna", "--share", "0.3", "--seed", "42", "--name", "b"
    )
    demo_cli.json(
        "check-sample", "--coder", "anna", "--share", "0.3", "--seed", "43", "--name", "c"
    )
    con = sqlite3.connect(demo_cli.db)

    def drawn(name):
        return con.execute(
            'SELECT p.document_id, p.start, p."end" FROM check_passage p JOIN check_sample s '
            "ON s.id = p.sample_id WHERE s.name = ? ORDER BY p.ordinal",
            (name,),
        ).fetchall()

    assert first["units"] == second["units"] == round(0.3 * first["population"])
    assert drawn("a") == drawn("b") and drawn("a") != drawn("c")
    # mark one drawn passage not relevant: the population shrinks by it, a new draw skips it
    doc, s, e = drawn("a")[0]
    name = con.execute("SELECT name FROM document WHERE id = ?", (doc,)).fetchone()[0]
    demo_cli.ok(
        "--coder", "anna", "mark", name, "--start", str(s), "--end", str(e), "--not-relevant"
    )
    full = demo_cli.json(
        "check-sample", "--coder", "anna", "--share", "1", "--seed", "42", "--name", "all"
    )
    assert full["population"] == first["population"] - 1
    assert (doc, s, e) not in drawn("all") and len(drawn("all")) == full["population"]
    con.close()


def test_checkpoint_diff_after_merge_rename_move_redefine(demo_cli):
    demo_cli.ok("checkpoint", "vorher")
    demo_cli.ok("recode", "--from", "Herausforderungen und Hindernisse/Zeitmangel", "--to",
                "Herausforderungen und Hindernisse/Personalmangel")  # fmt: skip
    demo_cli.ok("codes", "rename", "Übergänge", "Übergänge im Bildungsweg")
    demo_cli.ok("codes", "move", "Corona-Pandemie", "Zielformulierungen")
    demo_cli.ok(
        "codes", "edit", "Bildungschancengleichheit", "--rule", "Nur ausdrücklich genannte Ziele."
    )
    d = demo_cli.json("checkpoint", "diff", "vorher")
    H = "Herausforderungen und Hindernisse"
    assert [(c["change"], c["code"], c["detail"]) for c in d["changes"]] == [
        ("merged", f"{H}/Zeitmangel", f"into {H}/Personalmangel (8 codings)"),
        ("renamed", f"{H}/Übergänge im Bildungsweg", "Übergänge → Übergänge im Bildungsweg"),
        ("moved", "Zielformulierungen/Corona-Pandemie", f"from {H} to Zielformulierungen"),
        ("redefined", f"{H}/Personalmangel", "definition, anchor, rule, description"),
        ("redefined", "Zielformulierungen/Bildungschancengleichheit", "rule"),
    ]
    assert d["codings_moved"] == [
        {"from": f"{H}/Zeitmangel", "to": f"{H}/Personalmangel", "codings": 8}
    ]
    assert (d["from"], d["to"], d["codes_before"], d["codes_after"]) == ("vorher", "now", 28, 27)
    # a second checkpoint compares with the first; nothing changed since it
    demo_cli.ok("checkpoint", "nachher")
    assert demo_cli.json("checkpoint", "diff", "nachher")["changes"] == []
    assert len(demo_cli.json("checkpoint", "diff", "vorher", "nachher")["changes"]) == 5


def test_agenda_rows_exactly(cli, small):
    from qualcode.reports.agenda import agenda_rows

    cli.ok(
        "codes",
        "edit",
        "A",
        "--definition",
        "Probleme",
        "--anchor",
        "Es fehlt …",
        "--rule",
        "Ist-Zustand",
    )
    cli.ok("codes", "edit", "A/A1", "--definition", "Mangel an Ressourcen")
    cli.ok("rq", "add", "F1", "-q", "Welche Probleme?", "-c", "A")
    # ben codes paragraph 1 exactly as anna did: one segment
    sp = small
    cli.ok(
        "--coder",
        "ben",
        "code",
        "doc.txt",
        "--start",
        str(sp[0][0]),
        "--end",
        str(sp[0][1]),
        "--code",
        "A/A1",
    )
    coding = next(
        c
        for c in cli.json("codings", "--code", "A/A1")
        if c["coder"] == "anna" and c["start"] == sp[1][0]
    )
    cli.ok("codes", "anchor", "A/A1", "--coding", str(coding["id"]))
    engine = make_engine(cli.db)
    with reading(engine) as s:
        rows = agenda_rows(s)
        only = agenda_rows(s, "F1")
    engine.dispose()
    base = {"anchor_source": None, "definition": "", "anchor": "", "rule": ""}
    assert rows == [
        {**base, "rq": "F1", "number": "1", "level": 1, "code": "A", "name": "A", "definition": "Probleme",
         "anchor": "Es fehlt …", "rule": "Ist-Zustand", "segments": 2, "documents": 1},  # A1's two
        {**base, "rq": "F1", "number": "1.1", "level": 2, "code": "A/A1", "name": "A1",
         "definition": "Mangel an Ressourcen", "anchor": PARAS[1],
         "anchor_source": f"doc.txt, {sp[1][0]}–{sp[1][1]}", "segments": 2, "documents": 1},
        {**base, "rq": "F1", "number": "1.2", "level": 2, "code": "A/A2", "name": "A2", "segments": 0, "documents": 0},
        {**base, "rq": None, "number": "1", "level": 1, "code": "B", "name": "B", "segments": 1, "documents": 1},
    ]  # fmt: skip
    assert only == rows[:3]


def test_summary_grid_has_every_document_and_the_attributes(cli, write_file):
    from qualcode.mayring.summaries import summary_grid

    cli.ok("import", str(write_file("a.txt", "---\nFormat: Web\n---\nText eins.")))
    cli.ok("import", str(write_file("b.txt", "---\nFormat: Präsenz\n---\nText zwei.")))
    cli.ok("codes", "add", "K/X")
    cli.ok("codes", "add", "K/Y")
    cli.ok("summary", "set", "b.txt", "K/Y", "Wenig.")
    cli.ok("summary", "set", "a.txt", "K/X", "Viel.")
    cli.ok("summary", "set", "a.txt", "K/Y", "Etwas.")
    engine = make_engine(cli.db)
    with reading(engine) as s:
        grid = summary_grid(s)
    engine.dispose()
    assert grid == {
        "attribute_names": ["Format"],
        "code_paths": ["K/X", "K/Y"],
        "rows": [
            {
                "document": "a.txt",
                "document_id": 1,
                "attributes": {"Format": "Web"},
                "summaries": [{"code": "K/X", "text": "Viel."}, {"code": "K/Y", "text": "Etwas."}],
            },
            {
                "document": "b.txt",
                "document_id": 2,
                "attributes": {"Format": "Präsenz"},
                "summaries": [{"code": "K/Y", "text": "Wenig."}],
            },
        ],
        "summary_count": 3,
    }
    cli.ok("summary", "set", "a.txt", "K/X", "")  # empty removes it
    assert [(r["document"], r["code"]) for r in cli.json("summary", "list")] == [
        ("a.txt", "K/Y"),
        ("b.txt", "K/Y"),
    ]


def test_research_questions_travel_through_refi_qda(demo_cli, tmp_path):
    from conftest import Run

    demo_cli.ok("rq", "add", "F1", "-q", "Welche Hindernisse?", "--technique", "deduktiv",
                "--criterion", "Probleme der Arbeit", "--coding-unit", "sentence",
                "-c", "Herausforderungen und Hindernisse")  # fmt: skip
    demo_cli.ok("rq", "add", "F2", "-q", "Welche Ziele?", "-c", "Zielformulierungen")
    for suffix in ("qdpx", "qdc"):
        out = tmp_path / f"export.{suffix}"
        demo_cli.ok("refi", "export", str(out))
        other = Run(str(tmp_path / f"other-{suffix}.sqlite"))
        res = other.json("refi", "import", str(out))
        assert (res["rqs_created"], res["categories_assigned"], res["rq_notes"]) == (2, 2, [])
        assert not any("sets" in m for m in res["left_out"] + res["warnings"])
        back = [{k: q[k] for k in ("rq", "question", "technique", "criterion", "coding_unit", "code_paths")}
                for q in other.json("rq", "list")]  # fmt: skip
        assert back == [
            {"rq": "F1", "question": "Welche Hindernisse?", "technique": "deductive",
             "criterion": "Probleme der Arbeit", "coding_unit": "sentence",
             "code_paths": ["Herausforderungen und Hindernisse"]},
            {"rq": "F2", "question": "Welche Ziele?", "technique": "inductive", "criterion": "",
             "coding_unit": "paragraph", "code_paths": ["Zielformulierungen"]},
        ]  # fmt: skip


def test_a_check_sample_never_draws_the_title_or_a_heading(cli, write_file):
    """The population is the content passages, seen in their document as agreement sees
    them: a three-line title (a title only because it opens the document) and a heading are
    never drawn."""
    from qualcode.mayring.samples import draw_sample, sample_passages

    title = (
        "PROTOKOLL\nKonstituierende Beratung des Kooperationsverbundes Elbland\nRiesa-Großenhain"
    )
    body = [
        "Frau Müller begrüßt die Anwesenden.",
        "TOP 2: Kurzvortrag „Kooperationsverbünde in Sachsen“",
        "Die Schulen berichten von fehlender Zeit für Absprachen.",
    ]
    text = "\n\n".join([title, *body])
    cli.ok("import", str(write_file("t.txt", text)))
    start = text.index(body[0])
    cli.ok("--coder", "anna", "code", "t.txt", "--start", str(start), "--end",
           str(start + len(body[0])), "--code", "A", "--create")  # fmt: skip
    engine = make_engine(cli.db)
    with transaction(engine, "test", "anna") as s:
        info = draw_sample(s, "anna", share=1.0, seed=1)
        drawn = [text[p["start"] : p["end"]] for p in sample_passages(s, info["name"])]
    engine.dispose()
    assert sorted(drawn) == sorted([body[0], body[2]]) and info["population"] == 2
