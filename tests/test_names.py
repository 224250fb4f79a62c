"""Issue 22, items 1 and 6 (names): a short code name never points at a stray code, near
duplicates need --force wherever codes are created, and names refuse control characters."""

from __future__ import annotations

import json

import pytest
from conftest import db_snapshot, error, rows

H = "Herausforderungen und Hindernisse"
RULE = "names may not contain control, escape or direction-override characters"


def n_codes(db: str, name: str) -> int:
    return rows(db, "SELECT count(*) FROM code WHERE name = ?", name)[0][0]


# --- item 1: the stray `zeitmangel` ---------------------------------------------------------------


def test_the_stray_zeitmangel_is_refused_and_a_forced_one_makes_the_short_name_ambiguous(
    demo_cli,
) -> None:
    db = demo_cli.db
    mine = demo_cli.json("codings", "--code", "Zeitmangel")
    assert len(mine) > 0 and {c["code"] for c in mine} == {f"{H}/Zeitmangel"}
    freq = demo_cli.json("report", "freq", "--code", "Zeitmangel")
    before = db_snapshot(db)

    line = error(demo_cli("codes", "add", "zeitmangel"))
    assert line == (
        f"error: code 'zeitmangel' is nearly the same as the existing '{H}/Zeitmangel'"
        " (case, accents or one typing slip apart) — use the existing code,"
        " or --force creates it anyway"
    )
    assert db_snapshot(db) == before

    demo_cli.ok("codes", "add", "zeitmangel", "--force")
    assert rows(db, "SELECT parent_id FROM code WHERE name = 'zeitmangel'") == [(None,)]
    ambiguous = (
        f"error: code 'Zeitmangel' is ambiguous: 2 codes end with it ('{H}/Zeitmangel',"
        f" 'zeitmangel') — give more of the path, e.g. '{H}/Zeitmangel',"
        " or '/zeitmangel' for the top-level code"
    )
    # every command that takes --code goes through the one resolver: none picks the stray
    assert error(demo_cli("codings", "--code", "Zeitmangel")) == ambiguous
    assert error(demo_cli("report", "freq", "--code", "Zeitmangel")) == ambiguous
    assert error(demo_cli("report", "segments", "--code", "Zeitmangel")).startswith(
        "error: code 'Zeitmangel' is ambiguous: 2 codes"
    )
    assert error(demo_cli("retrieve", "Zeitmangel")).startswith(
        "error: code 'Zeitmangel' is ambiguous: 2 codes"
    )
    assert error(demo_cli("codings", "export", "--code", "ZEITMÄNGEL")).startswith(
        "error: code 'ZEITMÄNGEL' is ambiguous: 2 codes"
    )
    # the full path names the one, '/name' the top-level one
    assert demo_cli.json("codings", "--code", f"{H}/Zeitmangel") == mine
    assert demo_cli.json("report", "freq", "--code", f"{H}/zeitmangel") == freq
    assert demo_cli.json("codings", "--code", "/zeitmangel") == []
    assert demo_cli.json("codings", "--code", "/Zeitmangel") == []  # case ignored
    demo_cli.ok("codes", "delete", "/zeitmangel")
    assert n_codes(db, "zeitmangel") == 0
    assert demo_cli.json("codings", "--code", "Zeitmangel") == mine


def test_case_and_accents_are_ignored_when_matching(demo_cli) -> None:
    want = demo_cli.json("codings", "--code", f"{H}/Übergänge")
    assert len(want) > 0
    for spelling in ("übergänge", "UBERGANGE", "Ubergange", "Übergange"):
        assert demo_cli.json("codings", "--code", spelling) == want
    demo_cli.ok("codes", "add", "Maßnahmen/Große Runde")
    assert demo_cli.json("codings", "--code", "massnahmen/grosse runde") == []
    assert "unknown code" in error(demo_cli("codings", "--code", "Maßnahme/Runde"))


def test_an_unknown_code_keeps_its_did_you_mean(demo_cli) -> None:
    assert error(demo_cli("codings", "--code", "Zeitmangle")) == (
        f"error: unknown code 'Zeitmangle' — did you mean '{H}/Zeitmangel'?"
        " (`qualcode codes list` shows all)"
    )


