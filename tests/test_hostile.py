"""Hostile input: each case is a clear one-line error (exit code 2, no traceback, the
project unchanged) or is handled correctly."""

from __future__ import annotations

import os
import sqlite3
import zipfile
from pathlib import Path

import pytest
from conftest import Run, db_snapshot, fresh_pg_database, pg_url

TEXT = "Erster Absatz des Protokolls.\n\nZweiter Absatz: Es fehlt an Zeit."


@pytest.fixture
def project(cli: Run, write_file) -> Run:
    cli.ok("import", str(write_file("prot.txt", TEXT)))
    cli.ok("codes", "add", "Kat/A")
    cli.ok("code", "prot.txt", "--start", "0", "--end", "6", "--code", "Kat/A")
    return cli


def refused(cli: Run, *args, contains: str, errors: int = 1, env: dict | None = None):
    """Run a command that must fail cleanly and leave the project as it was."""
    before = db_snapshot(cli.db)
    r = cli(*args, env=env)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == errors, lines
    assert all(ln.startswith("error: ") for ln in lines), lines
    assert contains in r.stderr, r.stderr
    assert "Traceback" not in r.output
    assert db_snapshot(cli.db) == before
    return r


def test_random_bytes_with_document_suffixes(project: Run, write_file) -> None:
    rnd = os.urandom(4096)
    files = [
        write_file(f"zufall{suffix}", b"\x00" + rnd)
        for suffix in (".txt", ".docx", ".pdf", ".odt", ".md")
    ]
    r = refused(
        project, "import", *map(str, files), contains="zufall.txt: binary content", errors=5
    )
    assert "zufall.docx: not a valid docx file" in r.stderr
    assert "zufall.pdf: not a readable pdf file" in r.stderr
    assert "0 imported" in r.stdout


def test_hundred_megabyte_text_is_refused_by_size(project: Run, tmp_path: Path) -> None:
    big = tmp_path / "riesig.txt"
    with big.open("wb") as fh:  # 100 MB (sparse: the limit is checked before reading)
        fh.write(b"Text " * 1000)
        fh.truncate(100 * 1024 * 1024)
    refused(
        project, "import", str(big), contains="riesig.txt: 100 MB is larger than the 20 MB limit"
    )


def test_nul_bytes_and_control_characters(project: Run, write_file) -> None:
    refused(
        project, "import", str(write_file("nul.txt", "Text\x00mit NUL")), contains="binary content"
    )
    # a few control characters in a real text are removed, the text is kept
    ctl = write_file("ctl.txt", "Absatz \x07eins\x1b[1m fett.\r\n\r\nZweiter\x0b Absatz\x7f.")
    project.ok("import", str(ctl))
    doc = project.json("docs", "show", "ctl.txt")
    assert doc["text"] == "Absatz eins[1m fett.\n\nZweiter Absatz."
    assert project.json("check")["ok"] is True


def test_lines_of_one_megabyte(project: Run, write_file) -> None:
    line = "Wort " * 210_000  # 1.05 MB without a line break (more than spaCy takes at once)
    project.ok("import", str(write_file("lang.txt", "Kurz.\n\n" + line)))
    paras = project.json("passages", "--doc", "lang.txt")
    assert [len(p["text"]) for p in paras] == [5, len(line.strip())]
    sentences = project.json("passages", "--doc", "lang.txt", "--unit", "sentence")
    assert all(s["start"] >= paras[1]["start"] for s in sentences[1:])
    assert project.json("check")["ok"] is True


def test_wrong_encodings(project: Run, write_file) -> None:
    project.ok(
        "import", str(write_file("latin1.txt", "Präsenz in Görlitz – „Hybrid“", encoding="cp1252"))
    )
    assert project.json("docs", "show", "latin1.txt")["text"] == "Präsenz in Görlitz – „Hybrid“"
    project.ok("import", str(write_file("utf16.txt", "\ufeffÜbergänge", encoding="utf-16-le")))
    assert project.json("docs", "show", "utf16.txt")["text"] == "Übergänge"
    refused(
        project,
        "import",
        str(write_file("kaputt.txt", b"\xff\xfeA\x00\xd8")),
        contains="kaputt.txt: broken UTF-16",
    )
    # UTF-16 without a BOM is binary-looking: refused, not imported as garbage
    refused(
        project,
        "import",
        str(write_file("ohnebom.txt", "Zeitmangel".encode("utf-16-le"))),
        contains="binary content",
    )


