"""Issue 14: the CLI does what the researcher means (exit code, message and database)."""

from __future__ import annotations

import conftest
import pytest
from conftest import db_snapshot, rows

H = "Herausforderungen und Hindernisse"


# --- item 4: codes by their leaf name or a unique suffix of their path ----------------------


def test_a_code_is_found_by_its_leaf_name_or_a_path_suffix(demo_cli) -> None:
    db = demo_cli.db
    out = demo_cli.ok(
        "code", "protokoll_04.md", "--start", "1235", "--end", "1421", "--code", "Zeitmangel"
    ).output
    assert f"with {H}/Zeitmangel" in out
    assert rows(
        db,
        "SELECT k.name FROM coding c JOIN code k ON k.id = c.code_id JOIN document d "
        "ON d.id = c.document_id WHERE d.name = 'protokoll_04.md' AND c.start = 1235 "
        "AND c.\"end\" = 1421 AND k.name = 'Zeitmangel'",
    ) == [("Zeitmangel",)]
    assert rows(db, "SELECT count(*) FROM code WHERE name = 'Zeitmangel'") == [(1,)]
    mine = demo_cli.json("codings", "--code", "zeitmangel", "--coder", "tester")
    assert [(c["document"], c["start"], c["code"]) for c in mine] == [
        ("protokoll_04.md", 1235, f"{H}/Zeitmangel")
    ]
    freq = demo_cli.json("report", "freq", "--code", "Zeitmangel")
    assert [r["code"] for r in freq["rows"]] == [f"{H}/Zeitmangel"]
    removed = demo_cli.ok(
        "uncode", "protokoll_04.md", "--start", "1235", "--end", "1421", "--code", "Zeitmangel"
    )
    assert removed.exit_code == 0
    assert demo_cli.json("codings", "--code", "Zeitmangel", "--coder", "tester") == []


def test_an_ambiguous_name_lists_the_candidates_and_changes_nothing(demo_cli) -> None:
    demo_cli.ok("codes", "add", "Zielformulierungen/Zeitmangel")
    before = db_snapshot(demo_cli.db)
    result = demo_cli(
        "code", "protokoll_04.md", "--start", "1235", "--end", "1421", "--code", "Zeitmangel"
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: code 'Zeitmangel' is ambiguous: 2 codes end with it "
        f"('{H}/Zeitmangel', 'Zielformulierungen/Zeitmangel') — give more of the path, "
        f"e.g. '{H}/Zeitmangel'"
    ]
    assert db_snapshot(demo_cli.db) == before
    ok = demo_cli(
        "code",
        "protokoll_04.md",
        "--start",
        "1235",
        "--end",
        "1421",
        "--code",
        "Hindernisse/Zeitmangel",
    )
    assert ok.exit_code == 2  # a suffix is made of whole names
    assert "unknown code 'Hindernisse/Zeitmangel'" in ok.output


def test_an_unknown_code_gets_a_did_you_mean_with_the_full_path(demo_cli) -> None:
    before = db_snapshot(demo_cli.db)
    result = demo_cli(
        "code", "protokoll_04.md", "--start", "1235", "--end", "1421", "--code", "Zeitmangle"
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: unknown code 'Zeitmangle' — did you mean '{H}/Zeitmangel'? "
        "(`qualcode codes list` shows all)"
    )
    assert db_snapshot(demo_cli.db) == before
    assert "did you mean" in demo_cli("report", "freq", "--code", "Zeitmangle").output


def test_a_longer_path_suffix_names_a_deeper_code(cli, write_file) -> None:
    cli.ok("import", str(write_file("p.md", "Es fehlt Zeit.\n\nEs fehlt Geld.")))
    cli.ok("codes", "add", "Ressourcen/Zeit/knapp")
    cli.ok("codes", "add", "Ressourcen/Geld/knapp")
    out = cli.ok("code", "p.md", "--start", "0", "--end", "14", "--code", "zeit/KNAPP").output
    assert "with Ressourcen/Zeit/knapp" in out
    assert rows(
        cli.db,
        "SELECT p.name FROM coding c JOIN code k ON k.id = c.code_id JOIN code p ON p.id = k.parent_id",
    ) == [("Zeit",)]
    assert cli("codings", "--code", "knapp").exit_code == 2