def test_a_full_path_with_its_parent_wins_over_a_longer_path_ending_alike(cli) -> None:
    cli.ok("codes", "add", "A/B")
    cli.ok("codes", "add", "X/A/B")
    ids = {c["code"]: c["id"] for c in cli.json("codes", "list")}
    assert error(cli("codes", "rename", "B", "C")) == (
        "error: code 'B' is ambiguous: 2 codes end with it ('A/B', 'X/A/B')"
        " — give more of the path, e.g. 'A/B'"
    )
    assert cli.json("codes", "rename", "a/b", "C")["id"] == ids["A/B"]
    assert cli.json("codes", "rename", "A/B", "D")["id"] == ids["X/A/B"]


def test_siblings_that_differ_only_by_accents_are_told_apart_by_their_exact_spelling(cli) -> None:
    cli.ok("codes", "add", "K/Zeitmangel")
    cli.ok("codes", "add", "K/Zeitmängel", "--force")
    ids = {c["code"]: c["id"] for c in cli.json("codes", "list")}
    assert "ambiguous" in error(cli("codes", "show", "Zeitmangel"))
    assert cli.json("codes", "rename", "K/Zeitmängel", "Zeitnot")["id"] == ids["K/Zeitmängel"]
    assert cli.json("codes", "rename", "K/Zeitmangel", "Zeitdruck")["id"] == ids["K/Zeitmangel"]


# --- near duplicates: the rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("Zeitmangel", "zeitmangel", True),  # case
        ("Zeitmangel", "Zeitmängel", True),  # accents
        ("Straße", "STRASSE", True),  # ß = ss
        ("Zeitmangel", "Zeitmangle", True),  # two letters swapped
        ("Zeitmangel", "Zeitmangl", True),  # one left out
        ("Positiv", "Positive", True),  # one added
        ("Zeit-Mangel", "Zeitmangel", True),
        ("Kooperationen", "Kooperatiomen", True),  # a mistyped letter in a long word
        ("Kosten", "Posten", False),  # a mistyped letter in a short word: another word
        ("Frage 1", "Frage 2", False),  # numbers are not typos
        ("Code A", "Code B", False),
        ("Lehrer", "Lehrerin", False),
        ("Zeitmangel", "Personalmangel", False),
    ],
)
def test_what_counts_as_a_near_duplicate(a, b, near) -> None:
    from qualcode.names import near_duplicates

    assert bool(near_duplicates({1: ["P", a]}, b)) is near


def test_the_same_name_under_another_given_parent_is_structure_not_a_duplicate(cli) -> None:
    cli.ok("codes", "add", "Ressourcen/Zeit/knapp")
    cli.ok("codes", "add", "Ressourcen/Geld/knapp")  # deliberate: a parent is given
    line = error(cli("codes", "add", "knapp"))  # a bare name: the stray case
    assert "nearly the same as the existing 'Ressourcen/Zeit/knapp', 'Ressourcen/Geld/knapp'" in (
        line
    )
    line = error(cli("codes", "add", "Ressourcen/Geld/Knap"))
    assert "'Ressourcen/Zeit/knapp'" in line and "--force creates it anyway" in line


def test_codes_add_and_rename_refuse_near_duplicates_unless_forced(demo_cli) -> None:
    db = demo_cli.db
    before = db_snapshot(db)
    for name in ("Zeitmängel", f"{H}/Zeitmangle", "Zielformulierungen/ZEITMANGEL"):
        assert f"existing '{H}/Zeitmangel'" in error(demo_cli("codes", "add", name))
    assert db_snapshot(db) == before
    line = error(demo_cli("codes", "rename", f"{H}/Personalmangel", "Zeitmangle"))
    assert line == (
        f"error: code 'Zeitmangle' is nearly the same as the existing '{H}/Zeitmangel'"
        " (case, accents or one typing slip apart) — use the existing code,"
        " or --force renames it anyway"
    )
    assert db_snapshot(db) == before
    demo_cli.ok("codes", "rename", f"{H}/Personalmangel", "Zeitmangle", "--force")
    assert n_codes(db, "Zeitmangle") == 1
    # changing only the spelling of a code's own name is no duplicate of itself
    demo_cli.ok("codes", "rename", f"{H}/Zeitmangel", "zeitmangel")
    assert n_codes(db, "zeitmangel") == 1
    out = json.loads(demo_cli("codes", "add", "Zeitmängel", "--json").stdout)
    assert set(out) == {"error", "hint"} and "--force creates it anyway" in out["hint"]


