"""Mayring's steps on the command line: research questions, checkpoints, check samples,
agreement on a sample, and the agenda / summaries / disagreements files as a researcher
opens them."""

from __future__ import annotations

import sqlite3

import pytest

H = "Herausforderungen und Hindernisse"


def share_by_hand(db: str, top: str) -> float:
    """Content paragraphs (and coded ones) that a coding of the category overlaps, over all."""
    from qualcode.structure import is_structural

    con = sqlite3.connect(db)
    spans = con.execute(
        'SELECT c.document_id, c.start, c."end" FROM coding c JOIN code k ON k.id = c.code_id '
        "JOIN code t ON t.id = k.parent_id WHERE t.name = ?",
        (top,),
    ).fetchall()
    todo = done = 0
    for did, text in con.execute("SELECT id, text FROM document"):
        for s, e in con.execute(
            "SELECT start, \"end\" FROM passage WHERE document_id = ? AND unit = 'paragraph'",
            (did,),
        ):
            coded = any(d == did and cs < e and ce > s for d, cs, ce in spans)
            if coded or not is_structural(text[s:e]):
                todo += 1
                done += coded
    con.close()
    return done / todo


def test_rq_add_list_show_edit_and_errors(demo_cli):
    d = demo_cli.json(
        "rq", "add", "F1", "-q", "Welche Hindernisse?", "--criterion", "Probleme", "-c", H
    )
    assert (d["rq"], d["technique"], d["code_paths"]) == ("F1", "inductive", [H])
    assert d["coded_share"] == round(share_by_hand(demo_cli.db, H), 4)
    rows = demo_cli.json("rq", "list")
    # segments, as `report freq --rq` counts them
    assert [(r["rq"], r["segments"], r["documents"]) for r in rows] == [("F1", 41, 7)]
    assert rows == [demo_cli.json("rq", "show", "F1")]  # one row shape
    out = demo_cli.ok("rq", "show", "F1").stdout
    assert "criterion    Probleme" in out and f"categories   {H}" in out
    edited = demo_cli.json(
        "rq", "edit", "F1", "--technique", "deductive", "-c", "Zielformulierungen"
    )
    assert edited["technique"] == "deductive" and edited["code_paths"] == [H, "Zielformulierungen"]
    for args, message in (
        (("rq", "add", "F1"), "error: research question 'F1' exists"),
        (("rq", "add", "F2", "--technique", "abductive"), "error: unknown technique 'abductive'"),
        (("rq", "add", "F2", "-c", "Zeitmangel"), f"error: '{H}/Zeitmangel' is not a top category"),
        (("rq", "add", "F2", "-c", H), f"error: '{H}' already belongs to research question 'F1'"),
        (("rq", "show", "F9"), "error: unknown research question 'F9' — questions: F1"),
        (("rq", "add", "F2", "--coding-unit", "page"), "error: unknown coding unit 'page'"),
    ):
        r = demo_cli(*args)
        assert r.exit_code == 2 and r.stderr.startswith(message), (args, r.output)
        assert "Traceback" not in r.output
    assert [r["rq"] for r in demo_cli.json("rq", "list")] == ["F1"]  # nothing half-written


def test_freq_filtered_by_question(demo_cli):
    demo_cli.ok("rq", "add", "F2", "-q", "Ziele?", "-c", "Zielformulierungen")
    rows = demo_cli.json("report", "freq", "--rq", "F2")["rows"]
    assert [r["code"] for r in rows] == [
        "Zielformulierungen",
        "Zielformulierungen/Vernetzung und Austausch",
        "Zielformulierungen/Gegenseitige Kenntnis der Partner",
        "Zielformulierungen/Bildungschancengleichheit",
        "Zielformulierungen/Ausbau der Unterstützungssysteme",
        "Zielformulierungen/Nutzung sonderpädagogischer Expertise",
    ]


