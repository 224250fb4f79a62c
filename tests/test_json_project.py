"""The JSON vocabulary 2.0 of the project, document and code commands (issue 24, points 5,
8, 9, 14; users are coders). conftest's Run validates every output against its schema;
these tests pin the figures and the database afterwards."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import rows

CODE = "Herausforderungen und Hindernisse/Zeitmangel"


# --- check: passages are paragraphs (as in status), sentences apart ---------------------------


def test_check_counts_paragraphs_as_passages_and_sentences_apart(demo_cli) -> None:
    status = demo_cli.json("status")
    check = demo_cli.json("check")
    assert check["checked"] == {
        "documents": 14,
        "passages": 424,
        "sentences": 600,
        "codes": 28,
        "codings": 143,
        "memo_count": 1,
    }
    assert check["checked"]["passages"] == status["passages"]
    assert check["checked"]["sentences"] == status["sentences"]
    assert check["orphaned_codings"] == 0 and check["orphans"] == []
    assert check["ok"] is True and check["problems"] == [] and check["problem_counts"] == {}
    text = demo_cli.ok("check").stdout
    assert (
        "checked 14 documents, 424 paragraphs, 600 sentences, 28 codes, 143 codings, 1 memos"
        in text
    )


def test_check_lists_orphans_and_counts_them(cli, write_file) -> None:
    path = write_file("p.md", "Zeitmangel ist ein Problem.\n\nPersonal fehlt.")
    cli.ok("import", str(path))
    cli.ok("code", "p.md", "--start", "29", "--end", "44", "--code", "Personal", "--create")
    path.write_text("Ganz anderer Text.", encoding="utf-8")
    out = cli.ok("import", str(path), "--update").stdout
    assert out.splitlines()[:2] == [
        "updated   p.md",
        "          1 coding could not be re-anchored in the new text"
        " (orphaned: `qualcode check` lists them)",
    ]
    path.write_text("Ganz anderer Text, noch einmal.", encoding="utf-8")
    [row] = cli.json("import", str(path), "--update")["files"]
    assert (row["status"], row["orphaned_codings"]) == ("updated", 0)  # orphaned before
    check = cli.json("check")
    assert check["orphaned_codings"] == 1 == cli.json("status")["orphaned_codings"]
    [orphan] = check["orphans"]
    assert (orphan["document"], orphan["code"], orphan["text"]) == (
        "p.md",
        "Personal",
        "Personal fehlt.",
    )
    assert isinstance(orphan["id"], int)


# --- import: counts and a row per file; a missing file is an error ----------------------------


def test_import_json_counts_and_one_row_per_file(cli, write_file) -> None:
    path = write_file("x.txt", "Text.")
    data = cli.json("import", str(path))
    assert data == {
        "imported": 1,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
        "files": [
            {
                "file": str(path.absolute()),
                "document": "x.txt",
                "status": "imported",
                "encoding": "utf-8",
            }
        ],
    }
    again = cli.json("import", str(path))
    assert (again["imported"], again["unchanged"]) == (0, 1)
    assert again["files"][0]["status"] == "unchanged"


def test_import_json_with_a_missing_file_is_an_error_on_stdout(cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    r = cli("import", str(missing), "--json")
    assert r.exit_code == 2
    assert r.stderr == ""
    assert json.loads(r.stdout) == {
        "error": f"{missing}: no such file or folder",
        "hint": "check the path (`ls` shows what is there)",
    }
    assert cli.json("docs", "list") == []
    # without --json: the same one line on stderr, the summary on stdout
    r = cli("import", str(missing))
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        f"error: {missing}: no such file or folder — check the path (`ls` shows what is there)"
    )


def test_import_json_with_good_and_bad_files_lists_the_failed_ones(cli, write_file, tmp_path):
    good = write_file("gut.txt", "Ein guter Absatz.")
    r = cli("import", str(good), str(tmp_path / "fehlt.txt"), "--json")
    assert r.exit_code == 2 and r.stderr == ""
    data = json.loads(r.stdout)
    assert (data["imported"], data["failed"]) == (1, 1)
    ok, bad = sorted(data["files"], key=lambda f: f["status"] == "failed")
    assert ok["document"] == "gut.txt" and ok["status"] == "imported"
    assert bad == {
        "file": str((tmp_path / "fehlt.txt").absolute()),
        "document": None,
        "status": "failed",
        "encoding": None,
        "error": f"{tmp_path / 'fehlt.txt'}: no such file or folder",
        "hint": "check the path (`ls` shows what is there)",
    }
    assert [d["document"] for d in cli.json("docs", "list")] == ["gut.txt"]


# --- documents ----------------------------------------------------------------------------------


def test_docs_rows_carry_the_vocabulary_keys_only(demo_cli) -> None:
    [first, *_] = demo_cli.json("docs", "list")
    assert set(first) == {
        "id",
        "document",
        "attributes",
        "passages",
        "coded_passages",
        "coded_share",
        "codings",
        "imported_at",
    }
    assert (first["document"], first["passages"], first["coded_passages"]) == (
        "protokoll_01.md",
        24,
        16,
    )
    assert first["coded_share"] == 0.667
    shown = demo_cli.json("docs", "show", "protokoll_01.md")
    assert "name" not in shown and "imported" not in shown
    assert shown["document"] == "protokoll_01.md" and shown["imported_at"] == first["imported_at"]


def test_docs_remove_says_deleted_with_the_id_and_codings(demo_cli, demo_db) -> None:
    [(did,)] = rows(demo_db, "SELECT id FROM document WHERE name = 'protokoll_01.md'")
    r = demo_cli.json("docs", "remove", str(did), "--force")  # by id: the name comes back
    assert r == {"id": did, "document": "protokoll_01.md", "deleted": True, "codings": 31}
    assert rows(demo_db, "SELECT count(*) FROM document WHERE id = ?", did) == [(0,)]


# --- codes --------------------------------------------------------------------------------------


def test_codes_show_memos_are_memo_objects(demo_cli) -> None:
    demo_cli.ok("memo", "add", "Zeit fehlt überall.", "--code", CODE, "--title", "Beobachtung")
    shown = demo_cli.json("codes", "show", CODE)
    assert {"path", "created", "children"} & set(shown) == set()
    assert shown["code"] == CODE and shown["subcode_paths"] == []
    [memo] = shown["memos"]
    assert {
        k: memo[k] for k in ("on", "document", "code", "coding_id", "title", "text", "coder")
    } == {
        "on": "code",
        "document": None,
        "code": CODE,
        "coding_id": None,
        "title": "Beobachtung",
        "text": "Zeit fehlt überall.",
        "coder": "tester",
    }
    assert memo["created_at"] and memo["updated_at"]
    # the same id as the memo table's
    assert memo["id"] == demo_cli.json("memo", "list")[-1]["id"]
    parent = demo_cli.json("codes", "show", "Herausforderungen und Hindernisse")
    assert CODE in parent["subcode_paths"]


def test_code_commands_name_what_they_did(demo_cli, demo_db) -> None:
    added = demo_cli.json("codes", "add", "Neu/Kind")
    assert added == {"id": added["id"], "code": "Neu/Kind"}
    edited = demo_cli.json("codes", "edit", "Kind", "--definition", "D", "--color", "#112233")
    assert edited == {"id": added["id"], "code": "Neu/Kind", "fields": ["definition", "color"]}
    renamed = demo_cli.json("codes", "rename", "Kind", "Kind2")
    assert renamed == {"id": added["id"], "code": "Neu/Kind2", "old_code": "Neu/Kind"}
    moved = demo_cli.json("codes", "move", "Kind2", "/")
    assert moved == {"id": added["id"], "code": "Kind2", "old_code": "Neu/Kind2"}
    deleted = demo_cli.json("codes", "delete", "Neu", "--force")
    assert deleted == {
        "id": deleted["id"],
        "code": "Neu",
        "deleted": True,
        "codes": 1,
        "codings": 0,
    }
    assert rows(demo_db, "SELECT count(*) FROM code WHERE name IN ('Neu', 'Kind2')") == [(1,)]
    [first] = [c for c in demo_cli.json("codings", "--code", CODE)][:1]
    anchor = demo_cli.json("codes", "anchor", CODE, "--coding", str(first["id"]))
    assert anchor["coding_id"] == first["id"] and anchor["code"] == CODE
    assert (anchor["document"], anchor["start"], anchor["end"]) == (
        first["document"],
        first["start"],
        first["end"],
    )
    cleared = demo_cli.json("codes", "anchor", CODE, "--clear")
    assert cleared["coding_id"] is None and cleared["id"] == anchor["id"]


def test_codebook_import_counts_and_rows(demo_cli, write_file) -> None:
    book = write_file(
        "book.toml",
        '[[codes]]\npath = "Neu aus Datei"\ndefinition = "D"\n\n'
        f'[[codes]]\npath = "{CODE}"\ndefinition = "Neu definiert"\n',
    )
    r = demo_cli.json("codebook", "import", str(book), "--update")
    assert r == {
        "added": 1,
        "updated": 1,
        "unchanged": 0,
        "rows": [
            {"code": "Neu aus Datei", "status": "added", "fields": []},
            {"code": CODE, "status": "updated", "fields": ["definition"]},
        ],
        "dry_run": False,
        "encoding": "utf-8",
    }


# --- project commands ---------------------------------------------------------------------------


def test_log_rows_have_created_at_not_at(demo_cli) -> None:
    demo_cli.ok("codes", "add", "Neu")
    [entry] = demo_cli.json("log", "--limit", "1")
    assert "at" not in entry and entry["created_at"].startswith("20")
    assert entry["state"] == "done" and entry["row_changes"] == 1
    changes = demo_cli.json("log", "--entry", str(entry["id"]))
    assert [(c["table"], c["op"]) for c in changes] == [("code", "insert")]


def test_config_show_lists_the_settings_not_internal_flags(demo_cli, demo_db) -> None:
    demo_cli.ok("config", "set", "language", "de")
    con = sqlite3.connect(demo_db)
    with con:
        con.execute("INSERT INTO meta (key, value) VALUES ('checkpoint.offered.x', '1')")
    con.close()
    shown = demo_cli.json("config", "show")
    assert shown == {"schema_version": shown["schema_version"], "language": "de"}
    assert isinstance(shown["schema_version"], int)
    assert "checkpoint.offered" not in demo_cli.ok("config", "show").stdout
