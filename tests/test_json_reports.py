"""One JSON vocabulary in the reports, agreement and REFI-QDA exchange (issue 24, points 1–3,
6–8, 11–13): the same noun for the same count, lists of names, one shape with and without
--dry-run."""

from __future__ import annotations

import sqlite3

H = "Herausforderungen und Hindernisse"
ZEIT = f"{H}/Zeitmangel"


def test_freq_crosstab_and_words_count_segments_alike(demo_cli) -> None:
    """Point 3: the per-code count is `segments` in freq, crosstab and words, and it is
    the same figure (a span coded alike by anna and ben once)."""
    freq = {r["code"]: r for r in demo_cli.json("report", "freq")["rows"]}
    cross = demo_cli.json("report", "crosstab", "--by", "Format")
    assert cross["attribute_names"] == ["Format"]
    for row in cross["rows"]:  # crosstab rows hold the code with its sub-codes
        f = freq[row["code"]]
        assert (row["segments"], row["documents"]) == (f["total_segments"], f["total_documents"])
        assert sum(c["segments"] for c in row["cells"]) == row["segments"]
    assert (freq[ZEIT]["segments"], freq[ZEIT]["documents"]) == (6, 6)  # anna 6, ben 2 alike
    assert "codings" not in freq[ZEIT] and "total_codings" not in freq[ZEIT]
    words = demo_cli.json("report", "words", "--code", ZEIT, "--top", "1")
    assert words["categories"][0]["segments"] == 6
    agenda = {r["code"]: r for r in demo_cli.json("report", "agenda")["rows"]}
    assert (agenda[ZEIT]["segments"], agenda[ZEIT]["documents"]) == (6, 6)


def test_cooc_and_matrix_name_their_codes_code_paths(demo_cli) -> None:
    """Point 13: the code lists are `code_paths` (with `code_names`); `codes` is no list."""
    cooc = demo_cli.json("report", "cooc")
    matrix = demo_cli.json("report", "matrix")
    for data in (cooc, matrix):
        assert "codes" not in data and "names" not in data
        assert [p.rsplit("/", 1)[-1] for p in data["code_paths"]] == data["code_names"]
    assert len(cooc["matrix"]) == len(cooc["code_paths"])
    assert all(isinstance(p["units"], int) and "count" not in p for p in cooc["pairs"])
    row = matrix["rows"][0]
    assert set(row) == {"document", "document_id", "attributes", "values", "total"}
    assert isinstance(row["document_id"], int)
    assert matrix["attribute_names"] == list(row["attributes"])


def test_report_segments_rows_are_segments_with_coders_and_coding_ids(demo_cli, demo_db) -> None:
    """Points 1, 2, 12: a segment's coders are a list, its codings' ids are there (for
    `memo add --coding`), `orphaned` is a boolean (common.Segment, as `retrieve`)."""
    seg = demo_cli.json("report", "segments", "--code", ZEIT)
    assert seg["segments"] == len(seg["rows"]) == 6
    both = [s for s in seg["rows"] if len(s["coders"]) == 2]
    assert [s["coders"] for s in both] == [["anna", "ben"]] * 2  # ben coded 2 of anna's 6
    assert all(len(s["coding_ids"]) == 2 and "coder" not in s for s in both)
    assert [s["orphaned"] for s in seg["rows"]] == [False] * 6
    conn = sqlite3.connect(demo_db)
    with conn:  # orphan anna's coding of the first segment
        conn.execute("UPDATE coding SET orphaned = 1 WHERE id = ?", (both[0]["coding_ids"][0],))
    conn.close()
    rows = demo_cli.json("report", "segments", "--code", ZEIT)["rows"]
    # one orphaned coding makes its segment (both coders' codings of the span) orphaned
    assert [s["coding_ids"] for s in rows if s["orphaned"] is True] == [both[0]["coding_ids"]]
    assert [s["orphaned"] for s in rows].count(False) == 5
    # a coding id of a segment is what `memo add --coding` takes
    cid = seg["rows"][0]["coding_ids"][0]
    memo = demo_cli.json("memo", "add", "Zum Segment", "--coding", str(cid))
    again = demo_cli.json("report", "segments", "--code", ZEIT)["rows"][0]
    assert [(m["id"], m["coding_id"], m["text"]) for m in again["memos"]] == [
        (memo["id"], cid, "Zum Segment")
    ]


def test_agreement_lists_coders_by_name_and_no_alias(demo_cli) -> None:
    """Point 11 and the vocabulary: `document_names` (no list under `documents`), per code
    `by_coder`, a disagreement's codes per coder as a list."""
    data = demo_cli.json("agreement", "--coders", "anna,ben")
    assert "documents" not in data and "compared_documents" not in data and "codes" not in data
    assert data["coders"] == ["anna", "ben"]
    assert data["document_names"] == ["protokoll_01.md", "protokoll_03.txt"]
    assert all(set(x) == {"document", "coders"} for x in data["excluded_documents"])
    assert [c["coder"] for c in data["rows"][0]["by_coder"]] == ["anna", "ben"]
    for d in data["disagreements"]:
        a, b = d["by_coder"]
        assert (a["coder"], b["coder"]) == ("anna", "ben") and a["code_paths"] != b["code_paths"]
    same = demo_cli.json("report", "disagreements", "--coders", "anna,ben")
    assert same["disagreements"] == data["disagreements"]


def test_refi_import_has_the_same_keys_with_and_without_dry_run(demo_cli, tmp_path) -> None:
    """Points 6–8: `file` is the full path, `coders` the names and `memo_count` the memos
    of the file in export, dry run and import alike; what was done is counted by noun."""
    from conftest import Run

    out = tmp_path / "p.qdpx"
    exported = demo_cli.json("refi", "export", str(out))
    assert exported["file"] == str(out.absolute()) and exported["kind"] == "project"
    assert (exported["coders"], exported["memo_count"]) == (["anna", "ben"], 1)
    assert "Format" in exported["attribute_names"]
    other = Run(str(tmp_path / "other.sqlite"))
    dry = other.json("refi", "import", str(out), "--dry-run")
    real = other.json("refi", "import", str(out))
    assert set(dry) == set(real) - {"project_created"}
    for key in ("file", "kind", "documents", "codes", "codings", "memo_count", "coders"):
        assert dry[key] == real[key], key
    assert dry["file"] == str(out.absolute()) and dry["coders"] == ["anna", "ben"]
    assert (dry["dry_run"], real["dry_run"]) == (True, False)
    assert dry["codings_imported"] is None and dry["document_names"] is None
    assert (real["documents_imported"], real["codings_imported"], real["memos_imported"]) == (
        14,
        143,
        1,
    )
    assert len(real["document_names"]) == 14 and real["new_coders"] == ["anna", "ben"]