# --- item 5: deletions that reach others' work or many rows ask for --force -----------------

SPAN = ("protokoll_01.md", "--start", "2169", "--end", "2366")


def test_uncode_of_a_colleagues_coding_needs_force_and_says_what_it_would_remove(
    demo_cli,
) -> None:
    env = {"QUALCODE_CODER": "anna"}
    before = db_snapshot(demo_cli.db)
    result = demo_cli("uncode", *SPAN, env=env)
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: uncode protokoll_01.md 2169-2366 would remove 2 codings (anna 1, ben 1), "
        "1 of them by other coders — add --force to remove them, or --coder anna to remove "
        "only yours"
    )
    assert db_snapshot(demo_cli.db) == before
    assert demo_cli.ok("uncode", *SPAN, "--coder", "anna", env=env).output == "removed 1 coding\n"
    assert [
        c["coder"]
        for c in demo_cli.json("codings", "--doc", "protokoll_01.md")
        if c["start"] == 2169
    ] == ["ben"]
    assert demo_cli.ok("uncode", *SPAN, "--force", env=env).output == "removed 1 coding\n"


def test_uncode_of_many_own_codings_needs_force(cli, write_file) -> None:
    cli.ok("import", str(write_file("p.md", "x" * 100)))
    for i in range(21):
        cli.ok("code", "p.md", "--start", str(i), "--end", str(i + 1), "--code", "K", "--create")
    result = cli("uncode", "p.md", "--start", "0", "--end", "100", "--overlapping")
    assert result.exit_code == 2
    assert "would remove 21 codings (tester 21), more than 20 at once" in result.output
    assert rows(cli.db, "SELECT count(*) FROM coding") == [(21,)]
    cli.ok("uncode", "p.md", "--start", "0", "--end", "100", "--overlapping", "--force")
    assert rows(cli.db, "SELECT count(*) FROM coding") == [(0,)]


def test_docs_remove_with_codings_needs_force(demo_cli) -> None:
    before = db_snapshot(demo_cli.db)
    result = demo_cli("docs", "remove", "protokoll_01.md")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: document 'protokoll_01.md' has 31 codings (anna 16, ben 15); removing it "
        "removes them too — add --force to remove it with them (`qualcode undo` restores them)"
    )
    assert db_snapshot(demo_cli.db) == before
    out = demo_cli.ok("docs", "remove", "protokoll_01.md", "--force").output
    assert out == "removed protokoll_01.md and its 31 codings\n"
    assert rows(demo_cli.db, "SELECT count(*) FROM document WHERE name = 'protokoll_01.md'") == [
        (0,)
    ]


def test_undo_of_the_initial_import_needs_force(demo_cli) -> None:
    before = db_snapshot(demo_cli.db)
    result = demo_cli("undo")
    assert result.exit_code == 2
    assert result.output.startswith("error: undo would revert #1 'qualcode demo build ")
    assert "rows changed, more than 100 rows) — add --force" in result.output
    assert db_snapshot(demo_cli.db) == before
    # a small own action undoes without asking; a colleague's needs --force
    demo_cli.ok("code", *SPAN, "--code", "Personalmangel")
    demo_cli.ok("undo")
    demo_cli.ok("code", *SPAN, "--code", "Personalmangel", env={"QUALCODE_CODER": "ben"})
    refused = demo_cli("undo")
    assert refused.exit_code == 2 and "by ben" in refused.output
    demo_cli.ok("undo", "--force")
    demo_cli.ok("undo", "--force")
    assert rows(demo_cli.db, "SELECT count(*) FROM document") == [(0,)]


