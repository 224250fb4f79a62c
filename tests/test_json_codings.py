"""One JSON vocabulary (issue 24) for the coding, retrieval and Mayring commands: ids on
every row that has one, lists as lists, one memo shape, entities by their noun, counts by
what they count. conftest's Run checks every output below against its schema, too."""

from __future__ import annotations

import json
import sqlite3

CODE = "Herausforderungen und Hindernisse/Zeitmangel"
DOC = "protokoll_01.md"


def _db(run) -> sqlite3.Connection:
    return sqlite3.connect(run.db)


def test_a_retrieved_segment_carries_its_coders_codings_and_memos(demo_cli) -> None:
    run = demo_cli
    data = run.json("retrieve", CODE)
    assert [t for t in data["terms"]] == [{"term": CODE, "code": CODE}]
    assert data["segments"] == len(data["rows"]) == 6
    assert data["documents"] == 6
    assert "code" not in data and "codes" not in data
    first = data["rows"][0]
    assert (first["document"], first["start"], first["end"]) == (DOC, 2169, 2366)
    assert first["coders"] == ["anna", "ben"] and "coder" not in first
    assert first["orphaned"] is False
    with _db(run) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT coding.id FROM coding JOIN document ON document.id = coding.document_id"
                ' WHERE document.name = ? AND start = 2169 AND "end" = 2366 ORDER BY coding.id',
                (DOC,),
            )
        ]
    assert first["coding_ids"] == ids and len(ids) == 2
    # a retrieved segment's coding can be handed to `memo add --coding ID`
    memo = run.json("memo", "add", "Zeit als Grund", "--coding", str(ids[1]), "--title", "T")
    assert memo["on"] == "coding" and memo["coding_id"] == ids[1]
    assert (memo["document"], memo["code"], memo["title"], memo["text"]) == (
        None,
        None,
        "T",
        "Zeit als Grund",
    )
    assert memo["coder"] == "tester" and memo["created_at"].endswith("+00:00")
    again = run.json("retrieve", CODE)["rows"][0]
    assert again["memo"] == ""  # the codings' own memo: none
    assert [(m["id"], m["coding_id"], m["text"]) for m in again["memos"]] == [
        (memo["id"], ids[1], "Zeit als Grund")
    ]


def test_codings_show_their_own_memo_and_memo_objects(demo_cli) -> None:
    run = demo_cli
    run.ok("code", DOC, "--start", "0", "--end", "10", "--code", CODE, "--memo", "eigen")
    rows = run.json("codings", "--doc", DOC, "--code", CODE)
    mine = next(r for r in rows if r["start"] == 0)
    assert mine["memo"] == "eigen" and mine["memos"] == [] and mine["orphaned"] is False
    m = run.json("memo", "add", "dazu", "--coding", str(mine["id"]))
    mine = next(r for r in run.json("codings", "--doc", DOC, "--code", CODE) if r["start"] == 0)
    assert mine["memo"] == "eigen"
    assert [(x["id"], x["on"], x["coding_id"], x["text"]) for x in mine["memos"]] == [
        (m["id"], "coding", mine["id"], "dazu")
    ]


def test_memo_list_names_what_a_memo_is_about(demo_cli) -> None:
    run = demo_cli
    run.ok("memo", "add", "Dok", "--doc", DOC)
    run.ok("memo", "add", "Code", "--code", "Zeitmangel")
    memos = run.json("memo", "list")
    assert [(m["on"], m["document"], m["code"], m["coding_id"]) for m in memos] == [
        ("project", None, None, None),
        ("document", DOC, None, None),
        ("code", None, CODE, None),
    ]
    assert all("target" not in m and "updated" not in m for m in memos)
    assert [m["text"] for m in run.json("memo", "list", "--on", "code")] == ["Code"]
    r = run("memo", "list", "--on", "codes", "--json")
    assert r.exit_code == 2 and json.loads(r.stdout)["error"] == "unknown memo target 'codes'"


def test_passages_and_search_hits_carry_passage_ids(demo_cli) -> None:
    run = demo_cli
    passages = run.json("passages", "--doc", DOC)
    with _db(run) as conn:
        stored = conn.execute(
            'SELECT passage.id, start, "end" FROM passage JOIN document'
            " ON document.id = passage.document_id WHERE document.name = ?"
            " AND unit = 'paragraph' ORDER BY start",
            (DOC,),
        ).fetchall()
    assert [(p["id"], p["start"], p["end"]) for p in passages] == stored
    hits = run.json("search", "Zeit", "--doc", DOC)
    assert [(h["passage_id"], h["start"], h["code_paths"]) for h in hits] == [
        (2, 132, []),
        (14, 2252, [CODE]),
    ]
    by_id = {p["id"]: p for p in passages}
    for h in hits:
        assert by_id[h["passage_id"]]["start"] <= h["start"] < by_id[h["passage_id"]]["end"]


def test_codings_export_json_without_a_file_prints_rows(demo_cli) -> None:
    run = demo_cli
    r = run.ok("codings", "export", "--doc", DOC, "--json")
    rows = json.loads(r.stdout)
    assert rows == run.json("codings", "--doc", DOC)
    assert len(rows) == 31 and not r.stdout.startswith("document,")


def test_codings_import_counts_by_noun(demo_cli, write_file) -> None:
    f = write_file("c.csv", f"document,start,end,code\n{DOC},0,10,{CODE}\n")
    d = demo_cli.json("codings", "import", str(f))
    assert d == {"codings": 1, "skipped": 0, "encoding": "utf-8"}
    again = demo_cli.json("codings", "import", str(f))
    assert again == {"codings": 0, "skipped": 1, "encoding": "utf-8"}