def test_matrix_cooc_crosstab_filtered_by_question(demo_cli):
    demo_cli.ok("rq", "add", "F2", "-q", "Ziele?", "-c", "Zielformulierungen")
    goals = [
        "Zielformulierungen/Vernetzung und Austausch",
        "Zielformulierungen/Gegenseitige Kenntnis der Partner",
        "Zielformulierungen/Bildungschancengleichheit",
        "Zielformulierungen/Ausbau der Unterstützungssysteme",
        "Zielformulierungen/Nutzung sonderpädagogischer Expertise",
    ]
    whole = demo_cli.json("report", "matrix", "--json")
    part = demo_cli.json("report", "matrix", "--rq", "F2", "--json")
    assert part["code_paths"] == goals and part["rq"] == "F2"
    cols = [whole["code_paths"].index(c) for c in goals]
    for a, b in zip(whole["rows"], part["rows"], strict=True):
        assert b["values"] == [a["values"][i] for i in cols] and b["total"] == sum(b["values"])
    cooc = demo_cli.json("report", "cooc", "--rq", "F2", "--format", "json")
    assert cooc["code_paths"] == goals and len(cooc["matrix"]) == 5
    assert all(p["a"] in goals and p["b"] in goals for p in cooc["pairs"])
    rows = demo_cli.json("report", "crosstab", "--by", "Format", "--rq", "F2")["rows"]
    assert [r["code"] for r in rows] == ["Zielformulierungen", *goals]
    bad = demo_cli("report", "matrix", "--rq", "F9")
    assert bad.exit_code == 2 and "unknown research question 'F9'" in bad.output


def test_checkpoint_list_undo_and_errors(demo_cli):
    assert demo_cli.ok("checkpoint", "K1").stdout == "stored checkpoint K1: 28 codes, 143 codings\n"
    assert [c["checkpoint"] for c in demo_cli.json("checkpoint", "list")] == ["K1"]
    for args, message in (
        (("checkpoint", "K1"), "error: checkpoint 'K1' exists"),
        (("checkpoint", "diff"), "error: `checkpoint diff` compares one or two checkpoints"),
        (("checkpoint", "diff", "K9"), "error: unknown checkpoint 'K9' — checkpoints: K1"),
        (("checkpoint", "a", "b"), "error: a checkpoint has one name"),
    ):
        r = demo_cli(*args)
        assert r.exit_code == 2 and r.stderr.startswith(message), (args, r.output)
    r = demo_cli("checkpoint", "diff", "K9", "--json")
    assert r.exit_code == 2 and '"error": "unknown checkpoint' in r.stdout
    demo_cli.ok("undo")  # storing a checkpoint is one undoable step
    assert demo_cli.json("checkpoint", "list") == []


def test_check_sample_errors_and_agreement_before_recoding(demo_cli):
    r = demo_cli("check-sample", "--coder", "carla", "--share", "0.1")
    assert r.exit_code == 2 and r.stderr.startswith(
        "error: carla has coded no passages that could be drawn"
    )
    r = demo_cli("check-sample", "--coder", "ben", "--against", "dora")
    assert r.exit_code == 2 and r.stderr.startswith(
        "error: unknown coder 'dora' — coders in this project: anna, ben"
    )
    r = demo_cli("check-sample", "--coder", "anna", "--share", "1.5")
    assert r.exit_code == 2 and "--share must be above 0 and at most 1" in r.stderr
    d = demo_cli.json(
        "check-sample", "--coder", "ben", "--against", "anna", "--share", "0.1", "--seed", "7"
    )
    assert (d["check_sample"], d["kind"], d["units"], d["seed"]) == ("ben-1", "intercoder", 16, 7)
    r = demo_cli("agreement", "--sample", "ben-1")
    assert r.exit_code == 2 and r.stderr.startswith(
        "error: the check sample 'ben-1' has not been re-coded yet (16 passages)"
    )
    r = demo_cli("agreement")
    assert r.exit_code == 2 and "give --coders A,B or --sample NAME" in r.stderr
    r = demo_cli("tui", "--sample", "nope")
    assert r.exit_code == 2 and r.stderr.startswith(
        "error: unknown check sample 'nope' — samples: ben-1"
    )