# --- item 3: frequencies count segments, and say so ------------------------------------------


def test_freq_counts_a_passage_coded_by_two_coders_once_and_says_so(demo_cli) -> None:
    zeit = f"{H}/Zeitmangel"

    def figures(*args):
        rows_ = demo_cli.json("report", "freq", *args)["rows"]
        return next((r["segments"], r["documents"]) for r in rows_ if r["code"] == zeit)

    segments = demo_cli.json("report", "segments", "--code", "Zeitmangel")["rows"]
    assert figures() == (6, 6) == (len(segments), 6)  # anna 6 + ben 2 on the same spans
    assert figures("--coder", "anna") == (6, 6)
    assert figures("--coder", "ben") == (2, 2)
    data = demo_cli.json("report", "freq", "--by-coder")
    assert data["by"] == "coder" and "counts" not in data
    assert data["groups"] == {"anna": 7, "ben": 2}  # the documents each coded (sqlite3: 7, 2)
    row = next(r for r in data["rows"] if r["code"] == zeit)
    assert (row["groups"]["anna"]["segments"], row["groups"]["ben"]["segments"]) == (6, 2)
    table = demo_cli.ok("report", "freq").stdout.splitlines()
    assert table[0] == (
        "counting segments: a passage coded with the same code by several coders (anna, ben) "
        "counts once; --by-coder splits them by coder"
    )
    split = demo_cli.ok("report", "freq", "--by-coder").stdout.splitlines()
    assert split[0] == "counting each coder's coded segments, one column per coder"
    assert "anna Σ codings" in split[2] and "ben Σ codings" in split[2]
    both = demo_cli("report", "freq", "--by", "Format", "--by-coder")
    assert both.exit_code == 2
    assert both.output.strip() == (
        "error: --by and --by-coder cannot be combined — group by an attribute or by coder"
    )


# --- item 6: paths are taken strictly ------------------------------------------------------


def test_backup_to_a_missing_folder_is_an_error_not_a_file(demo_cli, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = demo_cli("backup", "sicherung/")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: the folder sicherung/ does not exist — create it first (mkdir sicherung) "
        "or give a file name"
    )
    assert not (tmp_path / "sicherung").exists()
    (tmp_path / "sicherung").mkdir()
    demo_cli.ok("backup", "sicherung/")
    (copy,) = (tmp_path / "sicherung").iterdir()
    assert rows(str(copy), "SELECT count(*) FROM document") == [(14,)]


@pytest.mark.parametrize("args", [["tui"], []])
def test_the_workbench_on_a_missing_project_file_is_an_error_like_status(tmp_path, args) -> None:
    from conftest import Run

    typo = tmp_path / "typo.sqlite"
    run = Run(str(typo))
    status = run("status")
    result = run(*args)
    assert result.exit_code == status.exit_code == 2
    assert result.output.strip() == (
        f"error: no qualcode project at {typo} — check --db / QUALCODE_DB, or create one "
        f"with `qualcode init {typo}`"
    )
    assert list(tmp_path.iterdir()) == []


# --- item 8: reading order, "not relevant" ---------------------------------------------------