def test_sets_carry_their_id_and_document_names(demo_cli) -> None:
    run = demo_cli
    added = run.json("set", "add", "Zwei", "protokoll_02.md", DOC)
    with _db(run) as conn:
        (sid,) = conn.execute("SELECT id FROM doc_set WHERE name = 'Zwei'").fetchone()
    assert added == {
        "id": sid,
        "set": "Zwei",
        "created": True,
        "rule": None,
        "added": 2,
        "documents": 2,
    }
    shown = run.json("set", "show", "Zwei")
    assert shown["id"] == sid and shown["document_names"] == [DOC, "protokoll_02.md"]
    assert "members" not in shown
    out = run.json("set", "remove", "Zwei", DOC)
    assert (out["id"], out["deleted"], out["removed"], out["documents"]) == (sid, False, 1, 1)


def test_rq_list_and_show_have_one_row_shape(demo_cli) -> None:
    run = demo_cli
    added = run.json(
        "rq", "add", "F9", "-q", "Welche Hürden?", "-c", "Herausforderungen und Hindernisse"
    )
    shown = run.json("rq", "show", "F9")
    (listed,) = run.json("rq", "list")
    assert added == shown == listed
    assert shown["rq"] == "F9" and "name" not in shown and "categories" not in shown
    assert shown["code_paths"] == ["Herausforderungen und Hindernisse"]
    with _db(run) as conn:
        codings, documents = conn.execute(
            "SELECT count(*), count(DISTINCT coding.document_id) FROM coding"
            " JOIN code ON code.id = coding.code_id JOIN coder ON coder.id = coding.coder_id"
            " WHERE coder.name != 'auto' AND (code.name = 'Herausforderungen und Hindernisse'"
            " OR code.parent_id = (SELECT id FROM code WHERE name ="
            " 'Herausforderungen und Hindernisse'))"
        ).fetchone()
    assert (shown["codings"], shown["documents"]) == (codings, documents)
    assert 0 < shown["segments"] < shown["codings"]  # anna and ben coded spans alike
    assert 0 < shown["coded_share"] < 1
    deleted = run.json("rq", "delete", "F9")
    assert deleted == {"id": shown["id"], "rq": "F9", "codes": 1}


def test_checkpoints_by_their_noun_and_diff_counts_as_numbers(demo_cli) -> None:
    run = demo_cli
    stored = run.json("checkpoint", "R1", "--note", "n")
    assert stored["checkpoint"] == "R1" and "name" not in stored
    assert run.json("checkpoint", "list") == [stored]
    run.ok("codes", "add", "Neu")
    run.ok("codes", "rename", "Zeitmangel", "Zeitnot")
    d = run.json("checkpoint", "diff", "R1")
    assert (d["from"], d["to"]) == ("R1", "now")
    assert (d["codes_before"], d["codes_after"]) == (stored["codes"], stored["codes"] + 1)
    assert d["codings_before"] == d["codings_after"] == stored["codings"]
    renamed = next(c for c in d["changes"] if c["change"] == "renamed")
    assert (renamed["name_before"], renamed["name_after"]) == ("Zeitmangel", "Zeitnot")


def test_check_samples_by_their_noun_and_units(demo_cli) -> None:
    run = demo_cli
    drawn = run.json("check-sample", "--coder", "anna", "--seed", "7", "--name", "S1")
    assert drawn["check_sample"] == "S1" and drawn["unit"] == "paragraph"
    assert drawn["units"] == round(0.1 * drawn["population"]) and drawn["units_done"] == 0
    (listed,) = run.json("check-sample", "--list")
    assert listed == {k: v for k, v in drawn.items() if k != "population"}
    assert run.json("check-sample", "--delete", "S1")["check_sample"] == "S1"


def test_summary_set_says_deleted(demo_cli) -> None:
    run = demo_cli
    saved = run.json("summary", "set", DOC, CODE, "kurz")
    assert saved["deleted"] is False and isinstance(saved["id"], int)
    gone = run.json("summary", "set", DOC, CODE, "")
    assert gone == {"id": None, "document": DOC, "code": CODE, "text": "", "deleted": True}


def test_suggestions_and_next_list_suggested_codes(demo_cli) -> None:
    run = demo_cli
    rows = run.json("suggest", "--doc", "protokoll_14.md", "--top", "2")
    assert rows and all(len(r["suggested_codes"]) <= 2 and "text" not in r for r in rows)
    assert all("suggestions" not in r for r in rows)
    nxt = run.json("next", "--n", "2")
    assert len(nxt) == 2 and all(isinstance(r["suggested_codes"], list) for r in nxt)


def test_search_code_mark_and_recode_map_validate(demo_cli, write_file) -> None:
    run = demo_cli
    d = run.json("search", "Zeit", "--doc", DOC, "--code", CODE)
    assert d["dry_run"] is True and d["found"] == 2 and d["code"] == CODE
    run.ok("mark", "protokoll_02.md", "--start", "0", "--end", "10", "--not-relevant")
    m = run.json("mark", "protokoll_02.md", "--start", "0", "--end", "10", "--relevant")
    assert m["removed"] == 1 and "created" not in m
    other = "Herausforderungen und Hindernisse/Personalmangel"
    f = write_file("map.csv", f"from,to\n{CODE},Neu\n{other},Neu\n")
    r = run.json("recode", "--map", str(f), "--create", "--dry-run", "--sample", "2")
    assert r["created_code_paths"] == ["Neu"] and r["totals"]["codes_created"] == 1
    sample = r["rules"][0]["sample"]
    assert sample and all(isinstance(s["coding_id"], int) for s in sample)