@pytest.fixture
def recoded(demo_cli):
    """anna's intracoder sample (seed 3) re-coded: the first passage like before, the rest with no code."""
    from qualcode.database import make_engine, transaction
    from qualcode.mayring.samples import sample_passages, set_check_codes

    demo_cli.ok("check-sample", "--coder", "anna", "--share", "0.05", "--seed", "3")
    engine = make_engine(demo_cli.db)
    with transaction(engine, "test", "anna") as s:
        for n, p in enumerate(sample_passages(s, "anna-1")):
            set_check_codes(s, p["id"], [f"{H}/Übergänge"] if n == 0 else [])
    engine.dispose()
    return "anna-1"


def test_agreement_and_disagreements_files_of_a_sample(demo_cli, recoded, tmp_path):
    d = demo_cli.json("agreement", "--sample", recoded)
    # by hand: anna's codes on each drawn passage (her codings of a code cover half of it)
    con = sqlite3.connect(demo_cli.db)
    drawn = con.execute(
        'SELECT document_id, start, "end" FROM check_passage ORDER BY ordinal'
    ).fetchall()
    names = dict(con.execute("SELECT id, name FROM code"))
    ref = []
    for did, ps, pe in drawn:
        cover: dict[str, int] = {}
        for cid, cs, ce in con.execute(
            'SELECT code_id, start, "end" FROM coding WHERE document_id = ? AND coder_id = '
            "(SELECT id FROM coder WHERE name = 'anna')",
            (did,),
        ):
            cover[names[cid]] = cover.get(names[cid], 0) + max(0, min(ce, pe) - max(cs, ps))
        ref.append({n for n, c in cover.items() if c >= 0.5 * (pe - ps)})
    con.close()
    check = [{"Übergänge"}] + [set() for _ in drawn[1:]]
    differ = sum(r != c for r, c in zip(ref, check, strict=True))
    assert (d["units"], d["pending"], d["disagreement_count"]) == (8, 0, differ)
    assert d["overall"]["percent_agreement"] == (8 - differ) / 8
    assert differ >= 2  # the sample has something to discuss
    xlsx, docx = tmp_path / "abw.xlsx", tmp_path / "abw.docx"
    demo_cli.ok("report", "disagreements", "--sample", recoded, "-o", str(xlsx))
    demo_cli.ok("report", "disagreements", "--sample", recoded, "-o", str(docx))
    import openpyxl
    from docx import Document

    ws = openpyxl.load_workbook(xlsx)["Abweichungen"]
    sheet = [list(r) for r in ws.iter_rows(values_only=True)]
    assert sheet[0] == ["Dokument", "Anfang", "Ende", "Text", "anna", "anna (check)", "Konsens"]
    assert len(sheet) == 1 + differ
    first = d["disagreements"][0]
    assert sheet[1][:3] == [first["document"], first["start"], first["end"]]
    doc = Document(str(docx))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "Fundstelle",
        "Text",
        "anna",
        "anna (check)",
        "Konsens",
    ]
    assert len(table.rows) == 1 + differ
    assert [r.cells[3].text for r in table.rows[1:]] == [
        "\n".join(x["by_coder"][1]["code_paths"]) or "(kein Code)" for x in d["disagreements"]
    ]
    share = f"{100 * (8 - differ) / 8:.1f} %".replace(".", ",")  # German number format
    assert any(p.text.startswith(f"Übereinstimmung: {share}") for p in doc.paragraphs)