def test_marking_the_rest_not_relevant_brings_a_document_to_100_percent(demo_cli, tmp_path) -> None:
    def progress(name: str) -> float:
        return next(
            d["coded_share"] for d in demo_cli.json("docs", "list") if d["document"] == name
        )

    todo = demo_cli.json("passages", "--doc", "protokoll_01.md", "--uncoded")
    assert todo and not any(
        p["text"].startswith(("#", "Ort:")) for p in todo
    )  # headings and metadata are no work
    assert progress("protokoll_01.md") < 1
    for p in todo:
        out = demo_cli.ok(
            "mark",
            "protokoll_01.md",
            "--start",
            str(p["start"]),
            "--end",
            str(p["end"]),
            "--not-relevant",
        ).output
        assert out == f"marked protokoll_01.md {p['start']}-{p['end']} as 'Nicht relevant'\n"
    assert progress("protokoll_01.md") == 1.0
    assert demo_cli.json("passages", "--doc", "protokoll_01.md", "--uncoded") == []
    assert rows(
        demo_cli.db,
        "SELECT count(*), min(r.name) FROM coding c JOIN code k ON k.id = c.code_id "
        "JOIN coder r ON r.id = c.coder_id WHERE k.name = 'Nicht relevant' AND k.parent_id IS NULL",
    ) == [(len(todo), "tester")]
    # no category: frequencies and the matrix leave it out; REFI exports it as a code
    assert "Nicht relevant" not in [r["code"] for r in demo_cli.json("report", "freq")["rows"]]
    assert "Nicht relevant" not in demo_cli.json("report", "matrix")["code_paths"]
    demo_cli.ok("refi", "export", str(tmp_path / "book.qdc"))
    assert 'name="Nicht relevant"' in (tmp_path / "book.qdc").read_text(encoding="utf-8")
    # undoable; --relevant takes a mark away
    demo_cli.ok("undo")
    assert progress("protokoll_01.md") < 1
    last = todo[-2]
    out = demo_cli.ok(
        "mark",
        "protokoll_01.md",
        "--start",
        str(last["start"]),
        "--end",
        str(last["end"]),
        "--relevant",
    ).output
    assert out == f"removed 1 not-relevant mark on protokoll_01.md {last['start']}-{last['end']}\n"
    bad = demo_cli("mark", "protokoll_01.md", "--start", "0", "--end", "5")
    assert bad.exit_code == 2
    assert bad.output.strip() == (
        "error: say what to mark — give --not-relevant (or --relevant to take your mark away)"
    )


# --- item 9: memos on coded segments ---------------------------------------------------------


def test_codings_json_shows_both_kinds_of_memo_with_the_coding_id(cli, write_file) -> None:
    cli.ok("import", str(write_file("p.md", "Es fehlt Zeit.\n\nEs fehlt Geld.")))
    cli.ok(
        "code",
        "p.md",
        "--start",
        "0",
        "--end",
        "14",
        "--code",
        "Zeit",
        "--create",
        "--memo",
        "klar",
    )
    (coding,) = cli.json("codings")
    cli.ok("memo", "add", "--coding", str(coding["id"]), "Mit Ben besprechen.")
    (coding,) = cli.json("codings")
    assert coding["memo"] == "klar"
    assert [(m["on"], m["coding_id"], m["text"]) for m in coding["memos"]] == [
        ("coding", coding["id"], "Mit Ben besprechen.")
    ]


# --- codebook import FILE --------------------------------------------------------------------

STARTER = str(conftest.STARTER)


def test_codebook_import_merges_by_path_fills_gaps_and_undoes_in_one_step(cli) -> None:
    cli.ok("codes", "add", f"{H}/Zeitmangel", "--definition", "eigene Definition")
    before = db_snapshot(cli.db)
    dry = cli.ok("codebook", "import", STARTER, "--dry-run").stdout.splitlines()
    assert dry[0] == "dry run — nothing was changed; this would happen:"
    assert db_snapshot(cli.db) == before
    out = cli.ok("codebook", "import", STARTER).stdout.splitlines()
    assert f"updated  {H}/Zeitmangel (anchor, description, rule)" in out
    assert out[-1] == (
        "26 added, 2 updated, 0 unchanged (existing fields kept; --update overwrites them)"
    )
    assert len(cli.json("codes", "list")) == 28
    zeit = rows(cli.db, "SELECT definition, description FROM code WHERE name = 'Zeitmangel'")
    assert zeit[0][0] == "eigene Definition" and zeit[0][1].startswith("Fehlende zeitliche")
    again = cli.json("codebook", "import", STARTER)
    assert (again["added"], again["updated"], again["unchanged"], again["rows"]) == (0, 0, 28, [])
    updated = cli.json("codebook", "import", STARTER, "--update")["rows"]
    assert {
        "code": f"{H}/Zeitmangel",
        "status": "updated",
        "fields": ["color", "definition"],
    } in updated
    cli.ok("undo")  # the --update
    cli.ok("undo")  # the import (the second import changed nothing: no step)
    assert db_snapshot(cli.db)["code"] == before["code"]