def test_path_traversal_and_absolute_paths_in_csv(project: Run, write_file, tmp_path: Path) -> None:
    csv = write_file(
        "codings.csv",
        "document,start,end,code\n../../etc/passwd,0,4,Kat/A\n/etc/passwd,0,4,Kat/A\nprot.txt,0,4,../../Kat\n",
    )
    r = refused(project, "codings", "import", str(csv), contains="nothing imported")
    assert "line 2: unknown document '../../etc/passwd'" in r.stderr
    assert "line 3: unknown document '/etc/passwd'" in r.stderr
    assert "line 4: unknown code '../../Kat'" in r.stderr
    refused(
        project,
        "import",
        str(tmp_path / ".." / ".." / "nirgends.txt"),
        contains="no such file or folder",
    )


def _qdpx(tmp_path: Path, name: str, qde: str, extra: dict[str, bytes] | None = None) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", qde)
        for member, data in (extra or {}).items():
            zf.writestr(member, data)
    return path


QDE_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
QDE_BODY = '<Project xmlns="urn:QDA-XML:project:1.0" name="x" origin="x"><CodeBook><Codes><Code guid="{g}" name="&{e};" isCodable="true"/></Codes></CodeBook></Project>'


def test_hostile_qdpx(project: Run, tmp_path: Path) -> None:
    pytest.importorskip("qualcode.refi")
    g = "11111111-2222-3333-4444-555555555555"
    laughs = (
        QDE_HEAD
        + '<!DOCTYPE p [<!ENTITY a "hahahahaha">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + "]>"
        + QDE_BODY.format(g=g, e="j")
    )
    xxe = (
        QDE_HEAD
        + '<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + QDE_BODY.format(g=g, e="x")
    )
    outside = tmp_path / "pwned.txt"
    traversal = _qdpx(
        tmp_path,
        "traversal.qdpx",
        QDE_HEAD + QDE_BODY.replace("&{e};", "Kat").format(g=g),
        {"../../pwned.txt": b"x", str(outside): b"x", "sources/../../../pwned.txt": b"x"},
    )
    bomb = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", QDE_HEAD + QDE_BODY.replace("&{e};", "Kat").format(g=g))
        zf.writestr("sources/big.txt", bytes(32 << 20))  # 32 MB of zeros in ~32 KB: ratio ~1000
    for path in (_qdpx(tmp_path, "laughs.qdpx", laughs), _qdpx(tmp_path, "xxe.qdpx", xxe), bomb):
        before = db_snapshot(project.db)
        r = project("refi", "import", str(path))
        assert r.exit_code == 2, (path.name, r.output)
        assert "Traceback" not in r.output
        assert [ln for ln in r.stderr.splitlines() if ln.strip()][0].startswith("error: ")
        assert db_snapshot(project.db) == before
    r = project("refi", "import", str(traversal), "--no-backup")
    assert r.exit_code in (0, 2) and "Traceback" not in r.output
    assert not outside.exists() and not (tmp_path.parent / "pwned.txt").exists()
    assert project.json("check")["ok"] is True


def _bulk_codes(session, rows: list[dict]) -> None:
    from sqlalchemy import insert

    from qualcode import audit
    from qualcode.models import Code, new_guid, utcnow
    from qualcode.textutil import name_key

    for r in rows:
        r.update(
            name_key=name_key(r["name"]),
            guid=new_guid(),
            created_at=utcnow(),
            color="#888888",
            codable=True,
        )
        r.update(description="", definition="", anchor="", rule="")
    ids = (
        session.execute(insert(Code).returning(Code.id, sort_by_parameter_order=True), rows)
        .scalars()
        .all()
    )
    for r, i in zip(rows, ids, strict=True):
        r["id"] = i
    audit.record_rows(session, "code", "insert", rows)


