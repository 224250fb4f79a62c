"""Recode maps (issue 6): CSV and TOML, splits by pattern, cycles and unknown targets refused."""

from __future__ import annotations

import pytest
from conftest import sqlite_dump

H = "Herausforderungen und Hindernisse"
DATA = (
    "coder",
    "document",
    "document_attribute",
    "code",
    "passage",
    "coding",
    "memo",
    "meta",
    "audit_entry",
    "audit_change",
)

TEXT = (
    "Es fehlt Personal an allen Schulen.\n\n"
    "Die Schulsozialarbeit ist unterbesetzt.\n\n"
    "Es fehlt Zeit für Fallberatung.\n\n"
    "Ziel: mehr Vernetzung im Verbund."
)


def dump(db: str, tables=DATA) -> dict[str, list[tuple]]:
    return sqlite_dump(db, tables)


@pytest.fixture
def project(cli, write_file):
    cli.ok("import", str(write_file("p1.md", TEXT)))
    for name in ("Personalmangel", "Fachkräftemangel", "Zeitmangel"):
        cli.ok("codes", "add", f"{H}/{name}")
    cli.ok("codes", "add", "Zielformulierungen/Vernetzung")
    spans = {
        "Personalmangel": [(0, 35), (37, 76)],
        "Fachkräftemangel": [(0, 35)],
        "Zeitmangel": [(78, 109)],
    }
    for name, ss in spans.items():
        for s, e in ss:
            cli.ok("code", "p1.md", "--start", str(s), "--end", str(e), "--code", f"{H}/{name}")
    cli.ok(
        "code", "p1.md", "--start", "111", "--end", "144", "--code", "Zielformulierungen/Vernetzung"
    )
    return cli


def codes_of(cli) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for c in cli.json("codings"):
        out.setdefault(c["code"], []).append((c["start"], c["end"]))
    return out


def test_csv_map_merges_and_renames_in_one_undoable_step(project, write_file, db_path):
    before = dump(db_path)
    mapping = write_file(
        "map.csv",
        f"from,to\n{H}/Fachkräftemangel,{H}/Personalmangel\n{H}/Zeitmangel,{H}/Ressourcen/Zeit\n",
    )
    out = project.json("recode", "--map", str(mapping), "--create")
    assert out["totals"] == {
        "moved": 1,  # the renamed code's coding
        "collapsed": 1,
        "subcodes_moved": 0,
        "subcodes_merged": 0,
        "memos_moved": 0,
        "codes_deleted": 1,
        "codes_created": 0,
        "codes_renamed": 1,
    }
    assert codes_of(project) == {
        f"{H}/Personalmangel": [(0, 35), (37, 76)],
        f"{H}/Ressourcen/Zeit": [(78, 109)],
        "Zielformulierungen/Vernetzung": [(111, 144)],
    }
    entry = project.json("log")[0]
    assert (
        entry["command"].startswith("qualcode recode --map") and "1 collapsed" in entry["summary"]
    )
    project.ok("undo")
    data = DATA[:8]
    assert dump(db_path, data) == {k: v for k, v in before.items() if k in data}


def test_toml_split_by_pattern_and_chain(project, write_file):
    mapping = write_file(
        "map.toml",
        f"""
[[rule]]
from = "{H}/Personalmangel"
to = "{H}/Personalmangel/Schulsozialarbeit"
match = "schulsozial"

[map]
"{H}/Fachkräftemangel" = "{H}/Zeitmangel"
"{H}/Zeitmangel" = "{H}/Ressourcen"
""",
    )
    out = project.json("recode", "--map", str(mapping), "--create")
    assert [r["rule"] for r in out["rules"]] == ["[map] entry 1", "[map] entry 2", "rule 1"]
    assert codes_of(project) == {
        f"{H}/Personalmangel": [(0, 35)],
        f"{H}/Personalmangel/Schulsozialarbeit": [
            (37, 76)
        ],  # the split: only the matching coding moved
        f"{H}/Ressourcen": [(0, 35), (78, 109)],  # chain Fachkräftemangel → Zeitmangel → Ressourcen
        "Zielformulierungen/Vernetzung": [(111, 144)],
    }
    paths = [c["code"] for c in project.json("codes", "list")]
    assert f"{H}/Fachkräftemangel" not in paths and f"{H}/Zeitmangel" not in paths


