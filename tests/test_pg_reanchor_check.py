"""Re-anchoring on `import --update`, `qualcode check` and `qualcode backup` (both backends)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import Run, db_snapshot

from qualcode.reanchor import offset_map, reanchor_span

P1 = "Begrüßung durch die Schulleitung."
P2 = "Es fehlt an Zeit für Absprachen zwischen Schule und Jugendhilfe."
P3 = "Der Verbund trifft sich künftig vierteljährlich."
P4 = "Frau Riedel erstellt bis 30.11. eine Kontaktliste."


def _text(*paras: str) -> str:
    return "\n\n".join(paras)


def _code(cli: Run, doc: str, text: str, piece: str, code: str = "Kat/A") -> None:
    start = text.index(piece)
    cli.ok("code", doc, "--start", start, "--end", start + len(piece), "--code", code)


@pytest.fixture
def project(any_cli: Run, tmp_path: Path):
    path = tmp_path / "prot.txt"
    text = _text(P1, P2, P3, P4)
    path.write_text(text, encoding="utf-8")
    any_cli.ok("import", str(path))
    any_cli.ok("codes", "add", "Kat/A")
    any_cli.ok("codes", "add", "Kat/B")
    _code(any_cli, "prot.txt", text, P2)
    _code(any_cli, "prot.txt", text, P3, "Kat/B")
    _code(any_cli, "prot.txt", text, "vierteljährlich", "Kat/A")
    return any_cli, path


def _spans(cli: Run) -> list[tuple[str, str]]:
    return [(c["code"], c["text"]) for c in cli.json("codings")]


def test_inserted_paragraph_moves_codings(project) -> None:
    cli, path = project
    new = _text(P1, "Ein neuer Absatz, eingefügt vor den kodierten.", P2, P3, P4)
    path.write_text(new, encoding="utf-8")
    assert cli.json("import", str(path), "--update")["updated"] == 1
    codings = cli.json("codings")
    assert [(c["code"], c["start"], c["text"]) for c in codings] == [
        ("Kat/A", new.index(P2), P2),
        ("Kat/B", new.index(P3), P3),
        ("Kat/A", new.index("vierteljährlich"), "vierteljährlich"),
    ]
    check = cli.json("check")
    assert check["ok"] is True and check["orphaned_codings"] == 0 and check["orphans"] == []
    # passages follow the new text
    assert [p["text"] for p in cli.json("passages", "--doc", "prot.txt")][
        1
    ] == "Ein neuer Absatz, eingefügt vor den kodierten."


def test_deleted_text_orphans_codings_listed_by_check(project) -> None:
    cli, path = project
    before = db_snapshot(cli.db)
    new = _text(P1, P2.replace("Zeit", "Zeitressourcen"), P4)  # P3 deleted, P2 edited
    path.write_text(new, encoding="utf-8")
    cli.ok("import", str(path), "--update")
    codings = cli.json("codings")
    # the edited paragraph keeps its coding (the span covers the edited text)
    assert codings[0]["code"] == "Kat/A" and codings[0]["text"] == P2.replace(
        "Zeit", "Zeitressourcen"
    )
    check = cli.json("check")
    assert check["ok"] is True  # orphaned codings are for review, not corruption
    assert check["orphaned_codings"] == 2
    assert [(o["code"], o["text"]) for o in check["orphans"]] == [
        ("Kat/B", P3),
        ("Kat/A", "vierteljährlich"),
    ]
    assert cli.json("status")["orphaned_codings"] == 2
    human = cli.ok("check").output
    assert "2 orphaned codings to review" in human and "Der Verbund trifft sich" in human
    # nothing was dropped: still three codings; undo restores the old text and spans exactly
    assert len(codings) == 3
    cli.ok("undo")
    after_undo = db_snapshot(cli.db)
    for table in ("document", "coding", "passage"):
        assert after_undo[table] == before[table], table

    # the text comes back in a later version: the orphaned codings are re-attached
    cli.ok("redo")
    path.write_text(_text(P1, P2, P3, P4, "Nachtrag."), encoding="utf-8")
    cli.ok("import", str(path), "--update")
    assert cli.json("check")["orphaned_codings"] == 0
    assert sorted(_spans(cli)) == sorted(
        [("Kat/A", P2), ("Kat/B", P3), ("Kat/A", "vierteljährlich")]
    )


def test_reanchor_alignment_units() -> None:
    old = _text(P1, P2, P3, P4)
    # a moved paragraph is found again
    new = _text(P1, P3, P2, P4)
    m = offset_map(old, new)
    s = old.index(P2)
    assert reanchor_span(old, new, s, s + len(P2), m) == (new.index(P2), new.index(P2) + len(P2))
    # a repeated phrase: the occurrence nearest to the old place wins
    old2 = _text("Zeit fehlt.", "Mitte.", "Zeit fehlt.", "Ende.")
    new2 = _text("Neu.", "Zeit fehlt.", "Mitte geändert.", "Zeit fehlt.", "Ende.")
    m2 = offset_map(old2, new2)
    second = old2.rindex("Zeit fehlt.")
    assert reanchor_span(old2, new2, second, second + 11, m2) == (
        new2.rindex("Zeit fehlt."),
        new2.rindex("Zeit fehlt.") + 11,
    )
    # gone entirely
    new3 = _text(P1, P4)
    s3 = old.index(P3)
    assert reanchor_span(old, new3, s3, s3 + len(P3), offset_map(old, new3)) is None
    # a long protocol aligns (word-level diff) and maps unchanged stretches exactly
    big_old = "\n\n".join(f"Absatz {i}: {P2}" for i in range(3000))
    big_new = "Vorwort.\n\n" + big_old.replace("Absatz 1500:", "Absatz 1500 (korrigiert):")
    mb = offset_map(big_old, big_new)
    assert mb(0) == len("Vorwort.\n\n")
    pos = big_old.index("Absatz 2999")
    assert big_new[mb(pos) : mb(pos) + 11] == "Absatz 2999"


def test_check_finds_corruption_sqlite(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    text = _text(P1, P2, P3)
    path.write_text(text, encoding="utf-8")
    cli.ok("import", str(path))
    cli.ok("codes", "add", "Kat/A")
    cli.ok("codes", "add", "Kat/B")
    _code(cli, "a.txt", text, P2)
    assert cli.json("check")["ok"] is True
    con = sqlite3.connect(cli.db)
    con.execute("PRAGMA foreign_keys=OFF")
    with con:
        con.execute('UPDATE coding SET "end" = 9999')
        con.execute(
            "INSERT INTO coding (document_id, start, \"end\", code_id, coder_id, memo, orphaned, guid, created_at) SELECT document_id, 0, 3, 777, coder_id, '', 0, 'g', created_at FROM coding"
        )
        con.execute("DELETE FROM passage WHERE ordinal = 1 AND unit = 'paragraph'")
        con.execute("UPDATE document SET sha256 = 'x'")
        con.execute(
            "INSERT INTO memo (target_type, target_id, title, text, guid, created_at, updated_at) VALUES ('document', 55, '', 'm', 'g', '2026-01-01', '2026-01-01')"
        )
        con.execute("UPDATE code SET name = 'A', name_key = 'a' WHERE name = 'B'")
    con.close()
    r = cli("check", "--json")
    assert r.exit_code == 1
    import json

    result = json.loads(r.stdout)
    assert result["ok"] is False
    kinds = result["problem_counts"]
    assert (
        kinds["foreign_key"] == 1 and kinds["reference"] == 2
    )  # coding → code 777, memo → document 55
    assert kinds["span"] == 1 and kinds["checksum"] == 1 and kinds["code_tree"] == 1
    assert kinds["passage"] >= 1
    messages = " | ".join(p["message"] for p in result["problems"])
    assert "points at code 777, which does not exist" in messages
    assert "is on document 55" in messages
    assert "paragraph passages do not match" in messages
    assert "SHA-256" in messages
    human = cli("check")
    assert human.exit_code == 1 and "FAILED:" in human.output and "Traceback" not in human.output


def test_check_on_both_backends_spans_and_passages(any_cli: Run, tmp_path: Path) -> None:
    """Damage that needs no foreign-key tricks, detected on SQLite and PostgreSQL alike."""
    from sqlalchemy import create_engine, text

    from qualcode.config import database_url

    path = tmp_path / "a.txt"
    path.write_text(_text(P1, P2), encoding="utf-8")
    any_cli.ok("import", str(path))
    any_cli.ok("codes", "add", "K")
    any_cli.ok("code", "a.txt", "--start", "0", "--end", "5", "--code", "K")
    eng = create_engine(database_url(any_cli.db))
    with eng.begin() as conn:
        conn.execute(text('UPDATE coding SET start = 50, "end" = 40'))
        conn.execute(
            text('UPDATE passage SET "end" = "end" - 1 WHERE ordinal = 0 AND unit = \'paragraph\'')
        )
    eng.dispose()
    r = any_cli("check", "--json")
    assert r.exit_code == 1
    import json

    counts = json.loads(r.stdout)["problem_counts"]
    assert counts == {"span": 1, "passage": 1}


def test_backup(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(_text(P1, P2), encoding="utf-8")
    cli.ok("import", str(path))
    cli.ok("codes", "add", "K")
    target = tmp_path / "copy.sqlite"
    # a writer holding an open transaction does not block the backup; its rows are not in it
    other = sqlite3.connect(cli.db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO meta (key, value) VALUES ('uncommitted', 'x')")
    result = cli.json("backup", str(target))
    other.execute("ROLLBACK")
    other.close()
    assert result["backup"] == str(target)
    assert db_snapshot(str(target)) == db_snapshot(cli.db)
    assert Run(str(target)).json("check")["ok"] is True
    r = cli("backup", str(target))
    assert r.exit_code == 2 and "already exists" in r.output
    cli.ok("backup", str(target), "--force")
    folder = tmp_path / "backups"
    folder.mkdir()
    made = Path(cli.json("backup", str(folder))["backup"])
    assert made.parent == folder and made.name.startswith("project-")
    r = cli("backup", str(tmp_path / "missing" / "x.sqlite"))
    assert r.exit_code == 2 and "does not exist" in r.output
    assert not list(tmp_path.glob(".*.part-*"))


def test_backup_postgresql_points_at_pg_dump(any_cli: Run, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL only")
    any_cli.ok("codes", "add", "K")
    r = any_cli("backup", "x.sqlite")
    assert r.exit_code == 2
    assert "pg_dump --format=custom --host=127.0.0.1" in r.output and "pg_restore" in r.output
    assert not Path("x.sqlite").exists()
