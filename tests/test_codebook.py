"""Codes and codings from the CLI (issue 2)."""

from __future__ import annotations

import csv

import pytest

H = "Herausforderungen und Hindernisse"


@pytest.fixture
def project(cli, write_file):
    cli.ok(
        "import",
        str(
            write_file(
                "protokoll_01.md",
                "---\nFormat: Präsenz\n---\nEs fehlt Personal.\n\nEs fehlt Zeit für Fallberatung.\n\nZiel: Vernetzung.",
            )
        ),
    )
    return cli


def test_codes_add_creates_parents_and_lists_in_tree_order(project):
    project.ok(
        "codes",
        "add",
        f"{H}/Zeitmangel",
        "--definition",
        "Zeit fehlt",
        "--anchor",
        "Es fehlt Zeit.",
        "--rule",
        "explizit",
        "--color",
        "#d62728",
    )
    project.ok("codes", "add", f"{H}/Personalmangel")
    project.ok("codes", "add", "Zielformulierungen")
    codes = project.json("codes", "list")
    assert [c["code"] for c in codes] == [
        H,
        f"{H}/Zeitmangel",
        f"{H}/Personalmangel",
        "Zielformulierungen",
    ]
    assert set(codes[0]) >= {"id", "code", "name", "parent", "codings", "documents"}
    assert codes[1]["parent"] == H and codes[1]["name"] == "Zeitmangel"
    shown = project.json("codes", "show", f"{H.lower()}/ZEITMANGEL")  # names compare case-folded
    assert (shown["definition"], shown["anchor"], shown["rule"], shown["color"]) == (
        "Zeit fehlt",
        "Es fehlt Zeit.",
        "explizit",
        "#D62728",
    )


def test_duplicate_code_is_refused(project):
    project.ok("codes", "add", "Zeitmangel")
    result = project("codes", "add", "zeitmangel")
    assert result.exit_code == 2 and "already exists" in result.stderr


def test_slash_in_name_is_escaped(project):
    project.ok("codes", "add", r"Herausforderungen\/Hindernisse/Zeit")
    paths = [c["code"] for c in project.json("codes", "list")]
    assert paths == [r"Herausforderungen\/Hindernisse", r"Herausforderungen\/Hindernisse/Zeit"]
    assert project.json("codes", "list")[0]["name"] == "Herausforderungen/Hindernisse"


def test_code_counts_and_codings_json(project):
    project.ok(
        "code",
        "protokoll_01.md",
        "--start",
        "0",
        "--end",
        "18",
        "--code",
        f"{H}/Personalmangel",
        "--create",
        "--memo",
        "klar",
    )
    project.ok(
        "code",
        "protokoll_01.md",
        "--start",
        "20",
        "--end",
        "51",
        "--code",
        f"{H}/Zeitmangel",
        "--create",
        "--coder",
        "ben",
    )
    codings = project.json("codings")
    assert all(isinstance(c.pop("id"), int) for c in codings)  # for `memo add --coding ID`
    assert codings == [
        {
            "document": "protokoll_01.md",
            "start": 0,
            "end": 18,
            "code": f"{H}/Personalmangel",
            "coder": "tester",
            "memo": "klar",
            "text": "Es fehlt Personal.",
            "memos": [],
            "orphaned": False,
        },
        {
            "document": "protokoll_01.md",
            "start": 20,
            "end": 51,
            "code": f"{H}/Zeitmangel",
            "coder": "ben",
            "memo": "",
            "text": "Es fehlt Zeit für Fallberatung.",
            "memos": [],
            "orphaned": False,
        },
    ]
    assert [c["text"] for c in project.json("codings", "--coder", "ben")] == [
        "Es fehlt Zeit für Fallberatung."
    ]
    counts = {c["code"]: (c["codings"], c["documents"]) for c in project.json("codes", "list")}
    assert counts[f"{H}/Personalmangel"] == (1, 1)
    docs = project.json("docs", "list")
    assert (
        docs[0]["codings"] == 2
        and docs[0]["passages"] == 3
        and docs[0]["attributes"] == {"Format": "Präsenz"}
    )
    uncoded = project.json("passages", "--uncoded")
    assert [p["text"] for p in uncoded] == ["Ziel: Vernetzung."]


def test_identical_coding_is_not_duplicated(project):
    project.ok("codes", "add", "X")
    project.ok("code", "protokoll_01.md", "--start", "0", "--end", "5", "--code", "X")
    result = project.ok("code", "protokoll_01.md", "--start", "0", "--end", "5", "--code", "X")
    assert "already coded" in result.stdout
    assert len(project.json("codings")) == 1


