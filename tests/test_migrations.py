"""Schema migrations: a project of the first schema version opens after `qualcode db upgrade`."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import ROOT, Run, db_snapshot, fresh_pg_database, pg_url

from qualcode import migrations
from qualcode.database import make_engine
from qualcode.models import SCHEMA_VERSION

V1 = ROOT / "tests" / "data" / "schema_v1.sqlite"


@pytest.fixture
def v1_db(tmp_path: Path) -> str:
    target = tmp_path / "old.sqlite"
    shutil.copy(V1, target)
    return str(target)


def _schema(db: str) -> dict[str, tuple]:
    from sqlalchemy import create_engine, inspect

    from qualcode.config import database_url

    eng = create_engine(database_url(db))
    try:
        insp = inspect(eng)
        out = {}
        for t in sorted(insp.get_table_names()):
            cols = tuple(sorted((c["name"], bool(c["nullable"])) for c in insp.get_columns(t)))
            idx = tuple(sorted(i["name"] for i in insp.get_indexes(t) if i["name"]))
            out[t] = (cols, idx)
        return out
    finally:
        eng.dispose()


def test_head_revision_is_the_schema_version() -> None:
    assert migrations.head() == migrations.HEAD_REVISION == migrations.revision_of(SCHEMA_VERSION)


def test_old_project_is_refused_until_upgraded(v1_db: str) -> None:
    cli = Run(v1_db)
    before = db_snapshot(v1_db)
    r = cli("codings")
    assert r.exit_code == 2
    assert r.output.strip() == (
        f"error: this project has the older schema version 1 (current {SCHEMA_VERSION}) — run `qualcode db upgrade` (it makes a backup first)"
    )
    assert db_snapshot(v1_db) == before


def test_upgrade_v1_fixture(v1_db: str, tmp_path: Path) -> None:
    cli = Run(v1_db)
    original = db_snapshot(v1_db)
    result = cli.json("db", "upgrade")
    assert result["upgraded"] is True
    assert (result["from_version"], result["to_version"]) == (1, SCHEMA_VERSION)
    assert (result["from_revision"], result["to_revision"]) == (None, migrations.HEAD_REVISION)
    # the automatic backup is the untouched old project
    backup = Path(result["backup"])
    assert backup.parent == tmp_path and backup.name.startswith("old.schema-v1-")
    assert db_snapshot(str(backup)) == original

    codings = cli.json("codings")
    assert [(c["document"], c["code"], c["coder"], c["text"]) for c in codings] == [
        (
            "p1.md",
            "Herausforderungen und Hindernisse/Zeitmangel",
            "anna",
            "Es fehlt an Zeit für Absprachen.",
        ),
        (
            "p1.md",
            "Herausforderungen und Hindernisse/Zeitmangel",
            "ben",
            "Es fehlt an Zeit für Absprachen.",
        ),
        (
            "p2.txt",
            "Zielformulierungen/Ausbau",
            "anna",
            "Die Schulsozialarbeit soll ausgebaut werden.",
        ),
    ]
    assert cli.json("docs", "show", "p1.md")["attributes"] == {
        "Format": "Präsenz",
        "Region": "Görlitz",
    }
    assert cli.json("check")["ok"] is True
    assert cli.json("status")["schema_version"] == SCHEMA_VERSION
    # the old data is unchanged; the new column is empty
    after = db_snapshot(v1_db)
    for table in ("document", "code", "passage", "memo", "coder", "audit_entry", "audit_change"):
        if table == "code":  # schema 3: research_question_id, anchor_coding_id (empty)
            assert [r[:-2] for r in after[table]] == original[table]
            assert all(r[-2:] == (None, None) for r in after[table])
            continue
        assert after[table] == original[table], table
    assert [r[:-1] for r in after["coding"]] == original["coding"] or all(
        r[-1] is None for r in after["coding"]
    )
    # the upgraded project has exactly the schema of a new one
    fresh = str(tmp_path / "fresh.sqlite")
    make_engine(fresh, create=True).dispose()
    assert _schema(v1_db) == _schema(fresh)
    # undo still works across the upgrade (the audit log of version 1 is read)
    cli.ok("undo", "--force")
    assert len(cli.json("codings")) == 2
    # a second upgrade has nothing to do
    again = cli.json("db", "upgrade")
    assert again["upgraded"] is False and again["backup"] is None
    assert (
        cli.ok("db", "upgrade").output.strip()
        == f"the project is up to date (schema version {SCHEMA_VERSION})"
    )


def test_upgrade_v1_without_suggest_cache(v1_db: str, tmp_path: Path) -> None:
    """The very first release had no suggest_cache table."""
    with sqlite3.connect(v1_db) as con:
        con.execute("DROP TABLE suggest_cache")
    cli = Run(v1_db)
    cli.ok("db", "upgrade", "--no-backup")
    assert list(tmp_path.glob("*.bak.sqlite")) == []
    fresh = str(tmp_path / "fresh.sqlite")
    make_engine(fresh, create=True).dispose()
    assert _schema(v1_db) == _schema(fresh)


def test_newer_project_is_refused(v1_db: str) -> None:
    with sqlite3.connect(v1_db) as con:
        con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    before = db_snapshot(v1_db)
    cli = Run(v1_db)
    for args in (
        ("status",),
        ("db", "upgrade"),
        ("code", "p1.md", "--start", "0", "--end", "3", "--code", "x"),
    ):
        r = cli(*args)
        assert r.exit_code == 2, args
        assert "schema version 99, newer than this qualcode supports" in r.output
        assert "Traceback" not in r.output
    assert db_snapshot(v1_db) == before


def test_upgrade_of_a_missing_project(tmp_path: Path) -> None:
    r = Run(str(tmp_path / "nothing.sqlite"))("db", "upgrade")
    assert r.exit_code == 2 and "no qualcode project at" in r.output
    assert not (tmp_path / "nothing.sqlite").exists()


@pytest.mark.postgres
def test_upgrade_on_postgresql() -> None:
    """A version-1 project on PostgreSQL (no orphan_text, no alembic_version) upgrades in place."""
    if not pg_url():
        pytest.skip("PostgreSQL tests need QUALCODE_TEST_PG_URL")
    from sqlalchemy import create_engine, text

    with fresh_pg_database() as url:
        cli = Run(url)
        cli.ok("init")
        cli.ok("codes", "add", "A/B")
        eng = create_engine(url)
        with eng.begin() as conn:
            conn.execute(text("ALTER TABLE coding DROP COLUMN orphan_text"))
            conn.execute(text("DROP TABLE alembic_version"))
            conn.execute(text("UPDATE meta SET value='1' WHERE key='schema_version'"))
        eng.dispose()
        r = cli("codes", "list")
        assert r.exit_code == 2 and "run `qualcode db upgrade`" in r.output
        result = cli.json("db", "upgrade")
        assert (
            result["upgraded"] is True and result["backup"] is None and "pg_dump" in result["hint"]
        )
        assert [c["code"] for c in cli.json("codes", "list")] == ["A", "A/B"]
        fresh_schema = None
        with fresh_pg_database() as url2:
            make_engine(url2, create=True).dispose()
            fresh_schema = _schema(url2)
        assert _schema(url) == fresh_schema


def test_failed_upgrade_is_rolled_back(v1_db: str, monkeypatch) -> None:
    """A migration that fails half-way leaves the old project exactly as it was."""
    from alembic import command

    def broken(cfg, revision) -> None:
        conn = cfg.attributes["connection"]
        conn.exec_driver_sql("ALTER TABLE coding ADD COLUMN orphan_text TEXT")
        conn.exec_driver_sql("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        raise RuntimeError("simulated failure in a migration")

    monkeypatch.setattr(command, "upgrade", broken)
    before, schema = db_snapshot(v1_db), _schema(v1_db)
    r = Run(v1_db)("db", "upgrade")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert r.stderr.startswith(
        "error: the upgrade failed and was rolled back: simulated failure in a migration"
    )
    assert "the project is unchanged; a backup is at" in r.stderr
    assert db_snapshot(v1_db) == before
    assert _schema(v1_db) == schema
