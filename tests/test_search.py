"""Text search (`qualcode search`): KWIC rows, modes, --set/--doc, coding all hits, undo."""

from __future__ import annotations

import pytest

from tests.test_reports import build_small


@pytest.fixture
def small(cli, write_file, tmp_path):
    return build_small(cli, write_file, tmp_path)


def rows(data):
    return [
        (r["document"], r["start"], r["end"], r["left"], r["text"], r["right"], r["code_paths"])
        for r in data
    ]


def test_kwic_rows_with_codes(small):
    assert rows(small.json("search", "EINS", "--context", "6")) == [
        ("a.txt", 6, 10, "Alpha ", "eins", ". Alp", ["Hindernisse/Zeit"]),
        ("b.txt", 5, 9, "Beta ", "eins", ". Bet", ["Hindernisse/Personal", "Hindernisse/Zeit"]),
        ("c.txt", 6, 10, "Gamma ", "eins", ". Gam", ["Ziele/Vernetzung"]),
        ("d.txt", 6, 10, "Delta ", "eins", ".", ["Hindernisse/Zeit"]),
    ]
    out = small.ok("search", "zwei", "--context", "5").stdout
    assert out.splitlines()[2].split() == [
        "a.txt",
        "19",
        "23",
        "lpha",
        "zwei.",
        "Al",
        "Hindernisse/Personal;",
        "Hindernisse/Zeit",
    ]
    assert "     lpha zwei. Al  " in out  # the hit in its context, every hit in one column
    assert out.rstrip().endswith("3 hits in 3 documents")


def test_modes_doc_and_set(small):
    assert [r["start"] for r in small.json("search", r"Al\w+ (zwei|drei)", "--regex")] == [13, 26]
    assert small.json("search", "lpha", "--phrase") == []  # whole words
    assert [r["text"] for r in small.json("search", "lpha", "--doc", "a.txt")] == ["lpha"] * 3
    assert small.json("search", "eins", "--case-sensitive", "--doc", "b.txt")[0]["start"] == 5
    small.ok("set", "add", "bc", "b.txt", "c.txt")
    assert [r["document"] for r in small.json("search", "eins", "--set", "bc")] == [
        "b.txt",
        "c.txt",
    ]
    fuzzy = small.json("search", "Gama eins", "--phrase", "--fuzzy", "80")
    assert [(r["document"], r["text"]) for r in fuzzy] == [("c.txt", "Gamma eins")]


def test_code_all_hits_dry_run_apply_undo(small):
    before = small.json("codings")
    dry = small.json("--coder", "anna", "search", "drei", "--code", "Ziele")
    assert (dry["dry_run"], dry["found"], dry["added"], dry["code"], dry["coder"]) == (
        True,
        1,
        1,
        "Ziele",
        "anna",
    )
    assert small.json("codings") == before  # a dry run changes nothing
    done = small.json(
        "--coder", "anna", "search", "eins", "--code", "Vernetzung", "--unit", "passage", "--apply"
    )
    assert (done["added"], done["existing"]) == (3, 1)  # c.txt's paragraph is coded already
    new = {
        (c["document"], c["start"], c["end"]) for c in small.json("codings", "--code", "Vernetzung")
    }
    assert new == {
        ("a.txt", 0, 11),
        ("b.txt", 0, 10),
        ("c.txt", 0, 11),
        ("d.txt", 0, 11),
        ("b.txt", 12, 22),
    }
    small.ok("--coder", "anna", "undo")
    assert small.json("codings") == before


def test_kwic_keeps_the_spaces_around_the_hit(demo_cli):
    """A left context with a line break in it kept no space before the hit
    ("Lehrkräften,Schulbegleitung" in the workbench)."""
    rows = demo_cli.json("search", "Schulbegleit", "--doc", "protokoll_01.md")
    assert len(rows) == 1
    r = rows[0]
    assert r["left"].endswith("zwischen Lehrkräften, ") and r["right"].startswith("ung und ")
    assert "Lehrkräften, Schulbegleitung und Eltern" in r["left"] + r["text"] + r["right"]
    out = demo_cli.ok("search", "Schulbegleit", "--doc", "protokoll_01.md").stdout
    assert "zwischen Lehrkräften, Schulbegleitung und Eltern fehle" in out
    line = out.splitlines()[2]
    assert line.index("Schulbegleitung") == out.splitlines()[0].index("hit · right")


def test_code_hits_as_whole_words(demo_cli):
    """`--unit word` widens "Schulbegleit" to the words it is part of."""
    done = demo_cli.json(
        "--coder",
        "zoe",
        "search",
        "Schulbegleit",
        "--doc",
        "protokoll_02.md",
        "--code",
        "Zeitmangel",
        "--unit",
        "word",
        "--apply",
    )
    assert (done["unit"], done["found"], done["added"]) == ("word", 4, 4)
    coded = demo_cli.json("codings", "--code", "Zeitmangel", "--coder", "zoe")
    assert sorted(c["text"] for c in coded) == [
        "Schulbegleiter",
        "Schulbegleiterinnen",
        "Schulbegleitungen",
        "Schulbegleitungen",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "(", "--regex"], "error: invalid regular expression '(': missing )"),
        (["search", "x", "--regex"], None),
        (["search", "x", "--fuzzy", "80"], "error: --fuzzy works with --phrase only"),
        (["search", "x", "--regex", "--lemma"], "error: give only one of --regex, --lemma"),
        (["search", "x", "--apply"], "error: --unit and --apply code the hits"),
        (["search", "eins", "--code", "Nope"], "error: unknown code 'Nope'"),
        (["search", "eins", "--doc", "zzz.txt"], "error: unknown document 'zzz.txt'"),
    ],
)
def test_errors(small, args, message):
    if message is None:  # a valid search without hits
        assert small.json(*args) == []
        return
    r = small(*args)
    assert r.exit_code == 2 and r.stderr.startswith(message), r.output


def test_fast_path_equals_session_path(small, db_path):
    """The SQLite reader and the SQLAlchemy session give the same rows."""
    import sqlite3

    from qualcode.database import make_engine, reading
    from qualcode.docsets import session_execute
    from qualcode.search import search, search_rule

    q = search_rule("a", "text")
    conn = sqlite3.connect(db_path)
    fast = search(lambda sql: conn.execute(sql).fetchall(), q, context=3)
    conn.close()
    with reading(make_engine(db_path, create=False)) as session:
        slow = search(session_execute(session), q, context=3)
    assert fast == slow and len(fast) == 13