def test_rename_move_delete(project):
    project.ok("codes", "add", "A/B")
    project.ok("codes", "add", "C")
    project.ok("code", "protokoll_01.md", "--start", "0", "--end", "5", "--code", "A/B")
    project.ok("codes", "rename", "A/B", "Bneu")
    project.ok("codes", "move", "A/Bneu", "C")
    assert [c["code"] for c in project.json("codes", "list")] == ["A", "C", "C/Bneu"]
    assert project.json("codings")[0]["code"] == "C/Bneu"
    assert project("codes", "move", "C", "C/Bneu").exit_code == 2  # cycle
    refused = project("codes", "delete", "C")
    assert refused.exit_code == 2 and "--force" in refused.stderr
    project.ok("codes", "delete", "C", "--force")
    assert [c["code"] for c in project.json("codes", "list")] == ["A"]
    assert project.json("codings") == []
    project.ok("undo")
    assert [c["code"] for c in project.json("codes", "list")] == ["A", "C", "C/Bneu"]
    assert project.json("codings")[0]["code"] == "C/Bneu"


def test_uncode(project):
    project.ok("codes", "add", "X")
    project.ok("code", "protokoll_01.md", "--start", "0", "--end", "5", "--code", "X")
    assert project("uncode", "protokoll_01.md", "--start", "0", "--end", "6").exit_code == 2
    project.ok("uncode", "protokoll_01.md", "--start", "0", "--end", "5")
    assert project.json("codings") == []


def test_docs_set_and_remove(project):
    project.ok("docs", "set", "protokoll_01.md", "Region=Görlitz", "Teilnehmende=12")
    assert project.json("docs", "show", "protokoll_01.md")["attributes"] == {
        "Format": "Präsenz",
        "Region": "Görlitz",
        "Teilnehmende": 12,
    }
    project.ok("docs", "set", "protokoll_01.md", "Region=")
    assert "Region" not in project.json("docs", "show", "protokoll_01.md")["attributes"]
    project.ok("codes", "add", "X")
    project.ok("code", "protokoll_01.md", "--start", "0", "--end", "5", "--code", "X")
    project.ok("docs", "remove", "protokoll_01.md", "--force")
    assert project.json("docs", "list") == [] and project.json("codings") == []
    project.ok("undo")
    assert len(project.json("codings")) == 1
    assert project.json("docs", "show", "protokoll_01.md")["attributes"]["Teilnehmende"] == 12


def test_undo_redo_roundtrip(project):
    project.ok("codes", "add", "X")
    project.ok("code", "protokoll_01.md", "--start", "0", "--end", "5", "--code", "X")
    project.ok("undo")
    assert project.json("codings") == []
    project.ok("redo")
    assert len(project.json("codings")) == 1
    log = project.json("log")
    assert (
        log[0]["command"].startswith("qualcode code protokoll_01.md --start 0 --end 5")
        and log[0]["coder"] == "tester"
    )


def _write_csv(path, rows, header=("document", "start", "end", "code", "coder")):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def test_codings_csv_all_or_nothing(project, tmp_path):
    project.ok("codes", "add", "X")
    rows = [("protokoll_01.md", i % 10, i % 10 + 5, "X", f"c{i}") for i in range(1000)]
    rows[898] = ("protokoll_01.md", 3, 999, "X", "c")  # file line 900: span outside the text
    _write_csv(tmp_path / "c.csv", rows)
    result = project("codings", "import", str(tmp_path / "c.csv"))
    assert result.exit_code == 2
    assert "line 900" in result.stderr and "nothing imported" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert project.json("codings") == []
    rows[898] = ("protokoll_01.md", 3, 9, "X", "c")
    _write_csv(tmp_path / "c.csv", rows)
    assert project.json("codings", "import", str(tmp_path / "c.csv"))["codings"] == 1000


def test_codings_csv_errors_list_line_numbers(project, tmp_path):
    project.ok("codes", "add", "X")
    _write_csv(
        tmp_path / "c.csv",
        [
            ("protokoll_01.md", 0, 5, "X", "a"),
            ("nope.md", 0, 5, "X", "a"),
            ("protokoll_01.md", "a", 5, "Y", "a"),
        ],
    )
    result = project("codings", "import", str(tmp_path / "c.csv"))
    assert result.exit_code == 2
    assert "line 3: unknown document 'nope.md'" in result.stderr
    assert "line 4" in result.stderr
    _write_csv(tmp_path / "bad.csv", [("x",)], header=("foo",))
    assert "unknown column 'foo'" in project("codings", "import", str(tmp_path / "bad.csv")).stderr


