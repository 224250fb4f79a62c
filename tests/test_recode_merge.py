"""Merging codes (issue 6): codings move, identical ones collapse, undo restores exactly."""

from __future__ import annotations

import pytest
from conftest import sqlite_dump
from sqlalchemy import select

from qualcode.database import reading, transaction
from qualcode.errors import QualcodeError
from qualcode.models import Code, Coding, Memo

H = "Herausforderungen und Hindernisse"
DATA = ("coder", "document", "document_attribute", "code", "passage", "coding", "memo", "meta")


def dump(db: str) -> dict[str, list[tuple]]:
    return sqlite_dump(db, DATA)


TEXT = "Es fehlt Personal an allen Schulen.\n\nEs fehlt Zeit für Fallberatung.\n\nZiel: mehr Vernetzung im Verbund."


@pytest.fixture
def project(cli, write_file, engine):
    cli.ok(
        "import",
        str(write_file("p1.md", "---\nFormat: Präsenz\n---\n" + TEXT)),
        str(write_file("p2.md", "---\nFormat: Web\n---\n" + TEXT)),
    )
    cli.ok(
        "codes",
        "add",
        f"{H}/Personalmangel",
        "--definition",
        "Zu wenig Personal.",
        "--anchor",
        "Es fehlt Personal.",
    )
    cli.ok(
        "codes",
        "add",
        f"{H}/Fachkräftemangel",
        "--definition",
        "Fachkräfte fehlen.",
        "--rule",
        "nur Fachkräfte",
    )
    cli.ok("codes", "add", f"{H}/Fachkräftemangel/Lehrkräfte")
    cli.ok("codes", "add", f"{H}/Personalmangel/Lehrkräfte")
    cli.ok("codes", "add", f"{H}/Fachkräftemangel/Sonderpädagogik")
    # identical span, same coder → collapses; overlapping span → stays
    cli.ok(
        "code",
        "p1.md",
        "--start",
        "0",
        "--end",
        "35",
        "--code",
        f"{H}/Personalmangel",
        "--memo",
        "klar",
    )
    cli.ok(
        "code",
        "p1.md",
        "--start",
        "0",
        "--end",
        "35",
        "--code",
        f"{H}/Fachkräftemangel",
        "--memo",
        "Schulen",
    )
    cli.ok("code", "p1.md", "--start", "0", "--end", "17", "--code", f"{H}/Fachkräftemangel")
    cli.ok(
        "code",
        "p2.md",
        "--start",
        "0",
        "--end",
        "35",
        "--code",
        f"{H}/Fachkräftemangel",
        "--coder",
        "ben",
    )
    cli.ok(
        "code", "p2.md", "--start", "0", "--end", "35", "--code", f"{H}/Fachkräftemangel/Lehrkräfte"
    )
    cli.ok(
        "code", "p2.md", "--start", "0", "--end", "35", "--code", f"{H}/Personalmangel/Lehrkräfte"
    )
    cli.ok("memo", "add", "Fachkräfte: Sachsenweit", "--code", f"{H}/Fachkräftemangel")
    with reading(engine) as session:
        coding_id = session.execute(
            select(Coding.id)
            .join(Code, Code.id == Coding.code_id)
            .where(Code.name == "Fachkräftemangel", Coding.end == 35, Coding.memo == "Schulen")
        ).scalar_one()
    cli.ok("memo", "add", "Memo on a coding that collapses", "--coding", str(coding_id))
    return cli


def test_merge_moves_collapses_and_merges_subcodes(project, engine, db_path):
    from qualcode.recode import merge_codes

    with transaction(engine, "test merge", "tester") as session:
        r = merge_codes(session, f"{H}/Fachkräftemangel", f"{H}/Personalmangel")
    assert (
        r["moved"],
        r["collapsed"],
        r["subcodes_moved"],
        r["subcodes_merged"],
        r["memos_moved"],
    ) == (2, 2, 1, 1, 1)
    assert r["source_deleted"] is True
    paths = [c["code"] for c in project.json("codes", "list")]
    assert f"{H}/Fachkräftemangel" not in paths
    assert (
        f"{H}/Personalmangel/Sonderpädagogik" in paths and f"{H}/Personalmangel/Lehrkräfte" in paths
    )
    codings = [
        (c["document"], c["start"], c["end"], c["code"].split("/")[-1], c["coder"], c["memo"])
        for c in project.json("codings")
    ]
    assert codings == [
        ("p1.md", 0, 17, "Personalmangel", "tester", ""),  # overlapping: kept separately
        (
            "p1.md",
            0,
            35,
            "Personalmangel",
            "tester",
            "klar\n\nSchulen",
        ),  # identical: collapsed, memo folded
        ("p2.md", 0, 35, "Personalmangel", "ben", ""),  # other coder: moved
        (
            "p2.md",
            0,
            35,
            "Lehrkräfte",
            "tester",
            "",
        ),  # sub-codes of the same name merged → collapsed
    ]
    shown = project.json("codes", "show", f"{H}/Personalmangel")
    assert shown["definition"] == "Zu wenig Personal.\n\nFachkräfte fehlen."
    assert shown["rule"] == "nur Fachkräfte" and shown["anchor"] == "Es fehlt Personal."
    assert [m["text"] for m in shown["memos"]] == ["Fachkräfte: Sachsenweit"]
    with reading(engine) as session:
        survivor = session.execute(
            select(Coding).where(Coding.start == 0, Coding.end == 35, Coding.memo != "")
        ).scalar_one()
        memo = session.execute(select(Memo).where(Memo.target_type == "coding")).scalar_one()
        assert memo.target_id == survivor.id