def test_code_create_needs_force_for_a_near_duplicate(demo_cli) -> None:
    db = demo_cli.db
    args = ("code", "protokoll_04.md", "--start", "0", "--end", "10")
    line = error(demo_cli(*args, "--code", "Zeitmangle", "--create"))
    assert f"existing '{H}/Zeitmangel'" in line
    assert n_codes(db, "Zeitmangle") == 0
    demo_cli.ok(*args, "--code", "Zeitmangle", "--create", "--force")
    assert n_codes(db, "Zeitmangle") == 1


def test_codings_import_create_codes_refuses_near_duplicates(demo_cli, write_file) -> None:
    db = demo_cli.db
    path = write_file(
        "c.csv",
        "document,start,end,code\nprotokoll_04.md,0,10,zeitmangel\nprotokoll_04.md,0,10,Neu\n",
    )
    before = db_snapshot(db)
    line = error(demo_cli("codings", "import", str(path), "--create-codes"))
    assert line == (
        "error: c.csv: nothing imported; line 2: code 'zeitmangel' is nearly the same as the"
        f" existing '{H}/Zeitmangel' (case, accents or one typing slip apart) — use the"
        " existing codes, or import again with --force to create them anyway"
    )
    assert db_snapshot(db) == before
    assert demo_cli.json("codings", "import", str(path), "--create-codes", "--force") == {
        "codings": 2,
        "skipped": 0,
        "encoding": "utf-8",
    }
    assert rows(db, "SELECT parent_id FROM code WHERE name IN ('zeitmangel', 'Neu')") == [
        (None,),
        (None,),
    ]


def test_autocode_create_refuses_near_duplicates(demo_cli) -> None:
    db = demo_cli.db
    before = db_snapshot(db)
    line = error(demo_cli("autocode", "--code", "Zeitmangle", "--regex", "Zeit", "--create"))
    assert f"'Zeitmangle' is nearly the same as the existing '{H}/Zeitmangel'" in line
    assert "--force creates near-duplicate codes anyway" in line
    assert db_snapshot(db) == before
    # a short name of an existing code is that code (as with every --code), not a new one
    n = demo_cli.json("autocode", "--code", "zeitmangel", "--regex", "Zeitmangel")
    assert n_codes(db, "zeitmangel") == 0 and n["rules"][0]["code"] == f"{H}/Zeitmangel"
    demo_cli.ok("autocode", "--code", "Zeitmangle", "--regex", "Zeit", "--create", "--force")
    assert n_codes(db, "Zeitmangle") == 1


def test_recode_and_recode_maps_refuse_near_duplicate_targets(demo_cli, write_file) -> None:
    db = demo_cli.db
    before = db_snapshot(db)
    src = f"{H}/Personalmangel"
    line = error(demo_cli("recode", "--from", src, "--to", "Zeitmangle", "--create"))
    assert f"'Zeitmangle' is nearly the same as the existing '{H}/Zeitmangel'" in line
    mapping = write_file("map.csv", f"from,to\n{src},Zeitmängel\n")
    line = error(demo_cli("recode", "--map", str(mapping), "--create"))
    assert line.startswith("error: recode map refused, nothing changed: line 2: code 'Zeitmängel'")
    assert f"'Zeitmängel' is nearly the same as the existing '{H}/Zeitmangel'" in line
    assert line.endswith("--force creates near-duplicate codes anyway")
    assert db_snapshot(db) == before
    demo_cli.ok("recode", "--map", str(mapping), "--create", "--force")
    assert n_codes(db, "Zeitmängel") == 1 and n_codes(db, "Personalmangel") == 0