def test_ten_thousand_codes(project: Run) -> None:
    from qualcode.codebook import CodeTree
    from qualcode.database import make_engine, transaction

    engine = make_engine(project.db)
    # the core in one transaction (bulk insert, audited): `codes add` 10,000 times would take minutes
    with transaction(engine, "codes add (10,000)", "tester") as session:
        cats = [
            {"name": f"Kategorie {k}", "position": k + 1, "parent_id": None} for k in range(100)
        ]
        _bulk_codes(session, cats)
        rows = [
            {"name": f"Code {k}-{i} 50% a_b 'q' \"d\"", "position": i, "parent_id": c["id"]}
            for k, c in enumerate(cats)
            for i in range(99)
        ]
        _bulk_codes(session, rows)
    with transaction(engine, "x", "tester") as session:
        assert len(CodeTree.load(session).by_id) == 2 + 100 + 9900
    engine.dispose()
    codes = project.json("codes", "list")
    assert len(codes) == 10002
    last = codes[-1]["code"]
    assert last == "Kategorie 99/Code 99-98 50% a_b 'q' \"d\""
    project.ok("code", "prot.txt", "--start", "0", "--end", "6", "--code", last)
    assert [c["code"] for c in project.json("codings", "--code", last)] == [last]
    project.ok("codes", "add", "Kategorie 99/Neu")
    assert project.json("check")["ok"] is True
    project.ok(
        "undo", "-n", "3", "--force"
    )  # coding, `codes add` and the bulk creation (one action)
    assert [c["code"] for c in project.json("codes", "list")] == ["Kat", "Kat/A"]


def test_read_only_database(project: Run) -> None:
    ro = Run(f"sqlite:///file:{project.db}?mode=ro&uri=true")
    assert [c["code"] for c in ro.json("codes", "list")] == ["Kat", "Kat/A"]
    refused(ro, "codes", "add", "Neu", contains="the project database is read-only")
    refused(
        ro,
        "code",
        "prot.txt",
        "--start",
        "1",
        "--end",
        "5",
        "--code",
        "Kat/A",
        contains="read-only",
    )


def test_locked_database_sqlite(project: Run) -> None:
    other = sqlite3.connect(project.db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        r = refused(
            project, "code", "prot.txt", "--start", "1", "--end", "5", "--code", "Kat/A",
            contains="the project database is busy: another coder or program is writing (waited 0.3 s)",
            env={"QUALCODE_BUSY_TIMEOUT": "0.3"},
        )  # fmt: skip
        assert "QUALCODE_BUSY_TIMEOUT" in r.stderr
    finally:
        other.execute("ROLLBACK")
        other.close()
    project.ok("code", "prot.txt", "--start", "1", "--end", "5", "--code", "Kat/A")


@pytest.mark.postgres
def test_locked_database_postgresql(write_file) -> None:
    if not pg_url():
        pytest.skip("PostgreSQL tests need QUALCODE_TEST_PG_URL")
    import psycopg
    from sqlalchemy.engine import make_url

    from qualcode.database import PG_WRITE_LOCK

    with fresh_pg_database() as url:
        cli = Run(url)
        cli.ok("import", str(write_file("prot.txt", TEXT)))
        cli.ok("codes", "add", "Kat/A")
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo) as other:  # another writer in the middle of a transaction
            other.execute("SELECT pg_advisory_xact_lock(%s)", (PG_WRITE_LOCK,))
            refused(
                cli, "code", "prot.txt", "--start", "1", "--end", "5", "--code", "Kat/A",
                contains="the project database is busy", env={"QUALCODE_BUSY_TIMEOUT": "0.3"},
            )  # fmt: skip
            assert cli.json("codes", "list")  # readers do not wait
            other.rollback()
        cli.ok("code", "prot.txt", "--start", "1", "--end", "5", "--code", "Kat/A")


def test_full_disk(project: Run, write_file, monkeypatch) -> None:
    from qualcode import database

    original = database._sqlite_pragmas

    def tiny_disk(dbapi_conn, record) -> None:
        original(dbapi_conn, record)
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 8}")

    monkeypatch.setattr(database, "_sqlite_pragmas", tiny_disk)
    big = write_file("gross.txt", "\n\n".join(f"Absatz {i}: " + "Text " * 40 for i in range(2000)))
    refused(project, "import", str(big), contains="the disk is full")


def test_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(os.urandom(8192))
    r = Run(str(junk))("status")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert (
        r.stderr.strip()
        == f"error: {junk} is not a qualcode project (not an SQLite database, or damaged) — check --db; restore a backup if it was a project"
    )
    r = Run(str(tmp_path))("codes", "add", "X")
    assert r.exit_code == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.output