def test_undo_after_merge_restores_everything_exactly(project, engine, db_path):
    before = dump(db_path)
    project.ok("recode", "--from", f"{H}/Fachkräftemangel", "--to", f"{H}/Personalmangel")
    after = dump(db_path)
    assert after != before
    project.ok("undo")
    assert dump(db_path) == before
    project.ok("redo")
    assert dump(db_path) == after
    project.ok("undo")
    assert dump(db_path) == before


def test_merge_into_own_subcode_needs_keep(project, engine):
    from qualcode.recode import merge_codes

    with (
        pytest.raises(QualcodeError, match="own sub-code"),
        transaction(engine, "t", "tester") as session,
    ):
        merge_codes(session, f"{H}/Fachkräftemangel", f"{H}/Fachkräftemangel/Lehrkräfte")
    with transaction(engine, "t", "tester") as session:
        r = merge_codes(
            session, f"{H}/Fachkräftemangel", f"{H}/Fachkräftemangel/Lehrkräfte", keep=True
        )
    assert (r["moved"], r["collapsed"], r["source_deleted"]) == (
        3,
        0,
        False,
    )  # ben's coding is not identical


def test_filters_split_only_selected_codings(project, engine):
    from qualcode.recode import merge_codes

    with transaction(engine, "t", "tester") as session:
        r = merge_codes(
            session, f"{H}/Fachkräftemangel", f"{H}/Personalmangel", where={"format": "präsenz"}
        )
        assert (r["moved"], r["collapsed"], r["source_deleted"]) == (1, 1, False)
        left = (
            session.execute(
                select(Coding.document_id)
                .join(Code, Code.id == Coding.code_id)
                .where(Code.name == "Fachkräftemangel")
            )
            .scalars()
            .all()
        )
        assert len(left) == 1
    with transaction(engine, "t", "tester") as session:
        r = merge_codes(
            session, f"{H}/Fachkräftemangel", f"{H}/Personalmangel", coder="ben", match="schulen"
        )
        assert (r["moved"], r["collapsed"]) == (1, 0)


def test_merge_refuses_uncodable_target_and_changes_nothing(project, db_path):
    project.ok("codes", "edit", H, "--group")
    before = dump(db_path)
    result = project("recode", "--from", f"{H}/Fachkräftemangel", "--to", H)
    assert result.exit_code == 2 and "only groups codes" in result.stderr
    assert dump(db_path) == before


def test_memos_of_both_codes_are_joined_and_undo_restores_them(project, db_path):
    project.ok(
        "memo", "add", "Personal: landesweit", "--code", f"{H}/Personalmangel", "--title", "Stand"
    )
    before = dump(db_path)
    out = project.json("recode", "--from", f"{H}/Fachkräftemangel", "--to", f"{H}/Personalmangel")
    assert out["memos_moved"] == 1 and out["dry_run"] is False
    memos = project.json("codes", "show", f"{H}/Personalmangel")["memos"]
    assert [m["text"] for m in memos] == [
        f"Personal: landesweit\n\n[Memo — aus {H}/Fachkräftemangel]\nFachkräfte: Sachsenweit"
    ]
    assert project.json("log")[0]["row_changes"] >= 8
    project.ok("undo")
    assert dump(db_path) == before


def test_recode_renames_moves_and_respells(project, db_path):
    before = dump(db_path)
    r = project.json("recode", "--from", f"{H}/Fachkräftemangel", "--to", f"{H}/fachkräftemangel")
    assert r["action"] == "rename"
    ids = {c["code"]: c["id"] for c in project.json("codes", "list")}
    assert f"{H}/fachkräftemangel" in ids and f"{H}/fachkräftemangel/Lehrkräfte" in ids
    refused = project(
        "recode",
        "--from",
        f"{H}/fachkräftemangel",
        "--to",
        f"{H}/fachkräftemangel/Neu/X",
        "--create",
    )
    assert refused.exit_code == 2 and "own new sub-code" in refused.stderr
    unknown = project("recode", "--from", f"{H}/fachkräftemangel", "--to", "Ressourcen/Fachkräfte")
    assert unknown.exit_code == 2 and "unknown code" in unknown.stderr
    project.ok(
        "recode", "--from", f"{H}/fachkräftemangel", "--to", "Ressourcen/Fachkräfte", "--create"
    )
    after = {c["code"]: c["id"] for c in project.json("codes", "list")}
    assert after["Ressourcen/Fachkräfte"] == ids[f"{H}/fachkräftemangel"]  # same code, same id
    assert after["Ressourcen/Fachkräfte/Lehrkräfte"] == ids[f"{H}/fachkräftemangel/Lehrkräfte"]
    project.ok("undo", "--steps", "2")
    assert dump(db_path) == before