def test_codebook_import_from_csv_xlsx_and_qdc(cli, write_file, tmp_path) -> None:
    path = write_file(
        "buch.csv",
        "Kategorie;Definition;Ankerbeispiel;Farbe;kodierbar\n"
        "Ziele;;;#112233;nein\n"
        "Ziele/Vernetzung;Austausch im Verbund;„Wir wollen uns vernetzen.“;;ja\n",
    )
    added = cli.json("codebook", "import", str(path))
    assert added["added"] == 2
    assert [(r["code"], r["status"]) for r in added["rows"]] == [
        ("Ziele", "added"),
        ("Ziele/Vernetzung", "added"),
    ]
    assert rows(
        cli.db, "SELECT name, definition, anchor, color, codable FROM code ORDER BY id"
    ) == [
        ("Ziele", "", "", "#112233", 0),
        (
            "Vernetzung",
            "Austausch im Verbund",
            "„Wir wollen uns vernetzen.“",
            rows(cli.db, "SELECT color FROM code WHERE name = 'Vernetzung'")[0][0],
            1,
        ),
    ]
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["path", "rule"])
    wb.active.append(["Ziele/Vernetzung/Digital", "Nur digitale Formate."])
    wb.save(tmp_path / "buch.xlsx")
    assert [
        r["code"] for r in cli.json("codebook", "import", str(tmp_path / "buch.xlsx"))["rows"]
    ] == ["Ziele/Vernetzung/Digital"]
    cli.ok("refi", "export", str(tmp_path / "buch.qdc"))
    from conftest import Run

    other = Run(str(tmp_path / "other.sqlite"))
    other.ok("init")
    assert other.json("codebook", "import", str(tmp_path / "buch.qdc"))["added"] == 3
    assert rows(other.db, "SELECT rule FROM code WHERE name = 'Digital'") == [
        ("Nur digitale Formate.",)
    ]


def test_codebook_import_errors_name_the_line_and_change_nothing(cli, write_file) -> None:
    cli.ok("codes", "add", "A")
    before = db_snapshot(cli.db)
    bad = write_file("bad.csv", "path,color\nB,#123456\nC,rot\n")
    result = cli("codebook", "import", str(bad))
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: bad.csv, line 3: invalid colour 'rot' — use #RRGGBB, e.g. #D62728"
    )
    nohead = write_file("nohead.csv", "name,rule\nB,x\n")
    assert "no column 'path'" in cli("codebook", "import", str(nohead)).output
    assert cli("codebook", "import", "buch.txt").exit_code == 2
    assert db_snapshot(cli.db) == before


# --- item 10: smaller things -----------------------------------------------------------------


def test_a_value_that_does_not_parse_gets_one_plain_line(demo_cli) -> None:
    result = demo_cli(
        "code", "protokoll_01.md", "--start", "abc", "--end", "5", "--code", "Zeitmangel"
    )
    assert result.exit_code == 2
    assert result.output.strip() == "error: --start must be a whole number — e.g. --start 120"
    assert demo_cli("report", "freq", "--level", "0").output.strip() == (
        "error: --level must be at least 1 — see --help"
    )


def test_docs_set_without_a_value_suggests_key_value_not_attr(demo_cli) -> None:
    result = demo_cli("docs", "set", "protokoll_01.md", "Region")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: attribute 'Region' is not KEY=VALUE — write Region=VALUE, e.g. Format=Präsenz "
        "(Region= with nothing after it removes the attribute)"
    )
    assert "--attr" not in result.output


