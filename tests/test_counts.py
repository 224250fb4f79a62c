"""Counts a methods reviewer would question (issue 22, item 5): every figure here is
recomputed in the test from the database with plain SQL and Python, not with the code of
the command under test.

- agreement: headings, metadata blocks and passages marked not relevant are not units;
- co-occurrence and `retrieve A AND B` pair the codings of one coder unless asked;
- `check-sample --list` counts the re-coded passages;
- `report full`: the title page's segments are the sum of its sections, its categories
  leave the not-relevant mark out, and a segment memo written with `o` is in the reports.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from itertools import combinations

import pytest
from conftest import import_codings, make_doc, open_retrieval, wait_until

NR = "Nicht relevant"
X, Y = "Kat/X", "Kat/Y"
A, B = "Kat/A", "Kat/B"
H = "Herausforderungen und Hindernisse"


def q(db: str, sql: str, *args) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def paragraphs(db: str, doc: str) -> list[tuple[int, int]]:
    return q(
        db,
        'SELECT p.start, p."end" FROM passage p JOIN document d ON d.id = p.document_id '
        "WHERE d.name = ? AND p.unit = 'paragraph' ORDER BY p.start",
        doc,
    )


def coder_sets(db: str, doc: str, overlap: float = 0.5) -> dict[str, list[set[str]]]:
    """Per coder, per paragraph the code paths whose codings cover ≥ overlap of it (SQL)."""
    paras = paragraphs(db, doc)
    out: dict[str, list[set[str]]] = {}
    for coder, parent, name, s, e in q(
        db,
        'SELECT r.name, pk.name, k.name, c.start, c."end" FROM coding c '
        "JOIN code k ON k.id = c.code_id LEFT JOIN code pk ON pk.id = k.parent_id "
        "JOIN coder r ON r.id = c.coder_id JOIN document d ON d.id = c.document_id "
        "WHERE d.name = ?",
        doc,
    ):
        path = f"{parent}/{name}" if parent else name
        per = out.setdefault(coder, [set() for _ in paras])
        for i, (ps, pe) in enumerate(paras):
            if min(e, pe) - max(s, ps) >= overlap * (pe - ps):
                per[i].add(path)
    return out


def kappa(values_a: list, values_b: list) -> tuple[float, float]:
    """(percent agreement, Cohen's kappa) of two coders' nominal values, by hand."""
    n = len(values_a)
    po = sum(a == b for a, b in zip(values_a, values_b, strict=True)) / n
    ma, mb = Counter(values_a), Counter(values_b)
    pe = sum(ma[v] * mb[v] for v in ma) / (n * n)
    return po, (po - pe) / (1 - pe)


# --- agreement: units ---------------------------------------------------------------------

HEADINGS = ["# Protokoll der Sitzung", "Ort: Aula\nZeit: 14:00 Uhr", "## TOP 1 Begrüßung"]
GREETING = "Die Leiterin begrüßt alle Anwesenden sehr herzlich."
CONTENT = [f"Im Absatz {i} berichten die Teilnehmenden über ihre Arbeit." for i in range(8)]


@pytest.fixture
def project(cli, write_file, tmp_path):
    """p.md: 3 headings/metadata (0–2), a greeting anna marks not relevant (3), 8 content
    paragraphs (4–11). ben codes the heading 2 with X (a coded structural passage)."""
    spans = make_doc(cli, write_file, "p.md", [*HEADINGS, GREETING, *CONTENT])
    c = [spans[4 + i] for i in range(8)]
    rows = [
        ("p.md", *c[0], X, "anna"), ("p.md", *c[1], X, "anna"), ("p.md", *c[2], X, "anna"),
        ("p.md", *c[3], Y, "anna"), ("p.md", *c[5], X, "anna"),
        ("p.md", *c[0], X, "ben"), ("p.md", *c[1], X, "ben"), ("p.md", *c[3], Y, "ben"),
        ("p.md", *c[4], Y, "ben"), ("p.md", *c[5], X, "ben"), ("p.md", *c[5], Y, "ben"),
        ("p.md", *spans[2], X, "ben"),
    ]  # fmt: skip
    import_codings(cli, tmp_path, rows)
    cli.ok("--coder", "anna", "mark", "p.md", "--start", str(spans[3][0]), "--end",
           str(spans[3][1]), "--not-relevant")  # fmt: skip
    return spans


def test_agreement_units_leave_out_headings_and_not_relevant(cli, project, db_path):
    data = cli.json("agreement", "--coders", "anna,ben")
    # independently: the paragraphs from the passage table, the coders' codes by SQL;
    # units = content paragraphs (not 0–2, the headings we wrote) that nobody marked
    sets = coder_sets(db_path, "p.md")
    n_all = len(paragraphs(db_path, "p.md"))
    assert n_all == 12
    marked = {i for i in range(n_all) if any(NR in s[i] for s in sets.values())}
    assert marked == {3}
    units = [i for i in range(n_all) if i >= len(HEADINGS) and i not in marked]
    va = [frozenset(sets["anna"][i]) for i in units]
    vb = [frozenset(sets["ben"][i]) for i in units]
    po, k = kappa(va, vb)
    # by hand: anna {X} {X} {X} {Y} {} {X} {} {}, ben {X} {X} {} {Y} {Y} {X,Y} {} {}
    # po = 5/8; pe = (4·2 + 1·2 + 3·3)/64 = 19/64; κ = (40/64 − 19/64)/(45/64) = 21/45
    assert (po, k) == (5 / 8, pytest.approx(21 / 45))
    assert data["units"] == len(units) == 8 and data["all_units"] == 12
    assert data["excluded"] == {"structural": 3, "not_relevant": 1}
    assert data["excluded_coded"] == {"structural": 1, "not_relevant": 0}
    o = data["overall"]
    assert o["units"] == 8 and o["agreements"] == 5
    assert o["percent_agreement"] == round(po, 4) and o["kappa"] == round(k, 4)
    assert any("1 of the left-out headings/metadata carry codings" in n for n in o["notes"])
    # per code: X on 8 units, anna 4 ben 3 both 3 → po = 7/8
    x = next(c for c in data["rows"] if c["code"] == X)
    px, kx = kappa([X in v for v in va], [X in v for v in vb])
    assert x["units"] == 8 and x["percent_agreement"] == round(px, 4) == 0.875
    assert x["kappa"] == round(kx, 4)
    assert [c["code"] for c in data["rows"]] == [X, Y]  # the mark is not a category

    text = cli.ok("agreement", "--coders", "anna,ben").stdout
    assert (
        "on 8 paragraphs (of 12 in 1 document; left out: 3 headings/metadata, "
        "1 marked not relevant)" in text
    )
    md = cli.ok("report", "disagreements", "--coders", "anna,ben", "-f", "md").stdout
    assert "Einheiten: 8 Absätze (von 12 in 1 Dokument; nicht gezählt: 3 Überschriften/" in md
    assert "1 als nicht relevant markiert" in md


def test_include_structural_counts_every_paragraph(cli, project, db_path):
    data = cli.json("agreement", "--coders", "anna,ben", "--include-structural")
    sets = coder_sets(db_path, "p.md")
    va = [frozenset(s - {NR}) for s in sets["anna"]]
    vb = [frozenset(s - {NR}) for s in sets["ben"]]
    po, k = kappa(va, vb)  # 12 units; the mark is no category (paragraph 3: both "no code")
    assert po == 8 / 12
    assert data["units"] == 12 and data["excluded"] == {"structural": 0, "not_relevant": 0}
    assert data["overall"]["percent_agreement"] == round(po, 4)
    assert data["overall"]["kappa"] == round(k, 4)
    text = cli.ok("agreement", "--coders", "anna,ben", "--include-structural").stdout
    assert "on 12 paragraphs of 1 document (headings, metadata and passages marked" in text


def test_agreement_on_the_demo(demo_cli, demo_db):
    """The issue's figures: anna/ben agreed on 89.5 % of 67 units, 19 of them headings and
    metadata; on the 48 content paragraphs it is 85.4 %."""
    from qualcode.structure import content_flags

    both = demo_cli.json("agreement", "--coders", "anna,ben", "--include-structural")
    data = demo_cli.json("agreement", "--coders", "anna,ben")
    assert both["units"] == 67 and both["overall"]["percent_agreement"] == 0.8955  # 60/67
    structural = 0
    for did, text in q(demo_db, "SELECT id, text FROM document WHERE name IN (?, ?)",
                       *data["document_names"]):  # fmt: skip
        spans = q(demo_db, "SELECT start, \"end\" FROM passage WHERE document_id = ? "
                  "AND unit = 'paragraph' ORDER BY start", did)  # fmt: skip
        structural += sum(not c for c in content_flags(text, spans))
    # the 7 disagreements are all on content paragraphs
    assert both["disagreement_count"] == data["disagreement_count"] == 7
    assert data["excluded"] == {"structural": structural, "not_relevant": 0}
    assert data["units"] == 67 - structural
    assert data["overall"]["agreements"] == data["units"] - 7
    assert data["overall"]["percent_agreement"] == round((data["units"] - 7) / data["units"], 4)
    if structural == 19:  # the heading detection of this commit: the 85.4 %
        assert data["overall"]["percent_agreement"] == 0.8542


# --- pairs within one coder ---------------------------------------------------------------


@pytest.fixture
def pairs_project(cli, write_file, tmp_path):
    """q.txt, 5 content paragraphs:
    0: anna A + anna B  (one coder: a co-occurrence)
    1: anna A + ben B   (two opinions)
    2: ben A + ben B + anna A (ben: a co-occurrence, counted once)
    3: konsens A + anna B (the consensus coder is a coder of its own)
    4: anna A"""
    spans = make_doc(
        cli, write_file, "q.txt", [f"Der Absatz Nummer {i} hat Inhalt." for i in range(5)]
    )
    rows = [
        ("q.txt", *spans[0], A, "anna"), ("q.txt", *spans[0], B, "anna"),
        ("q.txt", *spans[1], A, "anna"), ("q.txt", *spans[1], B, "ben"),
        ("q.txt", *spans[2], A, "ben"), ("q.txt", *spans[2], B, "ben"),
        ("q.txt", *spans[2], A, "anna"),
        ("q.txt", *spans[3], A, "konsens"), ("q.txt", *spans[3], B, "anna"),
        ("q.txt", *spans[4], A, "anna"),
    ]  # fmt: skip
    import_codings(cli, tmp_path, rows)
    return spans


def sql_pairs(db: str, across: bool) -> tuple[Counter, Counter]:
    """(units per code, units per pair) by SQL: codings touching each paragraph."""
    paras = paragraphs(db, "q.txt")
    per: dict[int, dict[str, set[str]]] = {}
    for coder, parent, name, s, e in q(
        db,
        'SELECT r.name, pk.name, k.name, c.start, c."end" FROM coding c JOIN code k ON '
        "k.id = c.code_id JOIN code pk ON pk.id = k.parent_id JOIN coder r ON r.id = c.coder_id",
    ):
        for i, (ps, pe) in enumerate(paras):
            if s < pe and e > ps:
                per.setdefault(i, {}).setdefault(coder, set()).add(f"{parent}/{name}")
    diag, pairs = Counter(), Counter()
    for by_coder in per.values():
        union = set().union(*by_coder.values())
        diag.update(union)
        groups = [union] if across else list(by_coder.values())
        pairs.update({p for g in groups for p in combinations(sorted(g), 2)})
    return diag, pairs


def test_cooc_pairs_within_one_coder_unless_asked(cli, pairs_project, db_path):
    for across, expected in ((False, 2), (True, 4)):
        diag, pairs = sql_pairs(db_path, across)
        assert pairs[(A, B)] == expected and diag == {A: 5, B: 4}
        args = ["report", "cooc", *(["--across-coders"] if across else [])]
        for extra in ([], ["--set", "alle"]):  # the sqlite3 fast path, then the ORM path
            if extra:
                cli.ok("set", "add", "alle", "q.txt")
            data = cli.json(*args, *extra)
            i, j = data["code_paths"].index(A), data["code_paths"].index(B)
            assert data["matrix"][i][j] == data["matrix"][j][i] == pairs[(A, B)]
            assert (data["matrix"][i][i], data["matrix"][j][j]) == (diag[A], diag[B])
            assert data["pairing"] == ("across-coders" if across else "within-coder")
            cli.ok("set", "remove", "alle") if extra else None
        text = cli.ok(*args).stdout
        assert ("pairs across coders" if across else "pairs within one coder") in text
    # per document: anna has A and B in q.txt, so both pairings count the one document
    assert cli.json("report", "cooc", "--unit", "document")["pairs"][0]["units"] == 1
    graphml = cli.ok("report", "cooc", "-f", "graphml", "--lang", "en").stdout
    assert "<desc>co-occurrence per passage, pairs within one coder</desc>" in graphml


def test_retrieve_and_pairs_within_one_coder(cli, pairs_project):
    spans = pairs_project

    def got(*extra):
        data = cli.json("retrieve", "A AND B", *extra)
        return data["pairing"], sorted(
            (s["start"], s["code"], ", ".join(s["coders"])) for s in data["rows"]
        )

    p = [s for s, _ in spans]
    assert got() == (
        "within-coder",
        [(p[0], A, "anna"), (p[0], B, "anna"), (p[2], A, "ben"), (p[2], B, "ben")],
    )
    pairing, segs = got("--across-coders")
    assert pairing == "across-coders"
    assert segs == sorted(
        [(p[0], A, "anna"), (p[0], B, "anna"), (p[1], A, "anna"), (p[1], B, "ben"),
         (p[2], A, "ben, anna"), (p[2], B, "ben"), (p[3], A, "konsens"), (p[3], B, "anna")]
    )  # fmt: skip
    out = cli.ok("retrieve", "A AND B").stdout
    assert out.rstrip().endswith("4 segments in 1 documents; pairs within one coder")
    # NOT: anna's A on paragraph 1 meets only ben's B — it stays
    data = cli.json("retrieve", "A NOT B")
    assert sorted((s["start"], ", ".join(s["coders"])) for s in data["rows"]) == [
        (p[1], "anna"),
        (p[2], "anna"),
        (p[3], "konsens"),
        (p[4], "anna"),
    ]


# --- check-sample --list ---------------------------------------------------------------------


def test_check_sample_list_counts_the_recoded_passages(cli, write_file, tmp_path, db_path):
    from qualcode.database import make_engine, transaction
    from qualcode.mayring.samples import sample_passages, set_check_codes

    spans = make_doc(cli, write_file, "s.txt", [f"Satz Nummer {i} mit Inhalt." for i in range(20)])
    import_codings(cli, tmp_path, [("s.txt", *sp, X, "anna") for sp in spans])
    cli.ok("--coder", "anna", "check-sample", "--share", "0.8", "--seed", "3", "--name", "s1")
    engine = make_engine(db_path)
    try:
        with transaction(engine, "test", "anna") as s:
            for p in sample_passages(s, "s1")[:5]:
                set_check_codes(s, p["id"], [X])
    finally:
        engine.dispose()
    ((n, done),) = q(
        db_path,
        "SELECT count(*), sum(CASE WHEN p.done THEN 1 ELSE 0 END) FROM check_passage p "
        "JOIN check_sample s ON s.id = p.sample_id WHERE s.name = 's1'",
    )
    assert (n, done) == (16, 5)
    (row,) = cli.json("check-sample", "--list")
    assert (row["units"], row["units_done"]) == (16, 5)
    assert re.search(r"\s5/16\s", cli.ok("check-sample", "--list").stdout)
    data = cli.json("agreement", "--sample", "s1")
    assert data["units"] == 5 and data["pending"] == 11
    assert (
        "5 re-coded passages of check sample s1 (11 pending)"
        in cli.ok("agreement", "--sample", "s1").stdout
    )


# --- report full ---------------------------------------------------------------------------


def test_report_full_summary_is_the_sum_of_its_sections(demo_cli, demo_db, tmp_path):
    # a not-relevant mark (the reserved code), a case summary (a quotation block too)
    demo_cli.ok("--coder", "anna", "mark", "protokoll_02.md", "--start", "0", "--end", "20",
                "--not-relevant")  # fmt: skip
    demo_cli.ok("--coder", "anna", "summary", "set", "protokoll_01.md",
                "Herausforderungen und Hindernisse", "Personal und Zeit fehlen.")  # fmt: skip
    demo_cli.ok("rq", "add", "F1", "-q", "Welche Hindernisse?", "-c", H)
    out = tmp_path / "full.html"
    info = demo_cli.json("report", "full", "-o", str(out))
    html = out.read_text(encoding="utf-8")
    sections = [int(n) for n in re.findall(r"Kodierte Segmente \((\d+)\)", html)]
    title = re.search(r"(\d+) kodierte Segmente in (\d+) Kategorien", html)
    assert title is not None
    # independently: per main category the distinct spans (document, start, end) coded with
    # it or a sub-code (the demo's tree is two deep), summed over the main categories (not
    # auto, not the mark); categories = codable codes but the mark
    (segments,) = q(
        demo_db,
        'SELECT count(*) FROM (SELECT DISTINCT c.document_id, c.start, c."end", '
        "coalesce(k.parent_id, k.id) FROM coding c JOIN code k ON k.id = c.code_id "
        "JOIN coder r ON r.id = c.coder_id WHERE r.name <> 'auto' AND k.name <> ?)",
        NR,
    )[0]
    (categories,) = q(demo_db, "SELECT count(*) FROM code WHERE codable AND name <> ?", NR)[0]
    (codings,) = q(demo_db, "SELECT count(*) FROM coding")[0]
    assert segments != codings  # anna's and ben's identical codings count once
    assert sum(sections) == segments == int(title.group(1)) == info["segments"]
    assert int(title.group(2)) == categories
    # the research question's figure is its category's section
    after = html[html.index(f"<h1>{H}</h1>") :]
    n_h = int(re.search(r"Kodierte Segmente \((\d+)\)", after).group(1))  # type: ignore[union-attr]
    assert f"Kodierte Segmente</dt><dd>{n_h} in " in html
    assert q(demo_db, "SELECT count(*) FROM code WHERE name = ? AND codable", NR) == [(1,)]


# --- the segment memo written in the workbench ---------------------------------------------


def test_workbench_memo_is_in_report_segments_and_report_full(demo_db, tmp_path):
    pytest.importorskip("textual")
    import asyncio

    from conftest import Run
    from test_tui import make

    async def write_memo():
        app = make(demo_db)
        async with app.run_test(size=(110, 30)) as pilot:
            screen = app.screen
            target = next(
                i
                for i, (s, e) in enumerate(screen.doc.paragraphs)
                if len(screen.doc.spans_at(s, e)) == 1
            )
            screen.view.goto_passage(target)
            await pilot.pause()
            (span,) = screen.doc.spans_at(*screen.view.sel)
            await pilot.press("o")
            await wait_until(pilot, lambda: app.screen is not screen, "the memo editor")
            app.screen.query_one("TextArea").text = "Beleg für Zeitdruck im Team."
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: app.screen is screen, "the editor to close")
            return span.id

    coding_id = asyncio.run(write_memo())
    ((memo, doc, start, end, parent, name),) = q(
        demo_db,
        'SELECT c.memo, d.name, c.start, c."end", pk.name, k.name FROM coding c '
        "JOIN document d ON d.id = c.document_id JOIN code k ON k.id = c.code_id "
        "JOIN code pk ON pk.id = k.parent_id WHERE c.id = ?",
        coding_id,
    )
    assert memo == "Beleg für Zeitdruck im Team."
    cli = Run(demo_db)
    cli.ok("memo", "add", "Zweite Notiz zur Stelle.", "--coding", str(coding_id))
    path = f"{parent}/{name}"
    data = cli.json("report", "segments", "--code", path)
    (seg,) = [s for s in data["rows"] if (s["document"], s["start"], s["end"]) == (doc, start, end)]
    # the coding's own memo, and the memo added to it as a Memo object (with its id)
    assert seg["memo"] == "Beleg für Zeitdruck im Team."
    assert [(m["on"], m["coding_id"], m["text"]) for m in seg["memos"]] == [
        ("coding", coding_id, "Zweite Notiz zur Stelle.")
    ]
    assert coding_id in seg["coding_ids"] and isinstance(seg["memos"][0]["id"], int)
    md = cli.ok("report", "segments", "--code", path).stdout
    assert "Memo: Beleg für Zeitdruck im Team." in md
    out = tmp_path / "full.html"
    cli.ok("report", "full", "-o", str(out))
    html = out.read_text(encoding="utf-8")
    assert "Beleg für Zeitdruck im Team." in html and "Zweite Notiz zur Stelle." in html


def test_retrieval_screen_query_pairs_within_one_coder_c_switches(demo_db):
    pytest.importorskip("textual")
    import asyncio

    from test_tui import make

    query = "Informationsfluss und Transparenz AND Übergänge"
    codings = q(
        demo_db,
        'SELECT c.document_id, c.start, c."end", k.name, c.coder_id FROM coding c '
        "JOIN code k ON k.id = c.code_id WHERE k.name IN (?, ?)",
        "Informationsfluss und Transparenz",
        "Übergänge",
    )

    def expected(across: bool) -> int:
        met = {
            (d, s, e, k)
            for d, s, e, k, who in codings
            for d2, s2, e2, k2, who2 in codings
            if d == d2 and k != k2 and s < e2 and s2 < e and (across or who == who2)
        }
        return len(met)  # segments: a span coded alike by several coders once

    within, across = expected(False), expected(True)
    assert (within, across) == (2, 4)

    async def run():
        app = make(demo_db)
        async with app.run_test(size=(140, 40)) as pilot:
            ret = await open_retrieval(app, pilot, "Personalmangel", 7)  # 9 codings on 7 spans
            await pilot.press("slash")
            await wait_until(pilot, lambda: app.screen is not ret, "the query prompt")
            app.screen.query_one("Input").value = query
            await pilot.press("enter")
            await wait_until(pilot, lambda: len(ret.segments) == within, "pairs of one coder")
            title = str(ret.query_one("#ret-title").render())
            assert "pairs within one coder" in title
            await pilot.press("c")
            await wait_until(pilot, lambda: len(ret.segments) == across, "pairs across coders")
            assert "pairs across coders" in str(ret.query_one("#ret-title").render())

    asyncio.run(run())