@pytest.mark.parametrize(
    "content",
    [
        f"from,to\n{H}/Personalmangel,{H}/Zeitmangel\n{H}/Zeitmangel,{H}/Personalmangel\n",
        f"from,to\n{H}/Personalmangel,{H}/Zeitmangel\n{H}/Zeitmangel,{H}/Fachkräftemangel\n{H}/Fachkräftemangel,{H}/Personalmangel\n",
    ],
    ids=["two", "three"],
)
def test_map_with_cycle_is_refused_before_anything_changes(project, write_file, db_path, content):
    before = dump(db_path)
    result = project("recode", "--map", str(write_file("cycle.csv", content)), "--create")
    assert result.exit_code == 2
    assert "cycle" in result.stderr and "nothing changed" in result.stderr
    assert dump(db_path) == before


def test_unknown_targets_refused_unless_create(project, write_file, db_path):
    content = f"{H}/Personalmangel;{H}/Neu/Personal\n{H}/Zeitmangel;{H}/Neu/Zeit\n{H}/Fachkräftemangel;{H}/Neu/Zeit\n"
    path = write_file("map.csv", content)
    before = dump(db_path)
    result = project("recode", "--map", str(path))
    assert (
        result.exit_code == 2
        and "unknown target codes" in result.stderr
        and "Neu/Zeit" in result.stderr
    )
    assert dump(db_path) == before
    dry = project.json("recode", "--map", str(path), "--create", "--dry-run")
    assert (
        dry["dry_run"] is True
        and dry["totals"]["codes_created"] == 1
        and dry["totals"]["codes_renamed"] == 1
    )
    assert dump(db_path) == before
    project.ok("recode", "--map", str(path), "--create")
    assert codes_of(project) == {
        f"{H}/Neu/Personal": [(0, 35), (37, 76)],
        f"{H}/Neu/Zeit": [(0, 35), (78, 109)],
        "Zielformulierungen/Vernetzung": [(111, 144)],
    }


def test_map_errors_are_listed_together(project, write_file, db_path):
    before = dump(db_path)
    content = f"from,to\nGibtEsNicht,{H}/Zeitmangel\n{H}/Zeitmangel,{H}/Zeitmangel\n{H}/Personalmangel,{H}/Zeitmangel\n{H}/Personalmangel,{H}/Fachkräftemangel\n"
    result = project("recode", "--map", str(write_file("bad.csv", content)))
    assert result.exit_code == 2
    for part in (
        "line 2: unknown code 'GibtEsNicht'",
        "line 3",
        "mapped to itself",
        "line 5",
        "already mapped",
    ):
        assert part in result.stderr
    assert dump(db_path) == before


def test_failure_mid_map_leaves_database_unchanged(project, write_file, db_path):
    project.ok("codes", "add", "Gruppe", "--group")
    before = dump(db_path)
    content = f"from,to\n{H}/Fachkräftemangel,{H}/Personalmangel\n{H}/Zeitmangel,Gruppe\n"
    result = project("recode", "--map", str(write_file("map.csv", content)))
    assert result.exit_code == 2 and "only groups codes" in result.stderr
    assert dump(db_path) == before


def test_map_can_change_only_the_spelling(project, write_file):
    path = write_file(
        "map.csv", f"{H}/Zeitmangel,{H}/ZEITMANGEL\n{H}/Fachkräftemangel,{H}/Personalmangel\n"
    )
    out = project.json("recode", "--map", str(path))
    assert [r["action"] for r in out["rules"]] == ["rename", "merge"]
    assert codes_of(project)[f"{H}/ZEITMANGEL"] == [(78, 109)]