def test_counts_in_messages_are_singular_for_one(cli, write_file) -> None:
    cli.ok("import", str(write_file("p.md", "Es fehlt Zeit.")))
    cli.ok("code", "p.md", "--start", "0", "--end", "14", "--code", "K", "--create")
    assert (
        cli("codes", "delete", "K")
        .output.strip()
        .startswith("error: code 'K' has 1 coding and 0 sub-codes")
    )
    assert "(id 1, 14 characters, 1 coding)" in cli.ok("docs", "show", "p.md").output


def test_a_new_sub_code_gets_a_shade_of_its_parents_colour(cli) -> None:
    import colorsys

    cli.ok("codes", "add", "Hindernisse", "--color", "#D62728")
    cli.ok("codes", "add", "Hindernisse/Zeit")
    cli.ok("codes", "add", "Hindernisse/Geld")
    colors = dict(rows(cli.db, "SELECT name, color FROM code"))
    assert len(set(colors.values())) == 3  # told apart …

    def hue(c: str) -> float:
        return colorsys.rgb_to_hls(*(int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)))[0]

    assert all(abs(hue(c) - hue("#D62728")) < 0.01 for c in colors.values())  # … one family


def test_a_damaged_pdf_is_one_line_without_pypdf_warnings(db_path, write_file) -> None:
    import subprocess
    import sys

    from conftest import ROOT

    bad = write_file("kaputt.pdf", b"%PDF-1.4\ngarbage\n")
    proc = subprocess.run(  # a real process: pypdf logs to stderr there
        [sys.executable, "-m", "qualcode", "--db", db_path, "import", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: kaputt.pdf: not a readable pdf file (PdfStreamError) — open and re-save it, "
        "or export it as .txt"
    ]


def test_xlsx_keeps_a_numeric_attribute_a_number(demo_cli, tmp_path) -> None:
    import openpyxl

    out = tmp_path / "m.xlsx"
    demo_cli.ok("report", "matrix", "-o", str(out))
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    col = header.index("Teilnehmende")
    assert ws.cell(row=2, column=col + 1).value == 23  # a number, not the text '23'
    assert ws.cell(row=2, column=header.index("Format") + 1).value == "Präsenz"


def test_agreement_files_keep_the_whole_disagreement_text(demo_cli, tmp_path) -> None:
    import openpyxl

    data = demo_cli.json("agreement", "--coders", "anna,ben")
    texts = {(p["document"], p["start"], p["end"]): p["text"] for p in demo_cli.json("passages")}
    long = [d for d in data["disagreements"] if d["end"] - d["start"] > 240]
    assert long  # the demo has some
    assert all(d["text"] == texts[(d["document"], d["start"], d["end"])] for d in long)
    out = tmp_path / "a.xlsx"
    demo_cli.ok("agreement", "--coders", "anna,ben", "-o", str(out))
    cells = [
        c.value for row in openpyxl.load_workbook(out)["Abweichungen"].iter_rows() for c in row
    ]
    assert all(d["text"] in cells for d in long)


def test_quotations_of_markdown_documents_lose_the_markup(cli, write_file, tmp_path) -> None:
    text = "# Protokoll\n\n**Ort:** Aula, *wichtig*\n\n## TOP 1 Begrüßung"
    cli.ok("import", str(write_file("p.md", text)))
    cli.ok("import", str(write_file("q.txt", "**Ort:** bleibt")))
    for doc, s, e in (("p.md", 0, 37), ("q.txt", 0, 15)):
        cli.ok("code", doc, "--start", str(s), "--end", str(e), "--code", "K", "--create")
    segs = cli.json("report", "segments", "--code", "K")["rows"]
    assert [x["text"] for x in segs] == [
        "Protokoll\n\nOrt: Aula, wichtig",
        "**Ort:** bleibt",  # not Markdown: as it stands
    ]
    cli.ok("report", "segments", "--code", "K", "-o", str(tmp_path / "z.md"))
    assert "**Ort:**" not in (tmp_path / "z.md").read_text(encoding="utf-8").split("q.txt")[0]
