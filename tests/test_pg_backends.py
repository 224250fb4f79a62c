"""Storage and CLI on both backends: SQLite and (with QUALCODE_TEST_PG_URL) PostgreSQL."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, Run, db_snapshot

DOCS = ["protokoll_01.md", "protokoll_02.md", "protokoll_03.txt"]


@pytest.fixture
def corpus3(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus3"
    folder.mkdir()
    for name in DOCS:
        shutil.copy(CORPUS / name, folder / name)
    return folder


@pytest.fixture
def gold_csv(tmp_path: Path) -> tuple[Path, int]:
    """The gold codings of the three documents (quote form)."""
    rows = [
        r
        for r in csv.DictReader((CORPUS / "codings.csv").open(encoding="utf-8"))
        if r["document"] in DOCS
    ]
    path = tmp_path / "gold.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["document", "code", "coder", "quote"])
        w.writeheader()
        w.writerows(rows)
    return path, len(rows)


def test_import_code_undo_redo(any_cli: Run, corpus3: Path, gold_csv, backend: str) -> None:
    cli = any_cli
    imported = cli.json("import", str(corpus3))
    assert imported["imported"] == len(DOCS)
    assert [f["document"] for f in imported["files"]] == DOCS
    status = cli.json("status")
    assert status["backend"] == backend
    assert status["documents"] == 3
    paras = cli.json("passages", "--doc", "protokoll_01.md")
    assert len(paras) == status["passages"] - len(
        cli.json("passages", "--doc", "protokoll_02.md")
    ) - len(cli.json("passages", "--doc", "protokoll_03.txt"))

    path, n = gold_csv
    result = cli.json("codings", "import", str(path), "--create-codes")
    assert result == {"codings": n, "skipped": 0, "encoding": "utf-8"}
    assert len(cli.json("codings")) == n
    # a second import of the same file adds nothing
    again = cli.json("codings", "import", str(path))
    assert again == {"codings": 0, "skipped": n, "encoding": "utf-8"}

    p = paras[0]
    cli.ok("codes", "add", "Neu/Unterkategorie", "--definition", "Test")
    cli.ok(
        "code",
        "protokoll_01.md",
        "--start",
        str(p["start"]),
        "--end",
        str(p["end"]),
        "--code",
        "Neu/Unterkategorie",
        "--coder",
        "carla",
    )
    coded = cli.json("codings", "--code", "Neu/Unterkategorie")
    assert [(c["document"], c["start"], c["end"], c["coder"]) for c in coded] == [
        ("protokoll_01.md", p["start"], p["end"], "carla")
    ]

    before = db_snapshot(cli.db)
    cli.ok(
        "uncode",
        "protokoll_01.md",
        "--start",
        str(p["start"]),
        "--end",
        str(p["end"]),
        "--code",
        "Neu/Unterkategorie",
        "--force",  # carla's coding
    )
    assert cli.json("codings", "--code", "Neu/Unterkategorie") == []
    cli.ok("undo")
    assert cli.json("codings", "--code", "Neu/Unterkategorie") == coded
    cli.ok("redo")
    assert cli.json("codings", "--code", "Neu/Unterkategorie") == []
    cli.ok("undo")
    after = db_snapshot(cli.db)
    # the coding is back with its id; only the audit log differs
    assert before["coding"] == after["coding"]

    # removing a document and undoing it restores rows with their ids (explicit-id inserts)
    docs_before = db_snapshot(cli.db)
    cli.ok("docs", "remove", "protokoll_02.md", "--force")
    assert [d["document"] for d in cli.json("docs", "list")] == [
        "protokoll_01.md",
        "protokoll_03.txt",
    ]
    cli.ok("undo", "--force")
    restored = db_snapshot(cli.db)
    for table in ("document", "passage", "coding", "document_attribute"):
        assert restored[table] == docs_before[table], table
    # new rows after restoring explicit ids get fresh ids (sequences were not disturbed)
    cli.ok("code", "protokoll_02.md", "--start", "0", "--end", "5", "--code", "Neu/Unterkategorie")
    ids = [r[0] for r in db_snapshot(cli.db)["coding"]]
    assert len(ids) == len(set(ids)) == n + 2

    check = cli.json("check")
    assert check["ok"] is True, check["problems"]
    assert check["checked"]["codings"] == n + 2


def test_names_with_sql_metacharacters(any_cli: Run, write_file) -> None:
    cli = any_cli
    doc = write_file(
        "a%_b'.txt", "Erster Absatz mit 50% Anteil.\n\nZweiter_Absatz; DROP TABLE code; --"
    )
    cli.ok("import", str(doc))
    names = ["50%", "a_b", 'O\'Brien "x"', "x; DROP TABLE code; --", "Weg\\/Ziel", "%", "_"]
    for name in names:
        cli.ok("codes", "add", f"Sonder/{name}")
    paths = [c["code"] for c in cli.json("codes", "list")]
    assert paths == ["Sonder", *[f"Sonder/{n}" for n in names]]
    # exact matches only: "%" and "_" are not wildcards
    cli.ok("code", "a%_b'.txt", "--start", "0", "--end", "5", "--code", "Sonder/%")
    assert [c["code"] for c in cli.json("codings")] == ["Sonder/%"]
    assert cli.json("codings", "--code", "Sonder/_") == []
    r = cli("code", "a%_b'.txt", "--start", "0", "--end", "5", "--code", "Sonder/5%")
    assert r.exit_code == 2 and "unknown code" in r.output
    assert cli.json("docs", "show", "a%_b'.txt")["document"] == "a%_b'.txt"
    r = cli("docs", "show", "a%")
    assert r.exit_code == 2 and "unknown document" in r.output
    assert cli.json("check")["ok"] is True


def test_orphaned_flag_and_booleans(any_cli: Run, write_file) -> None:
    """Booleans (codable, orphaned) round-trip on both backends; re-anchoring on update."""
    cli = any_cli
    text = "Erster Absatz.\n\nZweiter Absatz wird kodiert.\n\nDritter Absatz."
    f = write_file("p.txt", text)
    s2, s3 = text.index("Zweiter"), text.index("Dritter")
    cli.ok("import", str(f))
    cli.ok("codes", "add", "Gruppe", "--group")
    cli.ok("codes", "add", "Gruppe/Kind")
    assert [c["codable"] for c in cli.json("codes", "list")] == [False, True]
    r = cli("code", "p.txt", "--start", s2, "--end", s2 + 28, "--code", "Gruppe")
    assert r.exit_code == 2 and "only groups" in r.output
    cli.ok("code", "p.txt", "--start", s2, "--end", s2 + 28, "--code", "Gruppe/Kind")
    cli.ok("code", "p.txt", "--start", s3, "--end", len(text), "--code", "Gruppe/Kind")
    f.write_text(
        "Neuer Absatz davor.\n\nErster Absatz.\n\nZweiter Absatz wird kodiert.", encoding="utf-8"
    )
    assert cli.json("import", str(f), "--update")["updated"] == 1
    check = cli.json("check")
    assert check["ok"] is True
    assert [(o["text"], o["code"]) for o in check["orphans"]] == [
        ("Dritter Absatz.", "Gruppe/Kind")
    ]
    moved = [c for c in cli.json("codings") if c["text"] == "Zweiter Absatz wird kodiert."]
    assert [(c["start"], c["end"]) for c in moved] == [(s2 + 21, s2 + 49)]
    assert cli.json("status")["orphaned_codings"] == 1