def test_codebook_import_refuses_near_duplicates(demo_cli, write_file) -> None:
    path = write_file("cb.toml", '[[codes]]\npath = "Zeitmangle"\n')
    assert "--force creates it anyway" in error(demo_cli("codebook", "import", str(path)))
    demo_cli.ok("codebook", "import", str(path), "--force")
    assert n_codes(demo_cli.db, "Zeitmangle") == 1


QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
  <Code guid="00000000-0000-4000-8000-000000000001" name="{name}" isCodable="true"/>
</Codes></CodeBook>"""


def test_refi_import_refuses_codes_nearly_the_same_as_the_projects(demo_cli, tmp_path) -> None:
    db = demo_cli.db
    path = tmp_path / "cb.qdc"
    path.write_text(QDC.format(name="Zeitmängel"), encoding="utf-8")
    before = db_snapshot(db)
    line = error(demo_cli("refi", "import", str(path)))
    assert line == (
        "error: nothing imported: 1 of the file's codes are nearly the same as codes of this"
        f" project (case, accents or one typing slip apart): 'Zeitmängel' ~ '{H}/Zeitmangel'"
        " — rename them in the project or the file, or import with --force to create them anyway"
    )
    assert db_snapshot(db) == before
    demo_cli.ok("refi", "import", str(path), "--force")
    assert rows(db, "SELECT parent_id FROM code WHERE name = 'Zeitmängel'") == [(None,)]


# --- item 6: names with control characters ----------------------------------------------------------

BAD = [
    ("Zeit\nmangel", "a line break (U+000A)"),
    ("\x1b[31mRot", "an escape character (U+001B)"),
    ("Ziel\u202etxt.exe", "a direction-override character (U+202E)"),
    ("Tab\tname", "a control character (U+0009)"),
    ("C1\x9bname", "a control character (U+009B)"),
    ("Iso\u2066late", "a direction-override character (U+2066)"),
]


def msg(kind: str, name: str, what: str) -> str:
    return f"error: {kind} name {name!r} contains {what} — remove it; {RULE}"


@pytest.mark.parametrize(("name", "what"), BAD)
def test_codes_add_and_rename_refuse_control_characters(cli, name, what) -> None:
    cli.ok("codes", "add", "Gut")
    before = db_snapshot(cli.db)
    assert error(cli("codes", "add", name)) == msg("code", name, what)
    assert error(cli("codes", "add", f"Gut/{name}")) == msg("code", f"Gut/{name}", what)
    assert error(cli("codes", "rename", "Gut", name)) == msg("code", name, what)
    assert db_snapshot(cli.db) == before


@pytest.mark.parametrize(("name", "what"), BAD[:3])
def test_sets_attributes_and_imports_refuse_control_characters(
    cli, write_file, tmp_path, name, what
) -> None:
    cli.ok("import", str(write_file("a.txt", "Eins zwei drei.")))
    before = db_snapshot(cli.db)
    assert error(cli("set", "add", name, "a.txt")) == msg("set", name, what)
    assert error(cli("docs", "set", "a.txt", f"{name}=1")) == msg("attribute", name, what)
    csv = write_file("c.csv", f'document,start,end,code\na.txt,0,4,"{name}"\n')
    assert error(cli("codings", "import", str(csv), "--create-codes")) == (
        f"error: c.csv: nothing imported; line 2: code name {name!r} contains {what}"
        f" (remove it; {RULE}) — fix these lines and import again"
    )
    assert db_snapshot(cli.db) == before


def test_codings_import_names_the_rule_for_a_bad_code_name(cli, write_file) -> None:
    cli.ok("import", str(write_file("a.txt", "Eins zwei drei.")))
    csv = write_file("c.csv", "document,start,end,code\na.txt,0,4,\x1b[31mRot\n")
    assert error(cli("codings", "import", str(csv), "--create-codes")) == (
        "error: c.csv: nothing imported; line 2: code name '\\x1b[31mRot' contains an escape"
        f" character (U+001B) (remove it; {RULE}) — fix these lines and import again"
    )


def test_a_document_file_name_with_a_line_break_is_not_imported(cli, tmp_path) -> None:
    bad = tmp_path / "a\nb.txt"
    bad.write_text("Eins.", encoding="utf-8")
    out = cli("import", str(bad))
    assert out.exit_code == 2
    assert out.stderr.strip() == msg("document", "a\nb.txt", "a line break (U+000A)")
    assert rows(cli.db, "SELECT count(*) FROM document") == [(0,)]


def test_refi_import_refuses_a_code_name_with_a_c1_control(cli, tmp_path) -> None:
    cli.ok("codes", "add", "Rot")
    path = tmp_path / "cb.qdc"
    path.write_text(QDC.format(name="Rot\x9b31m"), encoding="utf-8")
    line = error(cli("refi", "import", str(path)))
    assert "code name 'Rot\\x9b31m' contains a control character (U+009B)" in line
    assert [c["code"] for c in cli.json("codes", "list")] == ["Rot"]


def test_refi_round_trip_keeps_every_name(cli, tmp_path, write_file) -> None:
    names = ["Zeit\\/Geld «knapp»", "Ärger — laut/Straße", "עברית/مرحبا", "Emoji 😀/Ü"]
    for n in names:
        cli.ok("codes", "add", n, "--force")
    cli.ok("import", str(write_file("Sitzung Görlitz.txt", "Eins zwei drei.")))
    cli.ok("docs", "set", "Sitzung Görlitz.txt", "Schulform=Grundschule")
    want = sorted(c["code"] for c in cli.json("codes", "list"))
    out = tmp_path / "p.qdpx"
    cli.ok("refi", "export", str(out))
    from conftest import Run

    other = Run(str(tmp_path / "other.sqlite"))
    other.ok("refi", "import", str(out), "--no-sentences")
    assert sorted(c["code"] for c in other.json("codes", "list")) == want
    assert [d["document"] for d in other.json("docs", "list")] == ["Sitzung Görlitz.txt"]


def test_names_with_invalid_utf8_do_not_crash_the_core(engine) -> None:
    from sqlmodel import Session

    from qualcode.codebook import CodeTree, add_code
    from qualcode.database import init_schema
    from qualcode.documents import resolve_document
    from qualcode.errors import InvalidInput, NotFound

    init_schema(engine)
    with Session(engine) as s:
        with pytest.raises(InvalidInput, match=r"U\+DCFF"):
            add_code(s, "Zeit\udcff")
        with pytest.raises(InvalidInput, match=r"U\+DCFF"):
            resolve_document(s, "a\udcff.txt")
        with pytest.raises(NotFound):
            CodeTree.load(s).resolve("Zeit\udcff")


def test_marking_not_relevant_uses_the_reserved_top_level_code(cli, write_file) -> None:
    cli.ok("import", str(write_file("a.txt", "Eins zwei drei.")))
    cli.ok("codes", "add", "Bewertung/Nicht relevant")
    cli.ok("mark", "a.txt", "--start", "0", "--end", "4", "--not-relevant")
    assert rows(
        cli.db,
        'SELECT k.parent_id, g.start, g."end" FROM coding g JOIN code k ON k.id = g.code_id',
    ) == [(None, 0, 4)]
    cli.ok("mark", "a.txt", "--start", "0", "--end", "4", "--relevant")
    assert rows(cli.db, "SELECT count(*) FROM coding") == [(0,)]


def test_a_set_name_with_invalid_utf8_is_an_error_not_a_crash(engine) -> None:
    from sqlmodel import Session

    from qualcode.database import init_schema
    from qualcode.docsets import add_set, remove_set
    from qualcode.errors import InvalidInput

    init_schema(engine)
    with Session(engine) as s:
        with pytest.raises(InvalidInput, match=r"set name 'Web\\udcff' contains .*U\+DCFF"):
            add_set(s, "Web\udcff", rule="Format=Web")
        with pytest.raises(InvalidInput, match=r"U\+DCFF"):
            remove_set(s, "Web\udcff")