def test_agenda_docx_xlsx_md_html(demo_cli, tmp_path):
    demo_cli.ok("rq", "add", "F1", "-q", "Welche Hindernisse?", "--criterion", "Probleme", "-c", H)
    first = next(
        c for c in demo_cli.json("codings", "--code", f"{H}/Zeitmangel") if c["coder"] == "anna"
    )
    demo_cli.ok("codes", "anchor", f"{H}/Zeitmangel", "--coding", str(first["id"]))
    for suffix in ("docx", "xlsx", "html", "md"):
        demo_cli.ok("report", "agenda", "--rq", "F1", "-o", str(tmp_path / f"agenda.{suffix}"))
    import openpyxl
    from docx import Document

    doc = Document(str(tmp_path / "agenda.docx"))
    assert doc.sections[0].page_width > doc.sections[0].page_height  # landscape
    assert [p.text for p in doc.paragraphs[:3]] == [
        "Kodierleitfaden – F1",
        "F1: Welche Hindernisse?",
        "Technik: induktive Kategorienbildung",
    ]
    t = doc.tables[0]
    assert [c.text for c in t.rows[0].cells] == [
        "Kategorie",
        "Definition",
        "Ankerbeispiel",
        "Kodierregel",
        "n (Dok.) inkl. Unterkat.",  # the category with its sub-categories
    ]
    assert [r.cells[0].text for r in t.rows[1:4]] == [
        f"1 {H}",
        "1.1 Personalmangel",
        "1.2 Zeitmangel",
    ]
    assert (
        t.rows[1].cells[0].paragraphs[0].runs[0].bold
        and not t.rows[2].cells[0].paragraphs[0].runs[0].bold
    )
    assert (
        t.rows[3].cells[2].text
        == f"„{' '.join(first['text'].split())}“ ({first['document']}, {first['start']}–{first['end']})"
    )
    assert len(t.rows) == 9
    ws = openpyxl.load_workbook(tmp_path / "agenda.xlsx")["Kodierleitfaden"]
    sheet = [list(r) for r in ws.iter_rows(values_only=True)]
    assert sheet[0][:4] == ["Forschungsfrage", "Nr.", "Ebene", "Kategorie"] and len(sheet) == 9
    assert (
        sheet[3][:4] == ["F1", "1.2", 2, "Zeitmangel"]
        and sheet[3][6] == f"{first['document']}, {first['start']}–{first['end']}"
    )
    html = (tmp_path / "agenda.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<tr class="main"><td>1 Herausforderungen' in html
    assert "| **1 Herausforderungen und Hindernisse** |" in (tmp_path / "agenda.md").read_text(
        encoding="utf-8"
    )
    r = demo_cli("report", "agenda", "-f", "docx")
    assert r.exit_code == 2 and r.stderr.startswith("error: DOCX needs a file — give -o FILE.docx")
    r = demo_cli("report", "agenda", "--rq", "F7")
    assert r.exit_code == 2 and "unknown research question 'F7'" in r.stderr


def test_summaries_xlsx_grid(demo_cli, tmp_path):
    demo_cli.ok("summary", "set", "protokoll_01.md", "Personalmangel", "Stellen unbesetzt.")
    demo_cli.ok("summary", "set", "protokoll_03.txt", "Zeitmangel", "Keine Zeitfenster.")
    demo_cli.ok("report", "summaries", "-o", str(tmp_path / "z.xlsx"))
    import openpyxl

    rows = [
        list(r)
        for r in openpyxl.load_workbook(tmp_path / "z.xlsx").active.iter_rows(values_only=True)
    ]
    assert rows[0] == ["Dokument", "Kooperationsverbund", "Region", "Datum", "Format", "Teilnehmende",
                       f"{H}/Personalmangel", f"{H}/Zeitmangel"]  # fmt: skip
    assert (
        len(rows) == 15
        and rows[1][0] == "protokoll_01.md"
        and rows[1][6:] == ["Stellen unbesetzt.", None]
    )
    assert rows[3][0] == "protokoll_03.txt" and rows[3][6:] == [None, "Keine Zeitfenster."]
    r = demo_cli("summary", "set", "protokoll_99.md", "Zeitmangel", "x")
    assert r.exit_code == 2 and "protokoll_99.md" in r.stderr


def test_an_older_project_gets_the_new_tables_with_db_upgrade(tmp_path):
    import shutil

    from conftest import ROOT, Run

    db = tmp_path / "old.sqlite"
    shutil.copy(ROOT / "tests" / "data" / "schema_v1.sqlite", db)
    cli = Run(str(db))
    r = cli("rq", "list")
    assert r.exit_code == 2 and "run `qualcode db upgrade`" in r.stderr
    cli.ok("db", "upgrade")
    top = cli.json("codes", "list")[0]["code"]
    cli.ok("rq", "add", "F1", "-c", top)
    cli.ok("checkpoint", "K1")
    assert [q["code_paths"] for q in cli.json("rq", "list")] == [[top]]