def test_codings_csv_with_quotes(project, tmp_path):
    _write_csv(
        tmp_path / "q.csv",
        [("protokoll_01.md", "X/Y", "Es fehlt Zeit für Fallberatung.")],
        header=("document", "code", "quote"),
    )
    assert (
        project.json("codings", "import", str(tmp_path / "q.csv"), "--create-codes")["codings"] == 1
    )
    [c] = project.json("codings")
    assert (c["start"], c["end"], c["code"]) == (20, 51, "X/Y")


def test_memos(project):
    project.ok("codes", "add", "X")
    project.ok("memo", "add", "Definition prüfen", "--code", "X")
    project.ok("memo", "add", "Gute Sitzung", "--doc", "protokoll_01.md")
    memos = project.json("memo", "list")
    assert [(m["on"], m["code"], m["document"], m["text"]) for m in memos] == [
        ("code", "X", None, "Definition prüfen"),
        ("document", None, "protokoll_01.md", "Gute Sitzung"),
    ]
    assert project.json("codes", "show", "X")["memos"][0]["text"] == "Definition prüfen"


def test_undo_mine_reverts_only_your_own_actions(project):
    project.ok("codes", "add", "X")
    project.ok("code", "protokoll_01.md", "--start", "0", "--end", "5", "--code", "X")  # tester
    project.ok(
        "--coder", "ben", "code", "protokoll_01.md", "--start", "6", "--end", "11", "--code", "X"
    )
    project.ok("undo", "--mine")  # tester's coding, not ben's later one
    assert [(c["start"], c["coder"]) for c in project.json("codings")] == [(6, "ben")]
    project.ok("redo", "--mine")
    assert len(project.json("codings")) == 2
    project.ok("undo", "--force")  # the newest action of anyone: ben's
    assert [(c["start"], c["coder"]) for c in project.json("codings")] == [(0, "tester")]
    result = project("--coder", "carl", "undo", "--mine")
    assert result.exit_code == 2 and "nothing to undo for coder 'carl'" in result.stderr


def test_attribution_coder_is_not_the_actor(project):
    project.ok("codes", "add", "X")
    project.ok(
        "code", "protokoll_01.md", "--start", "0", "--end", "5", "--code", "X", "--coder", "auto"
    )
    assert project.json("log")[0]["coder"] == "tester"  # who ran it
    assert project.json("codings")[0]["coder"] == "auto"  # whom the coding is attributed to
    project.ok("undo", "--mine")
    assert project.json("codings") == []


def test_undo_refuses_to_overwrite_a_colleagues_change(project):
    project.ok("codes", "add", "X")
    project.ok("codes", "add", "Y")
    project.ok("code", "protokoll_01.md", "--start", "0", "--end", "5", "--code", "X")
    project.ok("--coder", "ben", "codes", "rename", "X", "X2")  # ben renames tester's code
    project.ok("codes", "delete", "Y")  # tester again
    project.ok("undo", "--mine", "-n", "2")  # tester's delete of Y, then tester's coding
    assert [c["code"] for c in project.json("codes", "list")] == ["X2", "Y"]
    assert project.json("codings") == []
    project.ok("undo", "--mine")  # tester's `codes add Y`
    refused = project("undo", "--mine")  # `codes add X`: but ben renamed X since
    assert refused.exit_code == 2 and "changed since" in refused.stderr
    assert [c["code"] for c in project.json("codes", "list")] == ["X2"]


def test_a_toml_codebook_without_codes_tables_is_refused(cli, tmp_path):
    """`[[code]]` (a typing slip for `[[codes]]`) used to import nothing and say it worked."""
    book = tmp_path / "book.toml"
    book.write_text('[[code]]\npath = "Neu"\n', encoding="utf-8")
    r = cli("codebook", "import", str(book))
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: book.toml has no [[codes]] tables (it has [[code]]) — give one [[codes]] "
        'table per code with path = "Parent/Child" (see starter.toml)'
    )
    assert cli.json("codes", "list") == []
    book.write_text("", encoding="utf-8")
    assert "(it is empty)" in cli("codebook", "import", str(book)).stderr
    book.write_text('[[codes]]\npath = "Neu"\n', encoding="utf-8")
    cli.ok("codebook", "import", str(book))
    assert [c["code"] for c in cli.json("codes", "list")] == ["Neu"]
