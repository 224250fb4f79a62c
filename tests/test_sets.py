"""Document sets: by hand and by attribute rule; `--set` restricts reports, search, agreement."""

from __future__ import annotations

import pytest

from tests.test_reports import build_small


@pytest.fixture
def small(cli, write_file, tmp_path):
    cli = build_small(cli, write_file, tmp_path)
    cli.ok("docs", "set", "a.txt", "Teilnehmende=12", "Datum=2024-03-01")
    cli.ok("docs", "set", "b.txt", "Teilnehmende=30", "Datum=2024-07-15")
    cli.ok("docs", "set", "c.txt", "Teilnehmende=20", "Datum=2024-05-02")
    return cli


def members(cli, name):
    return cli.json("set", "show", name)["document_names"]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("Format=Präsenz", ["a.txt", "c.txt"]),
        ("format=präsenz AND Teilnehmende>=20", ["c.txt"]),
        ("Format=Web OR NOT Format=Präsenz", ["b.txt", "d.txt"]),
        ("Teilnehmende>12", ["b.txt", "c.txt"]),
        ("Teilnehmende!=30", ["a.txt", "c.txt", "d.txt"]),
        ("Datum=2024-03-01..2024-06-30", ["a.txt", "c.txt"]),
        ("Datum=2024-05-01..", ["b.txt", "c.txt"]),
        ("(Format=Präsenz OR Format=Web) NOT Datum<2024-04-01", ["b.txt", "c.txt"]),
    ],
)
def test_rules_select_exactly(small, rule, expected):
    small.ok("set", "add", "s", "--rule", rule)
    assert members(small, "s") == expected


def test_hand_sets_add_remove_list_undo(small):
    assert small.json("set", "add", "Auswahl", "a.txt", "d.txt") == {
        "id": 1,
        "set": "Auswahl",
        "created": True,
        "rule": None,
        "added": 2,
        "documents": 2,
    }
    assert small.json("set", "add", "auswahl", "b.txt", "a.txt")["added"] == 1
    small.ok("set", "add", "Web", "--rule", "Format=Web")
    rows = small.json("set", "list")
    assert [(r["set"], r["documents"], r["rule"]) for r in rows] == [
        ("Auswahl", 3, None),
        ("Web", 1, "Format=Web"),
    ]
    assert small.json("set", "remove", "Auswahl", "d.txt")["documents"] == 2
    assert members(small, "Auswahl") == ["a.txt", "b.txt"]
    small.ok("undo")
    assert members(small, "Auswahl") == ["a.txt", "b.txt", "d.txt"]
    small.ok("set", "remove", "Web")
    assert [r["set"] for r in small.json("set", "list")] == ["Auswahl"]
    # a document in a set can still be removed; its membership goes with it
    small.ok("docs", "remove", "d.txt", "--force")
    assert members(small, "Auswahl") == ["a.txt", "b.txt"]
    small.ok("undo")
    assert members(small, "Auswahl") == ["a.txt", "b.txt", "d.txt"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set", "add", "x"], "error: the set 'x' needs documents or a rule"),
        (["set", "add", "x", "--rule", "Format"], "error: 'Format' in the rule is not KEY=VALUE"),
        (
            ["set", "add", "x", "--rule", "Farbe=rot"],
            "error: no document has the attribute 'Farbe'",
        ),
        (
            ["set", "add", "x", "--rule", "A=1 NEAR/2 B=2"],
            "error: NEAR has no meaning in a set rule",
        ),
        (["set", "add", "x", "nope.txt"], "error: unknown document 'nope.txt'"),
        (["set", "show", "nope"], "error: unknown document set 'nope'"),
        (["report", "freq", "--set", "nope"], "error: unknown document set 'nope'"),
    ],
)
def test_errors_change_nothing(small, args, message):
    before = small.json("log")
    r = small(*args)
    assert r.exit_code == 2 and r.stderr.startswith(message), r.output
    assert small.json("log") == before


def test_set_restricts_reports(small):
    small.ok("set", "add", "Präsenz", "--rule", "Format=Präsenz")
    freq = small.json("report", "freq", "--set", "Präsenz")
    assert freq["documents"] == 2
    got = {r["code"]: (r["segments"], r["documents"], r["share"]) for r in freq["rows"]}
    assert got == {
        "Hindernisse": (0, 0, 0.0),
        "Hindernisse/Zeit": (2, 1, 0.5),
        "Hindernisse/Personal": (1, 1, 0.5),
        "Ziele": (1, 1, 0.5),
        "Ziele/Vernetzung": (1, 1, 0.5),
    }
    by = small.json("report", "freq", "--set", "Präsenz", "--by", "Format")
    assert by["groups"] == {"Präsenz": 2}
    seg = small.json("report", "segments", "--code", "Zeit", "--set", "Präsenz")
    assert [(s["document"], s["start"]) for s in seg["rows"]] == [("a.txt", 0), ("a.txt", 13)]
    matrix = small.json("report", "matrix", "--set", "Präsenz")
    assert [(r["document"], r["total"]) for r in matrix["rows"]] == [("a.txt", 4), ("c.txt", 1)]
    cooc = small.json("report", "cooc", "--set", "Präsenz", "--unit", "document")
    assert cooc["units"] == 2
    agreement = small.json("agreement", "--coders", "anna,ben", "--set", "Präsenz")
    assert agreement["document_names"] == ["a.txt"]
    small.ok("set", "add", "Web", "--rule", "Format=Web")
    r = small("agreement", "--coders", "anna,ben", "--set", "Web")
    assert r.exit_code == 2 and "have not all coded any common document" in r.stderr
